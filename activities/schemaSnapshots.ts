import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import type { RowDataPacket } from 'mysql2/promise';
import type { CallRecord } from '../domain/audit';
import { ColumnSnapshot, diffSnapshots, SchemaSnapshot, SnapshotDiff } from '../domain/schemaDrift';
import { formatTableName, TableName } from '../domain/tableName';
import { callRecord } from './callRecords';
import { keySegment } from '../domain/keySegment';
import type { ActivityDeps } from './deps';
import { putJsonObject, readJsonObject } from './s3Objects';

/**
 * Schema snapshots of the replicated tables, stored in the target bucket:
 *
 *   <prefix>/latest.json                      the snapshot the next run compares with
 *   <prefix>/history/<taken at>.json          every committed snapshot
 *   <prefix>/pending/<workflow id>.json       taken by a run that has not committed it yet (deleted by a run that
 *                                             keeps its snapshot back: discardSchemaSnapshot)
 *
 * Reading the source and the bucket happens in the same activity so that a snapshot (which grows with the number of
 * tables and can outgrow a Temporal payload) never travels through workflow history: the workflow sees only the diff.
 * A run commits its snapshot only after it has acted on the diff, so a crash in between makes the next attempt (or
 * the next run) see the same changes again rather than lose them.
 */

export interface SnapshotComparison {
  diff: SnapshotDiff;
  previous: { takenAt: string; takenBy: string } | null;
  tables: number;
  columns: number;
  pendingKey?: string;
}

const latestKey = (prefix: string) => `${prefix}/latest.json`;
const pendingKey = (prefix: string, runId: string) => `${prefix}/pending/${keySegment(runId)}.json`;

export function schemaSnapshotActivities(deps: ActivityDeps) {
  const bucket = deps.config.target.bucket;

  const readJson = <T>(key: string) => readJsonObject<T>(deps.s3, bucket, key);
  const putJson = (key: string, value: unknown) => putJsonObject(deps.s3, bucket, key, value);

  async function readColumns(source: string, tables: TableName[]): Promise<Record<string, ColumnSnapshot[]>> {
    const out: Record<string, ColumnSnapshot[]> = {};
    const bySchema = new Map<string, string[]>();
    for (const t of tables) bySchema.set(t.schema, [...(bySchema.get(t.schema) ?? []), t.table]);
    for (const [schema, names] of bySchema) {
      for (let i = 0; i < names.length; i += 500) {
        const rows = await deps.sources.query<RowDataPacket>(
          source,
          `SELECT TABLE_NAME AS t, COLUMN_NAME AS name, ORDINAL_POSITION AS position, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType,
                  IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, CHARACTER_SET_NAME AS charset
             FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN (?) ORDER BY TABLE_NAME, ORDINAL_POSITION`,
          [schema, names.slice(i, i + 500)],
        );
        for (const r of rows) {
          const key = formatTableName({ schema, table: String(r.t) });
          (out[key] ??= []).push({
            name: String(r.name),
            position: Number(r.position),
            dataType: String(r.dataType).toLowerCase(),
            columnType: String(r.columnType),
            nullable: r.nullable === 'YES',
            default: r.dflt === null || r.dflt === undefined ? null : String(r.dflt),
            charset: r.charset === null || r.charset === undefined ? null : String(r.charset),
          });
        }
      }
    }
    return out;
  }

  return {
    /**
     * Snapshots information_schema.COLUMNS of the tables, compares with `<prefix>/latest.json` and, unless `store`
     * is false, leaves the new snapshot pending for commitSchemaSnapshot.
     */
    async compareSchemaSnapshot(input: {
      prefix: string;
      runId: string;
      sources: Array<{ source: string; tables: TableName[] }>;
      store: boolean;
    }): Promise<SnapshotComparison> {
      const tables: Record<string, ColumnSnapshot[]> = {};
      for (const { source, tables: wanted } of input.sources) Object.assign(tables, await readColumns(source, wanted));
      const sorted = Object.fromEntries(Object.entries(tables).sort(([a], [b]) => a.localeCompare(b)));
      const current: SchemaSnapshot = {
        version: 1,
        pipeline: deps.config.name,
        takenAt: new Date().toISOString(),
        takenBy: input.runId,
        tables: sorted,
      };
      const previous = await readJson<SchemaSnapshot>(latestKey(input.prefix));
      const diff = diffSnapshots(previous, current);
      let pending: string | undefined;
      if (input.store) {
        pending = pendingKey(input.prefix, input.runId);
        await putJson(pending, current);
      }
      return {
        diff,
        previous: previous ? { takenAt: previous.takenAt, takenBy: previous.takenBy } : null,
        tables: Object.keys(sorted).length,
        columns: Object.values(sorted).reduce((sum, c) => sum + c.length, 0),
        pendingKey: pending,
      };
    },

    /** Makes the run's pending snapshot the one the next run compares with; a second call changes nothing. */
    async commitSchemaSnapshot(input: { prefix: string; runId: string }): Promise<CallRecord & { latestKey: string; historyKey?: string }> {
      const key = pendingKey(input.prefix, input.runId);
      const pending = await readJson<SchemaSnapshot>(key);
      const latest = latestKey(input.prefix);
      if (!pending) {
        const current = await readJson<SchemaSnapshot>(latest);
        const detail =
          current?.takenBy === input.runId ? 'already committed by this run' : 'no pending snapshot for this run (nothing to commit)';
        return { ...callRecord('s3', 'CommitSchemaSnapshot', `s3://${bucket}/${latest}`, 'skipped', detail), latestKey: latest };
      }
      const historyKey = `${input.prefix}/history/${pending.takenAt.replace(/[:.]/g, '-')}.json`;
      await putJson(historyKey, pending);
      await putJson(latest, pending);
      await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return {
        ...callRecord(
          's3',
          'CommitSchemaSnapshot',
          `s3://${bucket}/${latest}`,
          'done',
          `${Object.keys(pending.tables).length} tables, taken ${pending.takenAt}`,
          { historyKey },
        ),
        latestKey: latest,
        historyKey,
      };
    },

    /**
     * Deletes the run's pending snapshot without committing it: the run kept it back (an unsafe table has no reload),
     * so the next run compares with latest.json again. A retry changes nothing: "If you delete an object that does not
     * exist, Amazon S3 will return a success (not an error message)" (AWS SDK for .NET API reference, AmazonS3.DeleteObject).
     */
    async discardSchemaSnapshot(input: { prefix: string; runId: string }): Promise<CallRecord> {
      const key = pendingKey(input.prefix, input.runId);
      await deps.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      return callRecord(
        's3',
        'DiscardSchemaSnapshot',
        `s3://${bucket}/${key}`,
        'done',
        'kept back: the next run compares with latest.json again',
      );
    },
  };
}
