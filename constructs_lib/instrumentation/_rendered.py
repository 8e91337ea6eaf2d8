"""Read an L1 property the way CloudFormation will receive it, including values an L2 renders lazily.

The ``lambda_.Function`` L2 keeps its environment in a lazy value that it hands its ``CfnFunction``. jsii gives
Python such a value as an *empty* struct (``CfnFunction.EnvironmentProperty()``): it sees a JavaScript object
where the property's type says "struct" and copies the struct's fields, which a lazy value does not have. So
``stack.resolve(cfn.environment)`` returns ``{}`` for every L2 function, whatever its variables. Here the
property is fetched as a plain object reference and resolved on the JavaScript side, where the lazy value is
still itself. ``tests/test_instrumentation.py`` pins this behaviour, so a jsii change that breaks it fails there.
"""

from __future__ import annotations

from typing import Any

import jsii
from aws_cdk import CfnResource, Stack


class _ObjectReference:
    """A JavaScript object jsii handed over by reference, passed back to JavaScript as that reference."""

    __jsii_type__ = "Object"

    def __init__(self, reference: Any) -> None:
        self.__jsii_ref__ = reference


def rendered_property(resource: CfnResource, jsii_name: str) -> Any:
    """The resolved value of the L1 property ``jsii_name`` (its camelCase name, e.g. ``"environment"``).

    Example::

        rendered_property(fn.node.default_child, "environment")   # {"variables": {"TABLE": ...}}
    """
    from jsii._kernel.types import GetRequest

    request = GetRequest(objref=resource.__jsii_ref__, property=jsii_name)  # type: ignore[attr-defined]
    raw = jsii.kernel.provider.get(request).value
    if raw is None:
        return None
    value = _ObjectReference(raw) if hasattr(raw, "ref") else raw
    return Stack.of(resource).resolve(value)
