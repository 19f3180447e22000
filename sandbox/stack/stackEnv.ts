import fs from 'node:fs';
import path from 'node:path';
import { StackSettings } from './settings';

/** Reads .stack/env (KEY=VALUE lines written by `stack:up`) into an object. */
export function readStackEnv(stackDir: string): Record<string, string> {
  const file = path.join(stackDir, 'env');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} does not exist: the local stack is not up. Run: npm run stack:up`);
  }
  const env: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) env[match[1]!] = match[2]!.replace(/^'(.*)'$/, '$1');
  }
  return env;
}

export function writeStackEnv(s: StackSettings, values: Record<string, string>): string {
  const file = path.join(s.stackDir, 'env');
  const lines = Object.entries(values).map(([key, value]) => `${key}='${value.replace(/'/g, "'\\''")}'`);
  fs.writeFileSync(file, `# Written by npm run stack:up; source it with: set -a; . ${file}; set +a\n${lines.join('\n')}\n`);
  return file;
}
