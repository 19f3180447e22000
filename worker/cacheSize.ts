/**
 * How many workflow runs the worker keeps in its sticky cache (`maxCachedWorkflows`). A cached run answers a signal
 * at once; an evicted one is replayed from its history on its next task (a parked runbook's history is a few dozen
 * events, so that costs milliseconds, not memory). The cache is what a parked runbook costs in worker memory, so it
 * is kept small by default and raised only where approvals must skip the replay.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 20;

/** `DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS` (a whole number ≥ 0), or the default; a bad value names the variable. */
export function maxCachedWorkflowsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS;
  if (raw === undefined || raw.trim() === '') return DEFAULT_MAX_CACHED_WORKFLOWS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(
      `DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS=${JSON.stringify(raw)} is not a whole number ≥ 0; set it to the number of runs the worker keeps cached (default ${DEFAULT_MAX_CACHED_WORKFLOWS}) or unset it`,
    );
  }
  return value;
}
