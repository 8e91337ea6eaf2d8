"""An L1's properties as given to it (tokens kept, nothing resolved), read from Node.js once each, many at a time.

Example::

    from aws_cdk import aws_sqs as sqs
    from constructs_lib.monitoring.given import GivenProperties

    queue = sqs.CfnQueue(stack, "Q", queue_name="orders", visibility_timeout=60)
    GivenProperties(queue).get("VisibilityTimeout")   # 60
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import Any

from aws_cdk import CfnResource, Token

from .._pipeline import get_pairs

__all__ = ["GivenProperties", "referenced_logical_id", "unresolved_property"]


def unresolved_property(resource: CfnResource, name: str) -> str | None:
    """A string property of an L1 *as given*, tokens kept, so that a name built from ``Aws.STACK_NAME`` or a
    parameter stays a reference CloudFormation resolves.

    ``name`` is the CloudFormation name (``StageName``). A non-string value (an intrinsic written as a dict) comes
    back as a string token. One call into Node.js; read several with :class:`GivenProperties`.
    """
    return GivenProperties(resource).string(name)


class GivenProperties:
    """The properties of an L1 as given to it (tokens kept, nothing resolved), each read from Node.js once.

    A generated ``Cfn*`` class is read one attribute at a time (``timeout``: one small call each); a plain
    ``CfnResource`` (CDK's own functions and roles), which has no attributes, all at once, by the CloudFormation
    names it was given (``Timeout``). Raw overrides (``add_property_override``) are not included.

    Example::

        from aws_cdk import aws_sqs as sqs
        from constructs_lib.monitoring.given import GivenProperties

        queue = sqs.CfnQueue(stack, "Q", queue_name="orders", visibility_timeout=60)
        given = GivenProperties(queue)
        given.get("VisibilityTimeout"), given.string("QueueName")   # (60, 'orders')
    """

    def __init__(self, resource: CfnResource) -> None:
        self.resource = resource
        self._typed = type(resource) is not CfnResource
        self._read: dict[str, Any] = {}
        self._raw: Mapping[str, Any] | None = None

    def get(self, name: str) -> Any:
        """The property ``name`` (CloudFormation's name, e.g. ``Timeout``), None when unset."""
        if name in self._read:
            return self._read[name]
        attribute = _attribute_name(name)
        if self._typed and hasattr(type(self.resource), attribute):
            value = getattr(self.resource, attribute)
        else:
            if self._raw is None:
                raw = self.resource._cfn_properties
                self._raw = raw if isinstance(raw, Mapping) else {}
            value = self._raw.get(name)
        self._read[name] = value
        return value

    @staticmethod
    def read_together(givens: list[GivenProperties], name: str) -> None:
        """Read the property ``name`` of each generated L1 among ``givens`` that has not read it, in one exchange
        with Node.js (``_pipeline``) instead of a round trip each; :meth:`get` then answers from what was read.

        Example::

            from aws_cdk import aws_lambda as lambda_
            from constructs_lib.monitoring.given import GivenProperties

            functions = [lambda_.CfnFunction(stack, f"Plain{n}", code={"zipFile": "x"}, runtime="python3.13",
                                             handler="index.handler", role="arn:aws:iam::111111111111:role/r",
                                             timeout=30) for n in range(3)]
            given = [GivenProperties(f) for f in functions]
            GivenProperties.read_together(given, "Timeout")
            given[2].get("Timeout")   # 30
        """
        GivenProperties.read_all([(g, name) for g in givens])

    @staticmethod
    def read_all(wanted: Sequence[tuple[GivenProperties, str]], *,
                 also: Sequence[tuple[Any, str]] = ()) -> list[Any]:
        """:meth:`read_together` for several property names at once, all in one exchange with Node.js; ``also``
        are more ``(object, jsii property)`` reads for the same exchange, whose values are returned.

        Example::

            from aws_cdk import aws_lambda as lambda_
            from constructs_lib.monitoring.given import GivenProperties

            fn = lambda_.CfnFunction(stack, "Sized", code={"zipFile": "x"}, runtime="python3.13",
                                     handler="index.handler", role="arn:aws:iam::111111111111:role/r",
                                     timeout=30, memory_size=256)
            given = GivenProperties(fn)
            GivenProperties.read_all([(given, "Timeout"), (given, "MemorySize")])
            given.get("MemorySize")   # 256
        """
        pending: dict[tuple[int, str], tuple[GivenProperties, str, str]] = {}
        for given, name in wanted:
            if name in given._read or not given._typed:
                continue
            # The name jsii knows the attribute by (its generated getter carries it).
            getter = getattr(getattr(type(given.resource), _attribute_name(name), None), "fget", None)
            jsii_name = getattr(getter, "__jsii_name__", None)
            if isinstance(jsii_name, str):
                pending[(id(given), name)] = (given, name, jsii_name)
        todo = list(pending.values())
        if not todo and not also:
            return []
        values = get_pairs([*((g.resource, j) for g, _, j in todo), *also])
        for (given, name, _), value in zip(todo, values, strict=False):
            given._read[name] = value
        return values[len(todo):]

    def string(self, name: str) -> str | None:
        """A string property, tokens kept; any other value (an intrinsic, a lazy value) as a string token."""
        value = self.get(name)
        if value is None or isinstance(value, str):
            return value
        return Token.as_string(value)


@functools.cache
def _attribute_name(name: str) -> str:
    """The Python attribute of a CloudFormation property name: ``RestApiId`` -> ``rest_api_id``."""
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).lower()


def referenced_logical_id(reference: Any) -> str | None:
    """The logical id in ``{"Ref": id}`` or ``{"Fn::GetAtt": [id, attr]}``, else None."""
    if isinstance(reference, dict):
        if isinstance(reference.get("Ref"), str):
            return str(reference["Ref"])
        getatt = reference.get("Fn::GetAtt")
        if isinstance(getatt, list) and getatt and isinstance(getatt[0], str):
            return getatt[0]
    return None
