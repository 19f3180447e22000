import type { CheckResult } from '../../domain/doctor/findings';
import { evaluateSchemaDrift } from '../../domain/doctor/schemaDrift';
import { tableMatches, parseTableName } from '../../domain/tableName';
import type { ActivityDeps } from '../deps';
import { DoctorCheckInput, doctorFacts, tableLabel } from './doctorFacts';
import { lastSchemaDriftRun } from './schemaDriftRuns';

/** What the last schemaDriftWatch run found, for the tables in scope. */
export function schemaDriftCheck(deps: ActivityDeps) {
  return {
    async checkSchemaDrift(input: DoctorCheckInput & { allGroups?: boolean }): Promise<CheckResult> {
      const run = await lastSchemaDriftRun(deps.temporal);
      if (input.allGroups) return evaluateSchemaDrift(run, () => true, input.at);
      const facts = doctorFacts(deps);
      const groups = facts.groups(input.taskGroups);
      const tasks = await facts.tasks(groups);
      const replicated = new Set<string>();
      for (const task of Object.values(tasks)) if (task) (await facts.stats(task)).forEach((s) => replicated.add(tableLabel(s)));
      const inScope = (table: string) => {
        const name = parseTableName(table);
        return replicated.has(table) || (name !== undefined && groups.some((g) => g.tables.some((pattern) => tableMatches(pattern, name))));
      };
      return evaluateSchemaDrift(run, inScope, input.at);
    },
  };
}
