import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/** `npm run build`: the workflow bundle a production worker loads instead of bundling at every start. */
async function main(): Promise<void> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows') });
  const out = path.resolve(__dirname, '..', 'dist', 'workflow-bundle.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  console.log(`wrote ${out} (${Math.round(code.length / 1024)} KB)`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
