import type { TableFacts } from '../activities/sourceTables';
import type { LakeChecksums } from '../activities/tableChecksums';
import type { CallRecord } from '../domain/audit';
import type { TableStatSnapshot } from '../domain/dmsStates';
import { MovedFiles, movedFiles, TableVerification } from '../domain/fullReloadReport';
import { tablePrefix } from '../domain/quarantineLayout';
import { formatTableName, TableName } from '../domain/tableName';
import { checksumSpec, ChecksumComparison, compareChecksums, TableChecksums } from '../domain/verification';
import { bulk, reads } from './engine/activityProxies';

/**
 * The per-table work of a fullReload, for one part of its tables. A reload of a whole task (mode `task`) touches
 * every table of the task, a few activities each: thousands of tables would pass Temporal's history limits in one
 * execution. Past `thresholds.reloadTablesPerPart` tables (100 by default), fullReload runs this work in child
 * workflows of that many tables each, so each history stays bounded (docs/performance.md, "A task-mode reload of
 * 2,000 tables"); under it, the same functions run in the runbook itself.
 */

/** One table's facts on the source and the size of its files in the lake. */
export interface TableReadings {
  facts: TableFacts;
  inventory: { objects: number; bytes: number; partitions: number };
  /** What DMS's statistics say of the table, read by its part (runs in parts read them there, not all at once). */
  stat?: TableStatSnapshot;
}

/** One move of a table's files (quarantine, rollback), resumable from its manifest. */
export interface TableMove {
  table: TableName;
  from: string;
  to: string;
  manifestKey: string;
  operation: string;
}

export interface MoveDone {
  moved: MovedFiles;
  record: CallRecord;
}

/** What verifying one reloaded table needs: where it is, its source, its key and columns, and DMS's row count. */
export interface TableToVerify {
  table: TableName;
  source: string;
  facts: Pick<TableFacts, 'primaryKey' | 'columns'>;
  prefix: string;
  dmsFullLoadRows: number;
}

export type ReloadPartInput =
  | { phase: 'facts'; folder: string; tables: Array<{ table: TableName; source: string; taskArn?: string }> }
  | { phase: 'moves'; moves: TableMove[] }
  | { phase: 'verify'; folder: string; tables: TableToVerify[] };

export type ReloadPartResult =
  | { phase: 'facts'; readings: TableReadings[] }
  | { phase: 'moves'; done: MoveDone[] }
  | { phase: 'verify'; verification: TableVerification[] };

/** The child workflow: one phase's work for its tables, in order, results in the order given. */
export async function fullReloadPart(input: ReloadPartInput): Promise<ReloadPartResult> {
  switch (input.phase) {
    case 'facts': {
      // The statistics of this part's tables only: one read of a whole task of 2,000 tables was a 648 KB result.
      const byTask = new Map<string, TableName[]>();
      for (const t of input.tables) if (t.taskArn) byTask.set(t.taskArn, [...(byTask.get(t.taskArn) ?? []), t.table]);
      const [readings, stats] = await Promise.all([
        Promise.all(input.tables.map((t) => readTable(input.folder, t.table, t.source))),
        Promise.all([...byTask].map(([taskArn, tables]) => reads.readTableStatistics({ taskArn, tables }))),
      ]);
      const read = stats.flat();
      const statOf = (table: TableName) => read.find((s) => s.schema === table.schema && s.table === table.table);
      return {
        phase: 'facts',
        readings: readings.map((r, k) => (input.tables[k]!.taskArn ? { ...r, stat: statOf(input.tables[k]!.table) } : r)),
      };
    }
    case 'moves': {
      const done: MoveDone[] = [];
      for (const move of input.moves) done.push(await moveTableFiles(move));
      return { phase: 'moves', done };
    }
    case 'verify': {
      const verification: TableVerification[] = [];
      for (const t of input.tables) verification.push(await verifyTable(input.folder, t));
      return { phase: 'verify', verification };
    }
  }
}

/** One table's facts and inventory. */
export async function readTable(folder: string, table: TableName, source: string): Promise<TableReadings> {
  const [facts, inventory] = await Promise.all([
    reads.readTableFacts({ source, table }),
    reads.inventoryPrefix({ prefix: tablePrefix(folder, table) }),
  ]);
  return { facts, inventory: { objects: inventory.objects, bytes: inventory.bytes, partitions: Object.keys(inventory.partitions).length } };
}

/** Moves one table's files with a manifest (resumable); says what moved where, with the call to record. */
export async function moveTableFiles(move: TableMove): Promise<MoveDone> {
  const moved = await bulk.moveObjects({ from: move.from, to: move.to, manifestKey: move.manifestKey, operation: move.operation });
  return { moved: movedFiles(formatTableName(move.table), move.from, move.to, moved), record: moved.record };
}

/** Source aggregates against the files' aggregates, for one table. */
export async function compareWithSource(
  folder: string,
  t: Pick<TableToVerify, 'table' | 'source' | 'facts'>,
): Promise<{ source: TableChecksums; lake: LakeChecksums; comparison: ChecksumComparison }> {
  const name = formatTableName(t.table);
  const spec = checksumSpec(name, t.facts.primaryKey, t.facts.columns);
  const [source, lake] = await Promise.all([
    bulk.sourceTableChecksums({ source: t.source, table: t.table, spec }),
    bulk.lakeTableChecksums({ prefix: tablePrefix(folder, t.table), spec }),
  ]);
  return { source, lake, comparison: compareChecksums(name, source, lake) };
}

/** Counts (DMS, LOAD file footers), key checksums and distributions of one reloaded table against the source. */
export async function verifyTable(folder: string, t: TableToVerify): Promise<TableVerification> {
  const [files, parquet] = await Promise.all([
    compareWithSource(folder, t),
    reads.countParquetRows({ prefix: t.prefix, loadFilesOnly: true }),
  ]);
  const dmsRows = t.dmsFullLoadRows;
  const countsMatch = dmsRows === parquet.rows && parquet.problems.length === 0;
  const comparison: ChecksumComparison = countsMatch
    ? files.comparison
    : {
        ...files.comparison,
        matches: false,
        findings: [
          ...files.comparison.findings,
          {
            check: 'rows',
            detail: `DMS FullLoadRows ${dmsRows}, LOAD file footers ${parquet.rows} rows in ${parquet.files} files${parquet.problems.length ? `; unreadable: ${parquet.problems.map((p) => p.key).join(', ')}` : ''}`,
          },
        ],
      };
  return {
    table: formatTableName(t.table),
    sourceRows: files.source.rows,
    dmsFullLoadRows: dmsRows,
    parquetLoadRows: parquet.rows,
    parquetLoadFiles: parquet.files,
    fileRows: files.lake.rows,
    comparison,
    matches: comparison.matches,
  };
}
