import type { CdcAfterReloadCheck } from '../../domain/cdcAfterReload';
import {
  finalizedMessage,
  finalizeGateNote,
  FullReloadReport,
  keptInQuarantineMessage,
  movedFiles,
  planFinalize,
  TableVerification,
} from '../../domain/fullReloadReport';
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
