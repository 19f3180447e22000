import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { StackSettings } from './settings';

/**
 * The sandbox's people and their SSH keys, so the demo and the tests sign decisions the way a real team does:
 * `stack:up` makes one ed25519 key per person in .stack/keys (never committed) and an allowed_signers file naming
 * each person's public key, which the sandbox pipeline configuration reads (SANDBOX_ALLOWED_SIGNERS).
 */
export const SANDBOX_PEOPLE = ['dba-oncall', 'data-platform-lead', 'demo'] as const;

export function ensureApproverKeys(s: StackSettings, log: (line: string) => void): Record<string, string> {
  const dir = path.join(s.stackDir, 'keys');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const allowed = path.join(dir, 'allowed_signers');
  const env: Record<string, string> = { SANDBOX_KEYS_DIR: dir, SANDBOX_ALLOWED_SIGNERS: allowed, SANDBOX_SIGNATURES: 'required' };
  const lines: string[] = [];
  for (const person of SANDBOX_PEOPLE) {
    const file = path.join(dir, person);
    if (!fs.existsSync(file)) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${person}@sandbox`, '-f', file]);
      log(`made the sandbox SSH key of ${person}: ${file}`);
    }
    lines.push(`${person} ${fs.readFileSync(`${file}.pub`, 'utf8').trim()}`);
  }
  fs.writeFileSync(allowed, `${lines.join('\n')}\n`);
  return env;
}
