import path from 'node:path';
import { readStackEnv } from '../../sandbox/stack/stackEnv';
import { writeWorkflowBundle } from './workflowBundle';

/** Once per run of the stack lane: the stack must be up, and the workflows are bundled once for every test worker. */
export default async function globalSetup(): Promise<void> {
  const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
  readStackEnv(stackDir); // throws "the local stack is not up. Run: npm run stack:up"
  await writeWorkflowBundle();
}
