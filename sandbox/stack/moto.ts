import fs from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateDBInstanceCommand,
  CreateDBParameterGroupCommand,
  DescribeDBInstancesCommand,
  ModifyDBParameterGroupCommand,
  RDSClient,
} from '@aws-sdk/client-rds';
import { Component } from './component';
import { isAlive, portOpen, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { ensurePythonEnv, pinnedVersion, pythonEnvDir, pythonModuleVersion } from './pythonEnv';
import { StackSettings } from './settings';

export const SANDBOX_DB_INSTANCE = 'shop-source';
export const SANDBOX_PARAMETER_GROUP = 'shop-source-mysql80';
const credentials = { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' };

/** Whether a process was started by this interpreter (its first argument), read from /proc on Linux. */
export function runsFrom(pid: number, interpreter: string): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] === interpreter;
  } catch {
    return true; // no /proc here: trust the pid file
  }
}

/**
 * moto's server standing in for S3, RDS and CloudWatch; seeded with the pipeline's bucket and the source's RDS view.
 * It runs from the project's own Python environment (pinned in sandbox/python/requirements.txt), never the machine's.
 */
export function motoComponent(s: StackSettings, log: (line: string) => void): Component {
  const endpoint = `http://${s.host}:${s.motoPort}`;
  const projectPython = () => path.join(pythonEnvDir(s.toolsDir), 'bin', 'python');
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
    // A moto started by an older checkout from another Python is not ours: it is replaced (its S3 objects go with it).
    isUp: async () => {
      const pid = readPid(s.stackDir, 'moto');
      return isAlive(pid) && runsFrom(pid!, projectPython()) && (await portOpen(s.host, s.motoPort));
    },
    async start() {
      const python = ensurePythonEnv(s.toolsDir, log);
      if (isAlive(readPid(s.stackDir, 'moto'))) {
        log('replacing a moto that does not run from the project Python environment');
        await stopProcess(s.stackDir, 'moto');
      }
      startDetached({
        name: 'moto',
        command: python,
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
    version: () => {
      const running = pythonModuleVersion(s.toolsDir, 'moto');
      return running ? `moto ${running}` : `moto ${pinnedVersion('moto')} (pinned, not installed yet)`;
    },
    env: () => ({
      SANDBOX_PYTHON: projectPython(),
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
