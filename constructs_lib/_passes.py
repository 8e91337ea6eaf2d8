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

import jsii
from aws_cdk import AspectPriority, Aspects, IAspect, Stage
from constructs import Construct, IConstruct
from jsii._kernel import _recursize_dereference
from jsii._kernel.types import InvokeRequest
from jsii._reference_map import _types

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
        Aspects.of(self).add(aspect, priority=AspectPriority.MUTATING)


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
    """The Stages under ``scope``, stacks included (CDK Pipelines makes its Stages inside the pipeline stack): one
    ``find_all`` round trip, then Python type checks.

    The walk's answer is read as jsii's references, whose text names each construct's jsii class
    (``aws-cdk-lib.Stage@10042``): Python objects are made for the Stages only, not for every construct of the app
    (a third of the call's time on a large app). A Stage subclass written in Python is named by its jsii base class,
    so it is found too."""
    own = ref_of(scope)
    try:
        answer = jsii.kernel.provider.invoke(
            InvokeRequest(objref=scope.node.__jsii_ref__, method="findAll", args=[])  # type: ignore[attr-defined]
        )
        references = getattr(answer, "result", None)  # findAll runs no Python code: never a callback
    except Exception:  # jsii changed how it answers: make every object, as find_all does
        return [node for node in scope.node.find_all() if isinstance(node, Stage) and ref_of(node) != own]
    stages: list[Stage] = []
    if not isinstance(references, list):
        return [node for node in scope.node.find_all() if isinstance(node, Stage) and ref_of(node) != own]
    for reference in references:
        key = getattr(reference, "ref", None)
        if not isinstance(key, str) or key == own or not _is_stage_class(key.rpartition("@")[0]):
            continue
        node = _recursize_dereference(jsii.kernel, reference)
        if isinstance(node, Stage):
            stages.append(node)
    return stages


def _is_stage_class(fqn: str) -> bool:
    found = _STAGE_CLASSES.get(fqn)
    if found is None:
        cls = _types.get(fqn)
        found = isinstance(cls, type) and issubclass(cls, Stage)
        if cls is not None:  # a class Python has not loaded yet may be loaded later: asked again then
            _STAGE_CLASSES[fqn] = found
    return found


_STAGE_CLASSES: dict[str, bool] = {}  # a jsii class name -> whether it is a Stage (or a subclass)
