"""Every ``Example::`` in the monitoring package's docstrings runs, as doctest would, in its module's namespace,
with a small fixture: ``app`` and ``stack`` (an environment-agnostic stack), and the library's public names."""

from __future__ import annotations

import ast
import importlib
import textwrap
from pathlib import Path

import pytest
from aws_cdk import App, Duration, Stack

import constructs_lib
from constructs_lib import monitoring

PACKAGE = Path(monitoring.__file__).parent


def examples() -> list[tuple[str, str]]:
    found = []
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)):
                continue
            doc = ast.get_docstring(node, clean=False)
            if not doc or "Example::" not in doc:
                continue
            block = doc.split("Example::", 1)[1].split("\n")[1:]
            lines = []
            for line in block:
                if line.strip() and not line.startswith(" " * 4) and lines:
                    break
                lines.append(line)
            name = getattr(node, "name", "module")
            found.append((f"{path.stem}.{name}", textwrap.dedent("\n".join(lines)).strip()))
    return found


@pytest.mark.parametrize(("where", "code"), examples(), ids=[w for w, _ in examples()])
def test_example_runs(where: str, code: str) -> None:
    app = App()
    module = importlib.import_module(f"constructs_lib.monitoring.{where.split('.')[0]}")
    namespace = {**vars(module), "app": app, "stack": Stack(app, "Stack"), "App": App, "Stack": Stack,
                 "Duration": Duration, **{n: getattr(constructs_lib, n) for n in constructs_lib.__all__},
                 **{n: getattr(monitoring, n) for n in monitoring.__all__}}
    exec(compile(code, where, "exec"), namespace)
