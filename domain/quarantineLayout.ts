import { keySegment, SegmentRule } from './keySegment';
import { TableName } from './tableName';

/**
 * Where a fullReload puts a table's files aside, at the bucket root so downstream readers of the target folder
 * never see them:
 *
 *   _quarantine/<workflow id>/<original key>                    the table's files before the reload
 *   _quarantine/<workflow id>/_rolled-back/<original key>       the reload's files, moved aside by a rollback
 *   _quarantine/<workflow id>/_manifests/<schema>.<table>.<stage>.json   what each move listed (quarantine, rollback, restore)
 */

export const QUARANTINE_ROOT = '_quarantine/';

export interface QuarantineLayout {
  table: TableName;
  /** `<folder>/<schema>/<table>/`: what DMS writes and readers read. */
  tablePrefix: string;
  quarantinePrefix: string;
  rolledBackPrefix: string;
  manifests: { quarantine: string; rollback: string; restore: string };
}

/** A run's quarantine folder, `_quarantine/<workflow id as a key segment>/` (backfill names its folders by `plain`). */
export function quarantineRoot(workflowId: string, rule: SegmentRule = 'key'): string {
  return `${QUARANTINE_ROOT}${keySegment(workflowId, rule)}/`;
}

export function tablePrefix(folder: string, table: TableName): string {
  return `${folder ? `${folder}/` : ''}${table.schema}/${table.table}/`;
}

export function quarantineLayout(workflowId: string, folder: string, table: TableName): QuarantineLayout {
  const root = quarantineRoot(workflowId);
  const prefix = tablePrefix(folder, table);
  const manifest = (stage: string) => `${root}_manifests/${table.schema}.${table.table}.${stage}.json`;
  return {
    table,
    tablePrefix: prefix,
    quarantinePrefix: `${root}${prefix}`,
    rolledBackPrefix: `${root}_rolled-back/${prefix}`,
    manifests: { quarantine: manifest('quarantine'), rollback: manifest('rollback'), restore: manifest('restore') },
  };
}
