import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  CreateReplicationTaskCommand,
  DescribeEndpointsCommand,
  DescribeReplicationInstancesCommand,
  DatabaseMigrationServiceClient,
  paginateDescribeTableStatistics,
  StartReplicationTaskCommand,
  TableStatistics,
  waitUntilReplicationTaskReady,
} from '@aws-sdk/client-database-migration-service';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { decideUpdate, statusQuery } from '../contracts/handlers';
import { pipelineConfigSchema } from '../domain/config';
import { headerRules, dmsClient, eventually, fastWaiter } from '../test/support/dmsEmulatorClient';
import { removeTask } from '../test/support/replicatedTables';
import { scratchGroup } from '../test/support/runbooks';
import { sourceAdmin } from '../test/support/sourceAdmin';
import { testConfig } from '../test/support/testConfig';
import { benchEnv, setEmulatorSpeed, startBenchWorker, temporalClient, writeResult } from './benchSupport';

/**
 * A task-mode fullReload of one task holding BENCH_RELOAD_TABLES tables (2,000 by default) in the emulator, approved
 * at both gates: the events of the largest execution (the runbook and any child it starts), the largest payload in
 * those histories, and the wall time. Temporal stops an execution at 51,200 events or 50 MB of history and warns
 * past 10,240 events ("Workflow Execution limits", docs.temporal.io/workflow-execution/limits); a payload warns at
 * 256 KB and fails at 2 MB ("Self-hosted Temporal Service defaults", docs.temporal.io/self-hosted-guide/defaults).
 * The issue's bounds are 10,000 events and 256 KB. A run that fails records where it failed.
 */
const TABLES = Number(process.env.BENCH_RELOAD_TABLES ?? 2000);
const ROWS = 5;

/** Creates the tables in the source's `shop` schema, `ROWS` rows each, in a few multi-statement round trips. */
async function createTables(prefix: string): Promise<string[]> {
  const admin = await sourceAdmin();
  const names = Array.from({ length: TABLES }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);
  try {
    for (let i = 0; i < names.length; i += 100) {
      const statements = names
        .slice(i, i + 100)
        .flatMap((name) => [
          `CREATE TABLE shop.\`${name}\` (id INT NOT NULL PRIMARY KEY, state ENUM('new','active','closed') NOT NULL, amount DECIMAL(10,2) NOT NULL) ENGINE=InnoDB`,
          `INSERT INTO shop.\`${name}\` SELECT seq, ELT(1 + seq % 3, 'new', 'active', 'closed'), seq + 0.5 FROM shop.seq_1_to_${ROWS}`,
        ]);
      for (const statement of statements) await admin.query(statement);
    }
  } finally {
    await admin.end();
  }
  return names.map((n) => `shop.${n}`);
}

async function dropTables(tables: string[]): Promise<void> {
  const admin = await sourceAdmin();
  try {
    for (const t of tables) await admin.query(`DROP TABLE IF EXISTS shop.\`${t.split('.')[1]}\``);
  } finally {
    await admin.end();
  }
}

/** Every table's statistics, page after page (DescribeTableStatistics answers 100 by default). */
async function allTableStatistics(client: DatabaseMigrationServiceClient, taskArn: string): Promise<TableStatistics[]> {
  const out: TableStatistics[] = [];
  for await (const page of paginateDescribeTableStatistics({ client }, { ReplicationTaskArn: taskArn, MaxRecords: 500 }))
    out.push(...(page.TableStatistics ?? []));
  return out;
}

/** A full-load-and-cdc task over every table of the prefix (one wildcard selection rule), loaded. */
async function replicate(taskIdentifier: string, prefix: string): Promise<string> {
  const client = dmsClient();
  try {
    const instance = (
      await client.send(
        new DescribeReplicationInstancesCommand({ Filters: [{ Name: 'replication-instance-id', Values: ['shop-repl-1'] }] }),
      )
    ).ReplicationInstances![0]!;
    const endpoints = (await client.send(new DescribeEndpointsCommand({}))).Endpoints ?? [];
    const arnOf = (id: string) => endpoints.find((e) => e.EndpointIdentifier === id)!.EndpointArn!;
    const rules = [
      {
        'rule-type': 'selection',
        'rule-id': '1',
        'rule-name': 'include-bench-tables',
        'object-locator': { 'schema-name': 'shop', 'table-name': `${prefix}%` },
        'rule-action': 'include',
      },
      ...headerRules,
    ];
    const created = await client.send(
      new CreateReplicationTaskCommand({
        ReplicationTaskIdentifier: taskIdentifier,
        ReplicationInstanceArn: instance.ReplicationInstanceArn,
        SourceEndpointArn: arnOf('shop-source'),
        TargetEndpointArn: arnOf('shop-lake-s3'),
        MigrationType: 'full-load-and-cdc',
        TableMappings: JSON.stringify({ rules }),
      }),
    );
    const arn = created.ReplicationTask!.ReplicationTaskArn!;
    await waitUntilReplicationTaskReady(fastWaiter(client), { Filters: [{ Name: 'replication-task-arn', Values: [arn] }] });
    await client.send(new StartReplicationTaskCommand({ ReplicationTaskArn: arn, StartReplicationTaskType: 'start-replication' }));
    await eventually(
      () => allTableStatistics(client, arn),
      (stats) => stats.length === TABLES && stats.every((s) => s.TableState === 'Table completed'),
      TABLES * 2000,
      `full load of ${TABLES} tables`,
    );
    return arn;
  } finally {
    client.destroy();
  }
}

interface ExecutionSize {
  workflowId: string;
  events: number;
  historyBytes: number;
  largestPayload: { bytes: number; event: string };
}

/** Every payload's data in an event, wherever the event type keeps it. */
function payloadSizes(value: unknown, out: number[] = []): number[] {
  if (!value || typeof value !== 'object') return out;
  if (value instanceof Uint8Array) return out;
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) {
    out.push(record.data.length);
    return out;
  }
  for (const child of Object.values(record)) payloadSizes(child, out);
  return out;
}

/** The size of one execution's history, and of the children it started, largest first. */
async function executionSizes(client: Client, handle: WorkflowHandle): Promise<ExecutionSize[]> {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  // An activity's events name it by the id of its scheduled event.
  const activityOf = new Map<string, string>();
  for (const e of events) {
    const name = e.activityTaskScheduledEventAttributes?.activityType?.name;
    if (name) activityOf.set(String(e.eventId), name);
  }
  let largest = { bytes: 0, event: '' };
  for (const event of events) {
    const type = (Object.keys(event).find((k) => k.endsWith('EventAttributes')) ?? 'event').replace('EventAttributes', '');
    const scheduled =
      event.activityTaskCompletedEventAttributes?.scheduledEventId ?? event.activityTaskFailedEventAttributes?.scheduledEventId;
    const activity =
      event.activityTaskScheduledEventAttributes?.activityType?.name ?? (scheduled ? activityOf.get(String(scheduled)) : undefined);
    for (const bytes of payloadSizes(event)) if (bytes > largest.bytes) largest = { bytes, event: activity ? `${type} ${activity}` : type };
  }
  const own: ExecutionSize = {
    workflowId: handle.workflowId,
    events: events.length,
    historyBytes: temporal.api.history.v1.History.encode(history).finish().length,
    largestPayload: largest,
  };
  const children = events
    .map((e) => e.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId)
    .filter((id): id is string => Boolean(id));
  const nested = await Promise.all(children.map((id) => executionSizes(client, client.workflow.getHandle(id))));
  return [own, ...nested.flat()].sort((a, b) => b.events - a.events);
}

/**
 * Approves the gate once the status query shows it pending; returns the size of that status (JSON bytes), which
 * the CLI and the Web UI read through Temporal's gRPC messages (4 MB by default). A query that keeps failing (a
 * status too large to answer) ends the bench with its error rather than waiting for the deadline.
 */
async function decideWhenPending(handle: WorkflowHandle, gate: string, deadline: number): Promise<number> {
  let failingSince: number | undefined;
  for (;;) {
    let queryError: unknown;
    const status = await handle.query(statusQuery).catch((e: unknown) => void (queryError = e));
    failingSince = status ? undefined : (failingSince ?? Date.now());
    if (failingSince !== undefined && Date.now() - failingSince > 60_000)
      throw new Error(`the status query failed for a minute while waiting for the ${gate} gate: ${String(queryError)}`);
    if (status?.pendingGate?.gate === gate) {
      await handle.executeUpdate(decideUpdate, { args: [{ gate, approver: 'dba-oncall', reason: 'bench', decision: 'approve' }] });
      return Buffer.byteLength(JSON.stringify(status));
    }
    if (status && status.phase !== 'running' && status.phase !== 'waiting-for-approval')
      throw new Error(`the runbook ended (${status.phase}) before its ${gate} gate: ${status.errors.join('; ')}`);
    if (Date.now() > deadline) throw new Error(`no ${gate} gate within the bench's deadline`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export async function reloadScale(): Promise<Record<string, unknown>> {
  benchEnv();
  const run = randomBytes(3).toString('hex');
  const prefix = `rs${run}t`;
  const group = scratchGroup(`g-rs${run}`, [`shop.${prefix}%`]);
  // The histories are read whole, page by page: a page may pass the default 4 MB (the status query keeps the default).
  const { client, close } = await temporalClient(64);
  const created = Date.now();
  const tables = await createTables(prefix);
  let taskArn: string | undefined;
  const base = testConfig();
  const config = pipelineConfigSchema.parse({
    ...base,
    taskGroups: [...base.taskGroups, group],
    waits: { ...base.waits, fullLoadHours: 48 },
  });
  const worker = await startBenchWorker(config, `bench-reload-${run}`);
  try {
    await setEmulatorSpeed(600);
    taskArn = await replicate(group.taskIdentifier, prefix);
    const setupSeconds = (Date.now() - created) / 1000;
    const started = Date.now();
    const handle = await client.workflow.start('fullReload', {
      taskQueue: worker.queue,
      workflowId: `bench-reload-${run}`,
      args: [{ tables: [tables[0]], reason: 'bench: task-mode reload at scale', mode: 'task', checkCurrentFiles: false }],
    });
    const deadline = started + 3 * 3600_000;
    let failure: string | undefined;
    const statusBytes: Record<string, number> = {};
    let stepSeconds: Record<string, number> = {};
    try {
      statusBytes.reload = await decideWhenPending(handle, 'reload', deadline);
      statusBytes.finalize = await decideWhenPending(handle, 'finalize', deadline);
      const ended = (await handle.result()) as { steps: Array<{ id: string; startedAt?: string; finishedAt?: string }> };
      // Each step's wall time (gates: the time to approve, about a second here).
      stepSeconds = Object.fromEntries(
        ended.steps
          .filter((s) => s.startedAt && s.finishedAt)
          .map((s) => [s.id, +((Date.parse(s.finishedAt!) - Date.parse(s.startedAt!)) / 1000).toFixed(1)]),
      );
    } catch (error) {
      failure =
        error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}` : String(error);
    }
    const wallSeconds = (Date.now() - started) / 1000;
    const executions = await executionSizes(client, handle);
    const largestPayload = executions.reduce((a, b) => (b.largestPayload.bytes > a.largestPayload.bytes ? b : a));
    const result = {
      tables: TABLES,
      rowsPerTable: ROWS,
      load: os.loadavg().map((l) => +l.toFixed(1)),
      setupSeconds: +setupSeconds.toFixed(1),
      outcome: failure ? `failed: ${failure}` : 'completed',
      wallSeconds: +wallSeconds.toFixed(1),
      largestExecution: executions[0],
      largestPayload: { ...largestPayload.largestPayload, workflowId: largestPayload.workflowId },
      /** The status query's answer at each gate, in JSON bytes (what `dms-runbooks show` and the Web UI read). */
      statusBytesAtGates: statusBytes,
      stepSeconds,
      executions: executions.length,
      limits: {
        eventsTarget: 10_000,
        payloadTargetBytes: 256 * 1024,
        temporalEventLimit: 51_200,
        temporalPayloadLimitBytes: 2 * 1024 * 1024,
      },
      note: 'fullReload mode task, checkCurrentFiles false, both gates approved as soon as they open; the emulator at 600x; events and payload sizes read from the histories of the runbook and every child it started',
    };
    writeResult(process.env.BENCH_RESULT_NAME ?? 'reload-scale', result);
    return result;
  } finally {
    await setEmulatorSpeed(60);
    await worker.stop();
    await close();
    await removeTask(taskArn);
    await dropTables(tables);
  }
}

if (require.main === module) {
  reloadScale().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e: Error) => {
      console.error(e);
      process.exit(1);
    },
  );
}
