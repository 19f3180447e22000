import { DEFAULT_MAX_CACHED_WORKFLOWS, maxCachedWorkflowsFromEnv } from '../../worker/cacheSize';

describe('worker cache size (DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS)', () => {
  test('unset or empty gives the default, kept small so parked runbooks do not fill the worker', () => {
    expect(maxCachedWorkflowsFromEnv({})).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(maxCachedWorkflowsFromEnv({ DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS: ' ' })).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    expect(DEFAULT_MAX_CACHED_WORKFLOWS).toBeLessThanOrEqual(50);
  });
  test('a whole number is taken as it is, 0 included (no sticky cache: every task replays)', () => {
    expect(maxCachedWorkflowsFromEnv({ DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS: '200' })).toBe(200);
    expect(maxCachedWorkflowsFromEnv({ DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS: '0' })).toBe(0);
  });
  test.each(['-1', '2.5', 'lots'])('%s is refused with the variable named and what to do', (raw) => {
    expect(() => maxCachedWorkflowsFromEnv({ DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS: raw })).toThrow(
      /DMS_RUNBOOKS_MAX_CACHED_WORKFLOWS=.* is not a whole number ≥ 0; set it to/,
    );
  });
});
