"""Listing and reading S3 through the session's Hadoop S3A filesystem (the same connector the streams read with)."""

from pyspark.sql import SparkSession


def _fs(spark: SparkSession, uri: str):
    jvm = spark._jvm  # noqa: SLF001 - py4j is how PySpark reaches Hadoop's FileSystem
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark._jsc.hadoopConfiguration())  # noqa: SLF001


def exists(spark: SparkSession, uri: str) -> bool:
    path, fs = _fs(spark, uri)
    return bool(fs.exists(path))


def parquet_files(spark: SparkSession, prefix: str) -> list[str]:
    """Every *.parquet under a prefix, recursively (date folders included), as s3a:// paths."""
    path, fs = _fs(spark, prefix)
    if not fs.exists(path):
        return []
    found = []
    files = fs.listFiles(path, True)
    while files.hasNext():
        name = files.next().getPath().toString()
        if name.endswith(".parquet"):
            found.append(name)
    return sorted(found)


def child_dirs(spark: SparkSession, uri: str) -> list[str]:
    path, fs = _fs(spark, uri)
    if not fs.exists(path):
        return []
    return sorted(status.getPath().getName() for status in fs.listStatus(path) if status.isDirectory())


def read_text(spark: SparkSession, uri: str) -> str:
    rows = spark.read.text(uri, wholetext=True).collect()
    return rows[0][0] if rows else ""
