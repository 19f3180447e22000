import {
  ConsumerHazard,
  describeHazard,
  loadRowsHazard,
  noRebuildHazard,
  refusingHazards,
  sameKeysHazard,
  schemaChangeHazard,
} from './consumerHazards';
import { markerKey } from './consumerMarkers';
import { ConsumedTable, ConsumerConfig, consumersByTable, describeConsumer } from './consumers';
import { Plan } from './plan';
import { formatTableName } from './tableName';

/**
 * The downstream part of a file-rewriting runbook's plan: which consumers it pauses, the marker of each table, the
 * rebuilds it runs after, and the hazards found (docs/downstream.md). Pure, so the plan shown at the gate is what runs.
 */

export type RewritingKind = 'fullReload' | 'backfillPartitions' | 'onboardTable';

export interface DownstreamPlan {
  kind: RewritingKind;
  consumers: Array<{ name: string; kind: ConsumerConfig['kind']; tables: string[]; describe: string }>;
  markers: Array<{ table: string; key: string }>;
  hazards: ConsumerHazard[];
  /** Keys the run's writes take again, by table (what the markers record). */
  collisions: Record<string, string[]>;
  refusals: string[];
}

export interface DownstreamFacts {
  kind: RewritingKind;
  workflowId: string;
  consumers: ConsumerConfig[];
  /** The tables whose files the run rewrites (or, onboardTable, whose schema it changes). */
  tables: ConsumedTable[];
  /** Keys the run's writes will take again, by `schema.table` (domain/consumerHazards.ts loadKeyCollisions). */
  collisions?: Record<string, string[]>;
  /** onboardTable: columns added to other tables' files, and why. */
  schemaChanges?: Array<{ table: string; columns: string[]; cause: string }>;
}

/** Undefined when no consumer reads any of the tables: the runbook acts exactly as before. */
export function planDownstream(facts: DownstreamFacts): DownstreamPlan | undefined {
  const matched = consumersByTable(facts.consumers, facts.tables);
  if (!matched.length) return undefined;
  const consumed = new Set(matched.flatMap((m) => m.tables));
  const hazards: ConsumerHazard[] = [];
  for (const table of [...consumed].sort()) {
    const same = sameKeysHazard(table, facts.collisions?.[table] ?? []);
    if (same) hazards.push(same);
    if (facts.kind !== 'onboardTable') hazards.push(loadRowsHazard(table));
    for (const m of matched)
      if (m.tables.includes(table)) hazards.push(...[noRebuildHazard(table, m.consumer)].filter((h) => h !== undefined));
  }
  for (const change of facts.schemaChanges ?? [])
    if (consumed.has(change.table)) hazards.push(schemaChangeHazard(change.table, change.columns, change.cause));
  return {
    kind: facts.kind,
    consumers: matched.map((m) => ({
      name: m.consumer.name,
      kind: m.consumer.kind,
      tables: m.tables,
      describe: describeConsumer(m.consumer),
    })),
    markers: facts.tables
      .filter((t) => consumed.has(formatTableName(t.table)))
      .map((t) => ({ table: formatTableName(t.table), key: markerKey(facts.workflowId, t.table) })),
    hazards,
    collisions: facts.collisions ?? {},
    refusals: refusingHazards(hazards).map((h) => `${h.detail}: ${h.remedy}`),
  };
}

/** Adds the downstream calls, warnings and details to a runbook's plan (in place, as the plan builders do). */
export function showDownstream(plan: Plan, downstream: DownstreamPlan, rewriteStep: string): void {
  for (const c of downstream.consumers)
    plan.calls.push({
      service: 'consumer',
      operation: 'Pause',
      params: { consumer: c.name, tables: c.tables },
      why: `before ${rewriteStep}: ${c.describe} stops reading while the files change, and the run waits until it has no active run`,
    });
  for (const m of downstream.markers)
    plan.calls.push({
      service: 's3',
      operation: 'PutRewriteMarker',
      params: { key: m.key },
      why: `what the run does to ${m.table}'s files`,
    });
  for (const c of downstream.consumers)
    for (const table of c.tables)
      plan.calls.push({
        service: 'consumer',
        operation: 'Rebuild',
        params: { consumer: c.name, table, marker: downstream.markers.find((m) => m.table === table)?.key },
        why: `after the files are final (kept, published or rolled back): ${table} re-read from its live files`,
      });
  for (const c of downstream.consumers)
    plan.calls.push({ service: 'consumer', operation: 'Resume', params: { consumer: c.name }, why: 'back to the state the pause found' });
  for (const h of downstream.hazards) plan.warnings.push(`Downstream: ${describeHazard(h)}`);
  plan.details = {
    ...plan.details,
    downstream: {
      consumers: downstream.consumers.map((c) => ({ name: c.name, tables: c.tables })),
      markers: downstream.markers,
      hazards: downstream.hazards,
    },
  };
}
