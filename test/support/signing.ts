import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { decide } from '../../client/runbooks';
import { signDecision } from '../../client/signing';
import type { DecideInput } from '../../domain/approval';
import type { RunbookStatus } from '../../domain/runbookStatus';

/** The sandbox people's keys, made by `stack:up` in .stack/keys (see sandbox/stack/approverKeys.ts). */
export function sandboxKey(person: 'dba-oncall' | 'data-platform-lead' | 'demo'): string {
  const file = path.join(process.env.SANDBOX_KEYS_DIR!, person);
  if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run stack:up (it makes the sandbox people's SSH keys)`);
  return file;
}

/** A key nobody configured: a stranger's. */
export function strangerKey(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'stranger-')), 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'mallory', '-f', file]);
  return file;
}

/** A decision for the pending gate, signed by `key` over this run, gate and plan digest (each can be overridden). */
export async function signedDecision(
  handle: WorkflowHandle,
  status: RunbookStatus,
  d: { approver: string; decision?: 'approve' | 'reject'; reason?: string },
  key: string,
  over: { runId?: string; gate?: string; planDigest?: string; signedAt?: Date } = {},
): Promise<DecideInput> {
  const gate = status.pendingGate!.gate;
  const decision = d.decision ?? 'approve';
  const reason = d.reason ?? 'checked the plan';
  const runId = over.runId ?? (await handle.describe()).runId;
  const signed = await signDecision(
    {
      workflowId: handle.workflowId,
      runId,
      gate: over.gate ?? gate,
      planDigest: over.planDigest ?? status.pendingGate!.planDigest!,
      decision,
      approver: d.approver,
      reason,
    },
    key,
    over.signedAt,
  );
  return { gate, approver: d.approver, reason, decision, signed };
}

/** The refusal an update gets, as its caller (CLI or SDK) receives it. */
export async function refusedUpdate(handle: WorkflowHandle, decision: DecideInput): Promise<string> {
  const error = await decide(handle, decision).then(
    () => new Error(`the update ${JSON.stringify(decision).slice(0, 200)} was accepted`),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  return String((error as WorkflowUpdateFailedError).cause?.message);
}
