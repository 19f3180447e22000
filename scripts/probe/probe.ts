import {
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
} from '@aws-sdk/client-database-migration-service';
import { type _Object, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import type { AwsClients } from '../../activities/awsClients';
import { LOAD_FILE, s3AsyncBuffer } from '../../activities/tableChecksums';
import { type PipelineConfig, targetEndpointOf } from '../../domain/config';
import { redact, redactText } from './redact';
import { mergeShapes, type Shape, shapeOf } from './shapes';

/** The only calls the probe makes: reads. Printed before it starts, checked by its test against the emulator's counters. */
export const PROBE_CALLS = [
  'dms:DescribeReplicationInstances',
  'dms:DescribeEndpoints',
  'dms:DescribeReplicationTasks',
  'dms:DescribeTableStatistics',
  's3:ListObjectsV2',
  's3:GetObject (byte ranges of one LOAD and one CDC Parquet file per task group: footer and first rows)',
] as const;

export interface FileSample {
  key: string;
  rows: number;
  /** Column name → physical type, logical/converted type. */
  columns: Array<{ name: string; type?: string; logical?: string }>;
  /** The shape of the first rows (types only, never values). */
  rowShape: Shape;
}

export interface Transcript {
  probe: 'dms-runbooks probe:aws';
  version: 1;
  region: string;
  /** Redacted Describe answers (no account ids, hosts, users, passwords), JSON strings parsed. */
  describe: Record<string, unknown>;
  /** One LOAD and one CDC file per task group, where they exist. */
  files: Record<string, { load?: FileSample; cdc?: FileSample; note?: string }>;
}

const JSON_MEMBERS = new Set(['TableMappings', 'ReplicationTaskSettings', 'TaskData']);

function parseJsonMembers(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(parseJsonMembers);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => {
      if (JSON_MEMBERS.has(k) && typeof v === 'string') {
        try {
          return [k, JSON.parse(v) as unknown];
        } catch {
          return [k, v];
        }
      }
      return [k, parseJsonMembers(v)];
    }),
  );
}

const clean = (answer: object) => redact(parseJsonMembers({ ...answer, $metadata: undefined }));

async function sampleFile(clients: AwsClients, bucket: string, object: _Object): Promise<FileSample> {
  const key = object.Key!;
  const buffer = s3AsyncBuffer(clients.s3, bucket, key, object.Size ?? 0, { bytes: 0 });
  const metadata = await parquetMetadataAsync(buffer, { initialFetchSize: 64 * 1024 });
  const rows = await parquetReadObjects({ file: buffer, metadata, rowStart: 0, rowEnd: Math.min(3, Number(metadata.num_rows)) });
  return {
    key: redactText(key),
    rows: Number(metadata.num_rows),
    columns: metadata.schema.slice(1).map((e) => ({
      name: e.name,
      type: e.type,
      logical: e.logical_type
        ? JSON.stringify(e.logical_type, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))
        : e.converted_type,
    })),
    rowShape: shapeOf(rows),
  };
}

async function listTable(clients: AwsClients, bucket: string, prefix: string): Promise<_Object[]> {
  const answer = await clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
  return (answer.Contents ?? []).filter((o) => o.Key?.endsWith('.parquet'));
}

/** Describes the pipeline's DMS resources and samples its files; makes no call outside PROBE_CALLS. */
export async function probe(config: PipelineConfig, clients: AwsClients, log: (line: string) => void): Promise<Transcript> {
  const transcript: Transcript = { probe: 'dms-runbooks probe:aws', version: 1, region: config.region, describe: {}, files: {} };
  const instances = config.dms.replicationInstances.map((i) => i.identifier);
  const endpoints = [
    ...new Set([config.dms.endpoints.source, config.dms.endpoints.target, ...config.taskGroups.map((g) => targetEndpointOf(config, g))]),
  ];
  const tasks = config.taskGroups.map((g) => g.taskIdentifier);

  log(`describing instances ${instances.join(', ')}`);
  transcript.describe.DescribeReplicationInstances = clean(
    await clients.dms.send(new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: instances }] })),
  );
  log(`describing endpoints ${endpoints.join(', ')}`);
  transcript.describe.DescribeEndpoints = clean(
    await clients.dms.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: endpoints }] })),
  );
  log(`describing tasks ${tasks.join(', ')}`);
  const described = await clients.dms.send(
    new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: tasks }] }),
  );
  transcript.describe.DescribeReplicationTasks = clean(described);

  const statistics: unknown[] = [];
  for (const group of config.taskGroups) {
    const task = described.ReplicationTasks?.find((t) => t.ReplicationTaskIdentifier === group.taskIdentifier);
    if (!task) {
      transcript.files[group.name] = { note: `task ${group.taskIdentifier} not found` };
      continue;
    }
    const stats = await clients.dms.send(
      new DescribeTableStatisticsCommand({ ReplicationTaskArn: task.ReplicationTaskArn, MaxRecords: 20 }),
    );
    statistics.push(clean(stats));
    const table = stats.TableStatistics?.find((s) => (s.FullLoadRows ?? 0) > 0) ?? stats.TableStatistics?.[0];
    if (!table) {
      transcript.files[group.name] = { note: 'no table statistics yet' };
      continue;
    }
    const prefix = `${config.target.folder ? `${config.target.folder}/` : ''}${table.SchemaName}/${table.TableName}/`;
    log(`sampling files of ${table.SchemaName}.${table.TableName} (task group ${group.name})`);
    const objects = await listTable(clients, config.target.bucket, prefix);
    const load = objects.find((o) => LOAD_FILE.test(o.Key ?? ''));
    const cdc = objects.filter((o) => !LOAD_FILE.test(o.Key ?? '')).at(-1);
    transcript.files[group.name] = {
      load: load && (await sampleFile(clients, config.target.bucket, load)),
      cdc: cdc && (await sampleFile(clients, config.target.bucket, cdc)),
      note: objects.length === 1000 ? 'first 1000 objects of the table listed' : undefined,
    };
  }
  transcript.describe.DescribeTableStatistics = statistics;
  return transcript;
}

const HEADER_COLUMN = /^(Op|ar_h_.*|\$?AR_H_.*)$/i;

/**
 * The shapes a transcript is compared by: every Describe answer (whatever the pipeline's names), and per kind of file
 * (LOAD, CDC) the types of the header columns DMS adds and the set of column types it writes.
 */
export function transcriptShape(transcript: Transcript): Shape {
  const files: Record<string, Shape> = {};
  for (const sample of Object.values(transcript.files)) {
    for (const kind of ['load', 'cdc'] as const) {
      const file = sample[kind];
      if (!file) continue;
      const typeOf = (c: FileSample['columns'][number]) => `${c.type ?? 'group'} ${c.logical ?? 'plain'}`;
      const header = Object.fromEntries(file.columns.filter((c) => HEADER_COLUMN.test(c.name)).map((c) => [c.name, typeOf(c)]));
      const types = Object.fromEntries(file.columns.filter((c) => !HEADER_COLUMN.test(c.name)).map((c) => [typeOf(c), 'written']));
      files[kind] = mergeShapes(files[kind], { header, types });
    }
  }
  return { describe: shapeOf(transcript.describe), files };
}
