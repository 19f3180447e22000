import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { z } from 'zod';
import { pipelineConfigSchema } from '../domain/config';

/**
 * docs/reference/configuration.md from the zod schema of domain/config.ts — every key, its type, its default and the
 * JSDoc comment above it — so the reference cannot drift from what the worker accepts (scripts/docsReference.ts
 * formats and writes it).
 */

const ROOT = path.resolve(__dirname, '..');
export const CONFIG_SOURCE = path.join(ROOT, 'domain', 'config.ts');
/** Schemas kept in a file of their own, with where the configuration places them. */
const SCHEMA_FILES: Array<{ file: string; prefix: string[] }> = [
  { file: path.join(ROOT, 'domain', 'consumers.ts'), prefix: ['consumers'] },
];
export const REFERENCE_FILE = path.join(ROOT, 'docs', 'reference', 'configuration.md');

/** The JSON Schema subset zod emits for this configuration. */
interface Json {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  properties?: Record<string, Json>;
  required?: string[];
  items?: Json;
  anyOf?: Json[];
  oneOf?: Json[];
  const?: unknown;
  propertyNames?: Json;
  additionalProperties?: Json | boolean;
}

interface Row {
  key: string;
  type: string;
  default: string;
  description: string;
}

/**
 * JSDoc comments of the schema's properties, by dotted key path without array markers (`waits.pollSeconds`,
 * `sources.rds`). A schema kept in its own constant (`sourceSchema`) is placed where the configuration uses it.
 */
export function schemaComments(sourceFile = CONFIG_SOURCE, rootPrefixes?: string[]): Map<string, string> {
  if (sourceFile === CONFIG_SOURCE && !rootPrefixes) {
    const all = new Map<string, string>();
    for (const { file, prefix } of SCHEMA_FILES) for (const [k, v] of schemaComments(file, prefix)) all.set(k, v);
    for (const [k, v] of schemaComments(sourceFile, [])) all.set(k, v);
    return all;
  }
  const text = fs.readFileSync(sourceFile, 'utf8');
  const file = ts.createSourceFile(sourceFile, text, ts.ScriptTarget.ES2022, true);
  const declarations = new Map<string, ts.Expression>();
  for (const statement of file.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const d of statement.declarationList.declarations) {
      if (ts.isIdentifier(d.name) && d.initializer) declarations.set(d.name.text, d.initializer);
    }
  }
  const chainOf = (node: ts.Node, stop: ts.Node): string[] => {
    const names: string[] = [];
    for (let n: ts.Node | undefined = node; n && n !== stop; n = n.parent) {
      if ((ts.isPropertyAssignment(n) || ts.isShorthandPropertyAssignment(n)) && ts.isIdentifier(n.name)) names.unshift(n.name.text);
    }
    return names;
  };
  // Where each named schema sits in the configuration: followed from pipelineConfigSchema through its references.
  const prefixes = new Map<string, string[]>(
    rootPrefixes?.length ? [...declarations.keys()].map((name) => [name, rootPrefixes]) : [['pipelineConfigSchema', []]],
  );
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, init] of declarations) {
      const prefix = prefixes.get(name);
      if (!prefix) continue;
      const visit = (node: ts.Node): void => {
        if (ts.isIdentifier(node) && declarations.has(node.text) && node.text !== name && !prefixes.has(node.text)) {
          const chain = chainOf(node, init);
          if (chain.length) {
            prefixes.set(node.text, [...prefix, ...chain]);
            changed = true;
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(init);
    }
  }
  const comments = new Map<string, string>();
  for (const [name, init] of declarations) {
    const prefix = prefixes.get(name);
    if (!prefix) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAssignment(node) || ts.isShorthandPropertyAssignment(node)) {
        const jsdoc = (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [])
          .map((range) => text.slice(range.pos, range.end))
          .filter((comment) => comment.startsWith('/**'))
          .pop();
        if (jsdoc) {
          const words = jsdoc
            .replace(/^\/\*\*|\*\/$/g, '')
            .split('\n')
            .map((line) => line.replace(/^\s*\*\s?/, '').trim())
            .join(' ')
            .trim();
          comments.set([...prefix, ...chainOf(node, init)].join('.'), words);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(init);
  }
  return comments;
}

function code(value: unknown): string {
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

function typeOf(schema: Json): string {
  if (schema.const !== undefined) return code(schema.const);
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(' or ');
  if (schema.enum) return schema.enum.map(code).join(', ');
  const bounds = (): string => {
    const low =
      schema.exclusiveMinimum !== undefined ? `> ${schema.exclusiveMinimum}` : schema.minimum !== undefined ? `≥ ${schema.minimum}` : '';
    const high = schema.maximum !== undefined && schema.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${schema.maximum}` : '';
    return [low, high].filter(Boolean).join(', ');
  };
  switch (schema.type) {
    case 'string':
      return schema.format === 'uri' ? 'URL' : 'string';
    case 'integer':
    case 'number':
      return [schema.type, bounds()].filter(Boolean).join(' ');
    case 'boolean':
      return 'boolean';
    case 'array':
      return `list of ${typeOf(schema.items ?? {})}${schema.minItems ? ` (at least ${schema.minItems})` : ''}`;
    case 'object':
      if (schema.properties) return `{ ${Object.keys(schema.properties).join(', ')} }`;
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        return `map: ${typeOf(schema.propertyNames ?? { type: 'string' })} → ${typeOf(schema.additionalProperties)}`;
      }
      return 'object';
    default:
      return 'any';
  }
}

function rowsOf(schema: Json, prefix: string, comments: Map<string, string>, rows: Row[]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const key = prefix ? `${prefix}.${name}` : name;
    const required = schema.required?.includes(name) && child.default === undefined;
    const isSection = child.type === 'object' && !!child.properties;
    const itemObject = child.type === 'array' && child.items?.type === 'object' && child.items.properties ? child.items : undefined;
    // A list of one of several object shapes (`consumers`: a discriminated union by `kind`).
    const itemShapes = child.type === 'array' && child.items?.oneOf?.every((o) => o.properties) ? child.items.oneOf : undefined;
    const scalarDefault =
      child.default !== undefined &&
      (typeof child.default !== 'object' || child.default === null || Object.keys(child.default).length === 0);
    rows.push({
      key: itemObject || itemShapes ? `${key}[]` : key,
      type:
        itemObject || itemShapes
          ? `list of objects${itemShapes ? ` (by \`kind\`: ${itemShapes.map((o) => code(o.properties?.kind?.const)).join(', ')})` : ''}${child.minItems ? ` (at least ${child.minItems})` : ''}`
          : isSection
            ? 'object'
            : typeOf(child),
      default: required ? 'required' : scalarDefault && !isSection && !itemShapes ? code(child.default) : '',
      description:
        comments.get(key.replace(/\[\]/g, '')) ??
        (key.startsWith('consumers') ? comments.get(key.replace(/\[\]|\(\d+\)/g, '')) : undefined) ??
        '',
    });
    if (isSection) rowsOf(child, key, comments, rows);
    if (itemObject) rowsOf(itemObject, `${key}[]`, comments, rows);
    for (const [i, shape] of (itemShapes ?? []).entries()) rowsOf(shape, `${key}[](${i + 1})`, comments, rows);
    for (const [i, alternative] of (child.anyOf ?? []).entries()) {
      if (alternative.properties) rowsOf(alternative, `${key}(${i + 1})`, comments, rows);
    }
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

export function configurationReferenceMarkdown(): string {
  const schema = z.toJSONSchema(pipelineConfigSchema, { io: 'input', unrepresentable: 'any' }) as Json;
  const comments = schemaComments();
  const top: Row[] = [];
  const sections: string[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const isGroup =
      (child.type === 'object' && child.properties) || (child.type === 'array' && (child.items?.properties || child.items?.oneOf));
    if (!isGroup) {
      rowsOf({ properties: { [name]: child }, required: schema.required }, '', comments, top);
      continue;
    }
    const rows: Row[] = [];
    rowsOf({ properties: { [name]: child }, required: schema.required }, '', comments, rows);
    sections.push(`## \`${name}\`\n\n${table(rows)}`);
  }
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from domain/config.ts by `npm run docs:reference`: edit the schema and its comments, not this file. -->',
    '',
    'One YAML or JSON file, named by `DMS_RUNBOOKS_CONFIG`, validated with zod when the worker starts; a bad file stops',
    'the worker with the path of each bad field (`sources.0.port: Invalid input: expected number`). `${VAR}` and',
    '`${VAR:-default}` are replaced from the environment before parsing. The sandbox file',
    '[`config/sandbox.pipeline.yaml`](../../config/sandbox.pipeline.yaml) shows every section, and',
    '[`config/example.production.yaml`](../../config/example.production.yaml) is the production starting point.',
    '',
    'Each key is listed once, with its type and its default; "required" keys have none. `[]` marks a list of objects,',
    '`(1)` and `(2)` the alternatives of a key that takes one of two shapes. The pipeline file never holds a secret: the',
    'source password is named by an environment variable or a Secrets Manager ARN.',
    '',
    '## Top level',
    '',
    table(top),
    ...sections,
  ].join('\n');
}

function table(rows: Row[]): string {
  const lines = rows.map((r) => `| \`${r.key}\` | ${cell(r.type)} | ${cell(r.default)} | ${cell(r.description)} |`);
  return ['| key | type | default | meaning |', '| --- | --- | --- | --- |', ...lines, ''].join('\n');
}
