import { cancelRequestActivities } from './cancelRequests';
import { cdcAfterReloadActivities } from './cdcAfterReload';
import { cloudwatchActivities } from './cloudwatch';
import type { ActivityDeps } from './deps';
import { consumerMarkerActivities } from './consumerMarkers';
import { storedResultActivities } from './storedResults';
import { consumerActivities } from './consumers';
import { dmsEndpointActivities } from './dmsEndpointActions';
import { doctorActivities } from './doctor';
import { dmsFactActivities } from './dmsFacts';
import { dmsInstanceActivities } from './dmsInstanceActions';
import { dmsReloadWaitActivities } from './dmsReloadWaits';
import { dmsTaskActivities } from './dmsTaskActions';
import { dmsWaitActivities } from './dmsWaits';
import { lakeInventoryActivities } from './lakeInventory';
import { lakeMoveActivities } from './lakeMoves';
import { lockActivities } from './locks';
import { notifyActivities } from './notify';
import { pipelineConfigActivities } from './pipelineConfig';
import { rdsActivities } from './rds';
import { sourceDateCountActivities } from './sourceDateCounts';
import { runbookRunActivities } from './runbookRuns';
import { schemaSnapshotActivities } from './schemaSnapshots';
import { signatureActivities } from './signatures';
import { sourceMysqlActivities } from './sourceMysql';
import { sourceTableActivities } from './sourceTables';
import { tableChecksumActivities } from './tableChecksums';

/** Every activity, built from injected clients; one module per outside system. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...pipelineConfigActivities(deps),
    ...sourceMysqlActivities(deps),
    ...sourceTableActivities(deps),
    ...sourceDateCountActivities(deps),
    ...rdsActivities(deps),
    ...dmsFactActivities(deps),
    ...dmsTaskActivities(deps),
    ...dmsInstanceActivities(deps),
    ...dmsEndpointActivities(deps),
    ...dmsWaitActivities(deps),
    ...lakeInventoryActivities(deps),
    ...lakeMoveActivities(deps),
    ...cloudwatchActivities(deps),
    ...lockActivities(deps),
    ...notifyActivities(deps),
    ...dmsReloadWaitActivities(deps),
    ...tableChecksumActivities(deps),
    ...cdcAfterReloadActivities(deps),
    ...schemaSnapshotActivities(deps),
    ...runbookRunActivities(deps),
    ...doctorActivities(deps),
    ...signatureActivities(deps),
    ...cancelRequestActivities(deps),
    ...consumerActivities(deps),
    ...storedResultActivities(deps),
    ...consumerMarkerActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
export type { ActivityDeps } from './deps';
