import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { readStackEnv } from '../../sandbox/stack/stackEnv';

/** Once per jest run: the stack must be up, and the workflows are bundled once for every test worker. */
export default async function globalSetup(): Promise<void> {
  const root = path.resolve(__dirname, '..', '..');
  const stackDir = process.env.STACK_DIR ?? path.join(root, '.stack');
  readStackEnv(stackDir); // throws "the local stack is not up. Run: npm run stack:up"
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows', 'index.ts'),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  const out = path.join(stackDir, 'test', 'workflow-bundle.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
}
