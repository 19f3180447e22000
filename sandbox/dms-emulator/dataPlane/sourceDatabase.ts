import mysql from 'mysql2/promise';
import type { BinlogPosition, ColumnMeta, EndpointRecord } from '../emulatorState';
import type { SourceTable, SqlWhere } from '../mapping/tableSelection';

/** The MySQL source as DMS sees it: tables, column metadata, filtered reads and the binlog position, over mysql2. */

const SYSTEM_SCHEMAS = ['mysql', 'information_schema', 'performance_schema', 'sys'];

export function connectSource(endpoint: EndpointRecord): Promise<mysql.Connection> {
  return mysql.createConnection({
    host: endpoint.serverName,
    port: endpoint.port,
    user: endpoint.username,
    password: endpoint.password,
    database: endpoint.databaseName || undefined,
    connectTimeout: 10000,
    // Exact values: big numbers and decimals as strings, dates as the server prints them (no local time zone).
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    timezone: 'Z',
    // JSON is a CLOB for DMS ("Source data types for MySQL"): its text, never a parsed object.
    jsonStrings: true,
  });
}

export const quoteIdentifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;

export async function listTables(connection: mysql.Connection): Promise<SourceTable[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES
     WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    [SYSTEM_SCHEMAS],
  );
  return rows.map((row) => ({ schema: String(row.s), table: String(row.t) }));
}

/** `enum('a','it''s')` → ['a', "it's"]. */
export function parseEnumLabels(columnType: string): string[] {
  const body = /^(?:enum|set)\((.*)\)$/i.exec(columnType)?.[1] ?? '';
  const labels: string[] = [];
  const pattern = /'((?:[^']|'')*)'/g;
  for (let match = pattern.exec(body); match; match = pattern.exec(body)) labels.push(match[1]!.replace(/''/g, "'"));
  return labels;
}

export async function readColumns(connection: mysql.Connection, schema: string, table: string): Promise<ColumnMeta[]> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType FROM information_schema.COLUMNS
     WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [schema, table],
  );
  return rows.map((row) => {
    const dataType = String(row.dataType).toLowerCase();
    const columnType = String(row.columnType);
    return {
      name: String(row.name),
      dataType,
      columnType,
      unsigned: /unsigned/i.test(columnType),
      ...(dataType === 'enum' || dataType === 'set' ? { enumLabels: parseEnumLabels(columnType) } : {}),
    };
  });
}

export async function countRows(connection: mysql.Connection, schema: string, table: string, where: SqlWhere): Promise<number> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    `SELECT COUNT(*) AS n FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)}${where.sql}`,
    where.params,
  );
  return Number(rows[0]?.n ?? 0);
}

/** Rows as arrays in column order; ENUM and SET come back as their labels, as DMS writes them. */
export async function readRows(
  connection: mysql.Connection,
  schema: string,
  table: string,
  columns: ColumnMeta[],
  where: SqlWhere,
): Promise<unknown[][]> {
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ');
  const [rows] = await connection.query<unknown[][] & mysql.RowDataPacket[]>({
    sql: `SELECT ${list} FROM ${quoteIdentifier(schema)}.${quoteIdentifier(table)}${where.sql}`,
    values: where.params,
    rowsAsArray: true,
  });
  return rows;
}

export async function binlogPosition(connection: mysql.Connection): Promise<BinlogPosition> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW MASTER STATUS');
  const row = rows[0];
  if (!row) throw new Error('the source has no binary log (SHOW MASTER STATUS is empty): enable log_bin for CDC');
  return { file: String(row.File), position: Number(row.Position) };
}

export async function firstBinlogFile(connection: mysql.Connection): Promise<string> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>('SHOW BINARY LOGS');
  const first = rows[0];
  if (!first) throw new Error('the source has no binary logs');
  return String(first.Log_name);
}
