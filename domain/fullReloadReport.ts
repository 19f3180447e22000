import type { CdcAfterReloadCheck } from './cdcAfterReload';
import type { ReloadTaskFacts } from './fullReload';
import type { FullReloadInput } from './inputs/fullReload';
import { formatBytes, Plan } from './plan';
import { QuarantineLayout, quarantineRoot } from './quarantineLayout';
import { formatTableName } from './tableName';
import { ChecksumComparison, describeComparison } from './verification';

/** What fullReload reports, and the words it shows at each step and gate (workflows/fullReload.ts acts; this says). */

export interface TableVerification {
  table: string;
  sourceRows: number;
  dmsFullLoadRows: number;
  parquetLoadRows: number;
  parquetLoadFiles: number;
  /** Rows the files hold once CDC changes written since the reload are folded in. */
  fileRows: number;
  comparison: ChecksumComparison;
  matches: boolean;
}

export interface MovedFiles {
  table: string;
  from: string;
  to: string;
  objects: number;
  bytes: number;
  manifest: string;
}

export interface RolledBackTable {
  table: string;
  removed: MovedFiles;
  restored: MovedFiles;
  restoredAsQuarantined: boolean;
}

export interface FullReloadReport {
  mode: 'tables' | 'task';
  /** Why this mode: chosen from the schema changes behind the reload when not asked for (domain/reloadMethod.ts). */
  method?: { why: string; definitionChanges: number };
  reason: string;
  ticket?: string;
  requested: string[];
  /** Every table reloaded (in task mode, all tables of the task). */
  reloaded: string[];
  tasks: Array<{ task: string; taskArn: string; statusBefore: string; recoveryCheckpoint: string | null }>;
  /** The current files compared with the source before the gate (what made the reload necessary, if anything). */
  currentFiles?: ChecksumComparison[];
  refusals?: string[];
  quarantine?: { root: string; tables: MovedFiles[] };
  verification?: TableVerification[];
  /** The CDC written after the reload against the source (what a LOAD-only verification cannot see). */
  cdcAfterReload?: CdcAfterReloadCheck[];
  /** LOAD verification passed and the CDC written after the reload was judged and agrees. */
  verified?: boolean;
  finalize?: {
    decision: 'approved' | 'rejected';
    /** Approved: the quarantine deleted. */
    deleted?: { prefix: string; detail: string };
    /** Rejected: per table, the reload's files moved aside and the quarantined files put back. */
    rolledBack?: RolledBackTable[];
  };
}

/** The result of one `moveObjects`, as the report lists it. */
export function movedFiles(
  table: string,
  from: string,
  to: string,
  moved: { objects: number; bytes: number; manifestKey: string },
): MovedFiles {
  return { table, from, to, objects: moved.objects, bytes: moved.bytes, manifest: moved.manifestKey };
}

const sum = <T>(items: T[], of: (item: T) => number) => items.reduce((s, item) => s + of(item), 0);

export function factsNote(tasks: ReloadTaskFacts[], inventories: Array<{ objects: number; bytes: number }>): string {
  return `${inventories.length} table(s) in task ${tasks.map((t) => `${t.task.identifier} (${t.task.status})`).join(', ')}; ${sum(inventories, (i) => i.objects)} files, ${formatBytes(sum(inventories, (i) => i.bytes))}`;
}

export function currentFilesNote(comparisons: ChecksumComparison[]): string {
  const bad = comparisons.filter((c) => !c.matches);
  return bad.length
    ? `${bad.length} table(s) differ from the source: ${bad.map(describeComparison).join(' || ')}`
    : 'the current files match the source';
}

/** What the reload gate says beside its plan: why, how much, and the evidence gathered before it. */
export function reloadGateNote(
  input: Pick<FullReloadInput, 'reason' | 'ticket' | 'schemaDrift'>,
  plan: Plan,
  currentFiles: ChecksumComparison[] | undefined,
): string {
  const driftNote = input.schemaDrift
    ? ` Schema drift detected by ${input.schemaDrift.detectedBy}: ${input.schemaDrift.changes.map((c) => `${c.table}${c.column ? `.${c.column}` : ''} ${c.kind}`).join(', ')}.`
    : '';
  const mismatched = (currentFiles ?? []).filter((c) => !c.matches);
  return `Reason: ${input.reason}${input.ticket ? ` (${input.ticket})` : ''}. Affected: ${plan.details.affectedObjects as number} files, ${formatBytes(plan.details.affectedBytes as number)}.${driftNote}${mismatched.length ? ` The current files differ from the source: ${mismatched.map(describeComparison).join(' || ')}` : ''}`;
}

export function quarantineNote(moved: MovedFiles[], workflowId: string): string {
  return `${sum(moved, (m) => m.objects)} files (${formatBytes(sum(moved, (m) => m.bytes))}) under ${quarantineRoot(workflowId)}`;
}

export function verifyNote(verification: TableVerification[]): string {
  const failed = verification.filter((v) => !v.matches);
  return failed.length
    ? `FAILED for ${failed.length} of ${verification.length}: ${failed.map((v) => describeComparison(v.comparison)).join(' || ')}`
    : `${verification.length} table(s): ${verification.map((v) => `${v.table} ${v.sourceRows} rows`).join(', ')}; counts, key checksums and distributions match`;
}

/** The verdicts the finalize gate weighs: LOAD files that differ, CDC that differs, CDC too thin to judge. */
function verdicts(verification: TableVerification[], cdcChecks: CdcAfterReloadCheck[]) {
  return {
    failures: verification.filter((v) => !v.matches),
    cdcWrong: cdcChecks.filter((c) => c.verdict === 'mismatch'),
    cdcUnjudged: cdcChecks.filter((c) => c.verdict === 'not-enough-cdc' || c.verdict === 'cannot-check'),
  };
}

/** What the finalize gate says beside its plan: the verdict and the recommended decision. */
export function finalizeGateNote(verification: TableVerification[], cdcChecks: CdcAfterReloadCheck[]): string {
  const { failures, cdcWrong, cdcUnjudged } = verdicts(verification, cdcChecks);
  const cdcNote = cdcUnjudged.length
    ? ` CDC written after the reload: NOT ENOUGH TO JUDGE for ${cdcUnjudged.map((c) => `${c.table} (${c.detail})`).join('; ')}. Do not finalize on the LOAD files alone: let changes arrive, then compare the files (CDC included) with the source by a dry run of fullReload for these tables (its check-current step; a dry run takes no lock), or reject.`
    : cdcChecks.length
      ? ` CDC written after the reload agrees with the source: ${cdcChecks.map((c) => `${c.table} ${c.compared} changed rows`).join(', ')}.`
      : '';
  return failures.length || cdcWrong.length
    ? `Verification FAILED: ${[...failures.map((v) => describeComparison(v.comparison)), ...cdcWrong.map((c) => `${c.table}: ${c.detail}`)].join(' || ')}. Recommended: reject to roll back (the reload's files move aside, the quarantined files return).${cdcNote}`
    : `Verification passed for ${verification.length} table(s).${cdcNote} Approve to delete the quarantine; reject to roll back.`;
}

/** The gate's expiry: nothing is rolled back by itself, the operator is told where the old files wait. */
export function finalizeExpiredMessage(expired: string, quarantineRootUrl: string): string {
  return `${expired}. The reloaded files stay in place and the quarantine is kept at ${quarantineRootUrl}: roll back or delete it by hand (docs/runbooks/fullReload.md#rolling-back)`;
}

export function finalizedMessage(
  report: FullReloadReport,
  verification: TableVerification[],
  cdcChecks: CdcAfterReloadCheck[],
  deletedDetail: string,
): string {
  const { failures, cdcWrong } = verdicts(verification, cdcChecks);
  return `${report.reloaded.join(', ')} reloaded${
    report.verified
      ? ' and verified'
      : failures.length || cdcWrong.length
        ? ' (verification FAILED, kept by the approver)'
        : ' (LOAD files verified; the CDC written after the reload was not judged, kept by the approver)'
  }; quarantine deleted (${deletedDetail})`;
}

export function rolledBackNote(rolledBack: RolledBackTable[]): string {
  return `rolled back: ${rolledBack.map((r) => `${r.table}: ${r.removed.objects} reloaded files moved aside, ${r.restored.objects} files restored`).join('; ')}`;
}

export function rolledBackMessage(rolledBack: RolledBackTable[], bucket: string): string {
  return `rolled back ${rolledBack
    .map(
      (r) =>
        `${r.table}: removed ${r.removed.objects} reloaded files (${formatBytes(r.removed.bytes)}, moved to s3://${bucket}/${r.removed.to}), restored ${r.restored.objects} quarantined files (${formatBytes(r.restored.bytes)})`,
    )
    .join('; ')}. The task keeps running: DMS keeps writing CDC files for these tables`;
}

/**
 * A failure after the quarantine (reload refused, a table in error, a verification that cannot run) leaves the old
 * files in the quarantine and the table's prefix with what the reload wrote so far: the message says so, with the
 * commands that put the old files back.
 */
export function keptInQuarantineMessage(cause: string, bucket: string, root: string, layouts: QuarantineLayout[]): string {
  const commands = layouts.map(
    (l) =>
      `aws s3 mv --recursive s3://${bucket}/${l.tablePrefix} s3://${bucket}/${l.rolledBackPrefix} && aws s3 mv --recursive s3://${bucket}/${l.quarantinePrefix} s3://${bucket}/${l.tablePrefix}`,
  );
  return (
    `${cause}. The files from before the reload are kept in the quarantine at s3://${bucket}/${root} ` +
    `(every key and size in its _manifests/); the tables' prefixes hold what the reload wrote so far. Fix the cause and ` +
    `run fullReload again, or put the old files back by hand (docs/runbooks/fullReload.md#rolling-back):\n${commands.join('\n')}`
  );
}

/** What the finalize gate shows: the quarantine to delete on approval, the rollback on rejection. */
export function planFinalize(
  workflowId: string,
  bucket: string,
  quarantined: MovedFiles[],
  verification: TableVerification[],
  layouts: QuarantineLayout[],
  cdcChecks: CdcAfterReloadCheck[],
): Plan {
  const root = quarantineRoot(workflowId);
  const objects = sum(quarantined, (q) => q.objects);
  const bytes = sum(quarantined, (q) => q.bytes);
  const { failures, cdcWrong, cdcUnjudged } = verdicts(verification, cdcChecks);
  const failed = [...failures, ...cdcWrong.map((c) => ({ table: c.table }))];
  return {
    summary: failed.length
      ? `verification FAILED for ${failed.map((v) => v.table).join(', ')}: reject to roll back (recommended), or approve to keep the reloaded files and delete the quarantine (${objects} files, ${formatBytes(bytes)})`
      : cdcUnjudged.length
        ? `the LOAD files verify, but the CDC written after the reload cannot be judged yet for ${cdcUnjudged.map((c) => c.table).join(', ')}: do not finalize on the LOAD files alone; approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}), reject to roll back`
        : `verification passed (LOAD files and the CDC written after the reload): approve to delete the quarantine (${objects} files, ${formatBytes(bytes)}); reject to roll back`,
    calls: [
      {
        service: 's3',
        operation: 'DeleteQuarantine',
        params: { prefix: root },
        why: `on approval: the quarantined files are deleted for good`,
      },
      ...layouts.flatMap((layout) => [
        {
          service: 's3' as const,
          operation: 'MoveReloadedFilesAside',
          params: { from: layout.tablePrefix, to: layout.rolledBackPrefix },
          why: `on rejection: the reload's files of ${formatTableName(layout.table)} leave the table's prefix (kept for inspection)`,
        },
        {
          service: 's3' as const,
          operation: 'RestoreQuarantinedFiles',
          params: { from: layout.quarantinePrefix, to: layout.tablePrefix },
          why: `on rejection: ${formatTableName(layout.table)}'s files from before the reload return`,
        },
      ]),
    ],
    prefixes: [
      { prefix: root, action: 'delete', objects, bytes },
      ...quarantined.map((q) => ({ prefix: q.to, action: 'restore' as const, objects: q.objects, bytes: q.bytes })),
    ],
    expectedMinutes: Math.max(1, Math.ceil(bytes / (100 * 1024 * 1024) / 60)),
    warnings: [
      ...failures.map((v) => describeComparison(v.comparison)),
      ...cdcChecks.filter((c) => c.verdict !== 'matches').map((c) => `${c.table}: CDC after the reload ${c.verdict}: ${c.detail}`),
    ],
    details: { verification, cdcAfterReload: cdcChecks, quarantineRoot: `s3://${bucket}/${root}` },
  };
}
