import type { PipelineConfig } from '../domain/config';
import type { ActivityDeps } from './deps';

export function pipelineConfigActivities(deps: ActivityDeps) {
  return {
    /** The validated pipeline configuration; it holds no secret (passwords are named, not stored). */
    loadPipelineConfig(): Promise<PipelineConfig> {
      return Promise.resolve(deps.config);
    },
  };
}
