"""Read values from Node.js as plain data in few round trips: an L1's properties the way CloudFormation will
receive them (including values an L2 renders lazily), and the metadata of many constructs at once.

The ``lambda_.Function`` L2 keeps its environment in a lazy value that it hands its ``CfnFunction``. jsii gives
Python such a value as an *empty* struct (``CfnFunction.EnvironmentProperty()``): it sees a JavaScript object
where the property's type says "struct" and copies the struct's fields, which a lazy value does not have. So
``stack.resolve(cfn.environment)`` returns ``{}`` for every L2 function, whatever its variables. Here the
properties are fetched as plain object references and resolved on the JavaScript side, where the lazy value is
still itself. ``tests/test_instrumentation.py`` pins this behaviour, so a jsii change that breaks it fails there.

Construct metadata (``node.metadata``) is a list of structs, and jsii copies a struct that JavaScript hands over
by reference one field per round trip (three per entry). :func:`metadata_of` fetches each list as references and
resolves all of them in one call; ``tests/test_tracing.py`` checks it against ``node.metadata``.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import CfnResource, Stack
from constructs import IConstruct

from ._pipeline import get_each


class _ObjectReference:
    """A JavaScript object jsii handed over by reference, passed back to JavaScript as that reference."""

    __jsii_type__ = "Object"

    def __init__(self, reference: Any) -> None:
        self.__jsii_ref__ = reference


def rendered_properties(resource: CfnResource, stack: Stack | None = None) -> dict[str, Any]:
    """All properties of an L1, resolved, by their camelCase names (``{"runtime": ..., "environment": ...}``).

    One call to fetch and one to resolve, whatever the number of properties (one more to find the stack, unless
    ``stack`` is given).

    Example::

        rendered_properties(fn.node.default_child)["environment"]   # {"variables": {"TABLE": ...}}
    """
    from jsii._kernel.types import GetRequest

    request = GetRequest(objref=resource.__jsii_ref__, property="cfnProperties")  # type: ignore[attr-defined]
    raw = jsii.kernel.provider.get(request).value
    resolved = (stack or Stack.of(resource)).resolve(_references(raw))
    return resolved if isinstance(resolved, dict) else {}


def rendered_property(resource: CfnResource, jsii_name: str) -> Any:
    """One property of an L1, resolved (``jsii_name`` in camelCase, e.g. ``"environment"``); None when unset."""
    return rendered_properties(resource).get(jsii_name)


def metadata_of(constructs: list[IConstruct], stack: Stack) -> list[list[dict[str, Any]]]:
    """The metadata entries (``{"type": ..., "data": ...}``) of each construct, resolved in ``stack``: three
    exchanges with Node.js whatever the number of constructs (each node, each list as references, then all
    resolved at once), instead of two round trips plus three per entry for each construct.

    Example::

        (entries,) = metadata_of([fn], Stack.of(fn))   # [{"type": "aws:cdk:analytics:construct", "data": {...}}]
    """
    nodes = get_each(constructs, "node")
    raw = get_each(nodes, "metadata", raw=True)
    resolved = stack.resolve(_references(raw))
    if not isinstance(resolved, list) or len(resolved) != len(constructs):
        raise TypeError(f"metadata_of: resolved to {type(resolved).__name__}, not one list per construct")
    return [[e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else [] for entries in resolved]


def _references(value: Any) -> Any:
    """``value`` with every object reference jsii handed over wrapped, so it can be passed back as itself."""
    if isinstance(value, dict):
        return {key: _references(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_references(item) for item in value]
    return _ObjectReference(value) if hasattr(value, "ref") else value
