import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { startRunbook } from '../../client/runbooks';
import { rejectSignal } from '../../contracts/handlers';
import { replayExecutions } from '../../worker/replayExecutions';
import { waitForGate } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';
import { scratchGroup } from '../support/runbooks';

/**
 * `npm run replay:running` against a running onboardTable (waiting at its gate): a bundle with a change that adds a
 * timer before the first step fails it; the same change behind `patched()` replays.
 */

const root = path.resolve(__dirname, '..', '..');
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };
let tw: TestWorker;
let table: string;

beforeAll(async () => {
  table = await createScratchTable(uniqueName('rr'), { rows: 5 });
  const base = testConfig();
  tw = await startTestWorker(testConfig({ taskGroups: [...base.taskGroups, scratchGroup(`g-${table.split('.')[1]}`, [table])] }));
});

afterAll(async () => {
  await tw?.stop();
  if (table) await dropScratchTable(table);
});

test('replay:running fails on an unpatched change against a running history, and passes once it is behind patched()', async () => {
  const handle = await startRunbook(tw.client, 'onboardTable', { table }, { taskQueue: tw.taskQueue });
  await waitForGate(handle, 'apply-mapping');
  const only = { extraQuery: `WorkflowId = "${handle.workflowId}"`, closedWithinHours: 1 };
  const bundle = async (file: string) => (await bundleWorkflowCode({ workflowsPath: require.resolve(file), logger: silent })).code;

  const broken = await replayExecutions(tw.client, { ...only, workflows: { code: await bundle('./brokenWorkflows') } });
  expect(broken).toEqual([
    expect.objectContaining({ workflowId: handle.workflowId, failure: expect.objectContaining({ kind: 'nondeterminism' }) }),
  ]);

  const patched = await replayExecutions(tw.client, { ...only, workflows: { code: await bundle('./patchedWorkflows') } });
  expect(patched).toEqual([{ workflowId: handle.workflowId, runId: expect.any(String) }]);

  // The script itself: exit code for CI/CD, and the run that would fail is named (the current code replays).
  const script = spawnSync(path.join(root, 'node_modules', '.bin', 'tsx'), ['scripts/replayRunning.ts'], {
    cwd: root,
    env: { ...process.env, REPLAY_CLOSED_WITHIN_HOURS: '0' },
    encoding: 'utf8',
    timeout: 240_000,
  });
  // (stderr carries the bundler's output.)
  expect(script.stderr).not.toMatch(/nondeterminism:|replay:running failed/);
  expect(script.stdout).toMatch(/replayed \d+ execution\(s\) of namespace default against the workflows source: all replay/);
  expect(script.status).toBe(0);

  await handle.signal(rejectSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'test over' });
  expect((await handle.result()).outcome).toBe('rejected');
});
