import type { PipelineConfig, TaskGroupConfig } from './config';
import { TaskSnapshot, taskHasRun } from './dmsStates';
import { fullLoadMinutes, parallelLoadSuggestion } from './instanceClasses';
import { Plan } from './plan';
import { addTable, diffMappings, MappingDiff, missingMetadata, newTaskMapping, selectedTables } from './tableMappings';
import { parseTableMapping, TableMapping } from './tableMappingSchema';
import type { LobPlanDetails } from './taskSettings';
import { formatTableName, TableName, tableMatches } from './tableName';

/** Pure decisions of the onboardTable runbook: which task takes the table, and the plan that puts it there. */

export interface GroupTask {
  group: TaskGroupConfig;
  task: TaskSnapshot | null;
}

export interface LinkedTable {
  table: TableName;
  direction: 'references' | 'referenced-by';
}

export type GroupChoice = { ok: true; group: TaskGroupConfig; placedWithLinks: boolean; notes: string[] } | { ok: false; reason: string };

export function mappingOf(task: TaskSnapshot | null): TableMapping | undefined {
  return task?.tableMappings ? parseTableMapping(task.tableMappings) : undefined;
}

/** The task (by group) that replicates each table today. */
export function replicatingGroups(groups: GroupTask[], tables: TableName[]): Map<string, TaskGroupConfig[]> {
  const out = new Map<string, TaskGroupConfig[]>();
  for (const { group, task } of groups) {
    const mapping = mappingOf(task);
    if (!mapping) continue;
    for (const table of selectedTables(mapping, tables)) {
      const key = formatTableName(table);
      out.set(key, [...(out.get(key) ?? []), group]);
    }
  }
  return out;
}

/**
 * The group from the input, else the one whose `tables` patterns match. Tables linked by foreign keys must stay in
 * one task: a link to a table replicated by another task refuses the onboarding, unless that task's group allows
 * FK placement (then the table joins it).
 */
export function chooseGroup(
  config: PipelineConfig,
  table: TableName,
  explicit: string | undefined,
  links: LinkedTable[],
  groups: GroupTask[],
): GroupChoice {
  const name = formatTableName(table);
  const replicatedBy = replicatingGroups(groups, [table, ...links.map((l) => l.table)]);
  const already = replicatedBy.get(name);
  if (already?.length) {
    return {
      ok: false,
      reason: `${name} is already replicated by task ${already.map((g) => g.taskIdentifier).join(', ')} (group ${already.map((g) => g.name).join(', ')}); to reload it use fullReload`,
    };
  }
  let group: TaskGroupConfig | undefined;
  if (explicit) {
    group = config.taskGroups.find((g) => g.name === explicit);
    if (!group)
      return {
        ok: false,
        reason: `task group "${explicit}" is not in the pipeline configuration (known: ${config.taskGroups.map((g) => g.name).join(', ')})`,
      };
  } else {
    group = config.taskGroups.find((g) => g.tables.some((pattern) => tableMatches(pattern, table)));
  }

  const linkedElsewhere = links.flatMap((link) =>
    (replicatedBy.get(formatTableName(link.table)) ?? []).filter((g) => g.name !== group?.name).map((g) => ({ link, group: g })),
  );
  const notes = links
    .filter((l) => !replicatedBy.has(formatTableName(l.table)))
    .map((l) => `${formatTableName(l.table)} (${l.direction} ${name}) is not replicated yet; when it is, it must join the same task`);
  if (linkedElsewhere.length) {
    const otherGroups = [...new Map(linkedElsewhere.map((x) => [x.group.name, x.group])).values()];
    const list = linkedElsewhere
      .map((x) => `${formatTableName(x.link.table)} (${x.link.direction} ${name}) in task ${x.group.taskIdentifier}`)
      .join('; ');
    if (otherGroups.length === 1 && otherGroups[0]!.allowFkPlacement && !explicit) {
      return { ok: true, group: otherGroups[0]!, placedWithLinks: true, notes: [...notes, `placed with its foreign-key links: ${list}`] };
    }
    const target = group ? `task ${group.taskIdentifier} (group ${group.name})` : 'its task group';
    return {
      ok: false,
      reason: `${name} is linked by foreign keys to tables replicated by another task: ${list}. Tables linked by foreign keys must stay in one task, or their changes drift apart in time; onboard it into ${otherGroups.map((g) => `group ${g.name}`).join(' or ')} instead of ${target}, or allow FK placement for that group`,
    };
  }
  if (!group) {
    return {
      ok: false,
      reason: `no task group takes ${name}: give "taskGroup" in the input or add the table to a group's "tables" in the pipeline configuration`,
    };
  }
  return { ok: true, group, placedWithLinks: false, notes };
}

export interface OnboardingPlanInput {
  table: TableName;
  group: TaskGroupConfig;
  task: TaskSnapshot | null;
  tasksTables: TableName[];
  rows: number;
  instanceClass: string;
  instanceArn: string;
  sourceEndpointArn: string;
  targetEndpointArn: string;
  tablePrefix: string;
  warnings: string[];
  /** The whole ReplicationTaskSettings document the task is created or modified with (domain/taskSettings.ts). */
  taskSettings: string;
  /** The table's LOB columns, their measured longest values and the LobMaxSize chosen, shown in the plan. */
  lob: LobPlanDetails & { summary: string };
}

export interface OnboardingPlan {
  plan: Plan;
  mapping: TableMapping;
  diff: MappingDiff;
  createTask: boolean;
  stopFirst: boolean;
  taskSettings: string;
  /**
   * The task's other tables whose files change shape: the metadata columns they lacked, added by the new mapping
   * (what the lake's consumers of those tables are told, docs/downstream.md).
   */
  schemaChanges: Array<{ table: string; columns: string[]; cause: string }>;
}

export function planOnboarding(input: OnboardingPlanInput): OnboardingPlan {
  const name = formatTableName(input.table);
  const current = mappingOf(input.task);
  const { mapping, addedMetadata } = current
    ? addTable(current, input.table, input.tasksTables)
    : { mapping: newTaskMapping(input.table), addedMetadata: false };
  const lacking = [...input.tasksTables, input.table]
    .map((t) => ({ t, missing: missingMetadata(mapping, t) }))
    .filter((x) => x.missing.length);
  if (lacking.length) {
    // Defensive: addTable always adds them; a mapping without ordering columns is never applied.
    throw new Error(
      `refusing a mapping without transaction metadata: ${lacking.map((x) => `${formatTableName(x.t)} lacks ${x.missing.join(', ')}`).join('; ')}`,
    );
  }
  const mappingJson = JSON.stringify(mapping);
  const diff = diffMappings(current, mapping);
  const warnings = [...input.warnings];
  if (addedMetadata)
    warnings.push(
      `the task's mapping lacked transaction metadata columns: they are added for every table of task ${input.group.taskIdentifier}`,
    );
  const loadMinutes = fullLoadMinutes(input.rows, input.instanceClass);
  const parallelLoad = parallelLoadSuggestion(name, input.rows);
  if (parallelLoad) warnings.push(parallelLoad);
  const plan: Plan = {
    summary: input.task
      ? `add ${name} to task ${input.group.taskIdentifier} (group ${input.group.name}) and full-load it`
      : `create task ${input.group.taskIdentifier} (group ${input.group.name}) for ${name} and start it`,
    calls: [],
    prefixes: [{ prefix: input.tablePrefix, action: 'write' }],
    expectedMinutes: loadMinutes + (input.task ? 6 : 4),
    warnings,
    details: {
      mappingDiff: diff,
      tableMappings: mapping,
      rows: input.rows,
      instanceClass: input.instanceClass,
      taskSettings: JSON.parse(input.taskSettings) as unknown,
      lob: input.lob,
    },
  };
  const stopFirst = input.task !== null && ['running', 'starting'].includes(input.task.status);
  if (input.task) {
    if (stopFirst) {
      plan.calls.push({
        service: 'dms',
        operation: 'StopReplicationTask',
        params: { ReplicationTaskArn: input.task.arn },
        why: `a running task cannot be modified; CDC of its other tables pauses until it resumes`,
      });
    }
    plan.calls.push({
      service: 'dms',
      operation: 'ModifyReplicationTask',
      params: { ReplicationTaskArn: input.task.arn, TableMappings: mappingJson, ReplicationTaskSettings: input.taskSettings },
      why: `add the selection rule for ${name}; set logging, the table-error policy and LOB settings (${input.lob.summary})`,
    });
    plan.calls.push({
      service: 'dms',
      operation: 'StartReplicationTask',
      params: {
        ReplicationTaskArn: input.task.arn,
        StartReplicationTaskType: taskHasRun(input.task) ? 'resume-processing' : 'start-replication',
      },
      why: `resume CDC from the stop point and full-load ${name}`,
    });
  } else {
    plan.calls.push({
      service: 'dms',
      operation: 'CreateReplicationTask',
      params: {
        ReplicationTaskIdentifier: input.group.taskIdentifier,
        MigrationType: 'full-load-and-cdc',
        ReplicationInstanceArn: input.instanceArn,
        SourceEndpointArn: input.sourceEndpointArn,
        TargetEndpointArn: input.targetEndpointArn,
        TableMappings: mappingJson,
        ReplicationTaskSettings: input.taskSettings,
      },
      why: `group ${input.group.name} has no task yet; explicit settings, never DMS's defaults (${input.lob.summary})`,
    });
    plan.calls.push({
      service: 'dms',
      operation: 'StartReplicationTask',
      params: { ReplicationTaskIdentifier: input.group.taskIdentifier, StartReplicationTaskType: 'start-replication' },
      why: `full-load ${name}, then CDC`,
    });
  }
  const schemaChanges =
    current && addedMetadata
      ? input.tasksTables
          .map((t) => ({ table: formatTableName(t), columns: missingMetadata(current, t) }))
          .filter((c) => c.columns.length)
          .map((c) => ({
            ...c,
            cause: `onboarding ${name} adds the transaction metadata columns to every table of task ${input.group.taskIdentifier}`,
          }))
      : [];
  return { plan, mapping, diff, createTask: input.task === null, stopFirst, taskSettings: input.taskSettings, schemaChanges };
}
