"""Where things are: the DMS files of a table in S3, and the lake's Delta tables and checkpoints on local disk.

The DMS output layout (AWS DMS User Guide, "Using Amazon S3 as a target for AWS Database Migration Service"):
BucketFolder/schema/table/[date folder]/LOAD00000001.parquet for full load ("an incremental hexadecimal counter") and
<timestamp>.parquet for CDC files; the sandbox pipeline uses DatePartitionEnabled with YYYYMMDD folders
(config/sandbox.pipeline.yaml, sandbox/stack/dmsEmulator.ts). Every *.parquet under the table's prefix is read.
"""

import os
import re
import shutil
from dataclasses import dataclass

LOAD_FILE = re.compile(r"/LOAD[0-9A-F]{8}\.parquet$")
TABLE_NAME = re.compile(r"^[A-Za-z0-9_$-]+\.[A-Za-z0-9_$-]+$")


class JobError(Exception):
    """A run's failure, reported as its state_message (the reason and what to do next)."""


def s3a(uri: str) -> str:
    """s3://bucket/prefix (what people and markers write) as the S3A connector's s3a:// URI."""
    uri = uri.rstrip("/")
    if uri.startswith("s3://"):
        return "s3a://" + uri[len("s3://") :]
    if uri.startswith("s3a://"):
        return uri
    raise JobError(f"source {uri!r} is not an s3:// URI (expected s3://bucket/folder)")


def bucket_of(uri: str) -> str:
    return s3a(uri)[len("s3a://") :].split("/", 1)[0]


def s3_key(path: str) -> str:
    """The object key of an s3a://bucket/key path (what tests compare with ListObjects)."""
    rest = path.split("://", 1)[1] if "://" in path else path
    return rest.split("/", 1)[1] if "/" in rest else ""


def check_table(name: str) -> str:
    if not TABLE_NAME.match(name or ""):
        raise JobError(f"table {name!r} is not schema.table (for example shop.customers)")
    return name


@dataclass(frozen=True)
class TablePaths:
    name: str
    source: str  # s3a:// prefix of the table's DMS files
    bronze: str
    silver: str
    checkpoint: str


def table_paths(state_dir: str, source: str, name: str) -> TablePaths:
    schema, table = check_table(name).split(".", 1)
    base = os.path.join(state_dir, "tables", name)
    return TablePaths(
        name=name,
        source=f"{s3a(source)}/{schema}/{table}",
        bronze=os.path.join(base, "bronze"),
        silver=os.path.join(base, "silver"),
        checkpoint=os.path.join(base, "checkpoint"),
    )


def forget_table(paths: TablePaths) -> None:
    """Drops what the lake holds for a table: bronze, silver and the stream's checkpoint (its record of files seen)."""
    shutil.rmtree(os.path.dirname(paths.bronze), ignore_errors=True)


def known_tables(state_dir: str) -> list[str]:
    base = os.path.join(state_dir, "tables")
    return sorted(os.listdir(base)) if os.path.isdir(base) else []
