"""Runs each Lambda execution environment as one long-lived host Python process (see bootstrap.py).

What it honours: the handler string, the code asset LocalStack unzipped, layers (``<layer>/python`` on
sys.path, as under /opt), the function's environment variables, and its timeout (the worker is killed and
the invocation fails with "Task timed out", as on AWS). What it does not: memory limits, the
/var/task and /opt paths themselves, non-Python runtimes, and any isolation from the host.

LAMBDA_HOST_PYTHON names the interpreter for handlers (a virtualenv with only boto3, like Lambda's
Python runtime); without it, the interpreter running LocalStack is used. LAMBDA_HOST_LOG_DIR, if set, gets
one log file per function with everything its processes print (SIGUSR1 to a handler process dumps its stack there),
and ``xray-segments.jsonl``: as Lambda runs the X-Ray daemon beside each function and points
``AWS_XRAY_DAEMON_ADDRESS`` at it, this executor listens on a UDP port of 127.0.0.1 and writes every segment
document the handlers' X-Ray SDK sends there, one JSON object a line (LocalStack's free edition has no X-Ray).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections import deque
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.lambda_models import FunctionVersion, InvocationResult
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor

LOG = logging.getLogger(__name__)
BOOTSTRAP = Path(__file__).with_name("bootstrap.py")
# Host variables a handler process may see; everything else comes from the function's configuration.
PASS_THROUGH = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")


class _XRayDaemon:
    """A UDP listener standing in for the X-Ray daemon: each datagram's document goes to a JSON-lines file."""

    _instance: _XRayDaemon | None = None
    _lock = threading.Lock()

    def __init__(self, sink: Path) -> None:
        self.sink = sink
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"
        threading.Thread(target=self._run, name="xray-daemon", daemon=True).start()

    @classmethod
    def address_for(cls, log_dir: str | None) -> str | None:
        if not log_dir:
            return None
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls(Path(log_dir) / "xray-segments.jsonl")
            return cls._instance.address

    def _run(self) -> None:
        with open(self.sink, "a", buffering=1) as sink:
            while True:
                datagram = self.sock.recv(65536)
                _, _, body = datagram.partition(b"\n")  # the header line: {"format": "json", "version": 1}
                try:
                    sink.write(json.dumps(json.loads(body)) + "\n")
                except ValueError:
                    LOG.debug("not an X-Ray segment document: %r", datagram[:200])


def _gateway_host() -> str:
    host = config.GATEWAY_LISTEN[0].host
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host


def _code_dirs(function_version: FunctionVersion) -> tuple[str, list[str]]:
    cfg = function_version.config
    if not cfg.code:
        raise LambdaRuntimeException("host executor: image-based functions are not supported")
    task_root = str(cfg.code.get_unzipped_code_location())
    layer_paths = []
    for layer in cfg.layers or []:
        if layer.code:
            root = Path(layer.code.get_unzipped_code_location())
            layer_paths += [str(root / "python"), str(root)]
    return task_root, layer_paths


class HostRuntimeExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id, function_version)
        self.env: dict[str, str] = {}
        self.proc: subprocess.Popen | None = None
        self.responses: queue.Queue = queue.Queue()
        self.logs: deque[str] = deque(maxlen=2000)
        self.lock = threading.Lock()

    # --- lifecycle -------------------------------------------------------------------------------
    def start(self, env_vars: dict[str, str]) -> None:
        runtime = str(self.function_version.config.runtime or "")
        if not runtime.startswith("python"):
            raise LambdaRuntimeException(f"host executor runs Python runtimes only, not {runtime!r}")
        task_root, layer_paths = _code_dirs(self.function_version)
        env = {k: os.environ[k] for k in PASS_THROUGH if k in os.environ}
        env.update({k: str(v) for k, v in env_vars.items()})
        endpoint = f"http://{_gateway_host()}:{config.GATEWAY_LISTEN[0].port}"
        env.setdefault("AWS_ENDPOINT_URL", endpoint)
        daemon = _XRayDaemon.address_for(os.environ.get("LAMBDA_HOST_LOG_DIR"))
        if daemon:
            env["AWS_XRAY_DAEMON_ADDRESS"] = daemon  # reserved: Lambda sets it, whatever the function says
        env.update(
            LAMBDA_TASK_ROOT=task_root,
            PYTHONPATH=os.pathsep.join([task_root, *layer_paths]),
            PYTHONUNBUFFERED="1",
            PYTHONDONTWRITEBYTECODE="1",
        )
        self.env = env
        self._spawn()

    def _spawn(self) -> None:
        python = os.environ.get("LAMBDA_HOST_PYTHON") or sys.executable
        handler = self.function_version.config.handler or ""
        self.responses = queue.Queue()
        self.proc = subprocess.Popen(
            [python, str(BOOTSTRAP), handler],
            cwd=self.env["LAMBDA_TASK_ROOT"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        proc, responses = self.proc, self.responses
        threading.Thread(target=self._read_stdout, args=(proc, responses), daemon=True).start()
        threading.Thread(target=self._read_stderr, args=(proc,), daemon=True).start()

    def _read_stdout(self, proc: subprocess.Popen, responses: queue.Queue) -> None:
        for line in proc.stdout:
            responses.put(line)
        responses.put(None)  # the worker exited

    def _read_stderr(self, proc: subprocess.Popen) -> None:
        name = self.function_version.id.function_name
        log_dir = os.environ.get("LAMBDA_HOST_LOG_DIR")
        sink = open(Path(log_dir) / f"{name}.log", "a", buffering=1) if log_dir else None  # noqa: SIM115
        try:
            for line in proc.stderr:
                self.logs.append(line)
                if sink:
                    sink.write(line)
                LOG.debug("[lambda %s] %s", name, line.rstrip())
        finally:
            if sink:
                sink.close()

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc and proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    # --- invocation ------------------------------------------------------------------------------
    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        request_id = payload["invoke-id"]
        timeout = float(self.function_version.config.timeout or 3)
        with self.lock:
            if self.proc is None or self.proc.poll() is not None:
                self._spawn()  # a timeout or a crash ended the previous process: a fresh environment
            request = {
                "request_id": request_id,
                "invoked_function_arn": payload["invoked-function-arn"],
                "payload": payload["payload"],
                "trace_id": payload.get("trace-id") or "",
                "timeout": timeout,
            }
            try:
                self.proc.stdin.write(json.dumps(request) + "\n")
                self.proc.stdin.flush()
                line = self.responses.get(timeout=timeout + 0.5)
            except queue.Empty:
                self.stop()
                return self._error(request_id, f"Task timed out after {timeout:.2f} seconds", "Sandbox.Timedout")
            except (BrokenPipeError, OSError):
                line = None
            if line is None:
                tail = "".join(list(self.logs)[-20:])
                self.stop()
                return self._error(request_id, "Runtime exited without providing a reason", "Runtime.ExitError", tail)
        response = json.loads(line)
        return InvocationResult(
            request_id=request_id,
            payload=response["payload"].encode(),
            is_error=response["is_error"],
            logs=response.get("logs", ""),
            executed_version=self.function_version.id.qualifier,
        )

    def _error(self, request_id: str, message: str, error_type: str, logs: str = "") -> InvocationResult:
        body = {"errorMessage": f"{request_id} {message}", "errorType": error_type}
        return InvocationResult(request_id, json.dumps(body).encode(), True, logs + message + "\n")

    # --- addresses and preparation ---------------------------------------------------------------
    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        return _gateway_host()

    def get_runtime_endpoint(self) -> str:
        return f"http://{_gateway_host()}:{config.GATEWAY_LISTEN[0].port}/_localstack_lambda/{self.id}"

    def get_logs(self) -> str:
        return "".join(self.logs)

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        if function_version.config.code:
            function_version.config.code.prepare_for_execution()
        for layer in function_version.config.layers or []:
            if layer.code:
                layer.code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass

    @classmethod
    def validate_environment(cls) -> bool:
        return True
