"""HTTP: the Jobs API 2.1 subset the runbooks call, the SQL Statement Execution API 2.0 for one statement (a silver
table's COUNT(*), what pipelineDoctor asks), plus sandbox-only inspection and control under /sandbox/."""

import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from consumer import Consumer
from jobs import ApiError, Workspace, run_json
from layout import JobError, known_tables, table_paths
from versions import DELTA_VERSION, SPARK_VERSION


def _truthy(value) -> bool:
    return str(value).lower() in ("true", "1")


# The only statement the stand-in's warehouse runs; its tables are the lake's silver tables by source name.
COUNT_STATEMENT = re.compile(r"^\s*SELECT\s+COUNT\(\*\)(?:\s+AS\s+\w+)?\s+FROM\s+`?silver`?\.`?(\w+)`?\.`?(\w+)`?\s*;?\s*$", re.I)


class LakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, workspace: Workspace, consumer: Consumer):
        super().__init__(address, Handler)
        self.workspace = workspace
        self.consumer = consumer
        self.base_url = f"http://{address[0]}:{address[1]}"
        self.statements: dict[str, dict] = {}
        self.statements_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    server: LakeServer

    def log_message(self, fmt, *args):  # one line per request in the lake's log
        print(f"[http] {self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    def do_GET(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def _send(self, status: int, body: dict) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ApiError(400, "MALFORMED_REQUEST", f"Could not parse request object: {error.msg} at position {error.pos}") from None
        if not isinstance(body, dict):
            raise ApiError(400, "MALFORMED_REQUEST", "Could not parse request object: expected a JSON object")
        return body

    def _authorize(self) -> None:
        header = self.headers.get("Authorization", "")
        if not header:
            raise ApiError(401, "UNAUTHENTICATED", "Missing credentials: send Authorization: Bearer <token>")
        if header != f"Bearer {self.server.workspace.s.token}":
            raise ApiError(403, "PERMISSION_DENIED", "Invalid access token.")

    def _handle(self, method: str) -> None:
        url = urlparse(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        ws = self.server.workspace
        try:
            if url.path == "/sandbox/health":
                return self._send(200, {"ok": True, "spark": SPARK_VERSION, "delta": DELTA_VERSION})
            self._authorize()
            route = (method, url.path)
            if route == ("GET", "/api/2.1/jobs/get"):
                return self._send(200, ws.job(query.get("job_id")))
            if route == ("POST", "/api/2.1/jobs/update"):
                body = self._body()
                ws.update(body.get("job_id"), body.get("new_settings"), body.get("fields_to_remove"))
                return self._send(200, {})
            if route == ("POST", "/api/2.1/jobs/run-now"):
                body = self._body()
                run = ws.run_now(body.get("job_id"), body.get("job_parameters"))
                return self._send(200, {"run_id": run.run_id, "number_in_job": run.number_in_job})
            if route == ("GET", "/api/2.1/jobs/runs/get"):
                return self._send(200, run_json(ws.get_run(query.get("run_id")), self.server.base_url))
            if route == ("GET", "/api/2.1/jobs/runs/list"):
                runs, more = ws.list_runs(
                    query.get("job_id"),
                    _truthy(query.get("active_only", "false")),
                    _truthy(query.get("completed_only", "false")),
                    query.get("limit"),
                    query.get("offset"),
                )
                body = {"has_more": more}
                if runs:  # an empty list is left out of the response, as the service does
                    body["runs"] = [run_json(r, self.server.base_url) for r in runs]
                return self._send(200, body)
            if route == ("POST", "/api/2.1/jobs/runs/cancel"):
                ws.cancel(self._body().get("run_id"))
                return self._send(200, {})
            if route == ("POST", "/api/2.0/sql/statements"):
                return self._send(200, self._execute_statement(self._body()))
            if method == "GET" and url.path.startswith("/api/2.0/sql/statements/"):
                with self.server.statements_lock:
                    found = self.server.statements.get(url.path.rsplit("/", 1)[1])
                if found is None:
                    raise ApiError(404, "NOT_FOUND", f"Statement {url.path.rsplit('/', 1)[1]} not found")
                return self._send(200, found)
            return self._sandbox(route, query)
        except ApiError as error:
            return self._send(error.status, {"error_code": error.code, "message": error.message})
        except JobError as error:
            return self._send(400, {"error_code": "INVALID_PARAMETER_VALUE", "message": str(error)})
        except Exception as error:  # noqa: BLE001
            return self._send(500, {"error_code": "INTERNAL_ERROR", "message": f"{type(error).__name__}: {error}"})

    def _execute_statement(self, body: dict) -> dict:
        """Synchronous, as a statement that ends within wait_timeout: the result inline, JSON_ARRAY of strings."""
        ws = self.server.workspace
        warehouse, statement = body.get("warehouse_id"), body.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: statement")
        if warehouse != ws.s.warehouse_id:
            raise ApiError(404, "RESOURCE_DOES_NOT_EXIST", f"warehouse {warehouse!r} does not exist (the sandbox has {ws.s.warehouse_id!r})")
        match = COUNT_STATEMENT.match(statement)
        if not match:
            raise ApiError(
                400,
                "INVALID_PARAMETER_VALUE",
                "the sandbox warehouse runs only SELECT COUNT(*) FROM silver.<schema>.<table> (what pipelineDoctor asks)",
            )
        paths = table_paths(ws.s.state_dir, ws.s.default_source, f"{match.group(1)}.{match.group(2)}")
        count = self.server.consumer.silver_count(paths)
        answer = {
            "statement_id": str(uuid.uuid4()),
            "status": {"state": "SUCCEEDED"},
            "manifest": {"format": "JSON_ARRAY", "schema": {"column_count": 1, "columns": [{"name": "n", "type_name": "LONG", "position": 0}]}, "total_row_count": 1},
            "result": {"chunk_index": 0, "row_offset": 0, "row_count": 1, "data_array": [[str(count)]]},
        }
        with self.server.statements_lock:
            self.server.statements[answer["statement_id"]] = answer
        return answer

    def _sandbox(self, route, query) -> None:
        """Sandbox-only: not part of Databricks; tests read the lake's tables and steer failures with these."""
        ws, consumer = self.server.workspace, self.server.consumer
        if route[1] in ("/sandbox/silver", "/sandbox/bronze"):
            table = query.get("table")
            if not table:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: table (schema.table)")
            # The lake keeps a table's Delta tables by schema.table alone (the source prefix does not name them).
            paths = table_paths(ws.s.state_dir, ws.s.default_source, table)
            if route == ("GET", "/sandbox/silver"):
                rows = consumer.silver_rows(paths)
                return self._send(200, {"table": table, "count": len(rows), "rows": rows})
            if route == ("GET", "/sandbox/bronze"):
                return self._send(200, consumer.bronze_summary(paths))
        if route == ("GET", "/sandbox/tables"):
            return self._send(200, {"tables": known_tables(ws.s.state_dir)})
        if route == ("GET", "/sandbox/rebuilds"):
            with ws.lock:
                return self._send(200, {"rebuilds": list(ws.rebuilds)})
        if route == ("POST", "/sandbox/reset"):
            ws.reset()
            return self._send(200, {})
        if route == ("POST", "/sandbox/fail-next-rebuild"):
            message = self._body().get("message")
            if not isinstance(message, str) or not message:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "message (the failed run's state_message) is required")
            ws.fail_next(message)
            return self._send(200, {})
        raise ApiError(404, "ENDPOINT_NOT_FOUND", f"No API found for '{route[0]} {route[1]}'")
