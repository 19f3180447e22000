import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * docs/examples/skeletonRunbook.ts, the starting point docs/writing-a-runbook.md gives, compiles against the real
 * engine with the project's compiler options; and the first checklist step is real: a kind missing from the kind
 * list in domain/config.ts does not compile.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const SKELETON = path.join(ROOT, 'docs', 'examples', 'skeletonRunbook.ts');

function diagnosticsOf(file: string, text?: string): string[] {
  const config = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  if (text !== undefined) {
    const { getSourceFile, fileExists, readFile } = host;
    host.fileExists = (p) => p === file || fileExists.call(host, p);
    host.readFile = (p) => (p === file ? text : readFile.call(host, p));
    host.getSourceFile = (p, lang, ...rest) =>
      p === file ? ts.createSourceFile(p, text, lang) : getSourceFile.call(host, p, lang, ...rest);
  }
  const program = ts.createProgram([file], { ...options, noEmit: true, types: ['node'] }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file ? path.relative(ROOT, d.file.fileName) : ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

test('the skeleton type-checks against the engine, and stays short enough to read in one screen', () => {
  expect(diagnosticsOf(SKELETON)).toEqual([]);
  const text = fs.readFileSync(SKELETON, 'utf8');
  expect(text.split('\n').length).toBeLessThanOrEqual(60);
  for (const piece of ['runRunbook(', "'gate:stop'", 'runbook.gate(', 'runbook.lock(', '.strict()', 'dryRun'])
    expect(text).toContain(piece);
});

test('a kind that is not in the kind list of domain/config.ts does not compile', () => {
  const text = fs.readFileSync(SKELETON, 'utf8').replace("kind: 'checkSourceReadiness'", "kind: 'pauseTask'");
  expect(text).toContain("kind: 'pauseTask'");
  const errors = diagnosticsOf(path.join(ROOT, 'docs', 'examples', 'skeletonWithNewKind.ts'), text);
  expect(errors.join('\n')).toMatch(/'"pauseTask"' is not assignable to type '.*checkSourceReadiness/);
});
