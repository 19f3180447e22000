import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import pino from 'pino';
import { startRunbook } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { approveSignal } from '../../contracts/handlers';
import { createRunbookWorker } from '../../worker/createWorker';
import { DescribeReplicationTasksCommand } from '@aws-sdk/client-database-migration-service';
import { dmsClient } from '../support/dmsEmulatorClient';
import { removeTask } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker } from '../support/testWorker';

/**
 * The approved plan is the plan that runs: an onboardTable run waits at its gate on today's code; the worker stops;
 * a worker whose planning code now widens the mapping (test/replay/changedPlanning.ts) picks the run up, replays
 * it from the start and goes on after the approval. The task it creates has the mapping frozen at the gate, the one
 * shown and approved, and the status says the planning code now differs.
 */

const root = path.resolve(__dirname, '..', '..');
// The webpack the Temporal bundler runs: its plugin swaps the planning module for the workflows only.
const { NormalModuleReplacementPlugin } = createRequire(require.resolve('@temporalio/worker'))('webpack') as typeof import('webpack');
let table: string;
let group: TaskGroupConfig;
let taskArn: string | undefined;

beforeAll(async () => {
  table = await createScratchTable(uniqueName('frozen'), { rows: 150 });
  group = scratchGroup(`g-${table.split('.')[1]!}`.slice(0, 60), [table]);
});

afterAll(async () => {
  await removeTask(taskArn);
  await dropScratchTable(table);
});

test('a run approved on old planning code and resumed on new code acts on the frozen, approved plan', async () => {
  const config = testConfig({ taskGroups: [...testConfig().taskGroups, group] });
  const before = await startTestWorker(config);
  const started = await startRunbook(before.client, 'onboardTable', { table }, { taskQueue: before.taskQueue });
  const waiting = await waitForGate(started, 'apply-mapping');
  const approvedMapping = waiting.pendingGate!.plan.details.tableMappings;
  expect(JSON.stringify(approvedMapping)).not.toContain('"everything"');
  await before.stop();

  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(root, 'workflows', 'index.ts'),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
    webpackConfigHook: (webpack) => {
      webpack.plugins = [
        ...(webpack.plugins ?? []),
        new NormalModuleReplacementPlugin(/domain[\\/]onboarding$/, (resource: { context: string; request: string }) => {
          if (resource.context.endsWith(`${path.sep}workflows`)) resource.request = path.join(root, 'test', 'replay', 'changedPlanning.ts');
        }),
      ];
      return webpack;
    },
  });
  expect(code).toContain('(and every table of shop)');
  const after = await createRunbookWorker({
    config,
    address: process.env.TEMPORAL_ADDRESS!,
    namespace: 'default',
    taskQueue: before.taskQueue,
    logger: pino({ level: 'silent' }),
    workflows: { bundlePath: writeBundle(code) },
  });
  const running = after.worker.run();
  const connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! });
  const handle = new Client({ connection }).workflow.getHandle(started.workflowId);
  try {
    await handle.signal(approveSignal, { gate: 'apply-mapping', approver: 'dba-oncall', reason: 'the plan I read' });
    const warned = await waitForStatus(handle, (s) => s.errors.some((e) => e.includes('the planning code now gives a different plan')));
    expect(warned.errors.find((e) => e.includes('planning code'))).toContain(
      `at gate "apply-mapping" than the one frozen (${waiting.pendingGate!.planDigest}); the runbook acts on the frozen plan`,
    );
    const result = await handle.result();
    expect(result.outcome).toBe('succeeded');
    expect(result.audit.gates[0]!.planDigest).toBe(waiting.pendingGate!.planDigest);
    expect(result.audit.gates[0]!.planShown).not.toContain('every table of shop');
    const { ReplicationTasks } = await dmsClient().send(
      new DescribeReplicationTasksCommand({ Filters: [{ Name: 'replication-task-id', Values: [group.taskIdentifier] }] }),
    );
    const live = ReplicationTasks![0]!;
    taskArn = live.ReplicationTaskArn;
    expect(JSON.parse(live.TableMappings!)).toEqual(approvedMapping);
  } finally {
    await connection.close();
    after.worker.shutdown();
    await running;
  }
});

function writeBundle(code: string): string {
  const file = path.join(process.env.STACK_DIR ?? path.join(root, '.stack'), 'test', 'workflow-bundle-changed-planning.js');
  fs.writeFileSync(file, code);
  return file;
}
