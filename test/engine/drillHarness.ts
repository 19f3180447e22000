import path from 'node:path';
import { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import type { ActivityDeps } from '../../activities/deps';
import { lockActivities } from '../../activities/locks';
import { notifyActivities } from '../../activities/notify';
import { pipelineConfigActivities } from '../../activities/pipelineConfig';
import { signatureActivities } from '../../activities/signatures';
import { storedResultActivities } from '../../activities/storedResults';
import { memoryS3 } from '../support/memoryS3';
import type { PipelineConfig } from '../../domain/config';
import type { RunbookResult } from '../../workflows/engine/runbook';
import { INDEXED_TYPES } from '../../worker/searchAttributeCheck';
import { SEARCH_ATTRIBUTES } from '../../contracts/searchAttributes';
import { resolveTestServerBinary } from '../../sandbox/stack/testServerBinary';
import { installRuntime } from '../../worker/runtime';
import { DeepPartial, testConfig } from '../support/testConfig';
import { drillBundlePath } from '../support/workflowBundle';
import { startWebhookReceiver } from '../support/webhookReceiver';

export interface DrillInput {
  target: string;
  requestedBy?: string;
  gates?: string[];
  holdBeforeGates?: boolean;
  failAfterGates?: boolean;
  dryRun?: boolean;
  reportKb?: number;
  wholeTask?: { task: string; tables: string[] };
}

let counter = 0;

/**
 * Temporal's time-skipping test server (the pinned binary in .tools/) and a worker running the drill workflows with
 * the engine's real activities — configuration, plan freezing, webhook notifications, resource locks — and no AWS.
 */
export async function startDrills(patch: DeepPartial<PipelineConfig> = {}) {
  installRuntime(pino({ level: 'error' }));
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServerBinary(path.resolve(__dirname, '..', '..', '.tools')) } },
  });
  // The runbooks' search attributes, as the dev server registers them at start (sandbox/stack/temporal.ts).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(SEARCH_ATTRIBUTES.map(({ name, type }) => [name, INDEXED_TYPES[type]])),
  });
  const webhook = await startWebhookReceiver();
  /** A worker of one pipeline (its configuration, its own task queue) on the shared test server. */
  async function pipelineWorker(pipelinePatch: DeepPartial<PipelineConfig>) {
    const config = testConfig({ ...pipelinePatch, notifications: { webhookUrl: webhook.url } });
    const s3 = memoryS3();
    const deps = { config, temporal: env.client, logger: pino({ level: 'silent' }), s3 } as unknown as ActivityDeps;
    const taskQueue = `engine-${process.pid}-${counter++}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: { codePath: drillBundlePath() }, // built by the fast lane's global setup
      activities: {
        ...pipelineConfigActivities(deps),
        ...signatureActivities(deps),
        ...notifyActivities(deps),
        ...lockActivities(deps),
        ...storedResultActivities(deps),
      },
    });
    const running = worker.run();
    return {
      config,
      deps,
      /** The bucket the engine's activities write to (results too large to return), in memory. */
      s3,
      taskQueue,
      start(input: DrillInput): Promise<WorkflowHandleWithFirstExecutionRunId<(raw: unknown) => Promise<RunbookResult<never>>>> {
        return env.client.workflow.start('gateDrill', { taskQueue, workflowId: `drill-${input.target}-${counter++}`, args: [input] });
      },
      async stop() {
        worker.shutdown();
        await running;
      },
    };
  }
  const first = await pipelineWorker(patch);
  const others: Array<Awaited<ReturnType<typeof pipelineWorker>>> = [];
  return {
    env,
    webhook,
    config: first.config,
    s3: first.s3,
    taskQueue: first.taskQueue,
    start: first.start,
    /** A second pipeline in the same namespace: another configuration (another `name`) and worker. */
    async anotherPipeline(pipelinePatch: DeepPartial<PipelineConfig>) {
      const other = await pipelineWorker(pipelinePatch);
      others.push(other);
      return other;
    },
    async stop() {
      for (const worker of [first, ...others]) await worker.stop();
      await webhook.close();
      await env.teardown();
    },
  };
}

export type Drills = Awaited<ReturnType<typeof startDrills>>;
