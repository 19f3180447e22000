import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import {
  BASE_WORKFLOW_HEAP_MB,
  MIN_WORKFLOW_HEAP_MB,
  withWorkflowHeapCap,
  WORKFLOW_HEAP_MB_PER_CACHED_RUN,
  workflowHeapMbFromEnv,
} from '../../worker/workflowHeap';

/** The heap limit (MB) a new worker thread gets, read inside it. */
function threadHeapLimitMb(): Promise<number> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(
      "const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit / 1048576);",
      { eval: true },
    );
    thread.once('message', (mb: number) => {
      resolve(mb);
      void thread.terminate();
    });
    thread.once('error', reject);
  });
}

describe("the workflow thread's heap cap (DMS_RUNBOOKS_WORKFLOW_HEAP_MB)", () => {
  test('by default it follows the cache: a base plus a few MB per cached run', () => {
    expect(workflowHeapMbFromEnv(20, {})).toBe(BASE_WORKFLOW_HEAP_MB + 20 * WORKFLOW_HEAP_MB_PER_CACHED_RUN);
    expect(workflowHeapMbFromEnv(200, { DMS_RUNBOOKS_WORKFLOW_HEAP_MB: '' })).toBe(
      BASE_WORKFLOW_HEAP_MB + 200 * WORKFLOW_HEAP_MB_PER_CACHED_RUN,
    );
    expect(workflowHeapMbFromEnv(0, {})).toBe(MIN_WORKFLOW_HEAP_MB);
  });
  test('a whole number of at least 64 is taken as it is; 0 leaves V8 its default', () => {
    expect(workflowHeapMbFromEnv(20, { DMS_RUNBOOKS_WORKFLOW_HEAP_MB: '300' })).toBe(300);
    expect(workflowHeapMbFromEnv(20, { DMS_RUNBOOKS_WORKFLOW_HEAP_MB: '0' })).toBe(0);
  });
  test.each(['32', '-1', '1.5', 'big'])('%s is refused with the variable named and the default for this cache', (raw) => {
    expect(() => workflowHeapMbFromEnv(20, { DMS_RUNBOOKS_WORKFLOW_HEAP_MB: raw })).toThrow(
      /DMS_RUNBOOKS_WORKFLOW_HEAP_MB=.* is not a whole number ≥ 64 .*: 128 here\) or unset it/,
    );
  });
  test('caps a thread created inside, and only that one: the main thread and threads created after keep their limit', async () => {
    const mainBefore = v8.getHeapStatistics().heap_size_limit / 1048576;
    const uncapped = await threadHeapLimitMb();
    const capped = await withWorkflowHeapCap(128, threadHeapLimitMb);
    const after = await threadHeapLimitMb();
    // The limit V8 reports adds the young generation to the old space asked for.
    expect(capped).toBeGreaterThanOrEqual(128);
    expect(capped).toBeLessThan(256);
    expect(uncapped).toBeGreaterThan(capped * 2);
    expect(after).toBe(uncapped);
    expect(v8.getHeapStatistics().heap_size_limit / 1048576).toBe(mainBefore);
  });
});
