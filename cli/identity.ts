import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Args, flag, UsageError } from './args';

/**
 * Who is running the CLI and which SSH key signs for them, in this order: `--as` / `--key`, then
 * DMS_RUNBOOKS_USER / DMS_RUNBOOKS_SIGNING_KEY, then git's `user.signingkey` (the key engineers sign commits with),
 * then ~/.ssh/id_ed25519. A key may be a public key file whose private half is in ssh-agent.
 */
export function whoAmI(args: Args): string {
  const name = flag(args, 'as') ?? process.env.DMS_RUNBOOKS_USER ?? os.userInfo().username;
  if (!name) throw new UsageError('say who you are: --as <name> or DMS_RUNBOOKS_USER (the name the pipeline configuration lists)');
  return name;
}

export function signingKey(args: Args): string {
  const explicit = flag(args, 'key') ?? process.env.DMS_RUNBOOKS_SIGNING_KEY;
  if (explicit) return existing(explicit.replace(/^~(?=\/)/, os.homedir()));
  try {
    const fromGit = execFileSync('git', ['config', '--get', 'user.signingkey'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (fromGit && fs.existsSync(fromGit.replace(/^~(?=\/)/, os.homedir()))) return fromGit.replace(/^~(?=\/)/, os.homedir());
  } catch {
    /* no git, or no signing key configured */
  }
  return existing(path.join(os.homedir(), '.ssh', 'id_ed25519'));
}

function existing(file: string): string {
  if (!fs.existsSync(file)) {
    throw new UsageError(`no SSH key at ${file}: pass --key <private or .pub key file> or set DMS_RUNBOOKS_SIGNING_KEY`);
  }
  return file;
}
