"""Install, start and stop the local AWS emulator (LocalStack on the host, no Docker), and the CDK env for it.

Stdlib only, so any Python ≥ 3.10 can drive it (the project's venv, the tests). Command line::

    python emulator/control.py install            # idempotent; exit 3/4 when it cannot install
    python emulator/control.py start [--port N]   # prints the PID; state in .emulator/state-<port>/
    python emulator/control.py stop  [--port N]   # SIGTERM, then SIGKILL after a grace period, by PID
    python emulator/control.py status [--port N]
    python emulator/control.py env   [--port N]   # the variables that point the CDK CLI and boto3 at it

The emulator listens on 127.0.0.1 only. Everything it keeps (its files, Lambda code, the CDK CLI's
cache, its log) lives in ``<EMULATOR_HOME>/state-<port>/`` and is deleted by ``stop``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
HOME = Path(os.environ.get("EMULATOR_HOME", ROOT / ".emulator"))
VENV = HOME / "venv"
LAMBDA_RUNTIME = HOME / "lambda-runtime"
PUBLIC_LAYERS = HOME / "public-layers"
DEFAULT_PORT = int(os.environ.get("EMULATOR_PORT", "4566"))
HOST = "127.0.0.1"
REGION = "us-east-1"
ACCOUNT = "000000000000"
STOP_GRACE_SECONDS = 5.0


class EmulatorError(RuntimeError):
    """The emulator could not be installed or started."""


class CannotInstall(EmulatorError):
    """This machine cannot have the emulator (no Python 3.13, or no package registry)."""


def state_dir(port: int) -> Path:
    return HOME / f"state-{port}"


def pid_file(port: int) -> Path:
    return state_dir(port) / "localstack.pid"


def log_file(port: int) -> Path:
    return state_dir(port) / "localstack.log"


def endpoint(port: int) -> str:
    # "localhost", not 127.0.0.1: LocalStack builds the REST API and queue URLs from the Host it is asked on.
    return f"http://localhost:{port}"


def install() -> None:
    """Run emulator/install.sh (fast when already installed)."""
    proc = subprocess.Popen(["bash", str(HERE / "install.sh")], stderr=subprocess.PIPE, text=True)
    last = ""
    assert proc.stderr is not None
    for line in proc.stderr:  # echo as it comes, keep the last line for the error
        sys.stderr.write(line)
        last = line.strip() or last
    proc.wait()
    if proc.returncode in (3, 4):
        raise CannotInstall(f"{last} (emulator/install.sh exited {proc.returncode})")
    if proc.returncode != 0:
        raise EmulatorError(f"emulator/install.sh exited {proc.returncode}: {last}")


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((HOST, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def read_pid(port: int) -> int | None:
    try:
        pid = int(pid_file(port).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if _alive(pid) else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (our own child, not reaped yet) is not alive.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except OSError:
        return True


def health(port: int) -> dict | None:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/_localstack/health", timeout=2) as r:
            return json.load(r)
    except (OSError, ValueError, urllib.error.URLError):
        return None


def start(port: int = DEFAULT_PORT, *, timeout: float = 90.0) -> int:
    """Start LocalStack in the background on 127.0.0.1:port, wait until it answers, return its PID."""
    if (pid := read_pid(port)) is not None:
        if health(port) is not None:
            return pid
        stop(port)
    if port_in_use(port):
        raise EmulatorError(f"port {port} on {HOST} is taken by another process; set EMULATOR_PORT")
    state = state_dir(port)
    shutil.rmtree(state, ignore_errors=True)
    (state / "fs").mkdir(parents=True)
    (state / "tmp").mkdir()
    (state / "lambda-logs").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCALSTACK_", "PYTHON", "VIRTUAL_ENV"))}
    env.update(
        GATEWAY_LISTEN=f"{HOST}:{port}",
        GATEWAY_SERVER="hypercorn",
        FILESYSTEM_ROOT=str(state / "fs"),
        TMPDIR=str(state / "tmp"),  # where LocalStack unzips Lambda code
        LOCALSTACK_TELEMETRY_DISABLED="1",
        DISABLE_EVENTS="1",
        CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES="1",  # AWS::XRay::* have no provider in the free edition
        SKIP_SSL_CERT_DOWNLOAD="1",
        LAMBDA_RUNTIME_EXECUTOR="host",
        PROVIDER_OVERRIDE_DYNAMODB="moto",  # LocalStack's default needs Java and DynamoDB Local
        LAMBDA_HOST_PYTHON=str(LAMBDA_RUNTIME / "bin" / "python"),
        LAMBDA_HOST_LOG_DIR=str(state / "lambda-logs"),
        LAMBDA_PUBLIC_LAYERS=str(PUBLIC_LAYERS),  # AWS's public Powertools layer and its SSM parameters
        # Keep idle Lambda processes for a minute, not ten: they are host processes here.
        LAMBDA_KEEPALIVE_MS="60000",
        PATH=f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}",
    )
    with open(log_file(port), "ab") as log:
        proc = subprocess.Popen(
            [str(VENV / "bin" / "python"), "-m", "localstack.runtime.main"],
            cwd=state, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pid_file(port).write_text(f"{proc.pid}\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise EmulatorError(f"LocalStack exited with {proc.returncode}; log: {log_file(port)}\n{tail(port)}")
        if health(port) is not None:
            return proc.pid
        time.sleep(0.25)
    stop(port)
    raise EmulatorError(f"LocalStack did not answer on {HOST}:{port} within {timeout:.0f} s\n{tail(port)}")


def tail(port: int, lines: int = 30) -> str:
    try:
        return "\n".join(log_file(port).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def stop(port: int = DEFAULT_PORT, pid: int | None = None, *, keep_state: bool = False) -> bool:
    """Stop the emulator by PID: SIGTERM, then SIGKILL after a grace period. True if one was running."""
    pid = pid or read_pid(port)
    was_running = pid is not None and _alive(pid)
    if was_running:
        assert pid is not None
        _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        if _alive(pid):
            _signal(pid, signal.SIGKILL)  # hypercorn ignores SIGTERM
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(pid):
                time.sleep(0.1)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
    pid_file(port).unlink(missing_ok=True)
    if not keep_state:
        shutil.rmtree(state_dir(port), ignore_errors=True)
    return was_running


def _signal(pid: int, sig: int) -> None:
    # The emulator leads its own process group (start_new_session), whose id is its PID: signal that group,
    # so the Lambda processes it started go with it.
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)


def cdk_env(port: int = DEFAULT_PORT, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment that points the CDK CLI and boto3 at the emulator, with a CDK_HOME of its own."""
    env = {k: v for k, v in (os.environ if base is None else base).items()
           if not k.startswith("AWS_") and k not in ("CDK_DEFAULT_ACCOUNT", "CDK_DEFAULT_REGION")}
    cdk_home = state_dir(port) / "cdk-home"
    cdk_home.mkdir(parents=True, exist_ok=True)
    env.update(
        AWS_ENDPOINT_URL=endpoint(port),
        AWS_ENDPOINT_URL_S3=endpoint(port),
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_EC2_METADATA_DISABLED="true",
        CDK_HOME=str(cdk_home),
        CDK_DISABLE_VERSION_CHECK="1",
        CDK_DISABLE_CLI_TELEMETRY="true",
        CDK_DEFAULT_ACCOUNT=ACCOUNT,
        CDK_DEFAULT_REGION=REGION,
    )
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["install", "start", "stop", "status", "env"])
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    try:
        if args.command == "install":
            install()
        elif args.command == "start":
            install()
            t0 = time.monotonic()
            pid = start(args.port)
            print(f"emulator: LocalStack running on {HOST}:{args.port}, PID {pid} "
                  f"(ready in {time.monotonic() - t0:.1f} s; log {log_file(args.port)})", file=sys.stderr)
            print(pid)
        elif args.command == "stop":
            pid = read_pid(args.port)
            stopped = stop(args.port)
            print(f"emulator: stopped PID {pid}" if stopped else "emulator: was not running", file=sys.stderr)
        elif args.command == "status":
            pid = read_pid(args.port)
            print(json.dumps({"pid": pid, "port": args.port, "health": health(args.port) if pid else None}))
            return 0 if pid else 1
        elif args.command == "env":
            for k, v in cdk_env(args.port, base={}).items():
                print(f"export {k}={v}")
    except CannotInstall as exc:
        print(f"emulator: cannot install: {exc}", file=sys.stderr)
        return 3
    except EmulatorError as exc:
        print(f"emulator: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
