"""The lake's one SparkSession: Delta Lake, the S3A connector pointed at moto's S3, a small local[2] engine."""

import os

from pyspark.sql import SparkSession

from settings import LakeSettings
from versions import MAVEN_PACKAGES


def build_session(s: LakeSettings) -> SparkSession:
    os.makedirs(s.ivy_dir, exist_ok=True)
    builder = (
        SparkSession.builder.appName("dms-runbooks-lake")
        .master("local[2]")
        .config("spark.jars.packages", ",".join(MAVEN_PACKAGES))
        # Only Maven Central, cached under .tools/: a fresh clone resolves once, later starts read the cache.
        .config("spark.jars.ivy", s.ivy_dir)
        .config("spark.jars.repositories", "https://repo1.maven.org/maven2")
        .config("spark.driver.memory", s.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        # New source columns (onboardTable adding $AR_H_* columns) reach bronze and silver instead of failing the merge.
        .config("spark.databricks.delta.schema.autoMerge.enabled", "true")
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.hadoop.fs.s3a.impl", "org.apache.hadoop.fs.s3a.S3AFileSystem")
        .config("spark.hadoop.fs.s3a.endpoint", s.s3_endpoint)
        .config("spark.hadoop.fs.s3a.path.style.access", "true")
        .config("spark.hadoop.fs.s3a.connection.ssl.enabled", str(s.s3_endpoint.startswith("https")).lower())
        .config("spark.hadoop.fs.s3a.access.key", s.s3_access_key)
        .config("spark.hadoop.fs.s3a.secret.key", s.s3_secret_key)
        .config("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
        .config("spark.hadoop.fs.s3a.attempts.maximum", "3")
        .config("spark.hadoop.fs.s3a.retry.limit", "3")
        # moto answers at once; S3A's default change detection by ETag would refuse a file rewritten mid-read.
        .config("spark.hadoop.fs.s3a.change.detection.mode", "none")
    )
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark
