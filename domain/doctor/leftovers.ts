import { Finding } from './findings';

/**
 * What runs that were terminated, timed out, failed or cancelled left behind, and the command that cleans each.
 * "Who stopped this task" is read from the closed run's own history (its scheduled `stopTask` without a later
 * `startTask` of the same task): the history is the record of what the run asked for, kept for the namespace's
 * retention, even when the run was terminated in the middle of the call. Temporary backfill resources are the
 * `createTask`/`createS3Endpoint` calls of the run; staging and quarantine prefixes are named after the workflow id.
 */

/** The activities of a run's history that matter here, in order, with their (decoded) input. */
export interface ScheduledActivity {
  type: string;
  input: Record<string, unknown>;
}

export interface RunLeftoverActions {
  /** Task ARNs the run stopped and never started again. */
  stoppedTasks: string[];
  /** Identifiers of the DMS tasks and endpoints the run created and did not delete. */
  createdTasks: string[];
  createdEndpoints: string[];
  /** The run's last ModifyReplicationInstance request, if any (a composite resize scales up, then down). */
  lastInstanceModify?: { instanceArn: string; instanceClass: string };
}

/** From a run's scheduled activities: what it stopped without resuming, and what it created without deleting. */
export function leftoverActions(activities: ScheduledActivity[]): RunLeftoverActions {
  const stopped = new Set<string>();
  const tasks = new Set<string>();
  const endpoints = new Set<string>();
  let lastInstanceModify: RunLeftoverActions['lastInstanceModify'];
  for (const { type, input } of activities) {
    const arn = typeof input.taskArn === 'string' ? input.taskArn : undefined;
    if (type === 'stopTask' && arn) stopped.add(arn);
    if (type === 'startTask' && arn) stopped.delete(arn);
    if (type === 'createTask' && typeof input.identifier === 'string') tasks.add(input.identifier);
    if (type === 'createS3Endpoint' && typeof input.identifier === 'string') endpoints.add(input.identifier);
    if (type === 'modifyInstance' && typeof input.instanceArn === 'string' && typeof input.instanceClass === 'string')
      lastInstanceModify = { instanceArn: input.instanceArn, instanceClass: input.instanceClass };
  }
  // A deleted task or endpoint is found gone by the caller (deletes take ARNs, not identifiers).
  return {
    stoppedTasks: [...stopped],
    createdTasks: [...tasks],
    createdEndpoints: [...endpoints],
    ...(lastInstanceModify ? { lastInstanceModify } : {}),
  };
}

export interface ClosedRun {
  workflowId: string;
  runId: string;
  kind: string;
  /** Temporal's close status: TERMINATED, TIMED_OUT, FAILED, CANCELLED. */
  status: string;
  closedAt?: string;
}

const runLabel = (run: ClosedRun) =>
  `${run.kind} ${run.workflowId} (run ${run.runId}, ${run.status.toLowerCase()}${run.closedAt ? ` at ${run.closedAt}` : ''})`;

/**
 * A task stopped by a closed run. `instanceArn`: the task's replication instance, when the run changed it (a resize
 * may have ended mid modification): the task is started only on an available instance (the emulator refuses it
 * otherwise, InvalidResourceStateFault; unverified on AWS), so a step waits for it first ("Wait until DMS replication
 * instance is available", AWS CLI reference, `aws dms wait replication-instance-available`).
 */
export function stoppedTaskFinding(
  run: ClosedRun,
  task: { identifier: string; arn: string; status: string },
  instanceArn?: string,
): Finding {
  return {
    check: 'leftovers',
    severity: 'critical',
    subject: `task ${task.identifier}`,
    title: `task ${task.identifier} is ${task.status}: stopped by ${runLabel(run)}, which ended without starting it again; CDC of every table of the task is paused while binlog retention runs down`,
    evidence: { task: task.identifier, status: task.status, stoppedBy: run.workflowId, runId: run.runId, runStatus: run.status },
    remedy: {
      summary: 'resume the task where it stopped (its checkpoint); check the tables of the interrupted runbook afterwards',
      command: `aws dms start-replication-task --replication-task-arn ${task.arn} --start-replication-task-type resume-processing`,
      ...(instanceArn
        ? { steps: [`aws dms wait replication-instance-available --filters Name=replication-instance-arn,Values=${instanceArn}`] }
        : {}),
    },
  };
}

/**
 * A composite resize (scale up for a runbook, then down for CDC) that closed after its last instance change scaled
 * up: the instance stays on the large class, at its price. The fix is a resizeInstance back to the run's CDC class
 * (it stops and resumes the instance's tasks around the change, behind its gate).
 */
export function largeClassFinding(
  run: ClosedRun,
  instance: { identifier: string; instanceClass: string; status: string },
  cdcClass: string,
  remedy: Finding['remedy'],
): Finding {
  return {
    check: 'leftovers',
    severity: 'warning',
    subject: `instance ${instance.identifier}`,
    title: `replication instance ${instance.identifier} is ${instance.instanceClass} (${instance.status}): ${runLabel(run)} scaled it up for a full load and ended before scaling it down to ${cdcClass}`,
    evidence: {
      instance: instance.identifier,
      instanceClass: instance.instanceClass,
      cdcClass,
      scaledUpBy: run.workflowId,
      runId: run.runId,
      runStatus: run.status,
    },
    ...(remedy ? { remedy } : {}),
  };
}

export function temporaryTaskFinding(run: ClosedRun, task: { identifier: string; arn: string; status: string }): Finding {
  const stop = ['running', 'starting'].includes(task.status)
    ? [
        `aws dms stop-replication-task --replication-task-arn ${task.arn}`,
        `aws dms wait replication-task-stopped --filters Name=replication-task-arn,Values=${task.arn}`,
      ]
    : [];
  return {
    check: 'leftovers',
    severity: 'warning',
    subject: `task ${task.identifier}`,
    title: `temporary task ${task.identifier} (${task.status}) of ${runLabel(run)} is still there`,
    evidence: { task: task.identifier, status: task.status, createdBy: run.workflowId, runId: run.runId, runStatus: run.status },
    remedy: {
      summary: 'delete the temporary task (it writes only to the staging prefix of its run)',
      command: `aws dms delete-replication-task --replication-task-arn ${task.arn}`,
      ...(stop.length ? { steps: stop } : {}),
    },
  };
}

export function temporaryEndpointFinding(run: ClosedRun, endpoint: { identifier: string; arn: string }, tasksFirst: string[]): Finding {
  return {
    check: 'leftovers',
    severity: 'warning',
    subject: `endpoint ${endpoint.identifier}`,
    title: `temporary endpoint ${endpoint.identifier} of ${runLabel(run)} is still there`,
    evidence: { endpoint: endpoint.identifier, createdBy: run.workflowId, runId: run.runId, runStatus: run.status },
    remedy: {
      summary: tasksFirst.length
        ? `delete the endpoint once its temporary tasks are deleted (${tasksFirst.join(', ')})`
        : 'delete the temporary staging endpoint',
      command: `aws dms delete-endpoint --endpoint-arn ${endpoint.arn}`,
      // DMS refuses to delete an endpoint a task still uses, and a task takes a while to go ("deleting"). A loop, not
      // `aws dms wait replication-task-deleted`: that waiter fails at once on a "stopped" that Describe may still show.
      ...(tasksFirst.length
        ? {
            steps: [
              `until ! aws dms describe-replication-tasks --filters Name=replication-task-id,Values=${tasksFirst.join(',')} > /dev/null 2>&1; do sleep 10; done`,
            ],
          }
        : {}),
    },
  };
}

export type PrefixKind = 'staging' | 'quarantine';

/** Staging holds only a backfill's own loads: deleting it is safe. A quarantine may hold a table's only files. */
export function prefixFinding(
  bucket: string,
  kind: PrefixKind,
  prefix: string,
  owner: { workflowId: string; status: string; runId?: string; kind?: string },
  objects: number,
): Finding {
  const where = `s3://${bucket}/${prefix}`;
  const run = owner.runId
    ? `${owner.kind ?? 'runbook'} ${owner.workflowId} (run ${owner.runId}, ${owner.status.toLowerCase()})`
    : `workflow ${owner.workflowId} (${owner.status.toLowerCase()})`;
  const finding: Finding = {
    check: 'leftovers',
    severity: kind === 'quarantine' ? 'critical' : 'warning',
    subject: `prefix ${prefix}`,
    title: `${kind} prefix ${where} (${objects}+ objects) of ${run} is still there`,
    evidence: { prefix: where, objects, workflowId: owner.workflowId, runStatus: owner.status },
    remedy: {
      summary:
        kind === 'staging'
          ? 'delete the staging of the interrupted backfill (never live data)'
          : "the quarantine holds a table's files from before an interrupted reload: put them back unless the table's prefix holds a verified reload, then delete the quarantine",
      command: `aws s3 rm --recursive ${where}`,
    },
  };
  if (kind === 'quarantine') {
    finding.remedy!.steps = [
      `aws s3 ls --recursive s3://${bucket}/${prefix}_manifests/`,
      `aws s3 mv --recursive ${where} s3://${bucket}/ --exclude "_manifests/*" --exclude "_rolled-back/*"`,
    ];
  }
  return finding;
}

export function staleLockFinding(
  resource: string,
  lockWorkflowId: string,
  holder: { holder: string; runId?: string; kind: string; since: string },
  status: string,
): Finding {
  return {
    check: 'leftovers',
    severity: 'warning',
    subject: resource,
    title: `${resource} is locked by ${holder.kind} ${holder.holder}${holder.runId ? ` (run ${holder.runId})` : ''}, which is ${status.toLowerCase()}: the next runbook takes it over, and the lock frees itself at its next holder check`,
    evidence: { resource, holder: holder.holder, runId: holder.runId ?? null, since: holder.since, holderStatus: status },
    remedy: {
      summary: 'release the lock now',
      command: `temporal workflow signal --workflow-id ${lockWorkflowId} --name release --input '${JSON.stringify({ holder: holder.holder, runId: holder.runId })}'`,
    },
  };
}
