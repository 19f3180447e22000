import { z } from 'zod';
import { UsageError } from './usageError';

/** The JSON type of each input field, read from the runbook's schemas, so a flag is typed by what the field takes. */
export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object';

interface JsonSchemaNode {
  type?: FieldType;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
}

export interface FieldSpec {
  type?: FieldType;
  items?: FieldType;
}

const typeOf = (node: JsonSchemaNode | undefined): FieldType | undefined =>
  node?.type ?? node?.anyOf?.map((n) => n.type).find((t) => t !== undefined);

export function fieldTypes(forms: z.ZodType[]): Map<string, FieldSpec> {
  const fields = new Map<string, FieldSpec>();
  for (const form of forms) {
    const json = z.toJSONSchema(form, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
    for (const [name, node] of Object.entries(json.properties ?? {})) {
      if (!fields.has(name)) fields.set(name, { type: typeOf(node), items: typeOf(node.items) });
    }
  }
  return fields;
}

function scalar(name: string, raw: string | true, type: FieldType | undefined): unknown {
  switch (type) {
    case 'string':
      if (raw === true) throw new UsageError(`--${name} needs a value`);
      return raw;
    case 'number':
    case 'integer': {
      const value = raw === true ? NaN : Number(raw);
      if (!Number.isFinite(value)) throw new UsageError(`--${name} takes a number, not ${raw === true ? 'nothing' : `"${raw}"`}`);
      return value;
    }
    case 'boolean':
      if (raw === true || raw === 'true') return true;
      if (raw === 'false') return false;
      throw new UsageError(`--${name} is true or false (or given alone for true), not "${raw}"`);
    case 'object':
    case 'array':
      if (raw === true) throw new UsageError(`--${name} needs a JSON value`);
      try {
        return JSON.parse(raw);
      } catch (error) {
        throw new UsageError(`--${name} is not JSON: ${(error as Error).message}`);
      }
    default:
      // A field the runbook does not have: the runbook's own validation names it as unknown.
      return raw === true || raw === 'true' ? true : raw === 'false' ? false : raw;
  }
}

/**
 * A flag's value typed by its field: a list field collects every occurrence (`--tables a --tables b`), or takes
 * one JSON array; numbers, booleans and JSON objects are parsed; a string field keeps digits as text
 * (`--from 20261101`).
 */
export function typedValue(name: string, occurrences: Array<string | true>, spec: FieldSpec | undefined): unknown {
  if (spec?.type === 'array') {
    const single = occurrences.length === 1 ? occurrences[0] : undefined;
    if (typeof single === 'string' && single.trimStart().startsWith('[')) return scalar(name, single, 'array');
    return occurrences.map((raw) => scalar(name, raw, spec.items ?? 'string'));
  }
  if (occurrences.length > 1) throw new UsageError(`--${name} is given ${occurrences.length} times; it takes one value`);
  return scalar(name, occurrences[0]!, spec?.type);
}
