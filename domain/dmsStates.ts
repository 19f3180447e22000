import { FULL_LOAD_DONE_REASONS, stopReasonAdvice, TRANSIENT_STOP_REASONS } from './stopReasons';

/**
 * The DMS state model the runbooks wait on. Statuses are plain strings: unknown values are "not settled",
 * never a crash, and a stopped task is only a success when its stop reason says so.
 */

export interface TaskSnapshot {
  arn: string;
  identifier: string;
  status: string;
  stopReason?: string;
  migrationType?: string;
  lastFailureMessage?: string;
  recoveryCheckpoint?: string;
  fullLoadProgressPercent?: number;
  tablesLoaded?: number;
  tablesLoading?: number;
  tablesQueued?: number;
  tablesErrored?: number;
  /** When the task last started; absent for a task that never ran (every restart changes it). */
  startDate?: string;
  stopDate?: string;
  /** ReplicationTaskStats.FreshStartDate / FullLoadStartDate: set by a task's first start-replication. */
  freshStartDate?: string;
  fullLoadStartDate?: string;
  instanceArn?: string;
  tableMappings?: string;
  /** ReplicationTaskSettings JSON (absent when described WithoutSettings). */
  settings?: string;
}

export interface InstanceSnapshot {
  arn: string;
  identifier: string;
  status: string;
  instanceClass: string;
  allocatedStorageGb: number;
  pending: Record<string, unknown>;
  /** A standby replica in another AZ (DescribeReplicationInstances MultiAZ); absent in histories before it was read. */
  multiAz?: boolean;
}

export interface TableStatSnapshot {
  schema: string;
  table: string;
  state: string;
  fullLoadRows: number;
  inserts: number;
  updates: number;
  deletes: number;
  ddls: number;
  fullLoadStartTime?: string;
  fullLoadEndTime?: string;
  fullLoadReloaded?: boolean;
  lastUpdateTime?: string;
  validationState?: string;
}

export type TaskGoal = 'stopped' | 'running' | 'settled' | 'full-load-finished' | 'deleted';

export type Verdict = { kind: 'reached' } | { kind: 'waiting'; why: string } | { kind: 'failed'; why: string };

/** "Stop Reason FULL_LOAD_ONLY_FINISHED" → "FULL_LOAD_ONLY_FINISHED". */
export function stopReason(task: Pick<TaskSnapshot, 'stopReason'>): string | undefined {
  return task.stopReason?.replace(/^Stop Reason\s+/i, '').trim() || undefined;
}

const TRANSITIONAL = new Set(['creating', 'starting', 'stopping', 'modifying', 'deleting', 'moving', 'testing']);

/**
 * Whether the task ever ran, from every trace a run leaves (start, stop, fresh start and full-load dates, a recovery
 * checkpoint, a status only a run reaches), not from StartDate alone. It decides the StartReplicationTaskType: the API
 * reference (StartReplicationTask) makes start-replication "the only valid action … for the first time a task …
 * is run" and says any other first action "will result in data errors"; a full-load or full-load-and-cdc task that
 * already ran takes resume-processing or reload-target (terraform-provider-aws PR 24047: start-replication fails).
 * The status alone is not enough either: after a Modify, DMS may report a task that ran as `ready` (inferred from
 * terraform-provider-aws, which reads the status before modifying to choose the start type).
 */
export function taskHasRun(task: TaskSnapshot): boolean {
  return (
    Boolean(task.startDate || task.stopDate || task.freshStartDate || task.fullLoadStartDate || task.recoveryCheckpoint) ||
    ['running', 'stopping', 'stopped'].includes(task.status)
  );
}

export function describeTask(task: TaskSnapshot): string {
  const reason = stopReason(task);
  const progress = task.fullLoadProgressPercent !== undefined ? `, full load ${task.fullLoadProgressPercent}%` : '';
  return `task ${task.identifier} is ${task.status}${reason ? ` (${reason})` : ''}${progress}`;
}

/** DMS's LastFailureMessage, when there is one, as the end of a message. */
function lastFailure(task: TaskSnapshot): string {
  return task.lastFailureMessage ? `; LastFailureMessage: ${task.lastFailureMessage}` : '';
}

/** A stopped or failed task: what it is, why DMS stopped it, what to do next, and DMS's own message. */
export function explainStop(task: TaskSnapshot, context: string): string {
  return `${describeTask(task)} ${context}: ${stopReasonAdvice(stopReason(task), task.migrationType)}${lastFailure(task)}`;
}

export function taskVerdict(task: TaskSnapshot | undefined, goal: TaskGoal): Verdict {
  if (!task) return goal === 'deleted' ? { kind: 'reached' } : { kind: 'failed', why: 'the task no longer exists' };
  const status = task.status;
  const reason = stopReason(task);
  if (status === 'failed') {
    return {
      kind: 'failed',
      why: `${describeTask(task)}: ${task.lastFailureMessage ?? 'no LastFailureMessage'} (${stopReasonAdvice(reason, task.migrationType)})`,
    };
  }
  switch (goal) {
    case 'stopped':
      if (status === 'stopped' || status === 'ready') return { kind: 'reached' };
      break;
    case 'running':
      if (status === 'running') return { kind: 'reached' };
      // NORMAL may be the stop before this runbook's start, still shown (callers pass `after` to judge that).
      if (status === 'stopped' && reason && reason !== 'NORMAL' && !TRANSIENT_STOP_REASONS.has(reason)) {
        return { kind: 'failed', why: explainStop(task, 'instead of running') };
      }
      break;
    case 'settled':
      if (!TRANSITIONAL.has(status) && ['ready', 'stopped', 'running'].includes(status)) return { kind: 'reached' };
      break;
    case 'full-load-finished':
      // "Full load completed" whichever of the three reasons says it (API reference, ReplicationTask.StopReason).
      if (status === 'stopped' && reason && FULL_LOAD_DONE_REASONS.has(reason)) return { kind: 'reached' };
      if (status === 'stopped' && reason) return { kind: 'failed', why: explainStop(task, 'before its full load finished') };
      break;
    case 'deleted':
      break;
  }
  return { kind: 'waiting', why: `${describeTask(task)}${lastFailure(task)}` };
}

/**
 * A wait for `running` after the runbook's own start, once Describe shows that start (a new StartDate): a task
 * `stopped` with NORMAL now was stopped by someone after it (a user's StopReplicationTask), not a stale view.
 */
export function stoppedAfterOwnStart(task: TaskSnapshot | undefined, goal: TaskGoal, startShown: boolean): Verdict | undefined {
  if (goal !== 'running' || !startShown || task?.status !== 'stopped' || stopReason(task) !== 'NORMAL') return undefined;
  return { kind: 'failed', why: explainStop(task, 'after this runbook started it') };
}

export const TABLE_DONE = 'Table completed';

/**
 * Table states that end a wait, with what they mean and what to do (botocore `TableStatistics.TableState`: "Valid
 * states: Table does not exist | Before load | Full load | Table completed | Table cancelled | Table error | Table is
 * being reloaded"; the meanings are inferred, see FIDELITY.md). `Before load`, `Full load` and `Table is being
 * reloaded` keep a wait waiting.
 */
const TABLE_FAILED: Record<string, string> = {
  'Table error':
    'DMS suspended the table (ErrorBehavior.TableErrorPolicy SUSPEND_TABLE) and replicates nothing for it: fix the cause, then ReloadTables for it',
  'Table cancelled':
    'its load was cancelled (the task was stopped while it loaded, or the table left the mapping): start the task with resume-processing, or ReloadTables for it',
  'Table does not exist':
    'DMS cannot find the table on the source (dropped or renamed after the task read its tables): restore it on the source or remove it from the mapping',
};

/** Every table completed; a table in error fails at once with DMS's message. */
export function tablesVerdict(task: TaskSnapshot, stats: TableStatSnapshot[], tables: Array<{ schema: string; table: string }>): Verdict {
  const taskCheck = taskVerdict(task, 'settled');
  if (taskCheck.kind === 'failed') return taskCheck;
  const reason = stopReason(task);
  // A full-load task ends FULL_LOAD_ONLY_FINISHED; any other stop means the tables will not (or no longer) replicate.
  const finishedFullLoad = task.migrationType === 'full-load' && reason === 'FULL_LOAD_ONLY_FINISHED';
  if (task.status === 'stopped' && !finishedFullLoad) {
    const context = reason && FULL_LOAD_DONE_REASONS.has(reason) ? 'after its full load' : 'while tables were loading';
    return { kind: 'failed', why: explainStop(task, context) };
  }
  // While the task starts, the table states are those of its previous run.
  if (task.status === 'starting') return { kind: 'waiting', why: `${describeTask(task)}; table states are from its previous run` };
  const waiting: string[] = [];
  for (const wanted of tables) {
    const stat = stats.find((s) => s.schema === wanted.schema && s.table === wanted.table);
    const name = `${wanted.schema}.${wanted.table}`;
    if (!stat) {
      waiting.push(`${name}: not in the task's statistics yet`);
      continue;
    }
    const advice = TABLE_FAILED[stat.state];
    if (advice) {
      return { kind: 'failed', why: `${name} is in "${stat.state}" in task ${task.identifier}: ${advice}${lastFailure(task)}` };
    }
    if (stat.state !== TABLE_DONE) waiting.push(`${name}: ${stat.state}, ${stat.fullLoadRows} rows`);
  }
  return waiting.length === 0
    ? { kind: 'reached' }
    : { kind: 'waiting', why: `${describeTask(task)}${lastFailure(task)}; ${waiting.join('; ')}` };
}

export function instanceVerdict(instance: InstanceSnapshot | undefined): Verdict {
  if (!instance) return { kind: 'failed', why: 'the replication instance no longer exists' };
  const pending = Object.keys(instance.pending);
  if (instance.status === 'available' && pending.length === 0) return { kind: 'reached' };
  if (
    [
      'failed',
      'storage-full',
      'incompatible-network',
      'incompatible-credentials',
      'inaccessible-encryption-credentials',
      'deleted',
    ].includes(instance.status)
  ) {
    return { kind: 'failed', why: `replication instance ${instance.identifier} is ${instance.status}` };
  }
  return {
    kind: 'waiting',
    why: `replication instance ${instance.identifier} is ${instance.status}${pending.length ? `, pending ${JSON.stringify(instance.pending)}` : ''}`,
  };
}
