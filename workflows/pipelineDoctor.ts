import { isCancellation, patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { buildDoctorReport, DoctorReport, reportHeadline } from '../domain/doctor/doctorReport';
import { CHECK_TITLES, checkError, CheckResult, DOCTOR_CHECKS, DoctorCheck } from '../domain/doctor/findings';
import { reportToMarkdown } from '../domain/doctor/reportMarkdown';
import { PipelineDoctorInput, pipelineDoctorInputSchema } from '../domain/inputs/pipelineDoctor';
import { withTaskQueue } from '../domain/operatorCommands';
import { PERMANENT_FAILURES } from './engine/activityProxies';
import { errorMessage, RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { invalidInput } from './engine/refusals';

/** Checks read many objects and footers: a long timeout, kept honest by heartbeats once per listing page. */
const checks = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 3,
    nonRetryableErrorTypes: PERMANENT_FAILURES,
  },
});

/**
 * A health report of the pipeline, meant for a Temporal Schedule: task health and CDC latency, replication
 * instances, binlog margin, small files, row-count validation from Parquet footers, and the last schema drift
 * found. Read-only: no gate, no lock. Each finding carries its evidence and the command that fixes it.
 */
export async function pipelineDoctor(input: PipelineDoctorInput): Promise<RunbookResult<DoctorReport>> {
  return runRunbook(
    {
      kind: 'pipelineDoctor',
      schema: pipelineDoctorInputSchema,
      target: (i) => (i.taskGroups ? `groups:${i.taskGroups.join(',')}` : 'pipeline'),
      steps: [...DOCTOR_CHECKS.map((c): [string, string] => [c, CHECK_TITLES[c]]), ['report', 'Build the report']],
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const unknown = (i.taskGroups ?? []).filter((name) => !config.taskGroups.some((g) => g.name === name));
      if (unknown.length)
        throw invalidInput(
          'pipelineDoctor',
          `taskGroups: unknown group(s) ${unknown.join(', ')} (known: ${config.taskGroups.map((g) => g.name).join(', ')})`,
        );
      const allGroups = i.taskGroups === undefined;
      const taskGroups = i.taskGroups ?? config.taskGroups.map((g) => g.name);
      const at = new Date().toISOString();
      const base = { taskGroups, at, metricsWindowMinutes: i.metricsWindowMinutes };
      const runners: Record<DoctorCheck, () => Promise<CheckResult>> = {
        taskHealth: () => checks.checkTaskHealth(base),
        instanceHealth: () => checks.checkInstanceHealth(base),
        binlogMargin: () => checks.checkBinlogMargin(base),
        smallFiles: () => checks.checkSmallFiles({ ...base, writeRateWindowHours: i.writeRateWindowHours }),
        validation: () => checks.checkRowCounts({ ...base, footerConcurrency: i.footerConcurrency, fullCensus: i.fullCensus }),
        schemaDrift: () => checks.checkSchemaDrift(base),
        leftovers: () => checks.checkLeftovers({ at, taskGroups: allGroups ? undefined : taskGroups }),
        consumers: () => checks.checkConsumers({ at, taskGroups: allGroups ? undefined : taskGroups }),
      };
      const wanted = new Set<DoctorCheck>(i.checks ?? DOCTOR_CHECKS);

      const results: CheckResult[] = [];
      for (const check of DOCTOR_CHECKS) {
        // Histories from before the leftovers check neither ran nor skipped it (no marker): nothing to publish either.
        if (check === 'leftovers' && !patched('doctor-leftovers-check')) continue;
        // No consumer configured (every history from before consumers existed): no step, no command.
        if (check === 'consumers' && (!(config.consumers ?? []).length || !patched('doctor-consumers-check'))) continue;
        if (!wanted.has(check)) {
          runbook.skip(check, 'not requested');
          continue;
        }
        try {
          const result = await runbook.step(check, runners[check]);
          runbook.note(check, result.summary);
          results.push(result);
        } catch (error) {
          if (isCancellation(error)) throw error;
          // One check that cannot run (source down, S3 unreachable) must not hide what the others found.
          results.push(checkError(check, errorMessage(error)));
        }
      }

      const report = await runbook.step('report', () =>
        Promise.resolve(
          buildDoctorReport({ pipeline: config.name, generatedAt: at, taskGroups, allGroups, results: onTaskQueue(results) }),
        ),
      );
      const markdown = reportToMarkdown(report);
      runbook.setReport(markdown);
      runbook.note('report', reportHeadline(report));
      return { message: reportHeadline(report), report, notification: markdown };
    },
  );
}

/** The fix commands start runbooks on this worker's task queue (DMS_RUNBOOKS_TASK_QUEUE), whatever it is. */
function onTaskQueue(results: CheckResult[]): CheckResult[] {
  const queue = workflowInfo().taskQueue;
  return results.map((r) => ({
    ...r,
    findings: r.findings.map((f) => {
      if (!f.remedy) return f;
      const { command, steps } = f.remedy;
      return {
        ...f,
        remedy: {
          ...f.remedy,
          command: withTaskQueue(command, queue),
          ...(steps ? { steps: steps.map((c) => withTaskQueue(c, queue)) } : {}),
        },
      };
    }),
  }));
}
