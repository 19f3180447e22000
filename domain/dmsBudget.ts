/**
 * One DMS budget for every worker (`dms.callBudget`). DMS throttles per account and region, so a per-process limit
 * multiplies with the number of workers. When a budget is configured, the activities that call DMS are scheduled on
 * a task queue of their own, `<queue>-dms`, whose workers set `maxTaskQueueActivitiesPerSecond`: "the maximum number
 * of activities per second the task queue will dispatch, controlled server-side" (@temporalio/worker WorkerOptions).
 * A retried attempt is a new dispatch, and the DMS waits poll by retrying, so polls count against the budget too.
 * A queue of its own also keeps these activities off eager execution, which starts an activity on the workflow's
 * own worker without going through the task queue (WorkerOptions.maxEagerActivityReservationsPerWorkflowTask).
 */

/** Every activity that calls DMS: activities/dmsFacts, dmsTaskActions, dmsInstanceActions, dmsEndpointActions, dmsWaits, dmsReloadWaits. */
export const DMS_ACTIVITIES: ReadonlySet<string> = new Set([
  'findTasks',
  'findTasksOnInstance',
  'findEndpoint',
  'findInstance',
  'readTableStatistics',
  'stopTask',
  'modifyTaskMapping',
  'startTask',
  'createTask',
  'deleteTask',
  'reloadTables',
  'modifyInstance',
  'createS3Endpoint',
  'deleteEndpoint',
  'waitForTask',
  'waitForTables',
  'waitForInstance',
  'waitForReload',
]);

export const dmsTaskQueueOf = (taskQueue: string) => `${taskQueue}-dms`;
