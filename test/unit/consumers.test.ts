import { ConfigError, parsePipelineConfig } from '../../domain/config';
import {
  describeHazard,
  loadFolder,
  loadKeyCollisions,
  loadKeysAtRisk,
  loadRowsHazard,
  noRebuildHazard,
  refusingHazards,
  sameKeysHazard,
} from '../../domain/consumerHazards';
import { completeMarker, MARKER_FORMAT, markerKey, newMarker, parseMarker } from '../../domain/consumerMarkers';
import { ConsumerConfig, consumersByTable, consumersOf } from '../../domain/consumers';
import { quarantineLayout } from '../../domain/quarantineLayout';
import { toTableName } from '../../domain/tableName';
import { testConfig } from '../support/testConfig';

const databricks = {
  kind: 'databricksJob',
  name: 'lake-core',
  taskGroups: ['core'],
  host: 'https://dbc-1234.cloud.databricks.com',
  token: { env: 'DATABRICKS_TOKEN' },
  ingestionJobId: 11,
  rebuildJobId: 12,
};
const webhook = { kind: 'webhook', name: 'warehouse', tables: ['shop.page_%'], url: 'https://hooks.example.com/dms' };

function configWith(consumers: unknown[]) {
  const base = testConfig() as unknown as Record<string, unknown>;
  return parsePipelineConfig({ ...base, consumers });
}

function refusal(consumers: unknown[]): string {
  try {
    configWith(consumers);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('consumers in the configuration', () => {
  test('a Databricks job and a webhook consumer parse with their defaults', () => {
    const config = configWith([databricks, webhook]);
    expect(config.consumers.map((c) => c.kind)).toEqual(['databricksJob', 'webhook']);
    expect(config.consumers[0]!.pollSeconds).toBe(15);
    expect(config.consumers[1]!.parameters).toEqual({});
  });

  test('no consumers by default: the runbooks act as before', () => {
    expect(testConfig().consumers.filter((c) => c.tables.some((t) => !t.startsWith('shop.lake_demo')))).toEqual([]);
  });

  test('a field error names the consumer and what to fix', () => {
    const message = refusal([{ ...databricks, ingestionJobId: 'nightly' }]);
    expect(message).toContain('consumers.0.ingestionJobId (consumer "lake-core")');
    expect(message).toContain('numeric job id');
  });

  test('a token given as a value is refused with the forms it may take', () => {
    expect(refusal([{ ...databricks, token: 'dapi123' }])).toMatch(/consumer "lake-core".*\{ env: VARIABLE_NAME \}/s);
  });

  test('unknown task group, no tables, duplicate names, reserved parameters, the rebuild job being the ingestion job', () => {
    const message = refusal([
      { ...databricks, taskGroups: ['nope'], rebuildJobId: 11, parameters: { table: 'x' } },
      { ...webhook, name: 'lake-core', tables: [] },
    ]);
    expect(message).toContain('consumer "lake-core": unknown task group "nope" (known: core, events, marketing)');
    expect(message).toContain('the rebuild job must not be the ingestion job (11)');
    expect(message).toContain('"table" is set by the runbook on every rebuild');
    expect(message).toContain('duplicate consumer name');
    expect(message).toContain('reads no table: add taskGroups');
  });

  test('a workspace URL with a path or over http is refused', () => {
    expect(refusal([{ ...databricks, host: 'https://dbc-1.cloud.databricks.com/api/2.1' }])).toContain('without a path');
    expect(refusal([{ ...databricks, host: 'http://dbc-1.cloud.databricks.com' }])).toContain('must be https://');
    expect(configWith([{ ...databricks, host: 'http://127.0.0.1:8080' }]).consumers).toHaveLength(1);
  });
});

describe('which consumers read a table', () => {
  const consumers: ConsumerConfig[] = configWith([databricks, webhook]).consumers;

  test('by task group, and by table pattern', () => {
    expect(consumersOf(consumers, { table: toTableName('shop.orders'), taskGroup: 'core' }).map((c) => c.name)).toEqual(['lake-core']);
    expect(consumersOf(consumers, { table: toTableName('shop.page_views'), taskGroup: 'events' }).map((c) => c.name)).toEqual([
      'warehouse',
    ]);
    expect(consumersOf(consumers, { table: toTableName('shop.orders') })).toEqual([]);
    expect(consumersOf(consumers, { table: toTableName('shop.newsletter_signups'), taskGroup: 'marketing' })).toEqual([]);
  });

  test('each consumer with the tables it reads', () => {
    const byConsumer = consumersByTable(consumers, [
      { table: toTableName('shop.orders'), taskGroup: 'core' },
      { table: toTableName('shop.page_views'), taskGroup: 'events' },
      { table: toTableName('shop.reviews'), taskGroup: 'core' },
    ]);
    expect(byConsumer.map((c) => [c.consumer.name, c.tables])).toEqual([
      ['lake-core', ['shop.orders', 'shop.reviews']],
      ['warehouse', ['shop.page_views']],
    ]);
  });
});

describe('rewrite markers', () => {
  const table = toTableName('shop.orders');
  const layout = quarantineLayout('fullReload-shop.orders-1', 'dms', table);

  test('live at the bucket root, never under the folder the consumer reads', () => {
    const key = markerKey('fullReload-shop.orders-1', table);
    expect(key).toBe('_runbooks/rewrite-markers/fullReload-shop.orders-1/shop.orders.json');
    expect(key.startsWith('dms/')).toBe(false);
  });

  test('started before the first change, completed after, and read back', () => {
    const started = newMarker({
      table,
      bucket: 'lake',
      tablePrefix: layout.tablePrefix,
      runbook: { kind: 'fullReload', workflowId: 'w', runId: 'r' },
      at: '2026-12-01T00:00:00.000Z',
      moves: [{ from: layout.tablePrefix, to: layout.quarantinePrefix }],
      collisions: ['dms/shop/orders/20261201/LOAD00000001.parquet'],
      snapshot: { kind: 'full-load', loadStartedAfter: '2026-12-01T00:00:00.000Z' },
      consumers: ['lake-core'],
    });
    expect(started).toMatchObject({
      format: MARKER_FORMAT,
      state: 'started',
      table: 'shop.orders',
      keys: { collisions: [expect.any(String)] },
    });
    const done = completeMarker(started, {
      state: 'finalized',
      at: '2026-12-01T01:00:00.000Z',
      written: ['dms/shop/orders/20261201/LOAD00000001.parquet'],
      note: 'quarantine deleted',
    });
    expect(done.state).toBe('finalized');
    expect(done.keys.written).toHaveLength(1);
    expect(done.createdAt).toBe(started.createdAt);
    expect(parseMarker(JSON.parse(JSON.stringify(done)))).toEqual({ ok: true, marker: done });
    expect(parseMarker({ ...done, format: 'x' })).toEqual({
      ok: false,
      reason: expect.stringContaining('expected "dms-runbooks/rewrite-marker@1"'),
    });
  });
});

describe('hazards at plan time', () => {
  const prefix = 'dms/shop/orders/';

  test('the folder a load writes to today, with and without date partitions', () => {
    const now = new Date('2026-12-01T23:59:00Z');
    expect(loadFolder(prefix, true, now)).toBe('dms/shop/orders/20261201/');
    expect(loadFolder(prefix, false, now)).toBe(prefix);
  });

  test('same-day LOAD keys are collisions; CDC files, other days and deeper folders are not', () => {
    const keys = [
      'dms/shop/orders/20261201/LOAD00000001.parquet',
      'dms/shop/orders/20261201/LOAD0000000A.parquet',
      'dms/shop/orders/20261201/20261201-101010123.parquet',
      'dms/shop/orders/20261130/LOAD00000001.parquet',
    ];
    const collisions = loadKeyCollisions(keys, 'dms/shop/orders/20261201/');
    expect(collisions).toEqual(['dms/shop/orders/20261201/LOAD00000001.parquet', 'dms/shop/orders/20261201/LOAD0000000A.parquet']);
    const hazard = sameKeysHazard('shop.orders', collisions)!;
    expect(describeHazard(hazard)).toMatch(/processed exactly once.*Remedy: the rebuild re-reads/s);
    expect(sameKeysHazard('shop.orders', [])).toBeUndefined();
  });

  test('keys at risk: LOAD files of today or a later day folder (a writer clock ahead), or directly under the prefix', () => {
    const keys = [
      'dms/shop/orders/20261130/LOAD00000001.parquet',
      'dms/shop/orders/20261201/LOAD00000001.parquet',
      'dms/shop/orders/20261203/LOAD00000002.parquet',
      'dms/shop/orders/20261203/20261203-101010123.parquet',
      'dms/shop/orders/LOAD00000003.parquet',
    ];
    expect(loadKeysAtRisk(keys, prefix, new Date('2026-12-01T10:00:00Z'))).toEqual([
      'dms/shop/orders/20261201/LOAD00000001.parquet',
      'dms/shop/orders/20261203/LOAD00000002.parquet',
      'dms/shop/orders/LOAD00000003.parquet',
    ]);
  });

  test('LOAD rows without a change sequence: the rebuild takes them as the baseline', () => {
    expect(loadRowsHazard('shop.orders').remedy).toContain('snapshot baseline');
  });

  test('a Databricks consumer without a rebuild job refuses the rewrite', () => {
    const consumer = configWith([{ ...databricks, rebuildJobId: undefined }]).consumers[0]!;
    const hazard = noRebuildHazard('shop.orders', consumer)!;
    expect(refusingHazards([hazard, loadRowsHazard('shop.orders')])).toEqual([hazard]);
    expect(hazard.remedy).toContain('rebuildJobId');
  });
});
