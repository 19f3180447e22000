import { findSource } from '../domain/config';
import { CheckSourceReadinessInput, checkSourceReadinessInputSchema } from '../domain/inputs/checkSourceReadiness';
import { evaluateSourceReadiness, ReadinessReport } from '../domain/sourceReadiness';
import { reads } from './engine/activityProxies';
import { RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { invalidInput } from './engine/refusals';

/** Is the MySQL source ready for DMS CDC? Read-only: binlog settings, retention, grants and the RDS view. */
export async function checkSourceReadiness(input: CheckSourceReadinessInput): Promise<RunbookResult<ReadinessReport>> {
  return runRunbook(
    {
      kind: 'checkSourceReadiness',
      schema: checkSourceReadinessInputSchema,
      target: (i) => i.source,
      steps: [
        ['read-source', 'Read binlog settings, retention and grants from the source'],
        ['read-rds', 'Read backup retention and the parameter group through the RDS API'],
        ['evaluate', 'Evaluate every check'],
      ],
    },
    input,
    async (runbook, i) => {
      const source = findSource(runbook.config, i.source);
      if (!source) {
        throw invalidInput(
          'checkSourceReadiness',
          `source: "${i.source}" is not in the pipeline configuration (known: ${runbook.config.sources.map((s) => s.name).join(', ')})`,
        );
      }
      const facts = await runbook.step('read-source', () => reads.readSourceFacts({ source: i.source }));
      const rdsTarget = {
        dbInstanceIdentifier: i.dbInstanceIdentifier ?? (i.dbClusterIdentifier ? undefined : source.rds?.dbInstanceIdentifier),
        dbClusterIdentifier: i.dbClusterIdentifier ?? (i.dbInstanceIdentifier ? undefined : source.rds?.dbClusterIdentifier),
      };
      if (rdsTarget.dbInstanceIdentifier || rdsTarget.dbClusterIdentifier) {
        const rds = await runbook.step('read-rds', () => reads.readRdsFacts(rdsTarget));
        facts.rds = rds.facts;
        facts.rdsError = rds.error;
      } else {
        runbook.skip('read-rds', 'no dbInstanceIdentifier or dbClusterIdentifier given or configured');
      }
      const report = await runbook.step('evaluate', () =>
        Promise.resolve(
          evaluateSourceReadiness(facts, {
            minRetentionDays: runbook.config.thresholds.binlogRetentionDays,
            schemas: source.schemas,
            dmsUser: source.user,
          }),
        ),
      );
      const failed = report.checks.filter((c) => c.status === 'fail').map((c) => c.id);
      runbook.note(
        'evaluate',
        report.passed ? `all ${report.checks.length} checks passed` : `${failed.length} failed: ${failed.join(', ')}`,
      );
      return {
        message: report.passed
          ? `source ${i.source} is ready for DMS`
          : `source ${i.source} is NOT ready for DMS: ${failed.join(', ')} failed`,
        report,
      };
    },
  );
}
