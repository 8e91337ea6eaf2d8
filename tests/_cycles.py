"""A dependency-cycle check for CloudFormation templates, run on every template the suite synthesizes.

CloudFormation orders resources by the references between them (``Ref``, ``Fn::GetAtt``, ``Fn::Sub``) and by
``DependsOn``, and rejects a template whose graph has a cycle ("Circular dependency between resources"). cfn-lint
reports it as E3004; aws-cdk-lib does not check it. ``tests/conftest.py`` wraps ``Stage.synth``,
``Template.from_stack`` and ``Annotations.from_stack`` so that every template written to a cloud assembly during
the session goes through :func:`assert_acyclic`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

# ${Name} or ${Name.Attribute} in Fn::Sub; ${!Literal} is an escaped literal, not a reference.
_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}.]+)(?:\.[^}]*)?\}")


class CycleError(AssertionError):
    """A template has a dependency cycle; the message names the resources on it."""


def references(value: Any, resources: set[str]) -> Iterator[str]:
    """Logical ids of the resources that ``value`` (a property value of a template) refers to."""
    if isinstance(value, dict):
        if len(value) == 1:
            (key, argument), = value.items()
            if key == "Ref" and isinstance(argument, str):
                if argument in resources:
                    yield argument
                return
            if key == "Fn::GetAtt":
                target = argument[0] if isinstance(argument, list) and argument else argument
                if isinstance(target, str):
                    name = target.split(".", 1)[0]
                    if name in resources:
                        yield name
                return
            if key == "Fn::Sub":
                text, variables = (argument[0], argument[1]) if isinstance(argument, list) else (argument, {})
                defined = frozenset(variables) if isinstance(variables, dict) else frozenset()
                if isinstance(text, str):
                    for name in _SUB_VARIABLE.findall(text):
                        if name in resources and name not in defined:
                            yield name
                yield from references(variables, resources)
                return
        for item in value.values():
            yield from references(item, resources)
    elif isinstance(value, list):
        for item in value:
            yield from references(item, resources)


def dependency_graph(template: dict[str, Any]) -> dict[str, set[str]]:
    """For each resource, the resources it depends on (references and ``DependsOn``)."""
    resources: dict[str, Any] = template.get("Resources") or {}
    names = set(resources)
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        edges = set(references({k: v for k, v in resource.items() if k != "DependsOn"}, names))
        depends_on = resource.get("DependsOn", [])
        edges.update([depends_on] if isinstance(depends_on, str) else depends_on)
        graph[logical_id] = {e for e in edges if e in names}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a list of nodes (first == last), or None when the graph is acyclic."""
    white, grey, black = 0, 1, 2
    colour = dict.fromkeys(graph, white)
    for start in sorted(graph):
        if colour[start] != white:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(graph[start])))]
        colour[start] = grey
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = black
                stack.pop()
            elif colour.get(child, black) == grey:
                path = [n for n, _ in stack]
                return [*path[path.index(child):], child]
            elif colour.get(child) == white:
                colour[child] = grey
                stack.append((child, iter(sorted(graph[child]))))
    return None


def assert_acyclic(template: dict[str, Any], name: str = "template") -> None:
    """Fail with the resources on the cycle when ``template`` has a dependency cycle."""
    cycle = find_cycle(dependency_graph(template))
    if cycle is not None:
        raise CycleError(f"{name}: circular dependency between resources: {' -> '.join(cycle)}")


_checked: dict[Path, tuple[int, int]] = {}


def check_assembly_directory(directory: str | Path) -> None:
    """Check every template file of a cloud assembly (nested stacks and nested Stage assemblies included).

    Files already checked and unchanged since (same size and modification time) are skipped, so calling this after
    every synth of the same app costs a directory listing.
    """
    root = Path(directory)
    for path in root.rglob("*.template.json"):
        stat = path.stat()
        signature = (stat.st_mtime_ns, stat.st_size)
        if _checked.get(path) == signature:
            continue
        assert_acyclic(json.loads(path.read_text()), str(path.relative_to(root)))
        _checked[path] = signature
