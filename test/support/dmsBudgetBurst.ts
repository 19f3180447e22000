import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import pino from 'pino';
import type { PipelineConfig } from '../../domain/config';
import { createRunbookWorker, RunbookWorker } from '../../worker/createWorker';
import { dmsCallRate, resetDmsCalls } from './dmsAdmin';

/**
 * Several workers on one task queue, a burst of DMS reads from several runs (test/worker/dmsBurstWorkflow.ts), and
 * the call rate the DMS emulator saw: for the DMS budget's test and benchmark.
 */

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };

export async function burstBundle(): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('../worker/dmsBurstWorkflow'), logger: quiet });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'dms-budget-')), 'bundle.js');
  fs.writeFileSync(file, code);
  return file;
}

export async function dmsBurst(options: {
  client: Client;
  bundlePath: string;
  config: PipelineConfig;
  label: string;
  workers: number;
  runs: number;
  callsPerRun: number;
}) {
  const taskQueue = `budget-${options.label}-${process.pid}-${Date.now()}`;
  const workers: RunbookWorker[] = [];
  for (let i = 0; i < options.workers; i++) {
    workers.push(
      await createRunbookWorker({
        config: options.config,
        address: process.env.TEMPORAL_ADDRESS!,
        namespace: 'default',
        taskQueue,
        logger: pino({ level: 'silent' }),
        workflows: { bundlePath: options.bundlePath },
      }),
    );
  }
  const running = workers.map((w) => w.run());
  try {
    await resetDmsCalls();
    const handles = await Promise.all(
      Array.from({ length: options.runs }, (_, i) =>
        options.client.workflow.start('dmsBurst', {
          taskQueue,
          workflowId: `${taskQueue}-${i}`,
          args: [{ calls: options.callsPerRun, tag: `${options.label}${i}` }],
        }),
      ),
    );
    await Promise.all(handles.map((h) => h.result()));
    return await dmsCallRate();
  } finally {
    for (const w of workers) if (w.worker.getState() === 'RUNNING') w.worker.shutdown();
    await Promise.all(running);
  }
}
