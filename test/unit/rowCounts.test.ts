import { compareRowCounts } from '../../domain/rowCounts';

const stat = (fullLoadRows: number, inserts = 0, deletes = 0, updates = 0) => ({
  schema: 's',
  table: 't',
  state: 'Table completed',
  fullLoadRows,
  inserts,
  updates,
  deletes,
  ddls: 0,
});
const files = (rows: number, problems: Array<{ key: string; error: string }> = []) => ({ rows, files: 2, problems });

describe('row count comparison', () => {
  test('equal counts match', () => {
    expect(compareRowCounts('s.t', 100, stat(100), files(100))).toMatchObject({ matches: true, mismatch: undefined });
  });
  test('CDC inserts and deletes after the load are accounted for', () => {
    expect(compareRowCounts('s.t', 105, stat(100, 10, 5), files(100)).matches).toBe(true);
  });
  test('missing Parquet rows are a mismatch even when the source agrees with DMS', () => {
    const c = compareRowCounts('s.t', 100, stat(100), files(90));
    expect(c.matches).toBe(false);
    expect(c.mismatch).toContain('the full-load Parquet files hold 90 rows but DMS reports FullLoadRows 100');
  });
  test('a source with rows DMS never saw, and no changes to explain them, is a mismatch', () => {
    expect(compareRowCounts('s.t', 130, stat(100), files(100)).mismatch).toContain('the source has 130 rows but DMS accounts for 100');
  });
  test('a gap within the changes made during the load is noted, not failed', () => {
    const c = compareRowCounts('s.t', 130, stat(130, 30), files(130));
    expect(c.matches).toBe(true);
    expect(c.note).toContain('30 changes during or after the load');
  });
  test('unreadable files are named', () => {
    expect(compareRowCounts('s.t', 100, stat(100), files(100, [{ key: 'dms/s/t/LOAD1.parquet', error: 'truncated' }])).mismatch).toContain(
      'dms/s/t/LOAD1.parquet (truncated)',
    );
  });
});
