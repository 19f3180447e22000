import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { runbookKindSchema } from '../../domain/config';
import { HISTORIES_DIR } from '../support/histories';
import { workflowBundlePath } from '../support/workflowBundle';

/**
 * Histories of every runbook's main paths, captured from real runs on the stack (`npm run histories:capture`),
 * replayed offline against the current workflow code. A change that would break running executions fails here:
 * change running code with `patched()` and add a history for each new path.
 */

const bundlePath = workflowBundlePath();
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

function histories(): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const kind of fs.readdirSync(HISTORIES_DIR)) {
    for (const file of fs.readdirSync(path.join(HISTORIES_DIR, kind)))
      files.push([`${kind}/${file.replace(/\.json$/, '')}`, path.join(HISTORIES_DIR, kind, file)]);
  }
  return files.sort();
}

/**
 * The paths each runbook must keep a history of (captured by `npm run histories:capture` from the suites named):
 * approved, rejected, gate timeout, DMS failure, verification failure, worker restart, dry run, refusal — those a
 * runbook has.
 */
const MAIN_PATHS: Record<string, string[]> = {
  checkSourceReadiness: ['ready', 'not-ready-retention'],
  onboardTable: [
    'approved-by-signal-new-task',
    'approved-by-update-running-task',
    'rejected',
    'gate-timeout',
    'dms-task-failed',
    'dms-table-error',
    'verification-failed',
    'worker-killed-during-load',
    'dry-run',
    'refused-fk-link',
    'signed-decisions-forged-then-approved',
  ],
  fullReload: [
    'approved-and-finalized',
    'rejected-at-reload-gate',
    'dms-table-error-during-reload',
    'verification-failed-rolled-back',
    'worker-killed-during-quarantine',
    'worker-killed-after-reload-tables',
    'worker-killed-after-stop-and-reload-start',
    'dry-run',
    'refused-stopped-task',
    'refused-decisions-then-approved',
    'task-in-parts-rolled-back',
  ],
  resizeInstance: [
    'approved-resized',
    'rejected',
    'dms-modify-refused',
    'verification-failed-latency',
    'worker-killed-after-stop-and-modify',
    'dry-run',
    'nothing-to-change',
    'refused-shrinking-storage',
    'composite-scaled-up-child-scaled-down',
    'composite-dry-run',
    'composite-child-refused',
  ],
  backfillPartitions: ['approved-and-published', 'publish-rejected', 'dry-run', 'refused-unknown-column'],
  schemaDriftWatch: [
    'baseline-stored',
    'unsafe-change-reload-started',
    'reload-already-pending',
    'no-change',
    'dry-run',
    'snapshot-kept-back-no-reload',
    'reload-started-after-kept-snapshot',
  ],
  pipelineDoctor: ['healthy', 'failed-task-finding', 'check-cannot-run', 'refused-unknown-task-group'],
};

const load = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { workflowId: string; history: unknown };

describe('replay of saved histories against the current workflow code', () => {
  test('every runbook has histories of its main paths', () => {
    const saved = histories().map(([name]) => name);
    // Every workflow type operators can start: a new runbook fails here until its histories are captured.
    expect([...new Set(saved.map((name) => name.split('/')[0]))].sort()).toEqual([...runbookKindSchema.options].sort());
    for (const [kind, paths] of Object.entries(MAIN_PATHS)) {
      expect(saved.filter((name) => name.startsWith(`${kind}/`)).map((name) => name.split('/')[1])).toEqual(expect.arrayContaining(paths));
    }
  });

  test('every saved history replays without a determinism violation', async () => {
    // One replay worker for all histories (a worker per history cost ~0.3 s each); a failure names its history.
    const saved = histories().map(([name, file]) => ({ name, ...load(file) }));
    const replays = Worker.runReplayHistories(
      { workflowBundle: { codePath: bundlePath } },
      saved.map(({ workflowId, history }) => ({ workflowId, history: history as never })),
    );
    const failures: string[] = [];
    let replayed = 0;
    for await (const result of replays) {
      if (result.error) failures.push(`${saved[replayed]!.name} (${result.workflowId}): ${result.error.message}`);
      replayed++;
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(saved.length);
  });

  test('a change without patched() that reorders commands is caught', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./brokenWorkflows'), logger: silent });
    const { workflowId, history } = load(path.join(HISTORIES_DIR, 'onboardTable', 'approved-by-signal-new-task.json'));
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
