import path from 'node:path';
import { PipelineConfig, pipelineConfigSchema } from '../../domain/config';
import { loadPipelineConfigFile } from '../../worker/configFile';

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

function merge<T>(base: T, patch: DeepPartial<T> | undefined): T {
  if (!patch) return base;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? merge(current, value as never)
        : value;
  }
  return out as T;
}

/** The sandbox pipeline configuration with test overrides (fast polls, short gates, a local webhook). */
export function testConfig(patch?: DeepPartial<PipelineConfig>): PipelineConfig {
  const base = loadPipelineConfigFile(path.resolve(__dirname, '..', '..', 'config', 'sandbox.pipeline.yaml'));
  // Signed decisions are tested by the suites about approvals (they turn signatures on); the others decide unsigned.
  const fast: DeepPartial<PipelineConfig> = {
    waits: { pollSeconds: 1, dmsRequestsPerSecond: 4, fullLoadHours: 1, stateChangeMinutes: 2, cdcCheckMinutes: 0.25 },
    approvals: { signatures: 'off' },
  };
  return pipelineConfigSchema.parse(merge(merge(base, fast), patch));
}
