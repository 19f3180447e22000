import { commitVerdict, DRIFT_SCANS_BEFORE_GATE, driftReloadInput, planDriftReloads } from '../../domain/driftReloads';
import { FULL_RELOAD_MAX_TABLES, FULL_RELOAD_MAX_TABLES_TASK_MODE, fullReloadInputSchema } from '../../domain/inputs/fullReload';
import type { ChangeKind, TableDrift } from '../../domain/schemaDrift';

const drift = (table: string, kind: ChangeKind = 'enum-values-reordered'): TableDrift => ({
  table,
  severity: 'unsafe',
  changes: [{ table, column: 'state', kind, severity: 'unsafe', detail: kind }],
});
const names = (n: number, prefix = 'shop.t') => Array.from({ length: n }, (_, k) => `${prefix}${String(k).padStart(4, '0')}`);
const watchId = 'schemaDriftWatch-2026-12-02T00:00:00Z';
const taskOf = (table: string) => (table.startsWith('shop.') ? 'shop-core' : 'crm-core');

describe('the reloads schemaDriftWatch starts', () => {
  test('one task within the limit: one child, the workflow id of before', () => {
    const plan = planDriftReloads({ watchId, unsafe: [drift('shop.a'), drift('crm.b')], taskOf, pending: [] });
    expect(plan.covered).toEqual([]);
    expect(plan.children.map((c) => [c.workflowId, c.task, c.tables, c.mode, c.part])).toEqual([
      [`fullReload-drift-shop-core-${watchId}`, 'shop-core', ['shop.a'], 'task', undefined],
      [`fullReload-drift-crm-core-${watchId}`, 'crm-core', ['crm.b'], 'task', undefined],
    ]);
  });

  test("ReloadTables: a task's tables beyond the input limit are split into parts of at most the limit", () => {
    const tables = names(FULL_RELOAD_MAX_TABLES * 2 + 5);
    // A data-type change that keeps the definition (nullability) is reloaded with ReloadTables.
    const plan = planDriftReloads({ watchId, unsafe: tables.map((t) => drift(t, 'nullability-changed')), taskOf, pending: [] });
    expect(plan.children.map((c) => [c.workflowId, c.mode, c.tables.length, c.part, c.parts])).toEqual([
      [`fullReload-drift-shop-core-${watchId}-part-1`, 'tables', FULL_RELOAD_MAX_TABLES, 1, 3],
      [`fullReload-drift-shop-core-${watchId}-part-2`, 'tables', FULL_RELOAD_MAX_TABLES, 2, 3],
      [`fullReload-drift-shop-core-${watchId}-part-3`, 'tables', 5, 3, 3],
    ]);
    // Every table in exactly one part, in order; each part's input is one fullReload accepts.
    expect(plan.children.flatMap((c) => c.tables)).toEqual(tables);
    expect(plan.children.flatMap((c) => c.covers)).toEqual(tables);
    for (const c of plan.children) {
      const input = { tables: c.tables, reason: 'schema drift', mode: c.mode, schemaDrift: { detectedBy: watchId, changes: c.changes } };
      expect(fullReloadInputSchema.safeParse(input).success).toBe(true);
      expect(c.changes.every((x) => c.tables.includes(x.table))).toBe(true);
    }
  });

  test('reload-target: one child per task, however many tables (a split would restart the task once per part)', () => {
    const tables = names(FULL_RELOAD_MAX_TABLES * 3);
    const plan = planDriftReloads({ watchId, unsafe: tables.map((t) => drift(t)), taskOf, pending: [] });
    expect(plan.children).toHaveLength(1);
    const [child] = plan.children;
    expect(child).toMatchObject({ workflowId: `fullReload-drift-shop-core-${watchId}`, mode: 'task', tables, covers: tables });
    expect(child!.changes).toHaveLength(FULL_RELOAD_MAX_TABLES * 3);
    const input = {
      tables: child!.tables,
      reason: 'schema drift',
      mode: child!.mode,
      schemaDrift: { detectedBy: watchId, changes: child!.changes },
    };
    expect(fullReloadInputSchema.safeParse(input).success).toBe(true);
  });

  test('reload-target beyond what one input may name: the first ones named, every one covered by the restart', () => {
    const tables = names(FULL_RELOAD_MAX_TABLES_TASK_MODE + 20);
    const [child, ...others] = planDriftReloads({ watchId, unsafe: tables.map((t) => drift(t)), taskOf, pending: [] }).children;
    expect(others).toEqual([]);
    expect(child!.tables).toEqual(tables.slice(0, FULL_RELOAD_MAX_TABLES_TASK_MODE));
    expect(child!.covers).toEqual(tables);
    expect(child!.changes).toHaveLength(500);
  });

  test('tables a running fullReload names are left to it; the others get a child', () => {
    const pending = [{ workflowId: 'fullReload-by-hand', target: 'shop.a,shop.z', step: 'gate:reload' }];
    const plan = planDriftReloads({ watchId, unsafe: [drift('shop.a'), drift('shop.b')], taskOf, pending });
    expect(plan.covered).toEqual([{ workflowId: 'fullReload-by-hand', task: 'shop-core', tables: ['shop.a'], step: 'gate:reload' }]);
    expect(plan.children.map((c) => c.tables)).toEqual([['shop.b']]);
  });
});

describe('whether the watch stores its snapshot', () => {
  const unsafe = ['shop.a', 'shop.b', 'crm.c'];
  test('stored once every unsafe table has a reload started, started before, or pending', () => {
    expect(
      commitVerdict(unsafe, [
        { tables: ['shop.a'], status: 'started', detail: '' },
        { tables: ['shop.b'], status: 'already-pending', detail: '' },
        { tables: ['crm.c'], status: 'already-started', detail: '' },
      ]),
    ).toEqual({ commit: true });
  });
  test('kept back while a table has none, naming the tables, why, and that the next run reports them again', () => {
    const verdict = commitVerdict(unsafe, [
      { tables: ['shop.a', 'shop.b'], status: 'started', detail: '' },
      { tables: ['crm.c'], status: 'not-started', detail: 'startReloads is false: start a fullReload by hand' },
    ]);
    expect(verdict).toMatchObject({ commit: false, uncovered: ['crm.c'] });
    const why = (verdict as { why: string }).why;
    expect(why).toContain('1 unsafe table(s) have no fullReload started or pending (crm.c)');
    expect(why).toContain('startReloads is false');
    expect(why).toContain('reports them again');
  });
  test('a table missing from every reload is not stored either', () => {
    expect(commitVerdict(unsafe, [{ tables: ['shop.a'], status: 'started', detail: '' }])).toMatchObject({
      commit: false,
      uncovered: ['shop.b', 'crm.c'],
    });
  });
});

describe('fullReload input limits, judged by what the run does', () => {
  const input = (n: number, extra: Record<string, unknown> = {}) => ({ tables: names(n), reason: 'schema drift', ...extra });
  const messages = (value: unknown) => {
    const parsed = fullReloadInputSchema.safeParse(value);
    return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  test('ReloadTables (asked or by default) names at most 100 tables, and the refusal says what to do', () => {
    expect(messages(input(FULL_RELOAD_MAX_TABLES))).toEqual([]);
    expect(messages(input(FULL_RELOAD_MAX_TABLES + 1))).toEqual([
      expect.stringMatching(
        /^tables: names 101 tables: at most 100 per run with "mode": "tables" \(unset\).*split the list.*"mode": "task"/,
      ),
    ]);
    expect(messages(input(150, { mode: 'tables' }))[0]).toContain('at most 100 per run with "mode": "tables",');
  });
  test('task mode (asked, or chosen by a changed definition) is not refused for naming many tables', () => {
    expect(messages(input(FULL_RELOAD_MAX_TABLES_TASK_MODE, { mode: 'task' }))).toEqual([]);
    const changes = names(150).map((t) => drift(t).changes[0]);
    expect(messages(input(150, { schemaDrift: { detectedBy: watchId, changes } }))).toEqual([]);
  });
  test('bad input keeps its clear errors', () => {
    expect(messages(input(FULL_RELOAD_MAX_TABLES_TASK_MODE + 1, { mode: 'task' }))).toEqual([
      expect.stringContaining('tables: at most 1000 tables per run'),
    ]);
    expect(messages({ tables: ['shop.a', 'shop.a'], reason: 'twice', mode: 'task' })).toEqual(['tables: lists a table twice']);
    expect(messages({ tables: [], reason: 'none' })).toEqual(['tables: name at least one table']);
    expect(messages({ tables: 'shop.a', reason: 'not a list' })[0]).toMatch(/^tables: .*expected array/);
  });
});

describe('the input of a drift-started fullReload', () => {
  test('scans the current files before the gate only for a few tables; the input is a valid fullReload input', () => {
    const few = driftReloadInput('schemaDriftWatch-1', names(DRIFT_SCANS_BEFORE_GATE), 'tables', [drift('shop.t0')], []);
    expect(few).toMatchObject({
      checkCurrentFiles: true,
      requestedBy: 'schemaDriftWatch',
      schemaDrift: { detectedBy: 'schemaDriftWatch-1' },
    });
    const many = driftReloadInput('schemaDriftWatch-1', names(DRIFT_SCANS_BEFORE_GATE + 1), 'tables', [drift('shop.t0')], []);
    expect(many.checkCurrentFiles).toBe(false);
    expect(fullReloadInputSchema.safeParse(many).success).toBe(true);
  });
});
