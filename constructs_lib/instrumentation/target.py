"""What instrumentation needs to know about one Lambda function, read from its L1 in one pass.

Example::

    from constructs_lib.instrumentation.target import FunctionTarget

    target = FunctionTarget.of(fn.node.default_child)
    target.runtime, target.architecture, target.region      # ('python3.12', 'x86_64', 'eu-west-1')
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from aws_cdk import CfnResource, Stack
from aws_cdk import aws_lambda as lambda_

from .._rendered import rendered_properties
from .._validation import is_token
from ..discovery import path_of

#: Per stack (by jsii reference): its region and name, None where a token. A stack's are fixed when it is made.
_STACK_FACTS: dict[str, tuple[str | None, str | None]] = {}


class RuntimeFamily(Enum):
    """The language a function's runtime runs, as far as instrumentation layers care."""

    PYTHON = "python"
    NODEJS = "nodejs"
    OTHER = "other"
    #: The runtime is a token, or absent (container images have none).
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class FunctionTarget:
    """Facts about one ``AWS::Lambda::Function``, as its template will render them.

    ``region`` and ``partition`` are None for an environment-agnostic stack (resolved at deploy time).
    ``environment`` holds the variables the function already has (literal keys; values as rendered).
    """

    path: str
    runtime: str | None
    architecture: str | None
    package_type: str
    region: str | None
    partition: str | None
    layers: tuple[str, ...]
    environment: Mapping[str, Any] = field(default_factory=dict)
    #: The environment is an intrinsic (``Fn::If``...) whose variables cannot be read at synth time.
    environment_unreadable: bool = False
    stack_name: str | None = None
    construct_id: str = ""

    @property
    def family(self) -> RuntimeFamily:
        """The runtime's language family."""
        if self.runtime is None:
            return RuntimeFamily.UNKNOWN
        if self.runtime.startswith("python"):
            return RuntimeFamily.PYTHON
        if self.runtime.startswith("nodejs"):
            return RuntimeFamily.NODEJS
        return RuntimeFamily.OTHER

    @property
    def layer_text(self) -> str:
        """All layer references as one string (intrinsics JSON-encoded), for pattern matching."""
        return " ".join(self.layers)

    @classmethod
    def of(cls, function: CfnResource, *, stack: Stack | None = None, owned: bool | None = None) -> FunctionTarget:
        """Read the facts of ``function`` (a ``CfnFunction``); a handful of jsii calls, no construct created.

        :param stack: the stack ``function`` is in, when the caller knows it (saves two calls).
        :param owned: whether a ``lambda_.Function`` L2 made ``function``, when the caller knows (saves two).
        """
        stack = Stack.of(function) if stack is None else stack
        if owned is None:
            owned = isinstance(function.node.scope, lambda_.Function)
        path = path_of(function)
        properties = rendered_properties(function, stack)
        runtime = _literal(properties.get("runtime"))
        architectures = properties.get("architectures")
        architecture: str | None = "x86_64"  # Lambda's default when Architectures is absent
        if isinstance(architectures, list) and architectures:
            architecture = _literal(architectures[0])
        elif architectures is not None and not isinstance(architectures, list):
            architecture = None
        package_type = _literal(properties.get("packageType")) or "Zip"
        layers = properties.get("layers") or []
        variables, unreadable = _variables(properties.get("environment"))
        region, stack_name = _facts_of(stack)
        segments = path.split("/")
        return cls(
            path=path,
            runtime=runtime,
            architecture=architecture,
            package_type=package_type,
            region=region,
            partition=partition_of(region) if region else None,
            layers=tuple(layer if isinstance(layer, str) else json.dumps(layer, sort_keys=True)
                         for layer in (layers if isinstance(layers, list) else [layers])),
            environment=variables,
            environment_unreadable=unreadable,
            stack_name=stack_name,
            construct_id=segments[-2] if owned and len(segments) > 1 else segments[-1],  # the L2's, or the L1's id
        )


def _facts_of(stack: Stack) -> tuple[str | None, str | None]:
    key = str(stack.__jsii_ref__.ref)  # type: ignore[attr-defined]
    found = _STACK_FACTS.get(key)
    if found is None:
        region, name = stack.region, stack.stack_name
        found = _STACK_FACTS[key] = (None if is_token(region) else region, None if is_token(name) else name)
    return found


def partition_of(region: str) -> str:
    """The AWS partition a region belongs to (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-eusc``...)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("eusc-"):
        return "aws-eusc"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    return "aws"


def _variables(environment: Any) -> tuple[dict[str, Any], bool]:
    """``(variables, unreadable)`` from a rendered ``Environment`` property.

    An environment that is present but empty is what jsii gives for an L2's lazily rendered variables when they
    cannot be read (see ``_rendered``): counted as unreadable, so that no variable the user set is overwritten."""
    if environment is None:
        return {}, False
    if isinstance(environment, dict) and not environment:
        return {}, True
    variables = environment.get("variables", environment.get("Variables")) if isinstance(environment, dict) else None
    if variables is None and isinstance(environment, dict) and not any(k.startswith("Fn::") for k in environment):
        return {}, False
    if not isinstance(variables, dict) or any(key.startswith("Fn::") for key in variables):
        return {}, True
    return dict(variables), False


def _literal(value: Any) -> str | None:
    return value if isinstance(value, str) and not is_token(value) else None
