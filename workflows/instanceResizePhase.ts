import { ApplicationFailure, isCancellation, sleep } from '@temporalio/workflow';
import type { InstanceSnapshot, TaskSnapshot } from '../domain/dmsStates';
import { type AfterChange, afterChange } from '../domain/describeLag';
import { describeBreach, describeInstanceCommand, isRunning, judgeLatency, LatencyVerdict, resumeCommand } from '../domain/instanceResize';
import { actions, reads } from './engine/activityProxies';
import { errorMessage, Runbook } from './engine/runbook';
import { waiting, waitUntil } from './engine/waits';
import { ResizeUndo } from './instanceResizeUndo';

export interface PhaseReport {
  from: string;
  to: string;
  storageGb: number;
  recorded: Array<{ identifier: string; status: string; stopReason?: string }>;
  stopped: string[];
  resumed: string[];
  latency: LatencyVerdict;
}

export interface PhaseInput {
  /** '' for the simple form; 'up:' / 'down:' for the composite's two changes. */
  stepPrefix: string;
  instance: InstanceSnapshot;
  tasks: TaskSnapshot[];
  targetClass: string;
  allocatedStorageGb?: number;
  /** Fail on a CDC latency over the threshold (the last change of a runbook); otherwise note it and go on. */
  strictLatency: boolean;
}

/** The CloudWatch dimension of a task: the resource id at the end of its ARN (not its identifier). */
const taskResourceId = (arn: string) => arn.split(':').at(-1) ?? arn;

/**
 * One instance change, the conservative way: record the task states, stop the running tasks, modify with
 * ApplyImmediately, wait until available with nothing pending, resume exactly the tasks that were running, and
 * watch their CDC latency over the settling period. If the change fails or outlasts its deadline, the stopped
 * tasks stay stopped and the failure gives the commands that resume them once the instance is whole again.
 */
export async function resizePhase(runbook: Runbook, input: PhaseInput): Promise<PhaseReport> {
  const config = runbook.config;
  const { instance, targetClass, stepPrefix: p } = input;
  const running = input.tasks.filter(isRunning);
  const stateWait = waiting(config, config.waits.stateChangeMinutes);
  const undo = new ResizeUndo(runbook, instance);

  const stopped = await runbook.step(`${p}stop`, async () => {
    runbook.note(
      `${p}stop`,
      `recorded: ${input.tasks.map((t) => `${t.identifier} ${t.status}`).join(', ') || 'no task on the instance'}; stopping ${running.length}`,
    );
    undo.stopping(running);
    runbook.record(await Promise.all(running.map((t) => actions.stopTask({ taskArn: t.arn }))));
    undo.stopsMade();
    return Promise.all(
      running.map((t) =>
        waitUntil(`task ${t.identifier} stopped`, config.waits.stateChangeMinutes, () =>
          stateWait.waitForTask({ taskArn: t.arn, goal: 'stopped' }),
        ),
      ),
    );
  });

  const after = await runbook.step(`${p}modify`, async () => {
    const wanted = `${targetClass}${input.allocatedStorageGb !== undefined ? `, ${input.allocatedStorageGb} GB` : ''}`;
    runbook.setDms({ instance: instance.identifier, status: instance.status, class: instance.instanceClass, target: wanted });
    const modification = undo.modifying(targetClass, input.allocatedStorageGb);
    try {
      runbook.record(
        await actions.modifyInstance({
          instanceArn: instance.arn,
          instanceClass: targetClass,
          allocatedStorageGb: input.allocatedStorageGb,
        }),
      );
      modification.made();
      const modifyWait = waiting(config, config.waits.instanceModifyMinutes);
      const after = afterChange(
        { kind: 'instance-modified', instanceClass: targetClass, allocatedStorageGb: input.allocatedStorageGb },
        config.waits.describeLagSeconds,
      );
      const done = await waitUntil(
        `replication instance ${instance.identifier} available as ${wanted}`,
        config.waits.instanceModifyMinutes,
        () => modifyWait.waitForInstance({ instanceArn: instance.arn, after }),
      );
      if (done.instanceClass !== targetClass || done.allocatedStorageGb < (input.allocatedStorageGb ?? 0)) {
        throw new Error(`DMS shows it available as ${done.instanceClass}, ${done.allocatedStorageGb} GB, not ${wanted}`);
      }
      runbook.setDms({ instance: done.identifier, status: done.status, class: done.instanceClass, storageGb: done.allocatedStorageGb });
      return done;
    } catch (error) {
      if (isCancellation(error)) throw error;
      const commands = stopped.map((t) => `  ${resumeCommand(t)}`).join('\n');
      throw ApplicationFailure.nonRetryable(
        `resizing replication instance ${instance.identifier} from ${instance.instanceClass} to ${wanted} did not finish: ${errorMessage(error)}. ` +
          (stopped.length
            ? `The tasks this runbook stopped stay stopped (${stopped.map((t) => t.identifier).join(', ')}): never resume them onto a half-changed instance. ` +
              `Check the instance with \`${describeInstanceCommand(instance.identifier)}\` until it is available with the class you expect and nothing pending, then resume them:\n${commands}`
            : 'No task was stopped by this runbook.'),
        'ResizeFailed',
        { instance: instance.identifier, resumeCommands: stopped.map(resumeCommand) },
      );
    }
  });

  const resumedAt = await runbook.step(`${p}resume`, async () => {
    runbook.record(
      await Promise.all(
        stopped.map((t) => actions.startTask({ taskArn: t.arn, startType: 'resume-processing', previousStartDate: t.startDate ?? null })),
      ),
    );
    undo.done();
    runbook.note(`${p}resume`, stopped.length ? `resumed ${stopped.map((t) => t.identifier).join(', ')}` : 'no task to resume');
    return Date.now();
  });

  const latency = await runbook.step(`${p}verify`, async () => {
    const resumed = await Promise.all(
      stopped.map((t) => {
        // The resume this runbook made, which Describe may not show yet (domain/describeLag.ts).
        const after: AfterChange = {
          change: { kind: 'task-started', previousStartDate: t.startDate ?? null },
          madeAt: resumedAt,
          graceSeconds: config.waits.describeLagSeconds,
        };
        return waitUntil(`task ${t.identifier} running again`, config.waits.stateChangeMinutes, () =>
          stateWait.waitForTask({ taskArn: t.arn, goal: 'running', after }),
        );
      }),
    );
    const cdc = resumed.filter((t) => t.migrationType !== 'full-load');
    const verdict: LatencyVerdict = { breaches: [], unmeasured: [], worst: {} };
    if (cdc.length === 0) {
      runbook.note(`${p}verify`, 'no CDC task to watch');
      return verdict;
    }
    // The settling period is one durable timer, then one read of the whole period's datapoints.
    await sleep(config.waits.settleMinutes * 60_000);
    const series = await reads.readDmsMetrics({
      queries: cdc.flatMap((t) =>
        ['CDCLatencySource', 'CDCLatencyTarget'].map((metric) => ({
          metric,
          dimensions: { ReplicationInstanceIdentifier: instance.identifier, ReplicationTaskIdentifier: taskResourceId(t.arn) },
          // Every datapoint since the tasks were resumed (workflow time), not only the last settling minutes.
          minutes: Math.ceil((Date.now() - resumedAt) / 600) / 100,
        })),
      ),
    });
    const max = config.thresholds.cdcLatencySecondsMax;
    const judged = judgeLatency(cdc, series, taskResourceId, max);
    const summary = `CDC latency over ${config.waits.settleMinutes} min: ${
      Object.entries(judged.worst)
        .map(([task, s]) => `${task} peak ${s} s, ${judged.ends?.[task]?.end ?? s} s at the end (${judged.ends?.[task]?.trend ?? 'flat'})`)
        .join(', ') || 'no datapoint'
    }${judged.unmeasured.length ? `; no datapoint for ${judged.unmeasured.join(', ')}` : ''} (threshold ${max} s, judged at the end)`;
    runbook.note(`${p}verify`, summary);
    if (judged.breaches.length && input.strictLatency) {
      throw ApplicationFailure.nonRetryable(
        `after resizing ${instance.identifier} to ${targetClass}, CDC latency did not come down under ${max} s by the end of the ${config.waits.settleMinutes}-min settling period: ${judged.breaches
          .map((b) => describeBreach(b, max))
          .join(
            '; ',
          )}. The tasks are running on ${targetClass}; watch CDCLatencySource/CDCLatencyTarget in CloudWatch (AWS/DMS) and, if the latency does not come down, resize to a larger class or run pipelineDoctor`,
        'VerificationFailed',
        judged,
      );
    }
    return judged;
  });

  return {
    from: instance.instanceClass,
    to: after.instanceClass,
    storageGb: after.allocatedStorageGb,
    recorded: input.tasks.map((t) => ({ identifier: t.identifier, status: t.status, stopReason: t.stopReason })),
    stopped: stopped.map((t) => t.identifier),
    resumed: stopped.map((t) => t.identifier),
    latency,
  };
}
