import { execFile } from 'node:child_process';
import { sha256Digest } from '../activities/signatures';
import {
  DECISION_NAMESPACE,
  type DecisionDocument,
  decisionDocumentText,
  SignedDocument,
  START_NAMESPACE,
  startDocumentText,
} from '../domain/signedDecision';

/**
 * Signing on the person's machine, with OpenSSH: `ssh-keygen -Y sign -f <key> -n <namespace>` over the canonical
 * document. `key` is a private key file, or a public key file whose private half is in ssh-agent (ssh-keygen(1),
 * -Y sign: "the private key may be in ssh-agent").
 */
export function sshSign(text: string, namespace: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'ssh-keygen',
      ['-q', '-Y', 'sign', '-f', key, '-n', namespace],
      { timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`ssh-keygen -Y sign with ${key} failed: ${String(stderr).trim() || error.message}`));
        else resolve(stdout);
      },
    );
    child.stdin?.end(text);
  });
}

/** A decision as it will be signed: the document's fields but its type and signing time, which signing adds. */
export type DecisionToSign = Omit<DecisionDocument, 'type' | 'signedAt'>;

export async function signDecision(d: DecisionToSign, key: string, now = new Date()): Promise<SignedDocument> {
  const document = decisionDocumentText({ ...d, signedAt: now.toISOString() });
  return { document, signature: await sshSign(document, DECISION_NAMESPACE, key) };
}

/** Signs the start of a runbook: who asks (requestedBy) and the digest of exactly what they ask for. */
export async function signStart(
  s: { workflowId: string; kind: string; requestedBy: string; input: Record<string, unknown> },
  key: string,
  now = new Date(),
): Promise<SignedDocument> {
  const { requestedBySignature: _ignored, ...unsigned } = s.input;
  const document = startDocumentText({
    workflowId: s.workflowId,
    kind: s.kind,
    requestedBy: s.requestedBy,
    inputDigest: sha256Digest(unsigned),
    signedAt: now.toISOString(),
  });
  return { document, signature: await sshSign(document, START_NAMESPACE, key) };
}
