"""The project stays lint-clean. (mypy --strict runs in the lint step, scripts/lint, beside the suite: it is slow
cold and has its own incremental cache.)"""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    result = run("ruff", "check", "constructs_lib", "sample_stacks", "tests", "benchmarks", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr
