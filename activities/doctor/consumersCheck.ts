import { WorkflowNotFoundError } from '@temporalio/client';
import { PauseRecord, PAUSES_ROOT } from '../../domain/consumerCommands';
import { failedRunFinding, strandedPauseFinding } from '../../domain/doctor/consumerHealth';
import { checkResult, CheckResult, Finding } from '../../domain/doctor/findings';
import { JobsApi, resolveSecret, runEnded, runStateText, runSucceeded } from '../consumerApis';
import type { ActivityDeps } from '../deps';
import { listObjectPages, readJsonObject } from '../s3Objects';

/**
 * The lake's consumers (docs/downstream.md): pause records whose run no longer runs (the consumer reads nothing new
 * and nobody will resume it), and, for Databricks consumers with `doctor` on, a last ingestion or rebuild run that
 * failed. Read-only.
 */
export function consumersCheck(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;

  async function runStatus(workflowId: string, runId: string): Promise<string> {
    try {
      return (await deps.temporal.workflow.getHandle(workflowId, runId).describe()).status.name;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return 'NOT_FOUND';
      throw error;
    }
  }

  return {
    /** `taskGroups`: the doctor's scope; only consumers reading one of these groups (none: every consumer). */
    async checkConsumers(input: { at: string; taskGroups?: string[] }): Promise<CheckResult> {
      const scope = input.taskGroups;
      const consumers = deps.config.consumers.filter((c) => !scope || c.taskGroups.some((g) => scope.includes(g)));
      const inScope = new Set(consumers.map((c) => c.name));
      const findings: Finding[] = [];
      let records = 0;
      for await (const page of listObjectPages(deps.s3, bucket, PAUSES_ROOT))
        for (const object of page) {
          const record = await readJsonObject<PauseRecord>(deps.s3, bucket, object.Key!);
          if (!record || !inScope.has(record.consumer)) continue;
          records++;
          const status = await runStatus(record.workflowId, record.runId);
          if (status !== 'RUNNING') findings.push(strandedPauseFinding(record, status));
        }
      let asked = 0;
      for (const consumer of consumers) {
        if (consumer.kind !== 'databricksJob' || !consumer.doctor) continue;
        asked++;
        try {
          const api = new JobsApi(consumer, await resolveSecret(deps.secrets, consumer.token, `consumer "${consumer.name}" token`));
          const jobs: Array<[string, number]> = [[`ingestion job ${consumer.ingestionJobId}`, consumer.ingestionJobId]];
          if (consumer.rebuildJobId !== undefined) jobs.push([`rebuild job ${consumer.rebuildJobId}`, consumer.rebuildJobId]);
          for (const [what, jobId] of jobs) {
            const last = (await api.lastRuns(jobId, 5)).find(runEnded);
            if (last && !runSucceeded(last))
              findings.push(
                failedRunFinding(consumer.name, what, { runId: String(last.run_id), state: runStateText(last), url: last.run_page_url }),
              );
          }
        } catch (error) {
          findings.push({
            check: 'consumers',
            severity: 'warning',
            subject: `consumer ${consumer.name}`,
            title: `the doctor could not ask consumer "${consumer.name}" about its runs: ${(error as Error).message}`,
            evidence: { host: consumer.host },
          });
        }
      }
      return checkResult(
        'consumers',
        `${consumers.length} consumer(s) in scope, ${records} pause record(s), ${asked} asked about their last runs (at ${input.at})`,
        findings,
      );
    },
  };
}
