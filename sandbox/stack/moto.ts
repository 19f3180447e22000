import { execFileSync } from 'node:child_process';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBInstancesCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { Component, ComponentError } from './component';
import { isAlive, portOpen, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { StackSettings } from './settings';

export const SANDBOX_DB_INSTANCE = 'shop-source';
export const SANDBOX_PARAMETER_GROUP = 'shop-source-mysql80';
const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** moto's server standing in for S3, RDS and CloudWatch; seeded with the pipeline's bucket and the source's RDS view. */
export function motoComponent(s: StackSettings, log: (line: string) => void): Component {
  const endpoint = `http://${s.host}:${s.motoPort}`;
  const seed = async () => {
    const s3 = new S3Client({ endpoint, region: s.region, forcePathStyle: true, credentials });
    try {
      await s3.send(new HeadBucketCommand({ Bucket: s.bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: s.bucket }));
      log(`created bucket s3://${s.bucket}`);
    }
    const rds = new RDSClient({ endpoint, region: s.region, credentials });
    const existing = await rds.send(new DescribeDBInstancesCommand({})).then((r) => r.DBInstances ?? []);
    if (!existing.some((i) => i.DBInstanceIdentifier === SANDBOX_DB_INSTANCE)) {
      // The RDS view of the sandbox source: what a DMS-ready RDS for MySQL instance would report.
      await rds.send(
        new CreateDBParameterGroupCommand({
          DBParameterGroupName: SANDBOX_PARAMETER_GROUP,
          DBParameterGroupFamily: 'mysql8.0',
          Description: 'DMS-ready source',
        }),
      );
      await rds.send(
        new ModifyDBParameterGroupCommand({
          DBParameterGroupName: SANDBOX_PARAMETER_GROUP,
          Parameters: [
            { ParameterName: 'binlog_format', ParameterValue: 'ROW', ApplyMethod: 'immediate' },
            { ParameterName: 'binlog_row_image', ParameterValue: 'FULL', ApplyMethod: 'immediate' },
            { ParameterName: 'binlog_checksum', ParameterValue: 'NONE', ApplyMethod: 'immediate' },
          ],
        }),
      );
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: SANDBOX_DB_INSTANCE,
          DBInstanceClass: 'db.r5.large',
          Engine: 'mysql',
          AllocatedStorage: 100,
          MasterUsername: 'admin',
          MasterUserPassword: 'sandbox-only-password',
          DBParameterGroupName: SANDBOX_PARAMETER_GROUP,
          BackupRetentionPeriod: 7,
        }),
      );
      log(`created RDS instance ${SANDBOX_DB_INSTANCE} in moto`);
    }
  };
  return {
    name: 'moto',
    address: `${endpoint} (S3, RDS, CloudWatch)`,
    isUp: async () => isAlive(readPid(s.stackDir, 'moto')) && (await portOpen(s.host, s.motoPort)),
    async start() {
      try {
        execFileSync('python3', ['-c', 'import moto.server'], { stdio: 'pipe' });
      } catch {
        throw new ComponentError('moto', 'python3 cannot import moto.server', "python3 -m pip install 'moto[server]'");
      }
      startDetached({
        name: 'moto',
        command: 'python3',
        args: ['-m', 'moto.server', '-H', s.host, '-p', String(s.motoPort)],
        stackDir: s.stackDir,
        logsDir: s.logsDir,
      });
      await waitFor(
        'moto',
        () => portOpen(s.host, s.motoPort),
        60000,
        () => tailLog(s.logsDir, 'moto'),
      );
    },
    seed,
    stop: () => stopProcess(s.stackDir, 'moto'),
    env: () => ({
      AWS_ENDPOINT_URL_S3: endpoint,
      AWS_ENDPOINT_URL_RDS: endpoint,
      AWS_ENDPOINT_URL_CLOUDWATCH: endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
      MOTO_ENDPOINT: endpoint,
      STACK_BUCKET: s.bucket,
      SANDBOX_DB_INSTANCE,
    }),
  };
}
