import { ConsumerConfig } from './consumers';

/**
 * A paused consumer, as the runbooks and the doctor know it: what the pause changed (so the resume puts it back), the
 * pause record kept on S3 while it lasts, and the command that resumes the consumer by hand.
 */

export type PauseStatus = 'PAUSED' | 'UNPAUSED';

export interface PausedConsumer {
  consumer: string;
  kind: ConsumerConfig['kind'];
  /** Databricks: the pause_status each of schedule / trigger / continuous had before the pause. */
  previous: Partial<Record<'schedule' | 'trigger' | 'continuous', PauseStatus>>;
  /** Databricks: runs of the ingestion job the pause cancelled (a continuous run). */
  cancelledRuns: number[];
  /** Webhook: what the consumer answered to `pause`, sent back with `resume`. */
  state?: unknown;
  detail: string;
  /** The runs already holding the consumer paused when this run asked: it joined them and changed nothing. */
  joined?: string[];
}

export interface RebuildResult {
  consumer: string;
  table: string;
  /** The Databricks run id, or the webhook's rebuildId. */
  runId: string;
  succeeded: boolean;
  state: string;
  url?: string;
}

export const PAUSES_ROOT = '_runbooks/consumer-pauses/';

/** One record per consumer while a runbook holds it paused: `_runbooks/consumer-pauses/<consumer>.json`. */
export function consumerPauseKey(consumer: string): string {
  return `${PAUSES_ROOT}${consumer}.json`;
}

export interface PauseHolder {
  workflowId: string;
  runId: string;
  runbook: string;
  tables: string[];
  pausedAt: string;
}

/**
 * One per consumer while it is paused. The top-level run is the one that paused it (and `paused` what it changed);
 * `holders` are every run that needs it paused, the first included: a second runbook rewriting other tables of the
 * same consumer joins instead of pausing again, and only the last holder to finish resumes it (records written before
 * holders existed have none: their top-level run is the only holder).
 */
export interface PauseRecord {
  consumer: string;
  workflowId: string;
  runId: string;
  runbook: string;
  tables: string[];
  pausedAt: string;
  paused: PausedConsumer;
  /** What a person runs when the runbook is gone and the consumer is still paused. */
  resumeCommand: string;
  holders?: PauseHolder[];
}

/** The holders of a pause other than this run (none without a record). */
export function otherHolders(record: PauseRecord | undefined, workflowId: string): PauseHolder[] {
  return record ? holdersOf(record).filter((h) => h.workflowId !== workflowId) : [];
}

export function holdersOf(record: PauseRecord): PauseHolder[] {
  return (
    record.holders ?? [
      { workflowId: record.workflowId, runId: record.runId, runbook: record.runbook, tables: record.tables, pausedAt: record.pausedAt },
    ]
  );
}

export function pauseRecord(
  consumer: ConsumerConfig,
  runbook: { workflowId: string; runId: string; kind: string },
  tables: string[],
  paused: PausedConsumer,
  at: string,
): PauseRecord {
  return {
    consumer: consumer.name,
    workflowId: runbook.workflowId,
    runId: runbook.runId,
    runbook: runbook.kind,
    tables,
    pausedAt: at,
    paused,
    resumeCommand: resumeCommand(consumer, paused),
    holders: [{ workflowId: runbook.workflowId, runId: runbook.runId, runbook: runbook.kind, tables, pausedAt: at }],
  };
}

/**
 * The command that resumes a consumer by hand. Databricks: `jobs/update` replaces each top-level field it is given, so
 * the command reads the job's settings and sends each pausable one back with its previous pause_status (jq).
 */
export function resumeCommand(consumer: ConsumerConfig, paused?: PausedConsumer): string {
  if (consumer.kind === 'webhook')
    return `curl -X POST ${consumer.url} -H 'content-type: application/json' -d '{"version":1,"event":"resume","consumer":"${consumer.name}","state":${JSON.stringify(paused?.state ?? null)}}'${consumer.secret ? ' -H "x-dms-runbooks-signature: sha256=<HMAC-SHA256 of the body with the shared secret>"' : ''}`;
  const fields = Object.entries(paused?.previous ?? { schedule: 'UNPAUSED', trigger: 'UNPAUSED', continuous: 'UNPAUSED' });
  const jq = fields.map(([f, s]) => `(if .settings.${f} then {${f}: (.settings.${f} + {pause_status: "${s}"})} else {} end)`).join(' + ');
  const host = consumer.host.replace(/\/$/, '');
  return (
    `curl -s -H "Authorization: Bearer $DATABRICKS_TOKEN" '${host}/api/2.1/jobs/get?job_id=${consumer.ingestionJobId}' | ` +
    `jq '{job_id: ${consumer.ingestionJobId}, new_settings: (${jq || '{}'})}' | ` +
    `curl -s -X POST -H "Authorization: Bearer $DATABRICKS_TOKEN" ${host}/api/2.1/jobs/update -d @-`
  );
}
