import { heartbeat } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { binlogMarginCheck } from './binlogMarginCheck';
import { consumersCheck } from './consumersCheck';
import { instanceHealthCheck } from './instanceHealthCheck';
import { leftoversCheck } from './leftoversCheck';
import { schemaDriftCheck } from './schemaDriftCheck';
import { smallFilesCheck } from './smallFilesCheck';
import { taskHealthCheck } from './taskHealthCheck';
import { validationCheck } from './validationCheck';

const ALIVE_EVERY_MS = 20_000;

/**
 * Heartbeats while a check runs, whatever it awaits (a COUNT(*) of a big table can take minutes): the heartbeat
 * timeout then only notices a lost worker, never a slow source.
 */
async function keptAlive<R>(run: () => Promise<R>): Promise<R> {
  const timer = setInterval(() => {
    try {
      heartbeat();
    } catch {
      /* not in an activity context */
    }
  }, ALIVE_EVERY_MS);
  try {
    return await run();
  } finally {
    clearInterval(timer);
  }
}

/** The pipeline doctor's checks: each a read-only activity returning a CheckResult, usable alone. */
export function doctorActivities(deps: ActivityDeps) {
  const task = taskHealthCheck(deps);
  const instance = instanceHealthCheck(deps);
  const binlog = binlogMarginCheck(deps);
  const files = smallFilesCheck(deps);
  const rows = validationCheck(deps);
  const drift = schemaDriftCheck(deps);
  const leftovers = leftoversCheck(deps);
  const consumers = consumersCheck(deps);
  return {
    checkTaskHealth: (input: Parameters<typeof task.checkTaskHealth>[0]) => keptAlive(() => task.checkTaskHealth(input)),
    checkInstanceHealth: (input: Parameters<typeof instance.checkInstanceHealth>[0]) =>
      keptAlive(() => instance.checkInstanceHealth(input)),
    checkBinlogMargin: (input: Parameters<typeof binlog.checkBinlogMargin>[0]) => keptAlive(() => binlog.checkBinlogMargin(input)),
    checkSmallFiles: (input: Parameters<typeof files.checkSmallFiles>[0]) => keptAlive(() => files.checkSmallFiles(input)),
    checkRowCounts: (input: Parameters<typeof rows.checkRowCounts>[0]) => keptAlive(() => rows.checkRowCounts(input)),
    checkSchemaDrift: (input: Parameters<typeof drift.checkSchemaDrift>[0]) => keptAlive(() => drift.checkSchemaDrift(input)),
    checkLeftovers: (input: Parameters<typeof leftovers.checkLeftovers>[0]) => keptAlive(() => leftovers.checkLeftovers(input)),
    checkConsumers: (input: Parameters<typeof consumers.checkConsumers>[0]) => keptAlive(() => consumers.checkConsumers(input)),
  };
}
