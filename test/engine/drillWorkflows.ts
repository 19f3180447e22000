import { ApplicationFailure, condition, defineSignal, setHandler } from '@temporalio/workflow';
import { z } from 'zod';
import { emptyPlan } from '../../domain/plan';
import { runRunbook } from '../../workflows/engine/runRunbook';

// The lock workflow the lock activities start on the worker's own queue.
export { resourceLock } from '../../workflows/resourceLock';

/** Lets a drill open its first gate only when the test says so (to decide before any gate is open). */
export const proceedSignal = defineSignal('proceed');

const drillInput = z.object({
  target: z.string(),
  requestedBy: z.string().optional(),
  /** Two gates, `first` then `second`, so one can be closed while the other waits. */
  gates: z.array(z.string()).default(['go']),
  holdBeforeGates: z.boolean().default(false),
  failAfterGates: z.boolean().default(false),
  /** Locks (which takes nothing), then skips the rest, as every runbook's dry run does after its plan. */
  dryRun: z.boolean().optional(),
  /** Also locks this task whole, standing for these table locks (as a fullReload of a whole task). */
  wholeTask: z.object({ task: z.string(), tables: z.array(z.string()) }).optional(),
  /** A report (or, with failAfterGates, a failure message) of about this many KB, as a run over thousands of tables. */
  reportKb: z.number().optional(),
});

/** About `kb` KB of table names, with a character outside the BMP now and then (4 bytes in UTF-8, two in UTF-16). */
function bulky(kb = 0): string {
  return Array.from(
    { length: Math.ceil((kb * 1024) / 16) },
    (_, i) => `shop.t${String(i).padStart(6, '0')}_ok${i % 50 === 0 ? '😀' : ''}`,
  ).join(',');
}

/**
 * A runbook made of nothing but the engine (runRunbook, Runbook's lock, steps and gates), so the engine's mechanics are
 * tested on the time-skipping test server without AWS: what the real runbooks do at each step is tested on the stack.
 */
export async function gateDrill(raw: unknown) {
  // The step list is needed before runRunbook validates the input (a bad input fails there, with its message).
  const gates = drillInput.safeParse(raw).data?.gates ?? ['go'];
  return runRunbook(
    {
      kind: 'onboardTable',
      schema: drillInput,
      target: (input) => input.target,
      steps: [
        ['lock', 'Lock the target'],
        ['hold', 'Wait for the test'],
        ...gates.map((g): [string, string] => [`gate:${g}`, `Approve ${g}`]),
        ['act', 'Act'],
      ],
    },
    raw,
    async (runbook, input) => {
      await runbook.step('lock', () =>
        input.wholeTask
          ? runbook.lock([`table:${input.target}`, input.wholeTask.task], { wholeTasks: [input.wholeTask] })
          : runbook.lock([`table:${input.target}`]),
      );
      if (input.dryRun) {
        runbook.skipRest('dry run');
        return { outcome: 'dry-run', message: `drill ${input.target}: dry run` };
      }
      let proceed = !input.holdBeforeGates;
      setHandler(proceedSignal, () => void (proceed = true));
      await runbook.step('hold', () => condition(() => proceed));
      for (const gate of input.gates) {
        await runbook.gateStep(gate, emptyPlan(`drill ${input.target}: ${gate}`));
      }
      await runbook.step('act', () => {
        if (input.failAfterGates)
          throw ApplicationFailure.nonRetryable(`the drill fails after its gates${bulky(input.reportKb)}`, 'Refused');
        return Promise.resolve();
      });
      return {
        message: `drill ${input.target} done`,
        report: input.reportKb ? { tables: bulky(input.reportKb).split(',') } : undefined,
      };
    },
  );
}
