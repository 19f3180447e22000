// The skeleton of docs/writing-a-runbook.md: checkSourceReadiness's frame plus a plan, a gate and one mutating call.
// test/unit/skeletonRunbook.test.ts type-checks it against the real engine, so it stays a working starting point.
import { z } from 'zod';
import { dryRunSchema, requestedBySchema, requestedBySignatureSchema } from '../../domain/inputs/common';
import { emptyPlan } from '../../domain/plan';
import { actions, reads } from '../../workflows/engine/activityProxies';
import { refuse } from '../../workflows/engine/refusals';
import { RunbookResult } from '../../workflows/engine/runbook';
import { runRunbook } from '../../workflows/engine/runRunbook';

// domain/inputs/pauseTask.ts: one strict zod schema; the engine validates it before any activity runs.
export const pauseTaskInputSchema = z
  .object({
    task: z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,254}$/),
    dryRun: dryRunSchema,
    requestedBy: requestedBySchema,
    requestedBySignature: requestedBySignatureSchema,
  })
  .strict();
export type PauseTaskInput = z.input<typeof pauseTaskInputSchema>;

/** Stops one replication task after a person approved it. */
export async function pauseTask(input: PauseTaskInput): Promise<RunbookResult<{ statusBefore: string }>> {
  return runRunbook(
    {
      kind: 'checkSourceReadiness', // your kind, once added to `kinds` in domain/config.ts
      schema: pauseTaskInputSchema,
      target: (i) => i.task, // the RunbookTarget search attribute, and the lock you take below
      steps: [
        ['facts', 'Read the task'],
        ['gate:stop', 'Approval: stop the task'], // a gate's step id is `gate:<gate name>`
        ['stop', 'Stop the task'],
      ],
    },
    input,
    async (runbook, i) => {
      const task = (await runbook.step('facts', () => reads.findTasks({ identifiers: [i.task] })))[i.task];
      if (!task) throw refuse(`task ${i.task} does not exist: check the identifier`);
      const plan = {
        ...emptyPlan(`stop ${i.task} (now ${task.status})`),
        calls: [{ service: 'dms' as const, operation: 'StopReplicationTask', params: { ReplicationTaskArn: task.arn }, why: 'asked' }],
      };
      runbook.setPlan(plan);
      if (i.dryRun) {
        runbook.skipRest('dry run'); // every step not run yet
        return { outcome: 'dry-run', message: plan.summary, report: { statusBefore: task.status } };
      }
      await runbook.lock([`task:${i.task}`]); // takes nothing in a dry run
      await runbook.gateStep('stop', plan); // the step `gate:stop`; rejected or expired: the runbook ends here
      runbook.record(await runbook.step('stop', () => actions.stopTask({ taskArn: task.arn })));
      return { message: `${i.task} stopped`, report: { statusBefore: task.status } };
    },
  );
}
