import { DeleteObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { decide, startRunbook } from '../../client/runbooks';
import { consumerPauseKey } from '../../domain/consumerCommands';
import { markerKey, RewriteMarker } from '../../domain/consumerMarkers';
import type { TaskGroupConfig } from '../../domain/config';
import { selectionRule } from '../../domain/tableMappings';
import { toTableName } from '../../domain/tableName';
import { startConsumerWebhook } from '../support/consumerWebhook';
import { removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { s3 } from '../support/s3Parquet';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

jest.setTimeout(300000);

/**
 * onboardTable into a task whose mapping lacks the transaction metadata columns: the new mapping adds them to every
 * table of the task, so the files of the table already there change shape. A webhook consumer of that table is paused
 * before the mapping changes, its marker says `schema-change`, it rebuilds the table after the apply, then resumes.
 * Onboarding another table into the same task (now with the columns) changes no other table: no consumer step.
 */

let tw: TestWorker;
let group: TaskGroupConfig;
let taskArn: string | undefined;
const tables: string[] = [];
let hook: Awaited<ReturnType<typeof startConsumerWebhook>>;

beforeAll(async () => {
  const name = uniqueName('obds');
  for (const suffix of ['a', 'b', 'c']) tables.push(await createScratchTable(`${name}${suffix}`, { rows: 50 }));
  group = scratchGroup(`g-${name}`, [...tables]);
  // The task replicates the first table without the $AR_H_* columns (a task from before this tool).
  const [schema, table] = tables[0]!.split('.');
  const bare = { rules: [selectionRule(1, `include-${schema}-${table}`, { schema: schema!, table: table! })] };
  taskArn = await replicateGroup({ ...group, tables: [tables[0]!] }, { tableMappings: JSON.stringify(bare) });
  hook = await startConsumerWebhook({ activeFor: 1, rebuildPolls: 1 });
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...testConfig().taskGroups, group],
      consumers: [
        {
          kind: 'webhook',
          name: 'warehouse-onboard',
          taskGroups: [group.name],
          tables: [],
          url: hook.url,
          parameters: {},
          pollSeconds: 0.2,
          idleTimeoutMinutes: 2,
          rebuildTimeoutMinutes: 2,
          rowCountTolerancePercent: 1,
          doctor: true,
        },
      ],
    }),
  );
});

afterAll(async () => {
  await s3()
    .send(new DeleteObjectCommand({ Bucket: testConfig().target.bucket, Key: consumerPauseKey('warehouse-onboard') }))
    .catch(() => undefined);
  await tw?.stop();
  await removeTask(taskArn);
  for (const t of tables) await dropScratchTable(t);
  await hook?.close();
});

async function onboard(table: string) {
  const handle = await startRunbook(tw.client, 'onboardTable', { table, taskGroup: group.name }, { taskQueue: tw.taskQueue });
  const gate = await waitForGate(handle, 'apply-mapping', 120000);
  return { handle, plan: gate.pendingGate!.plan };
}

test('adding the metadata columns to the task: the other table’s consumer is paused before the change, rebuilt after, resumed', async () => {
  const [existing, added] = tables as [string, string];
  const { handle, plan } = await onboard(added);
  expect(plan.calls.filter((c) => c.service === 'consumer').map((c) => `${c.operation} ${JSON.stringify(c.params)}`)).toEqual([
    `Pause {"consumer":"warehouse-onboard","tables":["${existing}"]}`,
    `Rebuild {"consumer":"warehouse-onboard","table":"${existing}","marker":"${markerKey(handle.workflowId, toTableName(existing))}"}`,
    'Resume {"consumer":"warehouse-onboard"}',
  ]);
  expect(plan.warnings.join('\n')).toContain(
    `Downstream: ${existing}: onboarding ${added} adds the transaction metadata columns to every table of task ${group.taskIdentifier}: files written from now on carry $AR_H_CHANGE_SEQ`,
  );
  expect(hook.sequence(handle.workflowId)).toEqual([]);
  await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.message).toContain(`warehouse-onboard rebuilt ${existing}: run rb-${existing} succeeded`);
  expect(hook.sequence(handle.workflowId)).toEqual(['pause', 'status', 'rebuild', 'rebuild-status', 'resume']);
  const rebuilt = hook.events.filter((e) => e.event === 'rebuild' && e.workflowId === handle.workflowId).map((e) => e.table);
  expect(rebuilt).toEqual([existing]);
  const o = await s3().send(
    new GetObjectCommand({ Bucket: testConfig().target.bucket, Key: markerKey(handle.workflowId, toTableName(existing)) }),
  );
  const marker = JSON.parse(await o.Body!.transformToString()) as RewriteMarker;
  expect(marker).toMatchObject({ state: 'finalized', table: existing, snapshot: { kind: 'schema-change' }, moves: [] });
  // The pause came before the task was stopped and its mapping changed; the rebuild after the apply, before the load.
  const status = await waitForStatus(handle, (s) => s.phase === 'succeeded');
  const step = (id: string) => status.steps.find((s) => s.id === id)!;
  expect(step('downstream:pause').finishedAt! <= step('apply').startedAt!).toBe(true);
  expect(step('apply').finishedAt! <= step('downstream:rebuild').startedAt!).toBe(true);
  expect(step('downstream:rebuild').finishedAt! <= step('load').startedAt!).toBe(true);
});

test('onboarding into the task once it has the columns changes no other table: no consumer step', async () => {
  const { handle, plan } = await onboard(tables[2]!);
  expect(plan.calls.some((c) => c.service === 'consumer')).toBe(false);
  await decide(handle, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  expect((await handle.result()).outcome).toBe('succeeded');
  expect(hook.sequence(handle.workflowId)).toEqual([]);
});
