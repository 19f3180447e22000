import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifySshSignature } from '../../activities/signatures';
import { signDecision, sshSign } from '../../client/signing';
import { emptyAudit, recordRefusal } from '../../domain/audit';
import { checkDecisionDocument, DECISION_NAMESPACE, decisionDocumentText, Refusal, START_NAMESPACE } from '../../domain/signedDecision';

/**
 * SSHSIG signatures made by OpenSSH's ssh-keygen with each key type it signs with, verified by the activity's
 * check; and the signed document's binding to one run, gate, plan digest and signing window.
 */

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sig-test-'));
const keys: Record<string, string> = {};
function makeKey(name: string, type: string, bits?: string): string {
  const file = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', bits] : []), '-N', '', '-C', name, '-f', file]);
  keys[name] = fs.readFileSync(`${file}.pub`, 'utf8').trim();
  return file;
}
const files = {
  ed: makeKey('ed', 'ed25519'),
  ec256: makeKey('ec256', 'ecdsa', '256'),
  ec384: makeKey('ec384', 'ecdsa', '384'),
  ec521: makeKey('ec521', 'ecdsa', '521'),
  rsa: makeKey('rsa', 'rsa', '2048'),
  stranger: makeKey('stranger', 'ed25519'),
};
const configured = Object.fromEntries(
  Object.entries(keys)
    .filter(([name]) => name !== 'stranger')
    .map(([name, line]) => [name, [line]]),
);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = {
  workflowId: 'onboardTable-shop.x-1',
  runId: 'run-1',
  gate: 'apply-mapping',
  planDigest: 'sha256:abc',
  decision: 'approve' as 'approve' | 'reject',
  approver: 'ed',
  reason: 'looks right',
};

test.each(['ed', 'ec256', 'ec384', 'ec521', 'rsa'] as const)('a %s signature verifies for its owner and for no one else', async (name) => {
  const signed = await signDecision({ ...base, approver: name }, files[name]);
  const input = { namespace: DECISION_NAMESPACE, ...signed, keys: configured };
  expect(await verifySshSignature({ ...input, claimed: name })).toMatchObject({ ok: true, signer: name });
  const other = name === 'ed' ? 'rsa' : 'ed';
  expect(await verifySshSignature({ ...input, claimed: other })).toMatchObject({ ok: false, code: 'key-of-another-approver' });
});

test('a changed document, another namespace, an unknown key and a non-signature are each refused with their reason', async () => {
  const signed = await signDecision(base, files.ed);
  const verify = (over: Partial<Parameters<typeof verifySshSignature>[0]>) =>
    verifySshSignature({ namespace: DECISION_NAMESPACE, ...signed, keys: configured, claimed: 'ed', ...over });
  const tampered = await verify({ document: signed.document.replace('looks right', 'looks wrong') });
  expect(tampered).toMatchObject({ ok: false, code: 'bad-signature' });
  expect(await verify({ namespace: START_NAMESPACE })).toMatchObject({ ok: false, code: 'bad-signature' });
  const git = await sshSign(signed.document, 'git', files.ed);
  expect(await verify({ signature: git })).toMatchObject({ ok: false, code: 'bad-signature' });
  const stranger = await signDecision(base, files.stranger);
  expect(await verify(stranger)).toMatchObject({ ok: false, code: 'unknown-key' });
  expect(await verify({ signature: 'approved, trust me' })).toMatchObject({ ok: false, code: 'malformed' });
});

test('the signed document binds the run, the gate, the plan digest, the fields and the signing window', () => {
  const now = new Date('2026-12-01T12:00:00Z');
  const text = (over: Partial<typeof base & { signedAt: string }> = {}) =>
    decisionDocumentText({ ...base, signedAt: '2026-12-01T11:55:00.000Z', ...over });
  const code = (document: string, expected = base) => {
    try {
      checkDecisionDocument(document, expected, now, 15);
      return 'ok';
    } catch (error) {
      return (error as Refusal).code;
    }
  };
  expect(code(text())).toBe('ok');
  expect(code(text({ runId: 'run-0' }))).toBe('wrong-run');
  expect(code(text({ workflowId: 'other' }))).toBe('wrong-run');
  expect(code(text({ gate: 'finalize' }))).toBe('wrong-gate');
  expect(code(text({ planDigest: 'sha256:def' }))).toBe('wrong-plan');
  expect(code(text({ decision: 'reject' }))).toBe('fields-differ');
  expect(code(text({ reason: 'other' }))).toBe('fields-differ');
  expect(code(text({ signedAt: '2026-12-01T11:40:00.000Z' }))).toBe('expired');
  expect(code(text({ signedAt: '2026-12-01T12:20:00.000Z' }))).toBe('expired');
  expect(code(JSON.stringify(JSON.parse(text()), null, 1))).toBe('malformed');
  expect(code('not json')).toBe('malformed');
});

test('the audit keeps the newest refused decisions and counts them all', () => {
  const audit = emptyAudit();
  for (let i = 0; i < 25; i++) {
    recordRefusal(audit, { at: String(i), gate: 'g', approver: 'x', decision: 'approve', via: 'signal', why: `n${i}` }, 20);
  }
  expect(audit.refusedDecisions).toHaveLength(20);
  expect(audit.refusedDecisions[0]!.why).toBe('n5');
  expect(audit.refusedCount).toBe(25);
});
