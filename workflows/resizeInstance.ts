import { ApplicationFailure, CancellationScope, executeChild, isCancellation, ParentClosePolicy, workflowInfo } from '@temporalio/workflow';
import { InstanceSnapshot, stopReason, TaskSnapshot } from '../domain/dmsStates';
import {
  CompositeResizeInput,
  isComposite,
  isCompositeResize,
  resizeInstanceInputSchema,
  SimpleResizeInput,
} from '../domain/inputs/resizeInstance';
import {
  nothingToChange,
  planCompositeResize,
  planSimpleResize,
  planTouchesInstance,
  resizeRefusal,
  ResizeChange,
  resumeCommand,
  tasksNamedInPlan,
} from '../domain/instanceResize';
import { startCommand } from '../domain/operatorCommands';
import type { CostLine, Plan } from '../domain/plan';
import { reads } from './engine/activityProxies';
import { errorMessage, Runbook, RunbookResult } from './engine/runbook';
import { runRunbook } from './engine/runRunbook';
import { PhaseReport, resizePhase } from './instanceResizePhase';
import { Failure } from '../contracts/failures';
import { invalidInput, refuse } from './engine/refusals';

export interface ResizeReport {
  instance: string;
  before: { instanceClass: string; storageGb: number };
  after: { instanceClass: string; storageGb: number };
  phases: PhaseReport[];
  during?: { kind: string; workflowId: string; outcome: string; message: string };
  cost: CostLine[];
  notes: string[];
}

const PHASE_STEPS = (p: string, what: string): Array<[string, string]> => [
  [`${p}stop`, `${what}: record the task states and stop the running tasks`],
  [`${p}modify`, `${what}: modify the instance and wait until it is available`],
  [`${p}resume`, `${what}: resume the tasks that were running`],
  [`${p}verify`, `${what}: tasks running, CDC latency over the settling period`],
];

function stepsFor(raw: unknown): Array<[string, string]> {
  const head: Array<[string, string]> = [
    ['facts', 'Read the instance, its tasks and its free storage'],
    ['plan', 'Plan the change, the downtime and the cost'],
    ['gate:resize', 'Approval: resize'],
  ];
  if (!isCompositeResize(raw)) return [...head, ...PHASE_STEPS('', 'Resize')];
  return [
    ...head,
    ...PHASE_STEPS('up:', 'Scale up'),
    ['during', 'Run the full-load runbook as a child workflow'],
    ['gate:scale-down', 'Approval: scale down for CDC'],
    ...PHASE_STEPS('down:', 'Scale down'),
  ];
}

interface Facts {
  instance: InstanceSnapshot;
  tasks: TaskSnapshot[];
  freeStorageBytes?: number;
}

async function readFacts(identifier: string): Promise<Facts> {
  const instance = await reads.findInstance({ identifier });
  if (!instance) throw refuse(`replication instance ${identifier} does not exist in DMS`);
  const [tasks, [storage]] = await Promise.all([
    reads.findTasksOnInstance({ instanceArn: instance.arn }),
    reads.readDmsMetrics({
      queries: [{ metric: 'FreeStorageSpace', dimensions: { ReplicationInstanceIdentifier: instance.identifier }, minutes: 15 }],
    }),
  ]);
  return { instance, tasks, freeStorageBytes: storage?.latest };
}

const taskLocks = (tasks: Array<{ identifier: string }>) => tasks.map((t) => `task:${t.identifier}`);

/**
 * Changes a replication instance's class (and storage) with its tasks stopped around the change; or, in the
 * composite form, scales up for a full-load runbook run as a child workflow and, after a gate, back down for CDC.
 */
export async function resizeInstance(input: unknown): Promise<RunbookResult<ResizeReport>> {
  return runRunbook(
    {
      kind: 'resizeInstance',
      schema: resizeInstanceInputSchema,
      target: (i) => i.instance,
      steps: stepsFor(input),
    },
    input,
    async (runbook, i) => {
      const config = runbook.config;
      const rules = config.dms.replicationInstances.find((r) => r.identifier.toLowerCase() === i.instance.toLowerCase());
      if (!rules)
        throw invalidInput(
          'resizeInstance',
          `instance: ${i.instance} is not in dms.replicationInstances of the pipeline configuration (known: ${config.dms.replicationInstances.map((r) => r.identifier).join(', ')})`,
        );
      const change: ResizeChange = {
        classes: isComposite(i) ? [i.fullLoadClass, i.cdcClass] : [i.targetClass],
        allocatedStorageGb: i.allocatedStorageGb,
      };

      const facts = await runbook.step('facts', async () => {
        const facts = await readFacts(i.instance);
        const why = resizeRefusal(facts, rules, change);
        if (why) throw refuse(why);
        runbook.note(
          'facts',
          `${facts.instance.identifier}: ${facts.instance.instanceClass}, ${facts.instance.allocatedStorageGb} GB, ${facts.instance.status}; tasks: ${facts.tasks.map((t) => `${t.identifier} ${t.status}`).join(', ') || 'none'}`,
        );
        runbook.setDms({ instance: facts.instance.identifier, status: facts.instance.status, class: facts.instance.instanceClass });
        return facts;
      });

      return isComposite(i) ? composite(runbook, i, facts) : simple(runbook, i, facts);
    },
  );
}

async function simple(runbook: Runbook, i: SimpleResizeInput, facts: Facts) {
  const config = runbook.config;
  const { instance } = facts;
  if (nothingToChange(instance, i.targetClass, i.allocatedStorageGb)) {
    runbook.skipRest('nothing to change');
    return {
      message: `${instance.identifier} is already ${instance.instanceClass} with ${instance.allocatedStorageGb} GB; nothing was changed`,
    };
  }
  const plan = await runbook.step('plan', () => {
    const plan = planSimpleResize({
      instance,
      tasks: facts.tasks,
      targetClass: i.targetClass,
      allocatedStorageGb: i.allocatedStorageGb,
      prices: config.dms.hourlyPrices,
      multiAzPriceFactor: config.dms.multiAzPriceFactor,
      settleMinutes: config.waits.settleMinutes,
      freeStorageBytes: facts.freeStorageBytes ?? 0,
    });
    runbook.setPlan(plan);
    return Promise.resolve(plan);
  });
  if (i.dryRun) {
    runbook.skipRest('dry run');
    return { outcome: 'dry-run' as const, message: `dry run: ${plan.summary}; nothing was changed` };
  }
  await runbook.lock([`instance:${instance.identifier}`, ...taskLocks(facts.tasks)]);
  await runbook.gateStep('resize', plan, plan.cost?.note);
  // The facts may have moved while the gate was open: act on what DMS shows now.
  const now = await readFacts(i.instance);
  await runbook.lock(taskLocks(now.tasks));
  const phase = await resizePhase(runbook, {
    stepPrefix: '',
    instance: now.instance,
    tasks: now.tasks,
    targetClass: i.targetClass,
    allocatedStorageGb: i.allocatedStorageGb,
    strictLatency: true,
  });
  return {
    message: `${instance.identifier} resized from ${phase.from} to ${phase.to} (${phase.storageGb} GB); resumed ${phase.resumed.join(', ') || 'no task'}`,
    report: report(instance, [phase], plan, facts.tasks),
  };
}

async function composite(runbook: Runbook, i: CompositeResizeInput, facts: Facts) {
  const config = runbook.config;
  const { instance } = facts;
  const childId = `${runbook.workflowId}-during`;
  const childInput = { ...i.during.input, requestedBy: i.during.input.requestedBy ?? i.requestedBy };

  const { plan, childPlan } = await runbook.step('plan', async () => {
    // The child plans itself (a dry run changes nothing): its refusals come before any change here too.
    let childPlan: Plan | undefined;
    try {
      const dry = await executeChild<(input: unknown) => Promise<RunbookResult<unknown>>>(i.during.kind, {
        workflowId: `${childId}-plan`,
        args: [{ ...childInput, dryRun: true }],
        // A dry run takes seconds; a workflow type no worker registers would otherwise wait here for ever.
        workflowExecutionTimeout: '10 minutes',
      });
      childPlan = dry.plan;
      if (!childPlan) throw new Error(`its dry run ended ${dry.outcome} without a plan: ${dry.message}`);
    } catch (error) {
      throw refuse(`the ${i.during.kind} runbook to run during the resize refuses its input: ${errorMessage(error)}`);
    }
    const touches = planTouchesInstance(childPlan, instance.arn, facts.tasks);
    if (touches === false)
      throw refuse(
        `the ${i.during.kind} runbook's plan acts on tasks of another replication instance, not ${instance.identifier}: scaling ${instance.identifier} up would not speed its load; resize the instance its task runs on`,
      );
    const plan = planCompositeResize({
      instance,
      tasks: facts.tasks,
      fullLoadClass: i.fullLoadClass,
      cdcClass: i.cdcClass,
      allocatedStorageGb: i.allocatedStorageGb,
      prices: config.dms.hourlyPrices,
      multiAzPriceFactor: config.dms.multiAzPriceFactor,
      settleMinutes: config.waits.settleMinutes,
      freeStorageBytes: facts.freeStorageBytes ?? 0,
      during: { kind: i.during.kind, plan: childPlan, workflowId: childId },
    });
    runbook.setPlan(plan);
    return { plan, childPlan };
  });

  if (i.dryRun) {
    runbook.skipRest('dry run');
    return { outcome: 'dry-run' as const, message: `dry run: ${plan.summary}; nothing was changed` };
  }

  await runbook.lock([`instance:${instance.identifier}`, ...taskLocks(facts.tasks)]);
  await runbook.gateStep('resize', plan, plan.cost?.note);

  const phases: PhaseReport[] = [];
  const dropScaleBack = scaleBackOnCancel(runbook, instance, i.fullLoadClass);
  const up = await readFacts(i.instance);
  await runbook.lock(taskLocks(up.tasks));
  if (up.instance.instanceClass === i.fullLoadClass && i.allocatedStorageGb === undefined) {
    for (const id of ['up:stop', 'up:modify', 'up:resume', 'up:verify']) runbook.skip(id, `already ${i.fullLoadClass}`);
  } else {
    phases.push(
      await resizePhase(runbook, {
        stepPrefix: 'up:',
        instance: up.instance,
        tasks: up.tasks,
        targetClass: i.fullLoadClass,
        allocatedStorageGb: i.allocatedStorageGb,
        strictLatency: false,
      }),
    );
  }

  // The child locks its own table and task: hand it the task locks its plan names, take them back afterwards.
  const handedOver = taskLocks(tasksNamedInPlan(childPlan, up.tasks).map((identifier) => ({ identifier })));
  let childFailure: string | undefined;
  const during = await runbook.step('during', async () => {
    await runbook.unlock(handedOver);
    try {
      const result = await executeChild<(input: unknown) => Promise<RunbookResult<unknown>>>(i.during.kind, {
        workflowId: childId,
        args: [{ ...childInput, dryRun: false }],
        // A cancelled parent cancels the child (the scope's cancellation, awaited by default: the child undoes its
        // changes first); a parent that closes otherwise (terminated) asks the child to cancel rather than
        // terminating it, so the child's own undo still runs.
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      });
      runbook.note('during', `${i.during.kind} ${result.outcome}: ${result.message}`);
      return { kind: i.during.kind, workflowId: childId, outcome: result.outcome, message: result.message };
    } catch (error) {
      // This run's own cancellation reached the child: not a child failure, the run undoes what it changed.
      if (isCancellation(error) && CancellationScope.current().consideredCancelled) throw error;
      childFailure = errorMessage(error);
      runbook.note('during', `${i.during.kind} failed: ${childFailure}`);
      return { kind: i.during.kind, workflowId: childId, outcome: 'failed', message: childFailure };
    }
  });

  const down = await readFacts(i.instance);
  await runbook.lock([...handedOver, ...taskLocks(down.tasks)]);
  const downPlan = planSimpleResize({
    instance: down.instance,
    tasks: down.tasks,
    targetClass: i.cdcClass,
    prices: config.dms.hourlyPrices,
    multiAzPriceFactor: config.dms.multiAzPriceFactor,
    settleMinutes: config.waits.settleMinutes,
    freeStorageBytes: down.freeStorageBytes ?? 0,
  });
  await runbook.gateStep(
    'scale-down',
    downPlan,
    `${i.during.kind} ${during.outcome}: ${during.message}. Approve to scale ${down.instance.identifier} down to ${i.cdcClass}; rejecting keeps ${down.instance.instanceClass} (${plan.cost?.note ?? 'cost not estimated'})`,
  );
  // From here the down phase undoes its own steps on cancel.
  dropScaleBack();
  phases.push(
    await resizePhase(runbook, {
      stepPrefix: 'down:',
      instance: down.instance,
      tasks: down.tasks,
      targetClass: i.cdcClass,
      strictLatency: true,
    }),
  );
  if (childFailure !== undefined) {
    throw ApplicationFailure.nonRetryable(
      `${instance.identifier} was scaled back to ${i.cdcClass}, but the ${i.during.kind} runbook failed (workflow ${childId}): ${childFailure}`,
      Failure.ChildRunbookFailed,
    );
  }
  return {
    message: `${instance.identifier}: ${instance.instanceClass} → ${i.fullLoadClass} for ${i.during.kind} (${during.outcome}), then → ${i.cdcClass}`,
    report: { ...report(instance, phases, plan, facts.tasks), during },
  };
}

function report(before: InstanceSnapshot, phases: PhaseReport[], plan: Plan, tasks: TaskSnapshot[]): ResizeReport {
  const last = phases.at(-1);
  // Tasks DMS stopped for lack of disk were not running, so they are not resumed: say how, now that there is room.
  const lowDisk = tasks.filter((t) => stopReason(t) === 'STOPPED_DUE_TO_LOW_DISK');
  return {
    notes: lowDisk.map(
      (t) => `task ${t.identifier} was stopped by DMS for low disk before this resize; resume it with: ${resumeCommand(t)}`,
    ),
    instance: before.identifier,
    before: { instanceClass: before.instanceClass, storageGb: before.allocatedStorageGb },
    after: { instanceClass: last?.to ?? before.instanceClass, storageGb: last?.storageGb ?? before.allocatedStorageGb },
    phases,
    cost: plan.cost?.lines ?? [],
  };
}

/**
 * A composite resize cancelled once it may have scaled up: back to the class from before the run, through the same
 * down-phase steps (the up phase's own undo, newer, first lets its modification end and resumes its tasks). With
 * `onCancel.compositeScaleDown: gate`, a person decides at the `scale-down` gate; rejecting it keeps the large class.
 */
function scaleBackOnCancel(runbook: Runbook, before: InstanceSnapshot, largeClass: string): () => void {
  const original = before.instanceClass;
  // What a person runs when the scale-back is left or fails: a resizeInstance back (it stops and resumes the
  // instance's tasks around the change), not a bare ModifyReplicationInstance.
  const command = startCommand(
    'resizeInstance',
    `${runbook.workflowId}-scale-back`,
    { instance: before.identifier, targetClass: original },
    workflowInfo().taskQueue,
  );
  return runbook.onCancel(`scale replication instance ${before.identifier} back to ${original} (from ${largeClass})`, command, async () => {
    const now = await readFacts(before.identifier);
    if (now.instance.instanceClass === original) return `already ${original}: nothing to scale back`;
    const config = runbook.config;
    if (config.onCancel?.compositeScaleDown === 'gate') {
      const plan = planSimpleResize({
        instance: now.instance,
        tasks: now.tasks,
        targetClass: original,
        prices: config.dms.hourlyPrices,
        settleMinutes: config.waits.settleMinutes,
        freeStorageBytes: now.freeStorageBytes ?? 0,
      });
      const answer = await runbook.decide(
        'scale-down',
        plan,
        `cancelled: approve to scale ${before.identifier} back to ${original}; rejecting keeps ${now.instance.instanceClass}`,
      );
      runbook.status.phase = 'canceling';
      if (answer === 'rejected')
        throw new Error(`scale-down rejected at the gate: ${before.identifier} stays ${now.instance.instanceClass}`);
    }
    const phase = await resizePhase(runbook, {
      stepPrefix: 'down:',
      instance: now.instance,
      tasks: now.tasks,
      targetClass: original,
      strictLatency: false,
    });
    return `${before.identifier} scaled back ${phase.from} → ${phase.to}; resumed ${phase.resumed.join(', ') || 'no task'}`;
  });
}
