import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORIES_DIR } from '../support/histories';

/**
 * Histories of every runbook's main paths, captured from real runs on the stack (`npm run histories:capture`),
 * replayed offline against the current workflow code. A change that would break running executions fails here:
 * change running code with `patched()` and add a history for each new path.
 */

const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
const bundlePath = path.join(stackDir, 'test', 'workflow-bundle.js');
const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} };

function histories(): Array<[string, string]> {
  const files: Array<[string, string]> = [];
  for (const kind of fs.readdirSync(HISTORIES_DIR)) {
    for (const file of fs.readdirSync(path.join(HISTORIES_DIR, kind)))
      files.push([`${kind}/${file.replace(/\.json$/, '')}`, path.join(HISTORIES_DIR, kind, file)]);
  }
  return files.sort();
}

const load = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as { workflowId: string; history: unknown };

describe('replay of saved histories against the current workflow code', () => {
  test('every runbook has histories of its main paths', () => {
    const kinds = new Set(histories().map(([name]) => name.split('/')[0]));
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['checkSourceReadiness', 'onboardTable']));
    const onboard = histories()
      .filter(([name]) => name.startsWith('onboardTable/'))
      .map(([name]) => name.split('/')[1]);
    expect(onboard).toEqual(
      expect.arrayContaining([
        'approved-by-signal-new-task',
        'rejected',
        'gate-timeout',
        'dms-task-failed',
        'verification-failed',
        'worker-killed-during-load',
      ]),
    );
  });

  test.each(histories())('%s replays without a determinism violation', async (_name, file) => {
    const { workflowId, history } = load(file);
    await Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, history, workflowId);
  });

  test('a change without patched() that reorders commands is caught', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./brokenWorkflows'), logger: silent });
    const { workflowId, history } = load(path.join(HISTORIES_DIR, 'onboardTable', 'approved-by-signal-new-task.json'));
    await expect(Worker.runReplayHistory({ workflowBundle: { code } }, history, workflowId)).rejects.toBeInstanceOf(
      DeterminismViolationError,
    );
  });
});
