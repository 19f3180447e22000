import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startRunbook } from '../../client/runbooks';
import { startMainWorker } from '../support/mainWorker';
import { uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';

/** `npm run build` then `node dist/worker/main.js`: the production start loads the prebuilt workflow bundle. */
test('the built worker starts from the prebuilt bundle and runs a runbook', async () => {
  const root = path.resolve(__dirname, '..', '..');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'pipe', timeout: 300000 });
  const queue = `built-${uniqueName('q')}`;
  const worker = await startMainWorker(
    testConfig(),
    { DMS_RUNBOOKS_TASK_QUEUE: queue, WORKER_METRICS_ADDRESS: '', WORKER_HEALTH_ADDRESS: '127.0.0.1:0' },
    { built: true },
  );
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  try {
    const started = JSON.parse(worker.lines.find((l) => l.includes('"worker started"'))!) as { bundle: string };
    expect(started.bundle).toBe(path.join(root, 'dist', 'workflow-bundle.js'));
    const handle = await startRunbook(new Client({ connection }), 'checkSourceReadiness', { source: 'shop' }, { taskQueue: queue });
    expect((await handle.result()).outcome).toBe('succeeded');
  } finally {
    await connection.close();
    expect(await worker.stop()).toBe(0);
  }
});
