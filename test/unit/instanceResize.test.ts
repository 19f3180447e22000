import type { InstanceSnapshot, TaskSnapshot } from '../../domain/dmsStates';
import {
  compositeCostLines,
  planTouchesInstance,
  proposedStorageGb,
  resizeRefusal,
  simpleCostLines,
  tasksNamedInPlan,
} from '../../domain/instanceResize';
import { costTableMarkdown, emptyPlan } from '../../domain/plan';

const GB = 1024 ** 3;
const instance: InstanceSnapshot = {
  arn: 'arn:aws:dms:us-east-1:1:rep:A',
  identifier: 'repl',
  status: 'available',
  instanceClass: 'dms.r5.large',
  allocatedStorageGb: 100,
  pending: {},
};
const task = (identifier: string, status: string): TaskSnapshot => ({
  arn: `arn:aws:dms:us-east-1:1:task:${identifier}`,
  identifier,
  status,
});
const rules = { allowedClasses: ['dms.r5.large', 'dms.r5.4xlarge'], minFreeStorageGb: 20 };
const facts = { instance, tasks: [task('a', 'running'), task('b', 'stopped')], freeStorageBytes: 50 * GB };

describe('resize refusals, in order', () => {
  test('a resize that may go ahead', () => {
    expect(resizeRefusal(facts, rules, { classes: ['dms.r5.4xlarge'] })).toBeUndefined();
  });
  test('shrinking, a class not allowed, an unavailable instance, pending changes, unsettled tasks, no metric, low storage', () => {
    expect(resizeRefusal(facts, rules, { classes: ['dms.r5.4xlarge'], allocatedStorageGb: 50 })).toContain('cannot shrink');
    expect(resizeRefusal(facts, rules, { classes: ['dms.c5.large'] })).toContain('class dms.c5.large is not allowed');
    expect(resizeRefusal({ ...facts, instance: { ...instance, status: 'modifying' } }, rules, { classes: ['dms.r5.4xlarge'] })).toContain(
      'is modifying, not available',
    );
    expect(
      resizeRefusal({ ...facts, instance: { ...instance, pending: { ReplicationInstanceClass: 'x' } } }, rules, {
        classes: ['dms.r5.4xlarge'],
      }),
    ).toContain('already has pending changes');
    expect(resizeRefusal({ ...facts, tasks: [task('c', 'stopping')] }, rules, { classes: ['dms.r5.4xlarge'] })).toContain(
      'must be settled',
    );
    expect(resizeRefusal({ ...facts, freeStorageBytes: undefined }, rules, { classes: ['dms.r5.4xlarge'] })).toContain(
      'no AWS/DMS FreeStorageSpace datapoint',
    );
    expect(resizeRefusal({ ...facts, freeStorageBytes: 5 * GB }, rules, { classes: ['dms.r5.4xlarge'] })).toContain(
      'add "allocatedStorageGb": 120 to the input',
    );
    expect(
      resizeRefusal({ ...facts, freeStorageBytes: 5 * GB }, rules, { classes: ['dms.r5.4xlarge'], allocatedStorageGb: 120 }),
    ).toBeUndefined();
  });
  test('a storage-full instance passes only with more storage', () => {
    const full = { ...facts, instance: { ...instance, status: 'storage-full' }, freeStorageBytes: 0 };
    expect(resizeRefusal(full, rules, { classes: ['dms.r5.large'] })).toContain('give "allocatedStorageGb" of at least 120');
    expect(resizeRefusal(full, rules, { classes: ['dms.r5.large'], allocatedStorageGb: 130 })).toBeUndefined();
    expect(proposedStorageGb(instance, 3.5, 20)).toBe(120);
  });
});

describe('cost tables', () => {
  const prices = { 'dms.r5.large': 0.21, 'dms.r5.4xlarge': 1.68 };
  test('simple: current vs target per month; composite: the saving of scaling back down', () => {
    expect(simpleCostLines(prices, 'dms.r5.large', 'dms.r5.4xlarge')[2]).toEqual({
      item: 'difference, per month',
      hourly: 1.47,
      hours: 730,
      total: 1073.1,
    });
    const lines = compositeCostLines(prices, 'dms.r5.4xlarge', 'dms.r5.large', 2, 16);
    expect(lines.map((l) => l.total)).toEqual([3.36, 3.36, 153.3, 1226.4, 1073.1]);
    expect(costTableMarkdown(lines).slice(0, 3)).toEqual([
      '| item | class | USD/hour | hours | USD |',
      '|---|---|---:|---:|---:|',
      '| full load on the big class | dms.r5.4xlarge | 1.68 | 2 | 3.36 |',
    ]);
    expect(simpleCostLines({}, 'dms.r5.large', 'dms.r5.4xlarge')[2]!.total).toBeUndefined();
  });
});

describe('what a child plan acts on', () => {
  test('tasks by ARN or identifier; the instance by ARN', () => {
    const plan = emptyPlan('child');
    plan.calls.push(
      { service: 'dms', operation: 'StopReplicationTask', params: { ReplicationTaskArn: task('a', 'running').arn }, why: '' },
      {
        service: 'dms',
        operation: 'CreateReplicationTask',
        params: { ReplicationTaskIdentifier: 'new', ReplicationInstanceArn: 'other' },
        why: '',
      },
    );
    expect(tasksNamedInPlan(plan, facts.tasks)).toEqual(['a', 'new']);
    expect(planTouchesInstance(plan, instance.arn, facts.tasks)).toBe(true);
    expect(planTouchesInstance(plan, instance.arn, [])).toBe(false);
    expect(planTouchesInstance(emptyPlan('none'), instance.arn, [])).toBeUndefined();
  });
});
