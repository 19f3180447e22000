import { parseCdcStopPosition } from './cdc/cdcPosition';
import { tableLoadMs } from './dataPlane/tableLoader';
import { emulatedTaskSettings } from './dataPlane/taskSettings';
import type { EmulatorContext } from './emulatorContext';
import type { InstanceRecord, TaskRecord } from './emulatorState';
import { refreshStats, fullLoadPercent, LOADING_STATES } from './taskStatistics';

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
      if (task.run?.scopeError) fail(task, task.run.scopeError, now);
      else if (due && task.run?.scopeResolved) enterRunning(ctx, task, now);
      break;
    case 'running':
      advanceRunning(ctx, task, now);
      break;
    case 'stopping':
      advanceFullLoad(ctx, task, now);
      if (due) stop(task, 'Stop Reason NORMAL', now);
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
    stop(task, 'Stop Reason STOPPED_DUE_TO_LOW_DISK', now);
    return;
  }
  advanceFullLoad(ctx, task, now);
  if (task.status !== 'running') return;
  const stopAt = task.cdcStopPosition ? parseCdcStopPosition(task.cdcStopPosition) : undefined;
  if (stopAt?.kind === 'server_time' && now >= stopAt.atMs) stop(task, 'Stop Reason STOPPED_AT_SERVER_TIME', now);
  if (stopAt?.kind === 'commit_time' && (task.cdc?.lastEventCommitMs ?? 0) >= stopAt.atMs)
    stop(task, 'Stop Reason STOPPED_AT_COMMIT_TIME', now);
}

function advanceFullLoad(ctx: EmulatorContext, task: TaskRecord, now: number): void {
  const run = task.run;
  if (!run) return;
  const faults = ctx.state.faults;
  const tableFault = faults.tableErrors[task.identifier] ?? faults.tableErrors[task.arn];
  for (const key of run.loading) {
    const table = task.tables[key];
    if (!table || table.state === 'Table completed' || table.state === 'Table error') continue;
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
    } else if (table.loadError) {
      table.state = 'Table error';
      task.lastFailureMessage = `Table ${key} failed to load: ${table.loadError}`;
    } else {
      table.state = 'Table completed';
    }
  }
  if (task.status !== 'running' || run.fullLoadFinishAt !== undefined || !run.fullLoad) return;
  const failure = faults.taskFailures[task.identifier] ?? faults.taskFailures[task.arn];
  if (failure && fullLoadPercent(task, now) >= failure.atPercent) {
    fail(task, failure.message ?? `Injected failure at ${failure.atPercent}% of the full load`, now);
    return;
  }
  const pending = run.loading.some((key) => {
    const state = task.tables[key]?.state;
    return state !== 'Table completed' && state !== 'Table error';
  });
  if (pending) return;
  run.fullLoadFinishAt = now;
  task.stats.fullLoadFinishDate = now;
  task.stats.fullLoadProgressPercent = 100;
  if (task.migrationType === 'full-load') stop(task, 'Stop Reason FULL_LOAD_ONLY_FINISHED', now);
}

function stop(task: TaskRecord, reason: string, now: number): void {
  if (task.stats.startDate !== undefined) task.elapsedBeforeMs += now - task.stats.startDate;
  task.stats.elapsedTimeMillis = Math.round(task.elapsedBeforeMs);
  task.stats.stopDate = now;
  task.stopReason = reason;
  task.status = 'stopped';
  task.transitionAt = undefined;
  task.run = undefined;
}

function fail(task: TaskRecord, message: string, now: number): void {
  for (const table of Object.values(task.tables)) {
    if (LOADING_STATES.has(table.state)) table.state = 'Table error';
  }
  stop(task, 'Stop Reason FATAL_ERROR', now);
  task.status = 'failed';
  task.lastFailureMessage = message;
}
