"""The sandbox's stand-in for a Databricks workspace's Jobs service: two jobs, their runs, a schedule, a queue.

Shapes follow the Databricks Jobs API 2.1 (REST reference: jobs/get, jobs/update, jobs/run-now, jobs/runs/get,
jobs/runs/list, jobs/runs/cancel; field meanings from the Databricks SDK's jobs types: RunLifeCycleState, RunResultState,
RunState, RunStatus/TerminationDetails). Runs execute one at a time on the lake's single SparkSession.
"""

import copy
import json
import shutil
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass, field

import s3files
from consumer import Consumer
from layout import JobError, bucket_of, check_table, known_tables, s3a, table_paths
from settings import LakeSettings

INGEST_JOB_ID = 1
REBUILD_JOB_ID = 2
TERMINAL = ("TERMINATED", "SKIPPED", "INTERNAL_ERROR")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now_ms() -> int:
    return int(time.time() * 1000)


def initial_jobs(s: LakeSettings) -> dict[int, dict]:
    """Both jobs' settings as a workspace would hold them (JobSettings), re-created on /sandbox/reset."""
    common = [
        {"name": "source", "default": s.default_source},
        {"name": "primary_keys", "default": ""},
    ]
    return {
        INGEST_JOB_ID: {
            "name": "lake-ingest",
            "schedule": {
                "quartz_cron_expression": f"0/{max(1, int(s.schedule_seconds))} * * * * ?",
                "timezone_id": "UTC",
                "pause_status": s.initial_pause_status,
            },
            "max_concurrent_runs": 1,
            "queue": {"enabled": True},
            "parameters": [*common, {"name": "tables", "default": "*"}],
            "tasks": [{"task_key": "bronze_silver", "spark_python_task": {"python_file": "sandbox/lake/consumer.py"}}],
            "format": "MULTI_TASK",
        },
        REBUILD_JOB_ID: {
            "name": "lake-rebuild",
            "max_concurrent_runs": 1,
            "queue": {"enabled": True},
            "parameters": [*common, {"name": "table", "default": ""}, {"name": "marker", "default": ""}],
            "tasks": [{"task_key": "rebuild", "spark_python_task": {"python_file": "sandbox/lake/consumer.py"}}],
            "format": "MULTI_TASK",
        },
    }


TRIGGER_KEYS = ("schedule", "continuous", "trigger")


@dataclass
class Run:
    run_id: int
    job_id: int
    number_in_job: int
    trigger: str  # ONE_TIME (run-now), PERIODIC (schedule/trigger), CONTINUOUS
    parameters: dict[str, str]
    defaults: dict[str, str]
    life_cycle_state: str = "QUEUED"
    result_state: str | None = None
    state_message: str = ""
    queue_reason: str | None = None
    termination_code: str | None = None
    termination_type: str | None = None
    user_cancelled: bool = False
    cancel_requested: bool = False
    start_time: int = field(default_factory=now_ms)
    exec_start: int | None = None
    end_time: int | None = None
    output: dict = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.life_cycle_state not in TERMINAL


class Workspace:
    def __init__(self, s: LakeSettings, consumer: Consumer):
        self.s = s
        self.consumer = consumer
        self.lock = threading.RLock()
        self.wake = threading.Condition(self.lock)
        self.jobs = initial_jobs(s)
        self.created = now_ms()
        self.runs: dict[int, Run] = {}
        self.queue: deque[int] = deque()
        self.next_run_id = 1001
        self.numbers = {INGEST_JOB_ID: 0, REBUILD_JOB_ID: 0}
        self.current: Run | None = None
        self.fail_next_rebuild: str | None = None
        self.rebuilds: list[dict] = []
        # The first scheduled run comes one interval after start, not at once (a suite pausing first sees none).
        self.last_tick = time.time()
        self.resetting = False

    # ---- the API's reads and writes (called from the HTTP threads) ----

    def job(self, job_id) -> dict:
        jid = self._job_id(job_id)
        with self.lock:
            return {
                "job_id": jid,
                "creator_user_name": "sandbox@dms-runbooks.local",
                "run_as_user_name": "sandbox@dms-runbooks.local",
                "created_time": self.created,
                "settings": copy.deepcopy(self.jobs[jid]),
            }

    def update(self, job_id, new_settings, fields_to_remove) -> None:
        jid = self._job_id(job_id)
        if new_settings is not None and not isinstance(new_settings, dict):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "new_settings must be an object")
        if fields_to_remove is not None and not isinstance(fields_to_remove, list):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "fields_to_remove must be an array of field names")
        with self.lock:
            settings = copy.deepcopy(self.jobs[jid])
            for name in fields_to_remove or []:
                settings.pop(name, None)
            # "Top-level fields specified in new_settings are completely replaced" (jobs/update).
            for key, value in (new_settings or {}).items():
                if key in TRIGGER_KEYS:
                    self._check_pause(key, value)
                settings[key] = value
            triggers = [k for k in TRIGGER_KEYS if k in settings]
            if len(triggers) > 1:
                raise ApiError(
                    400,
                    "INVALID_PARAMETER_VALUE",
                    f"Job {jid} would have {' and '.join(triggers)}: a job has at most one of schedule, continuous, "
                    "trigger; remove the other with fields_to_remove",
                )
            self.jobs[jid] = settings
            self.wake.notify_all()

    def run_now(self, job_id, job_parameters) -> Run:
        jid = self._job_id(job_id)
        if job_parameters is not None and not isinstance(job_parameters, dict):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "job_parameters must be an object of name: value")
        with self.lock:
            declared = {p["name"]: p.get("default", "") for p in self.jobs[jid].get("parameters", [])}
            unknown = sorted(set(job_parameters or {}) - set(declared))
            if unknown:
                raise ApiError(
                    400,
                    "INVALID_PARAMETER_VALUE",
                    f"Job {jid} has no parameter {', '.join(unknown)}; its parameters are {', '.join(sorted(declared))}",
                )
            return self._enqueue(jid, "ONE_TIME", {k: str(v) for k, v in (job_parameters or {}).items()})

    def get_run(self, run_id) -> Run:
        rid = self._int("run_id", run_id)
        with self.lock:
            if rid not in self.runs:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Run {rid} does not exist.")
            return self.runs[rid]

    def list_runs(self, job_id, active_only, completed_only, limit, offset) -> tuple[list[Run], bool]:
        jid = self._job_id(job_id) if job_id not in (None, "") else None
        if active_only and completed_only:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "active_only and completed_only cannot both be true")
        limit = self._int("limit", limit) if limit not in (None, "") else 20
        offset = self._int("offset", offset) if offset not in (None, "") else 0
        if not 1 <= limit <= 25:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"limit {limit} must be between 1 and 25")
        with self.lock:
            runs = [r for r in self.runs.values() if jid is None or r.job_id == jid]
            runs = [r for r in runs if (not active_only or r.active) and (not completed_only or not r.active)]
            runs.sort(key=lambda r: (r.start_time, r.run_id), reverse=True)
            return runs[offset : offset + limit], len(runs) > offset + limit

    def cancel(self, run_id) -> None:
        run = self.get_run(run_id)
        with self.lock:
            if not run.active:
                return
            run.user_cancelled = True
            if run is self.current:
                # "The run is canceled asynchronously, so it may still be running when this request completes."
                run.cancel_requested = True
                run.life_cycle_state = "TERMINATING"
                run.state_message = "Run cancellation requested"
                threading.Thread(target=self.consumer.stop_active, daemon=True).start()
            else:
                self.queue.remove(run.run_id)
                self._finish(run, "CANCELED", "Run cancelled before it started", "USER_CANCELED", "SUCCESS")

    def fail_next(self, message: str) -> None:
        with self.lock:
            self.fail_next_rebuild = message

    def reset(self) -> None:
        """Cancels every run, waits for the engine to be idle, forgets all tables, runs and settings."""
        with self.lock:
            self.resetting = True
            for rid in list(self.queue):
                self.cancel(rid)
            if self.current is not None:
                self.cancel(self.current.run_id)
        try:
            deadline = time.time() + 120
            while True:
                with self.lock:
                    if self.current is None:
                        break
                if time.time() > deadline:
                    raise ApiError(503, "TEMPORARILY_UNAVAILABLE", "the active run did not stop within 120 s; retry")
                time.sleep(0.2)
            with self.lock:
                shutil.rmtree(self.s.state_dir, ignore_errors=True)
                self.jobs = initial_jobs(self.s)
                self.runs.clear()
                self.numbers = {INGEST_JOB_ID: 0, REBUILD_JOB_ID: 0}
                self.fail_next_rebuild = None
                self.rebuilds = []
                self.last_tick = time.time()
        finally:
            with self.lock:
                self.resetting = False

    # ---- the scheduler and the single worker (threads started by main.py) ----

    def scheduler_loop(self) -> None:
        """PERIODIC runs while the schedule or trigger is UNPAUSED; a CONTINUOUS one whenever none is active."""
        while True:
            time.sleep(0.5)
            with self.lock:
                if self.resetting:
                    continue
                for jid, settings in self.jobs.items():
                    active = any(r.active for r in self.runs.values() if r.job_id == jid)
                    if active:
                        continue  # max_concurrent_runs 1: a triggered run is not started while one is active
                    if settings.get("continuous", {}).get("pause_status", "UNPAUSED") == "UNPAUSED" and "continuous" in settings:
                        self._enqueue(jid, "CONTINUOUS", {})
                        continue
                    timed = settings.get("schedule") or settings.get("trigger")
                    if timed and timed.get("pause_status", "UNPAUSED") == "UNPAUSED":
                        if time.time() - self.last_tick >= self.s.schedule_seconds:
                            self.last_tick = time.time()
                            self._enqueue(jid, "PERIODIC", {})

    def worker_loop(self) -> None:
        while True:
            with self.lock:
                while not self.queue:
                    self.wake.wait(1)
                run = self.runs[self.queue.popleft()]
                self.current = run
                run.life_cycle_state = "RUNNING"
                run.queue_reason = None
                run.state_message = ""
                run.exec_start = now_ms()
            self.consumer.begin()
            try:
                output = self._execute(run)
                with self.lock:
                    if run.cancel_requested:
                        self._finish(run, "CANCELED", "Run cancelled by user", "USER_CANCELED", "SUCCESS")
                    else:
                        run.output = output
                        self._finish(run, "SUCCESS", "", "SUCCESS", "SUCCESS")
            except Exception as error:  # noqa: BLE001 - every failure ends the run, with its reason
                with self.lock:
                    if run.cancel_requested:
                        self._finish(run, "CANCELED", "Run cancelled by user", "USER_CANCELED", "SUCCESS")
                    else:
                        if not isinstance(error, JobError):
                            traceback.print_exc()
                        message = str(error) if isinstance(error, JobError) else f"{type(error).__name__}: {error}"
                        code = "RUN_EXECUTION_ERROR" if isinstance(error, JobError) else "DRIVER_ERROR"
                        self._finish(run, "FAILED", message, code, "CLIENT_ERROR")
            finally:
                with self.lock:
                    self.current = None

    # ---- what a run does ----

    def _execute(self, run: Run) -> dict:
        params = {**run.defaults, **run.parameters}
        source = params.get("source") or self.s.default_source
        keys = self._primary_keys(params.get("primary_keys", ""))
        if run.job_id == INGEST_JOB_ID:
            tables = self._tables(source, params.get("tables", "*"))
            results = []
            for name in tables:
                paths = table_paths(self.s.state_dir, source, name)
                result = self.consumer.ingest(paths, keys.get(name, ["id"]), run.run_id)
                results.append(result.__dict__)
            print(f"[lake] run {run.run_id} ingest {json.dumps(results)}", flush=True)
            return {"tables": results}
        return self._rebuild(run, params, source, keys)

    def _rebuild(self, run: Run, params: dict, source: str, keys: dict) -> dict:
        table = params.get("table", "")
        marker = params.get("marker", "")
        if not table:
            raise JobError("the rebuild needs the job parameter table (schema.table); run-now with job_parameters.table")
        check_table(table)
        if not marker:
            raise JobError(f"the rebuild of {table} needs the job parameter marker (the S3 key of its rewrite marker)")
        with self.lock:
            injected, self.fail_next_rebuild = self.fail_next_rebuild, None
        if injected is not None:
            raise JobError(injected)
        marker_uri = s3a(marker) if marker.startswith("s3") else f"s3a://{bucket_of(source)}/{marker.lstrip('/')}"
        if not s3files.exists(self.consumer.spark, marker_uri):
            raise JobError(
                f"rewrite marker {marker_uri.replace('s3a://', 's3://')} does not exist: the rebuild of {table} "
                "runs only after a runbook wrote its marker; check the key, or write the marker, then run again"
            )
        try:
            content = json.loads(s3files.read_text(self.consumer.spark, marker_uri))
        except json.JSONDecodeError as error:
            raise JobError(f"rewrite marker {marker} is not JSON ({error}); the rebuild of {table} did not start") from None
        named = content.get("table") if isinstance(content, dict) else None
        if named != table:
            raise JobError(
                f"rewrite marker {marker} names table {named!r}, not {table}: refusing to rebuild {table} from "
                "another table's marker; pass the marker the runbook wrote for this table"
            )
        paths = table_paths(self.s.state_dir, source, table)
        snapshot = content.get("snapshot") if isinstance(content.get("snapshot"), dict) else {}
        boundary = snapshot.get("loadStartedAfter")
        result = self.consumer.rebuild(paths, keys.get(table, ["id"]), run.run_id, boundary)
        record = {"run_id": run.run_id, "table": table, "marker": marker, "files": result.files, "rows": result.rows}
        with self.lock:
            self.rebuilds.append({**record, "at": now_ms()})
        print(f"[lake] run {run.run_id} rebuild {json.dumps(record)}", flush=True)
        return {"tables": [result.__dict__]}

    def _tables(self, source: str, tables: str) -> list[str]:
        if tables.strip() in ("", "*"):
            # Every schema/table folder under the source, as Auto Loader over the whole BucketFolder would see them.
            root = s3a(source)
            spark = self.consumer.spark
            # Folders starting with _ or . are not tables (Spark's hidden-path rule; markers and staging may live there).
            visible = lambda names: [n for n in names if not n.startswith(("_", "."))]  # noqa: E731
            return [
                f"{schema}.{t}"
                for schema in visible(s3files.child_dirs(spark, root))
                for t in visible(s3files.child_dirs(spark, f"{root}/{schema}"))
            ]
        return [check_table(t.strip()) for t in tables.split(",") if t.strip()]

    @staticmethod
    def _primary_keys(raw: str) -> dict[str, list[str]]:
        """primary_keys: `schema.table:col1+col2,schema.other:col`; a table not named is keyed by `id`."""
        keys = {}
        for part in (p.strip() for p in raw.split(",") if p.strip()):
            table, _, cols = part.partition(":")
            if not cols:
                raise JobError(f"primary_keys entry {part!r} is not schema.table:column[+column]")
            keys[check_table(table.strip())] = [c.strip() for c in cols.split("+") if c.strip()]
        return keys

    # ---- helpers ----

    def _enqueue(self, jid: int, trigger: str, parameters: dict) -> Run:
        self.numbers[jid] += 1
        declared = {p["name"]: str(p.get("default", "")) for p in self.jobs[jid].get("parameters", [])}
        run = Run(self.next_run_id, jid, self.numbers[jid], trigger, parameters, declared)
        self.next_run_id += 1
        busy_same_job = any(r.active for r in self.runs.values() if r.job_id == jid)
        run.life_cycle_state = "QUEUED" if busy_same_job else "PENDING"
        run.queue_reason = "Queued due to reaching maximum concurrent runs of 1." if busy_same_job else None
        run.state_message = "Waiting for the sandbox's single Spark session" if not busy_same_job else ""
        self.runs[run.run_id] = run
        self.queue.append(run.run_id)
        self.wake.notify_all()
        return run

    def _finish(self, run: Run, result: str, message: str, code: str, kind: str) -> None:
        run.life_cycle_state = "TERMINATED"
        run.result_state = result
        run.state_message = message
        run.termination_code = code
        run.termination_type = kind
        run.end_time = now_ms()

    def _check_pause(self, key: str, value) -> None:
        if not isinstance(value, dict):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"new_settings.{key} must be an object")
        # CronSchedule: quartz_cron_expression and timezone_id are required; a trigger names what fires it.
        missing = {
            "schedule": [f for f in ("quartz_cron_expression", "timezone_id") if not value.get(f)],
            "trigger": [] if any(k in value for k in ("periodic", "file_arrival", "table_update")) else ["periodic|file_arrival|table_update"],
            "continuous": [],
        }[key]
        if missing:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"new_settings.{key} misses {', '.join(missing)} (the whole {key} object is replaced; send it with the new pause_status)")
        pause = value.get("pause_status", "UNPAUSED")
        if pause not in ("PAUSED", "UNPAUSED"):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"new_settings.{key}.pause_status {pause!r} must be PAUSED or UNPAUSED")

    def _job_id(self, value) -> int:
        jid = self._int("job_id", value)
        if jid not in self.jobs:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Job {jid} does not exist.")
        return jid

    @staticmethod
    def _int(name: str, value) -> int:
        if value is None or value == "":
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Missing required field: {name}")
        try:
            if isinstance(value, bool):
                raise ValueError
            return int(value)
        except (TypeError, ValueError):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"{name} {value!r} is not an integer") from None


def run_json(run: Run, host: str) -> dict:
    """A run as jobs/runs/get and jobs/runs/list return it (Run, RunState, RunStatus)."""
    state = {"life_cycle_state": run.life_cycle_state, "state_message": run.state_message, "user_cancelled_or_timedout": run.user_cancelled}
    if run.result_state is not None:
        state["result_state"] = run.result_state
    if run.queue_reason:
        state["queue_reason"] = run.queue_reason
    status: dict = {"state": run.life_cycle_state}
    if run.life_cycle_state == "TERMINATED":
        status["termination_details"] = {"code": run.termination_code, "type": run.termination_type, "message": run.state_message}
    if run.queue_reason:
        status["queue_details"] = {"code": "ACTIVE_RUNS_LIMIT_REACHED", "message": run.queue_reason}
    params = [{"name": k, "default": v, **({"value": run.parameters[k]} if k in run.parameters else {})} for k, v in run.defaults.items()]
    end = run.end_time or 0
    body = {
        "job_id": run.job_id,
        "run_id": run.run_id,
        "number_in_job": run.number_in_job,
        "original_attempt_run_id": run.run_id,
        "run_name": {INGEST_JOB_ID: "lake-ingest", REBUILD_JOB_ID: "lake-rebuild"}[run.job_id],
        "run_type": "JOB_RUN",
        "trigger": run.trigger,
        "state": state,
        "status": status,
        "job_parameters": params,
        "start_time": run.start_time,
        "end_time": end,
        "setup_duration": ((run.exec_start or end or now_ms()) - run.start_time) if run.exec_start or end else 0,
        "execution_duration": (end - run.exec_start) if end and run.exec_start else 0,
        "cleanup_duration": 0,
        "run_duration": (end - run.start_time) if end else 0,
        "run_page_url": f"{host}/#job/{run.job_id}/run/{run.run_id}",
        "format": "MULTI_TASK",
    }
    if run.output:
        body["sandbox_output"] = run.output
    return body
