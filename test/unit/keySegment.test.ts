import { defaultWorkflowId } from '../../client/runbooks';
import { backfillLayout } from '../../domain/backfill';
import { suggestedWorkflowId } from '../../domain/doctor/remedies';
import { keySegment, workflowIdPart } from '../../domain/keySegment';
import { quarantineLayout, quarantineRoot } from '../../domain/quarantineLayout';

/**
 * Keys and workflow ids already produced must keep their names: a rollback, a leftover check or an operator's
 * command looks them up by the same rule. The rules as they were written before there was one module, copied here
 * as the reference, against the module on awkward inputs.
 */
const before = {
  quarantineKey: (id: string) => id.replace(/[^A-Za-z0-9._:=+-]/g, '_'),
  backfillKey: (id: string) => id.replace(/[^A-Za-z0-9._-]/g, '_'),
  workflowIdPart: (target: string) => target.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80),
};

const awkward = [
  'fullReload-shop.orders-20260601T120000-ab12',
  'fullReload-drift-shop-core-schemaDriftWatch-sched-2026-06-01T12:00:00Z',
  'a/b c:d=e+f',
  'fullReload/../../etc',
  'naïve ünïcode ✓',
  'tabs\tand\nnewlines',
  '100-tables: shop.a,shop.b',
  'x'.repeat(120) + '/' + 'y'.repeat(40),
  '',
];

test.each(awkward)('the key rules give what they gave before for %j', (value) => {
  expect(keySegment(value)).toBe(before.quarantineKey(value));
  expect(keySegment(value, 'plain')).toBe(before.backfillKey(value));
  expect(workflowIdPart(value)).toBe(before.workflowIdPart(value));
});

test('fullReload quarantine keys are unchanged', () => {
  const id = 'fullReload-drift-shop-core-sched-2026-06-01T12:00:00Z';
  expect(quarantineRoot(id)).toBe('_quarantine/fullReload-drift-shop-core-sched-2026-06-01T12:00:00Z/');
  const layout = quarantineLayout('a/b c', 'lake', { schema: 'shop', table: 'orders' });
  expect([layout.quarantinePrefix, layout.rolledBackPrefix, layout.manifests.restore]).toEqual([
    '_quarantine/a_b_c/lake/shop/orders/',
    '_quarantine/a_b_c/_rolled-back/lake/shop/orders/',
    '_quarantine/a_b_c/_manifests/shop.orders.restore.json',
  ]);
});

test("backfill's staging and quarantine keys are unchanged (no : = + in them, unlike fullReload's)", () => {
  const layout = backfillLayout('lake/raw', { schema: 'shop', table: 'orders' }, 'backfill:x=1+2/3', {
    sequence: 'YYYYMMDD',
    delimiter: 'NONE',
  });
  const day = '2026-06-01';
  expect({
    tablePrefix: layout.tablePrefix,
    stagingFolder: layout.stagingFolder,
    stagingRoot: layout.stagingRoot,
    quarantineRoot: layout.quarantineRoot,
    stagingDay: layout.stagingDay(day),
    quarantineManifest: layout.quarantineManifest(day),
    publishManifest: layout.publishManifest(day),
  }).toEqual({
    tablePrefix: 'lake/raw/shop/orders/',
    stagingFolder: '_staging/backfill_x_1_2_3',
    stagingRoot: '_staging/backfill_x_1_2_3/',
    quarantineRoot: '_quarantine/backfill_x_1_2_3/',
    stagingDay: '_staging/backfill_x_1_2_3/2026-06-01/orders/',
    quarantineManifest: '_quarantine/backfill_x_1_2_3/_manifests/2026-06-01.json',
    publishManifest: '_staging/backfill_x_1_2_3/_manifests/publish-2026-06-01.json',
  });
  expect(layout.quarantineOf(day)).toBe(`_quarantine/backfill_x_1_2_3/${layout.livePartition(day)}`);
  expect(layout.livePartition(day).startsWith('lake/raw/shop/orders/')).toBe(true);
});

test('workflow ids suggested by the doctor and made by the client are unchanged', () => {
  expect(suggestedWorkflowId('fullReload', 'shop.orders, shop/lines', '2026-06-01T12:00:00.000Z')).toBe(
    'fullReload-shop.orders_shop_lines-doctor-20260601T120000',
  );
  const id = defaultWorkflowId('fullReload', { tables: ['shop.orders', 'shop.order lines'] }, new Date('2026-06-01T12:00:00.000Z'));
  expect(id).toMatch(/^fullReload-shop.orders_shop.order_lines-20260601T120000-[0-9a-z]{4}$/);
});
