"""What ``XRayTracing`` and ``LambdaInstrumentation`` share to do one pass per ``enable``: the decisions of an
app kept by construct path on the Python side (finding the one for a construct costs no call into Node.js), and
the id of the empty leaf that carries a pass.

Example::

    from constructs_lib._passes import PathDecisions

    decisions = PathDecisions.of(app)
    decisions.decide("Orders", "enable")
    assert decisions.nearest("Orders/Api/Resource") == "enable"
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from aws_cdk import Stage
from constructs import IConstruct

_D = TypeVar("_D", bound="PathDecisions")


def ref_of(construct: Any) -> str:
    """The identity of a jsii object. aws-cdk-lib hands Python a new proxy object each time it returns an object
    that Node.js created, so ``is`` and ``id()`` cannot tell whether two proxies are the same construct; the
    reference jsii keeps in every proxy can, without a call into Node.js."""
    return str(construct.__jsii_ref__.ref)


@dataclass
class PathDecisions:
    """The ``enable``/``exclude`` decisions of one app by construct path, and the Stages that carry a pass of
    their own. Subclasses add what their passes keep; each subclass has one instance per app."""

    decisions: dict[str, list[Any]] = field(default_factory=dict)
    stages_with_pass: set[str] = field(default_factory=set)

    # By (class, the app's jsii reference): jsii never frees an object, so a reference is never reused.
    _apps: ClassVar[dict[tuple[type, str], PathDecisions]] = {}
    _roots: ClassVar[dict[str, str]] = {}  # a construct's jsii reference -> its app's (a root never changes)

    @classmethod
    def of(cls: type[_D], node: IConstruct) -> _D:
        """The instance for ``node``'s app (two calls into Node.js the first time a construct asks)."""
        key = ref_of(node)
        root = PathDecisions._roots.get(key)
        if root is None:
            root = PathDecisions._roots[key] = ref_of(node.node.root)
        found = PathDecisions._apps.get((cls, root))
        if found is None:
            found = PathDecisions._apps[(cls, root)] = cls()
        assert isinstance(found, cls)
        return found

    def decide(self, path: str, decision: Any) -> None:
        """Record ``decision`` for the subtree at ``path``; the latest on one path wins."""
        self.decisions.setdefault(path, []).append(decision)

    def nearest(self, path: str) -> Any | None:
        """The decision nearest above ``path`` (or on it, the latest there), None when there is none."""
        while True:
            found = self.decisions.get(path)
            if found:
                return found[-1]
            if not path:
                return None
            path = path.rpartition("/")[0]


def free_child_id(scope: IConstruct, base: str) -> str:
    """``base``, or ``base2``, ``base3``... : the first id no child of ``scope`` has yet."""
    id, n = base, 1
    while scope.node.try_find_child(id) is not None:
        n += 1
        id = f"{base}{n}"
    return id


def stages_under(scope: IConstruct) -> list[Stage]:
    """The Stages under ``scope``, stacks included (CDK Pipelines makes its Stages inside the pipeline stack): one
    ``find_all`` round trip, then Python type checks."""
    own = ref_of(scope)
    return [node for node in scope.node.find_all() if isinstance(node, Stage) and ref_of(node) != own]
