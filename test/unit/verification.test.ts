import { checksumSpec, compareChecksums, TableChecksums } from '../../domain/verification';

const columns = [
  { name: 'id', dataType: 'int', columnType: 'int(11)' },
  { name: 'state', dataType: 'enum', columnType: "enum('new','active','closed')" },
  { name: 'amount', dataType: 'decimal', columnType: 'decimal(10,2)' },
  { name: 'blob', dataType: 'blob', columnType: 'blob' },
];

const sums = (overrides: Partial<TableChecksums> = {}): TableChecksums => ({
  rows: 3,
  primaryKey: { count: 3, sum: '9000000000', xor: 123 },
  rowHash: { count: 3, sum: '8000000000', xor: 456 },
  distributions: {
    state: [
      { label: 'active', rows: 1 },
      { label: 'new', rows: 2 },
    ],
  },
  problems: [],
  ...overrides,
});

describe('checksum spec', () => {
  test('keys of supported types and every ENUM/SET column', () => {
    const spec = checksumSpec('shop.t', ['id'], columns);
    expect(spec.primaryKey).toEqual([{ name: 'id', kind: 'integer' }]);
    expect(spec.categorical).toEqual([{ name: 'state', type: 'enum', labels: ['new', 'active', 'closed'] }]);
    expect(checksumSpec('shop.t', ['id', 'amount'], columns).primaryKey[1]).toEqual({ name: 'amount', kind: 'decimal', scale: 2 });
  });
  test('no key, or a key without canonical text: said, not silently skipped', () => {
    expect(checksumSpec('shop.t', [], columns).primaryKeyUnsupported).toBe('shop.t has no primary key');
    expect(checksumSpec('shop.t', ['blob'], columns).primaryKeyUnsupported).toContain('primary key column blob of shop.t is blob');
  });
});

describe('comparing source and files', () => {
  test('identical aggregates match and list what was checked', () => {
    expect(compareChecksums('shop.t', sums(), sums())).toEqual({
      table: 'shop.t',
      matches: true,
      checked: ['rows', 'primary-key', 'row-hash', 'distribution:state'],
      findings: [],
    });
  });
  test('a scrambled ENUM shows as a distribution difference per label, with the row hash', () => {
    const lake = sums({
      rowHash: { count: 3, sum: '8000000001', xor: 457 },
      distributions: {
        state: [
          { label: 'closed', rows: 2 },
          { label: 'active', rows: 1 },
        ],
      },
    });
    const result = compareChecksums('shop.t', sums(), lake);
    expect(result.matches).toBe(false);
    expect(result.findings.map((f) => f.check)).toEqual(['row-hash', 'distribution']);
    expect(result.findings[1]!.detail).toBe("state: 'new' source 2, files 0; 'closed' source 0, files 2");
  });
  test('labels swapped between rows with the same distribution are caught by the row hash', () => {
    const result = compareChecksums('shop.t', sums(), sums({ rowHash: { count: 3, sum: '8000000002', xor: 999 } }));
    expect(result.findings.map((f) => f.check)).toEqual(['row-hash']);
  });
  test('missing rows and unreadable files are findings', () => {
    const result = compareChecksums(
      'shop.t',
      sums(),
      sums({ rows: 2, primaryKey: { count: 2, sum: '6000000000', xor: 1 }, problems: ['dms/x.parquet: unreadable'] }),
    );
    expect(result.findings.map((f) => f.check)).toEqual(['readable', 'rows', 'primary-key']);
    expect(result.findings[1]!.detail).toBe('source has 3 rows, the files 2');
  });
});
