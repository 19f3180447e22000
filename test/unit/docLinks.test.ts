import fs from 'node:fs';
import path from 'node:path';

/**
 * Every link a reader can follow resolves: relative links and anchors in README.md and docs/, and the README/docs
 * references that error messages, printed hints and comments carry. Anchors follow GitHub's heading slugs.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const CODE_DIRS = ['workflows', 'activities', 'domain', 'cli', 'client', 'worker', 'scripts', 'sandbox'];

function walk(dir: string, keep: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : walk(full, keep);
    return keep(full) ? [full] : [];
  });
}

/** The text outside fenced code blocks (headings and links inside them are examples, not structure). */
function outsideFences(markdown: string): string {
  let fence: string | undefined;
  return markdown
    .split('\n')
    .map((line) => {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (marker && (!fence || marker.startsWith(fence))) {
        fence = fence ? undefined : marker;
        return '';
      }
      return fence ? '' : line;
    })
    .join('\n');
}

/** GitHub's anchor for a heading: rendered text, lower case, punctuation dropped, spaces to hyphens, -1/-2 for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of outsideFences(markdown).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const text = heading
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*_~]/g, (c) => (c === '_' ? '_' : ''));
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count ? `${base}-${count}` : base);
  }
  return anchors;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOf(file: string): Set<string> {
  if (!anchorCache.has(file)) anchorCache.set(file, headingAnchors(fs.readFileSync(file, 'utf8')));
  return anchorCache.get(file)!;
}

/** Why `target` (relative to `from`'s folder, or to the root) does not resolve; undefined when it does. */
function problemWith(target: string, fromDir: string): string | undefined {
  const [rawPath, anchor] = target.split('#', 2) as [string, string | undefined];
  const file = rawPath ? path.resolve(fromDir, decodeURIComponent(rawPath)) : undefined;
  if (file && !fs.existsSync(file)) return `no file ${path.relative(ROOT, file)}`;
  if (anchor === undefined || anchor === '') return undefined;
  if (!file || !file.endsWith('.md')) return file ? undefined : 'anchor without a file';
  return anchorsOf(file).has(anchor.toLowerCase()) ? undefined : `no heading with anchor #${anchor} in ${path.relative(ROOT, file)}`;
}

const docs = [path.join(ROOT, 'README.md'), ...walk(path.join(ROOT, 'docs'), (f) => f.endsWith('.md'))];

describe('documentation links', () => {
  test('the docs exist and the anchor rules match GitHub (the case this test relies on)', () => {
    expect(docs.length).toBeGreaterThan(10);
    const anchors = headingAnchors(
      '# `fullReload`\n## Verification (what catches a scramble)\n### Type mapping (MySQL → Parquet)\n## Steps\n## Steps\n```\n# not a heading\n```',
    );
    expect([...anchors]).toEqual(['fullreload', 'verification-what-catches-a-scramble', 'type-mapping-mysql--parquet', 'steps', 'steps-1']);
  });

  test.each(docs.map((file) => [path.relative(ROOT, file), file]))('%s: every relative link and anchor resolves', (_name, file) => {
    const text = outsideFences(fs.readFileSync(file, 'utf8')).replace(/`[^`\n]*`/g, '');
    const broken: string[] = [];
    for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1]!.replace(/^<|>$/g, '');
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
      const problem = problemWith(target.startsWith('#') ? `${path.basename(file)}${target}` : target, path.dirname(file));
      if (problem) broken.push(`${target}: ${problem}`);
    }
    expect(broken).toEqual([]);
  });

  const codeFiles = CODE_DIRS.flatMap((dir) => walk(path.join(ROOT, dir), (f) => /\.(ts|sh|js|cjs|mjs)$/.test(f)));

  test('references to README.md and docs/ in code, error messages and hints resolve (from the repository root)', () => {
    expect(codeFiles.length).toBeGreaterThan(50);
    const broken: string[] = [];
    for (const file of codeFiles) {
      const text = fs.readFileSync(file, 'utf8');
      const references = [
        ...text.matchAll(/(?<![\w/.-])((?:README\.md|docs\/[\w./-]+\.md)(?:#[\w-]+)?)/g),
        ...text.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)+[\w.-]+\.md#[\w-]+)/g),
      ];
      for (const match of references) {
        const problem = problemWith(match[1]!, ROOT);
        if (problem) broken.push(`${path.relative(ROOT, file)}: ${match[1]}: ${problem}`);
      }
    }
    expect(broken).toEqual([]);
  });

  test('code cites no document outside the repository, and no README by section name alone', () => {
    const offenders: string[] = [];
    for (const file of codeFiles) {
      fs.readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          const where = `${path.relative(ROOT, file)}:${i + 1}`;
          if (/\b(DESIGN\.md|DMS-FACTS)\b/.test(line)) offenders.push(`${where}: cites a file that is not in the repository`);
          if (/\bREADME\b(?!\.md)/.test(line)) offenders.push(`${where}: names "README" without the file (and anchor) it means`);
        });
    }
    expect(offenders).toEqual([]);
  });
});
