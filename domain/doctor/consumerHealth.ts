import { PauseRecord } from '../consumerCommands';
import { Finding, round } from './findings';

/**
 * pipelineDoctor's view of the lake's consumers (docs/downstream.md): a consumer a runbook paused and no running run
 * holds any more, a last run that failed, and the consumer's row counts against the source when it can answer them.
 */

export function strandedPauseFinding(record: PauseRecord, runStatus: string): Finding {
  return {
    check: 'consumers',
    severity: 'critical',
    subject: `consumer ${record.consumer}`,
    title: `consumer "${record.consumer}" was paused by ${record.runbook} ${record.workflowId}, which is ${runStatus.toLowerCase()}: it reads nothing new for ${record.tables.join(', ')}`,
    evidence: {
      workflowId: record.workflowId,
      runId: record.runId,
      pausedAt: record.pausedAt,
      runStatus,
      tables: record.tables.join(', '),
    },
    remedy: {
      summary: `rebuild the tables if the run ended after changing their files (docs/downstream.md#by-hand), then resume the consumer and delete its pause record`,
      command: record.resumeCommand,
      steps: [`aws s3 rm s3://<bucket>/_runbooks/consumer-pauses/${record.consumer}.json`],
    },
  };
}

export function failedRunFinding(consumer: string, job: string, run: { runId: string; state: string; url?: string }): Finding {
  return {
    check: 'consumers',
    severity: 'warning',
    subject: `consumer ${consumer}`,
    title: `the last run of consumer "${consumer}" ${job} failed: ${run.state}`,
    evidence: { runId: run.runId, state: run.state, ...(run.url ? { url: run.url } : {}) },
    remedy: {
      summary: 'read the run in the workspace, fix it and run the job again',
      command: run.url ?? `databricks jobs get-run ${run.runId}`,
    },
  };
}

export function rowCountFinding(
  consumer: string,
  table: string,
  consumerRows: number,
  sourceRows: number,
  tolerancePercent: number,
): Finding | undefined {
  const off = sourceRows === 0 ? (consumerRows === 0 ? 0 : 100) : (Math.abs(consumerRows - sourceRows) / sourceRows) * 100;
  if (off <= tolerancePercent) return undefined;
  return {
    check: 'consumers',
    severity: 'warning',
    subject: `table ${table}`,
    title: `consumer "${consumer}" holds ${consumerRows} rows of ${table}, the source ${sourceRows} (${round(off)}% off, tolerance ${tolerancePercent}%)`,
    evidence: { consumerRows, sourceRows, percentOff: round(off) },
    remedy: {
      summary: 'rebuild the table in the consumer from its live files',
      command: `see docs/downstream.md#by-hand (table=${table})`,
    },
  };
}
