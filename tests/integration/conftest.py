"""The sample app on a local AWS emulator, for the integration tests (marked ``integration``).

One emulator per session: installed if needed (emulator/install.sh: its own Python 3.13 virtualenv), started on
127.0.0.1 on a free port (EMULATOR_TEST_PORT to choose one), with its PID recorded; then the real `cdk bootstrap`
and `cdk deploy --all`. At the end, `cdk destroy` (unless a test already did) and the emulator is stopped by PID:
SIGTERM, then SIGKILL after a grace period.

The tests are skipped, with the reason printed, only when the emulator cannot be installed on this machine
(no Python 3.13, or pip cannot reach the package index). EMULATOR_REQUIRED=1 turns that skip into a failure.
Anything that goes wrong after the install is a failure, never a skip.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from emulator import cdk_local, control, smoke  # noqa: E402


@dataclass
class LocalDeployment:
    port: int
    pid: int
    app: smoke.Deployment
    timings: dict[str, float] = field(default_factory=dict)
    destroyed: bool = False


def _timed(timings: dict[str, float], name: str, fn, *args):
    started = time.monotonic()
    result = fn(*args)
    timings[name] = time.monotonic() - started
    return result


@pytest.fixture(scope="session")
def local_deployment(request: pytest.FixtureRequest) -> Iterator[LocalDeployment]:
    timings: dict[str, float] = {}
    try:
        _timed(timings, "install", control.install)
    except control.CannotInstall as exc:
        if os.environ.get("EMULATOR_REQUIRED") == "1":
            pytest.fail(f"the local AWS emulator cannot be installed and EMULATOR_REQUIRED=1: {exc}")
        pytest.skip(f"the local AWS emulator cannot be installed on this machine: {exc}")
    _timed(timings, "npm ci", cdk_local.ensure_cli)
    port = int(os.environ.get("EMULATOR_TEST_PORT") or control.free_port())
    pid = _timed(timings, "start", control.start, port)
    deployment = None
    try:
        _timed(timings, "cdk bootstrap", cdk_local.bootstrap, port)
        _timed(timings, "cdk deploy --all", cdk_local.deploy, port)
        deployment = LocalDeployment(port, pid, smoke.Deployment.load(port, cdk_local.cdk_out(port)), timings)
        yield deployment
    finally:
        try:
            if deployment is None or not deployment.destroyed:
                _timed(timings, "cdk destroy --all", cdk_local.destroy, port)
        finally:
            _timed(timings, "stop", control.stop, port, pid)
            still_alive = control._alive(pid)
            summary = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
            request.config.stash[TIMINGS] = f"local emulator on 127.0.0.1:{port}, PID {pid}: {summary}"
            assert not still_alive, f"emulator PID {pid} still running after stop"


TIMINGS = pytest.StashKey[str]()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run the integration tests last, so that the emulator install ./scripts/test starts in the background
    overlaps the rest of the suite."""
    here = Path(__file__).parent
    items.sort(key=lambda item: here in Path(str(item.path)).parents)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if TIMINGS in config.stash:
        terminalreporter.write_line(config.stash[TIMINGS])
