import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PipelineConfig } from '../../domain/config';

const root = path.resolve(__dirname, '..', '..');

export interface MainWorker {
  child: ChildProcess;
  /** Every stdout line so far (JSON log lines). */
  lines: string[];
  stop(): Promise<number | null>;
}

/** Runs the real entry point, `worker/main.ts`, as operators do, with the given config and environment. */
/** `built`: run `dist/worker/main.js` (after `npm run build`) with plain node, as a production start does. */
export async function startMainWorker(
  config: PipelineConfig,
  env: NodeJS.ProcessEnv,
  options: { built?: boolean } = {},
): Promise<MainWorker> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-main-')), 'pipeline.json');
  fs.writeFileSync(file, JSON.stringify(config));
  // An undefined value removes the variable (e.g. TEMPORAL_ADDRESS, to let a profile decide).
  const merged: NodeJS.ProcessEnv = { ...process.env, DMS_RUNBOOKS_CONFIG: file, ...env };
  for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
  const args = options.built
    ? [path.join(root, 'dist', 'worker', 'main.js')]
    : [path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), path.join(root, 'worker', 'main.ts')];
  const child = spawn(process.execPath, args, {
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 90000;
  while (!lines.some((l) => l.includes('"worker started"'))) {
    if (child.exitCode !== null) throw new Error(`worker exited with ${child.exitCode}: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`worker did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    child,
    lines,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
