import { parseCdcStopPosition } from './cdc/cdcPosition';
import { tableLoadMs } from './dataPlane/tableLoader';
import { DURATIONS, seconds } from './durations';
import { emulatedTaskSettings } from './dataPlane/taskSettings';
import type { EmulatorContext } from './emulatorContext';
import type { InstanceRecord, TaskRecord } from './emulatorState';
import { refreshStats, fullLoadPercent, LOAD_ENDED_STATES } from './taskStatistics';
import { failTask, stopForErrors, stopTask } from './taskStops';

/**
 * The state machine, advanced on the emulated clock at every tick: transitional states end when their time has
 * come, full loads progress table by table (but never finish before the real data is written), faults bite.
 */
export function tick(ctx: EmulatorContext): void {
  const now = ctx.now();
  for (const instance of [...ctx.state.instances]) tickInstance(ctx, instance, now);
  for (const task of [...ctx.state.tasks]) {
    const before = fingerprint(task);
    tickTask(ctx, task, now);
    refreshStats(task, now);
    if (fingerprint(task) !== before) ctx.changed();
  }
  for (const connection of ctx.state.connections) {
    if (connection.status === 'testing' && connection.result && now >= connection.resultAt) {
      connection.status = connection.result.ok ? 'successful' : 'failed';
      connection.lastFailureMessage = connection.result.message;
      ctx.changed();
    }
  }
}

/** What is worth a state-file write: not the elapsed time, which moves at every tick and is derived anyway. */
function fingerprint(task: TaskRecord): string {
  return JSON.stringify([task.status, { ...task.stats, elapsedTimeMillis: 0 }, task.tables]);
}

function named(list: string[] | Record<string, unknown>, identifier: string, arn: string): boolean {
  return Array.isArray(list) ? list.includes(identifier) || list.includes(arn) : identifier in list || arn in list;
}

function tickInstance(ctx: EmulatorContext, instance: InstanceRecord, now: number): void {
  const faults = ctx.state.faults;
  const storageFull = named(faults.storageFull, instance.identifier, instance.arn);
  const due = instance.transitionAt !== undefined && now >= instance.transitionAt;
  switch (instance.status) {
    case 'creating':
      if (due) setInstance(ctx, instance, 'available');
      break;
    case 'modifying': {
      const stuck = (faults.instanceModify[instance.identifier] ?? faults.instanceModify[instance.arn]) === 'stuck';
      if (!due || stuck) break;
      const pending = instance.pending ?? {};
      if (pending.ReplicationInstanceClass) instance.instanceClass = pending.ReplicationInstanceClass;
      if (pending.MultiAZ !== undefined) instance.multiAZ = pending.MultiAZ;
      if (pending.EngineVersion) instance.engineVersion = pending.EngineVersion;
      if (pending.AllocatedStorage && pending.AllocatedStorage > instance.allocatedStorage) {
        instance.allocatedStorage = pending.AllocatedStorage;
        // More storage is the cure for storage-full.
        faults.storageFull = faults.storageFull.filter((name) => name !== instance.identifier && name !== instance.arn);
      }
      instance.pending = undefined;
      setInstance(ctx, instance, 'available');
      break;
    }
    case 'deleting':
      if (due) {
        ctx.state.instances = ctx.state.instances.filter((i) => i !== instance);
        ctx.state.connections = ctx.state.connections.filter((c) => c.instanceArn !== instance.arn);
        ctx.changed();
      }
      break;
    case 'available':
      if (storageFull) setInstance(ctx, instance, 'storage-full');
      break;
    case 'storage-full':
      if (!storageFull) setInstance(ctx, instance, 'available');
      break;
  }
}

function setInstance(ctx: EmulatorContext, instance: InstanceRecord, status: string): void {
  instance.status = status;
  instance.transitionAt = undefined;
  ctx.changed();
}

function tickTask(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const due = task.transitionAt !== undefined && now >= task.transitionAt;
  switch (task.status) {
    case 'creating':
      if (due) settle(task, 'ready');
      break;
    case 'modifying':
      if (due) settle(task, task.priorStatus ?? 'ready');
      break;
    case 'deleting':
      if (due) {
        ctx.state.tasks = ctx.state.tasks.filter((t) => t !== task);
        ctx.changed();
      }
      break;
    case 'starting':
      if (task.run?.scopeError) failTask(task, task.run.scopeError, now, ctx.behaviour());
      else if (due && task.run?.scopeResolved) enterRunning(ctx, task, now);
      break;
    case 'running':
      advanceRunning(ctx, task, now);
      break;
    case 'stopping':
      advanceFullLoad(ctx, task, now);
      if (due) stopTask(task, task.pendingStopReason ?? 'Stop Reason NORMAL', now, ctx.behaviour());
      break;
  }
}

function settle(task: TaskRecord, status: string): void {
  task.status = status;
  task.transitionAt = undefined;
  task.priorStatus = undefined;
}

/** Plans the full load: tables in parallel sub-tasks (MaxFullLoadSubTasks), each taking time by its rows and the class. */
function enterRunning(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const run = task.run!;
  settle(task, 'running');
  const instance = ctx.state.instances.find((i) => i.arn === task.instanceArn);
  const instanceClass = instance?.instanceClass ?? 'dms.r5.large';
  const slots = new Array<number>(emulatedTaskSettings(task.settings).maxFullLoadSubTasks).fill(0);
  const plan: { key: string; start: number; end: number }[] = [];
  for (const key of [...run.loading].sort()) {
    const table = task.tables[key]!;
    const slot = slots.indexOf(Math.min(...slots));
    const start = slots[slot]!;
    const end = start + tableLoadMs(table.plannedRows, instanceClass);
    slots[slot] = end;
    plan.push({ key, start, end });
  }
  const makespan = Math.max(0, ...plan.map((p) => p.end));
  const extraSeconds = ctx.state.faults.extraFullLoadSeconds[task.identifier] ?? ctx.state.faults.extraFullLoadSeconds[task.arn] ?? 0;
  const stretch = makespan > 0 ? (makespan + extraSeconds * 1000) / makespan : 1;
  for (const p of plan) {
    const table = task.tables[p.key]!;
    table.plannedStart = now + p.start * stretch;
    table.plannedEnd = now + p.end * stretch;
  }
  if (run.fullLoad) {
    run.fullLoadStartAt = now;
    task.stats.fullLoadStartDate = now;
    task.stats.fullLoadFinishDate = undefined;
    task.stats.fullLoadProgressPercent = 0;
  }
  advanceRunning(ctx, task, now);
}

function advanceRunning(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const instance = ctx.state.instances.find((i) => i.arn === task.instanceArn);
  if (instance?.status === 'storage-full') {
    task.lastFailureMessage = `Replication instance ${instance.identifier} ran out of storage`;
    stopTask(task, 'Stop Reason STOPPED_DUE_TO_LOW_DISK', now, ctx.behaviour());
    return;
  }
  if (retryingRecoverableError(ctx, task, now)) return;
  advanceFullLoad(ctx, task, now);
  if (task.status !== 'running') return;
  stopAfterCachedChanges(ctx, task, now);
  const stopAt = task.cdcStopPosition ? parseCdcStopPosition(task.cdcStopPosition) : undefined;
  if (stopAt?.kind === 'server_time' && now >= stopAt.atMs) stopTask(task, 'Stop Reason STOPPED_AT_SERVER_TIME', now, ctx.behaviour());
  if (stopAt?.kind === 'commit_time' && (task.cdc?.lastEventCommitMs ?? 0) >= stopAt.atMs)
    stopTask(task, 'Stop Reason STOPPED_AT_COMMIT_TIME', now, ctx.behaviour());
}

/** The recoverable error a fault injects, by identifier or ARN. */
export function recoverableError(ctx: EmulatorContext, task: TaskRecord): { message: string } | undefined {
  const faults = ctx.state.faults.recoverableErrors;
  return faults[task.identifier] ?? faults[task.arn];
}

/**
 * A recoverable (environmental) error: DMS restarts the task every RecoverableErrorInterval seconds while it stays
 * `running` with the error in LastFailureMessage, and makes no progress; once RecoverableErrorCount restarts are spent
 * "the task is stopped and manual intervention is required" ("Error handling task settings"). True while retrying.
 */
function retryingRecoverableError(ctx: EmulatorContext, task: TaskRecord, now: number): boolean {
  const fault = recoverableError(ctx, task);
  if (!fault) {
    task.recoverableSince = undefined;
    return false;
  }
  task.recoverableSince ??= now;
  task.lastFailureMessage = fault.message;
  const { recoverableErrorCount, recoverableErrorIntervalSeconds } = emulatedTaskSettings(task.settings).errors;
  const attempts = Math.floor((now - task.recoverableSince) / (recoverableErrorIntervalSeconds * 1000));
  if (recoverableErrorCount >= 0 && attempts > recoverableErrorCount) {
    stopForErrors(
      task,
      'Stop Reason RECOVERABLE_ERROR',
      `${fault.message} (DMS gave up after ${recoverableErrorCount} restart attempt(s), ErrorBehavior.RecoverableErrorCount)`,
      now,
      ctx.behaviour(),
    );
  }
  return true;
}

/**
 * StopTaskCachedChangesApplied: the task stops once CDC has read the changes cached during the full load (a poll that
 * reached the binlog's head after the load finished), ending with STOPPED_AFTER_CACHED_EVENTS.
 */
function stopAfterCachedChanges(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const run = task.run;
  if (!run?.fullLoad || run.fullLoadFinishAt === undefined || run.loading.length === 0 || task.migrationType !== 'full-load-and-cdc')
    return;
  if (emulatedTaskSettings(task.settings).stopAfterFullLoad !== 'cached-changes-applied') return;
  if ((task.cdc?.lastPollAt ?? 0) < run.fullLoadFinishAt) return;
  task.pendingStopReason = afterFullLoadReason(ctx, 'Stop Reason STOPPED_AFTER_CACHED_EVENTS');
  task.status = 'stopping';
  task.transitionAt = now + seconds(DURATIONS.taskStop);
}

function afterFullLoadReason(ctx: EmulatorContext, specific: string): string {
  return ctx.behaviour().stopReasons.afterFullLoad === 'specific' ? specific : 'Stop Reason FULL_LOAD_ONLY_FINISHED';
}

function advanceFullLoad(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const run = task.run;
  if (!run) return;
  const faults = ctx.state.faults;
  const tableFault = faults.tableErrors[task.identifier] ?? faults.tableErrors[task.arn];
  const errored: string[] = [];
  for (const key of run.loading) {
    const table = task.tables[key];
    if (!table || LOAD_ENDED_STATES.has(table.state)) continue;
    if (table.loadError && table.plannedEnd === undefined) table.plannedEnd = now;
    if (table.plannedStart === undefined) continue;
    if (now < table.plannedStart) {
      table.state = 'Before load';
      continue;
    }
    if (table.state === 'Before load') {
      table.state = 'Full load';
      table.fullLoadStartTime = table.plannedStart;
    }
    if (table.plannedEnd === undefined || now < table.plannedEnd || !table.loadDone) continue;
    table.fullLoadEndTime = now;
    table.lastUpdateTime = now;
    if (tableFault && tableFault.schema === table.schema && tableFault.table === table.table) {
      table.state = 'Table error';
      task.lastFailureMessage = tableFault.message ?? `Table ${key} failed to load: injected table error`;
    } else if (table.sourceMissing && ctx.behaviour().tableStates.sourceTableMissing === 'table-does-not-exist') {
      // botocore TableStatistics.TableState lists "Table does not exist"; that a table dropped before its load shows
      // it is inferred from the name (unverified: tableStates.sourceTableMissing).
      table.state = 'Table does not exist';
      task.lastFailureMessage = `Table ${key} failed to load: ${table.loadError}`;
    } else if (table.loadError) {
      table.state = 'Table error';
      task.lastFailureMessage = `Table ${key} failed to load: ${table.loadError}`;
    } else {
      table.state = 'Table completed';
    }
    if (table.state === 'Table error') {
      table.errorCount = (table.errorCount ?? 0) + 1;
      errored.push(key);
    }
  }
  if (errored.length && applyTableErrorPolicy(ctx, task, errored, now)) return;
  if (task.status !== 'running' || run.fullLoadFinishAt !== undefined || !run.fullLoad) return;
  const failure = faults.taskFailures[task.identifier] ?? faults.taskFailures[task.arn];
  if (failure && fullLoadPercent(task, now) >= failure.atPercent) {
    failTask(task, failure.message ?? `Injected failure at ${failure.atPercent}% of the full load`, now, ctx.behaviour());
    return;
  }
  const pending = run.loading.some((key) => !LOAD_ENDED_STATES.has(task.tables[key]?.state ?? ''));
  if (pending) return;
  run.fullLoadFinishAt = now;
  task.stats.fullLoadFinishDate = now;
  task.stats.fullLoadProgressPercent = 100;
  if (task.migrationType === 'full-load') stopTask(task, 'Stop Reason FULL_LOAD_ONLY_FINISHED', now, ctx.behaviour());
  // Only after a full load this run did (a resume of a task whose tables all completed loads nothing: inferred).
  else if (run.loading.length > 0 && emulatedTaskSettings(task.settings).stopAfterFullLoad === 'cached-changes-not-applied')
    stopTask(task, afterFullLoadReason(ctx, 'Stop Reason STOPPED_AFTER_FULL_LOAD'), now, ctx.behaviour());
}

/**
 * ErrorBehavior after a table error: TableErrorPolicy STOP_TASK stops the task at once; under SUSPEND_TABLE (the
 * default) a TableErrorEscalationCount above 0 stops it once a table reaches that many errors (TableErrorEscalationPolicy,
 * whose only value is STOP_TASK). True when the task was stopped.
 */
function applyTableErrorPolicy(ctx: EmulatorContext, task: TaskRecord, errored: string[], now: number): boolean {
  const { tableErrorPolicy, tableErrorEscalationCount } = emulatedTaskSettings(task.settings).errors;
  const escalated = errored.filter(
    (key) => tableErrorEscalationCount > 0 && (task.tables[key]?.errorCount ?? 0) >= tableErrorEscalationCount,
  );
  if (tableErrorPolicy !== 'STOP_TASK' && escalated.length === 0) return false;
  const why =
    tableErrorPolicy === 'STOP_TASK'
      ? `ErrorBehavior.TableErrorPolicy is STOP_TASK`
      : `${escalated.join(', ')} reached ErrorBehavior.TableErrorEscalationCount ${tableErrorEscalationCount} (TableErrorEscalationPolicy STOP_TASK)`;
  stopForErrors(
    task,
    'Stop Reason FATAL_ERROR',
    `${task.lastFailureMessage ?? `Table ${errored[0]} failed`}; the task stopped: ${why}`,
    now,
    ctx.behaviour(),
  );
  return true;
}
