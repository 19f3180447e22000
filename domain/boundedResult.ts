import { emptyAudit } from './audit';
import { keySegment } from './keySegment';

/**
 * A runbook's result and failure details stay small: Temporal's largest single request is 2 MB ("Troubleshoot the
 * blob size limit error", docs.temporal.io) and every result is kept in the history and sent to each client that
 * waits for it. Past this many bytes of JSON the whole result goes to S3 and the run returns a summary with its place.
 */
export const RESULT_LIMIT_BYTES = 200 * 1024;

/** The longest notification sent (Slack, for one, truncates a message's text at 40,000 characters). */
export const NOTIFICATION_LIMIT_CHARS = 16_000;

/** The text, or its first `limit` characters and a note that the rest is in the run's result. */
export function shortText(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit)}… (${text.length - limit} more characters: see the run's result)`;
}

/** Steps with their details shortened (a failed step's detail is the whole error message). */
export function shortSteps<S extends { detail?: string }>(steps: S[], limit = 2000): S[] {
  return steps.map((s) => (s.detail && s.detail.length > limit ? { ...s, detail: shortText(s.detail, limit) } : s));
}

/** Characters per part sent to the storing activity: each activity input stays under the limit too. */
export const RESULT_PART_CHARS = 48 * 1024;

/** The JSON text in parts of at most `size` characters (a part of 4-byte characters is still under 4 × size bytes). */
export function textParts(text: string, size = RESULT_PART_CHARS): string[] {
  const parts: string[] = [];
  for (let i = 0; i < text.length;) {
    let end = Math.min(i + size, text.length);
    // Never between the two halves of a surrogate pair: each part is sent (and written) as text of its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    parts.push(text.slice(i, end));
    i = end;
  }
  return parts.length ? parts : [''];
}

/** UTF-8 length of a string (the workflow sandbox has no Buffer). */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    bytes += code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
  }
  return bytes;
}

/** Where a run's whole result is kept when it is too large to return: beside markers and pause records. */
export function storedResultKey(workflowId: string, runId: string): string {
  return `_runbooks/results/${keySegment(workflowId)}/${keySegment(runId)}.json`;
}

export interface StoredResult {
  /** s3://bucket/key of the whole JSON. */
  location: string;
  bytes: number;
}

/**
 * What a run returns in place of a result too large to return: what it is (kind, target, outcome, message, steps)
 * and where the rest is; the plan, the report and the audit are in the stored JSON.
 */
export function summaryOfStored<T extends { message: string; plan?: unknown; report?: unknown; audit: unknown }>(
  result: T,
  stored: StoredResult,
): T & { stored: StoredResult } {
  return {
    ...result,
    message: `${result.message} (the whole result, ${Math.round(stored.bytes / 1024)} KB, is at ${stored.location})`,
    plan: undefined,
    report: undefined,
    audit: emptyAudit(),
    ...('steps' in result && Array.isArray(result.steps) ? { steps: shortSteps(result.steps as Array<{ detail?: string }>) } : {}),
    stored,
  };
}
