import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { RowDataPacket } from 'mysql2/promise';
import type { TableName } from '../domain/tableName';
import type { LobColumn, LobMeasurement } from '../domain/taskSettings';
import type { ActivityDeps } from './deps';
import { Failure } from '../contracts/failures';

export interface ColumnFacts {
  name: string;
  dataType: string;
  columnType: string;
  nullable: boolean;
  position: number;
}

export interface TableFacts {
  table: TableName;
  exists: boolean;
  engine?: string;
  rowEstimate: number;
  bytes: number;
  primaryKey: string[];
  columns: ColumnFacts[];
  /** Columns that lead an index (first column of some index), so a range on them is answered by that index. */
  indexLeaders?: string[];
}

export interface ForeignKeyLink {
  /** The other table of the link. */
  table: TableName;
  direction: 'references' | 'referenced-by';
  constraint: string;
}

/** Read-only facts about source tables (information_schema) and exact counts. Names are always bound, never spliced. */
export function sourceTableActivities(deps: ActivityDeps) {
  const q = <T extends RowDataPacket>(source: string, sql: string, params: unknown[]) => deps.sources.query<T>(source, sql, params);

  return {
    async readTableFacts(input: { source: string; table: TableName }): Promise<TableFacts> {
      const { schema, table } = input.table;
      const [info] = await q(
        input.source,
        'SELECT ENGINE AS engine, TABLE_ROWS AS rowsEstimate, DATA_LENGTH + INDEX_LENGTH AS bytes FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
        [schema, table],
      );
      if (!info) return { table: input.table, exists: false, rowEstimate: 0, bytes: 0, primaryKey: [], columns: [] };
      const pk = await q(
        input.source,
        "SELECT COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
        [schema, table],
      );
      const columns = await q(
        input.source,
        'SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, IS_NULLABLE AS nullable, ORDINAL_POSITION AS position FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
        [schema, table],
      );
      const leaders = await q(
        input.source,
        'SELECT DISTINCT COLUMN_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND SEQ_IN_INDEX = 1',
        [schema, table],
      );
      return {
        table: input.table,
        exists: true,
        indexLeaders: leaders.map((r) => String(r.name)),
        engine: info.engine === null ? undefined : String(info.engine),
        rowEstimate: Number(info.rowsEstimate ?? 0),
        bytes: Number(info.bytes ?? 0),
        primaryKey: pk.map((r) => String(r.name)),
        columns: columns.map((c) => ({
          name: String(c.name),
          dataType: String(c.dataType),
          columnType: String(c.columnType),
          nullable: c.nullable === 'YES',
          position: Number(c.position),
        })),
      };
    },

    /** Foreign keys both ways: tables this one references and tables that reference it. */
    async readForeignKeyLinks(input: { source: string; table: TableName }): Promise<ForeignKeyLink[]> {
      const { schema, table } = input.table;
      const rows = await q(
        input.source,
        `SELECT DISTINCT CONSTRAINT_NAME AS c, TABLE_SCHEMA AS s, TABLE_NAME AS t, REFERENCED_TABLE_SCHEMA AS rs, REFERENCED_TABLE_NAME AS rt
           FROM information_schema.KEY_COLUMN_USAGE
          WHERE REFERENCED_TABLE_NAME IS NOT NULL
            AND ((TABLE_SCHEMA = ? AND TABLE_NAME = ?) OR (REFERENCED_TABLE_SCHEMA = ? AND REFERENCED_TABLE_NAME = ?))`,
        [schema, table, schema, table],
      );
      const links: ForeignKeyLink[] = [];
      for (const r of rows) {
        const self = String(r.s) === schema && String(r.t) === table;
        const selfRef = String(r.rs) === schema && String(r.rt) === table;
        if (self && !selfRef)
          links.push({ table: { schema: String(r.rs), table: String(r.rt) }, direction: 'references', constraint: String(r.c) });
        if (selfRef && !self)
          links.push({ table: { schema: String(r.s), table: String(r.t) }, direction: 'referenced-by', constraint: String(r.c) });
      }
      return links;
    },

    async listSourceTables(input: { source: string; schemas: string[] }): Promise<TableName[]> {
      if (input.schemas.length === 0) return [];
      const rows = await q(
        input.source,
        `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA IN (?) ORDER BY 1, 2`,
        [input.schemas],
      );
      return rows.map((r) => ({ schema: String(r.s), table: String(r.t) }));
    },

    /**
     * The longest value of each LOB column, in bytes as DMS carries them (text as UTF-8). A full scan that reads every
     * LOB: on a big table it costs about as much as a full load's read of those columns, so the server stops it after
     * `timeoutSeconds` (MariaDB max_statement_time, MySQL MAX_EXECUTION_TIME) and the plan refuses rather than guess.
     */
    async measureLobColumns(input: {
      source: string;
      table: TableName;
      columns: LobColumn[];
      timeoutSeconds: number;
    }): Promise<LobMeasurement> {
      if (input.columns.length === 0) return { columns: [], timedOut: false, seconds: 0 };
      const quote = (name: string) => `\`${name.replace(/`/g, '``')}\``;
      const length = (c: LobColumn) => (c.kind === 'clob' ? `LENGTH(CONVERT(${quote(c.name)} USING utf8mb4))` : `LENGTH(${quote(c.name)})`);
      const selects = input.columns.map((c, i) => `MAX(${length(c)}) AS m${i}`).join(', ');
      const from = `${quote(input.table.schema)}.${quote(input.table.table)}`;
      const engine = deps.sources.source(input.source).engine;
      // MariaDB takes seconds (fractions allowed), MySQL milliseconds.
      const seconds = Math.max(0.001, input.timeoutSeconds);
      const sql =
        engine === 'mariadb'
          ? `SET STATEMENT max_statement_time = ${seconds.toFixed(3)} FOR SELECT ${selects} FROM ${from}`
          : `SELECT /*+ MAX_EXECUTION_TIME(${Math.max(1, Math.round(seconds * 1000))}) */ ${selects} FROM ${from}`;
      const started = Date.now();
      const timer = setInterval(() => {
        try {
          heartbeat({ measuring: `${input.table.schema}.${input.table.table}` });
        } catch {
          /* outside an activity */
        }
      }, 15_000);
      try {
        const [row] = await q(input.source, sql, []);
        return {
          columns: input.columns.map((c, i) => ({
            name: c.name,
            dataType: c.dataType,
            maxBytes: row?.[`m${i}`] === null || row?.[`m${i}`] === undefined ? null : Number(row[`m${i}`]),
          })),
          timedOut: false,
          seconds: Math.round((Date.now() - started) / 1000),
        };
      } catch (error) {
        const e = error as { code?: string; errno?: number };
        if ((e.code && ['ER_STATEMENT_TIMEOUT', 'ER_QUERY_TIMEOUT'].includes(e.code)) || (e.errno && [1969, 3024].includes(e.errno))) {
          return {
            columns: input.columns.map((c) => ({ name: c.name, dataType: c.dataType, maxBytes: null })),
            timedOut: true,
            seconds: Math.round((Date.now() - started) / 1000),
          };
        }
        if (e.code === 'ER_NO_SUCH_TABLE')
          throw ApplicationFailure.nonRetryable(
            `table ${input.table.schema}.${input.table.table} does not exist on source ${input.source}`,
            Failure.UnknownTable,
          );
        throw error;
      } finally {
        clearInterval(timer);
      }
    },

    async countSourceRows(input: { source: string; table: TableName }): Promise<number> {
      const { schema, table } = input.table;
      try {
        const [row] = await q(input.source, 'SELECT COUNT(*) AS n FROM ??.??', [schema, table]);
        return Number(row?.n ?? 0);
      } catch (error) {
        if ((error as { code?: string }).code === 'ER_NO_SUCH_TABLE')
          throw ApplicationFailure.nonRetryable(`table ${schema}.${table} does not exist on source ${input.source}`, Failure.UnknownTable);
        throw error;
      }
    },
  };
}
