import type { FilterCondition, SourceFilter, TableMapping } from '../../../domain/tableMappingSchema';
import { selectionRules } from '../../../domain/tableMappingSchema';

/** Which source tables a mapping selects, and its source filters as a parameterised SQL WHERE clause. */

export interface SourceTable {
  schema: string;
  table: string;
}

export interface SelectedTable extends SourceTable {
  filters: SourceFilter[];
}

/** `%` matches any run of characters; everything else literally (as DMS object-locators do). */
export function matchesPattern(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.split('%').map(escapeRegex).join('.*')}$`);
  return regex.test(name);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Include and explicit rules select, exclude rules always win; filters come from the matching include rules. */
export function selectTables(mapping: TableMapping, tables: SourceTable[]): SelectedTable[] {
  const rules = selectionRules(mapping);
  const selected: SelectedTable[] = [];
  for (const t of tables) {
    const matching = rules.filter(
      (rule) =>
        matchesPattern(rule['object-locator']['schema-name'], t.schema) && matchesPattern(rule['object-locator']['table-name'], t.table),
    );
    if (matching.length === 0 || matching.some((rule) => rule['rule-action'] === 'exclude')) continue;
    selected.push({ ...t, filters: matching.flatMap((rule) => rule.filters ?? []) });
  }
  return selected;
}

/** Schemas a mapping can select from (patterns allowed), to bound the source query. */
export function schemaPatterns(mapping: TableMapping): string[] {
  return [...new Set(selectionRules(mapping).map((rule) => rule['object-locator']['schema-name']))];
}

export interface SqlWhere {
  sql: string;
  params: unknown[];
}

const quoteIdentifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;

function conditionSql(column: string, condition: FilterCondition): SqlWhere {
  const c = quoteIdentifier(column);
  switch (condition['filter-operator']) {
    case 'eq':
      return { sql: `${c} = ?`, params: [condition.value] };
    case 'noteq':
      return { sql: `${c} <> ?`, params: [condition.value] };
    case 'lte':
    case 'ste':
      return { sql: `${c} <= ?`, params: [condition.value] };
    case 'gte':
      return { sql: `${c} >= ?`, params: [condition.value] };
    case 'between':
      return { sql: `${c} BETWEEN ? AND ?`, params: [condition['start-value'], condition['end-value']] };
    case 'notbetween':
      return { sql: `${c} NOT BETWEEN ? AND ?`, params: [condition['start-value'], condition['end-value']] };
    case 'null':
      return { sql: `${c} IS NULL`, params: [] };
    case 'notnull':
      return { sql: `${c} IS NOT NULL`, params: [] };
  }
}

/**
 * DMS semantics: the conditions of one filter are ORed, separate filters are ANDed. Column names are checked
 * against the table, so a typo fails the table instead of silently loading everything.
 */
export function filtersToWhere(filters: SourceFilter[], columns: string[]): SqlWhere {
  if (filters.length === 0) return { sql: '', params: [] };
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const filter of filters) {
    const column = filter['column-name'];
    if (!columns.includes(column))
      throw new Error(`source filter on column ${column}, which the table does not have (columns: ${columns.join(', ')})`);
    const conditions = filter['filter-conditions'].map((condition) => conditionSql(column, condition));
    parts.push(`(${conditions.map((condition) => condition.sql).join(' OR ')})`);
    for (const condition of conditions) params.push(...condition.params);
  }
  return { sql: ` WHERE ${parts.join(' AND ')}`, params };
}
