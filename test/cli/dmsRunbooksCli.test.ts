import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TaskGroupConfig } from '../../domain/config';
import { scratchGroup } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { sandboxKey } from '../support/signing';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * `npx dms-runbooks` run as a process against the stack, as a person would: start (signed), pending, show, approve
 * (refused for the requester under four-eyes, accepted for another approver), reject through `sign` and the raw
 * Temporal CLI, and cancel. Signatures are required, with the sandbox people's keys made by stack:up.
 */

const root = path.resolve(__dirname, '..', '..');
let tw: TestWorker;
const tables: Record<string, string> = {};
const groups: TaskGroupConfig[] = [];

beforeAll(async () => {
  for (const key of ['approve', 'reject', 'cancel']) {
    tables[key] = await createScratchTable(uniqueName(`cli${key}`), { rows: 200 });
    groups.push(scratchGroup(`g-${tables[key].split('.')[1]!}`.slice(0, 60), [tables[key]]));
  }
  const base = testConfig();
  tw = await startTestWorker(
    testConfig({ taskGroups: [...base.taskGroups, ...groups], approvers: { fourEyes: true }, approvals: { signatures: 'required' } }),
  );
});

afterAll(async () => {
  await tw?.stop();
  for (const table of Object.values(tables)) await dropScratchTable(table);
});

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], as?: 'dba-oncall' | 'data-platform-lead' | 'demo'): Promise<Ran> {
  const env = {
    ...process.env,
    DMS_RUNBOOKS_TASK_QUEUE: tw.taskQueue,
    ...(as ? { DMS_RUNBOOKS_USER: as, DMS_RUNBOOKS_SIGNING_KEY: sandboxKey(as) } : {}),
  };
  return new Promise((resolve) => {
    execFile(file, args, { cwd: root, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const cli = (args: string[], as?: 'dba-oncall' | 'data-platform-lead' | 'demo') => run('npx', ['dms-runbooks', ...args], as);

async function startedId(table: string): Promise<string> {
  const started = await cli(['start', 'onboardTable', '--table', table], 'dba-oncall');
  expect(started).toMatchObject({ code: 0 });
  expect(started.stdout).toContain('(requestedBy dba-oncall, signed)');
  return /^started onboardTable (\S+)/m.exec(started.stdout)![1]!;
}

async function untilPending(id: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const listed = await cli(['pending']);
    if (listed.stdout.includes(id)) return listed.stdout;
    if (Date.now() > deadline) throw new Error(`${id} never appeared in pending: ${listed.stdout}${listed.stderr}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('start, pending, show, and approve: refused for the requester, accepted for another approver', async () => {
  const id = await startedId(tables.approve!);
  const listed = await untilPending(id);
  expect(listed).toMatch(new RegExp(`${id}  onboardTable ${tables.approve!.replace('.', '\\.')}  gate apply-mapping  waiting \\d+ min`));
  expect(listed).toContain(`npx dms-runbooks approve ${id} --gate apply-mapping`);

  const shown = await cli(['show', id]);
  expect(shown.code).toBe(0);
  expect(shown.stdout).toContain('### Waiting for approval: gate `apply-mapping`');
  expect(shown.stdout).toMatch(/Plan digest: `sha256:[0-9a-f]{64}`/);
  expect(shown.stdout).toContain(`Web UI: ${process.env.TEMPORAL_UI_URL}/namespaces/default/workflows/${id}`);

  const own = await cli(['approve', id, '--reason', 'my own change'], 'dba-oncall');
  expect(own.code).toBe(1);
  expect(own.stdout).toContain('refused: four-eyes rule: "dba-oncall" started this runbook');
  const mine = await cli(['approve', id, '--reason', 'plan checked'], 'data-platform-lead');
  expect(mine.stderr).toMatch(
    /signing: approve gate "apply-mapping" of \S+ \(run \S+\), plan digest sha256:[0-9a-f]{64}, as data-platform-lead/,
  );
  expect(mine.stdout).toMatch(/^accepted: approve of gate "apply-mapping" by data-platform-lead \(signature verified, key SHA256:\S+\)/);
  expect(mine.code).toBe(0);
  const result = await tw.client.workflow.getHandle(id).result();
  expect(result.outcome).toBe('succeeded');
  const after = await cli(['show', id]);
  expect(after.stdout).toMatch(/- apply-mapping: approved by data-platform-lead \(signed, key SHA256:\S+\) — plan sha256:[0-9a-f]{64}/);
});

test('reject with the raw Temporal CLI and the payload `dms-runbooks sign` prints; cancel asks the runbook to stop', async () => {
  const id = await startedId(tables.reject!);
  await untilPending(id);
  const signed = await cli(['sign', id, '--decision', 'reject', '--reason', 'wrong group'], 'data-platform-lead');
  expect(signed.code).toBe(0);
  expect(signed.stderr).toContain(`temporal workflow update execute --workflow-id ${id} --name decide --input '`);
  const payload = signed.stdout.trim();
  expect(JSON.parse(payload)).toMatchObject({ gate: 'apply-mapping', approver: 'data-platform-lead', decision: 'reject' });
  const temporal = await run(process.env.TEMPORAL_CLI_PATH!, [
    'workflow',
    'update',
    'execute',
    '--address',
    process.env.TEMPORAL_ADDRESS!,
    '--workflow-id',
    id,
    '--name',
    'decide',
    '--input',
    payload,
  ]);
  expect(temporal.stderr).toBe('');
  expect(temporal.stdout).toContain('data-platform-lead');
  const rejected = await tw.client.workflow.getHandle(id).result();
  expect(rejected.outcome).toBe('rejected');
  expect(rejected.audit.gates[0]).toMatchObject({ outcome: 'rejected', approver: 'data-platform-lead', reason: 'wrong group' });

  const cancelId = await startedId(tables.cancel!);
  await untilPending(cancelId);
  const cancelled = await cli(['cancel', cancelId, '--reason', 'not today'], 'dba-oncall');
  expect(cancelled).toMatchObject({ code: 0 });
  const handle = tw.client.workflow.getHandle(cancelId);
  await handle.result().catch(() => undefined);
  const described = await handle.describe();
  expect(described.status.name).toBe('CANCELLED');
  const { events } = await handle.fetchHistory();
  const requested = events?.find((e) => e.workflowExecutionCancelRequestedEventAttributes)?.workflowExecutionCancelRequestedEventAttributes;
  expect(requested?.cause).toBe('dba-oncall: not today');
  expect(await cli(['pending'])).toMatchObject({ stdout: expect.not.stringContaining(cancelId) as unknown });
});

test('bad usage is named with what to do', async () => {
  expect(await cli(['approve'])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing workflow id') as unknown });
  expect(await cli(['start', 'nope'])).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('unknown runbook kind; one of: checkSourceReadiness') as unknown,
  });
});
