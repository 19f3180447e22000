import { lakeComponent, lakeUrl, LAKE_TOKEN } from '../../sandbox/stack/lake';
import { stackSettings } from '../../sandbox/stack/settings';
import { readStackEnv, writeStackEnv } from '../../sandbox/stack/stackEnv';

/**
 * The lake reference consumer for the suites that need it (sandbox/lake/README.md): started once, on the stack's moto,
 * with its Databricks Jobs API stand-in at DATABRICKS_HOST. Read helpers use the sandbox-only /sandbox/ endpoints.
 */

export interface LakeEndpoint {
  /** DATABRICKS_HOST: the workspace URL the Jobs API 2.1 calls go to. */
  host: string;
  /** DATABRICKS_TOKEN: the bearer token it accepts. */
  token: string;
}

/** The ingestion job (bronze + silver, scheduled) and the rebuild job (parameters table, marker). */
export const LAKE_INGEST_JOB_ID = 1;
export const LAKE_REBUILD_JOB_ID = 2;

/**
 * Starts the lake if it is not running (first start: PyPI and Maven Central installs into .tools/, minutes; then
 * ~20-40 s of JVM start), sets DATABRICKS_HOST / DATABRICKS_TOKEN in process.env and in .stack/env, and returns them.
 */
export async function ensureLake(): Promise<LakeEndpoint> {
  const s = stackSettings();
  const lake = lakeComponent(s, (line) => console.log(`[lake] ${line}`));
  if (!(await lake.isUp())) await lake.start();
  const env = lake.env();
  Object.assign(process.env, env);
  try {
    writeStackEnv(s, { ...readStackEnv(s.stackDir), ...env });
  } catch {
    /* no .stack/env: the stack is not up; the caller's next step says so */
  }
  return { host: lakeUrl(s), token: LAKE_TOKEN };
}

function endpoint(): LakeEndpoint {
  return { host: process.env.DATABRICKS_HOST ?? lakeUrl(stackSettings()), token: process.env.DATABRICKS_TOKEN ?? LAKE_TOKEN };
}

/** One call to the lake (Jobs API or sandbox-only route); throws with the Databricks-shaped error body on a non-2xx. */
export async function lakeCall<T = Record<string, unknown>>(route: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
  const { host, token } = endpoint();
  const response = await fetch(`${host}${route}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`lake ${method} ${route}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Silver rows of schema.table (the lake's own columns and Op left out). */
export async function lakeSilver(table: string): Promise<Record<string, unknown>[]> {
  return (await lakeCall<{ rows: Record<string, unknown>[] }>(`/sandbox/silver?table=${encodeURIComponent(table)}`)).rows;
}

export interface BronzeSummary {
  table: string;
  rows: number;
  /** Each ingested file: s3a:// path, its S3 key, and how many rows bronze holds from it. */
  files: { path: string; key: string; rows: number }[];
}

export async function lakeBronze(table: string): Promise<BronzeSummary> {
  return lakeCall<BronzeSummary>(`/sandbox/bronze?table=${encodeURIComponent(table)}`);
}

export interface RebuildRecord {
  run_id: number;
  table: string;
  marker: string;
  files: number;
  rows: number;
  at: number;
}

export async function lakeRebuilds(): Promise<RebuildRecord[]> {
  return (await lakeCall<{ rebuilds: RebuildRecord[] }>('/sandbox/rebuilds')).rebuilds;
}

/** Cancels every run and forgets every table, run and job setting (the schedule back to its initial pause status). */
export async function resetLake(): Promise<void> {
  await lakeCall('/sandbox/reset', 'POST', {});
}

/**
 * What a suite leaves behind: the lake reset and its ingestion schedule paused. The lake keeps running for the
 * suites after it, and an unpaused schedule would ingest every table the other suites write, with Spark, on the
 * same two cores.
 */
export async function leaveLakeIdle(): Promise<void> {
  await resetLake();
  await setIngestPaused(true);
}

/** The next lake-rebuild run fails with this state_message (once). */
export async function failNextRebuild(message: string): Promise<void> {
  await lakeCall('/sandbox/fail-next-rebuild', 'POST', { message });
}

export interface LakeRun {
  run_id: number;
  job_id: number;
  state: { life_cycle_state: string; result_state?: string; state_message: string; user_cancelled_or_timedout: boolean };
  status: { state: string; termination_details?: { code: string; type: string; message: string } };
  trigger: string;
  /** Sandbox-only: what the run read, per table. */
  sandbox_output?: { tables: { table: string; files: number; rows: number }[] };
}

export async function runNow(jobId: number, jobParameters?: Record<string, string>): Promise<number> {
  return (await lakeCall<{ run_id: number }>('/api/2.1/jobs/run-now', 'POST', { job_id: jobId, job_parameters: jobParameters })).run_id;
}

export async function getRun(runId: number): Promise<LakeRun> {
  return lakeCall<LakeRun>(`/api/2.1/jobs/runs/get?run_id=${runId}`);
}

/** Polls jobs/runs/get until the run is in a terminal life-cycle state (Spark on a loaded 2-core machine: minutes). */
export async function waitForRun(runId: number, timeoutMs = 300000): Promise<LakeRun> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await getRun(runId);
    if (['TERMINATED', 'SKIPPED', 'INTERNAL_ERROR'].includes(run.state.life_cycle_state)) return run;
    if (Date.now() > deadline) throw new Error(`lake run ${runId} still ${run.state.life_cycle_state} after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Sets the ingestion job's schedule pause status through jobs/update (what a runbook does). */
export async function setIngestPaused(paused: boolean): Promise<void> {
  const job = await lakeCall<{ settings: { schedule: Record<string, unknown> } }>(`/api/2.1/jobs/get?job_id=${LAKE_INGEST_JOB_ID}`);
  await lakeCall('/api/2.1/jobs/update', 'POST', {
    job_id: LAKE_INGEST_JOB_ID,
    new_settings: { schedule: { ...job.settings.schedule, pause_status: paused ? 'PAUSED' : 'UNPAUSED' } },
  });
}
