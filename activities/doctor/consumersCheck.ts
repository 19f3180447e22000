import { holdersOf, PauseRecord, PAUSES_ROOT } from '../../domain/consumerCommands';
import { ConsumerConfig, consumersOf, lakeTableName } from '../../domain/consumers';
import { failedRunFinding, rowCountFinding, strandedPauseFinding } from '../../domain/doctor/consumerHealth';
import { checkResult, CheckResult, Finding } from '../../domain/doctor/findings';
import { TableName } from '../../domain/tableName';
import { JobsApi, resolveSecret, runEnded, runStateText, runSucceeded, WebhookApi } from '../consumerApis';
import type { ActivityDeps } from '../deps';
import { listObjectPages, readJsonObject } from '../s3Objects';
import { sourceTableActivities } from '../sourceTables';
import { runStatus } from '../workflowRunStatus';
import { doctorFacts } from './doctorFacts';

/**
 * The lake's consumers (docs/downstream.md): pause records whose run no longer runs (the consumer reads nothing new
 * and nobody will resume it), and, for consumers with `doctor` on, a last ingestion or rebuild run that failed
 * (Databricks) and each replicated table's row count in the lake against the source's (a Databricks consumer with
 * `rowCounts`, or a webhook that answers `row-count`). Read-only.
 */
export function consumersCheck(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  const sourceTables = sourceTableActivities(deps);

  /** How a consumer counts a table's rows; undefined when it cannot (no `rowCounts`, or a webhook that does not answer). */
  async function counter(consumer: ConsumerConfig): Promise<((table: TableName) => Promise<number | undefined>) | undefined> {
    if (consumer.kind === 'databricksJob') {
      const rowCounts = consumer.rowCounts;
      if (!rowCounts) return undefined;
      const api = new JobsApi(consumer, await resolveSecret(deps.secrets, consumer.token, `consumer "${consumer.name}" token`));
      return (table) => api.countRows(rowCounts.warehouseId, lakeTableName(rowCounts.table, table));
    }
    const api = new WebhookApi(
      consumer,
      consumer.secret ? await resolveSecret(deps.secrets, consumer.secret, `consumer "${consumer.name}" secret`) : undefined,
    );
    return async (table) => {
      const answer = await api.post<{ rows?: unknown }>({
        event: 'row-count',
        workflowId: 'pipelineDoctor',
        table: `${table.schema}.${table.table}`,
      });
      return typeof answer.rows === 'number' ? answer.rows : undefined;
    };
  }

  /** The replicated tables (by the tasks' statistics) each consumer reads, counted in the consumer and on the source. */
  async function compareRowCounts(consumers: ConsumerConfig[], taskGroups: string[] | undefined, findings: Finding[]): Promise<string> {
    const facts = doctorFacts(deps);
    const groups = facts.groups(taskGroups ?? deps.config.taskGroups.map((g) => g.name));
    const tasks = await facts.tasks(groups);
    let counted = 0;
    let unanswered = 0;
    for (const consumer of consumers) {
      if (!consumer.doctor) continue;
      let count: Awaited<ReturnType<typeof counter>>;
      try {
        count = await counter(consumer);
      } catch (error) {
        findings.push(unreachable(consumer, 'its row counts', error));
        continue;
      }
      if (!count) continue;
      for (const group of groups) {
        const task = tasks[group.taskIdentifier];
        if (!task) continue;
        for (const stat of await facts.stats(task)) {
          const table = { schema: stat.schema, table: stat.table };
          if (!consumersOf([consumer], { table, taskGroup: group.name }).length) continue;
          const name = `${stat.schema}.${stat.table}`;
          let lakeRows: number | undefined;
          try {
            lakeRows = await count(table);
          } catch (error) {
            findings.push(unreachable(consumer, `the row count of ${name}`, error));
            continue;
          }
          if (lakeRows === undefined) {
            unanswered++;
            continue;
          }
          const sourceRows = await facts.fromSource(group.source, `COUNT(*) of ${name}`, () =>
            sourceTables.countSourceRows({ source: group.source, table }),
          );
          counted++;
          facts.beat({ consumer: consumer.name, table: name });
          const finding = rowCountFinding(consumer.name, name, lakeRows, sourceRows, consumer.rowCountTolerancePercent);
          if (finding) findings.push(finding);
        }
      }
    }
    return `${counted} table count(s) compared with the source${unanswered ? `, ${unanswered} the consumer did not answer` : ''}`;
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
          // Stranded when no holder runs any more (a run that joined the pause resumes it when it ends).
          const statuses = await Promise.all(holdersOf(record).map((h) => runStatus(deps, h.workflowId, h.runId)));
          if (!statuses.includes('RUNNING')) findings.push(strandedPauseFinding(record, statuses[0]!));
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
          findings.push(unreachable(consumer, 'its runs', error));
        }
      }
      const counts = await compareRowCounts(consumers, scope, findings);
      return checkResult(
        'consumers',
        `${consumers.length} consumer(s) in scope, ${records} pause record(s), ${asked} asked about their last runs, ${counts} (at ${input.at})`,
        findings,
      );
    },
  };
}

function unreachable(consumer: ConsumerConfig, what: string, error: unknown): Finding {
  return {
    check: 'consumers',
    severity: 'warning',
    subject: `consumer ${consumer.name}`,
    title: `the doctor could not ask consumer "${consumer.name}" about ${what}: ${(error as Error).message}`,
    evidence: consumer.kind === 'databricksJob' ? { host: consumer.host } : { url: consumer.url },
  };
}
