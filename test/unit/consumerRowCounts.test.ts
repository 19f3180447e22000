import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JobsApi } from '../../activities/consumerApis';
import { databricksJobConsumerSchema, lakeTableName } from '../../domain/consumers';
import { rowCountFinding } from '../../domain/doctor/consumerHealth';

/**
 * pipelineDoctor's row counts in the lake: the configuration, the SQL Statement Execution API 2.0 exchange (inline
 * answer, or PENDING then polled by statement id), and the finding beyond the tolerance.
 */

const consumer = (host: string, extra: Record<string, unknown> = {}) =>
  databricksJobConsumerSchema.parse({
    kind: 'databricksJob',
    name: 'lake',
    taskGroups: ['core'],
    host,
    token: { env: 'DATABRICKS_TOKEN' },
    ingestionJobId: 1,
    rowCounts: { warehouseId: 'wh-1', table: 'main.silver.{schema}__{table}' },
    ...extra,
  });

test('rowCounts: the table template names the lake table; a template without {table} or a bad warehouse id is refused', () => {
  expect(lakeTableName('main.silver.{schema}__{table}', { schema: 'shop', table: 'orders' })).toBe('main.silver.shop__orders');
  expect(() => consumer('http://127.0.0.1:1', { rowCounts: { warehouseId: 'wh-1', table: 'main.silver.orders' } })).toThrow(
    'must contain {table}',
  );
  expect(() => consumer('http://127.0.0.1:1', { rowCounts: { warehouseId: 'wh 1; DROP', table: '{table}' } })).toThrow(
    'must be a SQL warehouse id',
  );
});

describe('JobsApi.countRows', () => {
  let server: http.Server;
  let host: string;
  const requests: Array<{ method: string; url: string; body: Record<string, unknown> }> = [];
  let polls = 0;
  let outcome: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED';

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, body: raw ? (JSON.parse(raw) as Record<string, unknown>) : {} });
        res.writeHead(200, { 'content-type': 'application/json' });
        if (req.method === 'POST') return res.end(JSON.stringify({ statement_id: 's-1', status: { state: 'PENDING' } }));
        polls++;
        if (polls < 2) return res.end(JSON.stringify({ statement_id: 's-1', status: { state: 'RUNNING' } }));
        res.end(
          JSON.stringify(
            outcome === 'SUCCEEDED'
              ? { statement_id: 's-1', status: { state: 'SUCCEEDED' }, result: { data_array: [['4242']] } }
              : { statement_id: 's-1', status: { state: 'FAILED', error: { message: 'TABLE_OR_VIEW_NOT_FOUND' } } },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('posts the COUNT(*) to the warehouse, polls a pending statement by id, answers the number', async () => {
    const api = new JobsApi(consumer(host), 'token');
    expect(await api.countRows('wh-1', 'main.silver.shop__orders', 5)).toBe(4242);
    expect(requests[0]).toMatchObject({
      method: 'POST',
      url: '/api/2.0/sql/statements',
      body: { warehouse_id: 'wh-1', statement: 'SELECT COUNT(*) AS n FROM main.silver.shop__orders', format: 'JSON_ARRAY' },
    });
    expect(requests.slice(1).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /api/2.0/sql/statements/s-1',
      'GET /api/2.0/sql/statements/s-1',
    ]);
  });

  test('a failed statement names the table, the warehouse and the error', async () => {
    polls = 0;
    outcome = 'FAILED';
    await expect(new JobsApi(consumer(host), 'token').countRows('wh-1', 'main.silver.shop__gone', 5)).rejects.toThrow(
      'COUNT(*) of main.silver.shop__gone on warehouse wh-1: FAILED: TABLE_OR_VIEW_NOT_FOUND',
    );
  });
});

test('a count beyond the tolerance is a finding, within it none; an empty source with rows in the lake is 100% off', () => {
  expect(rowCountFinding('lake', 'shop.orders', 1005, 1000, 1)).toBeUndefined();
  expect(rowCountFinding('lake', 'shop.orders', 1020, 1000, 1)!.title).toBe(
    'consumer "lake" holds 1020 rows of shop.orders, the source 1000 (2% off, tolerance 1%)',
  );
  expect(rowCountFinding('lake', 'shop.orders', 3, 0, 1)!.evidence).toMatchObject({ percentOff: 100 });
});
