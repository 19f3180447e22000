import { instanceShape, tableStatisticsShape, taskShape } from './awsShapes';
import { notFound } from './dmsFault';
import type { LAGGING_OPERATIONS } from './behaviourSettings';
import type { EmulatorContext } from './emulatorContext';
import type { Operation, OperationTable } from './operation';

/**
 * DMS's Describe calls are eventually consistent (unverified as to duration: see FIDELITY.md): right after a write,
 * Describe may answer the state from before it. The emulator keeps, per resource, the view from before its last
 * write and answers it until `behaviour.describeLag.milliseconds` (real time) have passed. A resource created within
 * that time is not found. Runbooks must not read such a view as "done" or "gone" (domain/describeLag.ts).
 */
export interface StaleView {
  /** Real epoch ms until which Describe answers `shape`. */
  until: number;
  /** The Describe shape before the write; null for a resource created by it. */
  shape: Record<string, unknown> | null;
  /** A task's table statistics before a ReloadTables (only that call: the statistics are what it changes). */
  statistics?: Array<Record<string, unknown>>;
}

type LaggingOperation = (typeof LAGGING_OPERATIONS)[number];

const TASK_WRITES = [
  'ModifyReplicationTask',
  'StartReplicationTask',
  'StopReplicationTask',
  'DeleteReplicationTask',
  'ReloadTables',
] as const;
const INSTANCE_WRITES = ['ModifyReplicationInstance', 'DeleteReplicationInstance'] as const;

function views(ctx: EmulatorContext): Record<string, StaleView> {
  return (ctx.state.staleViews ??= {});
}

function staleView(ctx: EmulatorContext, arn: string): StaleView | undefined {
  const view = views(ctx)[arn];
  if (!view) return undefined;
  if (view.until > Date.now()) return view;
  delete views(ctx)[arn];
  return undefined;
}

/** Before a write: remember what Describe answered, unless an older view is still being answered. */
function rememberBefore(
  ctx: EmulatorContext,
  operation: LaggingOperation,
  arn: string,
  before: () => StaleView['shape'],
  statistics?: () => StaleView['statistics'],
) {
  const { milliseconds: lag, operations } = ctx.behaviour().describeLag;
  if (lag === 0 || !operations.includes(operation)) return;
  const existing = staleView(ctx, arn);
  views(ctx)[arn] = existing
    ? { ...existing, until: Date.now() + lag }
    : { until: Date.now() + lag, shape: before(), statistics: statistics?.() };
  ctx.changed();
}

function taskBefore(ctx: EmulatorContext, arn: string) {
  const task = ctx.state.tasks.find((t) => t.arn === arn);
  if (!task) return undefined;
  return {
    shape: () => taskShape(task, false),
    statistics: () => Object.values(task.tables).map(tableStatisticsShape),
  };
}

function wrapWrite(name: LaggingOperation, operation: Operation, kind: 'task' | 'instance'): Operation {
  return {
    mutating: true,
    run(ctx, input) {
      const arnKey = kind === 'task' ? 'ReplicationTaskArn' : 'ReplicationInstanceArn';
      const value = (input as Record<string, unknown> | null)?.[arnKey];
      const arn = typeof value === 'string' ? value : '';
      let before: { shape: () => StaleView['shape']; statistics?: () => StaleView['statistics'] } | undefined;
      if (kind === 'task') before = taskBefore(ctx, arn);
      else {
        const instance = ctx.state.instances.find((i) => i.arn === arn);
        if (instance) before = { shape: () => instanceShape(instance) };
      }
      // Taken before the write, kept only if the write succeeds.
      const shape = before?.shape();
      const statistics = name === 'ReloadTables' ? before?.statistics?.() : undefined;
      const output = operation.run(ctx, input);
      if (before)
        rememberBefore(
          ctx,
          name,
          arn,
          () => shape ?? null,
          () => statistics,
        );
      return output;
    },
  };
}

function wrapCreate(
  name: LaggingOperation,
  operation: Operation,
  resultKey: 'ReplicationTask' | 'ReplicationInstance',
  arnKey: string,
): Operation {
  return {
    mutating: true,
    run(ctx, input) {
      const output = operation.run(ctx, input) as Record<string, Record<string, unknown>>;
      const value = output[resultKey]?.[arnKey];
      const arn = typeof value === 'string' ? value : '';
      if (arn) rememberBefore(ctx, name, arn, () => null);
      return output;
    },
  };
}

/** Answers each listed resource as its stale view says; an empty answer becomes DMS's not-found fault. */
function wrapDescribe(operation: Operation, listKey: string, arnKey: string, resource: string): Operation {
  return {
    mutating: false,
    run(ctx, input) {
      const output = operation.run(ctx, input) as Record<string, unknown>;
      const list = (output[listKey] as Array<Record<string, unknown>> | undefined) ?? [];
      const withoutSettings = (input as { WithoutSettings?: boolean } | null)?.WithoutSettings === true;
      const seen = list.flatMap((item) => {
        const view = staleView(ctx, String(item[arnKey]));
        if (!view) return [item];
        if (!view.shape) return [];
        const { ReplicationTaskSettings: _settings, ...rest } = view.shape;
        return [withoutSettings ? rest : view.shape];
      });
      if (list.length > 0 && seen.length === 0) throw notFound(`No ${resource} found matching the filters`);
      return { ...output, [listKey]: seen };
    },
  };
}

function wrapStatistics(operation: Operation): Operation {
  return {
    mutating: false,
    run(ctx, input) {
      const arn = String((input as { ReplicationTaskArn?: string } | null)?.ReplicationTaskArn ?? '');
      const view = staleView(ctx, arn);
      if (view && !view.shape) throw notFound(`Replication task ${arn} not found`);
      const output = operation.run(ctx, input) as { TableStatistics?: Array<Record<string, unknown>> };
      if (!view?.statistics) return output;
      // The tables of this page, as they were before the write.
      const key = (s: Record<string, unknown>) => `${String(s.SchemaName)}.${String(s.TableName)}`;
      const old = new Map(view.statistics.map((s) => [key(s), s]));
      return { ...output, TableStatistics: (output.TableStatistics ?? []).map((s) => old.get(key(s)) ?? s) };
    },
  };
}

/** The operation table with stale Describe views after writes (the lag itself is a behaviour setting). */
export function withDescribeLag(operations: OperationTable): OperationTable {
  const table: OperationTable = { ...operations };
  for (const name of TASK_WRITES) table[name] = wrapWrite(name, operations[name]!, 'task');
  for (const name of INSTANCE_WRITES) table[name] = wrapWrite(name, operations[name]!, 'instance');
  table.CreateReplicationTask = wrapCreate(
    'CreateReplicationTask',
    operations.CreateReplicationTask!,
    'ReplicationTask',
    'ReplicationTaskArn',
  );
  table.CreateReplicationInstance = wrapCreate(
    'CreateReplicationInstance',
    operations.CreateReplicationInstance!,
    'ReplicationInstance',
    'ReplicationInstanceArn',
  );
  table.DescribeReplicationTasks = wrapDescribe(
    operations.DescribeReplicationTasks!,
    'ReplicationTasks',
    'ReplicationTaskArn',
    'replication tasks',
  );
  table.DescribeReplicationInstances = wrapDescribe(
    operations.DescribeReplicationInstances!,
    'ReplicationInstances',
    'ReplicationInstanceArn',
    'replication instances',
  );
  table.DescribeTableStatistics = wrapStatistics(operations.DescribeTableStatistics!);
  return table;
}
