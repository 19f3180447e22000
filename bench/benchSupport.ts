import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { PipelineConfig } from '../domain/config';
import { loadStackEnv } from '../test/support/stackEnv';

const root = path.resolve(__dirname, '..');

export function benchEnv(): void {
  loadStackEnv();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

export async function temporalClient(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export interface BenchWorker {
  child: ChildProcess;
  queue: string;
  rssMb(): number;
  stop(): Promise<void>;
}

/** The bench worker in a process of its own, so its memory can be read from /proc. */
export async function startBenchWorker(config: PipelineConfig, queue: string): Promise<BenchWorker> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-bench-')), 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'benchWorker.ts')], {
    cwd: root,
    env: { ...process.env, BENCH_CONFIG: file, BENCH_QUEUE: queue },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('bench-worker-ready')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`bench worker exited with ${code}`)));
  });
  return {
    child,
    queue,
    rssMb() {
      const status = fs.readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
    },
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    memoryGb: +(os.totalmem() / 1024 ** 3).toFixed(1),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
  };
}

export function writeResult(name: string, result: unknown): string {
  const file = path.join(root, 'bench', 'results', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    `${JSON.stringify({ measuredAt: new Date().toISOString(), machine: machine(), ...(result as object) }, null, 2)}\n`,
  );
  return file;
}

export async function setEmulatorSpeed(speed: number): Promise<void> {
  const response = await fetch(`${process.env.DMS_EMULATOR_ADMIN_URL}/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ speed }),
  });
  if (!response.ok) throw new Error(`emulator clock: HTTP ${response.status}`);
}
