import type { Decision } from './audit';

/**
 * The documents people sign with their SSH key (`ssh-keygen -Y sign -n <namespace>`, the SSHSIG format git uses for
 * commits) to prove who decided what: a gate decision names the run, the gate and the digest of the plan it approves,
 * so a signature cannot be moved to another run, gate or plan. Pure and deterministic: the workflow, the CLI and the
 * tests build the same bytes. The cryptographic check is in activities/signatures.ts.
 */

/** Separate namespaces: a start signature can never pass for a decision, nor either for a git commit (`git`). */
export const DECISION_NAMESPACE = 'dms-runbooks-decision';
export const START_NAMESPACE = 'dms-runbooks-start';

export interface DecisionDocument {
  type: 'dms-runbooks/decision';
  workflowId: string;
  runId: string;
  gate: string;
  planDigest: string;
  decision: Decision;
  approver: string;
  reason: string;
  signedAt: string;
}

export interface StartDocument {
  type: 'dms-runbooks/start';
  workflowId: string;
  kind: string;
  requestedBy: string;
  /** sha256 of the runbook input without its signature (canonicalJson), so the signature covers what was asked. */
  inputDigest: string;
  signedAt: string;
}

/** What a signed decision or start carries: the exact document text signed and the SSHSIG armour. */
export interface SignedDocument {
  document: string;
  signature: string;
}

/** One serialisation: keys in this fixed order, no spaces. The text signed is exactly this string. */
export function decisionDocumentText(d: Omit<DecisionDocument, 'type'>): string {
  const doc: DecisionDocument = {
    type: 'dms-runbooks/decision',
    workflowId: d.workflowId,
    runId: d.runId,
    gate: d.gate,
    planDigest: d.planDigest,
    decision: d.decision,
    approver: d.approver,
    reason: d.reason,
    signedAt: d.signedAt,
  };
  return JSON.stringify(doc);
}

export function startDocumentText(d: Omit<StartDocument, 'type'>): string {
  const doc: StartDocument = {
    type: 'dms-runbooks/start',
    workflowId: d.workflowId,
    kind: d.kind,
    requestedBy: d.requestedBy,
    inputDigest: d.inputDigest,
    signedAt: d.signedAt,
  };
  return JSON.stringify(doc);
}

/** JSON with object keys sorted at every level: the bytes a digest is taken of. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** Why a decision is refused; each names one way a decision can be forged or stale. */
export type RefusalCode =
  | 'no-signature'
  | 'malformed'
  | 'unknown-key'
  | 'key-of-another-approver'
  | 'bad-signature'
  | 'wrong-run'
  | 'wrong-gate'
  | 'wrong-plan'
  | 'fields-differ'
  | 'expired'
  | 'replayed'
  | 'four-eyes';

export class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}

export interface ExpectedDecision {
  workflowId: string;
  runId: string;
  gate: string;
  planDigest: string;
  decision: Decision;
  approver: string;
  reason: string;
}

/** Parses a signed document and requires it to be the canonical text of its type (nothing added, reordered or edited). */
function parseCanonical<T extends { type: string }>(
  text: string,
  type: T['type'],
  canonical: (doc: T) => string,
  messages: { notJson: string; notCanonical: string },
): T {
  let doc: T;
  try {
    doc = JSON.parse(text) as T;
  } catch {
    throw new Refusal('malformed', messages.notJson);
  }
  if (doc?.type !== type || canonical(doc) !== text) throw new Refusal('malformed', messages.notCanonical);
  return doc;
}

/** Signed within `windowMinutes` of now, either way (clocks differ a little); an unreadable time is outside. */
function withinWindow(signedAt: string, now: Date, windowMinutes: number): boolean {
  const ageMs = now.getTime() - Date.parse(signedAt);
  return !Number.isNaN(ageMs) && Math.abs(ageMs) <= windowMinutes * 60_000;
}

/**
 * Checks a signed decision document against the decision it comes with and the gate that is open: the run, the gate,
 * the plan digest, the fields, and the signing window. Throws a Refusal naming the first thing wrong. The signature
 * itself is checked by the verification activity.
 */
export function checkDecisionDocument(text: string, expected: ExpectedDecision, now: Date, windowMinutes: number): DecisionDocument {
  const doc = parseCanonical<DecisionDocument>(text, 'dms-runbooks/decision', decisionDocumentText, {
    notJson: 'the signed document is not JSON; produce it with `dms-runbooks sign`',
    notCanonical: 'the signed document is not a canonical dms-runbooks decision; produce it with `dms-runbooks sign`',
  });
  if (doc.workflowId !== expected.workflowId || doc.runId !== expected.runId) {
    throw new Refusal(
      'wrong-run',
      `the signature is for run ${doc.workflowId}/${doc.runId}, not this run (${expected.workflowId}/${expected.runId})`,
    );
  }
  if (doc.gate !== expected.gate) throw new Refusal('wrong-gate', `the signature is for gate "${doc.gate}", not "${expected.gate}"`);
  if (doc.planDigest !== expected.planDigest) {
    throw new Refusal(
      'wrong-plan',
      `the signature approves plan ${doc.planDigest}, but the plan at gate "${expected.gate}" is ${expected.planDigest}; read the plan again and sign its digest`,
    );
  }
  const differ = (['decision', 'approver', 'reason'] as const).filter((k) => doc[k] !== expected[k]);
  if (differ.length) {
    throw new Refusal('fields-differ', `the signed ${differ.join(', ')} differ from the decision sent; send what was signed`);
  }
  if (!withinWindow(doc.signedAt, now, windowMinutes)) {
    throw new Refusal(
      'expired',
      `signed at ${doc.signedAt}, outside the ${windowMinutes} min signing window around ${now.toISOString()}; sign again`,
    );
  }
  return doc;
}

export function checkStartDocument(
  text: string,
  expected: Omit<StartDocument, 'type' | 'signedAt'>,
  now: Date,
  windowMinutes: number,
): StartDocument {
  const doc = parseCanonical<StartDocument>(text, 'dms-runbooks/start', startDocumentText, {
    notJson: 'the signed start is not JSON; start with `dms-runbooks start`',
    notCanonical: 'the signed start is not a canonical dms-runbooks start document; start with `dms-runbooks start`',
  });
  if (doc.workflowId !== expected.workflowId || doc.kind !== expected.kind) {
    throw new Refusal('wrong-run', `the start signature is for ${doc.kind} ${doc.workflowId}, not ${expected.kind} ${expected.workflowId}`);
  }
  if (doc.requestedBy !== expected.requestedBy) {
    throw new Refusal('fields-differ', `the start was signed for requestedBy "${doc.requestedBy}", not "${expected.requestedBy}"`);
  }
  if (doc.inputDigest !== expected.inputDigest) {
    throw new Refusal('wrong-plan', `the start signature covers input ${doc.inputDigest}, not the input given (${expected.inputDigest})`);
  }
  if (!withinWindow(doc.signedAt, now, windowMinutes)) {
    throw new Refusal('expired', `the start was signed at ${doc.signedAt}, outside the ${windowMinutes} min signing window`);
  }
  return doc;
}
