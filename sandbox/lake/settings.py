"""The lake's settings, read once from the environment the stack starts it with (sandbox/stack/lake.ts)."""

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class LakeSettings:
    host: str
    port: int
    token: str
    # Where the lake keeps its Delta tables and streaming checkpoints (a local directory, .stack/lake by default).
    state_dir: str
    # The S3 the DMS files are read from (moto's endpoint) and the default source of both jobs.
    s3_endpoint: str
    s3_access_key: str
    s3_secret_key: str
    default_source: str
    # Seconds between two runs the schedule (or an UNPAUSED trigger) starts, and its pause status at start and reset.
    schedule_seconds: float
    initial_pause_status: str
    # Maven coordinates Spark resolves into the Ivy cache under .tools/ (pinned in sandbox/lake/versions.py).
    ivy_dir: str
    driver_memory: str
    # The one SQL warehouse of the stand-in: it answers SELECT COUNT(*) FROM silver.<schema>.<table> only.
    warehouse_id: str


def load_settings() -> LakeSettings:
    env = os.environ
    bucket = env.get("STACK_BUCKET", "shop-lake")
    pause = env.get("LAKE_SCHEDULE_PAUSE_STATUS", "UNPAUSED").upper()
    if pause not in ("PAUSED", "UNPAUSED"):
        raise SystemExit(f"LAKE_SCHEDULE_PAUSE_STATUS={pause} must be PAUSED or UNPAUSED")
    return LakeSettings(
        host=env.get("LAKE_HOST", "127.0.0.1"),
        port=int(env.get("STACK_LAKE_PORT", "5057")),
        token=env.get("LAKE_TOKEN", "sandbox-token"),
        state_dir=env.get("LAKE_STATE_DIR", os.path.join(os.getcwd(), ".stack", "lake")),
        s3_endpoint=env.get("LAKE_S3_ENDPOINT", env.get("MOTO_ENDPOINT", "http://127.0.0.1:5055")),
        s3_access_key=env.get("AWS_ACCESS_KEY_ID", "sandbox"),
        s3_secret_key=env.get("AWS_SECRET_ACCESS_KEY", "sandbox"),
        default_source=env.get("LAKE_SOURCE", f"s3://{bucket}/dms"),
        schedule_seconds=float(env.get("LAKE_SCHEDULE_SECONDS", "10")),
        initial_pause_status=pause,
        ivy_dir=env.get("LAKE_IVY_DIR", os.path.join(os.getcwd(), ".tools", "lake-ivy")),
        driver_memory=env.get("LAKE_DRIVER_MEMORY", "1g"),
        warehouse_id=env.get("LAKE_WAREHOUSE_ID", "sandbox-warehouse"),
    )
