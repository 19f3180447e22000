import { crc32 } from 'node:zlib';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { activitySignal, stopIfCancelled } from './activityCancellation';
import { type AsyncBuffer, cachedAsyncBuffer, parquetMetadataAsync } from 'hyparquet';
import type { RowDataPacket } from 'mysql2/promise';
import {
  ChecksumColumn,
  ChecksumSpec,
  FIELD_SEPARATOR,
  HashAggregate,
  LabelCount,
  NULL_TEXT,
  TableChecksums,
} from '../domain/verification';
import type { TableName } from '../domain/tableName';
import type { LobColumn } from '../domain/taskSettings';
import type { ActivityDeps } from './deps';
import { countS3BytesRead } from './metrics';
import { readExactRows } from './parquetExactRows';
import { listObjectPages } from './s3Objects';
import {
  checkpointValue,
  distributionRows,
  foldDistribution,
  foldTotals,
  keyAfter,
  keyAtMost,
  resumableCheckpoint,
  ScanCheckpoint,
  ScanTotals,
  scanId,
} from './sourceChecksumScan';
import { Failure } from '../contracts/failures';

/**
 * The two sides of a table verification (see domain/verification.ts): aggregates computed by the source in SQL, and
 * the same aggregates computed from the table's Parquet files, reading only the key and ENUM/SET columns. The
 * canonical text of a value is defined twice below — once in SQL, once for Parquet values — and must stay twins.
 */

export interface LakeChecksums extends TableChecksums {
  prefix: string;
  files: { load: number; cdc: number };
  /** Rows read from the files before folding CDC changes into the full-load rows. */
  rowsRead: number;
  bytesRead: number;
}

export const LOAD_FILE = /\/LOAD[^/]*\.parquet$/;
export const identifier = (name: string) => `\`${name.replace(/`/g, '``')}\``;

// ---- the source side: canonical text in SQL -------------------------------------------------------------------

export function canonicalSql(column: ChecksumColumn): string {
  const c = identifier(column.name);
  const text = {
    integer: `CAST(${c} AS CHAR)`,
    decimal: `CAST(${c} AS CHAR)`,
    string: c,
    date: `DATE_FORMAT(${c}, '%Y-%m-%d')`,
    datetime: `LEFT(DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s.%f'), 23)`,
  }[column.kind];
  return `CONVERT(IFNULL(${text}, '${NULL_TEXT.replace(/\\/g, '\\\\')}') USING utf8mb4)`;
}

export function categoricalSql(name: string): string {
  return `CONVERT(IFNULL(CAST(${identifier(name)} AS CHAR), '${NULL_TEXT.replace(/\\/g, '\\\\')}') USING utf8mb4)`;
}

/** A LOB column's byte length as canonical text: UTF-8 bytes for text (as the files carry it), raw bytes for BLOBs. */
function lobLengthSql(column: LobColumn): string {
  const c = identifier(column.name);
  const length = column.kind === 'clob' ? `LENGTH(CONVERT(${c} USING utf8mb4))` : `LENGTH(${c})`;
  return `CONVERT(IFNULL(CAST(${length} AS CHAR), '${NULL_TEXT.replace(/\\/g, '\\\\')}') USING utf8mb4)`;
}

function lobMaxSql(column: LobColumn, i: number): string {
  const c = identifier(column.name);
  return `MAX(${column.kind === 'clob' ? `LENGTH(CONVERT(${c} USING utf8mb4))` : `LENGTH(${c})`}) AS lobMax${i}`;
}

function hashSql(parts: string[]): string {
  return `CRC32(CONCAT_WS(CHAR(${FIELD_SEPARATOR.charCodeAt(0)} USING utf8mb4), ${parts.join(', ')}))`;
}

const aggregate = (count: unknown, sum: unknown, xor: unknown): HashAggregate => ({
  count: Number(count ?? 0),
  sum: BigInt(sum === null || sum === undefined ? 0 : scalarText(sum)).toString(),
  xor: Number(xor ?? 0),
});

/** A scalar as text; values from mysql2 and hyparquet are strings, numbers, bigints, booleans, dates or bytes. */
export function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  return JSON.stringify(value);
}

// ---- the files' side: the same canonical text from Parquet values ----------------------------------------------

export function canonicalValue(column: ChecksumColumn, value: unknown): string {
  if (value === null || value === undefined) return NULL_TEXT;
  switch (column.kind) {
    case 'decimal':
      return typeof value === 'number' ? value.toFixed(column.scale ?? 0) : scalarText(value);
    case 'date':
      if (value instanceof Date) return value.toISOString().slice(0, 10);
      // A DATE read as days since the epoch.
      if (typeof value === 'number') return new Date(value * 86_400_000).toISOString().slice(0, 10);
      return scalarText(value);
    case 'datetime':
      if (value instanceof Date) return value.toISOString().replace('T', ' ').slice(0, 23);
      return scalarText(value);
    default:
      return scalarText(value);
  }
}

/** Bytes of a value as written: UTF-8 for text, raw for binary; null for NULL. */
function byteLength(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value.byteLength;
  return Buffer.byteLength(typeof value === 'string' ? value : scalarText(value), 'utf8');
}

export const categoricalValue = (value: unknown) => (value === null || value === undefined ? NULL_TEXT : scalarText(value));

class HashAccumulator {
  count = 0;
  private sum = 0n;
  private xor = 0;
  add(text: string): void {
    const crc = crc32(Buffer.from(text, 'utf8'));
    this.count++;
    this.sum += BigInt(crc);
    this.xor = (this.xor ^ crc) >>> 0;
  }
  result(): HashAggregate {
    return { count: this.count, sum: this.sum.toString(), xor: this.xor };
  }
}

/** The transaction-header columns that carry a change's time (domain/tableMappings.ts requires one of them). */
const TIME_HEADERS = ['ar_h_timestamp', 'ar_h_commit_timestamp'];

/** A header time as epoch ms: a Parquet TIMESTAMP (Date), epoch digits, or `yyyy-MM-dd HH:mm:ss[.ffffff]` (UTC). */
export function epochMs(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?/.exec(scalarText(value));
  if (!match) return undefined;
  const [, y, mo, d, h, mi, sec, frac] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number((frac ?? '').padEnd(3, '0')));
}

/**
 * When a CDC file was written, from its name: "AWS DMS names CDC files using timestamps, for example
 * 20141029-1134010000.csv" ("Using Amazon S3 as a target"): date, time, then fractions (the first three read as ms).
 */
export function cdcFileTime(key: string): number | undefined {
  const match = /(?:^|\/)(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{0,3})\d*\.parquet$/.exec(key);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, sec, ms] = match;
  return Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), Number((ms ?? '').padEnd(3, '0')));
}

/** Change sequences are fixed-width digit strings in DMS; compare as numbers whatever their width. */
export function compareSeq(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function s3AsyncBuffer(s3: S3Client, bucket: string, key: string, size: number, counter: { bytes: number }): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      if (end <= start) return new ArrayBuffer(0);
      const response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }));
      const bytes = await response.Body!.transformToByteArray();
      counter.bytes += bytes.byteLength;
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  };
}

interface FileRow {
  key: string;
  /** The change sequence; undefined when the file has none or the row's is empty (a full-load row, see below). */
  seq?: string;
  /**
   * Epoch ms on DMS's clock, read only to order a full-load row without a change sequence: a full-load row's
   * $AR_H_TIMESTAMP (or $AR_H_COMMIT_TIMESTAMP; the load time), a CDC row's file-name time (when it was written).
   */
  at?: number;
  /** File order, then row order: the change order when the files carry no change sequence. */
  order: number;
  op: string;
  values: Record<string, unknown>;
}

const beat = (details: Record<string, unknown>) => {
  try {
    heartbeat(details);
  } catch {
    /* outside an activity (unit use) */
  }
};

/** What the previous attempt of this activity left in its last heartbeat; undefined outside an activity. */
function currentHeartbeatDetails(): unknown {
  try {
    return Context.current().info.heartbeatDetails;
  } catch {
    return undefined;
  }
}

/** Source and file aggregates of a table (see domain/verification.ts for what they catch). */
export function tableChecksumActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;

  return {
    async sourceTableChecksums(input: { source: string; table: TableName; spec: ChecksumSpec }): Promise<TableChecksums> {
      const { spec } = input;
      const from = `${identifier(input.table.schema)}.${identifier(input.table.table)}`;
      const keyParts = spec.primaryKey.map(canonicalSql);
      const rowParts = [...keyParts, ...spec.categorical.map((c) => categoricalSql(c.name))];
      const selects = ['COUNT(*) AS n'];
      if (keyParts.length) selects.push(`SUM(${hashSql(keyParts)}) AS pkSum`, `BIT_XOR(${hashSql(keyParts)}) AS pkXor`);
      if (keyParts.length && spec.categorical.length)
        selects.push(`SUM(${hashSql(rowParts)}) AS rowSum`, `BIT_XOR(${hashSql(rowParts)}) AS rowXor`);
      const lobs = spec.lobs ?? [];
      const lobParts = [...keyParts, ...lobs.map(lobLengthSql)];
      if (keyParts.length && lobs.length)
        selects.push(`SUM(${hashSql(lobParts)}) AS lobSum`, `BIT_XOR(${hashSql(lobParts)}) AS lobXor`, ...lobs.map(lobMaxSql));
      // A long scan says nothing for minutes: keep the activity's heartbeat going meanwhile, with the last checkpoint
      // (the heartbeat is also what brings a cancellation; the running statement is then killed on the source).
      const scan = scanId(input.source, spec);
      const keyColumns = spec.primaryKey.map((c) => identifier(c.name));
      let checkpoint: ScanCheckpoint | undefined = resumableCheckpoint(currentHeartbeatDetails(), scan);
      const timer = setInterval(() => beat({ reading: spec.table, checkpoint }), 15_000);
      const signal = activitySignal();
      const query = (sql: string, params: unknown[] = []) =>
        deps.sources.cancellableQuery<RowDataPacket>(input.source, sql, signal, params);
      const chunkRows = deps.sources.source(input.source).checksumChunkRows;
      try {
        let totals: ScanTotals = checkpoint?.totals ?? {};
        const counts: Record<string, Record<string, number>> = structuredClone(checkpoint?.distributions ?? {});
        const distributionOf = async (where: string, params: unknown[]) => {
          for (const column of spec.categorical) {
            stopIfCancelled(signal, `checksum of ${spec.table} on ${input.source}`);
            const c = identifier(column.name);
            const rows = await query(`SELECT CAST(${c} AS CHAR) AS label, COUNT(*) AS n FROM ${from}${where} GROUP BY ${c}`, params);
            counts[column.name] = foldDistribution(
              counts[column.name] ?? {},
              rows.map((r) => ({ label: r.label === null ? null : String(r.label), n: Number(r.n) })),
            );
          }
        };
        if (!keyColumns.length) {
          // Without a key there is no order to resume in: one statement, as before.
          totals = foldTotals(totals, (await query(`SELECT ${selects.join(', ')} FROM ${from}`))[0] ?? {});
          await distributionOf('', []);
        } else {
          for (let done = false; !done;) {
            stopIfCancelled(signal, `checksum of ${spec.table} on ${input.source}`);
            const after = checkpoint?.after;
            const lower = after ? [keyAfter(keyColumns)] : [];
            // The chunk's last key, read on the key's index; none means the rest of the table is the last chunk.
            const [upperRow] = await query(
              `SELECT ${keyColumns.join(', ')} FROM ${from}${lower.length ? ` WHERE ${lower[0]}` : ''} ORDER BY ${keyColumns.join(', ')} LIMIT 1 OFFSET ${chunkRows - 1}`,
              after ?? [],
            );
            const upper = upperRow ? spec.primaryKey.map((c) => checkpointValue(upperRow[c.name])) : undefined;
            if (upper?.some((v) => v === undefined)) {
              throw ApplicationFailure.nonRetryable(
                `the primary key of ${spec.table} on ${input.source} has values a checkpoint cannot keep (bytes); set sources[].checksumChunkRows above its row count to read it in one statement`,
                Failure.InvalidInput,
              );
            }
            const bounds = [...lower, ...(upper ? [keyAtMost(keyColumns)] : [])];
            const where = bounds.length ? ` WHERE ${bounds.join(' AND ')}` : '';
            const params = [...(after ?? []), ...((upper as Array<string | number>) ?? [])];
            totals = foldTotals(totals, (await query(`SELECT ${selects.join(', ')} FROM ${from}${where}`, params))[0] ?? {});
            await distributionOf(where, params);
            done = !upper;
            if (upper) {
              checkpoint = {
                scan,
                after: upper as Array<string | number>,
                chunks: (checkpoint?.chunks ?? 0) + 1,
                totals,
                distributions: structuredClone(counts),
              };
              beat({ reading: spec.table, checkpoint });
            }
          }
        }
        const distributions: Record<string, LabelCount[]> = {};
        for (const column of spec.categorical) distributions[column.name] = distributionRows(counts[column.name] ?? {});
        return {
          rows: Number(totals?.n ?? 0),
          primaryKey: keyParts.length ? aggregate(totals?.n, totals?.pkSum, totals?.pkXor) : undefined,
          rowHash: keyParts.length && spec.categorical.length ? aggregate(totals?.n, totals?.rowSum, totals?.rowXor) : undefined,
          ...(keyParts.length && lobs.length
            ? {
                lobLengths: aggregate(totals?.n, totals?.lobSum, totals?.lobXor),
                lobMaxBytes: Object.fromEntries(
                  lobs.map((c, i) => [c.name, totals?.[`lobMax${i}`] === null ? null : Number(totals?.[`lobMax${i}`])]),
                ),
              }
            : {}),
          distributions,
          problems: spec.primaryKeyUnsupported ? [spec.primaryKeyUnsupported] : [],
        };
      } catch (error) {
        stopIfCancelled(signal, `checksum of ${spec.table} on ${input.source}: the query was killed (KILL QUERY)`);
        if ((error as { code?: string }).code === 'ER_NO_SUCH_TABLE')
          throw ApplicationFailure.nonRetryable(`table ${spec.table} does not exist on source ${input.source}`, Failure.UnknownTable);
        throw error;
      } finally {
        clearInterval(timer);
      }
    },

    /**
     * The same aggregates from the files under a table prefix: full-load rows, with the CDC changes folded in by
     * change sequence (a later change replaces the row, a delete removes it), as a reader of the lake sees the table.
     * `loadFilesOnly` reads the LOAD files alone. Memory grows with the CDC rows, not with the table.
     */
    async lakeTableChecksums(input: { prefix: string; spec: ChecksumSpec; loadFilesOnly?: boolean }): Promise<LakeChecksums> {
      const { spec } = input;
      const counter = { bytes: 0 };
      const problems: string[] = [];
      const loadFiles: Array<{ key: string; size: number }> = [];
      const cdcFiles: Array<{ key: string; size: number }> = [];
      for await (const page of listObjectPages(deps.s3, bucket, input.prefix)) {
        for (const o of page) {
          const key = o.Key ?? '';
          if (!key.endsWith('.parquet')) continue;
          (LOAD_FILE.test(key) ? loadFiles : cdcFiles).push({ key, size: o.Size ?? 0 });
        }
      }
      const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
      loadFiles.sort(byKey);
      cdcFiles.sort(byKey);
      const lobs = spec.primaryKey.length ? (spec.lobs ?? []) : [];
      const wanted = [...spec.primaryKey.map((c) => c.name), ...spec.categorical.map((c) => c.name), ...lobs.map((c) => c.name)];
      let order = 0;
      let rowsRead = 0;

      /** `ordering` also reads the operation and the change sequence (spread over the file: more bytes). */
      async function* readFile(file: { key: string; size: number }, ordering: boolean): AsyncGenerator<FileRow> {
        const buffer = cachedAsyncBuffer(s3AsyncBuffer(deps.s3, bucket, file.key, file.size, counter));
        let metadata;
        try {
          // The footer is at the end: a small first fetch, so small files are not read whole for it.
          metadata = await parquetMetadataAsync(buffer, { initialFetchSize: 64 * 1024 });
        } catch (error) {
          problems.push(`${file.key}: unreadable Parquet footer (${(error as Error).message})`);
          return;
        }
        const names = metadata.schema.slice(1).map((e) => e.name);
        const missing = wanted.filter((c) => !names.includes(c));
        if (missing.length) {
          problems.push(`${file.key}: no column ${missing.join(', ')} (a rename or remove-column rule in the task's mapping?)`);
          return;
        }
        const seqColumn = ordering ? names.find((n) => n.toLowerCase() === 'ar_h_change_seq') : undefined;
        const opColumn = ordering ? names.find((n) => n === 'Op') : undefined;
        const isLoad = LOAD_FILE.test(file.key);
        const timeColumn = ordering && isLoad ? names.find((n) => TIME_HEADERS.includes(n.toLowerCase())) : undefined;
        const writtenAt = isLoad ? undefined : cdcFileTime(file.key);
        const columns = [
          ...wanted,
          ...(seqColumn ? [seqColumn] : []),
          ...(opColumn ? [opColumn] : []),
          ...(timeColumn && !wanted.includes(timeColumn) ? [timeColumn] : []),
        ];
        let start = 0;
        for (const group of metadata.row_groups) {
          const end = start + Number(group.num_rows);
          const rows = await readExactRows({ file: buffer, metadata, columns, rowStart: start, rowEnd: end });
          for (const row of rows) {
            rowsRead++;
            const seq = seqColumn && row[seqColumn] != null ? scalarText(row[seqColumn]) : '';
            yield {
              key: file.key,
              seq: seq === '' ? undefined : seq,
              at: isLoad ? (timeColumn ? epochMs(row[timeColumn]) : undefined) : writtenAt,
              order: order++,
              op: opColumn && row[opColumn] != null ? scalarText(row[opColumn]) : 'I',
              values: row,
            };
          }
          start = end;
          beat({ file: file.key, rowsRead });
        }
      }

      const keyText = (row: FileRow) =>
        spec.primaryKey.length ? spec.primaryKey.map((c) => canonicalValue(c, row.values[c.name])).join(FIELD_SEPARATOR) : `#${row.order}`;
      const later = (a: FileRow, b: FileRow) =>
        a.seq !== undefined && b.seq !== undefined ? compareSeq(a.seq, b.seq) > 0 : a.order > b.order;
      /**
       * Whether a CDC change replaces a full-load row of the same key. Whether DMS fills `$AR_H_CHANGE_SEQ` in
       * full-load rows is unverified (FIDELITY.md): with a sequence on both, the sequence decides; a full-load row
       * without one is ordered by its load time against the time the change's CDC file was written (both DMS's
       * clock; a commit time is the source's), a tie going to the change — so CDC written before a reload never
       * overrides the reloaded rows, and changes cached during a load (written after it) replace the rows they
       * changed. Without those times the change wins, as a lake reader that sorts empty sequences first would do.
       */
      const replaces = (change: FileRow, load: FileRow) => {
        if (change.seq !== undefined && load.seq === undefined && change.at !== undefined && load.at !== undefined)
          return change.at >= load.at;
        if (change.seq !== undefined && load.seq === undefined) return true;
        return later(change, load);
      };

      // 1. The last change of each key in the CDC files.
      const changes = new Map<string, FileRow>();
      if (!input.loadFilesOnly) {
        if (cdcFiles.length && spec.primaryKey.length === 0)
          problems.push(`CDC changes cannot be folded without a primary key: ${cdcFiles.length} CDC files ignored`);
        else
          for (const file of cdcFiles) {
            for await (const row of readFile(file, true)) {
              const key = keyText(row);
              const seen = changes.get(key);
              if (!seen || later(row, seen)) changes.set(key, row);
            }
          }
      }

      const keyHash = new HashAccumulator();
      const rowHash = new HashAccumulator();
      const lobHash = new HashAccumulator();
      const lobMax = new Map<string, number | null>(lobs.map((c) => [c.name, null]));
      const distributions = new Map<string, Map<string, LabelCount>>(spec.categorical.map((c) => [c.name, new Map()]));
      const count = (row: FileRow) => {
        const keyParts = spec.primaryKey.map((c) => canonicalValue(c, row.values[c.name]));
        const labels = spec.categorical.map((c) => categoricalValue(row.values[c.name]));
        if (keyParts.length) {
          keyHash.add(keyParts.join(FIELD_SEPARATOR));
          if (labels.length) rowHash.add([...keyParts, ...labels].join(FIELD_SEPARATOR));
          if (lobs.length) {
            const lengths = lobs.map((c) => {
              const bytes = byteLength(row.values[c.name]);
              if (bytes !== null) lobMax.set(c.name, Math.max(lobMax.get(c.name) ?? 0, bytes));
              return bytes === null ? NULL_TEXT : String(bytes);
            });
            lobHash.add([...keyParts, ...lengths].join(FIELD_SEPARATOR));
          }
        } else {
          keyHash.count++;
        }
        for (const column of spec.categorical) {
          const value = row.values[column.name];
          const label = value === null || value === undefined ? null : categoricalValue(value);
          const counts = distributions.get(column.name)!;
          const slot = label === null ? '\u0000' : `=${label}`;
          const entry = counts.get(slot) ?? { label, rows: 0 };
          entry.rows++;
          counts.set(slot, entry);
        }
      };

      // 2. Full-load rows, unless a later change replaced them; 3. then the changes that survive, deletes dropped.
      // Full-load rows are inserts: their change sequence matters only against a change to the same key.
      for (const file of loadFiles) {
        for await (const row of readFile(file, changes.size > 0)) {
          const change = changes.get(keyText(row));
          if (change && replaces(change, row)) continue;
          if (change) changes.delete(keyText(row));
          count(row);
        }
      }
      for (const change of changes.values()) if (change.op !== 'D') count(change);

      countS3BytesRead('parquet-columns', counter.bytes);
      if (spec.primaryKeyUnsupported) problems.push(spec.primaryKeyUnsupported);
      return {
        prefix: input.prefix,
        rows: keyHash.count,
        primaryKey: spec.primaryKey.length ? keyHash.result() : undefined,
        rowHash: spec.primaryKey.length && spec.categorical.length ? rowHash.result() : undefined,
        ...(lobs.length ? { lobLengths: lobHash.result(), lobMaxBytes: Object.fromEntries(lobMax) } : {}),
        distributions: Object.fromEntries(
          [...distributions].map(([column, counts]) => [
            column,
            [...counts.values()].sort((a, b) => String(a.label).localeCompare(String(b.label))),
          ]),
        ),
        problems,
        files: { load: loadFiles.length, cdc: cdcFiles.length },
        rowsRead,
        bytesRead: counter.bytes,
      };
    },
  };
}
