import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ActivityDeps } from './deps';
import type { Plan } from '../domain/plan';
import { canonicalJson, checkStartDocument, Refusal, RefusalCode, START_NAMESPACE } from '../domain/signedDecision';

/**
 * Signature checks and plan freezing, as activities so their results are in the history: a replay never re-checks a
 * signature against keys that changed since, and a plan approved at a gate is the plan replayed.
 *
 * The cryptography is OpenSSH's own: `ssh-keygen -Y verify` (the check `git verify-commit` runs for SSH-signed
 * commits), so every key type `ssh-keygen -Y sign` produces (ed25519, ECDSA, RSA, FIDO sk-*) verifies exactly as
 * OpenSSH defines it. Node only reads the public key out of the SSHSIG armour (PROTOCOL.sshsig: the blob starts with
 * "SSHSIG", a version, then the signer's public key) to name which configured person it belongs to.
 */

export type Verification =
  { ok: true; signer: string; fingerprint: string } | { ok: false; code: RefusalCode; message: string; fingerprint?: string };

export interface VerifyInput {
  namespace: string;
  document: string;
  signature: string;
  /** Who the document says decided: the key must be one of theirs. */
  claimed: string;
  keys: Record<string, string[]>;
}

/** The public key blob inside an SSHSIG armour, or an error naming what is wrong. */
export function signerKeyBlob(armour: string): Buffer {
  const body = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(armour)?.[1];
  if (!body)
    throw new Refusal(
      'malformed',
      'the signature is not an SSH signature (-----BEGIN SSH SIGNATURE-----); make it with ssh-keygen -Y sign',
    );
  const blob = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  if (blob.subarray(0, 6).toString('latin1') !== 'SSHSIG' || blob.length < 14) {
    throw new Refusal('malformed', 'the signature blob does not start with SSHSIG');
  }
  const keyLength = blob.readUInt32BE(10);
  if (14 + keyLength > blob.length) throw new Refusal('malformed', 'the signature blob is truncated');
  return blob.subarray(14, 14 + keyLength);
}

/** `SHA256:…`, as `ssh-keygen -l` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

function keyBlobOfLine(line: string): Buffer {
  return Buffer.from(line.trim().split(/\s+/)[1] ?? '', 'base64');
}

function run(file: string, args: string[], stdin: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`${file} could not run (${error.message}); install OpenSSH's ssh-keygen on the worker host`));
        return;
      }
      resolve({ code: error ? Number(error.code) : 0, output: `${stdout}${stderr}`.trim() });
    });
    child.stdin?.end(stdin);
  });
}

/** Verifies an SSHSIG signature over `document` for the person it claims, naming the reason when it does not. */
export async function verifySshSignature(input: VerifyInput): Promise<Verification> {
  let blob: Buffer;
  try {
    blob = signerKeyBlob(input.signature);
  } catch (error) {
    if (error instanceof Refusal) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
  const fingerprint = fingerprintOf(blob);
  const owners = Object.entries(input.keys)
    .filter(([, lines]) => lines.some((line) => keyBlobOfLine(line).equals(blob)))
    .map(([name]) => name);
  if (owners.length === 0) {
    return { ok: false, code: 'unknown-key', fingerprint, message: `the signing key ${fingerprint} is not in approvals.keys` };
  }
  if (!owners.includes(input.claimed)) {
    return {
      ok: false,
      code: 'key-of-another-approver',
      fingerprint,
      message: `the signing key ${fingerprint} belongs to ${owners.join(', ')}, not to "${input.claimed}"`,
    };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dms-runbooks-sig-'));
  try {
    const allowed = path.join(dir, 'allowed_signers');
    const sig = path.join(dir, 'document.sig');
    // allowed_signers format (ssh-keygen(1) ALLOWED SIGNERS): principal, options, key. The principal is a fixed
    // token: the person was identified above, and names may hold characters the format would read specially.
    const keyType = input.keys[input.claimed]!.find((line) => keyBlobOfLine(line).equals(blob))!
      .trim()
      .split(/\s+/)[0]!;
    fs.writeFileSync(allowed, `signer namespaces="${input.namespace}" ${keyType} ${blob.toString('base64')}\n`);
    fs.writeFileSync(sig, input.signature.trim() + '\n');
    const result = await run(
      'ssh-keygen',
      ['-Y', 'verify', '-f', allowed, '-I', 'signer', '-n', input.namespace, '-s', sig],
      input.document,
    );
    if (result.code !== 0) {
      return {
        ok: false,
        code: 'bad-signature',
        fingerprint,
        message: `the signature by ${fingerprint} does not verify over this document in namespace ${input.namespace} (${result.output.split('\n')[0]})`,
      };
    }
    return { ok: true, signer: input.claimed, fingerprint };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function sha256Digest(value: unknown): string {
  return `sha256:${crypto.createHash('sha256').update(canonicalJson(value)).digest('hex')}`;
}

export interface FrozenPlan<B> {
  gate: string;
  digest: string;
  plan: Plan;
  basis: B;
}

export function signatureActivities(_deps: ActivityDeps) {
  return {
    /** Checks a signed gate decision's signature (the document's fields are checked by the workflow). */
    verifyDecisionSignature(input: VerifyInput): Promise<Verification> {
      return verifySshSignature(input);
    },

    /** Checks the signed start of a runbook: the document names this run and input, and the requester signed it. */
    async verifyStartSignature(input: {
      kind: string;
      workflowId: string;
      requestedBy: string;
      runbookInput: Record<string, unknown>;
      document: string;
      signature: string;
      keys: Record<string, string[]>;
      now: string;
      windowMinutes: number;
    }): Promise<Verification> {
      const { requestedBySignature: _signature, ...unsigned } = input.runbookInput;
      try {
        checkStartDocument(
          input.document,
          { workflowId: input.workflowId, kind: input.kind, requestedBy: input.requestedBy, inputDigest: sha256Digest(unsigned) },
          new Date(input.now),
          input.windowMinutes,
        );
      } catch (error) {
        if (error instanceof Refusal) return { ok: false, code: error.code, message: error.message };
        throw error;
      }
      return verifySshSignature({
        namespace: START_NAMESPACE,
        document: input.document,
        signature: input.signature,
        claimed: input.requestedBy,
        keys: input.keys,
      });
    },

    /**
     * Freezes the plan shown at a gate and what the steps after it act from, with their digest. The result is in the
     * history: after a deploy that changes the planning code, a replay gets this plan back, not a recomputed one.
     */
    freezePlan<B>(input: { gate: string; plan: Plan; basis: B }): Promise<FrozenPlan<B>> {
      return Promise.resolve({ ...input, digest: sha256Digest({ plan: input.plan, basis: input.basis ?? null }) });
    },
  };
}
