import { formatBytes } from '../plan';
import { CheckResult, checkResult, Figure, Finding } from './findings';
import { fullReloadRemedy } from './remedies';

/**
 * Row counts of one table from three sides, compared link by link so a difference says where it comes from:
 * - S3 `LOAD…` files (footers) vs DMS `FullLoadRows`: a file missing, extra or unreadable;
 * - the source `COUNT(*)` vs what DMS replicated net (`FullLoadRows + Inserts − Deletes`): changes lost or not
 *   yet captured (a count races with live writes, and rows changed during the full load can be counted twice);
 * - S3 change rows (CDC files, one row per change) vs `Inserts + Updates + Deletes`: changes not yet written
 *   (batched up to CdcMaxBatchInterval while the task runs) or lost.
 */
/** What the Parquet footers under a table prefix say: full-load and change files and rows, unreadable files. */
export interface ParquetCensus {
  prefix: string;
  files: number;
  loadFiles: number;
  loadRows: number;
  changeFiles: number;
  changeRows: number;
  bytesStored: number;
  bytesRead: number;
  /** Files counted from the previous run's ledger without reading their footer (domain/doctor/censusLedger.ts). */
  filesReused?: number;
  problems: Array<{ key: string; error: string }>;
}

export interface RowCountFacts {
  table: string;
  group: string;
  task: string;
  taskStatus: string;
  sourceRows: number;
  dms: {
    fullLoadRows: number;
    inserts: number;
    updates: number;
    deletes: number;
    state: string;
    fullLoadReloaded: boolean;
    /** DDL statements DMS captured for the table (TableStatistics.Ddls). */
    ddls?: number;
  };
  parquet: ParquetCensus;
  /**
   * When the task was resumed (StartDate after FreshStartDate) and this table was not loaded since: whether DMS keeps
   * Inserts/Updates/Deletes over a stop and resume or counts again from the resume is not documented (unverified;
   * the emulator's `statistics.afterResume`), so the counts against the source and the CDC files do not compare.
   */
  resumedAt?: string;
}

/** The resume after which a table's change counters may have started again (see RowCountFacts.resumedAt). */
export function resumedSinceLoad(
  task: { startDate?: string; freshStartDate?: string },
  table: { fullLoadStartTime?: string },
): string | undefined {
  const { startDate, freshStartDate } = task;
  if (!startDate || !freshStartDate || Date.parse(startDate) <= Date.parse(freshStartDate)) return undefined;
  if (table.fullLoadStartTime && Date.parse(table.fullLoadStartTime) >= Date.parse(startDate)) return undefined;
  return startDate;
}

function evidenceOf(f: RowCountFacts): Record<string, Figure> {
  return {
    sourceRows: f.sourceRows,
    s3LoadRows: f.parquet.loadRows,
    s3ChangeRows: f.parquet.changeRows,
    s3Files: f.parquet.files,
    s3FootersRead: f.parquet.files - (f.parquet.filesReused ?? 0),
    dmsFullLoadRows: f.dms.fullLoadRows,
    dmsInserts: f.dms.inserts,
    dmsUpdates: f.dms.updates,
    dmsDeletes: f.dms.deletes,
    dmsNetRows: f.dms.fullLoadRows + f.dms.inserts - f.dms.deletes,
    unreadableFiles: f.parquet.problems.length,
    prefix: f.parquet.prefix,
    task: f.task,
  };
}

function evaluateTable(f: RowCountFacts, at: string): Finding[] {
  const findings: Finding[] = [];
  const subject = `table ${f.table}`;
  const evidence = evidenceOf(f);
  const reload = (why: string) => fullReloadRemedy([f.table], why, at);
  const problems = f.parquet.problems;
  if (problems.length) {
    const shown = problems.slice(0, 10);
    findings.push({
      check: 'validation',
      severity: 'critical',
      subject,
      title: `${problems.length} unreadable Parquet file(s) under ${f.parquet.prefix}: ${shown.map((p) => `${p.key} (${p.error})`).join('; ')}${problems.length > shown.length ? '; …' : ''}`,
      evidence: { ...evidence, keys: shown.map((p) => p.key).join(', ') },
      remedy: reload(`${problems.length} corrupt or truncated Parquet file(s), first ${problems[0]!.key}`),
    });
  }
  // The LOAD files are gone while DMS loaded rows and saw DDL: most likely a source TRUNCATE, which removes all of
  // the table's files on S3 by default ("Using Amazon S3 as a target for AWS DMS": "A truncate DDL operation removes
  // all files and corresponding table folders from an S3 bucket"; task setting HandleSourceTableTruncated). The
  // counts since the load no longer compare, so this is said once instead of as lost rows.
  if (f.parquet.loadFiles === 0 && f.dms.fullLoadRows > 0 && (f.dms.ddls ?? 0) > 0) {
    findings.push({
      check: 'validation',
      severity: 'warning',
      subject,
      title: `${f.table}: no LOAD file under ${f.parquet.prefix} although DMS loaded ${f.dms.fullLoadRows} rows, and DMS captured ${f.dms.ddls} DDL statement(s) since: the table was most likely truncated (or dropped) on the source, and DMS removed its files (HandleSourceTableTruncated). S3 holds ${f.parquet.changeRows} change rows written since; the source has ${f.sourceRows} rows. If the source was not truncated, the files were lost: reload the table`,
      evidence: { ...evidence, dmsDdls: f.dms.ddls ?? 0 },
      remedy: reload(`no LOAD file after ${f.dms.ddls} DDL statement(s); source ${f.sourceRows} rows`),
    });
    return findings;
  }
  if (f.parquet.loadRows !== f.dms.fullLoadRows) {
    const diff = f.parquet.loadRows - f.dms.fullLoadRows;
    findings.push({
      check: 'validation',
      severity: 'critical',
      subject,
      title: `${f.table}: LOAD files hold ${f.parquet.loadRows} rows in ${f.parquet.loadFiles} file(s), DMS loaded ${f.dms.fullLoadRows} (${diff > 0 ? '+' : ''}${diff})${problems.length ? '; unreadable files count as 0 rows' : ''}; the source has ${f.sourceRows}`,
      evidence,
      remedy: reload(`S3 LOAD rows ${f.parquet.loadRows} vs DMS FullLoadRows ${f.dms.fullLoadRows} vs source ${f.sourceRows}`),
    });
  }
  if (f.resumedAt) {
    findings.push({
      check: 'validation',
      severity: 'info',
      subject,
      title: `${f.table}: change counts not compared: task ${f.task} was resumed at ${f.resumedAt} after the table's load, and whether DMS's Inserts/Updates/Deletes count from the load or from the resume is undocumented; a fullReload (or a fresh start) makes them comparable again`,
      evidence: { ...evidence, resumedAt: f.resumedAt },
    });
    return findings;
  }
  const net = f.dms.fullLoadRows + f.dms.inserts - f.dms.deletes;
  if (f.sourceRows !== net) {
    findings.push({
      check: 'validation',
      severity: 'warning',
      subject,
      title: `${f.table}: the source has ${f.sourceRows} rows, DMS replicated ${net} net (FullLoadRows ${f.dms.fullLoadRows} + Inserts ${f.dms.inserts} − Deletes ${f.dms.deletes}); if it persists across runs, changes were lost`,
      evidence,
      remedy: reload(`source ${f.sourceRows} rows vs DMS net ${net}`),
    });
  }
  const changes = f.dms.inserts + f.dms.updates + f.dms.deletes;
  if (!f.dms.fullLoadReloaded && f.parquet.changeRows !== changes) {
    const missing = changes - f.parquet.changeRows;
    if (missing < 0) {
      findings.push({
        check: 'validation',
        severity: 'warning',
        subject,
        title: `${f.table}: CDC files hold ${f.parquet.changeRows} change rows, DMS counted ${changes} changes (${-missing} more in S3: duplicates, or files from an earlier run)`,
        evidence,
      });
    } else {
      const buffered = f.taskStatus === 'running';
      findings.push({
        check: 'validation',
        severity: buffered ? 'info' : 'warning',
        subject,
        title: buffered
          ? `${f.table}: ${missing} of ${changes} changes counted by DMS are not in S3 yet (batched until CdcMaxBatchInterval or CdcMinFileSize)`
          : `${f.table}: ${missing} of ${changes} changes counted by DMS are missing from S3 and task ${f.task} is ${f.taskStatus}`,
        evidence,
        remedy: buffered ? undefined : reload(`${missing} CDC changes missing from S3`),
      });
    }
  }
  return findings;
}

export function evaluateRowCounts(facts: RowCountFacts[], skipped: Array<{ table: string; why: string }>, at: string): CheckResult {
  const findings = facts.flatMap((f) => evaluateTable(f, at));
  for (const s of skipped) {
    findings.push({
      check: 'validation',
      severity: 'info',
      subject: `table ${s.table}`,
      title: `${s.table} not validated: ${s.why}`,
      evidence: {},
    });
  }
  const files = facts.reduce((n, f) => n + f.parquet.files, 0);
  const stored = facts.reduce((n, f) => n + f.parquet.bytesStored, 0);
  const read = facts.reduce((n, f) => n + f.parquet.bytesRead, 0);
  const summary = `${facts.length} table(s), ${files} Parquet files: read ${formatBytes(read)} of footers for ${formatBytes(stored)} stored${
    stored ? ` (${((read / stored) * 100).toFixed(2)}%)` : ''
  }`;
  return checkResult('validation', summary, findings, {
    tables: facts.map((f) => ({ table: f.table, ...evidenceOf(f), bytesStored: f.parquet.bytesStored, bytesRead: f.parquet.bytesRead })),
    skipped,
  });
}
