import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * docs/examples/skeletonRunbook.ts, the starting point docs/writing-a-runbook.md gives, compiles against the real
 * engine with the project's compiler options; and the first checklist step is real: a kind missing from the kind
 * list in domain/config.ts does not compile. One program checks both (type-checking the engine is the slow part).
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SKELETON = path.join(ROOT, 'docs', 'examples', 'skeletonRunbook.ts');
const WITH_NEW_KIND = path.join(ROOT, 'docs', 'examples', 'skeletonWithNewKind.ts');
const skeleton = fs.readFileSync(SKELETON, 'utf8');
const withNewKind = skeleton.replace("kind: 'checkSourceReadiness'", "kind: 'pauseTask'");

function diagnosticsByFile(): Map<string, string[]> {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options, noEmit: true, types: ['node'] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (p) => p === WITH_NEW_KIND || fileExists.call(host, p);
  host.readFile = (p) => (p === WITH_NEW_KIND ? withNewKind : readFile.call(host, p));
  host.getSourceFile = (p, lang, ...rest) =>
    p === WITH_NEW_KIND ? ts.createSourceFile(p, withNewKind, lang) : getSourceFile.call(host, p, lang, ...rest);
  const byFile = new Map<string, string[]>();
  for (const d of ts.getPreEmitDiagnostics(ts.createProgram([SKELETON, WITH_NEW_KIND], options, host))) {
    const file = d.file ? path.relative(ROOT, d.file.fileName) : '(options)';
    byFile.set(file, [...(byFile.get(file) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
  }
  return byFile;
}

let diagnostics: Map<string, string[]>;
beforeAll(() => {
  diagnostics = diagnosticsByFile();
});

test('the skeleton type-checks against the engine, and stays short enough to read in one screen', () => {
  expect([...diagnostics].filter(([file]) => !file.endsWith('skeletonWithNewKind.ts'))).toEqual([]);
  expect(skeleton.split('\n').length).toBeLessThanOrEqual(60);
  for (const piece of ['runRunbook(', "'gate:stop'", 'runbook.gateStep(', 'runbook.skipRest(', 'runbook.lock(', '.strict()', 'dryRun'])
    expect(skeleton).toContain(piece);
});

test('a kind that is not in the kind list of domain/config.ts does not compile', () => {
  expect(withNewKind).toContain("kind: 'pauseTask'");
  expect((diagnostics.get('docs/examples/skeletonWithNewKind.ts') ?? []).join('\n')).toMatch(
    /'"pauseTask"' is not assignable to type '.*checkSourceReadiness/,
  );
});
