import { sleep } from '@temporalio/workflow';
import { z } from 'zod';
import type { RunbookKind } from '../domain/config';
import { emptyPlan } from '../domain/plan';
import { reads } from '../workflows/engine/activityProxies';
import { runRunbook } from '../workflows/engine/runRunbook';

/** The real workflows plus two written only for the benchmarks. */
export * from '../workflows';

/**
 * The way the runbooks do NOT wait: a loop of one Describe and a sleep. Each iteration adds an activity and a
 * timer to the history, so its length grows with the wait — the baseline the benchmark compares against.
 */
export async function waitBySleepLoop(input: {
  taskArn: string;
  schema: string;
  table: string;
  pollMs: number;
}): Promise<{ iterations: number }> {
  for (let iterations = 1; ; iterations++) {
    const stats = await reads.readTableStatistics({ taskArn: input.taskArn });
    const state = stats.find((s) => s.schema === input.schema && s.table === input.table)?.state;
    if (state === 'Table completed' || state === 'Table error') return { iterations };
    await sleep(input.pollMs);
  }
}

/** A runbook parked at a gate, on the real engine; after approval it runs one activity (the latency measured). */
export async function parkedRunbook(input: { id: string; requestedBy?: string }) {
  return runRunbook(
    {
      kind: 'parkedRunbook' as RunbookKind,
      schema: z.object({ id: z.string(), requestedBy: z.string().optional() }).strict(),
      target: (i) => i.id,
      steps: [
        ['gate:go', 'Approval'],
        ['act', 'The next step'],
      ],
    },
    input,
    async (runbook) => {
      await runbook.step('gate:go', () => runbook.gate('go', emptyPlan(`benchmark runbook ${input.id}`)));
      await runbook.step('act', () => reads.loadPipelineConfig());
      return { message: 'done' };
    },
  );
}
