"""What every kind of hop inference shares: the hop found in a template (before its trace rule is applied), and
the look-up from a template value to the map nodes it names.

Example::

    context = HopContext(resolver, index)
    context.node_ids(template, {"Fn::GetAtt": ["Fn9270CBC0", "Arn"]}, {"AWS::Lambda::Function"})
    # ['Producer/Fn']
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from ._assembly import StackTemplate
from ._nodes import NodeIndex, arn_type
from ._references import Resolver, ResourceRef
from .rules import HopKind

_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ARN_TEXT = re.compile(r"arn:[^\s\"',]+")
_LAMBDA_ALIASES = ("AWS::Lambda::Alias", "AWS::Lambda::Version")


@dataclass(frozen=True)
class HopDraft:
    """A hop found in the templates: its ends (node ids), what makes it, and its kind."""

    source: str
    target: str
    via: str
    kind: HopKind


def mask(text: str) -> str:
    """``text`` with each ``${...}`` placeholder blanked out, same length: a pattern matched on it gives the
    positions of the parts of ``text`` itself, and ``:`` or ``/`` inside ``${AWS::Region}`` never split it."""
    return _PLACEHOLDER.sub(lambda m: "_" * len(m.group(0)), text)


def find_arns(text: str) -> list[str]:
    """The ARNs spelled out in ``text`` (a rendered value), placeholders such as ``${AWS::Region}`` kept, and
    none with a wildcard (a policy on ``*`` names no one resource)."""
    return [text[m.start():m.end()].rstrip("/") for m in _ARN_TEXT.finditer(mask(text)) if "*" not in m.group(0)]


class HopContext:
    """Turns template values into map node ids: resources of the app, or imported ones by their ARN."""

    def __init__(self, resolver: Resolver, index: NodeIndex) -> None:
        self.resolver = resolver
        self.index = index

    def resources(self, template: StackTemplate, value: Any, types: Collection[str] | None = None
                  ) -> Iterator[ResourceRef]:
        """The resources ``value`` names (an alias or version stands for its function), of ``types`` if given."""
        for ref in self.resolver.refs(template, value):
            if ref.type in _LAMBDA_ALIASES:
                yield from self.resources(ref.template, ref.properties.get("FunctionName"), types)
            elif types is None or ref.type in types:
                yield ref

    def node_ids(self, template: StackTemplate, value: Any, types: Collection[str] | None = None, *,
                 externals: bool = True) -> list[str]:
        """The nodes ``value`` names; with ``externals``, ARNs it spells out that are not in the app become
        external nodes. Each item of a list is looked up on its own."""
        if isinstance(value, list):
            return list(dict.fromkeys(node for item in value
                                      for node in self.node_ids(template, item, types, externals=externals)))
        ids = [node for ref in self.resources(template, value, types) for node in self.index.ids_for(ref)]
        if not ids and externals:
            for arn in find_arns(self.resolver.render(template, value)):
                ids.extend(self.external_ids(arn, types))
        return list(dict.fromkeys(ids))

    def external_ids(self, arn: str, types: Collection[str] | None = None) -> list[str]:
        rtype = arn_type(arn)
        if rtype is None or (types is not None and rtype not in types):
            return []
        if rtype == "AWS::Events::EventBus" and arn.endswith(":event-bus/default"):
            return [self.index.default_event_bus()]
        return [self.index.external(arn, rtype)]
