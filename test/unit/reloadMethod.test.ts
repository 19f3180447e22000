import { compareChangedRows } from '../../domain/cdcAfterReload';
import { chooseReloadMethod } from '../../domain/reloadMethod';
import type { SchemaChange } from '../../domain/schemaDrift';
import { toTableName } from '../../domain/tableName';

const change = (kind: SchemaChange['kind'], table = 'shop.orders'): SchemaChange => ({
  table,
  column: 'state',
  kind,
  severity: 'unsafe',
  detail: kind,
});
const orders = [toTableName('shop.orders')];

describe('the reload method', () => {
  test('a data-only reload stays ReloadTables', () => {
    expect(chooseReloadMethod(undefined, orders)).toMatchObject({ mode: 'tables', definitionChanges: [] });
    expect(chooseReloadMethod(undefined, orders, [change('nullability-changed')]).mode).toBe('tables');
  });
  test('a changed definition chooses reload-target and says why ReloadTables is not enough', () => {
    for (const kind of ['enum-values-reordered', 'column-added-in-middle', 'column-dropped', 'type-changed'] as const) {
      const method = chooseReloadMethod(undefined, orders, [change(kind)]);
      expect(method.mode).toBe('task');
      expect(method.refusal).toBeUndefined();
      expect(method.why).toContain('DMS retains the previously read table definition');
    }
  });
  test('"mode": "tables" with a changed definition is refused; a change to another table does not count', () => {
    expect(chooseReloadMethod('tables', orders, [change('enum-values-reordered')]).refusal).toContain('"mode": "tables" cannot repair');
    expect(chooseReloadMethod('tables', orders, [change('enum-values-reordered', 'shop.other')]).refusal).toBeUndefined();
  });
});

describe('the check of CDC written after a reload', () => {
  const row = (key: string, state: string, op: 'I' | 'U' | 'D' = 'U') => ({ key, op, labels: { state } });
  const source = new Map([
    ['1', { state: 'new' }],
    ['2', { state: 'closed' }],
  ]);
  test('rows agreeing with the source match once enough rows changed', () => {
    expect(compareChangedRows('t', [row('1', 'new'), row('2', 'closed')], source, { minRows: 2, cdcFiles: 1 }).verdict).toBe('matches');
  });
  test('too few changed rows cannot be judged', () => {
    const check = compareChangedRows('t', [row('1', 'new')], source, { minRows: 10, cdcFiles: 1 });
    expect(check.verdict).toBe('not-enough-cdc');
    expect(check.detail).toContain('at least 10 are needed');
  });
  test('a wrong label, a row deleted in the files but present in the source: mismatches, whatever the count', () => {
    const check = compareChangedRows('t', [row('1', 'closed'), row('2', 'closed', 'D')], source, { minRows: 10, cdcFiles: 1 });
    expect(check).toMatchObject({ verdict: 'mismatch', mismatches: 2 });
    expect(check.samples).toEqual(["key 1: state files 'closed', source 'new'", 'key 2: deleted in the files, present in the source']);
  });
});
