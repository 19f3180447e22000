import { Connection } from '@temporalio/client';
import { NativeConnection, Worker, WorkerDeploymentOptions, WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createActivities } from '../activities';
import type { PipelineConfig } from '../domain/config';
import { TASK_QUEUE } from '../domain/operatorCommands';
import { dmsTaskQueueOf } from '../domain/dmsBudget';
import { maxCachedWorkflowsFromEnv } from './cacheSize';
import { createActivityDeps } from './deps';
import { installRuntime } from './runtime';
import { withWorkflowHeapCap, workflowHeapMbFromEnv } from './workflowHeap';
import { requireSearchAttributes } from './searchAttributeCheck';

export interface RunbookWorker {
  worker: Worker;
  /** The worker of the DMS budget's task queue (`dms.callBudget`), when one is configured. */
  dmsWorker?: Worker;
  /** Polls until the worker is shut down (SIGINT/SIGTERM or worker.shutdown()), then closes every client. */
  run(): Promise<void>;
}

export interface CreateWorkerOptions {
  config: PipelineConfig;
  address: string;
  namespace: string;
  logger: Logger;
  taskQueue?: string;
  /** A prebuilt bundle (production) or the workflows' source path (development and tests). */
  workflows: { bundlePath: string } | { workflowsPath: string };
  connectionOptions?: Parameters<typeof NativeConnection.connect>[0];
  overrides?: Partial<WorkerOptions>;
  /** host:port of the Prometheus endpoint (SDK and project metrics); none when unset. */
  metricsAddress?: string;
  /** Worker Versioning (worker/deployment.ts); unversioned when absent. */
  deployment?: WorkerDeploymentOptions;
  /** Runs kept in the sticky cache; default from DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS (see cacheSize.ts). */
  maxCachedWorkflows?: number;
  /** The workflow thread's heap cap in MB (0: V8's default); default from DMS_RUNBOOKS_WORKFLOW_HEAP_MB (workflowHeap.ts). */
  workflowHeapMb?: number;
}

/** The worker: workflows plus activities on the `dms-runbooks` task queue, sized for a 2-core machine. */
export async function createRunbookWorker(options: CreateWorkerOptions): Promise<RunbookWorker> {
  installRuntime(options.logger, options.metricsAddress);
  const connectionOptions = options.connectionOptions ?? { address: options.address };
  const clientConnection = await Connection.connect(connectionOptions);
  try {
    // Before polling: a workflow task upserting an unregistered attribute fails forever while the worker looks healthy.
    await requireSearchAttributes(clientConnection, options.namespace);
  } catch (error) {
    await clientConnection.close();
    throw error;
  }
  const nativeConnection = await NativeConnection.connect(connectionOptions);
  const deps = createActivityDeps(options.config, clientConnection, options.namespace, options.logger);
  const taskQueue = options.taskQueue ?? TASK_QUEUE;
  const activities = createActivities(deps);
  const maxCachedWorkflows = options.maxCachedWorkflows ?? maxCachedWorkflowsFromEnv();
  const heapMb = options.workflowHeapMb ?? workflowHeapMbFromEnv(maxCachedWorkflows);
  const worker = await withWorkflowHeapCap(heapMb, () =>
    Worker.create({
      connection: nativeConnection,
      namespace: options.namespace,
      taskQueue,
      activities,
      ...('bundlePath' in options.workflows
        ? { workflowBundle: { codePath: options.workflows.bundlePath } }
        : { workflowsPath: options.workflows.workflowsPath }),
      maxConcurrentWorkflowTaskExecutions: 10,
      maxConcurrentActivityTaskExecutions: 20,
      maxCachedWorkflows,
      shutdownGraceTime: '10 seconds',
      ...(options.deployment ? { workerDeploymentOptions: options.deployment } : {}),
      ...options.overrides,
    }),
  );
  // The DMS activities of runs that follow the budget (workflows/engine/dmsTaskQueue.ts), sharing this process's
  // DMS gateway (its limiter and shared polls) with the main worker.
  const budget = options.config.dms.callBudget;
  const dmsWorker = budget
    ? await Worker.create({
        connection: nativeConnection,
        namespace: options.namespace,
        taskQueue: dmsTaskQueueOf(taskQueue),
        activities,
        maxConcurrentActivityTaskExecutions: 20,
        maxTaskQueueActivitiesPerSecond: budget.activitiesPerSecond,
        shutdownGraceTime: '10 seconds',
        ...(options.deployment ? { workerDeploymentOptions: options.deployment } : {}),
      })
    : undefined;
  return {
    worker,
    dmsWorker,
    async run() {
      try {
        // Whichever stops first (a signal stops both), the other follows.
        const stopBoth = () => {
          for (const w of [worker, dmsWorker]) if (w?.getState() === 'RUNNING') w.shutdown();
        };
        await Promise.all([worker.run().finally(stopBoth), dmsWorker?.run().finally(stopBoth)]);
      } finally {
        await deps.close();
        await clientConnection.close();
        await nativeConnection.close();
      }
    },
  };
}
