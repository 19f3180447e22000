import { classifyEnumChange, ColumnSnapshot, diffSnapshots, diffTableColumns, enumLabels, SchemaSnapshot } from '../../domain/schemaDrift';

const col = (name: string, position: number, columnType: string, extra: Partial<ColumnSnapshot> = {}): ColumnSnapshot => ({
  name,
  position,
  dataType: columnType.replace(/\(.*$/, '').replace(/ .*/, '').toLowerCase(),
  columnType,
  nullable: false,
  default: null,
  charset: null,
  ...extra,
});

const snapshot = (tables: Record<string, ColumnSnapshot[]>): SchemaSnapshot => ({
  version: 1,
  pipeline: 'p',
  takenAt: '2026-06-01T00:00:00Z',
  takenBy: 'wf',
  tables,
});

describe('ENUM labels', () => {
  test('parses quoted labels, doubled quotes and commas inside labels', () => {
    expect(enumLabels("enum('new','it''s','a,b')")).toEqual(['new', "it's", 'a,b']);
    expect(enumLabels("set('x','y')")).toEqual(['x', 'y']);
    expect(enumLabels('int(11)')).toBeUndefined();
  });
});

describe('ENUM/SET changes', () => {
  test('appending at the end is safe', () => {
    expect(classifyEnumChange(['a', 'b'], ['a', 'b', 'c'])).toMatchObject({ kind: 'enum-values-appended', severity: 'safe' });
  });
  test('reordering, inserting in the middle and removing are unsafe', () => {
    expect(classifyEnumChange(['a', 'b', 'c'], ['c', 'b', 'a'])).toMatchObject({ kind: 'enum-values-reordered', severity: 'unsafe' });
    expect(classifyEnumChange(['a', 'c'], ['a', 'b', 'c'])).toMatchObject({ kind: 'enum-values-inserted', severity: 'unsafe' });
    expect(classifyEnumChange(['a', 'b', 'c'], ['a', 'c'])).toMatchObject({ kind: 'enum-values-removed', severity: 'unsafe' });
    // A renamed label is a removal for DMS: CDC still writes the old label.
    expect(classifyEnumChange(['a', 'b'], ['a', 'B'])).toMatchObject({ kind: 'enum-values-removed', severity: 'unsafe' });
  });
  test('no change is no change', () => {
    expect(classifyEnumChange(['a', 'b'], ['a', 'b'])).toBeUndefined();
  });
});

describe('column changes', () => {
  const before = [col('id', 1, 'int(11)'), col('state', 2, "enum('new','active','closed')"), col('note', 3, 'varchar(40)')];

  test('the ENUM reorder of the incident is unsafe and says which values moved', () => {
    const after = [before[0]!, col('state', 2, "enum('closed','active','new')"), before[2]!];
    const [change] = diffTableColumns('shop.t', before, after);
    expect(change).toMatchObject({ column: 'state', kind: 'enum-values-reordered', severity: 'unsafe' });
    expect(change!.detail).toContain("'new'");
    expect(change!.before).toBe("enum('new','active','closed')");
  });

  test('type widening is for review, other type changes are unsafe', () => {
    const widened = diffTableColumns('t', before, [col('id', 1, 'bigint(20)'), before[1]!, col('note', 3, 'varchar(80)')]);
    expect(widened.map((c) => [c.column, c.kind, c.severity])).toEqual([
      ['id', 'type-widened', 'review'],
      ['note', 'type-widened', 'review'],
    ]);
    const changed = diffTableColumns('t', before, [col('id', 1, 'varchar(11)'), before[1]!, col('note', 3, 'varchar(20)')]);
    expect(changed.map((c) => [c.column, c.kind, c.severity])).toEqual([
      ['id', 'type-changed', 'unsafe'],
      ['note', 'type-changed', 'unsafe'],
    ]);
  });

  test('a dropped column is unsafe; a column added at the end is for review, in the middle unsafe', () => {
    expect(diffTableColumns('t', before, [before[0]!, before[1]!]).map((c) => [c.kind, c.severity])).toEqual([
      ['column-dropped', 'unsafe'],
    ]);
    expect(diffTableColumns('t', before, [...before, col('extra', 4, 'int(11)')]).map((c) => [c.kind, c.severity])).toEqual([
      ['column-added-at-end', 'review'],
    ]);
    const middle = [before[0]!, col('extra', 2, 'int(11)'), { ...before[1]!, position: 3 }, { ...before[2]!, position: 4 }];
    expect(diffTableColumns('t', before, middle).map((c) => [c.kind, c.severity])).toEqual([['column-added-in-middle', 'unsafe']]);
  });

  test('a rename (same position and type) is for review; a moved column is unsafe', () => {
    const renamed = diffTableColumns('t', before, [before[0]!, before[1]!, col('comment', 3, 'varchar(40)')]);
    expect(renamed.map((c) => [c.kind, c.before, c.after])).toEqual([['column-renamed', 'note', 'comment']]);
    const moved = diffTableColumns('t', before, [before[0]!, { ...before[2]!, position: 2 }, { ...before[1]!, position: 3 }]);
    expect(moved.map((c) => [c.kind, c.severity])).toContainEqual(['column-moved', 'unsafe']);
  });

  test('nullability and default changes are safe', () => {
    const after = [before[0]!, before[1]!, { ...before[2]!, nullable: true, default: "'x'" }];
    expect(diffTableColumns('t', before, after).map((c) => [c.kind, c.severity])).toEqual([
      ['nullability-changed', 'safe'],
      ['default-changed', 'safe'],
    ]);
  });
});

describe('snapshots', () => {
  const a = [col('id', 1, 'int(11)'), col('s', 2, "enum('x','y')")];
  test('the first snapshot is a baseline: every table is new, nothing changed', () => {
    expect(diffSnapshots(undefined, snapshot({ 'shop.a': a }))).toEqual({ tables: [], newTables: ['shop.a'], goneTables: [] });
  });
  test('tables are sorted worst first, new and gone tables listed apart', () => {
    const previous = snapshot({ 'shop.a': a, 'shop.b': a, 'shop.gone': a });
    const current = snapshot({
      'shop.a': [a[0]!, col('s', 2, "enum('x','y','z')")],
      'shop.b': [a[0]!, col('s', 2, "enum('y','x')")],
      'shop.new': a,
    });
    const diff = diffSnapshots(previous, current);
    expect(diff.tables.map((t) => [t.table, t.severity])).toEqual([
      ['shop.b', 'unsafe'],
      ['shop.a', 'safe'],
    ]);
    expect(diff.newTables).toEqual(['shop.new']);
    expect(diff.goneTables).toEqual(['shop.gone']);
  });
});
