import { DescribeEndpointsCommand, DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { checkResult, CheckResult, Finding } from '../../domain/doctor/findings';
import {
  ClosedRun,
  largeClassFinding,
  leftoverActions,
  prefixFinding,
  PrefixKind,
  RunLeftoverActions,
  ScheduledActivity,
  staleLockFinding,
  stoppedTaskFinding,
  temporaryEndpointFinding,
  temporaryTaskFinding,
} from '../../domain/doctor/leftovers';
import { toTaskSnapshot } from '../dmsGateway';
import { resizeRemedy } from '../../domain/doctor/remedies';
import type { ActivityDeps } from '../deps';
import { lockHolderQuery, parseLockWorkflowId } from '../../contracts/lock';
import { isPipelineRun, pipelineRunsFilter } from '../../contracts/pipelineRuns';
import { runbookTablesKey, runbookTargetKey } from '../../contracts/searchAttributes';
import { stagingFolder } from '../../domain/backfill';
import { quarantineRoot } from '../../domain/quarantineLayout';
import { Failure } from '../../contracts/failures';
import { runStatus } from '../workflowRunStatus';

/** Runbooks that stop tasks or create temporary resources. */
const ACTING_KINDS = ['onboardTable', 'fullReload', 'resizeInstance', 'backfillPartitions'];
const INTERRUPTED = ['Terminated', 'TimedOut', 'Failed', 'Canceled'];
const EventType = proto.api.enums.v1.EventType;

/** This pipeline's runs of the acting kinds that were interrupted since `since`. */
export function interruptedRunsQuery(since: Date, pipeline: string, taskQueue: string): string {
  const kinds = ACTING_KINDS.map((k) => `"${k}"`).join(', ');
  const statuses = INTERRUPTED.map((s) => `"${s}"`).join(', ');
  return `RunbookKind IN (${kinds}) AND ExecutionStatus IN (${statuses}) AND CloseTime > "${since.toISOString()}" AND ${pipelineRunsFilter(pipeline, taskQueue)}`;
}

/** A closed run with what scopes it: its tables, and its target (an instance for resizeInstance). */
type ScopedRun = ClosedRun & { tables: string[]; target: string };

export interface LeftoversInput {
  at: string;
  /** The doctor's scope: only leftovers about these groups' tasks and tables (none: the whole namespace). */
  taskGroups?: string[];
  /** How far back closed runs are read (default 7 days: the DMS default binlog margin is counted in days). */
  leftoverWindowHours?: number;
}

/**
 * Leftovers of interrupted runs: tasks their runs stopped, temporary backfill tasks and endpoints, staging and
 * quarantine prefixes, locks still held for them. Read-only: each finding carries the command that cleans it.
 */
export function leftoversCheck(deps: ActivityDeps) {
  const temporal = deps.temporal;

  /** The run's input (the workflow's first argument) and its scheduled activities, in order. */
  async function runHistory(run: ClosedRun): Promise<{ input: Record<string, unknown>; activities: ScheduledActivity[] }> {
    const history = await temporal.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    const decode = (payload: Parameters<typeof defaultPayloadConverter.fromPayload>[0] | undefined) =>
      ((payload ? defaultPayloadConverter.fromPayload<unknown>(payload) : {}) ?? {}) as Record<string, unknown>;
    const events = history.events ?? [];
    const activities = events.flatMap((event) => {
      if (event.eventType !== EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) return [];
      const attributes = event.activityTaskScheduledEventAttributes;
      return [{ type: attributes?.activityType?.name ?? '', input: decode(attributes?.input?.payloads?.[0] ?? undefined) }];
    });
    return { input: decode(events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] ?? undefined), activities };
  }

  async function taskBy(filter: 'replication-task-arn' | 'replication-task-id', value: string) {
    try {
      const found = await deps.dmsGateway.call('DescribeReplicationTasks', value, (c) =>
        c.send(new DescribeReplicationTasksCommand({ Filters: [{ Name: filter, Values: [value] }], WithoutSettings: true })),
      );
      const task = found.ReplicationTasks?.[0];
      return task ? toTaskSnapshot(task) : undefined;
    } catch (error) {
      if ((error as ApplicationFailure).type === Failure.ResourceNotFoundFault) return undefined;
      throw error;
    }
  }

  /** A composite resize whose last instance change was the scale-up, with the instance still (becoming) large. */
  async function largeClassLeft(run: ScopedRun, input: Record<string, unknown>, actions: RunLeftoverActions, at: string) {
    const { fullLoadClass, cdcClass } = input;
    const modify = actions.lastInstanceModify;
    if (typeof fullLoadClass !== 'string' || typeof cdcClass !== 'string' || fullLoadClass === cdcClass) return undefined;
    if (modify?.instanceClass !== fullLoadClass) return undefined;
    const instance = await deps.dmsGateway.instance(modify.instanceArn, 0);
    if (!instance || (instance.instanceClass !== fullLoadClass && instance.pending.ReplicationInstanceClass !== fullLoadClass))
      return undefined;
    const remedy = resizeRemedy(
      instance.identifier,
      cdcClass,
      `scale ${instance.identifier} back to ${cdcClass} with resizeInstance (it stops and resumes the instance's tasks around the change)`,
      at,
    );
    return largeClassFinding(run, instance, cdcClass, remedy);
  }

  async function endpointById(identifier: string) {
    try {
      const found = await deps.dmsGateway.call('DescribeEndpoints', identifier, (c) =>
        c.send(new DescribeEndpointsCommand({ Filters: [{ Name: 'endpoint-id', Values: [identifier] }] })),
      );
      const endpoint = found.Endpoints?.[0];
      return endpoint?.EndpointArn ? { identifier, arn: endpoint.EndpointArn } : undefined;
    } catch (error) {
      if ((error as ApplicationFailure).type === Failure.ResourceNotFoundFault) return undefined;
      throw error;
    }
  }

  /** The worker's own task queue (this activity's): it finds this pipeline's runs and locks from before pipeline names. */
  const taskQueue = () => Context.current().info.taskQueue;

  async function closedRuns(since: Date): Promise<ScopedRun[]> {
    const query = interruptedRunsQuery(since, deps.config.name, taskQueue());
    const runs: ScopedRun[] = [];
    for await (const info of temporal.workflow.list({ query })) {
      runs.push({
        tables: info.typedSearchAttributes.get(runbookTablesKey) ?? [],
        target: info.typedSearchAttributes.get(runbookTargetKey) ?? '',
        workflowId: info.workflowId,
        runId: info.runId,
        kind: info.type,
        status: info.status.name,
        closedAt: info.closeTime?.toISOString(),
      });
    }
    return runs;
  }

  async function objectsAt(prefix: string): Promise<number> {
    const page = await deps.s3.send(new ListObjectsV2Command({ Bucket: deps.config.target.bucket, Prefix: prefix, MaxKeys: 1000 }));
    return page.KeyCount ?? 0;
  }

  /** The first-level folders under a root prefix, with (a lower bound of) their object count. */
  async function folders(root: string): Promise<Array<{ prefix: string; id: string; objects: number }>> {
    const bucket = deps.config.target.bucket;
    const page = await deps.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: root, Delimiter: '/', MaxKeys: 1000 }));
    const out = [];
    for (const { Prefix } of page.CommonPrefixes ?? []) {
      if (!Prefix) continue;
      out.push({ prefix: Prefix, id: Prefix.slice(root.length, -1), objects: await objectsAt(Prefix) });
    }
    return out;
  }

  async function lockFindings(wanted: (resource: string) => boolean): Promise<Finding[]> {
    const findings: Finding[] = [];
    for await (const info of temporal.workflow.list({ query: 'WorkflowType = "resourceLock" AND ExecutionStatus = "Running"' })) {
      // Another pipeline's locks are its own doctor's business; the pipeline is in the lock id, not an attribute.
      const lock = parseLockWorkflowId(info.workflowId);
      if (!lock || !isPipelineRun(deps.config.name, taskQueue(), { pipeline: lock.pipeline, taskQueue: info.taskQueue })) continue;
      if (!wanted(lock.resource)) continue;
      let held;
      try {
        held = await temporal.workflow.getHandle(info.workflowId, info.runId).query(lockHolderQuery);
      } catch (error) {
        // A lock on a task queue no worker polls any more (a renamed queue) cannot answer: nothing to judge it by.
        deps.logger.warn({ lock: info.workflowId, error: (error as Error).message }, 'lock holder unreadable');
        continue;
      }
      if (!held) continue;
      const status = await runStatus(deps, held.holder, held.runId);
      if (status !== 'RUNNING') findings.push(staleLockFinding(lock.resource, info.workflowId, held, status));
    }
    return findings;
  }

  /** Every staging and quarantine folder whose workflow is neither running nor completed (the full doctor). */
  async function prefixFindings(runs: ScopedRun[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    const byId = new Map(runs.map((r) => [r.workflowId, r]));
    for (const [root, kind] of [
      ['_staging/', 'staging'],
      ['_quarantine/', 'quarantine'],
    ] as Array<[string, PrefixKind]>) {
      for (const folder of await folders(root)) {
        const status = await runStatus(deps, folder.id);
        // Running: still in use. Completed: a finished reload keeps a rolled-back quarantine on purpose.
        if (status === 'RUNNING' || status === 'COMPLETED') continue;
        const run = byId.get(folder.id);
        const owner = { workflowId: folder.id, status, runId: run?.runId, kind: run?.kind };
        findings.push(prefixFinding(deps.config.target.bucket, kind, folder.prefix, owner, folder.objects));
      }
    }
    return findings;
  }

  /** Scoped: only the folders named after the interrupted runs on the groups' tables. */
  async function scopedPrefixFindings(runs: ScopedRun[]): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const run of runs) {
      const prefixes: Array<[string, PrefixKind]> = [
        [`${stagingFolder(run.workflowId)}/`, 'staging'],
        [quarantineRoot(run.workflowId, run.kind === 'backfillPartitions' ? 'plain' : 'key'), 'quarantine'],
      ];
      for (const [prefix, kind] of prefixes) {
        const objects = await objectsAt(prefix);
        if (objects > 0) findings.push(prefixFinding(deps.config.target.bucket, kind, prefix, run, objects));
      }
    }
    return findings;
  }

  return {
    async checkLeftovers(input: LeftoversInput): Promise<CheckResult> {
      const since = new Date(Date.parse(input.at) - (input.leftoverWindowHours ?? 24 * 7) * 3_600_000);
      const findings: Finding[] = [];
      // A doctor scoped to task groups reports only what concerns their tasks and tables.
      const groups = input.taskGroups && deps.config.taskGroups.filter((g) => input.taskGroups!.includes(g.name));
      const inScope = {
        task: (identifier: string) => !groups || groups.some((g) => g.taskIdentifier === identifier),
        tables: (tables: string[]) => !groups || groups.some((g) => g.tables.some((t) => tables.includes(t))),
        resource: (resource: string) =>
          !groups ||
          inScope.task(resource.replace(/^task:/, '')) ||
          inScope.tables([resource.replace(/^table:/, '')]) ||
          groups.some((g) => resource === `instance:${g.instance}`),
      };
      const runOnGroups = (run: ScopedRun) =>
        inScope.tables(run.tables) || (run.kind === 'resizeInstance' && !!groups?.some((g) => g.instance === run.target));
      const runs = (await closedRuns(since)).filter(runOnGroups);
      for (const run of runs) {
        // A reset or re-started run of the same workflow id may be carrying on with the same resources.
        if ((await runStatus(deps, run.workflowId)) === 'RUNNING') continue;
        const history = await runHistory(run);
        const actions = leftoverActions(history.activities);
        const large = run.kind === 'resizeInstance' ? await largeClassLeft(run, history.input, actions, input.at) : undefined;
        if (large) findings.push(large);
        for (const arn of actions.stoppedTasks) {
          const task = await taskBy('replication-task-arn', arn);
          if (task && ['stopped', 'stopping'].includes(task.status) && inScope.task(task.identifier)) {
            // A resize may have ended mid modification: the task can start only once its instance is available again.
            findings.push(stoppedTaskFinding(run, task, run.kind === 'resizeInstance' ? task.instanceArn : undefined));
          }
        }
        const remaining: string[] = [];
        for (const identifier of actions.createdTasks) {
          const task = await taskBy('replication-task-id', identifier);
          if (task) {
            remaining.push(identifier);
            findings.push(temporaryTaskFinding(run, task));
          }
        }
        for (const identifier of actions.createdEndpoints) {
          const endpoint = await endpointById(identifier);
          if (endpoint) findings.push(temporaryEndpointFinding(run, endpoint, remaining));
        }
      }
      findings.push(...(groups ? await scopedPrefixFindings(runs) : await prefixFindings(runs)));
      findings.push(...(await lockFindings(inScope.resource)));
      return checkResult(
        'leftovers',
        `${runs.length} interrupted run(s) in the last ${Math.round((Date.parse(input.at) - since.getTime()) / 3_600_000)} h; ${findings.length} leftover(s)`,
        findings,
      );
    },
  };
}
