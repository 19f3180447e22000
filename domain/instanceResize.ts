import type { InstanceSnapshot, TaskSnapshot } from './dmsStates';
import { describeTask } from './dmsStates';
import { fullLoadEstimate, vcpusOf } from './instanceClasses';
import { CostLine, Plan, PlannedCall } from './plan';

/**
 * Pure decisions of the resizeInstance runbook: what refuses a resize before anything changes, which tasks are
 * stopped and resumed, the downtime and the cost, and the commands an operator runs when it cannot finish.
 */

/**
 * A class change takes minutes: unverified — the API reference for ModifyReplicationInstance gives no duration ("Some
 * settings are applied during the maintenance window"), so the plan says so rather than promising a figure.
 */
export const CLASS_CHANGE_MINUTES = 15;
export const STORAGE_CHANGE_MINUTES = 5;
export const HOURS_PER_MONTH = 730;
const GB = 1024 ** 3;

export interface InstanceRules {
  allowedClasses: string[];
  minFreeStorageGb: number;
}

export interface ResizeFacts {
  instance: InstanceSnapshot;
  tasks: TaskSnapshot[];
  /** The latest FreeStorageSpace datapoint (bytes), if CloudWatch has one. */
  freeStorageBytes?: number;
}

export interface ResizeChange {
  /** Every class the runbook will set (one, or the composite's two). */
  classes: string[];
  allocatedStorageGb?: number;
}

/** Tasks that count as running for a resize: stopped before the change, resumed after it. */
export const isRunning = (task: TaskSnapshot) => task.status === 'running' || task.status === 'starting';
const SETTLED = new Set(['running', 'starting', 'stopped', 'ready', 'failed']);

export const freeStorageGb = (bytes: number) => Math.floor((bytes / GB) * 10) / 10;

/** The storage to ask for so free storage is back over the floor, rounded up to 10 GB. */
export function proposedStorageGb(instance: InstanceSnapshot, freeGb: number, floorGb: number): number {
  return Math.ceil((instance.allocatedStorageGb + (floorGb - freeGb)) / 10) * 10;
}

/** The first reason to refuse, checked before any change; undefined when the resize may go ahead. */
export function resizeRefusal(facts: ResizeFacts, rules: InstanceRules, change: ResizeChange): string | undefined {
  const { instance } = facts;
  const name = `replication instance ${instance.identifier}`;
  const growth = change.allocatedStorageGb === undefined ? 0 : change.allocatedStorageGb - instance.allocatedStorageGb;
  if (growth < 0) {
    return `cannot shrink the storage of ${name} from ${instance.allocatedStorageGb} GB to ${change.allocatedStorageGb} GB: DMS storage only grows; to shrink, create a new instance and move the tasks to it`;
  }
  const notAllowed = change.classes.filter((c) => !rules.allowedClasses.includes(c));
  if (notAllowed.length) {
    return `class ${notAllowed.join(', ')} is not allowed for ${name} (allowed: ${rules.allowedClasses.join(', ')}); choose one of them, or add it to dms.replicationInstances[].allowedClasses in the pipeline configuration`;
  }
  if (instance.status === 'storage-full' && growth <= 0) {
    return `${name} is storage-full (its tasks stop with STOPPED_DUE_TO_LOW_DISK); give "allocatedStorageGb" of at least ${proposedStorageGb(instance, 0, rules.minFreeStorageGb)} to grow its storage, which clears the condition`;
  }
  if (instance.status !== 'available' && instance.status !== 'storage-full') {
    return `${name} is ${instance.status}, not available; resize only an available instance: wait until DMS shows it available and start the runbook again`;
  }
  if (Object.keys(instance.pending).length) {
    return `${name} already has pending changes ${JSON.stringify(instance.pending)}; wait until they are applied (or apply them) before another resize`;
  }
  const unsettled = facts.tasks.filter((t) => !SETTLED.has(t.status));
  if (unsettled.length) {
    return `${unsettled.map(describeTask).join('; ')}: tasks on ${name} must be settled (running, stopped, ready or failed) before a resize; wait and start again`;
  }
  if (facts.freeStorageBytes === undefined) {
    return `cannot check the free storage of ${name}: CloudWatch has no AWS/DMS FreeStorageSpace datapoint for it in the last 15 min; check that the instance publishes metrics, then start again`;
  }
  const freeGb = freeStorageGb(facts.freeStorageBytes);
  if (freeGb + growth < rules.minFreeStorageGb) {
    const proposal = proposedStorageGb(instance, freeGb, rules.minFreeStorageGb);
    return `${name} has ${freeGb} GB free of ${instance.allocatedStorageGb} GB${growth ? ` (${freeGb + growth} GB after growing to ${change.allocatedStorageGb} GB)` : ''}, under the floor of ${rules.minFreeStorageGb} GB (minFreeStorageGb): its tasks would run out of storage; add "allocatedStorageGb": ${proposal} to the input to grow it with the resize`;
  }
  return undefined;
}

/** Whether the simple form asks for what the instance already has. */
export function nothingToChange(instance: InstanceSnapshot, targetClass: string, allocatedStorageGb?: number): boolean {
  return instance.instanceClass === targetClass && (allocatedStorageGb === undefined || allocatedStorageGb === instance.allocatedStorageGb);
}

export function priceOf(prices: Record<string, number>, instanceClass: string): number | undefined {
  return prices[instanceClass];
}

/**
 * The hourly prices that apply to this instance. dms.hourlyPrices are Single-AZ prices; a Multi-AZ instance runs a
 * synchronous standby replica in another Availability Zone beside the primary ("Working with an AWS DMS
 * replication instance"), so it is priced at multiAzPriceFactor times them (2 by default: two instances; inferred,
 * the AWS DMS pricing page is the authority — set the factor or Multi-AZ prices of your own).
 */
export function pricesFor(input: { instance: InstanceSnapshot; prices: Record<string, number>; multiAzPriceFactor?: number }) {
  if (!input.instance.multiAz) return input.prices;
  const factor = input.multiAzPriceFactor ?? 2;
  return Object.fromEntries(Object.entries(input.prices).map(([c, price]) => [c, round2(price * factor)]));
}

/** What Multi-AZ changes in a resize plan: the price, and a downtime DMS does not document. */
function multiAzWarnings(input: { instance: InstanceSnapshot; multiAzPriceFactor?: number }): string[] {
  if (!input.instance.multiAz) return [];
  return [
    `${input.instance.identifier} is Multi-AZ: prices are ${input.multiAzPriceFactor ?? 2}× dms.hourlyPrices (primary and standby, dms.multiAzPriceFactor); whether DMS changes the standby first and fails over, shortening the pause, is not documented (unverified), so the downtime estimate is the Single-AZ one`,
  ];
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const times = (price: number | undefined, hours: number) => (price === undefined ? undefined : round2(price * hours));

/** The calls of one resize: stop the running tasks, modify the instance, resume exactly those tasks. */
export function resizeCalls(instance: InstanceSnapshot, running: TaskSnapshot[], targetClass: string, allocatedStorageGb?: number) {
  const stop: PlannedCall[] = running.map((t) => ({
    service: 'dms',
    operation: 'StopReplicationTask',
    params: { ReplicationTaskArn: t.arn },
    why: `${t.identifier} is running: a class change interrupts it, so it is stopped cleanly first`,
  }));
  const modifyParams: Record<string, unknown> = { ReplicationInstanceArn: instance.arn, ApplyImmediately: true };
  if (targetClass !== instance.instanceClass) modifyParams.ReplicationInstanceClass = targetClass;
  const growTo = allocatedStorageGb !== undefined && allocatedStorageGb !== instance.allocatedStorageGb ? allocatedStorageGb : undefined;
  if (growTo !== undefined) modifyParams.AllocatedStorage = growTo;
  const modify: PlannedCall = {
    service: 'dms',
    operation: 'ModifyReplicationInstance',
    params: modifyParams,
    why: `${instance.identifier}: ${instance.instanceClass} → ${targetClass}${growTo !== undefined ? `, storage ${instance.allocatedStorageGb} → ${growTo} GB` : ''}`,
  };
  const resume: PlannedCall[] = running.map((t) => ({
    service: 'dms',
    operation: 'StartReplicationTask',
    params: { ReplicationTaskArn: t.arn, StartReplicationTaskType: 'resume-processing' },
    why: `${t.identifier} was running before the resize: resume it from its stop point`,
  }));
  return [...stop, modify, ...resume];
}

export function changeMinutes(instance: InstanceSnapshot, targetClass: string): number {
  return instance.instanceClass === targetClass ? STORAGE_CHANGE_MINUTES : CLASS_CHANGE_MINUTES;
}

function taskWarnings(tasks: TaskSnapshot[]): string[] {
  const idle = tasks.filter((t) => !isRunning(t));
  return idle.length ? [`not running, left as they are: ${idle.map(describeTask).join('; ')}`] : [];
}

function priceWarnings(prices: Record<string, number>, classes: string[]): string[] {
  const missing = [...new Set(classes)].filter((c) => priceOf(prices, c) === undefined);
  return missing.length ? [`no hourly price for ${missing.join(', ')} in dms.hourlyPrices: the cost is not estimated for it`] : [];
}

export interface SimpleResizePlanInput {
  instance: InstanceSnapshot;
  tasks: TaskSnapshot[];
  targetClass: string;
  allocatedStorageGb?: number;
  prices: Record<string, number>;
  /** Multi-AZ price over Single-AZ (dms.multiAzPriceFactor). */
  multiAzPriceFactor?: number;
  settleMinutes: number;
  freeStorageBytes: number;
}

/** Current vs target, per hour and per month. */
export function simpleCostLines(prices: Record<string, number>, current: string, target: string): CostLine[] {
  const now = priceOf(prices, current);
  const next = priceOf(prices, target);
  return [
    { item: 'current, per month', instanceClass: current, hourly: now, hours: HOURS_PER_MONTH, total: times(now, HOURS_PER_MONTH) },
    { item: 'target, per month', instanceClass: target, hourly: next, hours: HOURS_PER_MONTH, total: times(next, HOURS_PER_MONTH) },
    {
      item: 'difference, per month',
      hourly: now === undefined || next === undefined ? undefined : round2(next - now),
      hours: HOURS_PER_MONTH,
      total: now === undefined || next === undefined ? undefined : round2((next - now) * HOURS_PER_MONTH),
    },
  ];
}

export function planSimpleResize(input: SimpleResizePlanInput): Plan {
  const { instance, targetClass } = input;
  const running = input.tasks.filter(isRunning);
  const minutes = changeMinutes(instance, targetClass);
  const prices = pricesFor(input);
  const lines = simpleCostLines(prices, instance.instanceClass, targetClass);
  const delta = lines[2]!.total;
  const storage =
    input.allocatedStorageGb !== undefined && input.allocatedStorageGb !== instance.allocatedStorageGb
      ? ` and grow its storage from ${instance.allocatedStorageGb} to ${input.allocatedStorageGb} GB`
      : '';
  return {
    summary: `resize ${instance.identifier} from ${instance.instanceClass} to ${targetClass}${storage}; ${running.length} running task(s) stopped and resumed`,
    calls: resizeCalls(instance, running, targetClass, input.allocatedStorageGb),
    prefixes: [],
    expectedMinutes: 3 + minutes + input.settleMinutes,
    cost: {
      currency: 'USD',
      currentHourly: priceOf(prices, instance.instanceClass),
      targetHourly: priceOf(prices, targetClass),
      estimate: delta ?? 0,
      note:
        delta === undefined
          ? 'unknown: a class has no price in dms.hourlyPrices'
          : `${delta >= 0 ? 'more' : 'less'} per month (${HOURS_PER_MONTH} h) on ${targetClass} than on ${instance.instanceClass}`,
      lines,
    },
    warnings: [
      ...(running.length
        ? [
            `downtime: CDC of ${running.map((t) => t.identifier).join(', ')} pauses for about ${minutes + 3} min (the change takes minutes; unverified duration), then catches up`,
          ]
        : []),
      ...taskWarnings(input.tasks),
      ...priceWarnings(prices, [instance.instanceClass, targetClass]),
      ...multiAzWarnings(input),
    ],
    details: {
      instance: {
        identifier: instance.identifier,
        class: instance.instanceClass,
        storageGb: instance.allocatedStorageGb,
        multiAz: instance.multiAz ?? false,
      },
      freeStorageGb: freeStorageGb(input.freeStorageBytes),
      tasks: input.tasks.map((t) => ({ identifier: t.identifier, status: t.status, stopReason: t.stopReason, resumed: isRunning(t) })),
      settleMinutes: input.settleMinutes,
    },
  };
}

export interface CompositeResizePlanInput {
  instance: InstanceSnapshot;
  tasks: TaskSnapshot[];
  fullLoadClass: string;
  cdcClass: string;
  allocatedStorageGb?: number;
  prices: Record<string, number>;
  multiAzPriceFactor?: number;
  settleMinutes: number;
  freeStorageBytes: number;
  during: { kind: string; plan?: Plan; workflowId: string };
}

/**
 * Hours the child's full load takes on a class: from its tables' row counts when its plan gives them (one
 * subtask per table, domain/instanceClasses.ts), else its own estimate scaled by the vCPUs of the class it was
 * planned on.
 */
export function loadHours(childPlan: Plan | undefined, instanceClass: string, plannedOn?: string): number {
  const { tableRows, rows, loadEstimates } = childPlan?.details ?? {};
  // A fullReload child measured its tables' previous loads (domain/loadHistory.ts): the slowest task's rate.
  const rates = (Array.isArray(loadEstimates) ? (loadEstimates as Array<{ measuredRowsPerSecond?: number; method: string }>) : [])
    .map((e) => e.measuredRowsPerSecond)
    .filter((r): r is number => typeof r === 'number');
  const measured = rates.length ? { rowsPerSecond: Math.min(...rates), method: "the child's measured rate of previous loads" } : undefined;
  if (Array.isArray(tableRows)) return fullLoadEstimate(tableRows as number[], instanceClass, undefined, measured).minutes / 60;
  if (typeof rows === 'number') return fullLoadEstimate([rows], instanceClass).minutes / 60;
  const minutes = childPlan?.expectedMinutes ?? 60;
  return (minutes * vcpusOf(plannedOn ?? instanceClass)) / vcpusOf(instanceClass) / 60;
}

/** When the big class cannot load faster (one big table on one subtask), the plan says so before anyone pays for it. */
function noGainWarning(fullLoadClass: string, cdcClass: string, hoursBig: number, hoursSmall: number): string[] {
  if (hoursBig < hoursSmall * 0.95) return [];
  return [
    `the full load is estimated at ${hoursBig} h on ${fullLoadClass} and ${hoursSmall} h on ${cdcClass}: it is bound by its largest table, which loads on one subtask whatever the class; the bigger class buys nothing unless a parallel-load rule splits that table ("Table and collection settings rules and operations")`,
  ];
}

export function compositeCostLines(
  prices: Record<string, number>,
  fullLoadClass: string,
  cdcClass: string,
  hoursBig: number,
  hoursSmall: number,
): CostLine[] {
  const big = priceOf(prices, fullLoadClass);
  const small = priceOf(prices, cdcClass);
  const keep = times(big, HOURS_PER_MONTH);
  const after = times(small, HOURS_PER_MONTH);
  return [
    { item: 'full load on the big class', instanceClass: fullLoadClass, hourly: big, hours: hoursBig, total: times(big, hoursBig) },
    {
      item: 'full load on the CDC class instead',
      instanceClass: cdcClass,
      hourly: small,
      hours: hoursSmall,
      total: times(small, hoursSmall),
    },
    { item: 'CDC after scaling down, per month', instanceClass: cdcClass, hourly: small, hours: HOURS_PER_MONTH, total: after },
    { item: 'keeping the big class, per month', instanceClass: fullLoadClass, hourly: big, hours: HOURS_PER_MONTH, total: keep },
    {
      item: 'saving per month of scaling down',
      hours: HOURS_PER_MONTH,
      total: keep === undefined || after === undefined ? undefined : round2(keep - after),
    },
  ];
}

export function planCompositeResize(input: CompositeResizePlanInput): Plan {
  const { instance, fullLoadClass, cdcClass, during } = input;
  const running = input.tasks.filter(isRunning);
  const prices = pricesFor(input);
  const plannedOn = typeof during.plan?.details.instanceClass === 'string' ? during.plan.details.instanceClass : instance.instanceClass;
  const hoursBig = round2(loadHours(during.plan, fullLoadClass, plannedOn));
  const hoursSmall = round2(loadHours(during.plan, cdcClass, plannedOn));
  const lines = compositeCostLines(prices, fullLoadClass, cdcClass, hoursBig, hoursSmall);
  const up = changeMinutes(instance, fullLoadClass);
  const down = CLASS_CHANGE_MINUTES;
  const big = priceOf(prices, fullLoadClass);
  const estimate = big === undefined ? 0 : round2(big * (hoursBig + (up + down + 2 * input.settleMinutes) / 60));
  const saving = lines[4]!.total;
  const scaleUp = instance.instanceClass === fullLoadClass ? [] : resizeCalls(instance, running, fullLoadClass, input.allocatedStorageGb);
  const child: PlannedCall = {
    service: 'temporal',
    operation: `StartChildWorkflow ${during.kind}`,
    params: { workflowId: during.workflowId, plan: during.plan?.summary },
    why: `the full load runs on ${fullLoadClass}; its own gates are approved on workflow ${during.workflowId}`,
  };
  const scaleDown: PlannedCall = {
    service: 'dms',
    operation: 'ModifyReplicationInstance',
    params: { ReplicationInstanceArn: instance.arn, ReplicationInstanceClass: cdcClass, ApplyImmediately: true },
    why: `after the scale-down gate: the tasks running then are stopped, the instance goes to ${cdcClass}, the tasks are resumed`,
  };
  return {
    summary: `scale ${instance.identifier} from ${instance.instanceClass} up to ${fullLoadClass}, run ${during.kind} (${during.plan?.summary ?? 'its plan'}), then after a gate scale down to ${cdcClass}`,
    calls: [...scaleUp, child, scaleDown],
    prefixes: during.plan?.prefixes ?? [],
    expectedMinutes: Math.ceil(up + down + 6 + hoursBig * 60 + 2 * input.settleMinutes),
    cost: {
      currency: 'USD',
      currentHourly: priceOf(prices, instance.instanceClass),
      targetHourly: big,
      estimate,
      note:
        saving === undefined
          ? `about ${hoursBig} h on ${fullLoadClass}; a class has no price in dms.hourlyPrices`
          : `about ${hoursBig} h on ${fullLoadClass} (vs ${hoursSmall} h on ${cdcClass}); scaling back down saves ${saving.toFixed(2)} USD per month over keeping ${fullLoadClass}`,
      lines,
    },
    warnings: [
      ...(running.length
        ? [
            `downtime, twice: CDC of ${running.map((t) => t.identifier).join(', ')} pauses for about ${up + 3} min at the scale-up and ${down + 3} min at the scale-down`,
          ]
        : []),
      ...taskWarnings(input.tasks),
      ...priceWarnings(prices, [instance.instanceClass, fullLoadClass, cdcClass]),
      ...multiAzWarnings(input),
      ...noGainWarning(fullLoadClass, cdcClass, hoursBig, hoursSmall),
      ...(during.plan?.warnings ?? []).map((w) => `${during.kind}: ${w}`),
    ],
    details: {
      instance: {
        identifier: instance.identifier,
        class: instance.instanceClass,
        storageGb: instance.allocatedStorageGb,
        multiAz: instance.multiAz ?? false,
      },
      freeStorageGb: freeStorageGb(input.freeStorageBytes),
      tasks: input.tasks.map((t) => ({ identifier: t.identifier, status: t.status, stopReason: t.stopReason, resumed: isRunning(t) })),
      during: { kind: during.kind, workflowId: during.workflowId, plan: during.plan },
      loadHours: { [fullLoadClass]: hoursBig, [cdcClass]: hoursSmall },
      settleMinutes: input.settleMinutes,
    },
  };
}

/** The tasks a plan's DMS calls name (by ARN or identifier): what a child runbook will act on. */
export function tasksNamedInPlan(plan: Plan | undefined, known: TaskSnapshot[]): string[] {
  const names = new Set<string>();
  for (const call of plan?.calls ?? []) {
    const arn = call.params.ReplicationTaskArn;
    const identifier = call.params.ReplicationTaskIdentifier;
    if (typeof identifier === 'string') names.add(identifier);
    if (typeof arn === 'string') {
      const task = known.find((t) => t.arn === arn);
      if (task) names.add(task.identifier);
    }
  }
  return [...names].sort();
}

/**
 * Whether a child plan acts on this instance: `true` when a call names it or one of its tasks, `false` when the
 * plan names only other tasks or instances, `undefined` when it names none (nothing to judge by).
 */
export function planTouchesInstance(plan: Plan | undefined, instanceArn: string, tasksOnInstance: TaskSnapshot[]): boolean | undefined {
  let named = false;
  for (const call of plan?.calls ?? []) {
    const instance = call.params.ReplicationInstanceArn;
    const task = call.params.ReplicationTaskArn;
    if (typeof instance === 'string') {
      named = true;
      if (instance === instanceArn) return true;
    }
    if (typeof task === 'string') {
      named = true;
      if (tasksOnInstance.some((t) => t.arn === task)) return true;
    }
  }
  return named ? false : undefined;
}

export function resumeCommand(task: Pick<TaskSnapshot, 'arn'>): string {
  return `aws dms start-replication-task --replication-task-arn ${task.arn} --start-replication-task-type resume-processing`;
}

export function describeInstanceCommand(identifier: string): string {
  return `aws dms describe-replication-instances --filters Name=replication-instance-id,Values=${identifier} --query 'ReplicationInstances[0].[ReplicationInstanceStatus,ReplicationInstanceClass,PendingModifiedValues]'`;
}

export interface LatencySeries {
  metric: string;
  dimensions: Record<string, string>;
  points: Array<{ at: string; value: number }>;
  max?: number;
}

export type LatencyTrend = 'falling' | 'flat' | 'rising';

export interface LatencyBreach {
  task: string;
  metric: string;
  /** The highest datapoint since the resume (kept for the report; not what is judged). */
  max: number;
  /** The last datapoint of the settling period: what is judged against the threshold. */
  end: number;
  trend: LatencyTrend;
}

export interface LatencyVerdict {
  breaches: LatencyBreach[];
  unmeasured: string[];
  worst: Record<string, number>;
  /** Per task: the latency at the end of the settling period and its direction, for the report. */
  ends?: Record<string, { end: number; trend: LatencyTrend }>;
}

/** Direction of the last stretch of a series: the last point against the mean of the points before it. */
export function latencyTrend(points: Array<{ value: number }>): LatencyTrend {
  if (points.length < 2) return 'flat';
  const last = points.at(-1)!.value;
  const before = points.slice(Math.max(0, points.length - 4), -1);
  const mean = before.reduce((sum, p) => sum + p.value, 0) / before.length;
  if (last < mean * 0.9) return 'falling';
  if (last > mean * 1.1) return 'rising';
  return 'flat';
}

/**
 * CDC latency of the resumed tasks over the settling period, judged on its end and its trend, not its peak: a
 * task resumed after a stop of N minutes starts about N minutes behind, so the peak right after the resume says
 * nothing about the new class. (CDCLatencySource measures how far the last captured source event lags behind the
 * instance's clock, "Monitoring AWS DMS tasks"; that a resume starts as far behind as the stop lasted is inferred
 * from resume-processing reading the binlog from the stop point.) A breach is a latency still over the threshold
 * at the end of the period, or one rising past half of it (not coming down).
 */
export function judgeLatency(tasks: TaskSnapshot[], series: LatencySeries[], taskIdOf: (arn: string) => string, maxSeconds: number) {
  const verdict: LatencyVerdict = { breaches: [], unmeasured: [], worst: {}, ends: {} };
  for (const task of tasks) {
    const mine = series.filter((s) => s.dimensions.ReplicationTaskIdentifier === taskIdOf(task.arn) && s.points.length);
    if (mine.length === 0) {
      verdict.unmeasured.push(task.identifier);
      continue;
    }
    verdict.worst[task.identifier] = Math.max(...mine.map((s) => s.max ?? Math.max(...s.points.map((p) => p.value))));
    let judged: { end: number; trend: LatencyTrend } | undefined;
    for (const s of mine) {
      const end = s.points.at(-1)!.value;
      const trend = latencyTrend(s.points);
      if (!judged || end > judged.end) judged = { end, trend };
      const max = s.max ?? Math.max(...s.points.map((p) => p.value));
      if (end > maxSeconds || (trend === 'rising' && end > maxSeconds / 2)) {
        verdict.breaches.push({ task: task.identifier, metric: s.metric, max, end, trend });
      }
    }
    verdict.ends![task.identifier] = judged!;
  }
  return verdict;
}

/** One line per breach for the failure message: the end value and the direction that failed it. */
export function describeBreach(b: LatencyBreach, maxSeconds: number): string {
  const why = b.end > maxSeconds ? `still ${b.end} s at the end` : `${b.end} s at the end and rising`;
  return `task ${b.task} ${b.metric} ${why} (peak ${b.max} s)`;
}
