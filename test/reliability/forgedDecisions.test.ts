import { WorkflowFailedError } from '@temporalio/client';
import { startRunbook, runbookStatus, decide } from '../../client/runbooks';
import { signStart } from '../../client/signing';
import { defaultWorkflowId } from '../../client/runbooks';
import type { TaskGroupConfig } from '../../domain/config';
import { approveSignal, rejectSignal } from '../../contracts/handlers';
import { mutatingCalls, resetDmsCalls } from '../support/dmsAdmin';
import { captureHistory } from '../support/histories';
import { refusedRun } from '../support/refusedRuns';
import { scratchGroup, waitForGate, waitForStatus } from '../support/runbooks';
import { createScratchTable, dropScratchTable, uniqueName } from '../support/scratchTables';
import { refusedUpdate, sandboxKey, signedDecision, strangerKey } from '../support/signing';
import { testConfig } from '../support/testConfig';
import { startWebhookReceiver } from '../support/webhookReceiver';
import { startTestWorker, TestWorker } from '../support/testWorker';
import fs from 'node:fs';

/**
 * Forged and stale decisions on an onboardTable gate, with signatures required and the four-eyes rule on, against
 * the real stack: each is refused with its reason while the gate stays open and nothing is changed in DMS; then a
 * correctly signed decision by another approver passes. The keys are the sandbox people's (made by stack:up).
 */

let tw: TestWorker;
let table: string;
let group: TaskGroupConfig;
let webhook: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  webhook = await startWebhookReceiver();
  table = await createScratchTable(uniqueName('forge'), { rows: 300 });
  group = scratchGroup(`g-${table.split('.')[1]!}`.slice(0, 60), [table]);
  const base = testConfig();
  const pub = (person: string) => fs.readFileSync(`${sandboxKey(person as 'demo')}.pub`, 'utf8').trim();
  tw = await startTestWorker(
    testConfig({
      taskGroups: [...base.taskGroups, group],
      approvers: { default: ['dba-oncall', 'data-platform-lead', 'ops-alias'], fourEyes: true },
      notifications: { webhookUrl: webhook.url, webUiUrl: 'https://temporal.example.com/' },
      approvals: {
        signatures: 'required',
        // `ops-alias` holds dba-oncall's key under another name: four-eyes must see the same person behind it.
        keys: {
          'dba-oncall': [pub('dba-oncall')],
          'data-platform-lead': [pub('data-platform-lead')],
          'ops-alias': [pub('dba-oncall')],
        },
      },
    }),
  );
});

afterAll(async () => {
  await tw?.stop();
  await webhook?.close();
  await dropScratchTable(table);
});

async function signedStart(requestedBy: string, key: string) {
  const input: Record<string, unknown> = { table, requestedBy };
  const workflowId = defaultWorkflowId('onboardTable', input);
  input.requestedBySignature = await signStart({ workflowId, kind: 'onboardTable', requestedBy, input }, key);
  return startRunbook(tw.client, 'onboardTable', input as never, { taskQueue: tw.taskQueue, workflowId });
}

test("an unsigned start, or one signed with another person's key, is refused before anything runs", async () => {
  const unsigned = await refusedRun(tw.client, tw.taskQueue, 'onboardTable', { table, requestedBy: 'dba-oncall' });
  expect(unsigned.message).toContain('requestedBySignature: required when signatures are required and the four-eyes rule is on');
  expect(unsigned.activities).toEqual(['loadPipelineConfig', 'notify']);
  // A dry run changes nothing, and a runbook without gates (readiness, doctor, drift watch on a Schedule) asks
  // nobody's approval: they start unsigned.
  const dry = await startRunbook(tw.client, 'onboardTable', { table, requestedBy: 'schedule', dryRun: true }, { taskQueue: tw.taskQueue });
  expect((await dry.result()).outcome).toBe('dry-run');
  const readiness = await startRunbook(
    tw.client,
    'checkSourceReadiness',
    { source: 'shop', requestedBy: 'schedule' },
    { taskQueue: tw.taskQueue },
  );
  expect((await readiness.result()).outcome).toBe('succeeded');
  const input: Record<string, unknown> = { table, requestedBy: 'dba-oncall' };
  const workflowId = defaultWorkflowId('onboardTable', input);
  input.requestedBySignature = await signStart(
    { workflowId, kind: 'onboardTable', requestedBy: 'dba-oncall', input },
    sandboxKey('data-platform-lead'),
  );
  const forged = await startRunbook(tw.client, 'onboardTable', input as never, { taskQueue: tw.taskQueue, workflowId });
  const error = await forged.result().then(
    () => new Error('the forged start ran'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  expect(String((error as WorkflowFailedError).cause?.message)).toMatch(
    /requestedBySignature: the signing key SHA256:\S+ belongs to data-platform-lead, not to "dba-oncall"/,
  );
});

test('a signed decision by signal counts like one by update: a signed reject ends the run with nothing changed', async () => {
  await resetDmsCalls();
  const handle = await signedStart('dba-oncall', sandboxKey('dba-oncall'));
  const status = await waitForGate(handle, 'apply-mapping');
  const { signed, reason } = await signedDecision(
    handle,
    status,
    { approver: 'data-platform-lead', decision: 'reject', reason: 'wrong group' },
    sandboxKey('data-platform-lead'),
  );
  await handle.signal(rejectSignal, { gate: 'apply-mapping', approver: 'data-platform-lead', reason, signed });
  const result = await handle.result();
  expect(result.outcome).toBe('rejected');
  expect(result.audit.gates[0]).toMatchObject({
    outcome: 'rejected',
    approver: 'data-platform-lead',
    via: 'signal',
    reason: 'wrong group',
  });
  expect(result.audit.gates[0]!.signerKey).toMatch(/^SHA256:/);
  expect(result.audit.refusedDecisions).toEqual([]);
  expect(await mutatingCalls()).toEqual({});
});

test('each forged or stale decision is refused with its reason, the gate stays open, and a signed approval passes', async () => {
  await resetDmsCalls();
  const handle = await signedStart('dba-oncall', sandboxKey('dba-oncall'));
  const status = await waitForGate(handle, 'apply-mapping');
  expect(status.audit.requester?.name).toBe('dba-oncall');
  expect(status.pendingGate!.planDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
  expect(status.audit.gates[0]!.planDigest).toBe(status.pendingGate!.planDigest);
  // The gate's notification leads somewhere: the run in the Web UI, the plan and its digest, the command to approve.
  const isOpened = (n: (typeof webhook.received)[number]) =>
    n.dms_runbooks.workflowId === handle.workflowId && n.dms_runbooks.event === 'gate-opened';
  for (let i = 0; i < 100 && !webhook.received.some(isOpened); i++) await new Promise((r) => setTimeout(r, 100));
  const opened = webhook.received.find(isOpened)!;
  expect(opened.text).toContain(`Web UI: https://temporal.example.com/namespaces/default/workflows/${handle.workflowId}`);
  expect(opened.text).toContain(`**Plan:** ${status.pendingGate!.plan.summary}`);
  expect(opened.text).toContain(`Plan digest: \`${status.pendingGate!.planDigest}\``);
  expect(opened.text).toContain(`Approve: \`npx dms-runbooks approve ${handle.workflowId} --gate apply-mapping --reason '<why>'\``);
  expect(opened.text).toContain(
    `With the Temporal CLI: \`temporal workflow update execute --workflow-id ${handle.workflowId} --name decide`,
  );
  const lead = { approver: 'data-platform-lead' };
  const leadKey = sandboxKey('data-platform-lead');

  // Refused by the update's validator: answered to the caller, never in history.
  expect(await refusedUpdate(handle, { gate: 'apply-mapping', ...lead, reason: 'lgtm', decision: 'approve' })).toContain(
    'no-signature: decisions must be signed',
  );
  const otherRun = await signedDecision(handle, status, lead, leadKey, { runId: '00000000-0000-0000-0000-000000000000' });
  expect(await refusedUpdate(handle, otherRun)).toContain('wrong-run: the signature is for run');
  const otherGate = await signedDecision(handle, status, lead, leadKey, { gate: 'finalize' });
  expect(await refusedUpdate(handle, otherGate)).toContain('wrong-gate: the signature is for gate "finalize", not "apply-mapping"');
  const otherPlan = await signedDecision(handle, status, lead, leadKey, { planDigest: `sha256:${'0'.repeat(64)}` });
  expect(await refusedUpdate(handle, otherPlan)).toContain(`wrong-plan: the signature approves plan sha256:${'0'.repeat(64)}`);
  const old = await signedDecision(handle, status, lead, leadKey, { signedAt: new Date(Date.now() - 60 * 60_000) });
  expect(await refusedUpdate(handle, old)).toContain('expired: signed at');
  expect(
    await refusedUpdate(handle, { ...(await signedDecision(handle, status, lead, leadKey)), reason: 'edited after signing' }),
  ).toContain('fields-differ: the signed reason differ');
  // The requester by name (typed) is refused by the four-eyes rule before any signature is checked.
  const own = await signedDecision(handle, status, { approver: 'dba-oncall' }, sandboxKey('dba-oncall'));
  expect(await refusedUpdate(handle, own)).toContain('four-eyes rule: "dba-oncall" started this runbook');

  // Refused after the signature check (an activity): recorded in the audit with their code.
  const mallory = await signedDecision(handle, status, lead, strangerKey());
  expect(await refusedUpdate(handle, mallory)).toMatch(/unknown-key: the signing key SHA256:\S+ is not in approvals.keys/);
  const borrowed = await signedDecision(handle, status, lead, sandboxKey('dba-oncall'));
  expect(await refusedUpdate(handle, borrowed)).toMatch(
    /key-of-another-approver: the signing key SHA256:\S+ belongs to dba-oncall, ops-alias, not to "data-platform-lead"/,
  );
  // The requester under another name: the key proves it is the same person.
  const alias = await signedDecision(handle, status, { approver: 'ops-alias' }, sandboxKey('dba-oncall'));
  expect(await refusedUpdate(handle, alias)).toMatch(/four-eyes: ops-alias \(key SHA256:\S+\) started this runbook/);
  // A replayed old signature: the same signed decision presented again.
  expect(await refusedUpdate(handle, borrowed)).toContain('replayed: this signed decision was already presented to this run');
  // By signal: refused and recorded too.
  await handle.signal(approveSignal, { gate: 'apply-mapping', ...lead, reason: 'unsigned signal' });

  const refused = await waitForStatus(handle, (s) => s.audit.refusedDecisions.some((r) => r.via === 'signal'));
  expect(refused.audit.refusedDecisions.map((r) => `${r.via}:${r.code}`)).toEqual([
    'update:unknown-key',
    'update:key-of-another-approver',
    'update:four-eyes',
    'signal:no-signature',
  ]);
  expect(refused.pendingGate?.gate).toBe('apply-mapping');
  expect(refused.phase).toBe('waiting-for-approval');
  expect(await mutatingCalls()).toEqual({});

  // The real thing: another approver signs this run, this gate and this plan digest.
  const accepted = await decide(handle, await signedDecision(handle, status, lead, leadKey));
  expect(accepted).toMatchObject({ gate: 'apply-mapping', approver: 'data-platform-lead', decision: 'approve' });
  expect(accepted.signerKey).toMatch(/^SHA256:/);
  const result = await handle.result();
  expect(result.outcome).toBe('succeeded');
  expect(result.audit.gates[0]).toMatchObject({
    gate: 'apply-mapping',
    outcome: 'approved',
    approver: 'data-platform-lead',
    planDigest: status.pendingGate!.planDigest,
    signerKey: accepted.signerKey,
  });
  expect(result.audit.refusedCount).toBe(4);
  expect((await runbookStatus(handle)).phase).toBe('succeeded');
  await captureHistory(handle, 'onboardTable', 'signed-decisions-forged-then-approved');
});
