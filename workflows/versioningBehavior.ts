import { setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import type { RunbookKind } from '../domain/config';
import { backfillPartitions } from './backfillPartitions';
import { checkSourceReadiness } from './checkSourceReadiness';
import { fullReload } from './fullReload';
import { fullReloadPart } from './fullReloadPart';
import { onboardTable } from './onboardTable';
import { pipelineDoctor } from './pipelineDoctor';
import { resizeInstance } from './resizeInstance';
import { resourceLock } from './resourceLock';
import { schemaDriftWatch } from './schemaDriftWatch';

/**
 * Worker Versioning behaviour per workflow type (used when the worker runs with a deployment version:
 * DMS_RUNBOOKS_DEPLOYMENT_NAME, worker/deployment.ts; docs/deploying-safely.md explains the choice).
 *
 * PINNED: the runbooks that change DMS and S3 after a human approved a plan finish on the build that planned it and
 * was approved, however long they wait at a gate; the old build's workers stay up until their pinned runs drain.
 * AUTO_UPGRADE: short read-only runbooks (a schedule starts the next one anyway) and the locks, which live as long as
 * targets are held and must never keep an old build alive; their changes still go behind `patched()`.
 */
export const VERSIONING_BEHAVIOR: Record<RunbookKind | 'resourceLock' | 'fullReloadPart', 'PINNED' | 'AUTO_UPGRADE'> = {
  onboardTable: 'PINNED',
  fullReload: 'PINNED',
  // A reload's per-table work (its child workflows) runs on the build its reload was approved on.
  fullReloadPart: 'PINNED',
  backfillPartitions: 'PINNED',
  resizeInstance: 'PINNED',
  checkSourceReadiness: 'AUTO_UPGRADE',
  pipelineDoctor: 'AUTO_UPGRADE',
  schemaDriftWatch: 'AUTO_UPGRADE',
  resourceLock: 'AUTO_UPGRADE',
};

const definitions = {
  onboardTable,
  fullReload,
  fullReloadPart,
  backfillPartitions,
  resizeInstance,
  checkSourceReadiness,
  pipelineDoctor,
  schemaDriftWatch,
  resourceLock,
} as const;

// Only on a versioned worker (an unversioned one reports a build id without a deployment name): the server refuses a behaviour from a worker without deployment options ("versioning
// behavior cannot be specified without deployment options being set"), and tests and the sandbox run unversioned.
for (const [name, fn] of Object.entries(definitions)) {
  const versioningBehavior = VERSIONING_BEHAVIOR[name as keyof typeof VERSIONING_BEHAVIOR];
  setWorkflowOptions(
    () => (workflowInfo().currentDeploymentVersion?.deploymentName ? { versioningBehavior } : {}),
    fn as () => Promise<unknown>,
  );
}
