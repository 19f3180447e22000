import { z } from 'zod';
import { parseTableMapping, TableMappingError } from '../../../domain/tableMappingSchema';
import { checkIdentifier, makeArn, newResourceId } from '../arns';
import { taskShape } from '../awsShapes';
import { parseCdcPosition } from '../cdc/cdcPosition';
import { applyFilters } from '../describeFilters';
import { alreadyExists, invalidCombination, invalidState, invalidValue, notFound } from '../dmsFault';
import { DURATIONS, seconds } from '../durations';
import type { EmulatorContext } from '../emulatorContext';
import type { TaskRecord } from '../emulatorState';
import { unsupportedTransformations } from '../mapping/tableTransformations';
import type { OperationTable } from '../operation';
import { DESCRIBE_LIMITS, paginate } from '../pagination';
import { filtersInput, parseInput, tagsInput, timestampInput } from '../requestValidation';
import { emptyStats, LOADING_STATES } from '../taskStatistics';

/** Puts a task in a transitional state that ends after `durationSeconds` of emulated time; answers its new shape. */
function enterTransition(ctx: EmulatorContext, task: TaskRecord, status: string, durationSeconds: number) {
  task.status = status;
  task.transitionAt = ctx.now() + seconds(durationSeconds);
  ctx.changed();
  return { ReplicationTask: taskShape(task, false) };
}

/** A start position given by time or by position replaces the other kind; a stop position is kept apart. */
function setCdcPositions(task: TaskRecord, input: { CdcStartPosition?: string; CdcStartTime?: number; CdcStopPosition?: string }): void {
  if (input.CdcStartPosition !== undefined) {
    task.cdcStartPosition = input.CdcStartPosition;
    task.cdcStartTime = undefined;
  }
  if (input.CdcStartTime !== undefined) {
    task.cdcStartTime = input.CdcStartTime;
    task.cdcStartPosition = undefined;
  }
  if (input.CdcStopPosition !== undefined) task.cdcStopPosition = input.CdcStopPosition;
}

const migrationType = z.enum(['full-load', 'cdc', 'full-load-and-cdc']);

const createInput = z.object({
  ReplicationTaskIdentifier: z.string(),
  SourceEndpointArn: z.string(),
  TargetEndpointArn: z.string(),
  ReplicationInstanceArn: z.string(),
  MigrationType: migrationType,
  TableMappings: z.string(),
  ReplicationTaskSettings: z.string().optional(),
  CdcStartTime: timestampInput.optional(),
  CdcStartPosition: z.string().optional(),
  CdcStopPosition: z.string().optional(),
  Tags: tagsInput,
  TaskData: z.string().optional(),
  ResourceIdentifier: z.string().optional(),
});

const modifyInput = z.object({
  ReplicationTaskArn: z.string(),
  ReplicationTaskIdentifier: z.string().optional(),
  MigrationType: migrationType.optional(),
  TableMappings: z.string().optional(),
  ReplicationTaskSettings: z.string().optional(),
  CdcStartTime: timestampInput.optional(),
  CdcStartPosition: z.string().optional(),
  CdcStopPosition: z.string().optional(),
  TaskData: z.string().optional(),
});

const startInput = z.object({
  ReplicationTaskArn: z.string(),
  StartReplicationTaskType: z.enum(['start-replication', 'resume-processing', 'reload-target']),
  CdcStartTime: timestampInput.optional(),
  CdcStartPosition: z.string().optional(),
  CdcStopPosition: z.string().optional(),
});

const describeInput = z.object({
  Filters: filtersInput,
  MaxRecords: z.number().int().optional(),
  Marker: z.string().optional(),
  WithoutSettings: z.boolean().optional(),
});

const reloadInput = z.object({
  ReplicationTaskArn: z.string(),
  TablesToReload: z.array(z.object({ SchemaName: z.string(), TableName: z.string() })).min(1),
  ReloadOption: z.enum(['data-reload', 'validate-only']).optional(),
});

/**
 * The task settings DMS fills in for what a request leaves out (the parts the emulator reads, plus the usual sections).
 * "Target metadata task settings" and "Error handling task settings" in the User Guide give these defaults.
 */
export const DEFAULT_TASK_SETTINGS = {
  TargetMetadata: { TargetSchema: '', SupportLobs: true, FullLobMode: false, LobChunkSize: 64, LimitedSizeLobMode: true, LobMaxSize: 32 },
  FullLoadSettings: {
    TargetTablePrepMode: 'DROP_AND_CREATE',
    StopTaskCachedChangesApplied: false,
    StopTaskCachedChangesNotApplied: false,
    MaxFullLoadSubTasks: 8,
    CommitRate: 10000,
  },
  Logging: { EnableLogging: false },
  ErrorBehavior: {
    DataErrorPolicy: 'LOG_ERROR',
    DataTruncationErrorPolicy: 'LOG_ERROR',
    TableErrorPolicy: 'SUSPEND_TABLE',
    TableErrorEscalationPolicy: 'STOP_TASK',
    TableErrorEscalationCount: 0,
    RecoverableErrorCount: -1,
    RecoverableErrorInterval: 5,
  },
  ChangeProcessingTuning: { BatchApplyTimeoutMin: 1, BatchApplyTimeoutMax: 30, MemoryLimitTotal: 1024 },
  // "Task settings for change processing DDL handling" shows all three true; for S3, "A truncate DDL operation removes
  // all files and corresponding table folders" unless task settings disable it ("Using Amazon S3 as a target").
  ChangeProcessingDdlHandlingPolicy: { HandleSourceTableDropped: true, HandleSourceTableTruncated: true, HandleSourceTableAltered: true },
};

function checkMapping(json: string): void {
  try {
    const mapping = parseTableMapping(json);
    const problems = unsupportedTransformations(mapping);
    if (problems.length > 0) throw invalidValue(`TableMappings: ${problems.join('; ')}`);
  } catch (error) {
    if (error instanceof TableMappingError) throw invalidValue(`TableMappings: ${error.details}`);
    throw error;
  }
}

type Settings = Record<string, unknown>;
const isObject = (v: unknown): v is Settings => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The documented types and ranges of the settings the emulator reads; anything else is kept as given. */
const knownSettings = z
  .object({
    TargetMetadata: z
      .object({
        SupportLobs: z.boolean(),
        FullLobMode: z.boolean(),
        LimitedSizeLobMode: z.boolean(),
        // "The maximum value for this parameter is 102400 KB (100 MB)" (Setting LOB support … in an AWS DMS task; another
        // version of the page says "maximum recommended value": whether DMS refuses more is unverified).
        LobMaxSize: z.number().int().min(0).max(102400),
        LobChunkSize: z.number().int().min(0),
        InlineLobMaxSize: z.number().int().min(0),
      })
      .partial(),
    FullLoadSettings: z
      .object({
        TargetTablePrepMode: z.enum(['DROP_AND_CREATE', 'TRUNCATE_BEFORE_LOAD', 'DO_NOTHING']),
        MaxFullLoadSubTasks: z.number().int().min(1).max(49),
        StopTaskCachedChangesApplied: z.boolean(),
        StopTaskCachedChangesNotApplied: z.boolean(),
      })
      .partial(),
    Logging: z.object({ EnableLogging: z.boolean() }).partial(),
    ChangeProcessingDdlHandlingPolicy: z
      .object({ HandleSourceTableDropped: z.boolean(), HandleSourceTableTruncated: z.boolean(), HandleSourceTableAltered: z.boolean() })
      .partial(),
    ErrorBehavior: z
      .object({
        DataErrorPolicy: z.enum(['IGNORE_RECORD', 'LOG_ERROR', 'SUSPEND_TABLE', 'STOP_TASK']),
        DataTruncationErrorPolicy: z.enum(['IGNORE_RECORD', 'LOG_ERROR', 'SUSPEND_TABLE', 'STOP_TASK']),
        TableErrorPolicy: z.enum(['SUSPEND_TABLE', 'STOP_TASK']),
        TableErrorEscalationPolicy: z.enum(['STOP_TASK']),
        TableErrorEscalationCount: z.number().int().min(0),
        RecoverableErrorCount: z.number().int().min(-1),
        RecoverableErrorInterval: z.number().int().min(0),
      })
      .partial(),
  })
  .partial();

/** Parses and checks a ReplicationTaskSettings document; an invalid one answers InvalidParameterValueException. */
function checkSettings(json: string, onCreate = false): Settings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalidValue(`ReplicationTaskSettings is not a JSON object: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw invalidValue('ReplicationTaskSettings is not a JSON object');
  const result = knownSettings.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw invalidValue(`ReplicationTaskSettings: ${issue.path.join('.')}: ${issue.message}`);
  }
  // DMS names the log group and stream itself (terraform-provider-aws issue 21512 quotes this refusal).
  const logging = isObject(parsed.Logging) ? parsed.Logging : {};
  if (onCreate && (logging.CloudWatchLogGroup != null || logging.CloudWatchLogStream != null))
    throw invalidValue('Task Settings CloudWatchLogGroup or CloudWatchLogStream cannot be set on create.');
  return parsed;
}

/**
 * `given` written over `base` section by section. Describe returns the whole document, defaults filled in, as DMS
 * does. On Modify the emulator merges into the task's current settings: whether DMS merges or starts again from its
 * defaults is not documented (unverified), so the runbooks always send the whole document.
 */
function mergeSettings(base: Settings, given: Settings, logTarget: { group: string; stream: string }): string {
  const out: Settings = { ...base };
  for (const [key, value] of Object.entries(given)) {
    out[key] = isObject(value) && isObject(base[key]) ? { ...base[key], ...value } : value;
  }
  // A logging task's settings name its CloudWatch log group and stream, as Describe shows them on AWS (inferred from
  // the settings documents quoted in terraform-provider-aws issues: dms-tasks-<instance>, dms-task-<task resource id>).
  const logging = isObject(out.Logging) ? out.Logging : {};
  out.Logging =
    logging.EnableLogging === true
      ? { ...logging, CloudWatchLogGroup: logTarget.group, CloudWatchLogStream: logTarget.stream }
      : { ...logging, CloudWatchLogGroup: null, CloudWatchLogStream: null };
  return JSON.stringify(out);
}

function logTarget(instanceIdentifier: string, taskArn: string): { group: string; stream: string } {
  return { group: `dms-tasks-${instanceIdentifier}`, stream: `dms-task-${taskArn.split(':').pop()}` };
}

function currentSettings(task: TaskRecord): Settings {
  try {
    const parsed: unknown = JSON.parse(task.settings);
    return isObject(parsed) ? parsed : DEFAULT_TASK_SETTINGS;
  } catch {
    return DEFAULT_TASK_SETTINGS;
  }
}

function checkCdcOptions(input: { CdcStartTime?: number; CdcStartPosition?: string; CdcStopPosition?: string }): void {
  if (input.CdcStartTime !== undefined && input.CdcStartPosition !== undefined) {
    throw invalidCombination('CdcStartTime and CdcStartPosition cannot both be given; use one');
  }
  if (input.CdcStartPosition !== undefined && !parseCdcPosition(input.CdcStartPosition)) {
    throw invalidValue(`CdcStartPosition "${input.CdcStartPosition}" is neither <binlog file>:<position> nor a checkpoint string`);
  }
  if (
    input.CdcStopPosition !== undefined &&
    !/^(server_time|commit_time):\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(input.CdcStopPosition)
  ) {
    throw invalidValue(
      `CdcStopPosition "${input.CdcStopPosition}" must be server_time:YYYY-MM-DDThh:mm:ss or commit_time:YYYY-MM-DDThh:mm:ss`,
    );
  }
}

function checkTaskIdentifierFree(ctx: EmulatorContext, identifier: string, except?: string): void {
  if (ctx.state.tasks.some((t) => t.identifier === identifier && t.arn !== except)) {
    throw alreadyExists(`Replication task ${identifier} already exists`);
  }
}

export const replicationTaskOperations: OperationTable = {
  CreateReplicationTask: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('CreateReplicationTask', createInput, body);
      checkIdentifier('ReplicationTaskIdentifier', input.ReplicationTaskIdentifier);
      const identifier = input.ReplicationTaskIdentifier.toLowerCase();
      checkTaskIdentifierFree(ctx, identifier);
      const source = ctx.endpoint(input.SourceEndpointArn);
      const target = ctx.endpoint(input.TargetEndpointArn);
      const instance = ctx.instance(input.ReplicationInstanceArn);
      if (source.endpointType !== 'source') throw invalidValue(`SourceEndpointArn ${source.arn} is a ${source.endpointType} endpoint`);
      if (target.endpointType !== 'target') throw invalidValue(`TargetEndpointArn ${target.arn} is a ${target.endpointType} endpoint`);
      if (instance.status === 'deleting') throw invalidState(`Replication instance ${instance.identifier} is being deleted`);
      checkMapping(input.TableMappings);
      const givenSettings = input.ReplicationTaskSettings !== undefined ? checkSettings(input.ReplicationTaskSettings, true) : {};
      checkCdcOptions(input);
      if (input.MigrationType === 'full-load' && (input.CdcStartPosition ?? input.CdcStartTime ?? input.CdcStopPosition) !== undefined) {
        throw invalidCombination('CDC positions apply only to cdc and full-load-and-cdc tasks');
      }
      const now = ctx.now();
      const arn = makeArn(ctx.state.region, 'task', newResourceId());
      const task: TaskRecord = {
        arn,
        identifier,
        sourceEndpointArn: source.arn,
        targetEndpointArn: target.arn,
        instanceArn: instance.arn,
        migrationType: input.MigrationType,
        tableMappings: input.TableMappings,
        settings: mergeSettings(DEFAULT_TASK_SETTINGS, givenSettings, logTarget(instance.identifier, arn)),
        taskData: input.TaskData,
        status: 'creating',
        transitionAt: now + seconds(DURATIONS.taskCreate),
        createdAt: now,
        cdcStartPosition: input.CdcStartPosition,
        cdcStartTime: input.CdcStartTime,
        cdcStopPosition: input.CdcStopPosition,
        everRun: false,
        stats: emptyStats(),
        elapsedBeforeMs: 0,
        tables: {},
        tags: input.Tags ?? [],
      };
      ctx.state.tasks.push(task);
      ctx.changed();
      return { ReplicationTask: taskShape(task, false) };
    },
  },

  DescribeReplicationTasks: {
    mutating: false,
    run(ctx, body) {
      const input = parseInput('DescribeReplicationTasks', describeInput, body);
      const matching = applyFilters(ctx.state.tasks, input.Filters, {
        'replication-task-arn': (t) => t.arn,
        'replication-task-id': (t) => t.identifier,
        'migration-type': (t) => t.migrationType,
        'endpoint-arn': (t) => [t.sourceEndpointArn, t.targetEndpointArn],
        'replication-instance-arn': (t) => t.instanceArn,
      });
      const { page, marker } = paginate(matching, input.MaxRecords, input.Marker, DESCRIBE_LIMITS);
      if (page.length === 0) throw notFound('No replication tasks found matching the filters');
      return { ReplicationTasks: page.map((t) => taskShape(t, input.WithoutSettings === true)), Marker: marker };
    },
  },

  ModifyReplicationTask: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('ModifyReplicationTask', modifyInput, body);
      const task = ctx.task(input.ReplicationTaskArn);
      if (!['ready', 'stopped', 'failed'].includes(task.status)) {
        throw invalidState(
          `Replication task ${task.identifier} is ${task.status}; it can be modified only when stopped, failed or ready (stop it and wait for stopped first)`,
        );
      }
      if (input.MigrationType !== undefined && input.MigrationType !== task.migrationType) {
        throw invalidCombination(`MigrationType cannot change (task ${task.identifier} is ${task.migrationType}); create a new task`);
      }
      if (input.TableMappings !== undefined) checkMapping(input.TableMappings);
      const givenSettings = input.ReplicationTaskSettings !== undefined ? checkSettings(input.ReplicationTaskSettings) : undefined;
      checkCdcOptions(input);
      if (input.ReplicationTaskIdentifier !== undefined) {
        checkIdentifier('ReplicationTaskIdentifier', input.ReplicationTaskIdentifier);
        checkTaskIdentifierFree(ctx, input.ReplicationTaskIdentifier.toLowerCase(), task.arn);
        task.identifier = input.ReplicationTaskIdentifier.toLowerCase();
      }
      if (input.TableMappings !== undefined) task.tableMappings = input.TableMappings;
      if (givenSettings !== undefined)
        task.settings = mergeSettings(currentSettings(task), givenSettings, logTarget(ctx.instance(task.instanceArn).identifier, task.arn));
      if (input.TaskData !== undefined) task.taskData = input.TaskData;
      setCdcPositions(task, input);
      task.priorStatus = task.status;
      return enterTransition(ctx, task, 'modifying', DURATIONS.taskModify);
    },
  },

  DeleteReplicationTask: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('DeleteReplicationTask', z.object({ ReplicationTaskArn: z.string() }), body);
      const task = ctx.task(input.ReplicationTaskArn);
      if (!['ready', 'stopped', 'failed'].includes(task.status)) {
        throw invalidState(`Replication task ${task.identifier} is ${task.status}; stop it (and wait for stopped) before deleting it`);
      }
      return enterTransition(ctx, task, 'deleting', DURATIONS.taskDelete);
    },
  },

  StartReplicationTask: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('StartReplicationTask', startInput, body);
      const task = ctx.task(input.ReplicationTaskArn);
      const type = input.StartReplicationTaskType;
      if (!['ready', 'stopped', 'failed'].includes(task.status)) {
        throw invalidState(`Replication task ${task.identifier} is ${task.status}; it can be started only when ready, stopped or failed`);
      }
      checkCdcOptions(input);
      if (task.migrationType === 'full-load' && (input.CdcStartPosition ?? input.CdcStartTime ?? input.CdcStopPosition) !== undefined) {
        throw invalidCombination('CDC positions apply only to cdc and full-load-and-cdc tasks');
      }
      if (!task.everRun && type !== 'start-replication' && task.migrationType !== 'cdc') {
        throw invalidCombination(
          `Replication task ${task.identifier} has never run: the only valid StartReplicationTaskType for a first run of a ${task.migrationType} task is start-replication`,
        );
      }
      // The API reference makes start-replication the first run's type; a full-load or full-load-and-cdc task that ran
      // is refused it (terraform-provider-aws PR 24047: its acceptance test fails until it sends resume-processing).
      // The exact error DMS answers is unverified.
      if (task.everRun && type === 'start-replication' && task.migrationType !== 'cdc') {
        throw invalidCombination(
          `Replication task ${task.identifier} has already run: a ${task.migrationType} task takes start-replication only on its first run; use resume-processing or reload-target`,
        );
      }
      if (type === 'reload-target' && task.migrationType === 'cdc') {
        throw invalidCombination('reload-target applies to full-load and full-load-and-cdc tasks; a cdc task has nothing to reload');
      }
      const instance = ctx.instance(task.instanceArn);
      if (instance.status !== 'available') {
        throw invalidState(`Replication instance ${instance.identifier} is ${instance.status}; tasks start only on an available instance`);
      }
      const now = ctx.now();
      setCdcPositions(task, input);
      ctx.state.generation += 1;
      const fresh = type !== 'resume-processing';
      if (type === 'start-replication') {
        // A cdc task's start-replication (from a new position) starts afresh.
        task.tables = {};
        task.cdc = undefined;
        task.recoveryCheckpoint = undefined;
        task.elapsedBeforeMs = 0;
        task.stats = emptyStats();
      }
      if (fresh) task.stats.freshStartDate = now;
      task.stats.startDate = now;
      task.stats.stopDate = undefined;
      task.run = {
        generation: ctx.state.generation,
        startType: type,
        scopeResolved: false,
        fullLoad: task.migrationType !== 'cdc',
        loading: [],
        // resume-processing continues from the checkpoint unless this call names a start point.
        cdcFromPosition: type === 'resume-processing' ? input.CdcStartPosition : task.cdcStartPosition,
        cdcFromTimeMs: type === 'resume-processing' ? input.CdcStartTime : task.cdcStartTime,
      };
      task.status = 'starting';
      task.transitionAt = now + seconds(DURATIONS.taskStart);
      task.stopReason = undefined;
      task.lastFailureMessage = undefined;
      task.startDate = now;
      task.everRun = true;
      ctx.changed();
      return { ReplicationTask: taskShape(task, false) };
    },
  },

  StopReplicationTask: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('StopReplicationTask', z.object({ ReplicationTaskArn: z.string() }), body);
      const task = ctx.task(input.ReplicationTaskArn);
      if (task.status !== 'running' && task.status !== 'starting') {
        throw invalidState(`Replication task ${task.identifier} is ${task.status}; only a running task can be stopped`);
      }
      // A user's stop: "Stop Reason NORMAL" (the API reference lists it first; that a user stop gives it is inferred).
      task.pendingStopReason = 'Stop Reason NORMAL';
      return enterTransition(ctx, task, 'stopping', DURATIONS.taskStop);
    },
  },

  ReloadTables: {
    mutating: true,
    run(ctx, body) {
      const input = parseInput('ReloadTables', reloadInput, body);
      const task = ctx.task(input.ReplicationTaskArn);
      if (task.status !== 'running') {
        throw invalidState(`Replication task ${task.identifier} is ${task.status}; ReloadTables needs a running task`);
      }
      if (input.TablesToReload.length > 10) {
        throw invalidValue(`ReloadTables takes at most 10 tables per call, not ${input.TablesToReload.length}`);
      }
      // "Reloading tables during a task": "Duplicate tables aren't allowed." (the error code is unverified)
      const named = input.TablesToReload.map((t) => `${t.SchemaName}.${t.TableName}`);
      const twice = named.filter((name, i) => named.indexOf(name) !== i);
      if (twice.length)
        throw invalidValue(`ReloadTables names a table more than once: ${[...new Set(twice)].join(', ')}; duplicate tables aren't allowed`);
      if (task.migrationType === 'cdc') throw invalidCombination('ReloadTables applies to full-load and full-load-and-cdc tasks only');
      if (input.ReloadOption === 'validate-only') return { ReplicationTaskArn: task.arn };
      const run = task.run!;
      for (const wanted of input.TablesToReload) {
        const key = `${wanted.SchemaName}.${wanted.TableName}`;
        const table = task.tables[key];
        if (!table) {
          throw invalidValue(
            `Table ${key} is not in the scope of task ${task.identifier} (in scope: ${Object.keys(task.tables).join(', ')})`,
          );
        }
      }
      // Tables of an earlier call still reloading count against the 10 under reloadTables.limit `in-flight`
      // (behaviourSettings.ts; unverified, the error code too).
      if (ctx.behaviour().reloadTables.limit === 'in-flight') {
        const reloading = Object.entries(task.tables)
          .filter(([key, t]) => t.fullLoadReloaded === true && LOADING_STATES.has(t.state) && !named.includes(key))
          .map(([key]) => key);
        if (reloading.length + named.length > 10) {
          throw invalidValue(
            `Task ${task.identifier} can reload up to 10 tables: ${reloading.length} still reloading (${reloading.join(', ')}) and ${named.length} asked; wait for the reloads to complete`,
          );
        }
      }
      const now = ctx.now();
      for (const wanted of input.TablesToReload) {
        const key = `${wanted.SchemaName}.${wanted.TableName}`;
        const table = task.tables[key]!;
        ctx.state.generation += 1;
        Object.assign(table, {
          state: 'Table is being reloaded',
          loadGeneration: ctx.state.generation,
          loadDone: false,
          loadError: undefined,
          sourceMissing: undefined,
          plannedStart: now,
          plannedEnd: undefined,
          fullLoadStartTime: now,
          fullLoadEndTime: undefined,
          fullLoadReloaded: true,
          lastUpdateTime: now,
          // "Reloading tables during a task": DMS retains the previously read table definition during the reload.
          keepDefinition: true,
        });
        if (!run.loading.includes(key)) run.loading.push(key);
      }
      ctx.changed();
      return { ReplicationTaskArn: task.arn };
    },
  },
};
