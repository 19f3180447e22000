import { boundedTables, boundedTarget, TABLES_MAX_BYTES, TARGET_MAX_BYTES, targetTables } from '../../domain/searchAttributeValues';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const longTables = Array.from({ length: 100 }, (_, k) => `shop.reload_${'x'.repeat(48)}_${String(k).padStart(3, '0')}`);

describe('search attribute values within the server limits', () => {
  test('a short target is kept as is', () => {
    expect(boundedTarget('shop.orders', ['shop.orders'])).toBe('shop.orders');
  });

  test('100 long table names: the count and the names that fit, under the budget', () => {
    const target = boundedTarget(longTables.join(','), longTables);
    expect(bytes(target)).toBeLessThanOrEqual(TARGET_MAX_BYTES);
    expect(target).toMatch(/^100 tables: shop\.reload_x+_000,/);
    expect(target).toMatch(/,… \(\+\d+ more\)$/);
    const shown = Number(/\(\+(\d+) more\)$/.exec(target)![1]);
    expect(target.split(': ')[1]!.split(',').length - 1).toBe(100 - shown);
  });

  test('one long value is cut with its size', () => {
    const target = boundedTarget(`é${'y'.repeat(400)}`);
    expect(bytes(target)).toBeLessThanOrEqual(TARGET_MAX_BYTES);
    expect(target).toMatch(/… \(402 bytes\)$/);
  });

  test('the tables list keeps as many names as fit, in order', () => {
    const kept = boundedTables(longTables);
    expect(bytes(JSON.stringify(kept))).toBeLessThanOrEqual(TABLES_MAX_BYTES);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(longTables.slice(0, kept.length));
    expect(boundedTables(['shop.a', 'shop.b'])).toEqual(['shop.a', 'shop.b']);
  });

  test('tables come from the target of table runbooks only', () => {
    expect(targetTables('fullReload', 'shop.a,shop.b')).toEqual(['shop.a', 'shop.b']);
    expect(targetTables('onboardTable', 'shop.a')).toEqual(['shop.a']);
    expect(targetTables('resizeInstance', 'shop-repl-1')).toEqual([]);
  });
});
