"""The constructs under a scope in one call into Node.js, with Python objects made only for the ones a caller wants.

``scope.node.find_all()`` makes a Python object for every construct in its answer: on an app of a few thousand
constructs that is a third of the call's time, for objects a pass then skips by their class. jsii's answer names
each construct's class in its reference (``aws-cdk-lib.aws_lambda.CfnFunction@10042``), so a walk can read the
references, tell the classes apart, and make objects only for the constructs asked for. Objects Python created
itself (an app's own constructs) are jsii's registered ones, used as they are.

Example::

    from aws_cdk import aws_lambda as lambda_
    from constructs_lib._walk import Walk

    walk = Walk(stack)                                          # one call
    functions = walk.objects(lambda cls: inherits(cls, lambda_.Function))
    assert [f.node.path for f in functions] == [n.node.path for n in stack.node.find_all()
                                                if isinstance(n, lambda_.Function)]
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import jsii
from constructs import IConstruct
from jsii._kernel import _recursize_dereference
from jsii._kernel.types import InvokeRequest
from jsii._reference_map import InterfaceDynamicProxy, _try_import_type_module, _types

from ._pipeline import registered_objects, send_one

__all__ = ["Walk", "inherits"]

_RESOURCE_FQN = "aws-cdk-lib.Resource"


class Walk:
    """Every construct under ``scope`` (``scope`` first), in ``find_all``'s pre-order, read in one call.

    If jsii ever answers in another form, the walk falls back to ``find_all`` itself: the answers stay the same.
    """

    def __init__(self, scope: IConstruct) -> None:
        try:
            self._registered = registered_objects()
            self._references = _references(scope)
        except LookupError:
            self._references = None
        self._objects: list[Any] | None = None if self._references is not None else list(scope.node.find_all())

    def __len__(self) -> int:
        return len(self._references) if self._references is not None else len(self._objects or [])

    def keys(self) -> list[str]:
        """Each construct's jsii reference (what ``_passes.ref_of`` gives for its object)."""
        if self._references is not None:
            return [r.ref for r in self._references]
        return [str(o.__jsii_ref__.ref) for o in self._objects or []]

    def objects(self, wanted: Callable[[type], bool]) -> list[Any]:
        """The constructs whose Python class (the class of the object ``find_all`` would give) ``wanted`` accepts,
        in order. Only those are made into Python objects."""
        if self._references is None:
            return [o for o in self._objects or [] if wanted(type(o))]
        registered = self._registered
        verdicts: dict[type, bool] = {}
        kernel = jsii.kernel
        found: list[Any] = []
        for reference in self._references:
            own = registered.get(reference.ref)
            cls = type(own) if own is not None else _class_of(reference)
            if cls is None:
                verdict = True  # a class not known here: made, as find_all would, then asked
            else:
                found_verdict = verdicts.get(cls)
                verdict = verdicts[cls] = wanted(cls) if found_verdict is None else found_verdict
            if verdict:
                node = own if own is not None else _recursize_dereference(kernel, reference)
                if cls is not None or wanted(type(node)):
                    found.append(node)
        return found

    def has_imports(self) -> bool:
        """Whether a construct was imported (``Role.from_role_arn``, ...): jsii gives those as the core ``Resource``
        class or as interfaces, since their Node.js class is one aws-cdk-lib does not export."""
        if self._references is None:
            return any(type(n) is _resource_class() or isinstance(n, InterfaceDynamicProxy)
                       for n in self._objects or [])
        registered = self._registered
        return any(r.ref not in registered and (r.interfaces is not None or _fqn(r) in (_RESOURCE_FQN, "Object"))
                   for r in self._references)


def inherits(cls: type, *bases: type) -> bool:
    """``issubclass(cls, bases)`` by ``cls``'s own bases (its MRO). jsii's classes are abstract base classes, and on a
    negative answer ``issubclass`` looks through every loaded subclass of the base: about 0.5 ms the first time a
    class is checked against ``CfnResource``, tens of milliseconds for a walk's classes in a fresh process.

    Example::

        assert inherits(aws_lambda.CfnFunction, CfnResource) and not inherits(aws_sqs.Queue, CfnResource)
    """
    mro = cls.__mro__
    return any(base in mro for base in bases)


def _references(scope: IConstruct) -> list[Any] | None:
    """jsii's references for ``scope.node.find_all()``, or None if jsii answers in a form this does not know."""
    try:
        response = send_one(
            InvokeRequest(objref=scope.node.__jsii_ref__, method="findAll", args=[])  # type: ignore[attr-defined]
        )
        result = getattr(response, "result", None)
    except (AttributeError, TypeError, ImportError, KeyError):
        return None
    if not isinstance(result, list) or not all(isinstance(getattr(r, "ref", None), str) for r in result):
        return None
    return result


def _fqn(reference: Any) -> str:
    return str(reference.ref).rpartition("@")[0]


def _class_of(reference: Any) -> type | None:
    """The class of the object jsii makes for a reference it did not register, None when not known here."""
    if reference.interfaces is not None:
        return InterfaceDynamicProxy
    fqn = _fqn(reference)
    found = _CLASSES.get(fqn)
    if found is None:
        klass = _types.get(fqn)
        if klass is None and _try_import_type_module(fqn):
            klass = _types.get(fqn)
        if not isinstance(klass, type):
            return None
        found = _CLASSES[fqn] = klass.__jsii_proxy_class__() if inspect.isabstract(klass) else klass  # type: ignore[attr-defined]
    return found


_CLASSES: dict[str, type] = {}  # a jsii class name -> the Python class of the objects jsii makes for it


def _resource_class() -> type:
    from aws_cdk import Resource

    return Resource
