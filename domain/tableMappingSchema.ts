import { z } from 'zod';

/**
 * The DMS table-mapping document (the JSON string passed as `TableMappings`). One definition shared by the
 * product, which builds mappings, and the sandbox's DMS emulator, which evaluates them. Rules DMS knows but
 * this project does not use (table-settings, post-processing, …) are accepted as they are.
 */

/** DMS accepts rule ids as numbers or numeric strings; they must be unique within a mapping. */
const ruleId = z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, 'must be a number')]);
/** `%` is the DMS wildcard (any run of characters). */
const namePattern = z.string().min(1).max(128);

export const filterOperatorSchema = z.enum(['eq', 'noteq', 'lte', 'ste', 'gte', 'between', 'notbetween', 'null', 'notnull']);
export type FilterOperator = z.infer<typeof filterOperatorSchema>;

export const filterConditionSchema = z
  .object({
    'filter-operator': filterOperatorSchema,
    value: z.union([z.string(), z.number()]).optional(),
    'start-value': z.union([z.string(), z.number()]).optional(),
    'end-value': z.union([z.string(), z.number()]).optional(),
  })
  .superRefine((condition, ctx) => {
    const op = condition['filter-operator'];
    if ((op === 'between' || op === 'notbetween') && (condition['start-value'] === undefined || condition['end-value'] === undefined)) {
      ctx.addIssue({ code: 'custom', message: `filter-operator ${op} needs start-value and end-value` });
    }
    if ((op === 'eq' || op === 'noteq' || op === 'lte' || op === 'ste' || op === 'gte') && condition.value === undefined) {
      ctx.addIssue({ code: 'custom', message: `filter-operator ${op} needs value` });
    }
  });
export type FilterCondition = z.infer<typeof filterConditionSchema>;

export const sourceFilterSchema = z.object({
  'filter-type': z.literal('source'),
  'column-name': z.string().min(1),
  'filter-conditions': z.array(filterConditionSchema).min(1),
});
export type SourceFilter = z.infer<typeof sourceFilterSchema>;

export const selectionRuleSchema = z.looseObject({
  'rule-type': z.literal('selection'),
  'rule-id': ruleId,
  'rule-name': z.string().min(1),
  'object-locator': z.looseObject({ 'schema-name': namePattern, 'table-name': namePattern, 'table-type': z.string().optional() }),
  'rule-action': z.enum(['include', 'exclude', 'explicit']),
  filters: z.array(sourceFilterSchema).optional(),
  'load-order': z.number().int().optional(),
});
export type SelectionRule = z.infer<typeof selectionRuleSchema>;

/** Transaction headers DMS can add as columns (`add-column` with one of these as `expression`). */
export const TRANSACTION_HEADERS = [
  '$AR_H_CHANGE_SEQ',
  '$AR_H_OPERATION',
  '$AR_H_TIMESTAMP',
  '$AR_H_COMMIT_TIMESTAMP',
  '$AR_H_STREAM_POSITION',
] as const;
export type TransactionHeader = (typeof TRANSACTION_HEADERS)[number];

export const addColumnDataTypeSchema = z.looseObject({
  type: z.enum([
    'string',
    'int1',
    'int2',
    'int4',
    'int8',
    'uint1',
    'uint2',
    'uint4',
    'uint8',
    'numeric',
    'real4',
    'real8',
    'datetime',
    'date',
    'time',
    'boolean',
    'bytes',
    'blob',
    'clob',
    'nclob',
  ]),
  length: z.number().int().positive().optional(),
  precision: z.number().int().positive().optional(),
  scale: z.number().int().nonnegative().optional(),
});
export type AddColumnDataType = z.infer<typeof addColumnDataTypeSchema>;

export const transformationActionSchema = z.enum([
  'rename',
  'remove-column',
  'convert-lowercase',
  'convert-uppercase',
  'add-prefix',
  'remove-prefix',
  'replace-prefix',
  'add-suffix',
  'remove-suffix',
  'replace-suffix',
  'define-primary-key',
  'change-data-type',
  'add-column',
  'include-column',
  'add-before-image-columns',
]);
export type TransformationAction = z.infer<typeof transformationActionSchema>;

export const transformationRuleSchema = z
  .looseObject({
    'rule-type': z.literal('transformation'),
    'rule-id': ruleId,
    'rule-name': z.string().min(1),
    'rule-target': z.enum(['schema', 'table', 'column', 'table-tablespace', 'index-tablespace']),
    'object-locator': z.looseObject({
      'schema-name': namePattern,
      'table-name': namePattern.optional(),
      'column-name': namePattern.optional(),
    }),
    'rule-action': transformationActionSchema,
    value: z.string().nullable().optional(),
    'old-value': z.string().nullable().optional(),
    expression: z.string().optional(),
    'data-type': addColumnDataTypeSchema.optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule['rule-action'] === 'add-column') {
      if (rule['rule-target'] !== 'column')
        ctx.addIssue({ code: 'custom', path: ['rule-target'], message: 'add-column needs rule-target column' });
      if (!rule.value) ctx.addIssue({ code: 'custom', path: ['value'], message: 'add-column needs value (the new column name)' });
      if (!rule.expression) ctx.addIssue({ code: 'custom', path: ['expression'], message: 'add-column needs expression' });
      if (!rule['data-type']) ctx.addIssue({ code: 'custom', path: ['data-type'], message: 'add-column needs data-type' });
    }
    if (rule['rule-action'] === 'rename' && !rule.value) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'rename needs value (the new name)' });
    }
    if (rule['rule-target'] !== 'schema' && rule['object-locator']['table-name'] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['object-locator', 'table-name'],
        message: `rule-target ${rule['rule-target']} needs table-name`,
      });
    }
    if (rule['rule-target'] === 'column' && rule['rule-action'] !== 'add-column' && rule['object-locator']['column-name'] === undefined) {
      ctx.addIssue({ code: 'custom', path: ['object-locator', 'column-name'], message: 'rule-target column needs column-name' });
    }
  });
export type TransformationRule = z.infer<typeof transformationRuleSchema>;

/** table-settings, post-processing and other rule types: kept, not interpreted. */
export const otherRuleSchema = z.looseObject({
  'rule-type': z.enum(['table-settings', 'post-processing']),
  'rule-id': ruleId,
  'rule-name': z.string().min(1),
});
export type OtherRule = z.infer<typeof otherRuleSchema>;

export const mappingRuleSchema = z.discriminatedUnion('rule-type', [selectionRuleSchema, transformationRuleSchema, otherRuleSchema]);
export type MappingRule = z.infer<typeof mappingRuleSchema>;

export const tableMappingSchema = z.looseObject({ rules: z.array(mappingRuleSchema).min(1) }).superRefine((mapping, ctx) => {
  const ids = new Map<string, number>();
  const names = new Map<string, number>();
  mapping.rules.forEach((rule, i) => {
    const id = String(rule['rule-id']);
    if (ids.has(id))
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'rule-id'], message: `duplicate rule-id ${id} (also rule ${ids.get(id)})` });
    ids.set(id, i);
    const name = rule['rule-name'];
    if (names.has(name))
      ctx.addIssue({
        code: 'custom',
        path: ['rules', i, 'rule-name'],
        message: `duplicate rule-name ${name} (also rule ${names.get(name)})`,
      });
    names.set(name, i);
  });
  if (!mapping.rules.some((rule) => rule['rule-type'] === 'selection' && rule['rule-action'] !== 'exclude')) {
    ctx.addIssue({ code: 'custom', path: ['rules'], message: 'at least one selection rule that includes tables is required' });
  }
});
export type TableMapping = z.infer<typeof tableMappingSchema>;

export class TableMappingError extends Error {
  constructor(readonly details: string) {
    super(`invalid table mapping: ${details}`);
    this.name = 'TableMappingError';
  }
}

/** Parses the `TableMappings` JSON string; errors name the rule and field. */
export function parseTableMapping(json: string): TableMapping {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    throw new TableMappingError(`not JSON (${(error as Error).message})`);
  }
  const result = tableMappingSchema.safeParse(raw);
  if (!result.success) {
    throw new TableMappingError(
      result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`).join('; '),
    );
  }
  return result.data;
}

export function selectionRules(mapping: TableMapping): SelectionRule[] {
  return mapping.rules.filter((rule): rule is SelectionRule => rule['rule-type'] === 'selection');
}

export function transformationRules(mapping: TableMapping): TransformationRule[] {
  return mapping.rules.filter((rule): rule is TransformationRule => rule['rule-type'] === 'transformation');
}
