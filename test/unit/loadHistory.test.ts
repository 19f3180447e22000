import type { TableStatSnapshot } from '../../domain/dmsStates';
import { fullLoadEstimate, SUBTASK_ROWS_PER_SECOND } from '../../domain/instanceClasses';
import { measuredLoadRate, pastLoadRowsPerSecond } from '../../domain/loadHistory';
import { loadHours } from '../../domain/instanceResize';

const stat = (rows: number, seconds: number | undefined, table = 't'): TableStatSnapshot => ({
  schema: 'shop',
  table,
  state: 'Table completed',
  fullLoadRows: rows,
  inserts: 0,
  updates: 0,
  deletes: 0,
  ddls: 0,
  fullLoadStartTime: '2026-11-01T10:00:00.000Z',
  fullLoadEndTime: seconds === undefined ? undefined : new Date(Date.parse('2026-11-01T10:00:00.000Z') + seconds * 1000).toISOString(),
});

describe('full-load estimates from the pipeline’s own previous loads', () => {
  test("a table's previous load gives rows per second; small or unfinished loads give nothing", () => {
    expect(pastLoadRowsPerSecond(stat(600_000, 300))).toBe(2000);
    expect(pastLoadRowsPerSecond(stat(5_000, 300))).toBeUndefined(); // too few rows: mostly start-up time
    expect(pastLoadRowsPerSecond(stat(600_000, 5))).toBeUndefined(); // too short to measure
    expect(pastLoadRowsPerSecond(stat(600_000, undefined))).toBeUndefined(); // still loading
    expect(pastLoadRowsPerSecond(undefined)).toBeUndefined();
  });

  test('the median of the qualifying loads is the rate; none qualifying keeps the planning figure', () => {
    const rate = measuredLoadRate([stat(600_000, 300), stat(1_000_000, 250), stat(90_000, 90), stat(100, 1), undefined]);
    expect(rate?.rowsPerSecond).toBe(2000); // rates 1000, 2000, 4000
    expect(rate?.method).toContain('median of 3 previous full load(s)');
    expect(measuredLoadRate([stat(100, 1), undefined])).toBeUndefined();
  });

  test('a measured rate replaces the planning figure per subtask, and the method says which was used', () => {
    const planned = fullLoadEstimate([36_000_000], 'dms.r5.4xlarge');
    const measured = fullLoadEstimate([36_000_000], 'dms.r5.4xlarge', undefined, { rowsPerSecond: 2000, method: 'median of 3' });
    expect(planned.minutes).toBe(Math.ceil(36_000_000 / SUBTASK_ROWS_PER_SECOND / 60));
    expect(measured.minutes).toBe(300);
    expect(measured.method).toContain('2000 rows/s (median of 3)');
    expect(planned.method).toContain('(planning figure, unverified)');
  });
});

test("a composite resize prices the full load at its fullReload child's measured rate", () => {
  const child = (loadEstimates: unknown[]) => ({
    summary: '',
    calls: [],
    prefixes: [],
    expectedMinutes: 1,
    warnings: [],
    details: { tableRows: [36_000_000], loadEstimates },
  });
  expect(loadHours(child([{ measuredRowsPerSecond: 2000, method: 'm' }]), 'dms.r5.4xlarge')).toBe(5);
  expect(loadHours(child([{ method: 'planned' }]), 'dms.r5.4xlarge')).toBe(1);
});
