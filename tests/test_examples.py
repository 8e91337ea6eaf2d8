"""Every Python example of the README, docs/*.md and the public docstrings runs, and says what its code does.

How examples are found, marked as not runnable and checked: ``tests/doc_examples.py``. The names they may use
without defining them: ``tests/examples_fixture.py``. An example that built something in the fixture app is
synthesized afterwards (aspects and validations run only then), so an example that constructs fine but cannot
synthesize fails too.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .doc_examples import ClaimMismatch, Example, collect, markdown_examples, run
from .examples_fixture import ExampleNamespace

EXAMPLES = collect()

@pytest.mark.parametrize("example", [pytest.param(e, id=e.id) for e in EXAMPLES])
def test_example_runs(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if example.not_run is not None:
        pytest.skip(f"not run: {example.not_run}")
    monkeypatch.setenv("CDK_OUTDIR", str(tmp_path / "own-app"))  # where an example's own App() writes
    namespace = ExampleNamespace(tmp_path / "cdk.out")
    run(example, namespace)
    app = namespace.fixture_app
    if app is not None and app.node.children:
        app.synth()


def test_examples_are_collected_from_every_source() -> None:
    """The harness finds examples in each place users read them (an empty collection would pass vacuously)."""
    paths = {e.path for e in EXAMPLES}
    assert "README.md" in paths
    assert any(p.startswith("docs/") for p in paths)
    assert {"constructs_lib/tracing/aspect.py", "constructs_lib/filters.py", "constructs_lib/cost/__init__.py"} <= paths
    assert len(EXAMPLES) > 40


# -- the harness itself: each check can fail ---------------------------------------------------------------------
def _run(code: str, tmp_path: Path, *, path: str = "doc.md", line: int = 1) -> int:
    return run(Example(path=path, line=line, code=code), ExampleNamespace(tmp_path / "cdk.out"))


@pytest.mark.parametrize("code", [
    "1 + 1   # 3",
    "str(TraceFilter.fault())   # 'error'",
    "TraceFilter.fault() & TraceFilter.ok()   # fault AND error",
    "12.4   # 12.46",
    "[1, 2]   # [1, 2, 3]",
    "0   # False",
    "'x' in 'xy'   # False: it is",
])
def test_a_claim_the_code_does_not_keep_fails(code: str, tmp_path: Path) -> None:
    with pytest.raises(ClaimMismatch):
        _run(code, tmp_path)


@pytest.mark.parametrize(("code", "claims"), [
    ("str(TraceFilter.fault() & TraceFilter.ok())   # 'fault AND ok'", 1),
    ("TraceFilter.fault() & TraceFilter.ok()   # fault AND ok", 1),
    ("12.4584   # 12.46", 1),
    ("wildcard = 3 > 2\nwildcard   # True: three is more", 1),
    ("TraceGroupKind.FAULT   # TraceGroupKind.FAULT", 1),
    ("TraceFilter.parse('fault')   # validates a hand-written expression", 0),
    ("1 + 0.05 * 19   # 1 + 0.05 x 19 = 1.95", 0),
])
def test_a_claim_the_code_keeps_passes(code: str, claims: int, tmp_path: Path) -> None:
    assert _run(code, tmp_path) == claims


def test_an_example_gets_only_the_public_api_and_errors_point_at_the_doc_line(tmp_path: Path) -> None:
    with pytest.raises(NameError, match="wildcard_match") as raised:
        _run("x = 1\nwildcard_match('a', 'a')", tmp_path, path="docs/x.md", line=10)
    frame = raised.traceback[-1]
    assert (Path(str(frame.path)).name, frame.lineno + 1) == ("x.md", 11)


def test_an_example_that_cannot_synthesize_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    over_budget = Example(path="doc.md", line=1, code=(
        'TracingCostEstimate(self, "Cost", monthly_budget_usd=0, traffic=[TrafficProfile(service_name="a", rps=100)])'
    ))
    with pytest.raises(RuntimeError, match="monthly_budget_usd"):
        test_example_runs(over_budget, tmp_path, monkeypatch)


def test_markdown_python_blocks_are_collected_and_marked_blocks_reported(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("\n".join([
        "# Title", "```python", "a = 1", "```", "```bash", "ls", "```",
        "- item", "  ```python", "  # not run: a fragment of a method", "  self.x", "  ```", "```", "plain", "```",
    ]))
    found = [(e.line, e.code, e.not_run) for e in markdown_examples(doc, root=tmp_path)]
    assert found == [(3, "a = 1", None), (10, "# not run: a fragment of a method\nself.x", "a fragment of a method")]
