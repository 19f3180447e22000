import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { PipelineConfig } from '../../domain/config';

const root = path.resolve(__dirname, '..', '..');

/** Starts test/support/workerProcess.ts and resolves once it polls; kill it with SIGKILL to simulate a crash. */
export async function spawnWorker(config: PipelineConfig, taskQueue: string): Promise<ChildProcess> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-worker-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  // tsx as a loader in this one process (not its CLI, which runs the script in a child): SIGKILL must reach the worker.
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(path.join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href,
      path.join(root, 'test', 'support', 'workerProcess.ts'),
    ],
    {
      env: { ...process.env, TEST_WORKER_CONFIG: file, TEST_WORKER_QUEUE: taskQueue },
      // The IPC channel only tells the worker when this process ends, so a leaked worker never keeps polling.
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    },
  );
  child.channel?.unref();
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker process did not start: ${output}`)), 60000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker-ready')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker process exited (${code}): ${output}`)));
  });
  child.removeAllListeners('exit');
  return child;
}

export async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

export async function stopGracefully(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
