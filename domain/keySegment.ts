/**
 * One rule for turning a workflow id, a pipeline name or a target into one S3 key segment or one part of a workflow
 * id: every character outside the kept set becomes `_`. Two kept sets, because keys already written must keep their
 * names (a leftover check or a rollback looks them up by the same rule): fullReload's quarantine and the schema
 * snapshots keep `: = +`; backfill's staging and quarantine folders, and workflow ids, never had them.
 */
const KEPT = {
  /** Letters, digits and `. _ - : = +`: nothing an S3 console or CLI trips on, and no slash. */
  key: /[^A-Za-z0-9._:=+-]/g,
  /** Letters, digits and `. _ -`. */
  plain: /[^A-Za-z0-9._-]/g,
} as const;

export type SegmentRule = keyof typeof KEPT;

/** `wf/1 a:b` → `wf_1_a:b` (`key`) or `wf_1_a_b` (`plain`). */
export function keySegment(value: string, rule: SegmentRule = 'key'): string {
  return value.replace(KEPT[rule], '_');
}

/** A target as part of a workflow id: runs of other characters become one `_`, at most 80 characters. */
export function workflowIdPart(target: string): string {
  return target.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
}
