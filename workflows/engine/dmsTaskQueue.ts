import { ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { workflowInfo } from '@temporalio/workflow';
import type { PipelineConfig } from '../../domain/config';
import { DMS_ACTIVITIES, dmsTaskQueueOf } from '../../domain/dmsBudget';

// Routes a run's DMS activities to the budgeted task queue (domain/dmsBudget.ts says why).

/** Where this run schedules its DMS activities; undefined: on the workflow's own task queue (no budget). */
let dmsTaskQueue: string | undefined;

/**
 * Set once the run's configuration is loaded. Module state is the run's own: each workflow runs in an isolated
 * context in the TypeScript SDK. The choice comes from the configuration in the history, so a replay makes it again.
 */
export function followDmsBudget(config: PipelineConfig): void {
  dmsTaskQueue = config.dms.callBudget ? dmsTaskQueueOf(workflowInfo().taskQueue) : undefined;
}

/** `base`, except that DMS activities go to the budgeted queue when one is set, with the same options. */
export function routedActivities(base: Activities, options: ActivityOptions): Activities {
  const onQueue = new Map<string, Activities>();
  return new Proxy(base, {
    get(target, name, receiver) {
      if (dmsTaskQueue && typeof name === 'string' && DMS_ACTIVITIES.has(name)) {
        let proxy = onQueue.get(dmsTaskQueue);
        if (!proxy) {
          proxy = proxyActivities<Activities>({ ...options, taskQueue: dmsTaskQueue });
          onQueue.set(dmsTaskQueue, proxy);
        }
        return Reflect.get(proxy, name) as unknown;
      }
      return Reflect.get(target, name, receiver) as unknown;
    },
  });
}
