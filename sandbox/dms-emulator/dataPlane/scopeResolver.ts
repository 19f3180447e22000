import { parseTableMapping } from '../../../domain/tableMappingSchema';
import { formatCheckpoint, parseCdcPosition } from '../cdc/cdcPosition';
import type { EmulatorContext } from '../emulatorContext';
import type { BinlogPosition, TableRecord } from '../emulatorState';
import { tableKey } from '../emulatorState';
import { filtersToWhere, selectTables } from '../mapping/tableSelection';
import { s3TargetSettings } from './s3Layout';
import { binlogPosition, connectSource, countRows, listTables, readColumns } from './sourceDatabase';

/**
 * What a starting task does before it runs: finds the tables its mapping selects on the source, counts their
 * (filtered) rows to plan the full load, decides which tables this start loads, and fixes the CDC start point.
 */
export async function resolveScope(ctx: EmulatorContext, taskArn: string, generation: number): Promise<void> {
  const initial = ctx.task(taskArn);
  const startType = initial.run!.startType;
  const target = ctx.endpoint(initial.targetEndpointArn);
  const settings = s3TargetSettings(target.s3Settings);
  if (settings.dataFormat !== 'parquet') {
    throw new Error(`the DMS emulator writes Parquet only; set S3Settings.DataFormat=parquet on endpoint ${target.identifier}`);
  }
  const mapping = parseTableMapping(initial.tableMappings);
  const connection = await connectSource(ctx.endpoint(initial.sourceEndpointArn));
  const found: { schema: string; table: string; rows: number; columns: Awaited<ReturnType<typeof readColumns>> }[] = [];
  let position: BinlogPosition | undefined;
  try {
    const selected = selectTables(mapping, await listTables(connection));
    if (selected.length === 0) {
      throw new Error(
        "No tables were found at task initialization. Either the selected table(s) or schemas(s) don't exist or no table(s)/schema(s) were selected.",
      );
    }
    for (const t of selected) {
      const columns = await readColumns(connection, t.schema, t.table);
      const where = filtersToWhere(
        t.filters,
        columns.map((c) => c.name),
      );
      const rows = initial.migrationType === 'cdc' ? 0 : await countRows(connection, t.schema, t.table, where);
      found.push({ schema: t.schema, table: t.table, rows, columns });
    }
    if (initial.migrationType !== 'full-load') position = await binlogPosition(connection);
  } finally {
    await connection.end();
  }

  const task = ctx.state.tasks.find((t) => t.arn === taskArn);
  const run = task?.run;
  if (!task || !run || run.generation !== generation || task.status !== 'starting') return;
  const previous = task.tables;
  const behaviour = ctx.behaviour().definitions;
  task.tables = {};
  run.loading = [];
  for (const t of found) {
    const key = tableKey(t.schema, t.table);
    const before = previous[key];
    const table: TableRecord = before ?? {
      schema: t.schema,
      table: t.table,
      state: 'Before load',
      plannedRows: t.rows,
      loadGeneration: 0,
      loadDone: false,
      fullLoadRows: 0,
      fullLoadReloaded: false,
      inserts: 0,
      updates: 0,
      deletes: 0,
      ddls: 0,
    };
    task.tables[key] = table;
    // Whether the counters carry on over a stop and resume is unverified (statistics.afterResume).
    if (startType === 'resume-processing' && ctx.behaviour().statistics.afterResume === 'reset')
      Object.assign(table, { inserts: 0, updates: 0, deletes: 0, ddls: 0 });
    const load =
      task.migrationType !== 'cdc' && (startType !== 'resume-processing' || table.state !== 'Table completed' || before === undefined);
    if (load) {
      Object.assign(table, {
        state: 'Before load',
        plannedRows: t.rows,
        plannedStart: undefined,
        plannedEnd: undefined,
        loadGeneration: generation,
        loadDone: false,
        loadError: undefined,
        sourceMissing: undefined,
        fullLoadRows: 0,
        fullLoadStartTime: undefined,
        fullLoadEndTime: undefined,
        fullLoadReloaded: startType === 'reload-target' || table.fullLoadReloaded,
        // Unverified whether reload-target re-reads the definition: FIDELITY.md, setting definitions.reloadTarget.
        keepDefinition: startType === 'reload-target' && behaviour.reloadTarget === 'keep' && table.columns !== undefined,
      });
      run.loading.push(key);
    } else if (task.migrationType === 'cdc') {
      table.state = 'Table completed';
    }
    // CDC decodes rows with the definition read before; a table new to the task (never loaded, or removed from the
    // mapping and added back) takes it now. Whether a resume re-reads it is unverified: definitions.resume.
    if (startType === 'resume-processing' && behaviour.resume === 'reread') table.columns = t.columns;
    else table.columns ??= t.columns;
  }
  if (task.migrationType !== 'full-load') {
    const keep = startType === 'resume-processing' && !run.cdcFromPosition && run.cdcFromTimeMs === undefined && task.cdc?.position;
    if (!keep) {
      const named = run.cdcFromPosition ? parseCdcPosition(run.cdcFromPosition) : undefined;
      const fromTime = named ? undefined : run.cdcFromTimeMs;
      const startAt = named ?? (fromTime === undefined ? position : undefined);
      task.cdc = { position: startAt, startTimeMs: fromTime, buffers: startType === 'resume-processing' ? (task.cdc?.buffers ?? {}) : {} };
      if (startAt) task.recoveryCheckpoint = formatCheckpoint(startAt, ctx.state.changeSeq);
    }
  }
  run.scopeResolved = true;
  ctx.changed();
}
