import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parsePipelineConfig } from '../../domain/config';
import { REFERENCE_FILE, schemaComments } from '../../scripts/configurationReference';

const ROOT = path.resolve(__dirname, '..', '..');

/** docs/reference/configuration.md is generated from domain/config.ts; it must say what the schema does. */

const minimal = {
  name: 'p',
  region: 'eu-west-1',
  sources: [{ name: 'shop', host: 'db', user: 'dms', password: { env: 'PW' }, schemas: ['shop'] }],
  target: { bucket: 'lake-bucket', folder: 'dms' },
  dms: { replicationInstances: [{ identifier: 'repl-1', allowedClasses: ['dms.r5.large'] }], endpoints: { source: 's', target: 't' } },
  taskGroups: [
    {
      name: 'core',
      taskIdentifier: 'core',
      tableClass: { volume: 'low', churn: 'low', criticality: 'low' },
      instance: 'repl-1',
      source: 'shop',
    },
  ],
  approvers: { default: ['dba'] },
  // One of each kind, in the order the reference numbers them (`consumers[](1)`, `consumers[](2)`).
  consumers: [
    {
      kind: 'databricksJob',
      name: 'lake',
      taskGroups: ['core'],
      host: 'https://dbc-1.cloud.databricks.com',
      token: { env: 'T' },
      ingestionJobId: 1,
    },
    { kind: 'webhook', name: 'hook', taskGroups: ['core'], url: 'https://hooks.example.com/x' },
  ],
};

/** `| \`waits.pollSeconds\` | number > 0 | \`30\` | … |` rows: key → the default the reference states. */
function statedDefaults(markdown: string): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const match of markdown.matchAll(/^\| `([^`]+)` +\|[^|]*\| `([^`]+)` +\|/gm)) defaults.set(match[1]!, match[2]!);
  return defaults;
}

test('the committed configuration reference is what `npm run docs:reference` renders from domain/config.ts', () => {
  const committed = fs.readFileSync(REFERENCE_FILE, 'utf8');
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const rendered = execFileSync(tsx, [path.join(ROOT, 'scripts', 'docsReference.ts'), '--stdout'], { cwd: ROOT, encoding: 'utf8' });
  if (committed !== rendered)
    throw new Error('docs/reference/configuration.md is out of date with domain/config.ts: run npm run docs:reference');
});

test('every default the reference states is the value a configuration without that key gets', () => {
  const parsed = parsePipelineConfig(minimal) as unknown as Record<string, unknown>;
  const defaults = statedDefaults(fs.readFileSync(REFERENCE_FILE, 'utf8'));
  expect(defaults.get('waits.pollSeconds')).toBe('30');
  const checked: string[] = [];
  for (const [key, stated] of defaults) {
    // A consumer needs taskGroups or tables (each defaults to []): the minimal configuration gives taskGroups.
    if (/^consumers\[\]\(\d\)\.taskGroups$/.test(key)) continue;
    const value = key.split('.').reduce<unknown>((node, part) => {
      if (node === undefined) return undefined;
      const shape = /^(.+)\[\]\((\d+)\)$/.exec(part);
      if (shape) return ((node as Record<string, unknown>)[shape[1]!] as unknown[])[Number(shape[2]) - 1];
      const name = part.replace(/\[\]$/, '');
      const child = (node as Record<string, unknown>)[name];
      return part.endsWith('[]') ? (child as unknown[])[0] : child;
    }, parsed);
    expect({ key, value: JSON.stringify(value) }).toEqual({
      key,
      value: stated.startsWith('{') || stated.startsWith('[') || /^[\d.]+$|^(true|false)$/.test(stated) ? stated : JSON.stringify(stated),
    });
    checked.push(key);
  }
  expect(checked).toEqual(
    expect.arrayContaining(['thresholds.gateTimeoutMinutes', 'taskSettings.lob.maxSizeKb', 'approvals.signatures', 'sources[].port']),
  );
});

test('comments reach the keys of schemas declared on their own (sources, task groups) and nested sections', () => {
  const comments = schemaComments();
  expect(comments.get('sources.rds')).toMatch(/RDS API/);
  expect(comments.get('taskGroups.allowFkPlacement')).toMatch(/foreign keys/);
  expect(comments.get('taskSettings.lob.whenLonger')).toMatch(/LobMaxSize/);
});
