import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, parsePipelineConfig, PipelineConfig } from '../domain/config';

/**
 * Reads the pipeline configuration file (YAML or JSON). `${VAR}` and `${VAR:-default}` are replaced from the
 * environment first, so one file serves several environments; a bad file fails with the path of the bad field.
 */
export function loadPipelineConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): PipelineConfig {
  const where = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(where, 'utf8');
  } catch (error) {
    throw new ConfigError(where, `cannot read the file: ${(error as Error).message}`);
  }
  const missing: string[] = [];
  const interpolated = text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::-([^}]*))?\}/g, (_all, name: string, fallback: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  if (missing.length)
    throw new ConfigError(where, missing.map((name) => `\${${name}}: environment variable is not set and has no default`).join('\n'));
  let raw: unknown;
  try {
    raw = where.endsWith('.json') ? JSON.parse(interpolated) : YAML.parse(interpolated);
  } catch (error) {
    throw new ConfigError(where, `not valid ${where.endsWith('.json') ? 'JSON' : 'YAML'}: ${(error as Error).message}`);
  }
  return parsePipelineConfig(withAllowedSigners(raw, where), where);
}

/**
 * Merges `approvals.allowedSignersFile` (OpenSSH allowed_signers: `principals [options] keytype base64 [comment]`
 * per line, ssh-keygen(1) "ALLOWED SIGNERS") into `approvals.keys`. A principals field may list several names
 * separated by commas; options (namespaces=…, valid-after=…) are not supported and refused.
 */
function withAllowedSigners(raw: unknown, where: string): unknown {
  const approvals = (raw as { approvals?: { allowedSignersFile?: string; keys?: Record<string, string[]> } } | null)?.approvals;
  const file = approvals?.allowedSignersFile;
  if (!approvals || !file) return raw;
  const signers = path.resolve(path.dirname(where), file);
  let text: string;
  try {
    text = fs.readFileSync(signers, 'utf8');
  } catch (error) {
    throw new ConfigError(where, `approvals.allowedSignersFile: cannot read ${signers}: ${(error as Error).message}`);
  }
  const keys: Record<string, string[]> = { ...(approvals.keys ?? {}) };
  text.split('\n').forEach((line, i) => {
    const fields = line.trim().split(/\s+/);
    if (!fields[0] || fields[0].startsWith('#')) return;
    if (!/^(ssh-|ecdsa-|sk-)/.test(fields[1] ?? '')) {
      throw new ConfigError(
        where,
        `approvals.allowedSignersFile ${signers}:${i + 1}: expected "name keytype base64", options are not supported`,
      );
    }
    for (const name of fields[0].split(',')) keys[name] = [...(keys[name] ?? []), fields.slice(1).join(' ')];
  });
  return { ...(raw as object), approvals: { ...approvals, keys } };
}

export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.DMS_RUNBOOKS_CONFIG;
  if (!file) throw new ConfigError('(none)', 'DMS_RUNBOOKS_CONFIG is not set: point it at the pipeline configuration file (YAML or JSON)');
  return file;
}
