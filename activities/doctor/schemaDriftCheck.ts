import { Context } from '@temporalio/activity';
import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateSchemaDrift } from '../../domain/doctor/schemaDrift';
import { parseTableName, tableMatches } from '../../domain/tableName';
import type { ActivityDeps } from '../deps';
import { DoctorCheckInput, doctorFacts, tableLabel } from './doctorFacts';
import { lastSchemaDriftRun } from './schemaDriftRuns';

/**
 * What the last schemaDriftWatch run found, for the tables in scope: those a scoped group's patterns name or its
 * task replicates (a change to a table the pipeline no longer has is not the pipeline's problem).
 */
export function schemaDriftCheck(deps: ActivityDeps) {
  return {
    async checkSchemaDrift(input: DoctorCheckInput): Promise<CheckResult> {
      const { last: run, running } = await lastSchemaDriftRun(deps.temporal, deps.config.name, Context.current().info.taskQueue);
      const facts = doctorFacts(deps);
      const groups = facts.groups(input.taskGroups);
      const replicated = new Set<string>();
      if (run) {
        const tasks = await facts.tasks(groups);
        for (const task of Object.values(tasks)) if (task) (await facts.stats(task)).forEach((s) => replicated.add(tableLabel(s)));
      }
      const inScope = (table: string) => {
        const name = parseTableName(table);
        return replicated.has(table) || (name !== undefined && groups.some((g) => g.tables.some((pattern) => tableMatches(pattern, name))));
      };
      return evaluateSchemaDrift(run, inScope, input.at, running);
    },
  };
}
