import type { RunbookInputs } from '../../client/runbooks';
import { captureHistory } from '../support/histories';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { refusedRun } from '../support/refusedRuns';
import { listObjects, s3 } from '../support/s3Parquet';
import { requireEnv } from '../support/stackEnv';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * Malformed inputs for every runbook, each refused with a message that names the field, and nothing changed: no
 * mutating DMS call (the emulator's counters) and the same S3 inventory of the whole bucket before and after.
 * `schema` rows are refused by the input schema before any activity runs; `config` rows pass the schema and are
 * refused once the pipeline configuration (or a read-only fact) shows the value is unknown.
 */

type Stage = 'schema' | 'config';
type Row = [kind: keyof RunbookInputs, what: string, input: unknown, expected: string[], stage: Stage];

const long = (n: number) => 'x'.repeat(n);
const reload = { tables: ['shop.orders'], reason: 'ENUM reorder' };
const resize = { instance: 'shop-repl-1', targetClass: 'dms.r5.xlarge' };
const composite = { instance: 'shop-repl-1', fullLoadClass: 'dms.r5.4xlarge', cdcClass: 'dms.r5.large' };
const backfill = { table: 'shop.orders', from: '20260605', to: '20260607', dateColumn: 'created_at' };

const rows: Row[] = [
  // checkSourceReadiness
  ['checkSourceReadiness', 'wrong type', { source: 42 }, ['source: Invalid input: expected string'], 'schema'],
  ['checkSourceReadiness', 'SQL-looking name', { source: "shop'; DROP TABLE x; --" }, ['source: must be the name of a source'], 'schema'],
  ['checkSourceReadiness', 'oversized string', { source: long(5000) }, ['source: must be the name of a source'], 'schema'],
  [
    'checkSourceReadiness',
    'SQL-looking RDS identifier',
    { source: 'shop', dbInstanceIdentifier: "db' OR '1'='1" },
    ['dbInstanceIdentifier: must be an RDS DB instance identifier'],
    'schema',
  ],
  ['checkSourceReadiness', 'unknown field', { source: 'shop', host: 'evil.example' }, ['Unrecognized key: "host"'], 'schema'],
  ['checkSourceReadiness', 'missing field', {}, ['source: Invalid input: expected string, received undefined'], 'schema'],
  [
    'checkSourceReadiness',
    'unknown source',
    { source: 'billing' },
    ['source: "billing" is not in the pipeline configuration (known: shop)'],
    'config',
  ],

  // onboardTable
  ['onboardTable', 'SQL-looking table', { table: 'shop.orders; DROP TABLE shop.orders' }, ['table: must be schema.table'], 'schema'],
  ['onboardTable', 'SQL-looking quote', { table: "shop.orders' OR '1'='1" }, ['table: must be schema.table'], 'schema'],
  ['onboardTable', 'wrong type', { table: 42 }, ['table: Invalid input: expected string'], 'schema'],
  ['onboardTable', 'oversized table name', { table: `shop.${long(200)}` }, ['table: is longer than a MySQL schema.table name'], 'schema'],
  ['onboardTable', 'wrong type of flag', { table: 'shop.orders', dryRun: 'yes' }, ['dryRun: Invalid input: expected boolean'], 'schema'],
  [
    'onboardTable',
    'SQL-looking group',
    { table: 'shop.orders', taskGroup: "core'; --" },
    ['taskGroup: must be a task group name'],
    'schema',
  ],
  ['onboardTable', 'oversized requestedBy', { table: 'shop.orders', requestedBy: long(129) }, ['requestedBy: Too big'], 'schema'],
  ['onboardTable', 'unknown field', { table: 'shop.orders', extra: 1 }, ['Unrecognized key: "extra"'], 'schema'],
  ['onboardTable', 'missing field', {}, ['table: Invalid input: expected string, received undefined'], 'schema'],
  [
    'onboardTable',
    'unknown schema',
    { table: 'billing.orders' },
    ['table: schema "billing" of billing.orders belongs to no configured source'],
    'config',
  ],
  ['onboardTable', 'unknown table', { table: 'shop.no_such_table' }, ['table shop.no_such_table does not exist on source shop'], 'config'],

  // fullReload
  ['fullReload', 'wrong type', { ...reload, tables: 'shop.orders' }, ['tables: Invalid input: expected array'], 'schema'],
  ['fullReload', 'no table', { ...reload, tables: [] }, ['tables: name at least one table'], 'schema'],
  [
    'fullReload',
    'SQL-looking table',
    { ...reload, tables: ['shop.orders; DROP TABLE shop.orders'] },
    ['tables.0: must be schema.table'],
    'schema',
  ],
  ['fullReload', 'a table twice', { ...reload, tables: ['shop.orders', 'shop.orders'] }, ['tables: lists a table twice'], 'schema'],
  ['fullReload', 'oversized reason', { ...reload, reason: long(2001) }, ['reason: Too big'], 'schema'],
  ['fullReload', 'blank reason', { ...reload, reason: '  ' }, ['reason: say why the tables are reloaded'], 'schema'],
  ['fullReload', 'unknown mode', { ...reload, mode: 'everything' }, ['mode: Invalid option'], 'schema'],
  ['fullReload', 'unknown field', { ...reload, force: true }, ['Unrecognized key: "force"'], 'schema'],
  ['fullReload', 'missing field', { tables: ['shop.orders'] }, ['reason: Invalid input: expected string, received undefined'], 'schema'],
  [
    'fullReload',
    'unknown schema',
    { ...reload, tables: ['billing.orders'] },
    ['tables: schema "billing" of billing.orders belongs to no configured source'],
    'config',
  ],
  [
    'fullReload',
    'unknown table',
    { ...reload, tables: ['shop.no_such_table'] },
    ['shop.no_such_table is not replicated by any task of the configured task groups'],
    'config',
  ],

  // resizeInstance
  ['resizeInstance', 'malformed class', { ...resize, targetClass: 'r5.large' }, ['targetClass: must be a DMS instance class'], 'schema'],
  [
    'resizeInstance',
    'SQL-looking instance',
    { ...resize, instance: 'shop-repl-1; rm -rf /' },
    ['instance: must be a DMS replication instance identifier'],
    'schema',
  ],
  [
    'resizeInstance',
    'oversized instance',
    { ...resize, instance: `a${long(300)}` },
    ['instance: must be a DMS replication instance identifier'],
    'schema',
  ],
  [
    'resizeInstance',
    'wrong type',
    { ...resize, allocatedStorageGb: '100' },
    ['allocatedStorageGb: Invalid input: expected number'],
    'schema',
  ],
  ['resizeInstance', 'storage out of range', { ...resize, allocatedStorageGb: 2 }, ['allocatedStorageGb: Too small'], 'schema'],
  ['resizeInstance', 'unknown field', { ...resize, multiAz: true }, ['Unrecognized key: "multiAz"'], 'schema'],
  [
    'resizeInstance',
    'missing field',
    { instance: 'shop-repl-1' },
    ['targetClass: Invalid input: expected string, received undefined'],
    'schema',
  ],
  [
    'resizeInstance',
    'composite: same classes',
    { ...composite, cdcClass: 'dms.r5.4xlarge', during: { kind: 'onboardTable', input: { table: 'shop.x' } } },
    ['cdcClass: must differ from fullLoadClass'],
    'schema',
  ],
  [
    'resizeInstance',
    'composite: unknown child',
    { ...composite, during: { kind: 'dropTable', input: {} } },
    ['during.kind: Invalid option'],
    'schema',
  ],
  [
    'resizeInstance',
    'unknown instance',
    { ...resize, instance: 'shop-repl-9' },
    ['instance: shop-repl-9 is not in dms.replicationInstances'],
    'config',
  ],
  [
    'resizeInstance',
    'unknown instance class',
    { ...resize, targetClass: 'dms.r5.99xlarge' },
    ['class dms.r5.99xlarge is not allowed for replication instance shop-repl-1'],
    'config',
  ],

  // backfillPartitions
  ['backfillPartitions', 'malformed date', { ...backfill, from: '2026-06-05' }, ['from: must be a date as YYYYMMDD'], 'schema'],
  ['backfillPartitions', 'wrong type', { ...backfill, from: 20260605 }, ['from: Invalid input: expected string'], 'schema'],
  ['backfillPartitions', 'not a calendar date', { ...backfill, to: '20260231' }, ['to: is not a calendar date'], 'schema'],
  ['backfillPartitions', 'reversed date range', { ...backfill, from: '20260608' }, ['to: must not be before from'], 'schema'],
  [
    'backfillPartitions',
    'SQL-looking column',
    { ...backfill, dateColumn: 'created_at; DROP TABLE x' },
    ['dateColumn: must be a MySQL column name'],
    'schema',
  ],
  ['backfillPartitions', 'oversized column', { ...backfill, dateColumn: long(65) }, ['dateColumn: must be a MySQL column name'], 'schema'],
  ['backfillPartitions', 'unknown field', { ...backfill, overwrite: true }, ['Unrecognized key: "overwrite"'], 'schema'],
  [
    'backfillPartitions',
    'missing field',
    { table: 'shop.orders', from: '20260605', to: '20260607' },
    ['dateColumn: Invalid input: expected string'],
    'schema',
  ],
  ['backfillPartitions', 'future day', { ...backfill, to: '20991231' }, ['to: 20991231 is not a past day'], 'config'],
  [
    'backfillPartitions',
    'range over the limit',
    { ...backfill, from: '20260101', to: '20260601' },
    ['to: 20260101–20260601 spans 152 days, more than thresholds.maxBackfillDays (93)'],
    'config',
  ],
  [
    'backfillPartitions',
    'unknown table',
    { ...backfill, table: 'shop.no_such_table' },
    ['table: shop.no_such_table does not exist'],
    'config',
  ],

  // schemaDriftWatch
  ['schemaDriftWatch', 'leading slash', { snapshotPrefix: '/snapshots' }, ['snapshotPrefix: must be an S3 key prefix'], 'schema'],
  ['schemaDriftWatch', 'oversized prefix', { snapshotPrefix: long(1200) }, ['snapshotPrefix: Too big'], 'schema'],
  ['schemaDriftWatch', 'wrong type', { startReloads: 'yes' }, ['startReloads: Invalid input: expected boolean'], 'schema'],
  ['schemaDriftWatch', 'unknown field', { dryrun: true }, ['Unrecognized key: "dryrun"'], 'schema'],

  // pipelineDoctor
  ['pipelineDoctor', 'unknown check', { checks: ['nope'] }, ['checks.0: Invalid option'], 'schema'],
  ['pipelineDoctor', 'wrong type', { checks: 'taskHealth' }, ['checks: Invalid input: expected array'], 'schema'],
  ['pipelineDoctor', 'SQL-looking group', { taskGroups: ["core'; DROP TABLE x"] }, ['taskGroups.0: must be task group names'], 'schema'],
  ['pipelineDoctor', 'out of range', { footerConcurrency: 1000 }, ['footerConcurrency: Too big'], 'schema'],
  ['pipelineDoctor', 'unknown field', { fix: true }, ['Unrecognized key: "fix"'], 'schema'],
  [
    'pipelineDoctor',
    'unknown task group',
    { taskGroups: ['no-such-group'] },
    ['taskGroups: unknown group(s) no-such-group (known: core, events'],
    'config',
  ],
];

let tw: TestWorker;
const bucket = requireEnv('STACK_BUCKET');
const client = s3();
let inventoryBefore: Array<{ key: string; size: number }>;

beforeAll(async () => {
  tw = await startTestWorker();
  inventoryBefore = await listObjects(client, bucket, '');
});

afterAll(async () => {
  await tw?.stop();
  client.destroy();
});

describe('bad inputs for every runbook', () => {
  test('the table covers every runbook', () => {
    expect(new Set(rows.map(([kind]) => kind)).size).toBe(7);
  });

  test.each(rows)('%s, %s: refused, naming the field, nothing changed', async (kind, _what, input, expected, stage) => {
    await resetDmsCalls();
    const { handle, message, activities } = await refusedRun(tw.client, tw.taskQueue, kind, input);
    if (stage === 'schema') {
      expect(message).toContain(`invalid ${kind} input: `);
      expect(activities).toEqual([]);
    } else {
      expect(activities[0]).toBe('loadPipelineConfig');
    }
    for (const text of expected) expect(message).toContain(text);
    expect(await mutatingCalls()).toEqual({});
    if (kind === 'pipelineDoctor' && stage === 'config') await captureHistory(handle, 'pipelineDoctor', 'refused-unknown-task-group');
  });

  test('the bucket holds exactly the objects it held before', async () => {
    expect(await listObjects(client, bucket, '')).toEqual(inventoryBefore);
  });
});
