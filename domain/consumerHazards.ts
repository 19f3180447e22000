import { ConsumerConfig } from './consumers';

/**
 * What a file-rewriting runbook does to the lake's consumers, found at plan time and shown in the plan with the
 * remedy the runbook applies (docs/downstream.md#hazards).
 */

export interface ConsumerHazard {
  kind: 'same-keys-again' | 'schema-change' | 'load-rows-without-change-seq' | 'no-rebuild-job';
  table: string;
  detail: string;
  remedy: string;
}

/** DMS's full-load file names (s3Layout: 8 hexadecimal digits). */
const LOAD_FILE = /(^|\/)LOAD[0-9A-F]{8}\.parquet$/;

/**
 * The folder a full load started now writes to: with DatePartitionEnabled, the date (DatePartitionTimezone, default
 * UTC) of the time the folder and file are created ("Using Amazon S3 as a target", DatePartitionTimezone); without it,
 * the table's prefix itself.
 */
export function loadFolder(tablePrefix: string, datePartitioned: boolean, now: Date): string {
  if (!datePartitioned) return tablePrefix;
  const d = now.toISOString().slice(0, 10).replace(/-/g, '');
  return `${tablePrefix}${d}/`;
}

/**
 * Keys a full load started at `now` may write again under a table's prefix: LOAD files directly under it (no date
 * partition), and LOAD files in `YYYYMMDD` folders of today or later (a writer whose clock is ahead of the worker's —
 * the sandbox's emulated clock — writes into a later folder; such a folder can only be the one the load writes to).
 */
export function loadKeysAtRisk(keys: string[], tablePrefix: string, now: Date): string[] {
  const today = loadFolder(tablePrefix, true, now).slice(tablePrefix.length, -1);
  return keys
    .filter((k) => {
      if (!k.startsWith(tablePrefix) || !LOAD_FILE.test(k)) return false;
      const folders = k.slice(tablePrefix.length).split('/').slice(0, -1);
      return folders.length === 0 || (folders.length === 1 && /^\d{8}$/.test(folders[0]!) && folders[0]! >= today);
    })
    .sort();
}

/**
 * Keys DMS will write again: full-load files already under the folder the new load writes to. DMS names them
 * LOAD00000001.parquet, … per table and date folder, so a second load that day writes paths the consumer has seen.
 */
export function loadKeyCollisions(existingKeys: string[], folder: string): string[] {
  return existingKeys.filter((k) => k.startsWith(folder) && !k.slice(folder.length).includes('/') && LOAD_FILE.test(k)).sort();
}

export function sameKeysHazard(table: string, collisions: string[]): ConsumerHazard | undefined {
  if (!collisions.length) return undefined;
  const shown = collisions.slice(0, 3).join(', ') + (collisions.length > 3 ? ` (+${collisions.length - 3} more)` : '');
  return {
    kind: 'same-keys-again',
    table,
    detail:
      `DMS will write ${collisions.length} key(s) the consumer has already read: ${shown}. An exactly-once file source ` +
      `(Auto Loader with cloudFiles.allowOverwrites false, its default: "files are processed exactly once") skips a path it ` +
      `has seen, so the reloaded rows would never reach the table`,
    remedy: 'the rebuild re-reads the table from its live files (by the marker), whatever paths the ingestion has seen',
  };
}

/** A runbook adds or changes columns of tables nobody asked about (onboardTable adding $AR_H_* to every table of a task). */
export function schemaChangeHazard(table: string, columns: string[], cause: string): ConsumerHazard {
  return {
    kind: 'schema-change',
    table,
    detail: `${cause}: files written from now on carry ${columns.join(', ')}, files written before do not`,
    remedy:
      'the consumer is paused while the change is made and rebuilt after it; its ingestion must accept new columns (schema evolution, e.g. mergeSchema / cloudFiles.schemaEvolutionMode addNewColumns)',
  };
}

/**
 * Full-load rows may carry an empty `$AR_H_CHANGE_SEQ` (unverified for DMS: sandbox/dms-emulator/FIDELITY.md, "Full-load
 * rows carry a $AR_H_CHANGE_SEQ — or an empty one"). A MERGE ordered by change sequence alone may then keep a stale
 * CDC row over the reloaded LOAD row.
 */
export function loadRowsHazard(table: string): ConsumerHazard {
  return {
    kind: 'load-rows-without-change-seq',
    table,
    detail:
      'the reload writes full-load rows whose $AR_H_CHANGE_SEQ may be empty; a silver MERGE ordered by change sequence alone may keep stale CDC rows over them',
    remedy:
      'the rebuild takes the LOAD rows written after the marker as the snapshot baseline, then applies only the CDC files written after them, by change sequence',
  };
}

export function noRebuildHazard(table: string, consumer: ConsumerConfig): ConsumerHazard | undefined {
  if (consumer.kind === 'webhook' || consumer.rebuildJobId !== undefined) return undefined;
  return {
    kind: 'no-rebuild-job',
    table,
    detail: `consumer "${consumer.name}" has no rebuildJobId: nothing can re-read ${table} after its files are rewritten`,
    remedy: `set consumers[name=${consumer.name}].rebuildJobId to a job that rebuilds one table from its live files (docs/downstream.md#databricks-setup)`,
  };
}

/** Hazards that refuse the run: a rewrite no consumer can repair. */
export function refusingHazards(hazards: ConsumerHazard[]): ConsumerHazard[] {
  return hazards.filter((h) => h.kind === 'no-rebuild-job');
}

export function describeHazard(h: ConsumerHazard): string {
  return `${h.table}: ${h.detail}. Remedy: ${h.remedy}`;
}
