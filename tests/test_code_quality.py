"""The library stays lint-clean and type-checks under mypy --strict (it ships py.typed)."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff() -> None:
    result = run("ruff", "check", "constructs_lib", "sample_stacks", "tests", "benchmarks", "app.py")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = run("mypy", "--no-error-summary")  # configured in pyproject.toml: strict, constructs_lib
    assert result.returncode == 0, result.stdout + result.stderr
