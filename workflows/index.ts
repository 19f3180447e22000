/** Every workflow type the worker registers; their names are the operator-facing API. */
export { checkSourceReadiness } from './checkSourceReadiness';
export { fullReload } from './fullReload';
export { fullReloadPart } from './fullReloadPart';
export { onboardTable } from './onboardTable';
export { pipelineDoctor } from './pipelineDoctor';
export { resourceLock } from './resourceLock';
export { resizeInstance } from './resizeInstance';
export { backfillPartitions } from './backfillPartitions';
export { schemaDriftWatch } from './schemaDriftWatch';
// Worker Versioning behaviour of each type above (pinned or auto-upgrade).
import './versioningBehavior';
