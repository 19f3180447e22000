import type { AddColumnDataType, TableMapping, TransactionHeader, TransformationRule } from '../../../domain/tableMappingSchema';
import { TRANSACTION_HEADERS, transformationRules } from '../../../domain/tableMappingSchema';
import type { ColumnMeta } from '../emulatorState';
import { matchesPattern } from './tableSelection';

/** The transformation rules the emulator applies: target schema/table names, column renames and removals, added columns. */

const EMULATED_ACTIONS = new Set([
  'rename',
  'remove-column',
  'convert-lowercase',
  'convert-uppercase',
  'add-prefix',
  'add-suffix',
  'add-column',
]);

/** Rules the emulator cannot honour are refused up front, so a rehearsal never passes on a mapping it ignored. */
export function unsupportedTransformations(mapping: TableMapping): string[] {
  const problems: string[] = [];
  for (const rule of transformationRules(mapping)) {
    const id = `rule ${String(rule['rule-id'])} (${rule['rule-name']})`;
    if (!EMULATED_ACTIONS.has(rule['rule-action'])) problems.push(`${id}: rule-action ${rule['rule-action']} is not emulated`);
    if (!['schema', 'table', 'column'].includes(rule['rule-target']))
      problems.push(`${id}: rule-target ${rule['rule-target']} is not emulated`);
    if (rule['rule-action'] === 'add-column' && !TRANSACTION_HEADERS.includes(rule.expression as TransactionHeader)) {
      problems.push(`${id}: add-column expression ${rule.expression} is not emulated (only ${TRANSACTION_HEADERS.join(', ')})`);
    }
  }
  return problems;
}

function rulesFor(mapping: TableMapping, target: TransformationRule['rule-target'], schema: string, table?: string, column?: string) {
  return transformationRules(mapping).filter((rule) => {
    const locator = rule['object-locator'];
    if (rule['rule-target'] !== target || !matchesPattern(locator['schema-name'], schema)) return false;
    if (table !== undefined && locator['table-name'] !== undefined && !matchesPattern(locator['table-name'], table)) return false;
    if (column !== undefined && locator['column-name'] !== undefined && !matchesPattern(locator['column-name'], column)) return false;
    return true;
  });
}

function applyNaming(name: string, rules: TransformationRule[]): string {
  let result = name;
  for (const rule of rules) {
    switch (rule['rule-action']) {
      case 'rename':
        result = rule.value ?? result;
        break;
      case 'convert-lowercase':
        result = result.toLowerCase();
        break;
      case 'convert-uppercase':
        result = result.toUpperCase();
        break;
      case 'add-prefix':
        result = `${rule.value ?? ''}${result}`;
        break;
      case 'add-suffix':
        result = `${result}${rule.value ?? ''}`;
        break;
      default:
        break;
    }
  }
  return result;
}

/** The schema and table names on the target (the S3 folders), after rename and case rules. */
export function targetNames(mapping: TableMapping, schema: string, table: string): { schema: string; table: string } {
  return {
    schema: applyNaming(schema, rulesFor(mapping, 'schema', schema)),
    table: applyNaming(table, rulesFor(mapping, 'table', schema, table)),
  };
}

export type OutputColumn =
  | { kind: 'source'; name: string; index: number; meta: ColumnMeta }
  | { kind: 'header'; name: string; expression: TransactionHeader; dataType: AddColumnDataType };

/** The data columns a table writes, in source order, then the add-column columns in rule order. */
export function outputColumns(mapping: TableMapping, schema: string, table: string, columns: ColumnMeta[]): OutputColumn[] {
  const out: OutputColumn[] = [];
  columns.forEach((meta, index) => {
    const rules = rulesFor(mapping, 'column', schema, table, meta.name).filter(
      (rule) => rule['object-locator']['column-name'] !== undefined,
    );
    if (rules.some((rule) => rule['rule-action'] === 'remove-column')) return;
    out.push({ kind: 'source', name: applyNaming(meta.name, rules), index, meta });
  });
  for (const rule of rulesFor(mapping, 'column', schema, table)) {
    if (rule['rule-action'] !== 'add-column') continue;
    out.push({ kind: 'header', name: rule.value!, expression: rule.expression as TransactionHeader, dataType: rule['data-type']! });
  }
  return out;
}
