import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import * as prettier from 'prettier';
import type { PipelineConfig } from '../domain/config';
import { mapBounded } from '../activities/s3Objects';
import { loadStackEnv, requireEnv } from '../test/support/stackEnv';

const root = path.resolve(__dirname, '..');

export function benchEnv(): void {
  loadStackEnv();
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
}

/** `receiveMb`: the largest gRPC message the client takes (4 MB by default; a bench reading big histories whole). */
export async function temporalClient(receiveMb?: number): Promise<{ client: Client; close(): Promise<void> }> {
  const channelArgs = receiveMb ? { 'grpc.max_receive_message_length': receiveMb * 1024 * 1024 } : undefined;
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS!, channelArgs });
  return { client: new Client({ connection }), close: () => connection.close() };
}

export interface BenchWorker {
  child: ChildProcess;
  queue: string;
  rssMb(): number;
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

/**
 * How the bench worker runs: `production` (the default) is what `npm run build` gives an operator — compiled
 * JavaScript under plain node, loading a workflow bundle built beforehand; `dev` is `npm run worker` — TypeScript
 * under tsx, bundling the workflows with webpack inside the worker at start. Env BENCH_WORKER_SHAPE.
 */
export type WorkerShape = 'production' | 'dev';

export function workerShape(): WorkerShape {
  const shape = process.env.BENCH_WORKER_SHAPE ?? 'production';
  if (shape !== 'production' && shape !== 'dev') throw new Error(`BENCH_WORKER_SHAPE=${shape}: use production or dev`);
  return shape;
}

/**
 * The production shape's two artefacts, built here (outside the measured process): the bench workflows' bundle, as
 * worker/bundle.ts builds the real one, and the bench worker compiled to one CommonJS file whose npm packages stay
 * in node_modules (esbuild, which tsx already brings; the same JavaScript tsc would emit for these files).
 */
async function buildProductionShape(dir: string): Promise<{ entry: string; bundle: string }> {
  const { bundleWorkflowCode } = await import('@temporalio/worker');
  const { build } = await import('esbuild');
  const bundle = path.join(dir, 'workflow-bundle.js');
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'bench', 'workflows.ts'),
    logger: quietLogger,
  });
  fs.writeFileSync(bundle, code);
  const entry = path.join(root, 'dist', 'bench', 'benchWorker.js');
  await build({
    entryPoints: [path.join(root, 'bench', 'benchWorker.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    logLevel: 'warning',
    // benchWorker's require.resolve('./workflows') is only for the dev shape, which does not run this file.
    logOverride: { 'require-resolve-not-external': 'silent' },
  });
  return { entry, bundle };
}

const quietLogger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

/** The bench worker in a process of its own, so its memory can be read from /proc. */
export async function startBenchWorker(config: PipelineConfig, queue: string): Promise<BenchWorker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dmsrb-bench-'));
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(config));
  const shape = workerShape();
  const built = shape === 'production' ? await buildProductionShape(dir) : undefined;
  const args = built ? [built.entry] : ['--import', 'tsx', path.join(root, 'bench', 'benchWorker.ts')];
  const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeFlags, ...args], {
    cwd: root,
    env: { ...process.env, BENCH_CONFIG: file, BENCH_QUEUE: queue, ...(built ? { BENCH_BUNDLE: built.bundle } : {}) },
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
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** CPU time (user + system) a process has used so far, from /proc; undefined when it is not there. */
export function processCpuSeconds(pid: number | undefined): number | undefined {
  if (!pid || !fs.existsSync(`/proc/${pid}/stat`)) return undefined;
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th of the line.
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The local stack's Temporal server process (the dev server the sandbox runs), for its CPU time. */
export function temporalServerPid(): number | undefined {
  const file = path.join(process.env.STACK_DIR ?? path.join(root, '.stack'), 'temporal.pid');
  return fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8').trim()) : undefined;
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

/** The stack's moto S3, for the benches that fill and read a lake table. */
export function stackS3(): { s3: S3Client; bucket: string } {
  loadStackEnv();
  const s3 = new S3Client({
    endpoint: requireEnv('AWS_ENDPOINT_URL_S3'),
    forcePathStyle: true,
    region: process.env.AWS_REGION ?? 'us-east-1',
    credentials: { accessKeyId: 'sandbox', secretAccessKey: 'sandbox' },
    maxAttempts: 5,
  });
  return { s3, bucket: requireEnv('STACK_BUCKET') };
}

/** The machine of an S3 bench's result: these figures are of moto on this machine. */
export function s3BenchMachine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    s3: 'moto server (local, in memory)',
  };
}

/** Writes bench/results/<file> as the repository's formatter would, so a committed result passes `prettier --check`. */
export async function writeFormattedResult(file: string, results: unknown): Promise<string> {
  const out = path.join(root, 'bench', 'results', file);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  const options = (await prettier.resolveConfig(out)) ?? {};
  fs.writeFileSync(out, await prettier.format(JSON.stringify(results, null, 2), { ...options, parser: 'json' }));
  return out;
}

/**
 * Writes `count` generated objects, `concurrency` at a time, logging progress every `logEvery`; answers the seconds
 * it took. The benches' tables are generated once per stack with this.
 */
export async function putGenerated(
  s3: S3Client,
  bucket: string,
  options: { count: number; concurrency: number; logEvery: number; object: (i: number) => Promise<{ key: string; body: Uint8Array }> },
): Promise<number> {
  const started = performance.now();
  let done = 0;
  await mapBounded(
    Array.from({ length: options.count }, (_, i) => i),
    options.concurrency,
    async (i) => {
      const { key, body } = await options.object(i);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      if (++done % options.logEvery === 0)
        console.log(`[bench]   ${done}/${options.count} (${Math.round(done / ((performance.now() - started) / 1000))} files/s)`);
    },
  );
  return (performance.now() - started) / 1000;
}
