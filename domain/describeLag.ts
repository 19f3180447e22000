import { canonicalJson } from './tableMappings';
import type { InstanceSnapshot, TaskSnapshot, Verdict } from './dmsStates';

/**
 * DMS's Describe calls are eventually consistent: right after a Create, Describe may not find the resource, and right
 * after a Modify, Start or Stop it may still show the state from before. terraform-provider-aws waits 30 to 60 s
 * before its first poll after such calls for this reason (internal/service/dms, the `Delay` of its state waiters).
 * How long the old view lasts is not documented (unverified; the sandbox emulator's `describeLag` setting models it).
 *
 * A wait that follows a change of this runbook's names the change: until DMS shows it, what Describe answers is the
 * past, so it is neither "done" nor "failed" — the wait goes on, for `graceSeconds` at most.
 */
export type ExpectedChange =
  | { kind: 'task-created' }
  /** ModifyReplicationTask with this table mapping (the JSON sent). */
  | { kind: 'task-modified'; tableMappings: string }
  /** StartReplicationTask on a task whose start date was this before the call. */
  | { kind: 'task-started'; previousStartDate: string | null }
  /** ModifyReplicationInstance towards this class (and at least this storage). */
  | { kind: 'instance-modified'; instanceClass: string; allocatedStorageGb?: number };

export interface AfterChange {
  change: ExpectedChange;
  /** When the call returned (workflow time, epoch ms). */
  madeAt: number;
  /** How long DMS may show the old state before the runbook stops believing the change is on its way. */
  graceSeconds: number;
}

function describeChange(change: ExpectedChange): string {
  switch (change.kind) {
    case 'task-created':
      return 'the task just created';
    case 'task-modified':
      return 'the new table mapping';
    case 'task-started':
      return 'the start';
    case 'instance-modified':
      return `the change to ${change.instanceClass}${change.allocatedStorageGb !== undefined ? `, ${change.allocatedStorageGb} GB` : ''}`;
  }
}

/** Whether a task snapshot shows the change (or DMS working on it). */
export function taskShowsChange(task: TaskSnapshot | undefined, change: ExpectedChange): boolean {
  if (!task) return false;
  switch (change.kind) {
    case 'task-created':
      return true;
    case 'task-modified':
      return (
        task.status === 'modifying' ||
        (task.tableMappings !== undefined &&
          canonicalJson(JSON.parse(task.tableMappings)) === canonicalJson(JSON.parse(change.tableMappings)))
      );
    case 'task-started':
      return task.status === 'starting' || task.status === 'running' || (task.startDate ?? null) !== change.previousStartDate;
    case 'instance-modified':
      return false;
  }
}

export function instanceShowsChange(instance: InstanceSnapshot | undefined, change: ExpectedChange): boolean {
  if (!instance || change.kind !== 'instance-modified') return false;
  return (
    instance.status === 'modifying' ||
    Object.keys(instance.pending).length > 0 ||
    (instance.instanceClass === change.instanceClass && instance.allocatedStorageGb >= (change.allocatedStorageGb ?? 0))
  );
}

/**
 * `undefined` when the snapshot shows the change (judge it as usual); otherwise a waiting verdict while within the
 * grace period, and a failure naming the stale state once it has passed.
 */
export function staleViewVerdict(
  shows: boolean,
  seen: string,
  after: AfterChange | undefined,
  now: number,
): Exclude<Verdict, { kind: 'reached' }> | undefined {
  if (!after || shows) return undefined;
  const elapsed = Math.max(0, Math.round((now - after.madeAt) / 1000));
  if (elapsed <= after.graceSeconds) {
    return { kind: 'waiting', why: `DMS does not show ${describeChange(after.change)} yet (${elapsed} s after the call): ${seen}` };
  }
  return {
    kind: 'failed',
    why:
      `DMS still does not show ${describeChange(after.change)} ${elapsed} s after the call (${seen}); ` +
      `waits.describeLagSeconds allows ${after.graceSeconds} s. Describe the resource to see whether the call took effect, then start the runbook again`,
  };
}

/** The change just made, stamped now (in a workflow, Date.now() is the workflow's deterministic time). */
export function afterChange(change: ExpectedChange, describeLagSeconds: number): AfterChange {
  return { change, madeAt: Date.now(), graceSeconds: describeLagSeconds };
}
