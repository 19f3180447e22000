import {
  fullLoadEstimate,
  fullLoadMinutes,
  PARALLEL_LOAD_SUGGESTED_ROWS,
  parallelLoadSuggestion,
  SUBTASK_ROWS_PER_SECOND,
} from '../../domain/instanceClasses';

describe('full-load estimates: one subtask per table, at most MaxFullLoadSubTasks at once', () => {
  test('one big table takes as long on a 16-vCPU class as on a 2-vCPU one: it loads on one subtask', () => {
    const rows = 36_000_000;
    expect(fullLoadMinutes(rows, 'dms.r5.large')).toBe(fullLoadMinutes(rows, 'dms.r5.4xlarge'));
    expect(fullLoadMinutes(rows, 'dms.r5.4xlarge')).toBe(Math.ceil(rows / SUBTASK_ROWS_PER_SECOND / 60));
    expect(fullLoadEstimate([rows], 'dms.r5.4xlarge').boundBy).toBe('largest table');
  });

  test('many tables of the same size go faster on more vCPUs, up to the subtask limit', () => {
    const tables = Array.from({ length: 16 }, () => 3_000_000);
    const small = fullLoadEstimate(tables, 'dms.r5.large');
    const big = fullLoadEstimate(tables, 'dms.r5.4xlarge');
    expect(small.boundBy).toBe('instance');
    expect(big.minutes).toBeLessThan(small.minutes);
    // 8 subtasks at 10,000 rows/s = 80,000 rows/s on the 4xlarge (capacity 80,000): 48M rows in 10 min.
    expect(big.minutes).toBe(10);
    expect(fullLoadEstimate(tables, 'dms.r5.4xlarge', 4).minutes).toBe(20);
    expect(big.method).toContain('16 table(s), 48000000 rows');
  });

  test('an empty or tiny load takes at least a minute', () => {
    expect(fullLoadEstimate([], 'dms.r5.large').minutes).toBe(1);
    expect(fullLoadMinutes(10, 'dms.r5.large')).toBe(1);
  });

  test('a table past an hour on one subtask gets a parallel-load suggestion, a smaller one none', () => {
    expect(parallelLoadSuggestion('shop.orders', PARALLEL_LOAD_SUGGESTED_ROWS - 1)).toBeUndefined();
    expect(parallelLoadSuggestion('shop.orders', 2 * PARALLEL_LOAD_SUGGESTED_ROWS)).toContain('parallel-load table-settings rule');
  });
});
