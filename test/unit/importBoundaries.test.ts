import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Linter } from 'eslint';

/**
 * Arrows point one way (README "A map of the code"): activities/ never import workflows/, domain/ and contracts/
 * import neither. Checked twice: on the code as it is (the module graph), and on the lint rule that keeps it so
 * (eslint.config.mjs, applied to a fixture that points back).
 */
const root = resolve(__dirname, '../..');

function sources(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(folder, f));
}

/** Every relative import of a file, as a path from the repository root. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specifiers.map((s) => relative(root, resolve(join(root, dirname(file)), s)));
}

const pointingBack = (folders: string[], forbidden: string[]) =>
  folders
    .flatMap(sources)
    .flatMap((file) => importsOf(file).map((target) => ({ file, target })))
    .filter(({ target }) => forbidden.some((f) => target === f || target.startsWith(`${f}/`)))
    .map(({ file, target }) => `${file} → ${target}`);

test('activities/ import nothing from workflows/', () => {
  expect(pointingBack(['activities'], ['workflows'])).toEqual([]);
});

test('domain/ and contracts/ import neither workflows/ nor activities/', () => {
  expect(pointingBack(['domain', 'contracts'], ['workflows', 'activities'])).toEqual([]);
});

test('the module-graph check sees an import that points back', () => {
  // The check above would pass on an empty list by mistake: it must find the workflows' own imports of activities.
  expect(pointingBack(['workflows'], ['activities']).length).toBeGreaterThan(0);
});

/**
 * The `no-restricted-imports` rule as eslint.config.mjs configures it for each file, read in one child process (the
 * config is an ES module; one process loads typescript-eslint once).
 */
function restrictedImportsRules(files: string[]): Record<string, Linter.RuleEntry> {
  const script = `const { ESLint } = require('eslint');
    const eslint = new ESLint();
    Promise.all(${JSON.stringify(files)}.map((f) => eslint.calculateConfigForFile(f).then((c) => [f, c.rules['no-restricted-imports']])))
      .then((rules) => process.stdout.write(JSON.stringify(Object.fromEntries(rules))));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })) as Record<string, Linter.RuleEntry>;
}

const rules = restrictedImportsRules(['activities/locks.ts', 'activities/doctor/leftoversCheck.ts', 'domain/plan.ts', 'contracts/lock.ts']);

function ruleFor(file: string): Linter.RuleEntry {
  const rule = rules[file];
  if (!rule) throw new Error(`eslint.config.mjs sets no no-restricted-imports rule for ${file}`);
  return rule;
}

function lint(rule: Linter.RuleEntry, code: string, filename: string): string[] {
  const config: Linter.Config[] = [
    { files: ['**/*.ts'], languageOptions: { sourceType: 'module' }, rules: { 'no-restricted-imports': rule } },
  ];
  return new Linter({ configType: 'flat' }).verify(code, config, { filename }).map((m) => m.message);
}

test.each([
  ['activities/locks.ts', "import { resourceLock } from '../workflows/resourceLock';", 'activities/'],
  ['activities/doctor/leftoversCheck.ts', "import { statusQuery } from '../../workflows/definitions';", 'activities/'],
  ['domain/plan.ts', "import { fullReload } from '../workflows';", 'domain/'],
  ['domain/plan.ts', "import { lockActivities } from '../activities/locks';", 'domain/'],
  ['contracts/lock.ts', "import { reads } from '../workflows/engine/activityProxies';", 'contracts/'],
])('the lint fails %s when it imports back (%s)', (file, code, says) => {
  const messages = lint(ruleFor(file), code, file);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toContain(says);
});

test('the lint lets activities/ import contracts/ and domain/', () => {
  const rule = ruleFor('activities/locks.ts');
  expect(
    lint(rule, "import { lockWorkflowId } from '../contracts/lock';\nimport { Plan } from '../domain/plan';", 'activities/locks.ts'),
  ).toEqual([]);
});
