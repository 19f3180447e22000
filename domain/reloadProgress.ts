import { TableStatSnapshot, tablesVerdict, TABLE_DONE, TaskSnapshot, Verdict } from './dmsStates';

export interface ReloadWatch {
  schema: string;
  table: string;
  /** FullLoadStartTime before the reload (a DMS timestamp); a reload is done when a later load completed. */
  loadStartedBefore: string | null;
}

/**
 * A reloaded table is `Table completed` with a load that started after the one seen before the reload: the old
 * `Table completed` must not count while DMS has not picked the reload up yet. Times are compared only with DMS's
 * own earlier values, never with the worker's clock.
 */
export function reloadVerdict(task: TaskSnapshot, stats: TableStatSnapshot[], tables: ReloadWatch[]): Verdict {
  const base = tablesVerdict(task, stats, tables);
  if (base.kind === 'failed') return base;
  const pending: string[] = [];
  for (const wanted of tables) {
    const stat = stats.find((s) => s.schema === wanted.schema && s.table === wanted.table);
    const name = `${wanted.schema}.${wanted.table}`;
    if (!stat) continue; // tablesVerdict already waits for it
    const started = stat.fullLoadStartTime ?? null;
    const reloaded = stat.state === TABLE_DONE && started !== null && started !== wanted.loadStartedBefore;
    if (!reloaded && stat.state === TABLE_DONE) pending.push(`${name}: reload not picked up yet (load started ${started ?? 'never'})`);
  }
  if (base.kind === 'waiting') return pending.length ? { kind: 'waiting', why: `${base.why}; ${pending.join('; ')}` } : base;
  return pending.length ? { kind: 'waiting', why: pending.join('; ') } : { kind: 'reached' };
}
