import type { ActivityDeps } from '../deps';
import { binlogMarginCheck } from './binlogMarginCheck';
import { instanceHealthCheck } from './instanceHealthCheck';
import { schemaDriftCheck } from './schemaDriftCheck';
import { smallFilesCheck } from './smallFilesCheck';
import { taskHealthCheck } from './taskHealthCheck';
import { validationCheck } from './validationCheck';

/** The pipeline doctor's checks: each a read-only activity returning a CheckResult, usable alone. */
export function doctorActivities(deps: ActivityDeps) {
  return {
    ...taskHealthCheck(deps),
    ...instanceHealthCheck(deps),
    ...binlogMarginCheck(deps),
    ...smallFilesCheck(deps),
    ...validationCheck(deps),
    ...schemaDriftCheck(deps),
  };
}
