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
  return parsePipelineConfig(raw, where);
}

export function configPathFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.DMS_RUNBOOKS_CONFIG;
  if (!file) throw new ConfigError('(none)', 'DMS_RUNBOOKS_CONFIG is not set: point it at the pipeline configuration file (YAML or JSON)');
  return file;
}
