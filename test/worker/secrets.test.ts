import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import { approveSignal } from '../../contracts/handlers';
import { startMainWorker } from '../support/mainWorker';
import { scratchGroup, waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';

/**
 * The source password lives in the worker's environment (or Secrets Manager) only: after real runbooks it
 * appears in no workflow history (fetched through the API and in the server's database file) and no worker log.
 */
const password = process.env.SOURCE_DB_PASSWORD!;
const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');

test('the source password appears in no workflow history and no worker log line', async () => {
  expect(password.length).toBeGreaterThan(6);
  const table = await createScratchTable(uniqueName('sec'), { rows: 50 });
  const queue = `secrets-${uniqueName('q')}`;
  const worker = await startMainWorker(
    testConfig({ taskGroups: [...testConfig().taskGroups, scratchGroup(`g-${table.split('.')[1]}`, [table])] }),
    {
      DMS_RUNBOOKS_TASK_QUEUE: queue,
      WORKER_METRICS_ADDRESS: '',
      WORKER_HEALTH_ADDRESS: '127.0.0.1:0',
      LOG_LEVEL: 'debug',
    },
  );
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const client = new Client({ connection });
  try {
    await (await startRunbook(client, 'checkSourceReadiness', { source: 'shop' }, { taskQueue: queue })).result();
    const onboarding = await startRunbook(client, 'onboardTable', { table }, { taskQueue: queue });
    await waitForGate(onboarding, 'apply-mapping');
    await onboarding.signal(approveSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'secrets test' });
    expect((await onboarding.result()).outcome).toBe('succeeded');

    let scanned = 0;
    for await (const execution of client.workflow.list({ query: `StartTime > "${new Date(Date.now() - 6 * 3600_000).toISOString()}"` })) {
      // Payload data (base64) decoded to text, so inputs, results and failure details are searched in clear.
      const history = JSON.stringify(
        await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory(),
        (key, v: unknown) => (key === 'data' && typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : v),
      );
      if (execution.workflowId === onboarding.workflowId) expect(history.includes(`table\\":\\"${table}`)).toBe(true);
      expect(history.includes(password)).toBe(false);
      if (++scanned >= 500) break;
    }
    expect(scanned).toBeGreaterThan(2);
    // The server's database holds payloads as raw bytes: the scan sees inputs in clear (the table name proves it).
    const files = ['temporal.db', 'temporal.db-wal'].map((f) => path.join(stackDir, f)).filter((f) => fs.existsSync(f));
    const database = Buffer.concat(files.map((f) => fs.readFileSync(f)));
    expect(database.includes(Buffer.from(table))).toBe(true);
    expect(database.includes(Buffer.from(password))).toBe(false);
    expect(worker.lines.length).toBeGreaterThan(10);
    expect(worker.lines.join('\n')).not.toContain(password);
  } finally {
    await worker.stop();
    await connection.close();
    await dropScratchTable(table);
  }
});
