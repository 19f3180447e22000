import type { InstanceSnapshot, TaskSnapshot } from '../../domain/dmsStates';
import {
  compositeCostLines,
  describeBreach,
  judgeLatency,
  loadHours,
  latencyTrend,
  planCompositeResize,
  planSimpleResize,
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

describe('CDC latency after a resume, judged on its end and trend', () => {
  const resumed = [task('cdc', 'running')];
  const idOf = (arn: string) => arn.split(':').at(-1)!;
  const series = (metric: string, values: number[]) => ({
    metric,
    dimensions: { ReplicationTaskIdentifier: 'cdc' },
    points: values.map((value, i) => ({ at: `2026-12-01T10:0${i}:00Z`, value })),
    max: Math.max(...values),
  });

  test('a task that starts far behind and catches up passes: the peak is not what is judged', () => {
    const verdict = judgeLatency(resumed, [series('CDCLatencySource', [1800, 900, 200, 20])], idOf, 300);
    expect(verdict.breaches).toEqual([]);
    expect(verdict.worst).toEqual({ cdc: 1800 });
    expect(verdict.ends).toEqual({ cdc: { end: 20, trend: 'falling' } });
  });

  test('still over the threshold at the end fails, even when coming down', () => {
    const verdict = judgeLatency(resumed, [series('CDCLatencyTarget', [1800, 900, 400])], idOf, 300);
    expect(verdict.breaches).toEqual([{ task: 'cdc', metric: 'CDCLatencyTarget', max: 1800, end: 400, trend: 'falling' }]);
    expect(describeBreach(verdict.breaches[0]!, 300)).toBe('task cdc CDCLatencyTarget still 400 s at the end (peak 1800 s)');
  });

  test('rising past half the threshold fails: the task is not catching up', () => {
    const verdict = judgeLatency(resumed, [series('CDCLatencySource', [10, 60, 120, 200])], idOf, 300);
    expect(verdict.breaches.map((b) => [b.end, b.trend])).toEqual([[200, 'rising']]);
    expect(describeBreach(verdict.breaches[0]!, 300)).toContain('200 s at the end and rising');
  });

  test('a small latency that wobbles upward is no breach; a task without datapoints is unmeasured', () => {
    expect(judgeLatency(resumed, [series('CDCLatencySource', [2, 1, 3])], idOf, 300).breaches).toEqual([]);
    expect(judgeLatency(resumed, [], idOf, 300).unmeasured).toEqual(['cdc']);
  });

  test('the trend compares the last point with the mean of the three before it', () => {
    expect(latencyTrend([{ value: 5 }])).toBe('flat');
    expect(latencyTrend([{ value: 100 }, { value: 100 }, { value: 100 }, { value: 50 }])).toBe('falling');
    expect(latencyTrend([{ value: 100 }, { value: 100 }, { value: 105 }])).toBe('flat');
    expect(latencyTrend([{ value: 999 }, { value: 10 }, { value: 10 }, { value: 10 }, { value: 20 }])).toBe('rising');
  });
});

describe('a Multi-AZ instance in the resize plan', () => {
  const prices = { 'dms.r5.large': 0.2, 'dms.r5.4xlarge': 1.6 };
  const simple = (multiAz: boolean, multiAzPriceFactor?: number) =>
    planSimpleResize({
      instance: { ...instance, multiAz },
      tasks: [task('a', 'running')],
      targetClass: 'dms.r5.4xlarge',
      prices,
      multiAzPriceFactor,
      settleMinutes: 10,
      freeStorageBytes: 50 * GB,
    });

  test('is priced as primary and standby (twice by default), and says the downtime is unverified', () => {
    const single = simple(false);
    const multi = simple(true);
    expect(single.cost!.targetHourly).toBe(1.6);
    expect(multi.cost!.targetHourly).toBe(3.2);
    expect(multi.cost!.estimate).toBeCloseTo(single.cost!.estimate * 2, 1);
    expect(multi.warnings.join('\n')).toContain('repl is Multi-AZ: prices are 2× dms.hourlyPrices');
    expect(multi.warnings.join('\n')).toContain('unverified');
    expect(single.warnings.join('\n')).not.toContain('Multi-AZ');
    expect(multi.details.instance).toMatchObject({ multiAz: true });
  });

  test('the factor is configurable, and the composite plan prices both classes with it', () => {
    expect(simple(true, 1.5).cost!.targetHourly).toBe(2.4);
    const composite = planCompositeResize({
      instance: { ...instance, multiAz: true },
      tasks: [],
      fullLoadClass: 'dms.r5.4xlarge',
      cdcClass: 'dms.r5.large',
      prices,
      settleMinutes: 10,
      freeStorageBytes: 50 * GB,
      during: { kind: 'onboardTable', workflowId: 'child', plan: { ...emptyPlan('x'), expectedMinutes: 60 } },
    });
    expect(composite.cost!.lines!.find((l) => l.item === 'CDC after scaling down, per month')!.hourly).toBe(0.4);
    expect(composite.warnings.join('\n')).toContain('Multi-AZ');
  });
});

describe('the composite resize sizes the child load from its tables', () => {
  const plan = (details: Record<string, unknown>) =>
    planCompositeResize({
      instance,
      tasks: [],
      fullLoadClass: 'dms.r5.4xlarge',
      cdcClass: 'dms.r5.large',
      prices: {},
      settleMinutes: 10,
      freeStorageBytes: 50 * 1024 ** 3,
      during: { kind: 'fullReload', workflowId: 'child', plan: { ...emptyPlan('child'), details } },
    });

  test('one big table: the plan warns that the big class buys nothing', () => {
    expect(loadHours({ ...emptyPlan('x'), details: { rows: 72_000_000 } }, 'dms.r5.4xlarge')).toBe(2);
    expect(plan({ rows: 72_000_000 }).warnings.join('\n')).toContain('the bigger class buys nothing');
  });

  test('many tables: the big class is faster and no such warning', () => {
    const many = plan({ tableRows: Array.from({ length: 16 }, () => 3_000_000) });
    // 48M rows: 80,000 rows/s on the 4xlarge (10 min), 10,000 rows/s on the large (80 min), rounded to hundredths of hours.
    expect(many.details.loadHours).toEqual({ 'dms.r5.4xlarge': 0.17, 'dms.r5.large': 1.33 });
    expect(many.warnings.join('\n')).not.toContain('buys nothing');
  });
});
