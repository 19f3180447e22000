import { ActivityCancellationType, ApplicationFailure, patched, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { PausedConsumer, RebuildResult, resumeCommand } from '../domain/consumerCommands';
import { MarkerMove, MarkerState } from '../domain/consumerMarkers';
import { DownstreamFacts, DownstreamPlan, planDownstream, RewritingKind, showDownstream } from '../domain/consumerPlan';
import { ConsumedTable } from '../domain/consumers';
import { PipelineConfig } from '../domain/config';
import { Plan } from '../domain/plan';
import { QuarantineLayout, tablePrefix } from '../domain/quarantineLayout';
import { formatTableName, TableName } from '../domain/tableName';
import { PERMANENT_FAILURES, reads } from './engine/activityProxies';
import { Runbook } from './engine/runbook';
import { failureType, refuse } from './engine/refusals';
import { Failure } from '../contracts/failures';

/**
 * The lake's consumers in a file-rewriting runbook (docs/downstream.md): shown in the plan, paused and waited for
 * before the first S3 change, a rewrite marker per table, and after the files are final a rebuild per table, its
 * result reported, then the consumer resumed. A runbook whose tables no consumer reads never gets here (`prepare`
 * answers undefined before any command), so its history is what it was before consumers existed.
 */

const consumerFailures = [...PERMANENT_FAILURES, 'ConsumerRefused', 'ConsumerTimeout'];

/** Pause, resume, markers: short calls. */
const calls = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '2s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 8,
    nonRetryableErrorTypes: consumerFailures,
  },
});

/** Waits and rebuilds poll inside the activity and heartbeat; cancelling one cancels the consumer's run. */
const waits = proxyActivities<Activities>({
  startToCloseTimeout: '26 hours',
  heartbeatTimeout: '2 minutes',
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 5,
    nonRetryableErrorTypes: consumerFailures,
  },
});

export const DOWNSTREAM_STEPS: Array<[string, string]> = [
  ['downstream:pause', "Pause the lake's consumers of the tables, wait until idle, write the rewrite markers"],
  ['downstream:rebuild', 'Rebuild each table in its consumers from the live files, then resume them'],
];

export class Downstream {
  private paused: Array<{ paused: PausedConsumer; dropUndo: () => void }> = [];
  private changed = false;

  private constructor(
    private readonly runbook: Runbook,
    private readonly config: PipelineConfig,
    private readonly facts: DownstreamFacts,
    public plan: DownstreamPlan,
    private readonly tables: ConsumedTable[],
  ) {}

  /**
   * The downstream plan of a run, or undefined when no consumer reads its tables (or the run started before this
   * existed). Reads which keys a new full load would take again when `loadsInto` is set.
   */
  static async prepare(
    runbook: Runbook,
    kind: RewritingKind,
    tables: ConsumedTable[],
    options: {
      loadsInto?: boolean;
      schemaChanges?: DownstreamPlanInputChanges;
      /** The runbook's steps the consumer steps go after: the gate before the first S3 change, and the last step. */
      stepsAfter?: { pause: string; rebuild: string };
    } = {},
  ): Promise<Downstream | undefined> {
    const config = runbook.config;
    // A configuration kept in the history of a run from before consumers existed has no `consumers` key.
    const consumers = config.consumers ?? [];
    const facts = { kind, workflowId: runbook.workflowId, consumers, tables, schemaChanges: options.schemaChanges };
    if (!planDownstream(facts) || !patched('downstream-consumer')) return undefined;
    // Only runs with a consumer show its steps: the others keep their step list, and the commands of skipping it.
    if (options.stepsAfter) {
      runbook.insertStep(options.stepsAfter.pause, DOWNSTREAM_STEPS[0]!);
      runbook.insertStep(options.stepsAfter.rebuild, DOWNSTREAM_STEPS[1]!);
    }
    const collisions: Record<string, string[]> = {};
    if (options.loadsInto) {
      const at = new Date().toISOString();
      for (const t of tables) {
        const found = await reads.findLoadKeyCollisions({ tablePrefix: tablePrefix(config.target.folder, t.table), at });
        if (found.length) collisions[formatTableName(t.table)] = found;
      }
    }
    return new Downstream(runbook, config, facts, planDownstream({ ...facts, collisions })!, tables);
  }

  /**
   * Keys a table's moves will write again, found after the first gate (a backfill's staged files exist only then): the
   * plan shown at the next gate and the markers gain them. Runs from before this call nothing.
   */
  async findCollisions(table: TableName, moves: Array<{ from: string; to: string }>): Promise<void> {
    if (!patched('downstream-publish-collisions')) return;
    const found = await reads.findMoveCollisions({ moves });
    if (!found.length) return;
    const collisions = { ...this.plan.collisions, [formatTableName(table)]: found };
    this.plan = planDownstream({ ...this.facts, collisions })!;
  }

  /**
   * Shows the downstream part in the plan, and refuses the run (before its gate) on a hazard no consumer can repair;
   * a dry run shows the hazard in its plan instead.
   */
  showOrRefuse(plan: Plan, rewriteStep: string, dryRun: boolean | undefined): void {
    const refusals: string[] = [];
    this.show(plan, rewriteStep, refusals);
    if (refusals.length && !dryRun) throw refuse(refusals.join('; '));
  }

  /** Adds the calls, hazards and markers to the plan shown at the gate; refusing hazards become the plan's refusals. */
  show(plan: Plan, rewriteStep: string, refusals?: string[]): void {
    showDownstream(plan, this.plan, rewriteStep);
    refusals?.push(...this.plan.refusals);
    this.runbook.setPlan(plan);
  }

  /**
   * Before the first S3 change: pause each consumer (a cancel resumes it), wait until idle, start the markers. The
   * snapshot boundary is the pause (the reload starts after it) unless `since` says when the rows were read (a
   * backfill's staging, before its publish).
   */
  async pause(
    moves: (table: string) => MarkerMove[],
    snapshot: 'full-load' | 'partitions' | 'schema-change',
    partitions?: string[],
    since?: string,
  ): Promise<void> {
    const ref = this.ref();
    await this.runbook.step('downstream:pause', async () => {
      for (const c of this.plan.consumers) {
        const consumer = this.config.consumers.find((k) => k.name === c.name)!;
        // Registered before the call: a cancel while the pause runs still resumes what it paused.
        let paused: PausedConsumer | undefined;
        const dropUndo = this.runbook.onCancel(`resume consumer "${c.name}"`, resumeCommand(consumer), async () => {
          if (!paused) paused = { consumer: c.name, kind: c.kind, previous: {}, cancelledRuns: [], detail: '' };
          const detail = await this.oneAtATime(c.name, () => calls.resumeConsumer({ consumer: c.name, paused: paused!, runbook: ref }));
          return `${detail}${this.changed ? `; the files of ${c.tables.join(', ')} changed: run the consumer's rebuild for them with their markers (docs/downstream.md#by-hand)` : ''}`;
        });
        paused = await this.oneAtATime(c.name, () => calls.pauseConsumer({ consumer: c.name, runbook: ref, tables: c.tables }));
        this.paused.push({ paused, dropUndo });
      }
      const idle = await Promise.all(this.plan.consumers.map((c) => waits.waitConsumerIdle({ consumer: c.name, runbook: ref })));
      // Workflow time: the reload (or publish) starts after this, so its LOAD files are newer.
      const at = since ?? new Date().toISOString();
      for (const m of this.plan.markers) {
        const t = this.tables.find((x) => formatTableName(x.table) === m.table)!;
        await calls.startRewriteMarker({
          key: m.key,
          marker: {
            table: t.table,
            bucket: this.config.target.bucket,
            tablePrefix: tablePrefix(this.config.target.folder, t.table),
            runbook: ref,
            moves: moves(m.table),
            collisions: this.plan.collisions[m.table] ?? [],
            snapshot: { kind: snapshot, loadStartedAfter: at, partitions },
            consumers: this.plan.consumers.filter((c) => c.tables.includes(m.table)).map((c) => c.name),
          },
        });
      }
      this.changed = true;
      this.runbook.note(
        'downstream:pause',
        `${this.paused.map((p) => `${p.paused.consumer}: ${p.paused.detail}`).join('; ')}; ${idle.join('; ')}; ${this.plan.markers.length} marker(s) under s3://${this.config.target.bucket}/_runbooks/rewrite-markers/`,
      );
    });
  }

  /**
   * After the files are final: complete the markers, rebuild each table in each consumer, report, resume. A failed
   * rebuild fails the run with the consumer's message and the next commands; its consumer stays paused, with the pause
   * record the doctor reports.
   */
  async finish(state: MarkerState, moves?: (table: string) => MarkerMove[]): Promise<string> {
    const ref = this.ref();
    return this.runbook.step('downstream:rebuild', async () => {
      for (const m of this.plan.markers) {
        const t = this.tables.find((x) => formatTableName(x.table) === m.table)!;
        await calls.completeRewriteMarker({
          key: m.key,
          state,
          moves: moves?.(m.table),
          writtenUnder: tablePrefix(this.config.target.folder, t.table),
        });
      }
      const results: RebuildResult[] = [];
      for (const c of this.plan.consumers)
        for (const table of c.tables)
          results.push(
            await waits.rebuildConsumerTable({
              consumer: c.name,
              table,
              markerKey: this.plan.markers.find((m) => m.table === table)!.key,
              runbook: ref,
            }),
          );
      const failed = results.filter((r) => !r.succeeded);
      const failedConsumers = new Set(failed.map((r) => r.consumer));
      const resumed: string[] = [];
      for (const p of this.paused) {
        if (failedConsumers.has(p.paused.consumer)) continue;
        const detail = await this.oneAtATime(p.paused.consumer, () =>
          calls.resumeConsumer({ consumer: p.paused.consumer, paused: p.paused, runbook: ref }),
        );
        // Another run still holds the pause (docs/downstream.md, "Runs sharing a consumer"): it resumes it.
        resumed.push(detail.startsWith('kept paused') ? `${p.paused.consumer} ${detail}` : `${p.paused.consumer} resumed (${detail})`);
        p.dropUndo();
      }
      const report = results
        .map((r) => `${r.consumer} rebuilt ${r.table}: run ${r.runId} ${r.state}${r.url ? ` (${r.url})` : ''}`)
        .join('; ');
      this.runbook.note('downstream:rebuild', `${report}${resumed.length ? `; ${resumed.join('; ')}` : ''}`);
      if (failed.length) {
        // The run ends here: the cancel compensations must not resume what is left paused on purpose.
        for (const p of this.paused) if (failedConsumers.has(p.paused.consumer)) p.dropUndo();
        throw ApplicationFailure.nonRetryable(this.failureMessage(failed), 'ConsumerRebuildFailed');
      }
      return `downstream: ${report}; ${resumed.join('; ')}`;
    });
  }

  /**
   * A consumer's pause and resume, one run at a time (the lock `consumer:<name>`, held for the call only): a run that
   * finds the consumer paused by another joins it, and the last one to finish resumes it. Waits while another run
   * holds the lock (seconds). Runs from before this call the activity alone.
   */
  private async oneAtATime<T>(consumer: string, call: () => Promise<T>): Promise<T> {
    if (!patched('downstream-shared-pause')) return call();
    const resource = `consumer:${consumer}`;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.runbook.lock([resource]);
        break;
      } catch (error) {
        if (failureType(error) !== Failure.TargetBusy || attempt >= 120) throw error;
        await sleep('5 seconds');
      }
    }
    try {
      return await call();
    } finally {
      await this.runbook.unlock([resource]);
    }
  }

  private failureMessage(failed: RebuildResult[]): string {
    const lines = failed.map((r) => {
      const consumer = this.config.consumers.find((c) => c.name === r.consumer)!;
      const marker = this.plan.markers.find((m) => m.table === r.table)!.key;
      const job = consumer.kind === 'databricksJob' ? `rebuild job ${consumer.rebuildJobId}, run ${r.runId}` : `rebuild ${r.runId}`;
      const paused = this.paused.find((p) => p.paused.consumer === r.consumer)?.paused;
      return (
        `consumer "${r.consumer}" (${job}) failed to rebuild ${r.table}: ${r.state}${r.url ? ` (${r.url})` : ''}. ` +
        `The files on S3 are final (marker s3://${this.config.target.bucket}/${marker}); the consumer stays PAUSED. ` +
        `Next: fix the rebuild and run it again with table=${r.table} marker=${marker}` +
        (consumer.kind === 'databricksJob'
          ? ` (databricks jobs run-now ${consumer.rebuildJobId} --json '{"job_parameters":{"table":"${r.table}","marker":"${marker}"}}')`
          : '') +
        `, then resume the consumer: ${resumeCommand(consumer, paused)}`
      );
    });
    return lines.join('\n');
  }

  private ref() {
    const info = workflowInfo();
    return { kind: this.plan.kind, workflowId: info.workflowId, runId: info.runId };
  }
}

type DownstreamPlanInputChanges = Array<{ table: string; columns: string[]; cause: string }>;

/** A table with the task group whose task holds it (by the task's identifier). */
export function consumedTable(config: PipelineConfig, table: TableName, taskIdentifier?: string): ConsumedTable {
  return { table, taskGroup: config.taskGroups.find((g) => g.taskIdentifier === taskIdentifier)?.name };
}

/** What a quarantine (and its rollback) moves, per table, for the markers. */
export function quarantineMoves(layouts: QuarantineLayout[], rolledBack = false): (table: string) => MarkerMove[] {
  return (table) => {
    const l = layouts.find((x) => formatTableName(x.table) === table);
    if (!l) return [];
    const moves = [{ from: l.tablePrefix, to: l.quarantinePrefix, manifest: l.manifests.quarantine }];
    return rolledBack
      ? [
          ...moves,
          { from: l.tablePrefix, to: l.rolledBackPrefix, manifest: l.manifests.rollback },
          { from: l.quarantinePrefix, to: l.tablePrefix, manifest: l.manifests.restore },
        ]
      : moves;
  };
}
