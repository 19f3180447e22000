import type { S3Client } from '@aws-sdk/client-s3';
import { parseTableMapping } from '../../../domain/tableMappingSchema';
import { DURATIONS, seconds } from '../durations';
import type { EmulatorContext } from '../emulatorContext';
import { rowsPerSecond } from '../instanceClasses';
import { filtersToWhere, selectTables } from '../mapping/tableSelection';
import { targetNames } from '../mapping/tableTransformations';
import { outputRowsFor } from './outputRowsFor';
import { asRetained, columnDdl } from './retainedDefinition';
import { encodeSplit } from './parquetEncoding';
import { folderFor, isLoadFile, loadFileName, s3TargetSettings, tablePrefix } from './s3Layout';
import { deleteKeys, listKeys, putObject } from './s3Target';
import { connectSource, countRows, readColumns, readRows } from './sourceDatabase';
import { emulatedTaskSettings } from './taskSettings';

/** The table a load was asked for is not on the source (dropped since the task read its scope). */
export class SourceTableMissing extends Error {
  constructor(key: string) {
    super(`table ${key} does not exist on the source`);
  }
}

/** Emulated duration of one table's full load on an instance class. */
export function tableLoadMs(rows: number, instanceClass: string): number {
  return seconds(DURATIONS.tableOverhead + rows / rowsPerSecond(instanceClass));
}

/**
 * The real full load of one table: reads the rows the mapping's filters select (ENUM/SET as labels, so the files are
 * right whatever definition is kept) and writes LOAD files split at MaxFileSize. A first load or a load that re-reads
 * the definition records the source's current columns for CDC; a ReloadTables keeps the ones read before, and fails
 * the table when columns were added, dropped or changed since (retainedDefinition.ts). The result is recorded only
 * if the table still belongs to the same load (a stop, restart or newer reload makes it stale).
 */
export async function loadTable(ctx: EmulatorContext, s3: S3Client, taskArn: string, key: string, loadGeneration: number): Promise<void> {
  const task = ctx.task(taskArn);
  const table = task.tables[key]!;
  const stale = () => {
    const now = ctx.state.tasks.find((t) => t.arn === taskArn);
    const current = now?.tables[key];
    return !now || !current || current.loadGeneration !== loadGeneration || !['running', 'stopping'].includes(now.status)
      ? undefined
      : { task: now, table: current };
  };
  const target = ctx.endpoint(task.targetEndpointArn);
  const settings = s3TargetSettings(target.s3Settings);
  const mapping = parseTableMapping(task.tableMappings);
  const filters = selectTables(mapping, [{ schema: table.schema, table: table.table }])[0]?.filters ?? [];
  const connection = await connectSource(ctx.endpoint(task.sourceEndpointArn));
  let columns;
  let rows;
  const retained = table.keepDefinition ? table.columns : undefined;
  let ddl: string | undefined;
  try {
    columns = await readColumns(connection, table.schema, table.table);
    if (columns.length === 0) throw new SourceTableMissing(key);
    ddl = retained ? columnDdl(retained, columns) : undefined;
    if (ddl && ctx.behaviour().definitions.reloadTablesAfterColumnDdl === 'table-error') {
      throw new Error(
        `the table's definition changed since DMS read it (${ddl}); the reload keeps the definition read before and cannot load the table`,
      );
    }
    const where = filtersToWhere(
      filters,
      columns.map((c) => c.name),
    );
    if (table.plannedEnd === undefined) {
      // A ReloadTables reload is planned once its rows are counted.
      const counted = await countRows(connection, table.schema, table.table, where);
      const live = stale();
      if (!live) return;
      const instance = ctx.instance(live.task.instanceArn);
      const faults = ctx.state.faults.extraFullLoadSeconds;
      const extra = seconds(faults[live.task.identifier] ?? faults[live.task.arn] ?? 0);
      live.table.plannedRows = counted;
      live.table.plannedEnd = (live.table.plannedStart ?? ctx.now()) + tableLoadMs(counted, instance.instanceClass) + extra;
      ctx.changed();
    }
    rows = await readRows(connection, table.schema, table.table, columns, where);
    // Fault partialLoads: the source went away part-way and DMS ended the load with the rows it had read.
    const partial = ctx.state.faults.partialLoads[task.identifier] ?? ctx.state.faults.partialLoads[task.arn];
    if (partial && partial.schema === table.schema && partial.table === table.table) rows = rows.slice(0, partial.rows);
  } finally {
    await connection.end();
  }
  if (!stale()) return;
  // Kept definition after column DDL (definitions.reloadTablesAfterColumnDdl: reload-with-old-definition).
  if (retained && ddl) {
    rows = asRetained(rows, columns, retained);
    columns = retained;
  }
  const loadMs = table.fullLoadStartTime ?? table.plannedStart ?? ctx.now();
  const names = targetNames(mapping, table.schema, table.table);
  const taskSettings = emulatedTaskSettings(task.settings);
  const { shape, fileRows } = outputRowsFor(ctx, mapping, table.schema, table.table, columns, settings, rows, loadMs, taskSettings.lob);
  // No object for a table without rows ("Using Amazon S3 as a target for AWS DMS": DMS creates a folder for each
  // source table "that contains records"); the earlier files still go under DROP_AND_CREATE/TRUNCATE_BEFORE_LOAD.
  const files = fileRows.length === 0 ? [] : encodeSplit(shape.columns, fileRows, settings.maxFileSizeKb * 1024);
  const folder = folderFor(settings, names.schema, names.table, loadMs);
  const existing = (await listKeys(s3, settings.bucket, `${tablePrefix(settings, names.schema, names.table)}/`)).filter(isLoadFile);
  const prepMode = taskSettings.targetTablePrepMode;
  let first = 1;
  if (prepMode === 'DO_NOTHING') {
    first = existing.filter((k) => k.startsWith(`${folder}/`)).length + 1;
  } else {
    // DROP_AND_CREATE / TRUNCATE_BEFORE_LOAD: the table's earlier full-load files go; CDC files stay.
    await deleteKeys(s3, settings.bucket, existing);
  }
  let bytes = 0;
  for (const [i, file] of files.entries()) {
    await putObject(s3, settings.bucket, `${folder}/${loadFileName(first + i)}`, file);
    bytes += file.byteLength;
  }
  const live = stale();
  if (!live) return;
  live.table.loadDone = true;
  live.table.fullLoadRows = rows.length;
  if (!live.table.keepDefinition || !live.table.columns) live.table.columns = columns;
  live.table.keepDefinition = undefined;
  live.table.lastUpdateTime = ctx.now();
  const instance = ctx.state.instances.find((i) => i.arn === live.task.instanceArn);
  if (instance) instance.bytesUsed += bytes;
  ctx.changed();
}
