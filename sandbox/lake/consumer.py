"""The reference consumer: an Auto Loader–style bronze stream per table and a silver table merged by primary key.

Bronze: a Structured Streaming file source over the table's S3 prefix with a checkpoint, run with the availableNow
trigger. The file source records every path it has processed in the checkpoint and never reads that path again, which
is the behaviour of Auto Loader's default (`cloudFiles.allowOverwrites = false`: "files are processed exactly once",
Databricks Auto Loader FAQ, "Does Auto Loader process the file again when the file gets appended or overwritten?").
A file rewritten at a key the stream has seen (a reload's LOAD00000001.parquet in the same date folder) is skipped.

Silver: each micro-batch is appended to bronze (with its source file path per row) and merged into silver by primary
key. Order within a key: LOAD rows are the snapshot baseline (their change sequence may be empty), older than every
CDC row; CDC rows are ordered by AR_H_CHANGE_SEQ; Op = D removes the row. Across batches a LOAD row does not replace
a CDC row already merged: that is the stale-silver hazard a rebuild fixes.

Rebuild: the table from its live files, with the rewrite marker's snapshot boundary (`snapshot.loadStartedAfter`,
docs/downstream.md "The rewrite marker"): files written after it are newer than every file written before it, whatever
their kind. So a LOAD file a backfill published outranks an older CDC row of the same key, and CDC written after the
boundary still outranks the LOAD rows (by change sequence among themselves).
"""

import json
import os
import threading
from dataclasses import dataclass

from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F

import s3files
from layout import LOAD_FILE, JobError, TablePaths, forget_table, s3_key

# Columns the lake adds; silver and bronze views for tests leave them out.
FILE_COL = "_lake_file"
RANK_COL = "_lake_rank"
SEQ_COL = "_lake_seq"
OP_COL = "_lake_op"
POS_COL = "_lake_pos"
MTIME_COL = "_lake_mtime"
AFTER_COL = "_lake_after_boundary"
RUN_COL = "_lake_run_id"


@dataclass
class TableResult:
    table: str
    files: int
    rows: int


def _column(columns: list[str], wanted: str) -> str | None:
    """A source column by name, case-insensitively (DMS writes `Op`; the mapping names ar_h_change_seq)."""
    return next((c for c in columns if c.lower() == wanted.lower()), None)


def _ordered(batch: DataFrame, keys: list[str], boundary: str | None = None) -> DataFrame:
    """The batch's last row per key: files after the boundary (a rebuild's) last, then LOAD rows (rank 0) before CDC
    rows (rank 1), then by change sequence."""
    seq = _column(batch.columns, "ar_h_change_seq")
    op = _column(batch.columns, "Op")
    is_load = F.regexp_extract(F.col(FILE_COL), LOAD_FILE.pattern, 0) != ""
    with_order = (
        batch.withColumn(RANK_COL, F.when(is_load, F.lit(0)).otherwise(F.lit(1)))
        .withColumn(SEQ_COL, F.coalesce(F.col(f"`{seq}`").cast("string"), F.lit("")) if seq else F.lit(""))
        .withColumn(OP_COL, F.upper(F.coalesce(F.col(f"`{op}`").cast("string"), F.lit("I"))) if op else F.lit("I"))
        .withColumn(POS_COL, F.monotonically_increasing_id())
        .withColumn(
            AFTER_COL,
            (F.col(MTIME_COL) > F.lit(boundary).cast("timestamp")).cast("int") if boundary else F.lit(0),
        )
    )
    latest = Window.partitionBy(*[F.col(f"`{k}`") for k in keys]).orderBy(
        F.col(AFTER_COL).desc(), F.col(RANK_COL).desc(), F.col(SEQ_COL).desc(), F.col(FILE_COL).desc(), F.col(POS_COL).desc()
    )
    return (
        with_order.withColumn("_lake_n", F.row_number().over(latest))
        .filter("_lake_n = 1")
        .drop("_lake_n", POS_COL, AFTER_COL, MTIME_COL)
    )


def _merge_silver(
    spark: SparkSession, batch: DataFrame, paths: TablePaths, keys: list[str], boundary: str | None = None
) -> None:
    missing = [k for k in keys if _column(batch.columns, k) is None]
    if missing:
        raise JobError(
            f"{paths.name}: primary key column(s) {', '.join(missing)} not in the files (columns: "
            f"{', '.join(c for c in batch.columns if not c.startswith('_lake'))}); pass primary_keys={paths.name}:<col>"
        )
    keys = [_column(batch.columns, k) for k in keys]  # type: ignore[misc]
    updates = _ordered(batch, keys, boundary)
    if not DeltaTable.isDeltaTable(spark, paths.silver):
        updates.filter(f"{OP_COL} != 'D'").write.format("delta").mode("overwrite").save(paths.silver)
        return
    on = " AND ".join(f"s.`{k}` <=> u.`{k}`" for k in keys)
    newer = (
        f"(u.{RANK_COL} > s.{RANK_COL}) OR (u.{RANK_COL} = s.{RANK_COL} AND "
        f"(u.{RANK_COL} = 0 OR u.{SEQ_COL} > s.{SEQ_COL}))"
    )
    (
        DeltaTable.forPath(spark, paths.silver)
        .alias("s")
        .merge(updates.alias("u"), on)
        .whenMatchedDelete(condition=f"u.{OP_COL} = 'D' AND ({newer})")
        .whenMatchedUpdateAll(condition=f"u.{OP_COL} != 'D' AND ({newer})")
        .whenNotMatchedInsertAll(condition=f"u.{OP_COL} != 'D'")
        .execute()
    )


def _seen_file(paths: TablePaths) -> str:
    return os.path.join(os.path.dirname(paths.checkpoint), "seen-paths.json")


def _seen_paths(paths: TablePaths) -> dict[str, int | None]:
    """The paths the table's stream has processed and their modification time then, as the lake noted them after each
    run (a shortcut to skip idle runs, not the record: the checkpoint is what the stream itself trusts)."""
    try:
        with open(_seen_file(paths)) as f:
            return json.load(f)
    except FileNotFoundError:
        return {}


def _remember_paths(paths: TablePaths, seen: dict[str, int | None]) -> None:
    with open(_seen_file(paths), "w") as f:
        json.dump(seen, f)


class Consumer:
    """Runs the bronze+silver stream of one table at a time on the lake's session; a run can be stopped from another thread."""

    def __init__(self, spark: SparkSession, state_dir: str):
        self.spark = spark
        self.state_dir = state_dir
        self._active = None
        self._lock = threading.Lock()
        self._stopped = False

    def stop_active(self) -> None:
        with self._lock:
            self._stopped = True
            query = self._active
        if query is not None:
            try:
                query.stop()
            except Exception:  # noqa: BLE001 - the query may have ended meanwhile
                pass
        # A batch read outside the stream (schema inference, the marker) is interrupted too.
        self.spark.sparkContext.cancelAllJobs()

    def begin(self) -> None:
        with self._lock:
            self._stopped = False

    def ingest(self, paths: TablePaths, keys: list[str], run_id: int, boundary: str | None = None) -> TableResult:
        """One availableNow pass of the table's stream: the files its checkpoint has not seen, into bronze and silver.

        With a boundary (a rebuild), the pass is one batch over an empty silver, ordered by the boundary first."""
        files = s3files.parquet_files(self.spark, paths.source)
        seen = _seen_paths(paths)
        if not files or all(seen.get(path) == mtime for path, mtime in files.items()):
            # Every file is one the stream processed, unchanged since: no Spark work, so a scheduled run of an idle
            # table costs one S3 listing. A file rewritten at a seen key (new modification time) still goes to the
            # stream, which decides by its checkpoint (and skips it).
            return TableResult(paths.name, 0, 0)
        # The stream's schema: every live file's, merged (a column added later, such as $AR_H_* columns, widens it).
        schema = self.spark.read.option("mergeSchema", "true").parquet(*files.keys()).schema
        stream = (
            self.spark.readStream.schema(schema)
            .option("recursiveFileLookup", "true")
            .option("pathGlobFilter", "*.parquet")
            .option("mergeSchema", "true")
            .parquet(paths.source)
            .withColumn(FILE_COL, F.col("_metadata.file_path"))
            .withColumn(MTIME_COL, F.col("_metadata.file_modification_time"))
        )
        counts = {"files": set(), "rows": 0}
        app_id = f"lake-bronze-{paths.name}"

        def each_batch(batch: DataFrame, batch_id: int) -> None:
            batch = batch.withColumn(RUN_COL, F.lit(run_id)).persist()
            try:
                seen = [r[0] for r in batch.select(FILE_COL).distinct().collect()]
                if not seen:
                    return
                # Delta's idempotent writes (txnAppId/txnVersion): a batch replayed after a crash is not appended twice.
                (
                    batch.drop(MTIME_COL)
                    .write.format("delta")
                    .mode("append")
                    .option("mergeSchema", "true")
                    .option("txnAppId", app_id)
                    .option("txnVersion", batch_id)
                    .save(paths.bronze)
                )
                _merge_silver(self.spark, batch, paths, keys, boundary)
                counts["files"].update(seen)
                counts["rows"] += batch.count()
            finally:
                batch.unpersist()

        os.makedirs(paths.checkpoint, exist_ok=True)
        with self._lock:
            if self._stopped:
                raise JobError("run cancelled")
            query = (
                stream.writeStream.foreachBatch(each_batch)
                .option("checkpointLocation", paths.checkpoint)
                .trigger(availableNow=True)
                .start()
            )
            self._active = query
        try:
            query.awaitTermination()
        finally:
            with self._lock:
                self._active = None
        _remember_paths(paths, {**seen, **{path: files.get(path) for path in counts["files"]}})
        if self._stopped:
            raise JobError("run cancelled")
        error = query.exception()
        if error is not None:
            raise JobError(f"{paths.name}: the bronze stream failed: {error.desc if hasattr(error, 'desc') else error}")
        return TableResult(paths.name, len(counts["files"]), counts["rows"])

    def rebuild(self, paths: TablePaths, keys: list[str], run_id: int, boundary: str | None = None) -> TableResult:
        """The table from its live files only: bronze, silver and the checkpoint dropped, then one pass over what is there.

        The new checkpoint records exactly the live files, so later incremental runs neither read them again nor skip
        a file written after the rebuild.
        """
        forget_table(paths)
        return self.ingest(paths, keys, run_id, boundary)

    # Inspection for the sandbox-only endpoints.

    def silver_rows(self, paths: TablePaths) -> list[dict]:
        if not DeltaTable.isDeltaTable(self.spark, paths.silver):
            return []
        df = self.spark.read.format("delta").load(paths.silver)
        visible = [c for c in df.columns if not c.startswith("_lake") and c.lower() != "op"]
        return [row.asDict(recursive=True) for row in df.select(*[F.col(f"`{c}`") for c in visible]).collect()]

    def silver_count(self, paths: TablePaths) -> int:
        if not DeltaTable.isDeltaTable(self.spark, paths.silver):
            return 0
        return self.spark.read.format("delta").load(paths.silver).count()

    def bronze_summary(self, paths: TablePaths) -> dict:
        if not DeltaTable.isDeltaTable(self.spark, paths.bronze):
            return {"table": paths.name, "rows": 0, "files": []}
        df = self.spark.read.format("delta").load(paths.bronze)
        per_file = df.groupBy(FILE_COL).count().collect()
        files = sorted(
            ({"path": r[0], "key": s3_key(r[0]), "rows": r[1]} for r in per_file), key=lambda f: f["path"]
        )
        return {"table": paths.name, "rows": sum(f["rows"] for f in files), "files": files}
