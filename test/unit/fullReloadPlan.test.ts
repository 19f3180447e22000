import type { TaskSnapshot } from '../../domain/dmsStates';
import { FullReloadFacts, locateTables, PLAN_TABLES_LISTED, planFullReload, ReloadTableFacts } from '../../domain/fullReload';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { chooseReloadMethod } from '../../domain/reloadMethod';
import { scratchGroup } from '../support/runbooks';

const task = (status: string, extra: Partial<TaskSnapshot> = {}): TaskSnapshot => ({
  arn: 'arn:aws:dms:us-east-1:123456789012:task:ABC',
  identifier: 't-g',
  status,
  migrationType: 'full-load-and-cdc',
  startDate: '2026-06-01T00:00:00.000Z',
  recoveryCheckpoint: 'checkpoint:V1#1#mysql-bin.000001:100',
  ...extra,
});
const names = Array.from({ length: 11 }, (_, i) => ({ schema: 'shop', table: `t${i + 1}` }));
const tableFacts = (table: { schema: string; table: string }): ReloadTableFacts => ({
  table,
  taskIdentifier: 't-g',
  stat: {
    schema: table.schema,
    table: table.table,
    state: 'Table completed',
    fullLoadRows: 10,
    inserts: 0,
    updates: 0,
    deletes: 0,
    ddls: 0,
    fullLoadStartTime: '2026-06-01T00:01:00.000Z',
  },
  inventory: { objects: 2, bytes: 2048, partitions: 1 },
  rowEstimate: 10,
  primaryKey: ['id'],
  filtered: false,
});
const facts = (overrides: Partial<FullReloadFacts> = {}): FullReloadFacts => ({
  workflowId: 'fullReload-x',
  bucket: 'shop-lake',
  folder: 'dms',
  mode: 'tables',
  reason: 'ENUM reorder',
  requested: names,
  tasks: [{ task: task('running'), group: scratchGroup('g', []), instanceClass: 'dms.r5.large', tables: names }],
  tables: names.map(tableFacts),
  ...overrides,
});

describe('fullReload plan', () => {
  test('a task of 2,000 tables: the plan says each per-table thing once, with counts and the first names, and stays small', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ schema: 'shop', table: `t${i + 1}` }));
    const tables = many.map(tableFacts);
    tables[7] = { ...tables[7]!, primaryKey: [] };
    const { plan, quarantine } = planFullReload(
      facts({
        mode: 'task',
        requested: [many[0]!],
        tasks: [{ task: task('running'), group: scratchGroup('g', []), instanceClass: 'dms.r5.large', tables: many }],
        tables,
      }),
    );
    expect(quarantine).toHaveLength(2000);
    expect(plan.calls.map((c) => c.operation)).toEqual([
      'StopReplicationTask',
      'QuarantineTableFiles',
      'StartReplicationTask',
      'DeleteQuarantine',
    ]);
    expect(plan.calls[1]!.params).toMatchObject({
      tables: 2000,
      from: 'dms/<schema>/<table>/',
      to: '_quarantine/fullReload-x/<schema>/<table>/',
    });
    expect(plan.prefixes).toEqual([
      { prefix: 'dms/', action: 'move-to-quarantine', objects: 4000, bytes: 2000 * 2048 },
      { prefix: '_quarantine/fullReload-x/', action: 'write', objects: 4000, bytes: 2000 * 2048 },
    ]);
    expect(plan.warnings).toContain(
      'tables without a primary key (1: shop.t8): their verification compares counts and ENUM/SET distributions only',
    );
    expect(plan.warnings.find((w) => w.startsWith('mode "task"'))).toContain('2000 tables, shop.t1, shop.t2');
    expect(plan.warnings.find((w) => w.startsWith('mode "task"'))).toContain('and 1990 more');
    expect(plan.details.tables).toHaveLength(PLAN_TABLES_LISTED);
    expect(plan.details.tableRows).toHaveLength(2000);
    // The whole plan: a few bytes per table (the row estimates a composite resize sizes its load with), not kilobytes.
    expect(JSON.stringify(plan).length).toBeLessThan(32 * 1024);
  });

  test('up to PLAN_TABLES_LISTED tables, the plan names each table in its own call and prefixes', () => {
    const some = names.slice(0, 3);
    const { plan } = planFullReload(
      facts({
        mode: 'task',
        requested: [some[0]!],
        tasks: [{ task: task('running'), group: scratchGroup('g', []), instanceClass: 'dms.r5.large', tables: some }],
        tables: some.map(tableFacts),
      }),
    );
    expect(plan.calls.filter((c) => c.operation === 'QuarantineTableFiles').map((c) => c.params.from)).toEqual([
      'dms/shop/t1/',
      'dms/shop/t2/',
      'dms/shop/t3/',
    ]);
    expect(plan.prefixes).toHaveLength(6);
  });

  test('more than 10 tables are reloaded in batches of at most 10, after the quarantine of each', () => {
    const { plan, refusals, reloads } = planFullReload(facts());
    expect(refusals).toEqual([]);
    expect(reloads[0]!.batches.map((b) => b.length)).toEqual([10, 1]);
    const ops = plan.calls.map((c) => c.operation);
    expect(ops.filter((o) => o === 'QuarantineTableFiles')).toHaveLength(11);
    expect(ops.filter((o) => o === 'ReloadTables')).toHaveLength(2);
    expect(ops.at(-1)).toBe('DeleteQuarantine');
    expect(plan.details).toMatchObject({ affectedBytes: 11 * 2048, affectedObjects: 22, reason: 'ENUM reorder' });
    expect(plan.details.recoveryCheckpoints).toEqual({ 't-g': 'checkpoint:V1#1#mysql-bin.000001:100' });
  });

  test('ReloadTables on a stopped task is refused by the plan, naming the task and the way out', () => {
    const { refusals } = planFullReload(
      facts({
        tasks: [
          {
            task: task('stopped', { stopReason: 'Stop Reason NORMAL' }),
            group: scratchGroup('g', []),
            instanceClass: 'dms.r5.large',
            tables: names,
          },
        ],
      }),
    );
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toContain('ReloadTables needs a running task, and task t-g is stopped (NORMAL)');
    expect(refusals[0]).toContain('"mode": "task"');
  });

  test('task mode stops a running task and restarts it with reload-target, warning that every table reloads', () => {
    const { plan, refusals, reloads } = planFullReload(facts({ mode: 'task', requested: [names[0]!] }));
    expect(refusals).toEqual([]);
    expect(reloads[0]).toMatchObject({ stopFirst: true, batches: [] });
    expect(plan.calls.filter((c) => c.service === 'dms').map((c) => [c.operation, c.params.StartReplicationTaskType])).toEqual([
      ['StopReplicationTask', undefined],
      ['StartReplicationTask', 'reload-target'],
    ]);
    expect(plan.warnings.join(' ')).toContain('reloads every table of task t-g');
  });

  test('a table already loading and a cdc-only task are refused', () => {
    const loading = { ...tableFacts(names[0]!), stat: { ...tableFacts(names[0]!).stat!, state: 'Table is being reloaded' } };
    expect(planFullReload(facts({ tables: [loading] })).refusals[0]).toContain('already loading');
    const cdc = [
      { task: task('running', { migrationType: 'cdc' }), group: scratchGroup('g', []), instanceClass: 'dms.r5.large', tables: names },
    ];
    expect(planFullReload(facts({ tasks: cdc })).refusals[0]).toContain('cdc-only task');
  });

  test('a table is located in exactly one task', () => {
    const g1 = { group: scratchGroup('a', []), task: task('running'), tables: [names[0]!] };
    const g2 = { group: scratchGroup('b', []), task: task('running'), tables: [names[0]!] };
    expect(locateTables([names[1]!], [g1])).toEqual({
      ok: false,
      reasons: ['shop.t2 is not replicated by any task of the configured task groups; onboard it with onboardTable first'],
    });
    expect(locateTables([names[0]!], [g1, g2])).toMatchObject({ ok: false });
    expect(locateTables([names[0]!], [g1])).toMatchObject({ ok: true });
  });

  test('the quarantine keeps the original key under the run, at the bucket root', () => {
    expect(quarantineLayout('fullReload-shop.t-20260601', 'dms', { schema: 'shop', table: 't' })).toEqual({
      table: { schema: 'shop', table: 't' },
      tablePrefix: 'dms/shop/t/',
      quarantinePrefix: '_quarantine/fullReload-shop.t-20260601/dms/shop/t/',
      rolledBackPrefix: '_quarantine/fullReload-shop.t-20260601/_rolled-back/dms/shop/t/',
      manifests: {
        quarantine: '_quarantine/fullReload-shop.t-20260601/_manifests/shop.t.quarantine.json',
        rollback: '_quarantine/fullReload-shop.t-20260601/_manifests/shop.t.rollback.json',
        restore: '_quarantine/fullReload-shop.t-20260601/_manifests/shop.t.restore.json',
      },
    });
  });
  test('a schema change to a definition: reload-target with why and blast radius; "mode": "tables" refused naming every table of the task', () => {
    const requested = [names[0]!];
    const changes = [
      { table: 'shop.t1', column: 'state', kind: 'enum-values-reordered' as const, severity: 'unsafe' as const, detail: 'x' },
    ];
    const chosen = chooseReloadMethod(undefined, requested, changes);
    const { plan, refusals, reloads } = planFullReload(
      facts({ mode: chosen.mode, method: chosen, requested, tables: names.map(tableFacts) }),
    );
    expect(refusals).toEqual([]);
    expect(reloads[0]!.stopFirst).toBe(true);
    expect(plan.calls.map((c) => c.operation)).toContain('StartReplicationTask');
    expect(plan.details.method).toMatchObject({
      mode: 'task',
      blastRadius: [{ task: 't-g', tables: names.map((n) => `shop.${n.table}`) }],
    });
    expect((plan.details.method as { why: string }).why).toContain('ReloadTables keeps the table definition');

    const asked = chooseReloadMethod('tables', requested, changes);
    const refused = planFullReload(facts({ mode: 'tables', method: asked, requested, tables: [tableFacts(names[0]!)] }));
    expect(refused.refusals[0]).toContain('"mode": "tables" cannot repair shop.t1.state enum-values-reordered');
    expect(refused.refusals[0]).toContain('(task t-g: shop.t1, shop.t2,');
  });
});
