import type { RunbookKind } from './config';

/**
 * Search attribute values within the server's limits. Temporal's frontend refuses an upsert whose value is over
 * `frontend.searchAttributesSizeOfValueLimit` ("the size limit of each value", default 2*1024 bytes) or whose map is
 * over `frontend.searchAttributesTotalSizeLimit` ("the size limit of the whole map", default 40*1024 bytes)
 * (temporalio/temporal, common/dynamicconfig/constants.go); a workflow task that upserts more fails, again and again.
 * Our budget stays well under both on a server with the defaults: RunbookTarget at most 256 bytes, RunbookTables at
 * most 1,536 bytes encoded (a keyword list is one value), the four attributes together under 2 KB.
 */
export const TARGET_MAX_BYTES = 256;
export const TABLES_MAX_BYTES = 1536;

/** Runbooks whose target is a table, or tables joined by commas. */
const TABLE_KINDS: RunbookKind[] = ['onboardTable', 'fullReload', 'backfillPartitions'];

const bytes = (s: string) => new TextEncoder().encode(s).length;

/** The tables a runbook acts on, from its target (none for runbooks on an instance, a source, the pipeline). */
export function targetTables(kind: RunbookKind, target: string): string[] {
  return TABLE_KINDS.includes(kind) && target ? target.split(',') : [];
}

/**
 * The target as is when short; otherwise how many tables and as many names as fit, e.g.
 * `100 tables: shop.a,shop.b,… (+98 more)`; a single long value is cut with its size.
 */
export function boundedTarget(target: string, tables: string[] = []): string {
  if (bytes(target) <= TARGET_MAX_BYTES) return target;
  if (tables.length > 1) {
    const shown: string[] = [];
    const line = (more: number) => `${tables.length} tables: ${shown.join(',')}${more ? `,… (+${more} more)` : ''}`;
    for (const table of tables) {
      shown.push(table);
      if (bytes(line(tables.length - shown.length)) > TARGET_MAX_BYTES) {
        shown.pop();
        break;
      }
    }
    return line(tables.length - shown.length);
  }
  const suffix = `… (${bytes(target)} bytes)`;
  let cut = target.slice(0, TARGET_MAX_BYTES - bytes(suffix));
  while (bytes(cut) + bytes(suffix) > TARGET_MAX_BYTES) cut = cut.slice(0, -1);
  return `${cut}${suffix}`;
}

/** As many table names as fit in TABLES_MAX_BYTES (as the JSON list the server measures), in the order given. */
export function boundedTables(tables: string[]): string[] {
  const kept: string[] = [];
  for (const table of tables) {
    if (bytes(JSON.stringify([...kept, table])) > TABLES_MAX_BYTES) break;
    kept.push(table);
  }
  return kept;
}
