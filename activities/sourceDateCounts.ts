import { ApplicationFailure } from '@temporalio/activity';
import type { RowDataPacket } from 'mysql2/promise';
import type { TableName } from '../domain/tableName';
import type { ActivityDeps } from './deps';
import { Failure } from '../contracts/failures';

/** Exact row counts of a source table per day of a date column: what each backfilled partition must hold. */
export function sourceDateCountActivities(deps: ActivityDeps) {
  return {
    /** Rows with `column` in [fromDate, toDateExclusive) (`YYYY-MM-DD`), by day as `YYYYMMDD`. Names are bound, never spliced. */
    async countRowsByDay(input: {
      source: string;
      table: TableName;
      column: string;
      fromDate: string;
      toDateExclusive: string;
    }): Promise<Record<string, number>> {
      const { schema, table } = input.table;
      try {
        const rows = await deps.sources.query<RowDataPacket>(
          input.source,
          'SELECT DATE(??) AS d, COUNT(*) AS n FROM ??.?? WHERE ?? >= ? AND ?? < ? GROUP BY DATE(??)',
          [
            input.column,
            schema,
            table,
            input.column,
            `${input.fromDate} 00:00:00`,
            input.column,
            `${input.toDateExclusive} 00:00:00`,
            input.column,
          ],
        );
        return Object.fromEntries(rows.map((r) => [String(r.d).slice(0, 10).replace(/-/g, ''), Number(r.n)]));
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'ER_NO_SUCH_TABLE' || code === 'ER_BAD_FIELD_ERROR')
          throw ApplicationFailure.nonRetryable(
            `${schema}.${table}.${input.column} on source ${input.source}: ${(error as Error).message}`,
            Failure.UnknownTable,
          );
        throw error;
      }
    },
  };
}
