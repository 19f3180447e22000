import type { CdcAfterReloadCheck } from '../../domain/cdcAfterReload';
import {
  finalizedMessage,
  finalizeGateNote,
  FullReloadReport,
  keptInQuarantineMessage,
  movedFiles,
  planFinalize,
  rolledBackMessage,
  rolledBackNote,
  TableVerification,
} from '../../domain/fullReloadReport';
import { formatTableName } from '../../domain/tableName';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { describeComparison } from '../../domain/verification';

/** The words fullReload shows at its finalize gate and after a failure: what an approver decides from. */
const workflowId = 'fullReload-shop.orders-1';
const layout = quarantineLayout(workflowId, 'lake', { schema: 'shop', table: 'orders' });
const quarantined = [
  movedFiles('shop.orders', layout.tablePrefix, layout.quarantinePrefix, { objects: 3, bytes: 3072, manifestKey: 'm.json' }),
];

const verified = (matches: boolean): TableVerification => ({
  table: 'shop.orders',
  sourceRows: 10,
  dmsFullLoadRows: 10,
  parquetLoadRows: matches ? 10 : 9,
  parquetLoadFiles: 1,
  fileRows: 10,
  comparison: {
    table: 'shop.orders',
    matches,
    checked: ['rows'],
    findings: matches ? [] : [{ check: 'rows', detail: 'source 10, files 9' }],
  },
  matches,
});
const cdc = (verdict: CdcAfterReloadCheck['verdict']): CdcAfterReloadCheck => ({
  table: 'shop.orders',
  verdict,
  cdcFiles: 1,
  compared: 4,
  mismatches: 0,
  minRows: 10,
  samples: [],
  detail: `${verdict} detail`,
});

test('movedFiles keeps what one move reports, with its manifest', () => {
  expect(quarantined[0]).toEqual({
    table: 'shop.orders',
    from: 'lake/shop/orders/',
    to: `_quarantine/${workflowId}/lake/shop/orders/`,
    objects: 3,
    bytes: 3072,
    manifest: 'm.json',
  });
});

test('the finalize plan recommends rejecting a failed verification, and lists the rollback per table', () => {
  const plan = planFinalize(workflowId, 'lake-bucket', quarantined, [verified(false)], [layout], [cdc('matches')]);
  expect(plan.summary).toMatch(/^verification FAILED for shop.orders: reject to roll back \(recommended\)/);
  expect(plan.calls.map((c) => `${c.operation} ${JSON.stringify(c.params)}`)).toEqual([
    `DeleteQuarantine {"prefix":"_quarantine/${workflowId}/"}`,
    `MoveReloadedFilesAside {"from":"lake/shop/orders/","to":"_quarantine/${workflowId}/_rolled-back/lake/shop/orders/"}`,
    `RestoreQuarantinedFiles {"from":"_quarantine/${workflowId}/lake/shop/orders/","to":"lake/shop/orders/"}`,
  ]);
  expect(plan.warnings).toEqual([describeComparison(verified(false).comparison)]);
  expect(plan.details.quarantineRoot).toBe(`s3://lake-bucket/_quarantine/${workflowId}/`);
});

test('CDC too thin to judge is said at the gate, not passed over', () => {
  const note = finalizeGateNote([verified(true)], [cdc('not-enough-cdc')]);
  expect(note).toContain('NOT ENOUGH TO JUDGE for shop.orders (not-enough-cdc detail)');
  expect(note).toContain('Verification passed for 1 table(s).');
  const plan = planFinalize(workflowId, 'b', quarantined, [verified(true)], [layout], [cdc('not-enough-cdc')]);
  expect(plan.summary).toMatch(/cannot be judged yet for shop.orders/);
});

test('the final message says what the approver kept', () => {
  const report = { reloaded: ['shop.orders'], verified: false } as FullReloadReport;
  expect(finalizedMessage(report, [verified(false)], [], '3 objects')).toBe(
    'shop.orders reloaded (verification FAILED, kept by the approver); quarantine deleted (3 objects)',
  );
  expect(finalizedMessage({ ...report, verified: true }, [verified(true)], [cdc('matches')], '3 objects')).toBe(
    'shop.orders reloaded and verified; quarantine deleted (3 objects)',
  );
});

test('a failure after the quarantine says where the old files are and how to put them back', () => {
  const message = keptInQuarantineMessage('task failed', 'lake-bucket', `_quarantine/${workflowId}/`, [layout]);
  expect(message).toMatch(
    /^task failed\. The files from before the reload are kept in the quarantine at s3:\/\/lake-bucket\/_quarantine\//,
  );
  expect(message).toContain('docs/runbooks/fullReload.md#rolling-back');
  expect(message).toContain(
    `aws s3 mv --recursive s3://lake-bucket/lake/shop/orders/ s3://lake-bucket/_quarantine/${workflowId}/_rolled-back/lake/shop/orders/ && aws s3 mv --recursive s3://lake-bucket/_quarantine/${workflowId}/lake/shop/orders/ s3://lake-bucket/lake/shop/orders/`,
  );
});

test('the finalize plan of 2,000 tables says each thing once, failures first, and stays small', () => {
  const names = Array.from({ length: 2000 }, (_, i) => `t${String(i).padStart(5, '0')}`);
  const layouts = names.map((table) => quarantineLayout(workflowId, 'lake', { schema: 'shop', table }));
  const moved = layouts.map((l, i) =>
    movedFiles(`shop.${names[i]}`, l.tablePrefix, l.quarantinePrefix, { objects: 2, bytes: 2048, manifestKey: `m${i}.json` }),
  );
  // Two tables fail, far down the list; every other verifies.
  const verification = names.map((t, i) => {
    const v = verified(i !== 1500 && i !== 1700);
    return { ...v, table: `shop.${t}`, comparison: { ...v.comparison, table: `shop.${t}` } };
  });
  const checks = names.map((t) => ({ ...cdc('matches'), table: `shop.${t}` }));

  const plan = planFinalize(workflowId, 'lake-bucket', moved, verification, layouts, checks, true);
  expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(32 * 1024);
  expect(plan.summary).toMatch(/^verification FAILED for 2 of 2000 tables \(shop.t01500, shop.t01700\): reject to roll back/);
  expect(plan.calls.map((c) => `${c.operation} ${JSON.stringify(c.params)}`)).toEqual([
    `DeleteQuarantine {"prefix":"_quarantine/${workflowId}/"}`,
    `MoveReloadedFilesAside {"tables":2000,"from":"lake/<schema>/<table>/","to":"_quarantine/${workflowId}/_rolled-back/lake/<schema>/<table>/"}`,
    `RestoreQuarantinedFiles {"tables":2000,"from":"_quarantine/${workflowId}/lake/<schema>/<table>/","to":"lake/<schema>/<table>/"}`,
  ]);
  expect(plan.prefixes).toEqual([
    { prefix: `_quarantine/${workflowId}/`, action: 'delete', objects: 4000, bytes: 4000 * 1024 },
    { prefix: `_quarantine/${workflowId}/lake/<schema>/<table>/`, action: 'restore', objects: 4000, bytes: 4000 * 1024 },
  ]);
  const details = plan.details as { verified: number; failed: number; verification: TableVerification[] };
  expect([details.verified, details.failed]).toEqual([1998, 2]);
  expect(details.verification.slice(0, 3).map((v) => v.table)).toEqual(['shop.t01500', 'shop.t01700', 'shop.t00000']);
  expect(details.verification).toHaveLength(20);
  expect(plan.warnings).toHaveLength(2);

  // The note beside the gate names the failures, and a passed verification of thousands names ten tables and a count.
  expect(finalizeGateNote(verification, checks)).toMatch(/^Verification FAILED: shop.t01500: .* \|\| shop.t01700: /);
  const passed = verification.map((v) => ({ ...v, matches: true }));
  const note = finalizeGateNote(passed, checks);
  expect(note).toContain('Verification passed for 2000 table(s).');
  expect(note).toContain('shop.t00009 4 changed rows and 1990 more.');
  expect(note.length).toBeLessThan(1000);
});

test('a rollback or a failure over thousands of tables is said with counts and one command pattern', () => {
  const layouts = Array.from({ length: 500 }, (_, i) => quarantineLayout(workflowId, 'lake', { schema: 'shop', table: `t${i}` }));
  const message = keptInQuarantineMessage('the reload failed', 'b', `_quarantine/${workflowId}/`, layouts);
  expect(message).toContain(`for each of the 500 tables (the manifests under s3://b/_quarantine/${workflowId}/_manifests/ name them):`);
  expect(message).toContain(
    `aws s3 mv --recursive s3://b/lake/<schema>/<table>/ s3://b/_quarantine/${workflowId}/_rolled-back/lake/<schema>/<table>/`,
  );
  expect(message.length).toBeLessThan(2000);
  const rolledBack = layouts.map((l) => ({
    table: formatTableName(l.table),
    removed: movedFiles(formatTableName(l.table), l.tablePrefix, l.rolledBackPrefix, { objects: 1, bytes: 10, manifestKey: 'r' }),
    restored: movedFiles(formatTableName(l.table), l.quarantinePrefix, l.tablePrefix, { objects: 2, bytes: 20, manifestKey: 'q' }),
    restoredAsQuarantined: true,
  }));
  const rolled = rolledBackMessage(rolledBack, 'b');
  expect(rolled).toMatch(
    /^rolled back 500 tables \(shop.t0, .* and 490 more\): removed 500 reloaded files .* restored 1000 quarantined files/,
  );
  expect(rolled).toContain(`moved under s3://b/_quarantine/${workflowId}/_rolled-back/`);
  expect(rolledBackNote(rolledBack).length).toBeLessThan(1000);
});
