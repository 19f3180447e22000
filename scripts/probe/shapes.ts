/**
 * What a transcript keeps of a value: its shape and type, never the value. `{ Status: 'string', Stats: { … } }` for
 * a structure; a list keeps the union of its elements' shapes. Two transcripts (a real account's and the sandbox's)
 * are compared through these shapes only.
 */
export type Shape = string | { [key: string]: Shape } | { '[]': Shape };

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (value instanceof Date) return 'timestamp';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'bigint') return 'bigint';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Shapes of two samples of the same place merged: keys united, differing scalar types joined with `|`. */
export function mergeShapes(a: Shape | undefined, b: Shape): Shape {
  if (a === undefined) return b;
  if (typeof a === 'string' || typeof b === 'string') {
    if (typeof a === 'string' && typeof b === 'string') return [...new Set([...a.split('|'), ...b.split('|')])].sort().join('|');
    return typeof a === 'string' ? b : a;
  }
  const out: Record<string, Shape> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = mergeShapes(out[key], value);
  return out;
}

export function shapeOf(value: unknown): Shape {
  if (Array.isArray(value))
    return { '[]': value.reduce<Shape | undefined>((s, item) => mergeShapes(s, shapeOf(item)), undefined) ?? 'empty' };
  if (value !== null && typeof value === 'object' && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    const out: Record<string, Shape> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (item === undefined || key === '$metadata') continue;
      out[key] = shapeOf(item);
    }
    return out;
  }
  return kind(value);
}

/** Where two shapes disagree, as `path: real … / sandbox …` lines; keys only one side has are listed too. */
export function compareShapes(real: Shape, sandbox: Shape, path = ''): string[] {
  if (typeof real === 'string' || typeof sandbox === 'string') {
    const same = typeof real === 'string' && typeof sandbox === 'string' && real === sandbox;
    return same ? [] : [`${path || '.'}: real ${JSON.stringify(real)} / sandbox ${JSON.stringify(sandbox)}`];
  }
  const lines: string[] = [];
  for (const key of [...new Set([...Object.keys(real), ...Object.keys(sandbox)])].sort()) {
    const where = `${path}.${key}`;
    const r = (real as Record<string, Shape>)[key];
    const s = (sandbox as Record<string, Shape>)[key];
    if (r === undefined) lines.push(`${where}: only in the sandbox`);
    else if (s === undefined) lines.push(`${where}: only on AWS`);
    else lines.push(...compareShapes(r, s, where));
  }
  return lines;
}
