import { evaluateRowCounts, resumedSinceLoad, type RowCountFacts } from '../../domain/doctor/rowValidation';

/** The doctor's row counts on the S3 layouts DMS writes: an empty table has no file; a source TRUNCATE removes them. */

const at = '2026-06-10T12:00:00.000Z';

function facts(patch: {
  sourceRows: number;
  dms: Partial<RowCountFacts['dms']>;
  parquet: Partial<RowCountFacts['parquet']>;
}): RowCountFacts {
  return {
    table: 'shop.t',
    group: 'core',
    task: 'shop-core',
    taskStatus: 'running',
    sourceRows: patch.sourceRows,
    dms: { fullLoadRows: 0, inserts: 0, updates: 0, deletes: 0, state: 'Table completed', fullLoadReloaded: false, ddls: 0, ...patch.dms },
    parquet: {
      prefix: 'dms/shop/t/',
      files: 0,
      loadFiles: 0,
      loadRows: 0,
      changeFiles: 0,
      changeRows: 0,
      bytesStored: 0,
      bytesRead: 0,
      problems: [],
      ...patch.parquet,
    },
  };
}

test('a table without rows has no file, and that is no finding (0 rows = 0 files)', () => {
  const result = evaluateRowCounts([facts({ sourceRows: 0, dms: {}, parquet: {} })], [], at);
  expect(result.findings).toEqual([]);
});

test('files gone after DDL read as a source TRUNCATE (a warning that says so), not as lost rows', () => {
  const result = evaluateRowCounts(
    [facts({ sourceRows: 1, dms: { fullLoadRows: 600, inserts: 1, ddls: 1 }, parquet: { files: 1, changeFiles: 1, changeRows: 1 } })],
    [],
    at,
  );
  expect(result.findings.map((f) => f.severity)).toEqual(['warning']);
  expect(result.findings[0]!.title).toContain('most likely truncated (or dropped) on the source');
  expect(result.findings[0]!.title).toContain('HandleSourceTableTruncated');
  expect(result.findings[0]!.evidence).toMatchObject({ dmsDdls: 1, s3LoadRows: 0, dmsFullLoadRows: 600 });
});

test('LOAD files missing without any DDL stay a critical finding', () => {
  const result = evaluateRowCounts([facts({ sourceRows: 600, dms: { fullLoadRows: 600 }, parquet: {} })], [], at);
  expect(result.findings.map((f) => f.severity)).toContain('critical');
  expect(result.findings.find((f) => f.severity === 'critical')!.title).toContain('LOAD files hold 0 rows in 0 file(s), DMS loaded 600');
});

test('after a resume the change counts are not compared (DMS may count them from the resume): an info, not lost rows', () => {
  // Under the emulator's statistics.afterResume `reset`, Inserts restart at the resume: 600 + 1 looks like 9 rows lost.
  const resumed = facts({
    sourceRows: 610,
    dms: { fullLoadRows: 600, inserts: 1 },
    parquet: { files: 2, loadFiles: 1, loadRows: 600, changeRows: 10 },
  });
  const result = evaluateRowCounts([{ ...resumed, resumedAt: '2026-06-10T11:00:00.000Z' }], [], at);
  expect(result.findings.map((f) => f.severity)).toEqual(['info']);
  expect(result.findings[0]!.title).toContain('was resumed at 2026-06-10T11:00:00.000Z');
  // Without the resume the same counts are a warning.
  expect(evaluateRowCounts([resumed], [], at).findings.map((f) => f.severity)).toContain('warning');
});

test('resumedSinceLoad: only a resume after the fresh start, for a table not loaded since', () => {
  const fresh = '2026-06-10T10:00:00.000Z';
  const resumed = '2026-06-10T11:00:00.000Z';
  expect(resumedSinceLoad({ startDate: fresh, freshStartDate: fresh }, {})).toBeUndefined();
  expect(resumedSinceLoad({ startDate: resumed, freshStartDate: fresh }, { fullLoadStartTime: fresh })).toBe(resumed);
  expect(
    resumedSinceLoad({ startDate: resumed, freshStartDate: fresh }, { fullLoadStartTime: '2026-06-10T11:01:00.000Z' }),
  ).toBeUndefined();
  expect(resumedSinceLoad({}, {})).toBeUndefined();
});
