import { interruptedRunsQuery } from '../../activities/doctor/leftoversCheck';
import { schemaDriftQuery } from '../../activities/doctor/schemaDriftRuns';
import { runningRunbooksQuery } from '../../activities/runbookRuns';
import { lockWorkflowId, parseLockWorkflowId } from '../../contracts/lock';
import { isPipelineRun, pipelineRunsFilter } from '../../contracts/pipelineRuns';
import { SEARCH_ATTRIBUTES } from '../../contracts/searchAttributes';

// Several pipelines in one namespace: the pipeline name in lock ids and in every lookup of runbooks. That the
// queries select what they say against a real visibility store: test/workflows/pipelinesSideBySide.test.ts.

describe('lock workflow ids', () => {
  test('carry the pipeline name; without one, the unscoped id of runs from before pipeline names', () => {
    expect(lockWorkflowId('table:shop.orders', 'shop-lake')).toBe('dms-runbooks-lock@shop-lake:table:shop.orders');
    expect(lockWorkflowId('table:shop.orders')).toBe('dms-runbooks-lock:table:shop.orders');
    expect(lockWorkflowId('table:shop.orders', 'a')).not.toBe(lockWorkflowId('table:shop.orders', 'b'));
  });

  test('read back to their resource and pipeline, whatever the name holds', () => {
    for (const pipeline of ['shop-lake', 'team:x', 'a b/c@d', 'table']) {
      expect(parseLockWorkflowId(lockWorkflowId('task:shop-core', pipeline))).toEqual({ pipeline, resource: 'task:shop-core' });
    }
    // A pipeline named like a resource kind never reads as an unscoped lock, nor the other way round.
    expect(parseLockWorkflowId('dms-runbooks-lock:table:shop.orders')).toEqual({ resource: 'table:shop.orders' });
    expect(parseLockWorkflowId('fullReload-shop.orders-1')).toBeUndefined();
    expect(parseLockWorkflowId('dms-runbooks-lock@:table:x')).toBeUndefined();
  });
});

describe('lookups of runbooks', () => {
  test('filter by RunbookPipeline, or the worker task queue (runs from before the attribute, runs not yet past it)', () => {
    expect(pipelineRunsFilter('shop-lake', 'dms-runbooks')).toBe('(RunbookPipeline = "shop-lake" OR TaskQueue = "dms-runbooks")');
    expect(pipelineRunsFilter('say "hi"\\', 'q')).toContain('RunbookPipeline = "say \\"hi\\"\\\\"');
  });

  test('the same rule for one listed execution', () => {
    expect(isPipelineRun('a', 'qa', { pipeline: 'a', taskQueue: 'elsewhere' })).toBe(true);
    expect(isPipelineRun('a', 'qa', { pipeline: 'b', taskQueue: 'qb' })).toBe(false);
    expect(isPipelineRun('a', 'qa', { taskQueue: 'qa' })).toBe(true);
    expect(isPipelineRun('a', 'qa', { taskQueue: 'qb' })).toBe(false);
  });

  test('running runbooks, interrupted runs and the drift watch are each looked up inside the pipeline', () => {
    const scope = pipelineRunsFilter('p1', 'q1');
    expect(runningRunbooksQuery('fullReload', 'p1', 'q1')).toBe(`RunbookKind = "fullReload" AND ExecutionStatus = "Running" AND ${scope}`);
    expect(schemaDriftQuery('Completed', 'p1', 'q1')).toBe(`WorkflowType="schemaDriftWatch" AND ExecutionStatus="Completed" AND ${scope}`);
    expect(interruptedRunsQuery(new Date('2026-12-01T00:00:00Z'), 'p1', 'q1')).toMatch(
      new RegExp(
        `^RunbookKind IN \\(.*\\) AND ExecutionStatus IN \\(.*\\) AND CloseTime > "2026-12-01T00:00:00.000Z" AND ${scope.replace(/[()]/g, '\\$&')}$`,
      ),
    );
  });

  test('RunbookPipeline is registered with the other search attributes (dev server, setup:namespace, worker check)', () => {
    expect(SEARCH_ATTRIBUTES).toContainEqual({ name: 'RunbookPipeline', type: 'Keyword' });
  });
});
