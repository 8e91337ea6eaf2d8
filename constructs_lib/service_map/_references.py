"""Follow CloudFormation references to the resources they name, across templates.

A value in a template names a resource with ``Ref``, ``Fn::GetAtt`` or ``Fn::Sub``, often inside ``Fn::Join``.
Across templates it goes through a nested stack's parameters and outputs, ``Fn::ImportValue`` (exports), or
``Fn::GetStackOutput`` (aws-cdk-lib's weak cross-stack references). :class:`Resolver` follows all of them.

Example::

    resolver = Resolver(read_cloud_assembly("cdk.out"))
    for ref in resolver.refs(template, {"Fn::GetAtt": ["Queue4A7E3555", "Arn"]}):
        print(ref.template.key, ref.logical_id)
    resolver.render(template, {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sns:..."]]})
    # 'arn:${AWS::Partition}:sns:...'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ._assembly import CloudAssembly, StackTemplate

_SUB_VARIABLE = re.compile(r"\$\{(?!!)([^}]+)\}")


@dataclass(frozen=True, eq=False)
class ResourceRef:
    """A resource of the assembly: its template and logical id."""

    template: StackTemplate
    logical_id: str

    @property
    def type(self) -> str | None:
        return self.template.type_of(self.logical_id)

    @property
    def key(self) -> tuple[str, str]:
        return (self.template.key, self.logical_id)

    @property
    def properties(self) -> Mapping[str, Any]:
        return self.template.properties(self.logical_id)

    def __hash__(self) -> int:
        return hash(self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ResourceRef) and other.key == self.key


class Resolver:
    """Resolves references in one cloud assembly; exports and stack outputs are indexed once."""

    def __init__(self, assembly: CloudAssembly) -> None:
        self.assembly = assembly
        self._exports: dict[str, tuple[StackTemplate, Any]] = {}
        for template in assembly.templates:
            for output in (template.template.get("Outputs") or {}).values():
                export = (output.get("Export") or {}).get("Name") if isinstance(output, Mapping) else None
                if export is not None:
                    self._exports[self.render(template, export)] = (template, output.get("Value"))

    def refs(self, template: StackTemplate, value: Any) -> list[ResourceRef]:
        """Every resource ``value`` names, in the order it names them, each once."""
        return list(dict.fromkeys(self._refs(template, value, set())))

    def _refs(self, template: StackTemplate, value: Any, seen: set[tuple[str, str]]) -> Iterator[ResourceRef]:
        if isinstance(value, list):
            for item in value:
                yield from self._refs(template, item, seen)
            return
        if not isinstance(value, Mapping):
            return
        if len(value) == 1:
            (name, arg), = value.items()
            if name == "Ref" and isinstance(arg, str):
                yield from self._named(template, arg, None, seen)
                return
            if name == "Fn::GetAtt":
                target, attribute = _get_att(arg)
                if target is not None:
                    yield from self._named(template, target, attribute, seen)
                return
            if name == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
                for variable in _SUB_VARIABLE.findall(text if isinstance(text, str) else ""):
                    target, _, attribute = variable.partition(".")
                    if target in variables:
                        yield from self._refs(template, variables[target], seen)
                    else:
                        yield from self._named(template, target, attribute or None, seen)
                return
            if name == "Fn::ImportValue":
                exported = self._exports.get(self.render(template, arg))
                if exported is not None:
                    yield from self._follow(exported[0], exported[1], seen)
                return
            if name == "Fn::GetStackOutput" and isinstance(arg, Mapping):
                producer = self.assembly.by_stack_name(self.render(template, arg.get("StackName")))
                output = self._output(producer, self.render(template, arg.get("OutputName")))
                if producer is not None and output is not None:
                    yield from self._follow(producer, output, seen)
                return
        for item in value.values():
            yield from self._refs(template, item, seen)

    def _named(
        self, template: StackTemplate, name: str, attribute: str | None, seen: set[tuple[str, str]]
    ) -> Iterator[ResourceRef]:
        if name.startswith("AWS::"):
            return  # a pseudo parameter
        if name in template.resources:
            if template.type_of(name) == "AWS::CloudFormation::Stack" and (attribute or "").startswith("Outputs."):
                nested = template.nested.get(name)
                output = self._output(nested, attribute.removeprefix("Outputs.")) if attribute else None
                if nested is not None and output is not None:
                    yield from self._follow(nested, output, seen)
                return
            yield ResourceRef(template, name)
            return
        if name in (template.template.get("Parameters") or {}) and template.parent is not None:
            assert template.parent_resource is not None
            passed = (template.parent.properties(template.parent_resource).get("Parameters") or {}).get(name)
            if passed is not None:
                yield from self._follow(template.parent, passed, seen)

    def _follow(self, template: StackTemplate, value: Any, seen: set[tuple[str, str]]) -> Iterator[ResourceRef]:
        """Refs of a value found in another template, once per (template, value): no cycle loops forever."""
        mark = (template.key, json.dumps(value, sort_keys=True, default=str))
        if mark in seen:
            return
        seen.add(mark)
        yield from self._refs(template, value, seen)

    @staticmethod
    def _output(template: StackTemplate | None, name: str) -> Any:
        if template is None:
            return None
        output = (template.template.get("Outputs") or {}).get(name)
        return output.get("Value") if isinstance(output, Mapping) else None

    def render(self, template: StackTemplate, value: Any) -> str:
        """``value`` as text: literals as they are, ``Fn::Join`` and ``Fn::Sub`` joined, and every other
        reference as ``${Name}`` or ``${Name.Attribute}`` (``${AWS::Region}`` for a pseudo parameter)."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        if isinstance(value, list):
            return ",".join(self.render(template, item) for item in value)
        if isinstance(value, Mapping) and len(value) == 1:
            (name, arg), = value.items()
            if name == "Ref":
                return f"${{{arg}}}"
            if name == "Fn::GetAtt":
                target, attribute = _get_att(arg)
                return f"${{{target}.{attribute}}}"
            if name == "Fn::Join" and isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], list):
                return self.render(template, arg[0]).join(self.render(template, item) for item in arg[1])
            if name == "Fn::Sub":
                text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1] if len(arg) > 1 else {})
                return _SUB_VARIABLE.sub(
                    lambda m: self.render(template, variables[m.group(1)]) if m.group(1) in variables
                    else m.group(0),
                    text if isinstance(text, str) else "",
                )
            if name == "Fn::ImportValue":
                return f"${{ImportValue:{self.render(template, arg)}}}"
            if name == "Fn::GetStackOutput" and isinstance(arg, Mapping):
                stack = self.render(template, arg.get("StackName"))
                return f"${{{stack}.{self.render(template, arg.get('OutputName'))}}}"
            return f"${{{name}}}"
        return json.dumps(value, sort_keys=True, default=str)


def _get_att(arg: Any) -> tuple[str | None, str | None]:
    if isinstance(arg, list) and len(arg) >= 2 and isinstance(arg[0], str):
        return arg[0], arg[1] if isinstance(arg[1], str) else None
    if isinstance(arg, str) and "." in arg:
        target, _, attribute = arg.partition(".")
        return target, attribute
    return None, None
