"""The lake reference consumer: one SparkSession, the Jobs API stand-in on 127.0.0.1:$STACK_LAKE_PORT.

Started by the stack's `lake` part (sandbox/stack/lake.ts) with the lake's own Python; see sandbox/lake/README.md.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from api import LakeServer  # noqa: E402
from consumer import Consumer  # noqa: E402
from jobs import Workspace  # noqa: E402
from session import build_session  # noqa: E402
from settings import load_settings  # noqa: E402


def main() -> None:
    s = load_settings()
    started = time.time()
    spark = build_session(s)
    os.makedirs(s.state_dir, exist_ok=True)
    consumer = Consumer(spark, s.state_dir)
    workspace = Workspace(s, consumer)
    threading.Thread(target=workspace.worker_loop, name="lake-worker", daemon=True).start()
    threading.Thread(target=workspace.scheduler_loop, name="lake-scheduler", daemon=True).start()
    server = LakeServer((s.host, s.port), workspace, consumer)
    print(f"[lake] Spark {spark.version} up in {time.time() - started:.1f} s; Jobs API on http://{s.host}:{s.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
