"""The engine's pinned JVM parts, resolved by Spark from Maven Central into the Ivy cache under .tools/.

PySpark 3.5.3 bundles Hadoop 3.3.4, so the S3A connector is hadoop-aws 3.3.4 (it must match the bundled hadoop-client)
with the AWS SDK bundle that hadoop-aws 3.3.4 declares (1.12.262). Delta Lake 3.3.0 is built for Spark 3.5.3 and Scala
2.12 (the Scala of the PyPI pyspark 3.5 build). The Python side is pinned in sandbox/lake/requirements.txt.
"""

SPARK_VERSION = "3.5.3"
DELTA_VERSION = "3.3.0"
HADOOP_VERSION = "3.3.4"
AWS_SDK_BUNDLE_VERSION = "1.12.262"

MAVEN_PACKAGES = [
    f"io.delta:delta-spark_2.12:{DELTA_VERSION}",
    f"org.apache.hadoop:hadoop-aws:{HADOOP_VERSION}",
    f"com.amazonaws:aws-java-sdk-bundle:{AWS_SDK_BUNDLE_VERSION}",
]
