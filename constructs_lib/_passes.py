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

import functools
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from aws_cdk import App, AspectPriority, Aspects, IAspect, Stage
from constructs import Construct, IConstruct

from ._pipeline import registered_objects
from ._walk import Walk, inherits

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

    @classmethod
    def of(cls: type[_D], node: IConstruct) -> _D:
        """The instance for ``node``'s app (two calls into Node.js the first time a construct asks)."""
        root = root_key(node)
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


_ROOTS: dict[str, str] = {}  # a construct's jsii reference -> its app's (a construct never changes app)


def root_key(node: IConstruct) -> str:
    """The jsii reference of ``node``'s root (its app): two calls into Node.js the first time a construct asks."""
    key = ref_of(node)
    root = _ROOTS.get(key)
    if root is None:
        root = _ROOTS[key] = ref_of(node.node.root)
    return root


def same_root(node: IConstruct, known: IConstruct) -> None:
    """Record that ``node`` is in the app of ``known`` (a construct just made under it, or its stack), so that
    :func:`root_key` of ``node`` asks nothing."""
    _ROOTS[ref_of(node)] = root_key(known)


class PassLeaf(Construct):
    """An empty construct under the scope of an ``enable`` call, carrying its aspect.

    The aspect is applied to this leaf rather than to the scope, so that CDK calls it once, when synthesis reaches
    it, instead of once per construct of the scope (each such call is a round trip between Node.js and Python);
    the aspect then does its work on :attr:`target` in one pass.
    """

    def __init__(self, scope: IConstruct, id: str, *, target: IConstruct, aspect: IAspect) -> None:
        super().__init__(scope, id)  # type: ignore[arg-type]
        self.target = target
        self.aspect = aspect
        Aspects.of(self).add(aspect, priority=mutating_priority())


@functools.cache
def mutating_priority() -> int:
    """``AspectPriority.MUTATING``, read from Node.js once (each read of a jsii static is a round trip)."""
    return int(AspectPriority.MUTATING)


def place_passes(scope: IConstruct, scope_path: str, aspect: IAspect, decisions: PathDecisions, leaf_id: str) -> None:
    """A :class:`PassLeaf` of ``aspect`` under ``scope`` (with ``leaf_id``, or ``leaf_id2``... if taken), and under
    each Stage below it that has no decision of its own: a nested Stage synthesizes on its own, before the aspects
    of the scope run, since CDK aspects stop at Stage boundaries."""
    PassLeaf(scope, free_child_id(scope, leaf_id), target=scope, aspect=aspect)
    if isinstance(scope, Stage):
        decisions.stages_with_pass.add(scope_path)
    for stage in stages_under(scope):
        stage_path = stage.node.path
        if stage_path not in decisions.decisions:
            PassLeaf(stage, free_child_id(stage, leaf_id), target=stage, aspect=aspect)
            decisions.stages_with_pass.add(stage_path)


def free_child_id(scope: IConstruct, base: str) -> str:
    """``base``, or ``base2``, ``base3``... : the first id no child of ``scope`` has yet."""
    id, n = base, 1
    while scope.node.try_find_child(id) is not None:
        n += 1
        id = f"{base}{n}"
    return id


def stages_under(scope: IConstruct) -> list[Stage]:
    """The Stages under ``scope``, stacks included (CDK Pipelines makes its Stages inside the pipeline stack), in
    the order they were made, without a walk of the app.

    While the only jsii libraries loaded are aws-cdk-lib and others known to make no Stage (aws-cdk-lib makes none
    but ``App``, always a root), every nested Stage was made in Python, and jsii keeps every object Python made: the
    Stages are found among those, and only their ancestors are read from Node.js, once per Stage for the process.
    With any other jsii library loaded (which might make a Stage inside a construct), or if jsii ever keeps its
    objects elsewhere, the app is walked (``_walk``)."""
    own = ref_of(scope)
    try:
        if not _only_libraries_without_stages():
            raise LookupError("a jsii library that might make Stages is loaded")
        candidates = [o for o in registered_objects().values() if isinstance(o, Stage) and not isinstance(o, App)]
    except LookupError:
        walk = Walk(scope)
        return [s for s in walk.objects(lambda cls: inherits(cls, Stage)) if ref_of(s) != own]
    stages: list[Stage] = []
    for stage in candidates:
        key = ref_of(stage)
        ancestors = _ANCESTORS.get(key)
        if ancestors is None:
            ancestors = _ANCESTORS[key] = frozenset(ref_of(c) for c in stage.node.scopes[:-1])
        if own in ancestors:
            stages.append(stage)
    return stages


_ANCESTORS: dict[str, frozenset[str]] = {}  # a Stage's jsii reference -> its ancestors' (a parent never changes)

#: jsii libraries whose Node.js code makes no Stage but ``App`` (aws-cdk-lib: checked in its 2.275 sources) or none.
LIBRARIES_WITHOUT_STAGES = frozenset({
    "aws-cdk-lib", "constructs", "cdk-nag", "@aws-cdk/cloud-assembly-schema", "@aws-cdk/asset-awscli-v1",
    "@aws-cdk/asset-node-proxy-agent-v6",
})


def _only_libraries_without_stages() -> bool:
    from jsii import _reference_map

    loaded = getattr(_reference_map, "_assembly_to_module", None)
    return isinstance(loaded, dict) and set(loaded) <= LIBRARIES_WITHOUT_STAGES
