import { reads } from '../../workflows/engine/activityProxies';
import { followDmsBudget } from '../../workflows/engine/dmsTaskQueue';

/**
 * A burst of DMS reads from one run, routed as every runbook routes them (Runbook.loadConfig → followDmsBudget):
 * each `findTasks` of an unknown identifier is one DescribeReplicationTasks call that no cache can answer.
 */
export async function dmsBurst(input: { calls: number; tag: string }): Promise<number> {
  followDmsBudget(await reads.loadPipelineConfig());
  const found = await Promise.all(
    Array.from({ length: input.calls }, (_, i) => reads.findTasks({ identifiers: [`burst-${input.tag}-${i}`] })),
  );
  return found.length;
}
