import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

const root = path.resolve(__dirname, '..', '..');
const bundleDir = () => path.join(process.env.STACK_DIR ?? path.join(root, '.stack'), 'test');

/** The bundle of workflows/index.ts that test workers and the replay suite load. */
export const workflowBundlePath = () => path.join(bundleDir(), 'workflow-bundle.js');
/** The bundle of the engine drills (test/engine/drillWorkflows.ts) the fast lane's engine suites load. */
export const drillBundlePath = () => path.join(bundleDir(), 'drill-bundle.js');

// Everything a workflow bundle is built from: workflow code imports only workflows/, domain/ and contracts/
// (activities by `import type`, erased), the drills also test/engine/, and the npm packages pinned by package-lock.json.
const SOURCES = ['workflows', 'domain', 'contracts', path.join('test', 'engine')];

function sourceFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? sourceFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)]))
    .filter((file) => file.endsWith('.ts'))
    .sort();
}

function sourcesDigest(workflowsPath: string): string {
  const hash = createHash('sha256').update(workflowsPath);
  for (const file of [...SOURCES.flatMap((dir) => sourceFiles(path.join(root, dir))), path.join(root, 'package-lock.json')]) {
    hash.update(file).update(fs.readFileSync(file));
  }
  return hash.digest('hex');
}

/**
 * Bundles workflows once per jest run (in a global setup), so each suite does not pay webpack again; a bundle built
 * from the same sources (same digest of their contents) is kept, so the stack lane reuses the fast lane's.
 */
export async function writeWorkflowBundle(
  workflowsPath = path.join(root, 'workflows', 'index.ts'),
  out = workflowBundlePath(),
): Promise<void> {
  const digest = sourcesDigest(workflowsPath);
  const digestFile = `${out}.sha256`;
  if (fs.existsSync(out) && fs.existsSync(digestFile) && fs.readFileSync(digestFile, 'utf8') === digest) return;
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, code);
  fs.writeFileSync(digestFile, digest);
}
