import { addObject, isLoadFile, newFileSizeAudit, summarizeAudit } from '../../domain/doctor/fileSizeAudit';

const MB = 1024 * 1024;
const prefix = 'dms/shop/orders/';

describe('file size audit', () => {
  test('totals, histogram, partitions and excess files', () => {
    const audit = newFileSizeAudit(prefix, 128 * MB);
    addObject(audit, { key: `${prefix}20260601/LOAD00000001.parquet`, size: 200 * MB });
    for (let i = 0; i < 30; i++) addObject(audit, { key: `${prefix}20260602/20260602-1200${i}.parquet`, size: 0.5 * MB });
    addObject(audit, { key: `${prefix}20260603/20260603-120000.parquet`, size: 20 * MB });
    const summary = summarizeAudit(audit, 24);
    expect(summary).toMatchObject({ objects: 32, loadFiles: 1, cdcFiles: 31, smallObjects: 31, partitionCount: 3 });
    expect(summary.bytes).toBe(235 * MB);
    expect(summary.smallBytesPercent).toBe(14.9);
    // 235 MB fit in 2 files of 128 MB: 30 files too many.
    expect(summary.excessFiles).toBe(30);
    expect(summary.buckets.map((b) => [b.label, b.objects])).toEqual([
      ['< 1 MB', 30],
      ['1 MB–16 MB', 0],
      ['16 MB–64 MB', 1],
      ['64 MB–128 MB', 0],
      ['≥ 128 MB', 1],
    ]);
    expect(summary.partitions[0]).toEqual({ partition: '20260602', objects: 30, bytes: 15 * MB, smallObjects: 30, smallBytes: 15 * MB });
    expect(summary.writeRate).toBeUndefined();
  });

  test('write rate: CDC bytes per second over the window before the newest file, from LastModified only', () => {
    const audit = newFileSizeAudit(prefix, 128 * MB);
    const start = Date.UTC(2026, 5, 1, 0, 0, 0);
    // A file of 6 MB every 60 s for 3 hours, then nothing: 100 KB/s.
    for (let i = 0; i <= 180; i++)
      addObject(audit, { key: `${prefix}20260601/c${i}.parquet`, size: 6 * MB, lastModifiedMs: start + i * 60_000 });
    // Full-load files never count towards the write rate.
    addObject(audit, { key: `${prefix}20260601/LOAD00000001.parquet`, size: 900 * MB, lastModifiedMs: start + 3 * 3_600_000 });
    const all = summarizeAudit(audit, 24).writeRate!;
    expect(all.bytesPerSecond).toBeCloseTo((6 * MB) / 60, 6);
    expect(all.files).toBe(181);
    expect(all.until).toBe(new Date(start + 180 * 60_000).toISOString());
    // A 1-hour window keeps the last hour bucket only: still the same rate.
    const lastHour = summarizeAudit(audit, 1).writeRate!;
    expect(lastHour.files).toBeLessThan(181);
    expect(lastHour.bytesPerSecond).toBeCloseTo((6 * MB) / 60, 6);
  });

  test('full-load file names', () => {
    expect(isLoadFile('dms/shop/orders/20260601/LOAD00000001.parquet')).toBe(true);
    expect(isLoadFile('dms/shop/orders/20260601/20260601-120000123.parquet')).toBe(false);
    expect(isLoadFile('dms/shop/LOADS/20260601/x.parquet')).toBe(false);
  });
});
