import path from 'node:path';
import { readStackEnv } from '../../sandbox/stack/stackEnv';

/**
 * Loads the running local stack's addresses (.stack/env, written by `npm run stack:up`) into process.env,
 * without overriding what the environment already sets. Returns the values read.
 */
export function loadStackEnv(): Record<string, string> {
  const stackDir = process.env.STACK_DIR ?? path.resolve(__dirname, '..', '..', '.stack');
  const env = readStackEnv(stackDir);
  for (const [key, value] of Object.entries(env)) process.env[key] ??= value;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return env;
}

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: is the local stack up (npm run stack:up)?`);
  return value;
}
