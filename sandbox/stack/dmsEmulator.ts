import fs from 'node:fs';
import path from 'node:path';
import {
  CreateEndpointCommand,
  CreateReplicationInstanceCommand,
  CreateReplicationTaskCommand,
  DatabaseMigrationServiceClient,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  type Endpoint,
  type ReplicationInstance,
  type ReplicationTask,
  StartReplicationTaskCommand,
  waitUntilReplicationInstanceAvailable,
  waitUntilReplicationTaskReady,
} from '@aws-sdk/client-database-migration-service';
import { type PipelineConfig, type TaskGroupConfig } from '../../domain/config';
import { loadPipelineConfigFile } from '../../worker/configFile';
import { Component } from './component';
import { SANDBOX_DMS_USER } from './mariadb';
import { isAlive, portOpen, readPid, startDetached, stopProcess, tailLog, waitFor } from './processes';
import { StackSettings } from './settings';

/** The sandbox's own instance sizing (the pipeline config names the instance, not its size). */
const SANDBOX_INSTANCE_CLASS = 'dms.r5.large';
const SANDBOX_STORAGE_GB = 100;
/** Groups the seed starts; `marketing` is left for the onboarding demo to create. */
const SEEDED_GROUPS = ['core', 'events'];

/**
 * The role DMS writes to the bucket with: an S3 endpoint cannot be created without one (botocore `S3Settings`
 * `ServiceAccessRoleArn`: "It is a required parameter that enables DMS to write and read objects from an S3 bucket.").
 */
export const SANDBOX_S3_ROLE_ARN = 'arn:aws:iam::123456789012:role/dms-s3-sandbox';

/**
 * The sandbox S3 target settings: what the pipeline wants (AWS DMS User Guide, "Using Amazon S3 as a target for AWS
 * Database Migration Service": Parquet, date-based folder partitioning, endpoint settings).
 */
export function sandboxS3Settings(bucket: string, folder: string) {
  return {
    BucketName: bucket,
    BucketFolder: folder,
    ServiceAccessRoleArn: SANDBOX_S3_ROLE_ARN,
    DataFormat: 'parquet' as const,
    ParquetVersion: 'parquet-2-0' as const,
    DatePartitionEnabled: true,
    DatePartitionSequence: 'YYYYMMDD' as const,
    DatePartitionDelimiter: 'NONE' as const,
    TimestampColumnName: 'dms_commit_ts',
    IncludeOpForFullLoad: true,
    CdcMaxBatchInterval: 60,
    CdcMinFileSize: 32000,
    MaxFileSize: 1048576,
  };
}

/** A task group's mapping: one selection rule per table, plus the change-sequence and operation columns downstream ordering needs. */
export function sandboxTableMappings(group: TaskGroupConfig): string {
  const selection = group.tables.map((pattern, i) => {
    const [schema, table] = pattern.split('.');
    return {
      'rule-type': 'selection',
      'rule-id': String(i + 1),
      'rule-name': `include-${schema}-${table}`,
      'object-locator': { 'schema-name': schema, 'table-name': table },
      'rule-action': 'include',
    };
  });
  const headers = [
    ['ar_h_change_seq', '$AR_H_CHANGE_SEQ', { type: 'string', length: 50 }],
    ['ar_h_operation', '$AR_H_OPERATION', { type: 'string', length: 10 }],
    ['ar_h_timestamp', '$AR_H_TIMESTAMP', { type: 'datetime', precision: 6 }],
  ] as const;
  const transformations = headers.map(([column, expression, dataType], i) => ({
    'rule-type': 'transformation',
    'rule-id': String(100 + i),
    'rule-name': `add-${column}`,
    'rule-target': 'column',
    'object-locator': { 'schema-name': '%', 'table-name': '%' },
    'rule-action': 'add-column',
    value: column,
    expression,
    'data-type': dataType,
  }));
  return JSON.stringify({ rules: [...selection, ...transformations] });
}

function projectVersion(root: string): string {
  return (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

function loadConfig(s: StackSettings): PipelineConfig {
  const file = path.join(s.root, 'config', 'sandbox.pipeline.yaml');
  return loadPipelineConfigFile(file, { ...process.env, SOURCE_DB_HOST: s.host, SOURCE_DB_PORT: String(s.mysqlPort) });
}

async function describeOrNone<T>(call: () => Promise<T[] | undefined>): Promise<T[]> {
  try {
    return (await call()) ?? [];
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundFault') return [];
    throw error;
  }
}

/** The DMS emulator: the DMS API on its own port, with the sandbox pipeline's instance, endpoints and running tasks. */
export function dmsEmulatorComponent(s: StackSettings, log: (line: string) => void): Component {
  const endpoint = `http://${s.host}:${s.dmsPort}`;
  const motoEndpoint = `http://${s.host}:${s.motoPort}`;
  const healthy = async () => {
    if (!(await portOpen(s.host, s.dmsPort))) return false;
    try {
      return (await fetch(`${endpoint}/_admin/health`)).ok;
    } catch {
      return false;
    }
  };

  const seed = async () => {
    const config = loadConfig(s);
    const dms = new DatabaseMigrationServiceClient({
      endpoint,
      region: s.region,
      credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    });
    const waiter = { client: dms, maxWaitTime: 120, minDelay: 1, maxDelay: 2 };

    const instances = new Map<string, ReplicationInstance>();
    for (const wanted of config.dms.replicationInstances) {
      const filter = [{ Name: 'replication-instance-id', Values: [wanted.identifier] }];
      let found = (
        await describeOrNone(() =>
          dms.send(new DescribeReplicationInstancesCommand({ Filters: filter })).then((r) => r.ReplicationInstances),
        )
      )[0];
      if (!found) {
        log(`creating DMS replication instance ${wanted.identifier}`);
        found = (
          await dms.send(
            new CreateReplicationInstanceCommand({
              ReplicationInstanceIdentifier: wanted.identifier,
              ReplicationInstanceClass: SANDBOX_INSTANCE_CLASS,
              AllocatedStorage: SANDBOX_STORAGE_GB,
            }),
          )
        ).ReplicationInstance!;
      }
      await waitUntilReplicationInstanceAvailable(waiter, { Filters: filter });
      instances.set(wanted.identifier, found);
    }

    const source = config.sources[0]!;
    const endpoints = new Map<string, Endpoint>();
    const ensureEndpoint = async (identifier: string, create: () => Promise<Endpoint>) => {
      const filter = [{ Name: 'endpoint-id', Values: [identifier] }];
      const found = (await describeOrNone(() => dms.send(new DescribeEndpointsCommand({ Filters: filter })).then((r) => r.Endpoints)))[0];
      if (found) return found;
      log(`creating DMS endpoint ${identifier}`);
      return create();
    };
    endpoints.set(
      'source',
      await ensureEndpoint(config.dms.endpoints.source, async () =>
        dms
          .send(
            new CreateEndpointCommand({
              EndpointIdentifier: config.dms.endpoints.source,
              EndpointType: 'source',
              EngineName: 'mysql',
              ServerName: s.host,
              Port: s.mysqlPort,
              Username: SANDBOX_DMS_USER,
              Password: s.sourcePassword,
            }),
          )
          .then((r) => r.Endpoint!),
      ),
    );
    endpoints.set(
      'target',
      await ensureEndpoint(config.dms.endpoints.target, async () =>
        dms
          .send(
            new CreateEndpointCommand({
              EndpointIdentifier: config.dms.endpoints.target,
              EndpointType: 'target',
              EngineName: 's3',
              S3Settings: sandboxS3Settings(config.target.bucket, config.target.folder),
            }),
          )
          .then((r) => r.Endpoint!),
      ),
    );

    for (const group of config.taskGroups.filter((g) => SEEDED_GROUPS.includes(g.name) && g.source === source.name)) {
      const filter = [{ Name: 'replication-task-id', Values: [group.taskIdentifier] }];
      let task: ReplicationTask | undefined = (
        await describeOrNone(() =>
          dms.send(new DescribeReplicationTasksCommand({ Filters: filter, WithoutSettings: true })).then((r) => r.ReplicationTasks),
        )
      )[0];
      if (!task) {
        log(`creating DMS replication task ${group.taskIdentifier}`);
        task = (
          await dms.send(
            new CreateReplicationTaskCommand({
              ReplicationTaskIdentifier: group.taskIdentifier,
              SourceEndpointArn: endpoints.get('source')!.EndpointArn,
              TargetEndpointArn: endpoints.get('target')!.EndpointArn,
              ReplicationInstanceArn: instances.get(group.instance)!.ReplicationInstanceArn,
              MigrationType: 'full-load-and-cdc',
              TableMappings: sandboxTableMappings(group),
            }),
          )
        ).ReplicationTask!;
      }
      if (task.Status === 'creating' || task.Status === 'ready') {
        await waitUntilReplicationTaskReady(waiter, { Filters: filter });
        log(`starting DMS replication task ${group.taskIdentifier} (full load, then CDC)`);
        await dms.send(
          new StartReplicationTaskCommand({ ReplicationTaskArn: task.ReplicationTaskArn, StartReplicationTaskType: 'start-replication' }),
        );
      }
    }
    dms.destroy();
  };

  return {
    name: 'dms',
    address: `${endpoint} (admin ${endpoint}/_admin)`,
    dependsOn: ['mariadb', 'moto'],
    isUp: async () => isAlive(readPid(s.stackDir, 'dms')) && (await portOpen(s.host, s.dmsPort)),
    async start() {
      startDetached({
        name: 'dms',
        command: path.join(s.root, 'node_modules', '.bin', 'tsx'),
        args: [path.join(s.root, 'sandbox', 'dms-emulator', 'main.ts')],
        stackDir: s.stackDir,
        logsDir: s.logsDir,
        cwd: s.root,
        env: {
          ...process.env,
          STACK_DIR: s.stackDir,
          DMS_EMULATOR_PORT: String(s.dmsPort),
          AWS_REGION: s.region,
          AWS_ACCESS_KEY_ID: 'sandbox',
          AWS_SECRET_ACCESS_KEY: 'sandbox',
          AWS_ENDPOINT_URL_S3: motoEndpoint,
          AWS_ENDPOINT_URL_CLOUDWATCH: motoEndpoint,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          STACK_DMS_SPEED: String(s.dmsSpeed),
        },
      });
      await waitFor('dms', healthy, 60000, () => `${s.logsDir}/dms.log:\n${tailLog(s.logsDir, 'dms')}`);
    },
    seed,
    stop: () => stopProcess(s.stackDir, 'dms'),
    // The emulator is this repository's own code: its version is the project's, run by this Node.
    version: () => `dms-runbooks emulator ${projectVersion(s.root)} (API 2016-01-01), Node ${process.versions.node}`,
    env: () => ({
      AWS_ENDPOINT_URL_DATABASE_MIGRATION_SERVICE: endpoint,
      DMS_EMULATOR_ADMIN_URL: `${endpoint}/_admin`,
      STACK_DMS_SPEED: String(s.dmsSpeed),
    }),
  };
}
