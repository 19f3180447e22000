import { CopyObjectCommand } from '@aws-sdk/client-s3';
import { uniqueId } from '../support/dmsEmulatorClient';
import {
  ensureLake,
  getRun,
  LAKE_INGEST_JOB_ID,
  LAKE_REBUILD_JOB_ID,
  type LakeEndpoint,
  lakeCall,
  leaveLakeIdle,
  resetLake,
  runNow,
  setIngestPaused,
  waitForRun,
} from '../support/lake';
import { listObjects, s3 } from '../support/s3Parquet';
import { loadStackEnv, requireEnv } from '../support/stackEnv';

jest.setTimeout(400000);

/**
 * The lake's stand-in for the Databricks Jobs API 2.1 (sandbox/lake/README.md): authentication, error bodies, job
 * settings and pause status, run-now, runs/get, runs/list, runs/cancel, and the schedule that starts runs while UNPAUSED.
 */

let lake: LakeEndpoint;
// A prefix of the test's own holding one seeded DMS file: a first ingest takes seconds, later ones find nothing new.
let source: string;

interface RunsList {
  has_more: boolean;
  runs?: { run_id: number; trigger: string; state: { life_cycle_state: string } }[];
}

const raw = (route: string, init: RequestInit = {}) => fetch(`${lake.host}${route}`, init);
const authed = (route: string, init: RequestInit = {}) =>
  raw(route, { ...init, headers: { Authorization: `Bearer ${lake.token}`, 'Content-Type': 'application/json', ...init.headers } });
const runsOf = (jobId: number, activeOnly = false) =>
  lakeCall<RunsList>(`/api/2.1/jobs/runs/list?job_id=${jobId}${activeOnly ? '&active_only=true' : ''}`);

beforeAll(async () => {
  loadStackEnv();
  lake = await ensureLake();
  await resetLake();
  await setIngestPaused(true);
  const bucket = requireEnv('STACK_BUCKET');
  const folder = `tests/${uniqueId('lake-api')}`;
  source = `s3://${bucket}/${folder}`;
  const storage = s3();
  const [seeded] = (await listObjects(storage, bucket, 'dms/shop/products/')).filter((o) => o.key.endsWith('/LOAD00000001.parquet'));
  if (!seeded) throw new Error('no seeded dms/shop/products/*/LOAD00000001.parquet: is the stack up (npm run stack:up)?');
  // The table, and a staging folder beside it that `tables: *` must not take for a schema.
  for (const key of [`${folder}/shop/products/20260601/LOAD00000001.parquet`, `${folder}/_staging/products/LOAD00000001.parquet`]) {
    await storage.send(new CopyObjectCommand({ Bucket: bucket, CopySource: `${bucket}/${seeded.key}`, Key: key }));
  }
  storage.destroy();
  await lakeCall('/api/2.1/jobs/update', 'POST', {
    job_id: LAKE_INGEST_JOB_ID,
    new_settings: {
      parameters: [
        { name: 'source', default: source },
        { name: 'primary_keys', default: '' },
        { name: 'tables', default: '*' },
      ],
    },
  });
});

afterAll(async () => {
  await leaveLakeIdle();
});

describe('authentication and errors', () => {
  it('answers 401 without a token and 403 with a wrong one, in the Databricks error shape', async () => {
    const none = await raw(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error_code: 'UNAUTHENTICATED' });
    const wrong = await raw(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`, { headers: { Authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error_code: 'PERMISSION_DENIED', message: 'Invalid access token.' });
  });

  it('names the unknown job, the unknown run and the malformed body', async () => {
    const job = await authed('/api/2.1/jobs/get?job_id=99');
    expect(job.status).toBe(400);
    expect(await job.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Job 99 does not exist.' });
    const run = await authed('/api/2.1/jobs/runs/get?run_id=424242');
    expect(await run.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Run 424242 does not exist.' });
    const bad = await authed('/api/2.1/jobs/run-now', { method: 'POST', body: '{"job_id": 1,' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_code: 'MALFORMED_REQUEST' });
    const param = await authed('/api/2.1/jobs/run-now', {
      method: 'POST',
      body: JSON.stringify({ job_id: LAKE_REBUILD_JOB_ID, job_parameters: { tabel: 'shop.customers' } }),
    });
    expect(await param.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('tabel') });
  });
});

describe('jobs', () => {
  it('describes both jobs with their parameters, and the ingestion schedule with its pause status', async () => {
    const ingest = await lakeCall<{ job_id: number; settings: Record<string, any> }>(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`);
    expect(ingest.settings).toMatchObject({ name: 'lake-ingest', schedule: { pause_status: 'PAUSED' }, max_concurrent_runs: 1 });
    const rebuild = await lakeCall<{ settings: Record<string, any> }>(`/api/2.1/jobs/get?job_id=${LAKE_REBUILD_JOB_ID}`);
    expect(rebuild.settings.name).toBe('lake-rebuild');
    expect(rebuild.settings.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['table', 'marker']));
    expect(rebuild.settings.schedule).toBeUndefined();
  });

  it('refuses a second trigger kind on the same job', async () => {
    const response = await authed('/api/2.1/jobs/update', {
      method: 'POST',
      body: JSON.stringify({ job_id: LAKE_INGEST_JOB_ID, new_settings: { continuous: { pause_status: 'PAUSED' } } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain('schedule and continuous');
  });

  it('refuses a schedule without its cron expression and time zone (the whole object is replaced)', async () => {
    const response = await authed('/api/2.1/jobs/update', {
      method: 'POST',
      body: JSON.stringify({ job_id: LAKE_INGEST_JOB_ID, new_settings: { schedule: { pause_status: 'UNPAUSED' } } }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: expect.stringContaining('quartz_cron_expression'),
    });
    const job = await lakeCall<{ settings: { schedule: { pause_status: string } } }>(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`);
    expect(job.settings.schedule.pause_status).toBe('PAUSED');
  });

  it('starts PERIODIC runs while the schedule is UNPAUSED and none after it is PAUSED', async () => {
    await setIngestPaused(false);
    const list = await (async () => {
      const deadline = Date.now() + 60000;
      for (;;) {
        const runs = await runsOf(LAKE_INGEST_JOB_ID);
        if (runs.runs?.some((r) => r.trigger === 'PERIODIC')) return runs;
        if (Date.now() > deadline) throw new Error(`no PERIODIC run within 60 s: ${JSON.stringify(runs)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    })();
    await setIngestPaused(true);
    // Pausing leaves an active run to finish; afterwards nothing new starts.
    for (const run of list.runs ?? []) await waitForRun(run.run_id);
    // Every `schema/table` folder under the source, the _staging one left out.
    const periodic = await getRun(list.runs!.find((r) => r.trigger === 'PERIODIC')!.run_id);
    expect(periodic).toMatchObject({
      state: { result_state: 'SUCCESS' },
      sandbox_output: { tables: [{ table: 'shop.products', files: 1 }] },
    });
    const settled = (await runsOf(LAKE_INGEST_JOB_ID)).runs ?? [];
    await new Promise((r) => setTimeout(r, 12000));
    expect((await runsOf(LAKE_INGEST_JOB_ID)).runs ?? []).toHaveLength(settled.length);
    expect(await runsOf(LAKE_INGEST_JOB_ID, true)).toEqual({ has_more: false });
  });
});

describe('runs', () => {
  it('runs a job now, queues a second run of it, lists the active ones and cancels the queued one', async () => {
    const first = await runNow(LAKE_INGEST_JOB_ID);
    const second = await runNow(LAKE_INGEST_JOB_ID);
    // max_concurrent_runs 1 with the queue enabled: the second waits for the first.
    expect((await getRun(second)).state).toMatchObject({ life_cycle_state: 'QUEUED', queue_reason: expect.any(String) });
    expect((await runsOf(LAKE_INGEST_JOB_ID, true)).runs?.map((r) => r.run_id)).toContain(second);
    await lakeCall('/api/2.1/jobs/runs/cancel', 'POST', { run_id: second });
    const cancelled = await getRun(second);
    expect(cancelled.state).toMatchObject({ life_cycle_state: 'TERMINATED', result_state: 'CANCELED', user_cancelled_or_timedout: true });
    expect(cancelled.status.termination_details).toMatchObject({ code: 'USER_CANCELED' });
    const done = await waitForRun(first);
    expect(done).toMatchObject({ job_id: LAKE_INGEST_JOB_ID, trigger: 'ONE_TIME', state: { result_state: 'SUCCESS' } });
    expect(done.status).toMatchObject({ state: 'TERMINATED', termination_details: { code: 'SUCCESS', type: 'SUCCESS' } });
    expect(await runsOf(LAKE_INGEST_JOB_ID, true)).toEqual({ has_more: false });
  });

  it('lists runs newest first, pages with limit and offset, and refuses a limit above 25', async () => {
    const all = (await runsOf(LAKE_INGEST_JOB_ID)).runs ?? [];
    expect(all.length).toBeGreaterThanOrEqual(2);
    expect(all.map((r) => r.run_id)).toEqual([...all.map((r) => r.run_id)].sort((a, b) => b - a));
    const page = await lakeCall<RunsList>(`/api/2.1/jobs/runs/list?job_id=${LAKE_INGEST_JOB_ID}&limit=1&offset=1`);
    expect(page).toMatchObject({ has_more: all.length > 2, runs: [{ run_id: all[1]!.run_id }] });
    const tooMany = await authed(`/api/2.1/jobs/runs/list?job_id=${LAKE_INGEST_JOB_ID}&limit=26`);
    expect(tooMany.status).toBe(400);
  });
});

describe('SQL statements: the one pipelineDoctor sends', () => {
  it('counts a silver table inline, keeps the statement for GET, and refuses other SQL and other warehouses', async () => {
    const silver = await lakeCall<{ count: number }>('/sandbox/silver?table=shop.products');
    expect(silver.count).toBeGreaterThan(0);
    const answer = await lakeCall<{ statement_id: string }>('/api/2.0/sql/statements', 'POST', {
      warehouse_id: 'sandbox-warehouse',
      statement: 'SELECT COUNT(*) AS n FROM silver.shop.products',
      wait_timeout: '30s',
    });
    expect(answer).toMatchObject({ status: { state: 'SUCCEEDED' }, result: { data_array: [[String(silver.count)]] } });
    expect(await lakeCall(`/api/2.0/sql/statements/${answer.statement_id}`)).toEqual(answer);
    const post = (body: unknown) => authed('/api/2.0/sql/statements', { method: 'POST', body: JSON.stringify(body) });
    const other = await post({ warehouse_id: 'sandbox-warehouse', statement: 'DELETE FROM silver.shop.products' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { message: string }).message).toContain('only SELECT COUNT(*)');
    const unknown = await post({ warehouse_id: 'w-nope', statement: 'SELECT COUNT(*) FROM silver.shop.products' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error_code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});
