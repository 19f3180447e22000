import { z } from 'zod';

/**
 * `schema.table` as the runbooks take it. Only plain MySQL identifiers are accepted: anything that looks like SQL
 * (quotes, spaces, semicolons, comments) is refused before it reaches a query, a table mapping or an S3 key.
 */
const IDENTIFIER = /^[A-Za-z0-9_$]{1,64}$/;

export interface TableName {
  schema: string;
  table: string;
}

export const tableNameSchema = z
  .string()
  .max(129, 'is longer than a MySQL schema.table name can be (64 + 1 + 64 characters)')
  .refine((value) => parseTableName(value) !== undefined, {
    message: 'must be schema.table with letters, digits, _ or $ only (for example shop.orders)',
  });

export function parseTableName(value: string): TableName | undefined {
  const parts = value.split('.');
  if (parts.length !== 2) return undefined;
  const [schema, table] = parts as [string, string];
  if (!IDENTIFIER.test(schema) || !IDENTIFIER.test(table)) return undefined;
  return { schema, table };
}

/** For code paths that already validated the name. */
export function toTableName(value: string): TableName {
  const parsed = parseTableName(value);
  if (!parsed) throw new Error(`"${value}" is not a valid schema.table name`);
  return parsed;
}

export function formatTableName(name: TableName): string {
  return `${name.schema}.${name.table}`;
}

/** MySQL `%` patterns as DMS selection rules use them. */
export function matchesPattern(pattern: string, value: string): boolean {
  const escaped = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*');
  return new RegExp(`^${escaped}$`).test(value);
}

export function tableMatches(pattern: string, name: TableName): boolean {
  const [schemaPattern, tablePattern] = pattern.split('.') as [string, string];
  return matchesPattern(schemaPattern, name.schema) && matchesPattern(tablePattern ?? '%', name.table);
}
