import { ApplicationFailure } from '@temporalio/activity';
import type { RowDataPacket } from 'mysql2/promise';
import type { SourceFacts } from '../domain/sourceReadiness';
import type { ActivityDeps } from './deps';
import { Failure } from '../contracts/failures';

/** Read-only activities against the live MySQL source: facts of the server DMS reads, so always its writer. */
export function sourceMysqlActivities(deps: ActivityDeps) {
  const source = (name: string) => {
    try {
      return deps.sources.source(name);
    } catch (error) {
      throw ApplicationFailure.nonRetryable((error as Error).message, Failure.UnknownSource);
    }
  };

  return {
    /** Binary log settings, retention and the DMS user's grants, as the server reports them. */
    async readSourceFacts(input: { source: string }): Promise<SourceFacts> {
      const config = source(input.source);
      const variables: Record<string, string | null> = {};
      const rows = await deps.sources
        .query<RowDataPacket>(
          input.source,
          `SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM information_schema.GLOBAL_VARIABLES
          WHERE VARIABLE_NAME IN ('LOG_BIN','BINLOG_FORMAT','BINLOG_ROW_IMAGE','BINLOG_CHECKSUM','SERVER_ID','BINLOG_EXPIRE_LOGS_SECONDS','EXPIRE_LOGS_DAYS','VERSION')`,
          [],
          'writer',
        )
        .catch(async () =>
          // MySQL 8 moved global variables to performance_schema.
          deps.sources.query<RowDataPacket>(
            input.source,
            `SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM performance_schema.global_variables
            WHERE VARIABLE_NAME IN ('log_bin','binlog_format','binlog_row_image','binlog_checksum','server_id','binlog_expire_logs_seconds','expire_logs_days','version')`,
            [],
            'writer',
          ),
        );
      for (const row of rows) variables[String(row.name).toLowerCase()] = row.value === null ? null : String(row.value);

      let rdsRetentionHours: number | null | undefined;
      try {
        const result = await deps.sources.query<RowDataPacket>(input.source, 'CALL mysql.rds_show_configuration', [], 'writer');
        // CALL returns [rows, OkPacket]; the rows are name/value/description.
        const resultRows = (Array.isArray(result[0]) ? result[0] : result) as RowDataPacket[];
        const row = resultRows.find((r) => String(r.name) === 'binlog retention hours');
        rdsRetentionHours = row?.value === null || row?.value === undefined ? null : Number(row.value);
      } catch {
        rdsRetentionHours = undefined; // not RDS / Aurora: the procedure does not exist
      }

      const grantRows = await deps.sources.query<RowDataPacket>(input.source, 'SHOW GRANTS FOR CURRENT_USER()', [], 'writer');
      const grants = grantRows.map((row) => String(Object.values(row)[0]));
      return {
        source: input.source,
        engine: config.engine,
        version: variables.version ?? 'unknown',
        variables,
        rdsRetentionHours,
        grants,
      };
    },
  };
}
