import { createHmac } from 'node:crypto';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ApplicationFailure } from '@temporalio/common';
import type { ConsumerSecret, DatabricksJobConsumer, WebhookConsumer } from '../domain/consumers';

/**
 * The two ways the runbooks talk to a lake consumer, over plain `fetch` (no SDK: docs/downstream.md says why).
 *
 * Databricks: the Jobs REST API 2.1 (docs.databricks.com/api/workspace/jobs), Bearer token. `jobs/update` replaces each
 * top-level field of `new_settings` it is given ("Top-level fields specified in new_settings are completely replaced",
 * UpdateJobRequest, Databricks SDK for JavaScript), so a pause sends the whole `schedule` / `trigger` / `continuous`
 * object read by `jobs/get`, with only `pause_status` changed.
 */

export type PauseStatus = 'PAUSED' | 'UNPAUSED';
export type PausableField = 'schedule' | 'trigger' | 'continuous';
export const PAUSABLE_FIELDS: PausableField[] = ['schedule', 'trigger', 'continuous'];

export interface JobSettings {
  name?: string;
  schedule?: { pause_status?: PauseStatus } & Record<string, unknown>;
  trigger?: { pause_status?: PauseStatus } & Record<string, unknown>;
  continuous?: { pause_status?: PauseStatus } & Record<string, unknown>;
}

export interface RunState {
  life_cycle_state?: string;
  result_state?: string;
  state_message?: string;
}

export interface JobRun {
  run_id: number;
  job_id?: number;
  state?: RunState;
  status?: { state?: string; termination_details?: { code?: string; message?: string } };
  run_page_url?: string;
  start_time?: number;
  end_time?: number;
}

/** A run is over when its life cycle says so ("An active run is a run in the PENDING, RUNNING, or TERMINATING" state, runs/list). */
export function runEnded(run: JobRun): boolean {
  const life = run.state?.life_cycle_state ?? run.status?.state;
  return life === 'TERMINATED' || life === 'SKIPPED' || life === 'INTERNAL_ERROR';
}

export function runSucceeded(run: JobRun): boolean {
  return (
    run.state?.result_state === 'SUCCESS' || (run.status?.state === 'TERMINATED' && run.status.termination_details?.code === 'SUCCESS')
  );
}

export function runStateText(run: JobRun): string {
  const s = run.state ?? {};
  const message = s.state_message || run.status?.termination_details?.message || '';
  return `${s.life_cycle_state ?? run.status?.state ?? 'UNKNOWN'}${s.result_state ? `/${s.result_state}` : ''}${message ? `: ${message}` : ''}`;
}

export async function resolveSecret(
  secrets: SecretsManagerClient,
  source: ConsumerSecret,
  what: string,
  env = process.env,
): Promise<string> {
  if ('env' in source) {
    const value = env[source.env];
    if (!value)
      throw ApplicationFailure.nonRetryable(
        `${what}: environment variable ${source.env} is not set on the worker: set it and retry the runbook`,
        'Refused',
      );
    return value;
  }
  const secret = await secrets.send(new GetSecretValueCommand({ SecretId: source.secretArn }));
  const text = secret.SecretString ?? '';
  if (!source.jsonKey) return text;
  const value = (JSON.parse(text) as Record<string, unknown>)[source.jsonKey];
  if (typeof value !== 'string')
    throw ApplicationFailure.nonRetryable(`${what}: secret ${source.secretArn} has no string key "${source.jsonKey}"`, 'Refused');
  return value;
}

/** Failures the worker cannot fix by retrying: bad token, no permission, unknown job. */
const PERMANENT_STATUS = new Set([400, 401, 403, 404]);

export class JobsApi {
  constructor(
    private readonly consumer: DatabricksJobConsumer,
    private readonly token: string,
    private readonly signal?: AbortSignal,
  ) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return this.request(method, `/api/2.1/jobs/${path}`, body);
  }

  private async request<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.consumer.host);
    const response = await fetch(url, {
      method,
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: this.signal,
    });
    const text = await response.text();
    if (!response.ok) {
      let detail = text.slice(0, 500);
      try {
        const parsed = JSON.parse(text) as { error_code?: string; message?: string };
        detail = [parsed.error_code, parsed.message].filter(Boolean).join(': ') || detail;
      } catch {
        /* not JSON: the text as is */
      }
      const message = `consumer "${this.consumer.name}": ${method} ${url.pathname} answered ${response.status} ${detail}`;
      if (PERMANENT_STATUS.has(response.status))
        throw ApplicationFailure.nonRetryable(
          `${message}. Check the consumer's host, job ids and token (docs/downstream.md#databricks-setup)`,
          'ConsumerRefused',
        );
      throw new Error(message);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  async getJob(jobId: number): Promise<{ job_id: number; settings: JobSettings }> {
    return this.call('GET', `get?job_id=${jobId}`);
  }

  async updateJob(jobId: number, newSettings: JobSettings): Promise<void> {
    await this.call('POST', 'update', { job_id: jobId, new_settings: newSettings });
  }

  async activeRuns(jobId: number): Promise<JobRun[]> {
    const out = await this.call<{ runs?: JobRun[] }>('GET', `runs/list?job_id=${jobId}&active_only=true`);
    return out.runs ?? [];
  }

  async lastRuns(jobId: number, limit = 1): Promise<JobRun[]> {
    const out = await this.call<{ runs?: JobRun[] }>('GET', `runs/list?job_id=${jobId}&limit=${limit}`);
    return out.runs ?? [];
  }

  async runNow(jobId: number, jobParameters: Record<string, string>): Promise<number> {
    const out = await this.call<{ run_id: number }>('POST', 'run-now', { job_id: jobId, job_parameters: jobParameters });
    return out.run_id;
  }

  async getRun(runId: number): Promise<JobRun> {
    return this.call('GET', `runs/get?run_id=${runId}`);
  }

  /** "The run is canceled asynchronously, so it may still be running when this request completes" (Jobs API, runs/cancel). */
  async cancelRun(runId: number): Promise<void> {
    await this.call('POST', 'runs/cancel', { run_id: runId });
  }

  /**
   * `SELECT COUNT(*)` of a lake table on a SQL warehouse, through the SQL Statement Execution API 2.0: POST
   * /api/2.0/sql/statements waits up to `wait_timeout` (5–50 s) and answers the result inline as a JSON array of
   * strings, or the statement id to poll with GET /api/2.0/sql/statements/{id} until its state is SUCCEEDED, FAILED,
   * CANCELED or CLOSED (Databricks SDK for Python, "w.statement_execution: Statement Execution"; Azure Databricks,
   * "Statement Execution API: Run SQL on warehouses").
   */
  async countRows(warehouseId: string, table: string, pollMs = 2000, deadlineMs = 120_000): Promise<number> {
    let statement = await this.request<SqlStatement>('POST', '/api/2.0/sql/statements', {
      warehouse_id: warehouseId,
      statement: `SELECT COUNT(*) AS n FROM ${table}`,
      wait_timeout: '30s',
      on_wait_timeout: 'CONTINUE',
      format: 'JSON_ARRAY',
      disposition: 'INLINE',
    });
    const deadline = Date.now() + deadlineMs;
    while (['PENDING', 'RUNNING'].includes(statement.status.state)) {
      if (Date.now() > deadline) throw new Error(`COUNT(*) of ${table} still ${statement.status.state} after ${deadlineMs / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      statement = await this.request<SqlStatement>('GET', `/api/2.0/sql/statements/${statement.statement_id}`);
    }
    const value = statement.result?.data_array?.[0]?.[0];
    if (statement.status.state !== 'SUCCEEDED' || value === undefined || value === null)
      throw new Error(
        `COUNT(*) of ${table} on warehouse ${warehouseId}: ${statement.status.state}${statement.status.error?.message ? `: ${statement.status.error.message}` : ''}`,
      );
    return Number(value);
  }
}

interface SqlStatement {
  statement_id: string;
  status: { state: string; error?: { message?: string } };
  result?: { data_array?: Array<Array<string | null>> };
}

export const SIGNATURE_HEADER = 'x-dms-runbooks-signature';

/** The webhook's HMAC: `sha256=<hex of HMAC-SHA256(secret, body)>`. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookApi {
  constructor(
    private readonly consumer: WebhookConsumer,
    private readonly secret: string | undefined,
    private readonly signal?: AbortSignal,
  ) {}

  async post<T>(event: Record<string, unknown> & { event: string }): Promise<T> {
    const body = JSON.stringify({ version: 1, consumer: this.consumer.name, ...event });
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.secret) headers[SIGNATURE_HEADER] = signBody(this.secret, body);
    const response = await fetch(this.consumer.url, { method: 'POST', headers, body, signal: this.signal });
    const text = await response.text();
    if (!response.ok) {
      const message = `consumer "${this.consumer.name}": webhook event ${event.event} answered ${response.status} ${text.slice(0, 500)}`;
      if (PERMANENT_STATUS.has(response.status)) throw ApplicationFailure.nonRetryable(message, 'ConsumerRefused');
      throw new Error(message);
    }
    try {
      return (text ? JSON.parse(text) : {}) as T;
    } catch {
      throw ApplicationFailure.nonRetryable(
        `consumer "${this.consumer.name}": webhook event ${event.event} answered ${response.status} with a body that is not JSON (docs/downstream.md#webhook-contract)`,
        'ConsumerRefused',
      );
    }
  }
}
