import { z } from 'zod';

/**
 * Schema drift of replicated tables: two snapshots of `information_schema.COLUMNS` compared column by column, each
 * change classified by what it does to DMS. The binlog carries ENUM/SET values as indexes and row images by column
 * position, and DMS decodes them with the metadata it captured at the table's last load: any change that moves an
 * index or a position makes CDC write wrong values until the table is reloaded.
 */

export interface ColumnSnapshot {
  name: string;
  position: number;
  dataType: string;
  columnType: string;
  nullable: boolean;
  default: string | null;
  charset: string | null;
}

export interface SchemaSnapshot {
  version: 1;
  pipeline: string;
  takenAt: string;
  /** The workflow run that took it. */
  takenBy: string;
  /** `schema.table` → its columns in ordinal order. */
  tables: Record<string, ColumnSnapshot[]>;
}

/** `safe`: logged only. `review`: notified, no reload. `unsafe`: values written by CDC may be wrong; reload proposed. */
export const severitySchema = z.enum(['safe', 'review', 'unsafe']);
export type Severity = z.infer<typeof severitySchema>;

export const changeKindSchema = z.enum([
  'enum-values-appended',
  'enum-values-reordered',
  'enum-values-inserted',
  'enum-values-removed',
  'type-widened',
  'type-changed',
  'charset-changed',
  'column-added-at-end',
  'column-added-in-middle',
  'column-dropped',
  'column-renamed',
  'column-moved',
  'nullability-changed',
  'default-changed',
]);
export type ChangeKind = z.infer<typeof changeKindSchema>;

export const schemaChangeSchema = z
  .object({
    table: z.string().max(129),
    column: z.string().max(64).optional(),
    kind: changeKindSchema,
    severity: severitySchema,
    before: z.string().max(4000).optional(),
    after: z.string().max(4000).optional(),
    detail: z.string().max(2000),
  })
  .strict();
export type SchemaChange = z.infer<typeof schemaChangeSchema>;

export interface TableDrift {
  table: string;
  /** The worst severity among its changes. */
  severity: Severity;
  changes: SchemaChange[];
}

export interface SnapshotDiff {
  /** Tables with at least one change, worst first. */
  tables: TableDrift[];
  /** Replicated now, absent from the previous snapshot: their baseline starts here. */
  newTables: string[];
  /** In the previous snapshot, no longer replicated (or no longer on the source). */
  goneTables: string[];
}

const RANK: Record<Severity, number> = { safe: 0, review: 1, unsafe: 2 };

export function worstSeverity(severities: Severity[]): Severity {
  return severities.reduce<Severity>((worst, s) => (RANK[s] > RANK[worst] ? s : worst), 'safe');
}

/** The labels of `enum('a','b''c')` / `set(…)` as MySQL writes COLUMN_TYPE; undefined for other types. */
export function enumLabels(columnType: string): string[] | undefined {
  const match = /^(enum|set)\((.*)\)$/is.exec(columnType.trim());
  if (!match) return undefined;
  const body = match[2]!;
  const labels: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] !== "'") {
      i++;
      continue;
    }
    let label = '';
    i++;
    while (i < body.length) {
      if (body[i] === "'" && body[i + 1] === "'") {
        label += "'";
        i += 2;
      } else if (body[i] === '\\' && i + 1 < body.length) {
        label += body[i + 1];
        i += 2;
      } else if (body[i] === "'") {
        i++;
        break;
      } else {
        label += body[i];
        i++;
      }
    }
    labels.push(label);
  }
  return labels;
}

const quoteList = (labels: string[]) => labels.map((l) => `'${l}'`).join(', ');

/** How a list of ENUM/SET labels changed; undefined when it did not. */
export function classifyEnumChange(
  before: string[],
  after: string[],
): { kind: ChangeKind; severity: Severity; detail: string } | undefined {
  if (before.length === after.length && before.every((l, i) => l === after[i])) return undefined;
  const appendedOnly = after.length > before.length && before.every((l, i) => after[i] === l);
  if (appendedOnly) {
    return {
      kind: 'enum-values-appended',
      severity: 'safe',
      detail: `values ${quoteList(after.slice(before.length))} appended at the end: existing indexes keep their labels`,
    };
  }
  const removed = before.filter((l) => !after.includes(l));
  if (removed.length) {
    return {
      kind: 'enum-values-removed',
      severity: 'unsafe',
      detail: `values ${quoteList(removed)} removed: the indexes of the values after them moved, CDC decodes them with the old list`,
    };
  }
  const kept = after.filter((l) => before.includes(l));
  const orderKept = kept.every((l, i) => l === before[i]);
  if (orderKept) {
    const inserted = after.filter((l) => !before.includes(l));
    return {
      kind: 'enum-values-inserted',
      severity: 'unsafe',
      detail: `values ${quoteList(inserted)} inserted before existing values: the indexes of the values after them moved, CDC decodes them with the old list`,
    };
  }
  const moved = before.filter((l) => after.indexOf(l) !== before.indexOf(l));
  return {
    kind: 'enum-values-reordered',
    severity: 'unsafe',
    detail: `values reordered (${quoteList(moved)} changed index): CDC writes the label of the old index for every new change`,
  };
}

const INTEGER_RANK: Record<string, number> = { tinyint: 1, smallint: 2, mediumint: 3, int: 4, integer: 4, bigint: 5 };
const TEXT_RANK: Record<string, number> = { tinytext: 1, text: 2, mediumtext: 3, longtext: 4 };
const BLOB_RANK: Record<string, number> = { tinyblob: 1, blob: 2, mediumblob: 3, longblob: 4 };

function lengthOf(columnType: string): number[] {
  const match = /\(([\d,\s]+)\)/.exec(columnType);
  return match ? match[1]!.split(',').map((n) => Number(n.trim())) : [];
}

/** A change DMS takes in its stride (the values keep their meaning), or undefined when it is not one. */
function widening(before: ColumnSnapshot, after: ColumnSnapshot): string | undefined {
  const b = before.dataType.toLowerCase();
  const a = after.dataType.toLowerCase();
  const unsigned = (c: ColumnSnapshot) => /unsigned/i.test(c.columnType);
  if (b in INTEGER_RANK && a in INTEGER_RANK && unsigned(before) === unsigned(after) && INTEGER_RANK[a]! >= INTEGER_RANK[b]!)
    return 'a wider integer';
  if ((b === 'varchar' || b === 'char') && a === b && (lengthOf(after.columnType)[0] ?? 0) >= (lengthOf(before.columnType)[0] ?? 0))
    return 'a longer string';
  if (b === 'varchar' && a in TEXT_RANK) return 'a text type';
  if (b in TEXT_RANK && a in TEXT_RANK && TEXT_RANK[a]! >= TEXT_RANK[b]!) return 'a larger text type';
  if (b === 'varbinary' && a === 'varbinary' && (lengthOf(after.columnType)[0] ?? 0) >= (lengthOf(before.columnType)[0] ?? 0))
    return 'a longer binary string';
  if (b in BLOB_RANK && a in BLOB_RANK && BLOB_RANK[a]! >= BLOB_RANK[b]!) return 'a larger blob type';
  if (b === 'decimal' && a === 'decimal') {
    const [bp = 10, bs = 0] = lengthOf(before.columnType);
    const [ap = 10, as = 0] = lengthOf(after.columnType);
    if (as === bs && ap >= bp) return 'a larger precision with the same scale';
  }
  if (b === 'float' && a === 'double') return 'double precision';
  return undefined;
}

function change(
  table: string,
  kind: ChangeKind,
  severity: Severity,
  detail: string,
  extra: { column?: string; before?: string; after?: string } = {},
): SchemaChange {
  return { table, kind, severity, detail, ...extra };
}

/** The changes of one table's columns, in column order. */
export function diffTableColumns(table: string, before: ColumnSnapshot[], after: ColumnSnapshot[]): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const oldByName = new Map(before.map((c) => [c.name, c]));
  const newByName = new Map(after.map((c) => [c.name, c]));
  let dropped = before.filter((c) => !newByName.has(c.name));
  let added = after.filter((c) => !oldByName.has(c.name));

  // A column dropped and one added at the same position with the same type is a rename.
  for (const gone of [...dropped]) {
    const twin = added.find((c) => c.position === gone.position && c.columnType === gone.columnType);
    if (!twin) continue;
    changes.push(
      change(
        table,
        'column-renamed',
        'review',
        `renamed from ${gone.name} to ${twin.name}: values stay right, but files written by CDC keep the old name until the table is reloaded`,
        { column: twin.name, before: gone.name, after: twin.name },
      ),
    );
    dropped = dropped.filter((c) => c !== gone);
    added = added.filter((c) => c !== twin);
  }
  for (const gone of dropped) {
    changes.push(
      change(
        table,
        'column-dropped',
        'unsafe',
        `dropped: row images lost a column, and CDC decodes the columns after it with the old positions`,
        { column: gone.name, before: gone.columnType },
      ),
    );
  }
  const lastOldPosition = Math.max(0, ...after.filter((c) => oldByName.has(c.name)).map((c) => c.position));
  for (const fresh of added) {
    const atEnd = fresh.position > lastOldPosition;
    changes.push(
      atEnd
        ? change(
            table,
            'column-added-at-end',
            'review',
            `added at the end: only files written after it carry the column (readers must merge schemas); a reload rewrites every file with it`,
            { column: fresh.name, after: fresh.columnType },
          )
        : change(
            table,
            'column-added-in-middle',
            'unsafe',
            `added before existing columns: CDC decodes the columns after it with the old positions`,
            { column: fresh.name, after: fresh.columnType },
          ),
    );
  }

  // Columns present in both: a different relative order means a column was moved (MODIFY … AFTER / FIRST).
  const commonBefore = before.filter((c) => newByName.has(c.name)).map((c) => c.name);
  const commonAfter = after.filter((c) => oldByName.has(c.name)).map((c) => c.name);
  const moved = commonAfter.filter((name, i) => commonBefore[i] !== name);
  for (const name of moved) {
    changes.push(
      change(table, 'column-moved', 'unsafe', `moved to another position: CDC decodes the row images with the old column order`, {
        column: name,
        before: `position ${oldByName.get(name)!.position}`,
        after: `position ${newByName.get(name)!.position}`,
      }),
    );
  }

  for (const now of after) {
    const was = oldByName.get(now.name);
    if (!was) continue;
    const oldLabels = enumLabels(was.columnType);
    const newLabels = enumLabels(now.columnType);
    if (oldLabels && newLabels && was.dataType.toLowerCase() === now.dataType.toLowerCase()) {
      const enumChange = classifyEnumChange(oldLabels, newLabels);
      if (enumChange)
        changes.push(
          change(table, enumChange.kind, enumChange.severity, `${now.dataType.toUpperCase()} ${enumChange.detail}`, {
            column: now.name,
            before: was.columnType,
            after: now.columnType,
          }),
        );
    } else if (was.columnType.toLowerCase() !== now.columnType.toLowerCase()) {
      const wider = widening(was, now);
      changes.push(
        wider
          ? change(table, 'type-widened', 'review', `type widened to ${wider}: values keep their meaning; downstream schemas change`, {
              column: now.name,
              before: was.columnType,
              after: now.columnType,
            })
          : change(
              table,
              'type-changed',
              'unsafe',
              `type changed: CDC decodes new values with the old type, and files before and after disagree`,
              { column: now.name, before: was.columnType, after: now.columnType },
            ),
      );
    }
    if ((was.charset ?? null) !== (now.charset ?? null) && was.charset && now.charset) {
      changes.push(
        change(table, 'charset-changed', 'unsafe', `character set changed: CDC decodes new values with the old character set`, {
          column: now.name,
          before: was.charset,
          after: now.charset,
        }),
      );
    }
    if (was.nullable !== now.nullable) {
      changes.push(
        change(table, 'nullability-changed', 'safe', now.nullable ? 'now nullable' : 'now NOT NULL', {
          column: now.name,
          before: was.nullable ? 'NULL' : 'NOT NULL',
          after: now.nullable ? 'NULL' : 'NOT NULL',
        }),
      );
    }
    if ((was.default ?? null) !== (now.default ?? null)) {
      changes.push(
        change(table, 'default-changed', 'safe', 'default value changed (affects new rows only)', {
          column: now.name,
          before: String(was.default),
          after: String(now.default),
        }),
      );
    }
  }
  return changes;
}

/** Compares two snapshots; tables first seen now are a baseline, not a change. */
export function diffSnapshots(previous: SchemaSnapshot | undefined, current: SchemaSnapshot): SnapshotDiff {
  if (!previous) return { tables: [], newTables: Object.keys(current.tables).sort(), goneTables: [] };
  const tables: TableDrift[] = [];
  for (const [table, columns] of Object.entries(current.tables)) {
    const before = previous.tables[table];
    if (!before) continue;
    const changes = diffTableColumns(table, before, columns);
    if (changes.length) tables.push({ table, severity: worstSeverity(changes.map((c) => c.severity)), changes });
  }
  const goneTables = Object.keys(previous.tables)
    .filter((t) => !(t in current.tables))
    .sort();
  tables.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.table.localeCompare(b.table));
  return { tables, newTables: Object.keys(current.tables).filter((t) => !(t in previous.tables)), goneTables };
}

/** A one-line summary of one table's drift for notifications and reload reasons. */
export function describeDrift(drift: TableDrift): string {
  return `${drift.table} (${drift.severity}): ${drift.changes
    .map((c) => `${c.column ? `${c.column} ` : ''}${c.kind}${c.before !== undefined ? ` ${c.before} → ${c.after ?? '(gone)'}` : ''}`)
    .join('; ')}`;
}
