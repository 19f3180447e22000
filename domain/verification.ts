import { enumLabels } from './schemaDrift';
import { lobColumns, type LobColumn } from './taskSettings';

/**
 * Verifying a table's files against its source with figures that catch a value scramble, not only lost rows: the
 * per-label distribution of every ENUM/SET column (a reordered ENUM moves rows between labels), an order-independent
 * checksum over the primary key (rows lost, added or duplicated), and one over the primary key with the ENUM/SET
 * values (labels swapped between rows even when the distribution happens to match), and one over the primary key with
 * the byte length of every LOB column (a value DMS truncated at LobMaxSize, whatever the task's settings say now) with
 * each LOB column's longest value. Both sides compute the same
 * aggregates — CRC32 of a canonical text of each row, summed and XOR-ed — so neither side needs the other's rows.
 */

/** How a key column is turned into canonical text, identically in SQL and from Parquet values. */
export type KeyKind = 'integer' | 'string' | 'decimal' | 'date' | 'datetime';

export interface ChecksumColumn {
  name: string;
  kind: KeyKind;
  /** DECIMAL scale, to print a Parquet DECIMAL read as a number the way MySQL prints it. */
  scale?: number;
}

export interface ChecksumSpec {
  table: string;
  primaryKey: ChecksumColumn[];
  /** Why there is no primary-key checksum (no key, or a key type without a canonical text). */
  primaryKeyUnsupported?: string;
  /** ENUM and SET columns: their distributions are compared, and their values enter the row hash. */
  categorical: Array<{ name: string; type: 'enum' | 'set'; labels: string[] }>;
  /**
   * LOB columns (TEXT, JSON, BLOB kinds): their byte lengths (UTF-8 for text) enter a hash of their own. The files'
   * side reads these columns whole: on a table of large documents that is most of its bytes.
   */
  lobs?: LobColumn[];
}

/** Count, sum and XOR of the CRC32 of each row's canonical text: equal on both sides whatever the row order. */
export interface HashAggregate {
  count: number;
  /** Decimal string: the sum outgrows 2^53 on large tables. */
  sum: string;
  xor: number;
}

export interface LabelCount {
  label: string | null;
  rows: number;
}

export interface TableChecksums {
  rows: number;
  primaryKey?: HashAggregate;
  rowHash?: HashAggregate;
  distributions: Record<string, LabelCount[]>;
  /** Primary key with the byte length of each LOB column, when the table has LOB columns and a key. */
  lobLengths?: HashAggregate;
  /** The longest value of each LOB column in bytes (null: no value). */
  lobMaxBytes?: Record<string, number | null>;
  /** What could not be computed (a column missing from the files, an unreadable file). */
  problems: string[];
}

export type CheckName = 'rows' | 'primary-key' | 'row-hash' | 'lob-length' | 'distribution' | 'readable';

export interface ChecksumFinding {
  check: CheckName;
  column?: string;
  detail: string;
}

export interface ChecksumComparison {
  table: string;
  matches: boolean;
  /** The checks that were made (a check that could not be made is a finding, never a silent pass). */
  checked: string[];
  findings: ChecksumFinding[];
}

/** Canonical text separators and the NULL marker, shared by the SQL and the Parquet side. */
export const FIELD_SEPARATOR = '\u001f';
export const NULL_TEXT = '\\N';

interface ColumnInfo {
  name: string;
  dataType: string;
  columnType: string;
}

const INTEGER_TYPES = new Set(['tinyint', 'smallint', 'mediumint', 'int', 'integer', 'bigint', 'year']);
const STRING_TYPES = new Set(['char', 'varchar', 'tinytext', 'text', 'mediumtext', 'longtext', 'enum', 'set']);

function keyKind(column: ColumnInfo): ChecksumColumn | undefined {
  const type = column.dataType.toLowerCase();
  if (INTEGER_TYPES.has(type)) return { name: column.name, kind: 'integer' };
  if (STRING_TYPES.has(type)) return { name: column.name, kind: 'string' };
  if (type === 'decimal' || type === 'numeric') {
    const scale = /\(\s*\d+\s*,\s*(\d+)\s*\)/.exec(column.columnType)?.[1];
    return { name: column.name, kind: 'decimal', scale: scale === undefined ? 0 : Number(scale) };
  }
  if (type === 'date') return { name: column.name, kind: 'date' };
  if (type === 'datetime' || type === 'timestamp') return { name: column.name, kind: 'datetime' };
  return undefined;
}

/** What to compute for a table, from its primary key and columns (information_schema). */
export function checksumSpec(table: string, primaryKey: string[], columns: ColumnInfo[]): ChecksumSpec {
  const byName = new Map(columns.map((c) => [c.name, c]));
  const categorical = columns
    .filter((c) => ['enum', 'set'].includes(c.dataType.toLowerCase()))
    .map((c) => ({ name: c.name, type: c.dataType.toLowerCase() as 'enum' | 'set', labels: enumLabels(c.columnType) ?? [] }));
  const lobs = lobColumns(columns);
  if (primaryKey.length === 0) {
    return { table, primaryKey: [], primaryKeyUnsupported: `${table} has no primary key`, categorical, lobs };
  }
  const key: ChecksumColumn[] = [];
  for (const name of primaryKey) {
    const column = byName.get(name);
    const kind = column && keyKind(column);
    if (!kind) {
      return {
        table,
        primaryKey: [],
        primaryKeyUnsupported: `primary key column ${name} of ${table} is ${column?.columnType ?? 'unknown'}: no canonical text for it`,
        categorical,
        lobs,
      };
    }
    key.push(kind);
  }
  return { table, primaryKey: key, categorical, lobs };
}

const labelKey = (label: string | null) => (label === null ? '\u0000' : `=${label}`);
const quote = (label: string | null) => (label === null ? 'NULL' : `'${label}'`);

function compareDistribution(column: string, source: LabelCount[], lake: LabelCount[]): ChecksumFinding | undefined {
  const counts = new Map<string, { label: string | null; source: number; lake: number }>();
  for (const { label, rows } of source) counts.set(labelKey(label), { label, source: rows, lake: 0 });
  for (const { label, rows } of lake) {
    const entry = counts.get(labelKey(label)) ?? { label, source: 0, lake: 0 };
    entry.lake += rows;
    counts.set(labelKey(label), entry);
  }
  const differing = [...counts.values()].filter((c) => c.source !== c.lake);
  if (differing.length === 0) return undefined;
  const shown = differing
    .slice(0, 10)
    .map((c) => `${quote(c.label)} source ${c.source}, files ${c.lake}`)
    .join('; ');
  return {
    check: 'distribution',
    column,
    detail: `${column}: ${shown}${differing.length > 10 ? `; and ${differing.length - 10} more labels` : ''}`,
  };
}

function sameAggregate(a: HashAggregate, b: HashAggregate): boolean {
  return a.count === b.count && a.sum === b.sum && a.xor === b.xor;
}

/** Source against files: rows, key checksum, row hash, distributions. Pure: the doctor reuses it. */
export function compareChecksums(table: string, source: TableChecksums, lake: TableChecksums): ChecksumComparison {
  const findings: ChecksumFinding[] = [];
  const checked: string[] = [];
  for (const problem of [...source.problems.map((p) => `source: ${p}`), ...lake.problems.map((p) => `files: ${p}`)]) {
    findings.push({ check: 'readable', detail: problem });
  }
  checked.push('rows');
  if (source.rows !== lake.rows) {
    findings.push({ check: 'rows', detail: `source has ${source.rows} rows, the files ${lake.rows}` });
  }
  if (source.primaryKey && lake.primaryKey) {
    checked.push('primary-key');
    if (!sameAggregate(source.primaryKey, lake.primaryKey)) {
      findings.push({
        check: 'primary-key',
        detail: `primary-key checksums differ (source ${source.primaryKey.count} keys, sum ${source.primaryKey.sum}, xor ${source.primaryKey.xor}; files ${lake.primaryKey.count} keys, sum ${lake.primaryKey.sum}, xor ${lake.primaryKey.xor}): rows are missing, extra or duplicated`,
      });
    }
  }
  if (source.rowHash && lake.rowHash) {
    checked.push('row-hash');
    if (!sameAggregate(source.rowHash, lake.rowHash)) {
      findings.push({
        check: 'row-hash',
        detail: `checksums over the primary key with the ENUM/SET values differ: some rows carry another label than on the source`,
      });
    }
  }
  if (source.lobLengths && lake.lobLengths) {
    checked.push('lob-length');
    if (!sameAggregate(source.lobLengths, lake.lobLengths)) {
      const shorter = Object.entries(source.lobMaxBytes ?? {})
        .filter(([column, bytes]) => (bytes ?? 0) > (lake.lobMaxBytes?.[column] ?? 0))
        .map(([column, bytes]) => `${column}: longest ${bytes} bytes at the source, ${lake.lobMaxBytes?.[column] ?? 0} in the files`);
      findings.push({
        check: 'lob-length',
        detail: `LOB value lengths differ between source and files${shorter.length ? ` (${shorter.join('; ')}): values were truncated, as limited LOB mode does beyond the task's LobMaxSize` : ': some rows carry LOB values of another length than on the source'}`,
      });
    }
  }
  for (const [column, counts] of Object.entries(source.distributions)) {
    checked.push(`distribution:${column}`);
    const lakeCounts = lake.distributions[column];
    if (!lakeCounts) {
      findings.push({ check: 'distribution', column, detail: `${column}: no values read from the files` });
      continue;
    }
    const finding = compareDistribution(column, counts, lakeCounts);
    if (finding) findings.push(finding);
  }
  return { table, matches: findings.length === 0, checked, findings };
}

/** One line per finding, for gate notes and failure messages. */
export function describeComparison(comparison: ChecksumComparison): string {
  if (comparison.matches) return `${comparison.table}: ${comparison.checked.join(', ')} match`;
  return `${comparison.table}: ${comparison.findings.map((f) => f.detail).join(' | ')}`;
}
