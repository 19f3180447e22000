import type { ApplicationFailure } from '@temporalio/activity';
import { TABLE_DONE } from '../../domain/dmsStates';
import { censusLedgerKey } from '../../domain/doctor/censusLedger';
import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateRowCounts, resumedSinceLoad, RowCountFacts } from '../../domain/doctor/rowValidation';
import type { Finding } from '../../domain/doctor/findings';
import { lobTruncationFindings } from '../../domain/doctor/lobTruncation';
import { lobColumns, lobSettingsOf } from '../../domain/taskSettings';
import type { ActivityDeps } from '../deps';
import { countS3BytesRead } from '../metrics';
import { sourceTableActivities } from '../sourceTables';
import { DoctorCheckInput, doctorFacts, tableLabel } from './doctorFacts';
import { ledgeredCensus } from './ledgeredCensus';
import { Failure } from '../../contracts/failures';

/**
 * Per replicated table: source COUNT(*), DMS statistics, and rows in S3 read from Parquet footers only. Footers
 * are read once: each table's census is kept in the bucket (domain/doctor/censusLedger.ts) and the next run
 * reads only files new or rewritten since, unless `fullCensus` asks to read every footer again.
 */
export function validationCheck(deps: ActivityDeps) {
  const sourceTables = sourceTableActivities(deps);
  return {
    async checkRowCounts(input: DoctorCheckInput & { footerConcurrency?: number; fullCensus?: boolean }): Promise<CheckResult> {
      const facts = doctorFacts(deps);
      const config = deps.config;
      const groups = facts.groups(input.taskGroups);
      const tasks = await facts.tasks(groups);
      const out: RowCountFacts[] = [];
      const skipped: Array<{ table: string; why: string }> = [];
      const lobFindings: Finding[] = [];
      for (const group of groups) {
        const task = tasks[group.taskIdentifier];
        if (!task) continue;
        // The settings come with a Describe of their own, read once per task and only for a table with LOB columns.
        let settingsJson: Promise<string | undefined> | undefined;
        for (const stat of await facts.stats(task)) {
          const table = tableLabel(stat);
          if (stat.state !== TABLE_DONE) {
            skipped.push({ table, why: `"${stat.state}" in task ${task.identifier}` });
            continue;
          }
          let sourceRows: number;
          try {
            sourceRows = await facts.fromSource(group.source, `COUNT(*) of ${table}`, () =>
              sourceTables.countSourceRows({ source: group.source, table: { schema: stat.schema, table: stat.table } }),
            );
          } catch (error) {
            if ((error as ApplicationFailure).type !== Failure.UnknownTable) throw error;
            skipped.push({ table, why: `it no longer exists on source ${group.source} (task ${task.identifier} still lists it)` });
            continue;
          }
          const prefix = `${config.target.folder}/${stat.schema}/${stat.table}/`;
          const census = await ledgeredCensus(deps.s3, config.target.bucket, prefix, censusLedgerKey(stat.schema, stat.table), {
            at: input.at,
            fullCensus: input.fullCensus,
            concurrency: input.footerConcurrency,
            onPage: (progress) => facts.beat({ table, ...progress }),
          });
          countS3BytesRead('parquet-footer', census.bytesRead);
          out.push({
            table,
            group: group.name,
            task: task.identifier,
            taskStatus: task.status,
            sourceRows,
            dms: {
              fullLoadRows: stat.fullLoadRows,
              inserts: stat.inserts,
              updates: stat.updates,
              deletes: stat.deletes,
              state: stat.state,
              fullLoadReloaded: stat.fullLoadReloaded ?? false,
              ddls: stat.ddls,
            },
            parquet: census,
            resumedAt: resumedSinceLoad(task, stat),
          });
          // LOB values longer than the task's LobMaxSize, which limited LOB mode truncates silently.
          const name = { schema: stat.schema, table: stat.table };
          const lobs = lobColumns((await sourceTables.readTableFacts({ source: group.source, table: name })).columns);
          if (lobs.length === 0) continue;
          settingsJson ??= deps.dmsGateway.taskWithMapping(task.arn).then((t) => t?.settings);
          const timeoutSeconds = config.taskSettings.lob.measureTimeoutSeconds;
          const json = await settingsJson;
          const measured = await facts.fromSource(group.source, `LOB lengths of ${table}`, () =>
            sourceTables.measureLobColumns({ source: group.source, table: name, columns: lobs, timeoutSeconds }),
          );
          lobFindings.push(
            ...lobTruncationFindings(
              {
                table,
                task: task.identifier,
                taskArn: task.arn,
                settings: lobSettingsOf(json),
                settingsJson: json,
                measured,
                timeoutSeconds,
              },
              input.at,
            ),
          );
        }
      }
      const result = evaluateRowCounts(out, skipped, input.at);
      return lobFindings.length ? { ...result, status: 'findings', findings: [...result.findings, ...lobFindings] } : result;
    },
  };
}
