import { afterChange, instanceShowsChange, staleViewVerdict, taskShowsChange } from '../../domain/describeLag';
import type { InstanceSnapshot, TaskSnapshot } from '../../domain/dmsStates';

const task = (over: Partial<TaskSnapshot>): TaskSnapshot => ({ arn: 'arn:task', identifier: 'shop-core', status: 'stopped', ...over });
const instance = (over: Partial<InstanceSnapshot>): InstanceSnapshot => ({
  arn: 'arn:rep',
  identifier: 'shop-repl-1',
  status: 'available',
  instanceClass: 'dms.r5.large',
  allocatedStorageGb: 100,
  pending: {},
  ...over,
});
const mapping = (table: string) =>
  JSON.stringify({ rules: [{ 'rule-type': 'selection', 'rule-id': '1', 'object-locator': { 'table-name': table } }] });

describe('what shows a change DMS may not show yet', () => {
  it('a created task shows once Describe finds it', () => {
    expect(taskShowsChange(undefined, { kind: 'task-created' })).toBe(false);
    expect(taskShowsChange(task({ status: 'creating' }), { kind: 'task-created' })).toBe(true);
  });

  it('a modified task shows while modifying or with the new mapping (key order aside), not with the old one', () => {
    const change = { kind: 'task-modified' as const, tableMappings: mapping('reviews') };
    expect(taskShowsChange(task({ status: 'stopped', tableMappings: mapping('orders') }), change)).toBe(false);
    expect(taskShowsChange(task({ status: 'modifying', tableMappings: mapping('orders') }), change)).toBe(true);
    const reordered = JSON.stringify({
      rules: [{ 'object-locator': { 'table-name': 'reviews' }, 'rule-id': '1', 'rule-type': 'selection' }],
    });
    expect(taskShowsChange(task({ status: 'stopped', tableMappings: reordered }), change)).toBe(true);
  });

  it('a started task shows when starting, running, or with a new start date', () => {
    const change = { kind: 'task-started' as const, previousStartDate: '2026-12-01T10:00:00.000Z' };
    expect(taskShowsChange(task({ status: 'stopped', startDate: '2026-12-01T10:00:00.000Z' }), change)).toBe(false);
    expect(taskShowsChange(task({ status: 'failed', startDate: '2026-12-01T10:00:00.000Z' }), change)).toBe(false);
    expect(taskShowsChange(task({ status: 'starting', startDate: '2026-12-01T10:00:00.000Z' }), change)).toBe(true);
    expect(taskShowsChange(task({ status: 'stopped', startDate: '2026-12-01T11:00:00.000Z' }), change)).toBe(true);
  });

  it('a modified instance shows when modifying, with the change pending, or with the new class', () => {
    const change = { kind: 'instance-modified' as const, instanceClass: 'dms.r5.4xlarge', allocatedStorageGb: 200 };
    expect(instanceShowsChange(instance({}), change)).toBe(false);
    expect(instanceShowsChange(instance({ status: 'modifying' }), change)).toBe(true);
    expect(instanceShowsChange(instance({ pending: { ReplicationInstanceClass: 'dms.r5.4xlarge' } }), change)).toBe(true);
    expect(instanceShowsChange(instance({ instanceClass: 'dms.r5.4xlarge', allocatedStorageGb: 100 }), change)).toBe(false);
    expect(instanceShowsChange(instance({ instanceClass: 'dms.r5.4xlarge', allocatedStorageGb: 200 }), change)).toBe(true);
  });
});

describe('the verdict on a view from before the change', () => {
  const after = { change: { kind: 'task-created' as const }, madeAt: 1_000_000, graceSeconds: 300 };

  it('says nothing when the change shows, or when no change was made', () => {
    expect(staleViewVerdict(true, 'task x is ready', after, 1_010_000)).toBeUndefined();
    expect(staleViewVerdict(false, 'task x is ready', undefined, 1_010_000)).toBeUndefined();
  });

  it('waits within the grace period, naming what DMS shows', () => {
    expect(staleViewVerdict(false, 'task shop-core not found', after, 1_010_000)).toEqual({
      kind: 'waiting',
      why: 'DMS does not show the task just created yet (10 s after the call): task shop-core not found',
    });
  });

  it('fails past the grace period with what to do next', () => {
    const verdict = staleViewVerdict(false, 'task shop-core not found', after, 1_000_000 + 301_000);
    expect(verdict?.kind).toBe('failed');
    expect(verdict?.why).toContain('DMS still does not show the task just created 301 s after the call (task shop-core not found)');
    expect(verdict?.why).toContain('waits.describeLagSeconds allows 300 s');
  });

  it('stamps a change with the current time and the configured grace', () => {
    const stamped = afterChange({ kind: 'task-started', previousStartDate: null }, 120);
    expect(stamped.graceSeconds).toBe(120);
    expect(Math.abs(stamped.madeAt - Date.now())).toBeLessThan(1000);
  });
});
