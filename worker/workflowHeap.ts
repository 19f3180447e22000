import v8 from 'node:v8';

/**
 * The heap cap of the worker's workflow thread. The SDK runs workflow code in a `worker_threads` Worker it creates
 * inside `Worker.create` (@temporalio/worker 1.24 `lib/workflow/threaded-vm.js`) without `resourceLimits`, so that
 * isolate gets V8's default limit (about 4 GB here) and keeps the garbage of every evicted run: 500 parked runbooks
 * took the process to 583 MB with 20 of them cached (docs/performance-parked.md). A new isolate reads V8's
 * `--max-old-space-size` flag when it is created, so the flag is set just for the creation of that thread and put
 * back after it: the main thread, where activities such as the doctor's census run, keeps its own limit.
 *
 * The cap must hold the cached runs (about 3 MB of live heap each, measured) plus the SDK and bundle: the default is
 * 48 MB + 4 MB per cached run, at least 64 MB (128 MB for the default cache of 20: 500 parked runbooks then took the
 * worker to 393 MB, against 443 MB at 176 MB and 583 MB uncapped). A thread past its cap ends with
 * ERR_WORKER_OUT_OF_MEMORY and the worker stops: raise the cap with the cache, or where many big runs (a reload of
 * thousands of tables holds a few MB of plan and audit) are cached at once.
 */
export const BASE_WORKFLOW_HEAP_MB = 48;
export const WORKFLOW_HEAP_MB_PER_CACHED_RUN = 4;
export const MIN_WORKFLOW_HEAP_MB = 64;

/** `DMS_RUNBOOKS_WORKFLOW_HEAP_MB` (a whole number ≥ 64, or 0 for V8's default), or the default for the cache size. */
export function workflowHeapMbFromEnv(maxCachedWorkflows: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.DMS_RUNBOOKS_WORKFLOW_HEAP_MB;
  const fallback = Math.max(MIN_WORKFLOW_HEAP_MB, BASE_WORKFLOW_HEAP_MB + WORKFLOW_HEAP_MB_PER_CACHED_RUN * maxCachedWorkflows);
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || (value !== 0 && value < MIN_WORKFLOW_HEAP_MB)) {
    throw new Error(
      `DMS_RUNBOOKS_WORKFLOW_HEAP_MB=${JSON.stringify(raw)} is not a whole number ≥ ${MIN_WORKFLOW_HEAP_MB} (or 0 for V8's default); ` +
        `set it to the workflow thread's heap in MB (default ${BASE_WORKFLOW_HEAP_MB} + ${WORKFLOW_HEAP_MB_PER_CACHED_RUN} per cached run, at least ${MIN_WORKFLOW_HEAP_MB}: ${fallback} here) or unset it`,
    );
  }
  return value;
}

/** The `--max-old-space-size` this process was started with (command line or NODE_OPTIONS), 0 when none. */
function startupOldSpaceMb(): number {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const given = flags.map((f) => /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(f)?.[1]).filter(Boolean);
  return given.length ? Number(given.at(-1)) : 0;
}

/** Runs `create` (which starts the workflow thread) with the thread's heap capped at `mb`; 0 leaves V8's default. */
export async function withWorkflowHeapCap<T>(mb: number, create: () => Promise<T>): Promise<T> {
  if (mb === 0) return create();
  v8.setFlagsFromString(`--max-old-space-size=${mb}`);
  try {
    return await create();
  } finally {
    v8.setFlagsFromString(`--max-old-space-size=${startupOldSpaceMb()}`);
  }
}
