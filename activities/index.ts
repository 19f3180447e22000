import { cloudwatchActivities } from './cloudwatch';
import type { ActivityDeps } from './deps';
import { doctorActivities } from './doctor';
import { dmsFactActivities } from './dmsFacts';
import { dmsTaskActivities } from './dmsTaskActions';
import { dmsWaitActivities } from './dmsWaits';
import { lakeInventoryActivities } from './lakeInventory';
import { lakeMoveActivities } from './lakeMoves';
import { lockActivities } from './locks';
import { notifyActivities } from './notify';
import { pipelineConfigActivities } from './pipelineConfig';
import { rdsActivities } from './rds';
import { sourceMysqlActivities } from './sourceMysql';
import { sourceTableActivities } from './sourceTables';

/** Every activity, built from injected clients; one module per outside system. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...pipelineConfigActivities(deps),
    ...sourceMysqlActivities(deps),
    ...sourceTableActivities(deps),
    ...rdsActivities(deps),
    ...dmsFactActivities(deps),
    ...dmsTaskActivities(deps),
    ...dmsWaitActivities(deps),
    ...lakeInventoryActivities(deps),
    ...lakeMoveActivities(deps),
    ...cloudwatchActivities(deps),
    ...lockActivities(deps),
    ...notifyActivities(deps),
    ...doctorActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
