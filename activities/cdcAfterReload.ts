import { ApplicationFailure, Context, heartbeat } from '@temporalio/activity';
import { cachedAsyncBuffer, parquetMetadataAsync } from 'hyparquet';
import type { RowDataPacket } from 'mysql2/promise';
import { type CdcAfterReloadCheck, type ChangedRow, compareChangedRows, type SourceRows } from '../domain/cdcAfterReload';
import type { TableName } from '../domain/tableName';
import { type ChecksumSpec, FIELD_SEPARATOR } from '../domain/verification';
import type { ActivityDeps } from './deps';
import { countS3BytesRead } from './metrics';
import { readExactRows } from './parquetExactRows';
import { listObjectPages } from './s3Objects';
import {
  canonicalSql,
  canonicalValue,
  categoricalSql,
  categoricalValue,
  compareSeq,
  identifier,
  LOAD_FILE,
  s3AsyncBuffer,
  scalarText,
} from './tableChecksums';
import { Failure } from '../contracts/failures';

const KEYS_PER_QUERY = 500;

/**
 * The CDC written after a reload against the source (domain/cdcAfterReload.ts): the CDC files under the table's
 * prefix written after its newest LOAD file (S3 LastModified, one clock for both; every CDC file when the reload of an
 * empty table wrote none — fullReload quarantined the prefix first), folded to the last change of each
 * key, compared with the source's current rows fetched by primary key. With `wait`, too few changed rows is a
 * retryable "still waiting" (the wait polls through the retry policy, like the DMS waits).
 */
export function cdcAfterReloadActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;
  const pollMs = deps.config.waits.pollSeconds * 1000;

  return {
    async checkCdcAfterReload(input: {
      source: string;
      table: TableName;
      prefix: string;
      spec: ChecksumSpec;
      minRows: number;
      wait: boolean;
    }): Promise<CdcAfterReloadCheck> {
      const { spec } = input;
      const options = { minRows: input.minRows, cdcFiles: 0 };
      if (spec.primaryKey.length === 0 || spec.primaryKeyUnsupported)
        return compareChangedRows(spec.table, [], new Map(), {
          ...options,
          problems: [spec.primaryKeyUnsupported ?? 'the table has no primary key: changed rows cannot be matched with the source'],
        });
      const load: Date[] = [];
      const cdc: Array<{ key: string; size: number; at: Date }> = [];
      for await (const page of listObjectPages(deps.s3, bucket, input.prefix)) {
        for (const o of page) {
          if (!o.Key?.endsWith('.parquet')) continue;
          const at = o.LastModified ?? new Date(0);
          if (LOAD_FILE.test(o.Key)) load.push(at);
          else cdc.push({ key: o.Key, size: o.Size ?? 0, at });
        }
      }
      // No LOAD file: the table had no rows when it was reloaded (DMS writes no object for a table without rows, "Using
      // Amazon S3 as a target for AWS DMS"). fullReload moved every earlier file of the prefix to its quarantine before
      // the reload, so each CDC file here was written since: all of them are judged.
      const reloadedAt = load.length === 0 ? 0 : Math.max(...load.map((d) => d.getTime()));
      const after = cdc.filter((f) => f.at.getTime() >= reloadedAt).sort((a, b) => a.key.localeCompare(b.key));

      // The last change of each key, by change sequence (file and row order when the files carry none).
      const counter = { bytes: 0 };
      const problems: string[] = [];
      const last = new Map<string, ChangedRow & { seq?: string; order: number }>();
      const wanted = [...spec.primaryKey.map((c) => c.name), ...spec.categorical.map((c) => c.name)];
      let order = 0;
      for (const file of after) {
        const buffer = cachedAsyncBuffer(s3AsyncBuffer(deps.s3, bucket, file.key, file.size, counter));
        const metadata = await parquetMetadataAsync(buffer, { initialFetchSize: 64 * 1024 });
        const names = metadata.schema.slice(1).map((e) => e.name);
        const missing = wanted.filter((c) => !names.includes(c));
        if (missing.length) {
          problems.push(`${file.key}: no column ${missing.join(', ')}`);
          continue;
        }
        const seqColumn = names.find((n) => n.toLowerCase() === 'ar_h_change_seq');
        const opColumn = names.find((n) => n === 'Op');
        const columns = [...wanted, ...(seqColumn ? [seqColumn] : []), ...(opColumn ? [opColumn] : [])];
        for (const row of await readExactRows({ file: buffer, metadata, columns })) {
          const key = spec.primaryKey.map((c) => canonicalValue(c, row[c.name])).join(FIELD_SEPARATOR);
          const seq = seqColumn && row[seqColumn] != null ? scalarText(row[seqColumn]) : undefined;
          const op = (opColumn && row[opColumn] != null ? scalarText(row[opColumn]) : 'I') as ChangedRow['op'];
          const labels = Object.fromEntries(spec.categorical.map((c) => [c.name, categoricalValue(row[c.name])]));
          const candidate = { key, op, labels, seq, order: order++ };
          const seen = last.get(key);
          const newer =
            !seen || (seen.seq !== undefined && seq !== undefined ? compareSeq(seq, seen.seq) > 0 : candidate.order > seen.order);
          if (newer) last.set(key, candidate);
        }
        heartbeat({ file: file.key });
      }
      countS3BytesRead('parquet-columns', counter.bytes);

      // The source's current rows for those keys.
      const source: SourceRows = new Map();
      const keys = [...last.values()];
      const from = `${identifier(input.table.schema)}.${identifier(input.table.table)}`;
      const keyText = `CONCAT_WS(CHAR(${FIELD_SEPARATOR.charCodeAt(0)} USING utf8mb4), ${spec.primaryKey.map(canonicalSql).join(', ')})`;
      const tuple = `(${spec.primaryKey.map((c) => identifier(c.name)).join(', ')})`;
      for (let i = 0; i < keys.length; i += KEYS_PER_QUERY) {
        const chunk = keys.slice(i, i + KEYS_PER_QUERY);
        const placeholders = chunk.map(() => `(${spec.primaryKey.map(() => '?').join(', ')})`).join(', ');
        const rows = await deps.sources.query<RowDataPacket>(
          input.source,
          `SELECT ${keyText} AS k${spec.categorical.map((c, j) => `, ${categoricalSql(c.name)} AS c${j}`).join('')} FROM ${from} WHERE ${tuple} IN (${placeholders})`,
          chunk.flatMap((row) => row.key.split(FIELD_SEPARATOR)),
          // The writer: a replica behind by its lag would show values older than the CDC just captured.
          'writer',
        );
        for (const row of rows)
          source.set(String(row.k), Object.fromEntries(spec.categorical.map((c, j) => [c.name, String(row[`c${j}`])])));
      }

      const { mismatchedKeys, ...result } = compareChangedRows(spec.table, keys, source, { ...options, cdcFiles: after.length, problems });
      const info = Context.current().info;
      // A row changed again since its CDC file was written disagrees for a moment (latency): a mismatch counts when
      // the same key still disagrees one poll later (the suspects travel in the heartbeat details between attempts).
      const suspects = (info.heartbeatDetails as { suspects?: string[] } | undefined)?.suspects ?? [];
      const confirmed = (mismatchedKeys ?? []).filter((k) => suspects.includes(k));
      const unconfirmed = result.verdict === 'mismatch' && confirmed.length === 0;
      if (input.wait && (result.verdict === 'not-enough-cdc' || unconfirmed)) {
        heartbeat({ lastSeen: result.detail, suspects: (mismatchedKeys ?? []).slice(0, 1000) });
        throw ApplicationFailure.create({
          type: Failure.StillWaiting,
          message: `still waiting: ${unconfirmed ? `to confirm: ${result.detail}` : result.detail} (check ${info.attempt})`,
          nextRetryDelay: pollMs,
        });
      }
      return result;
    },
  };
}
