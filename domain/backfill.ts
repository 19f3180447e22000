import type { MarkerMove } from './consumerMarkers';
import { daysFrom, isoDate, spanDays } from './calendarDays';
import { fullLoadMinutes } from './instanceClasses';
import { keySegment } from './keySegment';
import { Plan, PlannedCall, PlannedPrefix } from './plan';
import { quarantineRoot, tablePrefix } from './quarantineLayout';
import { metadataRules, missingMetadata, selectionRule } from './tableMappings';
import { MappingRule, SourceFilter, TableMapping, transformationRules } from './tableMappingSchema';
import { formatTableName, TableName, tableMatches } from './tableName';

/**
 * Pure decisions of the backfillPartitions runbook. A DMS full load writes into the folder of the day it runs,
 * not the day of the row, so each partition day gets a temporary full-load task of its own: a source filter
 * keeps that day's rows, and a schema `rename` to the day makes its output land in a staging folder named for
 * the day, under a temporary S3 endpoint that only differs from the live one by its BucketFolder (and no date
 * folders). Publishing moves each staged day into the live partition folder the endpoint's settings name.
 */

export const DATE_COLUMN_TYPES = ['date', 'datetime', 'timestamp'];
/** Temporary tasks loading at once on the instance: enough to overlap start-up, few enough to leave CDC room. */
export const BACKFILL_PARALLEL_TASKS = 4;

/** Refusals of the range itself, named by field; `today` is the runbook's own (workflow) day, UTC. */
export function rangeRefusal(from: string, to: string, today: string, maxDays: number): string | undefined {
  if (to >= today) {
    return `to: ${to} is not a past day (today is ${today} by the runbook's clock, UTC): a backfill covers whole past days, and today's partition is still being written by CDC`;
  }
  const span = spanDays(from, to);
  if (span > maxDays) {
    return `to: ${from}–${to} spans ${span} days, more than thresholds.maxBackfillDays (${maxDays}); split it into backfills of at most ${maxDays} days`;
  }
  return undefined;
}

export interface ColumnInfo {
  name: string;
  dataType: string;
  columnType: string;
}

export function dateColumnRefusal(columns: ColumnInfo[], column: string, table: TableName): string | undefined {
  const found = columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!found) {
    return `dateColumn: ${formatTableName(table)} has no column ${column} (columns: ${columns.map((c) => c.name).join(', ')})`;
  }
  if (!DATE_COLUMN_TYPES.includes(found.dataType.toLowerCase())) {
    const dated = columns.filter((c) => DATE_COLUMN_TYPES.includes(c.dataType.toLowerCase())).map((c) => c.name);
    return `dateColumn: ${formatTableName(table)}.${found.name} is ${found.columnType}, not a date, datetime or timestamp column${dated.length ? ` (date columns: ${dated.join(', ')})` : ' (the table has no date column)'}`;
  }
  return undefined;
}

export interface PartitionNaming {
  sequence: 'YYYYMMDD' | 'MMYYYYDD' | 'DDMMYYYY';
  delimiter: 'NONE' | 'SLASH' | 'UNDERSCORE' | 'DASH';
  /**
   * DatePartitionTimezone (Area/Location), when set: the live folders are named by days of that zone (S3Settings:
   * "convert the current UTC time into a specified time zone ... when a date partition folder is created").
   */
  timezone?: string;
}

const DELIMITERS: Record<PartitionNaming['delimiter'], string> = { NONE: '', SLASH: '/', UNDERSCORE: '_', DASH: '-' };

/** The live endpoint's date-partition settings, if they name one folder per day (S3Settings defaults as DMS's). */
export function partitionNaming(
  s3Settings: Record<string, unknown> | undefined,
  endpoint: string,
): { ok: true; naming: PartitionNaming } | { ok: false; reason: string } {
  const s = s3Settings ?? {};
  if (s.DatePartitionEnabled !== true) {
    return {
      ok: false,
      reason: `S3 endpoint ${endpoint} does not write date partitions (DatePartitionEnabled is ${JSON.stringify(s.DatePartitionEnabled ?? false)}): there is no partition to backfill; reload the table with fullReload instead`,
    };
  }
  const sequence = typeof s.DatePartitionSequence === 'string' ? s.DatePartitionSequence : 'YYYYMMDD';
  const delimiter = typeof s.DatePartitionDelimiter === 'string' ? s.DatePartitionDelimiter : 'SLASH';
  if (!['YYYYMMDD', 'MMYYYYDD', 'DDMMYYYY'].includes(sequence)) {
    return {
      ok: false,
      reason: `S3 endpoint ${endpoint} partitions by ${sequence}, not by day: a backfill replaces whole days (YYYYMMDD, MMYYYYDD or DDMMYYYY)`,
    };
  }
  if (!(delimiter in DELIMITERS))
    return { ok: false, reason: `S3 endpoint ${endpoint} has an unknown DatePartitionDelimiter ${delimiter}` };
  const timezone = typeof s.DatePartitionTimezone === 'string' && s.DatePartitionTimezone !== '' ? s.DatePartitionTimezone : undefined;
  return {
    ok: true,
    naming: {
      sequence: sequence as PartitionNaming['sequence'],
      delimiter: delimiter as PartitionNaming['delimiter'],
      ...(timezone ? { timezone } : {}),
    },
  };
}

/** The live folder of a day, as the endpoint names it: `20260601`, `2026/06/01`, `01-06-2026`… */
export function partitionFolder(day: string, naming: PartitionNaming): string {
  const parts: Record<string, string> = { YYYY: day.slice(0, 4), MM: day.slice(4, 6), DD: day.slice(6, 8) };
  return (naming.sequence.match(/YYYY|MM|DD/g) ?? []).map((token) => parts[token]).join(DELIMITERS[naming.delimiter]);
}

/** Folder levels of a partition (`2026/06/01` is three). */
export function partitionDepth(naming: PartitionNaming): number {
  return naming.delimiter === 'SLASH' ? 3 : 1;
}

/** The day's rows, as a DMS source filter (values are strings); datetime bounds keep the column's fractional digits. */
export function dayFilter(day: string, column: ColumnInfo): SourceFilter {
  const date = isoDate(day);
  if (column.dataType.toLowerCase() === 'date') {
    return { 'filter-type': 'source', 'column-name': column.name, 'filter-conditions': [{ 'filter-operator': 'eq', value: date }] };
  }
  const digits = Number(/\((\d)\)/.exec(column.columnType)?.[1] ?? 0);
  return {
    'filter-type': 'source',
    'column-name': column.name,
    'filter-conditions': [
      {
        'filter-operator': 'between',
        'start-value': `${date} 00:00:00`,
        'end-value': `${date} 23:59:59${digits ? `.${'9'.repeat(digits)}` : ''}`,
      },
    ],
  };
}

const matchesTable = (rule: { 'object-locator': { 'schema-name': string; 'table-name'?: string } }, table: TableName) =>
  tableMatches(`${rule['object-locator']['schema-name']}.${rule['object-locator']['table-name'] ?? '%'}`, table);

/** A live mapping that renames the table's schema or table writes elsewhere than the layout the backfill publishes to. */
export function liveMappingRefusal(live: TableMapping | undefined, table: TableName, task: string): string | undefined {
  const renames = (live ? transformationRules(live) : []).filter(
    (r) => (r['rule-target'] === 'schema' || r['rule-target'] === 'table') && matchesTable(r, table),
  );
  if (renames.length === 0) return undefined;
  return `task ${task} changes the S3 folder of ${formatTableName(table)} (rules ${renames.map((r) => r['rule-name']).join(', ')}): backfillPartitions publishes to <folder>/<schema>/<table>/ only`;
}

/**
 * One day's mapping: the table's selection with the day's filter (and the live rule's own filters, ANDed), the
 * schema renamed to the day (the staging folder), the live task's column rules for the table, and the metadata
 * columns when the live rules lack them — so staged files have the live files' columns.
 */
export function backfillMapping(table: TableName, day: string, column: ColumnInfo, live: TableMapping | undefined): TableMapping {
  const liveSelection = live?.rules.find(
    (r) => r['rule-type'] === 'selection' && r['rule-action'] !== 'exclude' && matchesTable(r, table),
  ) as { filters?: SourceFilter[] } | undefined;
  const selection = { ...selectionRule(1, `include-${table.schema}-${table.table}`, table) };
  selection.filters = [...(liveSelection?.filters ?? []), dayFilter(day, column)];
  const rename: MappingRule = {
    'rule-type': 'transformation',
    'rule-id': '2',
    'rule-name': `stage-${day}`,
    'rule-target': 'schema',
    'object-locator': { 'schema-name': table.schema },
    'rule-action': 'rename',
    value: day,
  };
  const carried = (live ? transformationRules(live) : [])
    .filter((r) => r['rule-target'] === 'column' && matchesTable(r, table))
    .map((r, i) => ({ ...r, 'rule-id': String(3 + i) }));
  const rules: MappingRule[] = [selection, rename, ...carried];
  const mapping: TableMapping = { rules };
  if (missingMetadata(mapping, table).length === 0) return mapping;
  return { rules: [...rules, ...metadataRules(3 + carried.length, rules)] };
}

export interface BackfillLayout {
  tablePrefix: string;
  /** The temporary endpoint's BucketFolder: staged files are `<stagingFolder>/<YYYYMMDD>/<table>/LOAD….parquet`. */
  stagingFolder: string;
  stagingRoot: string;
  quarantineRoot: string;
  stagingDay(day: string): string;
  livePartition(day: string): string;
  quarantineOf(day: string): string;
  quarantineManifest(day: string): string;
  publishManifest(day: string): string;
}

/** A backfill's staging folder, `_staging/<workflow id>` (a key segment by the `plain` rule, as its quarantine). */
export function stagingFolder(workflowId: string): string {
  return `_staging/${keySegment(workflowId, 'plain')}`;
}

/** Where everything lives: staging and quarantine at the bucket root, named by the workflow id, outside the live folder. */
export function backfillLayout(folder: string, table: TableName, workflowId: string, naming: PartitionNaming): BackfillLayout {
  const prefix = tablePrefix(folder, table);
  const staging = stagingFolder(workflowId);
  const quarantine = quarantineRoot(workflowId, 'plain');
  const livePartition = (day: string) => `${prefix}${partitionFolder(day, naming)}/`;
  return {
    tablePrefix: prefix,
    stagingFolder: staging,
    stagingRoot: `${staging}/`,
    quarantineRoot: quarantine,
    stagingDay: (day) => `${staging}/${day}/${table.table}/`,
    livePartition,
    quarantineOf: (day) => `${quarantine}${livePartition(day)}`,
    quarantineManifest: (day) => `${quarantine}_manifests/${day}.json`,
    publishManifest: (day) => `${staging}/_manifests/publish-${day}.json`,
  };
}

/** What publishing a day moves, for the rewrite marker (docs/downstream.md): the live files aside, the staged ones in. */
export function publishMoves(layout: BackfillLayout, day: string): MarkerMove[] {
  return [
    { from: layout.livePartition(day), to: layout.quarantineOf(day), manifest: layout.quarantineManifest(day) },
    { from: layout.stagingDay(day), to: layout.livePartition(day), manifest: layout.publishManifest(day) },
  ];
}

/** DMS identifiers of the temporary resources: a letter first, letters, digits and single hyphens. */
export function temporaryIdentifiers(runId: string) {
  const key = `bf${runId
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 12)
    .toLowerCase()}`;
  return { endpoint: `${key}-staging`, task: (day: string) => `${key}-${day}` };
}

/** The S3Settings of the staging endpoint: the live ones (format, columns, file sizes, role) with its own folder. */
export function stagingS3Settings(live: Record<string, unknown>, stagingFolder: string): Record<string, unknown> {
  const settings: Record<string, unknown> = { ...live, BucketFolder: stagingFolder, DatePartitionEnabled: false };
  for (const key of ['DatePartitionSequence', 'DatePartitionDelimiter', 'DatePartitionTimezone', 'CdcPath', 'PreserveTransactions']) {
    delete settings[key];
  }
  return settings;
}

export interface PartitionFacts {
  day: string;
  folder: string;
  sourceRows: number;
  live: { objects: number; bytes: number };
}

export interface BackfillPlanInput {
  table: TableName;
  from: string;
  to: string;
  column: ColumnInfo;
  sourceRowsByDay: Record<string, number>;
  livePartitions: Record<string, { objects: number; bytes: number }>;
  layout: BackfillLayout;
  naming: PartitionNaming;
  identifiers: ReturnType<typeof temporaryIdentifiers>;
  liveMapping: TableMapping | undefined;
  liveTask: string | undefined;
  instanceClass: string;
  instanceArn: string;
  sourceEndpointArn: string;
  stagingSettings: Record<string, unknown>;
  warnings: string[];
}

export interface BackfillPlan {
  plan: Plan;
  partitions: PartitionFacts[];
  /** Days with source rows: one temporary task each. */
  staged: string[];
  mappings: Record<string, TableMapping>;
}

export function planBackfill(input: BackfillPlanInput): BackfillPlan {
  const name = formatTableName(input.table);
  const partitions: PartitionFacts[] = daysFrom(input.from, input.to).map((day) => {
    const folder = partitionFolder(day, input.naming);
    return {
      day,
      folder,
      sourceRows: input.sourceRowsByDay[day] ?? 0,
      live: input.livePartitions[folder] ?? { objects: 0, bytes: 0 },
    };
  });
  const staged = partitions.filter((p) => p.sourceRows > 0).map((p) => p.day);
  const empty = partitions.filter((p) => p.sourceRows === 0);
  const mappings = Object.fromEntries(staged.map((day) => [day, backfillMapping(input.table, day, input.column, input.liveMapping)]));
  const calls: PlannedCall[] = [
    {
      service: 'dms',
      operation: 'CreateEndpoint',
      params: {
        EndpointIdentifier: input.identifiers.endpoint,
        EndpointType: 'target',
        EngineName: 's3',
        S3Settings: input.stagingSettings,
      },
      why: `a temporary S3 target like the live one, writing under ${input.layout.stagingRoot} without date folders`,
    },
    ...staged.flatMap((day): PlannedCall[] => [
      {
        service: 'dms',
        operation: 'CreateReplicationTask',
        params: {
          ReplicationTaskIdentifier: input.identifiers.task(day),
          MigrationType: 'full-load',
          ReplicationInstanceArn: input.instanceArn,
          SourceEndpointArn: input.sourceEndpointArn,
          TableMappings: JSON.stringify(mappings[day]),
        },
        why: `the rows of ${name} with ${input.column.name} on ${isoDate(day)}, staged in ${input.layout.stagingDay(day)}`,
      },
      {
        service: 'dms',
        operation: 'StartReplicationTask',
        params: { ReplicationTaskIdentifier: input.identifiers.task(day), StartReplicationTaskType: 'start-replication' },
        why: `full load of ${isoDate(day)}; the task stops with FULL_LOAD_ONLY_FINISHED`,
      },
    ]),
  ];
  const prefixes: PlannedPrefix[] = [
    { prefix: input.layout.stagingRoot, action: 'write' },
    ...partitions
      .filter((p) => p.sourceRows > 0 && p.live.objects > 0)
      .map((p): PlannedPrefix => ({
        prefix: input.layout.livePartition(p.day),
        action: 'move-to-quarantine',
        objects: p.live.objects,
        bytes: p.live.bytes,
      })),
    ...staged.map((day): PlannedPrefix => ({ prefix: input.layout.livePartition(day), action: 'publish' })),
  ];
  const biggest = Math.max(0, ...partitions.map((p) => p.sourceRows));
  const waves = Math.ceil(staged.length / BACKFILL_PARALLEL_TASKS);
  const warnings = [
    ...input.warnings,
    ...empty
      .filter((p) => p.live.objects > 0)
      .map(
        (p) =>
          `${isoDate(p.day)}: the source has no row with ${input.column.name} on that day, but the live partition ${p.folder} holds ${p.live.objects} objects: it is left untouched`,
      ),
    `publishing replaces whole partitions: each staged day's live folder moves to ${input.layout.quarantineRoot} first, with the CDC files it holds; the backfill suits tables whose ${input.column.name} is the day the rows were written`,
  ];
  return {
    partitions,
    staged,
    mappings,
    plan: {
      summary: `backfill ${name} for ${input.from}–${input.to} by ${input.column.name}: ${staged.length} day(s) with ${staged.reduce((n, d) => n + (input.sourceRowsByDay[d] ?? 0), 0)} source rows, one temporary full-load task per day, staged in ${input.layout.stagingRoot}`,
      calls,
      prefixes,
      expectedMinutes: waves * (4 + fullLoadMinutes(biggest, input.instanceClass)) + 2,
      warnings,
      details: {
        partitions,
        staging: `${input.layout.stagingRoot}<YYYYMMDD>/${input.table.table}/LOAD….parquet`,
        quarantine: input.layout.quarantineRoot,
        liveTask: input.liveTask ?? null,
        exampleMapping: staged.length ? mappings[staged[0]!] : null,
      },
    },
  };
}

export interface PartitionCheck {
  day: string;
  folder: string;
  sourceRows: number;
  dmsRows: number;
  parquetRows: number;
  files: number;
  matches: boolean;
}

export function checkPartitions(
  staged: string[],
  naming: PartitionNaming,
  sourceRowsByDay: Record<string, number>,
  dmsRowsByDay: Record<string, number>,
  parquet: { rowsByDay: Record<string, number>; filesByDay: Record<string, number> },
): PartitionCheck[] {
  return staged.map((day) => {
    const sourceRows = sourceRowsByDay[day] ?? 0;
    const dmsRows = dmsRowsByDay[day] ?? 0;
    const parquetRows = parquet.rowsByDay[day] ?? 0;
    return {
      day,
      folder: partitionFolder(day, naming),
      sourceRows,
      dmsRows,
      parquetRows,
      files: parquet.filesByDay[day] ?? 0,
      matches: sourceRows === dmsRows && dmsRows === parquetRows,
    };
  });
}

/** The publish gate's plan: quarantine then publish each day, then remove the temporary task(s) and endpoint. */
export function planPublish(
  name: string,
  checks: PartitionCheck[],
  partitions: PartitionFacts[],
  layout: BackfillLayout,
  taskIdentifiers: string[],
  endpoint: string,
): Plan {
  const calls: PlannedCall[] = checks.flatMap((c): PlannedCall[] => {
    const live = partitions.find((p) => p.day === c.day)?.live;
    const quarantine: PlannedCall[] = live?.objects
      ? [
          {
            service: 's3',
            operation: 'QuarantinePartition',
            params: { from: layout.livePartition(c.day), to: layout.quarantineOf(c.day) },
            why: `the live partition ${c.folder} (${live.objects} objects) is kept aside, restorable`,
          },
        ]
      : [];
    return [
      ...quarantine,
      {
        service: 's3',
        operation: 'PublishPartition',
        params: { from: layout.stagingDay(c.day), to: layout.livePartition(c.day) },
        why: `${c.parquetRows} rows in ${c.files} file(s), equal to the source`,
      },
    ];
  });
  calls.push(
    ...taskIdentifiers.map((t): PlannedCall => ({
      service: 'dms',
      operation: 'DeleteReplicationTask',
      params: { ReplicationTaskIdentifier: t },
      why: 'temporary',
    })),
    { service: 'dms', operation: 'DeleteEndpoint', params: { EndpointIdentifier: endpoint }, why: 'temporary' },
  );
  return {
    summary: `publish ${checks.length} verified partition(s) of ${name} (${checks.reduce((n, c) => n + c.parquetRows, 0)} rows); rejecting discards the staging and leaves the live partitions untouched`,
    calls,
    prefixes: [
      ...checks.flatMap((c): PlannedPrefix[] => {
        const live = partitions.find((p) => p.day === c.day)?.live;
        return live?.objects
          ? [{ prefix: layout.livePartition(c.day), action: 'move-to-quarantine', objects: live.objects, bytes: live.bytes }]
          : [];
      }),
      ...checks.map((c): PlannedPrefix => ({ prefix: layout.livePartition(c.day), action: 'publish' })),
    ],
    expectedMinutes: Math.max(1, Math.ceil(checks.length / 10)),
    warnings: [],
    details: { verification: checks },
  };
}

/** How to undo a published day by hand: the backfilled files out, the quarantined ones back. */
export function restoreCommands(bucket: string, layout: BackfillLayout, days: string[], quarantined: string[]): string[] {
  return days.flatMap((day) => [
    `aws s3 rm --recursive s3://${bucket}/${layout.livePartition(day)}`,
    ...(quarantined.includes(day)
      ? [`aws s3 mv --recursive s3://${bucket}/${layout.quarantineOf(day)} s3://${bucket}/${layout.livePartition(day)}`]
      : []),
  ]);
}

/**
 * A live endpoint with a DatePartitionTimezone names its folders by that zone's days, and DMS writes CDC into the
 * folder of the time it writes: a day not yet over there is still being written, even when it is past in UTC.
 */
export function zoneDayRefusal(to: string, naming: PartitionNaming, todayInZone: string, endpoint: string): string | undefined {
  if (!naming.timezone || to < todayInZone) return undefined;
  return `to: ${to} is not a past day in ${naming.timezone} (today there is ${todayInZone}), the DatePartitionTimezone of S3 endpoint ${endpoint}: its partition is still being written by CDC; backfill up to the day before`;
}
