import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import { approveSignal } from '../../contracts/handlers';
import { freePort } from '../support/freePort';
import { MainWorker, startMainWorker } from '../support/mainWorker';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';

/**
 * The worker as production runs it (`worker/main.ts`): Temporal settings from a client-config profile, a
 * Prometheus endpoint whose figures move, a health endpoint, JSON logs with workflow id, kind, target and step,
 * no source password anywhere, and two processes sharing a task queue.
 */

let client: Client;
let connection: Connection;
const table = { name: '' };

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  client = new Client({ connection });
  table.name = await createScratchTable(uniqueName('prod'), { rows: 700 });
});
afterAll(async () => {
  await connection?.close();
  await dropScratchTable(table.name);
});

function profileFile(): string {
  // The standard Temporal client config (the CLI reads the same file): a profile pointing at the sandbox server.
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-profile-')), 'temporal.toml');
  fs.writeFileSync(file, `[profile.sandbox]\naddress = "${process.env.TEMPORAL_ADDRESS}"\nnamespace = "default"\n`);
  return file;
}

async function scrape(address: string): Promise<string> {
  return (await fetch(`http://${address}/metrics`)).text();
}

function metric(text: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}

describe('the worker in production shape', () => {
  let worker: MainWorker;
  const queue = `prod-${uniqueName('q')}`;
  let metricsAddress = '';
  let healthAddress = '';
  const group = { value: scratchGroup('g-prod', []) };

  beforeAll(async () => {
    metricsAddress = `127.0.0.1:${await freePort()}`;
    healthAddress = `127.0.0.1:${await freePort()}`;
    group.value = scratchGroup(`g-${table.name.split('.')[1]}`, [table.name]);
    const config = testConfig({ taskGroups: [...testConfig().taskGroups, group.value] });
    const env = {
      TEMPORAL_ADDRESS: undefined,
      TEMPORAL_CONFIG_FILE: profileFile(),
      TEMPORAL_PROFILE: 'sandbox',
      DMS_RUNBOOKS_TASK_QUEUE: queue,
      WORKER_METRICS_ADDRESS: metricsAddress,
      WORKER_HEALTH_ADDRESS: healthAddress,
      LOG_LEVEL: 'info',
    };
    worker = await startMainWorker(config, env);
  });
  afterAll(async () => {
    await worker?.stop();
  });

  test('connects through the Temporal client profile and reports healthy while polling', async () => {
    const started = JSON.parse(worker.lines.find((l) => l.includes('"worker started"'))!);
    expect(started).toMatchObject({ address: process.env.TEMPORAL_ADDRESS, namespace: 'default', taskQueue: queue });
    let health: { healthy: boolean; workflowPollerState?: string } = { healthy: false };
    for (let i = 0; i < 40 && !health.healthy; i++) {
      health = (await (await fetch(`http://${healthAddress}/healthz`)).json()) as typeof health;
      if (!health.healthy) await new Promise((r) => setTimeout(r, 250));
    }
    expect(health).toMatchObject({ healthy: true, workflowPollerState: 'POLLING', activityPollerState: 'POLLING', taskQueue: queue });
  });

  test('metrics move: runbooks by kind and outcome, gate wait, DMS calls by operation, S3 bytes read, SDK metrics', async () => {
    const before = await scrape(metricsAddress);
    const readiness = await startRunbook(client, 'checkSourceReadiness', { source: 'shop' }, { taskQueue: queue });
    await readiness.result();
    const onboarding = await startRunbook(client, 'onboardTable', { table: table.name }, { taskQueue: queue });
    await waitForGate(onboarding, 'apply-mapping');
    await onboarding.signal(approveSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'metrics' });
    expect((await onboarding.result()).outcome).toBe('succeeded');
    // The exporter is scraped as Prometheus would; SDK metrics carry the temporal_ prefix.
    let after = '';
    for (let i = 0; i < 20; i++) {
      after = await scrape(metricsAddress);
      if (metric(after, 'dms_runbooks_runbooks_finished', { kind: 'onboardTable', outcome: 'succeeded' }) >= 1) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(metric(after, 'dms_runbooks_runbooks_finished', { kind: 'checkSourceReadiness', outcome: 'succeeded' })).toBe(
      metric(before, 'dms_runbooks_runbooks_finished', { kind: 'checkSourceReadiness', outcome: 'succeeded' }) + 1,
    );
    expect(metric(after, 'dms_runbooks_runbooks_finished', { kind: 'onboardTable', outcome: 'succeeded' })).toBe(1);
    expect(metric(after, 'dms_runbooks_gate_wait_count', { kind: 'onboardTable', gate: 'apply-mapping', outcome: 'approved' })).toBe(1);
    expect(metric(after, 'dms_runbooks_dms_api_calls', { operation: 'CreateReplicationTask', outcome: 'ok' })).toBe(1);
    expect(metric(after, 'dms_runbooks_dms_api_calls', { operation: 'DescribeReplicationTasks', outcome: 'ok' })).toBeGreaterThan(0);
    expect(metric(after, 'dms_runbooks_s3_bytes_read', { purpose: 'parquet-footer' })).toBeGreaterThan(0);
    expect(after).toMatch(/temporal_workflow_completed/);
  });

  test('logs are JSON lines carrying workflow id, runbook kind, target and step; no line holds the source password', () => {
    const parsed = worker.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const stepLines = parsed.filter((l) => l.msg === 'step started' && l.runbookKind === 'onboardTable');
    expect(stepLines.length).toBeGreaterThan(3);
    expect(stepLines[0]).toMatchObject({ runbookTarget: table.name, workflowType: 'onboardTable' });
    expect(typeof stepLines[0]!.workflowId).toBe('string');
    const activityLine = parsed.find((l) => l.msg === 'dms:CreateReplicationTask done');
    expect(activityLine).toMatchObject({ activityType: 'createTask', workflowType: 'onboardTable' });
    expect(worker.lines.join('\n')).not.toContain(process.env.SOURCE_DB_PASSWORD!);
  });

  test('SIGTERM drains the worker and exits 0; health then refuses connections', async () => {
    expect(await worker.stop()).toBe(0);
    await expect(fetch(`http://${healthAddress}/healthz`)).rejects.toThrow();
  });
});

describe('several workers on one task queue', () => {
  test('two worker processes complete a batch of runbooks, each run exactly once, both taking part', async () => {
    const queue = `pair-${uniqueName('q')}`;
    const config = testConfig();
    const env = () => ({ DMS_RUNBOOKS_TASK_QUEUE: queue, WORKER_METRICS_ADDRESS: '', WORKER_HEALTH_ADDRESS: `127.0.0.1:0` });
    const [a, b] = await Promise.all([startMainWorker(config, env()), startMainWorker(config, env())]);
    try {
      const handles = await Promise.all(
        Array.from({ length: 16 }, () => startRunbook(client, 'checkSourceReadiness', { source: 'shop' }, { taskQueue: queue })),
      );
      const results = await Promise.all(handles.map((h) => h.result()));
      expect(results.every((r) => r.outcome === 'succeeded')).toBe(true);
      const identities = new Set<string>();
      for (const handle of handles) {
        const events = (await handle.fetchHistory()).events!;
        expect(events.filter((e) => e.workflowExecutionCompletedEventAttributes).length).toBe(1);
        // Each activity ran once: one completion per scheduled activity.
        expect(events.filter((e) => e.activityTaskCompletedEventAttributes).length).toBe(
          events.filter((e) => e.activityTaskScheduledEventAttributes).length,
        );
        for (const e of events)
          if (e.workflowTaskCompletedEventAttributes?.identity) identities.add(e.workflowTaskCompletedEventAttributes.identity);
      }
      expect(identities.size).toBe(2);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
