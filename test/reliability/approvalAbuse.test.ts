import { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import pino from 'pino';
import { decide, runbookStatus, startRunbook } from '../../client/runbooks';
import type { DecideInput } from '../../domain/approval';
import type { TaskGroupConfig } from '../../domain/config';
import type { RunbookStatus } from '../../domain/runbookStatus';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { captureHistory } from '../support/histories';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { removeTask, replicateGroup } from '../support/replicatedTables';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { testConfig } from '../support/testConfig';
import { startTestWorker, TestWorker } from '../support/testWorker';

/**
 * Gate decisions that must not count, on a fullReload (two gates, so one closes while the other waits): a decision
 * before any gate is open (the plan not shown yet), from an approver outside the allowlist, for a gate not open, a
 * second decision for a decided gate, and one for a gate already closed. Signals are refused and recorded in the audit
 * (`refusedDecisions`) and the status errors; updates are answered with the validator's reason, and the worker logs
 * them. Between the refusals, the real gates open and valid approvals go through: the runbook ends as it should.
 */

let tw: TestWorker;
let table: string;
let group: TaskGroupConfig;
let taskArn: string | undefined;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const name = uniqueName('abuse');
  table = await createScratchTable(name, { rows: 200 });
  group = scratchGroup(`g-${name}`, [table]);
  taskArn = await replicateGroup(group);
  // The worker's log lines (workflow `log` calls included) land here, to see the refused updates logged.
  const logger = pino({ level: 'warn' }, { write: (line: string) => logLines.push(JSON.parse(line) as Record<string, unknown>) });
  tw = await startTestWorker(testConfig({ taskGroups: [...testConfig().taskGroups, group] }), undefined, logger);
});

afterAll(async () => {
  await tw?.stop();
  await removeTask(taskArn);
  await dropScratchTable(table);
});

/** The update's refusal: its validator's message, as the caller (CLI or SDK) receives it. */
async function refusedUpdate(handle: WorkflowHandle, decision: DecideInput): Promise<string> {
  const error = await decide(handle, decision).then(
    () => new Error(`the update ${JSON.stringify(decision)} was accepted`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((error as WorkflowUpdateFailedError).cause?.message);
}

const refusals = (status: RunbookStatus) => status.audit.refusedDecisions.map((r) => `${r.via}:${r.gate}:${r.approver}:${r.why}`);

test('decisions before the plan, from outside the allowlist, for a gate not open, twice, and for a closed gate are refused and recorded', async () => {
  await resetDmsCalls();
  const handle = await startRunbook(
    tw.client,
    'fullReload',
    { tables: [table], reason: 'approval abuse drill', checkCurrentFiles: false },
    { taskQueue: tw.taskQueue },
  );
  // 1. Before any gate is open: the runbook is still gathering its facts, no plan has been shown.
  await handle.signal(approveSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'rubber stamp' });
  expect(await refusedUpdate(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'early', decision: 'approve' })).toContain(
    'gate "reload" is not pending: no gate is open yet (the plan has not been shown)',
  );
  const early = await waitForStatus(handle, (s) => s.audit.refusedDecisions.length === 1);
  expect(early.audit.refusedDecisions[0]).toMatchObject({ gate: 'reload', approver: 'dba-oncall', decision: 'approve', via: 'signal' });
  expect(early.audit.refusedDecisions[0]!.why).toContain('no gate is open yet (the plan has not been shown)');
  expect(early.errors[0]).toContain('refused approve signal: gate "reload" is not pending');

  // 2. The real gate opens, with the plan; the early approval did not count.
  const gate = await waitForGate(handle, 'reload');
  expect(gate.audit.gates).toHaveLength(1);
  expect(gate.audit.gates[0]!.outcome).toBeUndefined();

  // 3. Outside the allowlist (signal and update), and a decision for the gate that is not open yet.
  await handle.signal(approveSignal, { gate: 'reload', approver: 'mallory', reason: 'trust me' });
  expect(await refusedUpdate(handle, { gate: 'reload', approver: 'mallory', reason: 'trust me', decision: 'approve' })).toContain(
    'approver "mallory" may not approve fullReload runbooks (allowed: dba-oncall, data-platform-lead)',
  );
  await handle.signal(rejectSignal, { gate: 'finalize', approver: 'dba-oncall', reason: 'too early' });
  expect(await refusedUpdate(handle, { gate: 'finalize', approver: 'dba-oncall', reason: '', decision: 'approve' })).toContain(
    'gate "finalize" is not open; the pending gate is "reload"',
  );
  const abused = await waitForStatus(handle, (s) => s.audit.refusedDecisions.length === 3);
  expect(refusals(abused).slice(1)).toEqual([
    'signal:reload:mallory:approver "mallory" may not approve fullReload runbooks (allowed: dba-oncall, data-platform-lead)',
    'signal:finalize:dba-oncall:gate "finalize" is not open; the pending gate is "reload"',
  ]);
  expect(abused.pendingGate?.gate).toBe('reload');
  expect(await mutatingCalls()).toEqual({});

  // 4. A valid approval goes through; a second decision for the same gate is refused, by update and by signal.
  await resetDmsCalls();
  await decide(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'go', decision: 'approve' });
  expect(await refusedUpdate(handle, { gate: 'reload', approver: 'data-platform-lead', reason: 'me too', decision: 'reject' })).toMatch(
    /gate "reload" (already has a decision \(approve by dba-oncall\)|is already closed \(approved)/,
  );
  await handle.signal(rejectSignal, { gate: 'reload', approver: 'data-platform-lead', reason: 'me too' });
  const twice = await waitForStatus(handle, (s) => s.audit.refusedDecisions.length === 4);
  expect(twice.audit.refusedDecisions[3]!.why).toMatch(/gate "reload" (already has a decision|is already closed)/);

  // 5. At the finalize gate, a decision for the closed reload gate is refused; the finalize approval goes through.
  await waitForGate(handle, 'finalize', 90000);
  await handle.signal(rejectSignal, { gate: 'reload', approver: 'dba-oncall', reason: 'changed my mind' });
  expect(await refusedUpdate(handle, { gate: 'reload', approver: 'dba-oncall', reason: 'changed my mind', decision: 'reject' })).toContain(
    'gate "reload" is already closed (approved); the pending gate is "finalize"',
  );
  const closed = await waitForStatus(handle, (s) => s.audit.refusedDecisions.length === 5);
  expect(refusals(closed)[4]).toBe('signal:reload:dba-oncall:gate "reload" is already closed (approved); the pending gate is "finalize"');
  expect(closed.errors).toHaveLength(5);
  await handle.signal(approveSignal, { gate: 'finalize', approver: 'data-platform-lead', reason: 'counts match' });

  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates.map((g) => `${g.gate}:${g.outcome}:${g.approver}:${g.via}`)).toEqual([
    'reload:approved:dba-oncall:update',
    'finalize:approved:data-platform-lead:signal',
  ]);
  expect(result.audit.refusedDecisions).toHaveLength(5);
  expect(await mutatingCalls()).toEqual({ ReloadTables: 1 });
  expect((await runbookStatus(handle)).audit.refusedDecisions).toHaveLength(5);

  // Refused updates never reach the history, but the worker logs each one with its reason.
  const logged = logLines.filter((l) => l.msg === 'refused gate decision' && l.via === 'update' && l.workflowId === handle.workflowId);
  expect(logged.map((l) => `${String(l.gate)}:${String(l.approver)}`)).toEqual([
    'reload:dba-oncall',
    'reload:mallory',
    'finalize:dba-oncall',
    'reload:data-platform-lead',
    'reload:dba-oncall',
  ]);
  await captureHistory(handle, 'fullReload', 'refused-decisions-then-approved');
});
