import type { ActivityDeps } from './deps';
import { lockActivities } from './locks';
import { notifyActivities } from './notify';
import { pipelineConfigActivities } from './pipelineConfig';
import { rdsActivities } from './rds';
import { sourceMysqlActivities } from './sourceMysql';

/** Every activity, built from injected clients; one module per outside system. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...pipelineConfigActivities(deps),
    ...sourceMysqlActivities(deps),
    ...rdsActivities(deps),
    ...lockActivities(deps),
    ...notifyActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
