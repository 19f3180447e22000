import fs from 'node:fs';
import path from 'node:path';
import { runbookKindSchema } from '../../domain/config';
import { INPUT_FORMS } from '../../domain/inputs';

/** Each runbook kind has its page in docs/runbooks/, on the one template, naming every field of its input schema. */

const DOCS = path.resolve(__dirname, '..', '..', 'docs', 'runbooks');
const TEMPLATE = [
  'When to use it',
  'When not to use it',
  'Inputs',
  'Gates',
  'Blast radius',
  'What it changes',
  'Rollback',
  'Downstream',
  'How to start it',
];

test('every runbook kind has its input forms listed (domain/inputs/index.ts)', () => {
  expect(Object.keys(INPUT_FORMS).sort()).toEqual([...runbookKindSchema.options].sort());
});

describe.each(runbookKindSchema.options)('docs/runbooks/%s.md', (kind) => {
  const page = path.join(DOCS, `${kind}.md`);
  const text = fs.existsSync(page) ? fs.readFileSync(page, 'utf8') : '';

  test('exists and follows the template, in order', () => {
    expect(fs.existsSync(page)).toBe(true);
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]!);
    expect(headings.filter((h) => TEMPLATE.includes(h))).toEqual(TEMPLATE);
  });

  test('its Inputs section names every field of the input schema', () => {
    const inputs = text.split(/^## Inputs$/m)[1]?.split(/^## /m)[0] ?? '';
    const fields = new Set(INPUT_FORMS[kind].flatMap((schema) => Object.keys(schema.shape)));
    expect([...fields].filter((field) => !inputs.includes(`\`${field}\``))).toEqual([]);
  });
});
