import { TableName, tableMatches } from './tableName';
import { MappingRule, SelectionRule, selectionRules, TableMapping, TransformationRule, transformationRules } from './tableMappingSchema';

/**
 * Building and reading DMS table mappings: which tables a mapping selects, the transaction-metadata columns every
 * table must carry (a change sequence, the operation and a timestamp — without them concurrent changes cannot be
 * ordered downstream), and the diff an approver reads before a mapping is applied.
 */

export const METADATA_COLUMNS = [
  { header: '$AR_H_CHANGE_SEQ', column: 'AR_H_CHANGE_SEQ', dataType: { type: 'string' as const, length: 50 } },
  { header: '$AR_H_OPERATION', column: 'AR_H_OPERATION', dataType: { type: 'string' as const, length: 20 } },
  { header: '$AR_H_TIMESTAMP', column: 'AR_H_TIMESTAMP', dataType: { type: 'datetime' as const, precision: 6 } },
];
const TIMESTAMP_HEADERS = ['$AR_H_TIMESTAMP', '$AR_H_COMMIT_TIMESTAMP'];

function locatorMatches(rule: { 'object-locator': { 'schema-name': string; 'table-name'?: string } }, table: TableName): boolean {
  return tableMatches(`${rule['object-locator']['schema-name']}.${rule['object-locator']['table-name'] ?? '%'}`, table);
}

/** Whether the mapping includes the table (an explicit exclude wins over an include, as in DMS). */
export function selects(mapping: TableMapping, table: TableName): boolean {
  const rules = selectionRules(mapping).filter((rule) => locatorMatches(rule, table));
  return rules.some((r) => r['rule-action'] !== 'exclude') && !rules.some((r) => r['rule-action'] === 'exclude');
}

export function selectedTables(mapping: TableMapping, candidates: TableName[]): TableName[] {
  return candidates.filter((table) => selects(mapping, table));
}

/** The metadata headers a selected table lacks: empty means the table's rows can be ordered downstream. */
export function missingMetadata(mapping: TableMapping, table: TableName): string[] {
  const headers = new Set(
    transformationRules(mapping)
      .filter((rule) => rule['rule-action'] === 'add-column' && rule['rule-target'] === 'column' && locatorMatches(rule, table))
      .map((rule) => rule.expression ?? ''),
  );
  const missing: string[] = [];
  if (!headers.has('$AR_H_CHANGE_SEQ')) missing.push('$AR_H_CHANGE_SEQ');
  if (!headers.has('$AR_H_OPERATION')) missing.push('$AR_H_OPERATION');
  if (!TIMESTAMP_HEADERS.some((h) => headers.has(h))) missing.push('$AR_H_TIMESTAMP (or $AR_H_COMMIT_TIMESTAMP)');
  return missing;
}

function nextRuleId(rules: MappingRule[]): number {
  return rules.reduce((max, rule) => Math.max(max, Number(rule['rule-id']) || 0), 0) + 1;
}

function uniqueName(rules: MappingRule[], base: string): string {
  const names = new Set(rules.map((r) => r['rule-name']));
  let name = base;
  for (let i = 2; names.has(name); i++) name = `${base}-${i}`;
  return name;
}

export function selectionRule(id: number, name: string, table: TableName): SelectionRule {
  return {
    'rule-type': 'selection',
    'rule-id': String(id),
    'rule-name': name,
    'object-locator': { 'schema-name': table.schema, 'table-name': table.table },
    'rule-action': 'include',
  };
}

/** Add-column rules on `%.%`: every table of the task gets the change sequence, the operation and a timestamp. */
export function metadataRules(startId: number, names: MappingRule[] = []): TransformationRule[] {
  const taken = [...names];
  return METADATA_COLUMNS.map((meta, i) => {
    const rule: TransformationRule = {
      'rule-type': 'transformation',
      'rule-id': String(startId + i),
      'rule-name': uniqueName(taken, `add-${meta.column.toLowerCase().replace(/_/g, '-')}`),
      'rule-target': 'column',
      'object-locator': { 'schema-name': '%', 'table-name': '%' },
      'rule-action': 'add-column',
      value: meta.column,
      expression: meta.header,
      'data-type': meta.dataType,
    };
    taken.push(rule);
    return rule;
  });
}

/** A new mapping for one table with the metadata columns: what a newly created task starts with. */
export function newTaskMapping(table: TableName): TableMapping {
  const selection = selectionRule(1, `include-${table.schema}-${table.table}`, table);
  return { rules: [selection, ...metadataRules(2, [selection])] };
}

/**
 * The mapping with the table added. Metadata rules are added when any table of the task would lack them, so the
 * result never leaves a table without ordering columns.
 */
export function addTable(
  mapping: TableMapping,
  table: TableName,
  tasksTables: TableName[],
): { mapping: TableMapping; addedMetadata: boolean } {
  const rules: MappingRule[] = mapping.rules.map((r) => ({ ...r }));
  rules.push(selectionRule(nextRuleId(rules), uniqueName(rules, `include-${table.schema}-${table.table}`), table));
  let result: TableMapping = { ...mapping, rules };
  const lacking = [...tasksTables, table].some((t) => missingMetadata(result, t).length > 0);
  if (lacking) result = { ...result, rules: [...rules, ...metadataRules(nextRuleId(rules), rules)] };
  return { mapping: result, addedMetadata: lacking };
}

export interface MappingDiff {
  added: MappingRule[];
  removed: MappingRule[];
  changed: Array<{ before: MappingRule; after: MappingRule }>;
}

/** Rules matched by name: what the approver reads at the apply-mapping gate. */
export function diffMappings(before: TableMapping | undefined, after: TableMapping): MappingDiff {
  const old = new Map((before?.rules ?? []).map((r) => [r['rule-name'], r]));
  const next = new Map(after.rules.map((r) => [r['rule-name'], r]));
  return {
    added: after.rules.filter((r) => !old.has(r['rule-name'])),
    removed: (before?.rules ?? []).filter((r) => !next.has(r['rule-name'])),
    changed: after.rules.flatMap((r) => {
      const b = old.get(r['rule-name']);
      return b && canonicalJson(b) !== canonicalJson(r) ? [{ before: b, after: r }] : [];
    }),
  };
}

/** JSON with sorted keys, to compare mappings regardless of key order or rule-id type. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(typeof value === 'number' ? String(value) : value);
}
