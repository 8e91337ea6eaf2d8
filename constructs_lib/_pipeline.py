"""Many independent requests to Node.js in one exchange, instead of one round trip each.

jsii runs aws-cdk-lib in a Node.js child process and sends it one request at a time, waiting for each answer: a
round trip costs about 0.26 ms on a 2-core machine, almost all of it waiting on the pipe, not work. A pass that
reads or sets one property on each of 200 functions pays that 200 times. Here the requests of a batch are written
to the process together and the answers read back in order: Node.js handles each request exactly as it would
have (the same requests, in the same order), only without waiting between them; a batch costs about 0.04 ms per
request.

That is safe only when no request makes Node.js call back into Python: a callback is answered on the same pipe,
where the next queued request would be read as its answer. So only requests known to run no code but
aws-cdk-lib's own are batched: reads and writes of an L1's generated properties (``tracingConfig``, ``restApiId``,
``ref``...; the generated accessors keep a field), a construct's ``node``, and a ``Node``'s ``path``, ``id`` and
``metadata``, each on an object of a class jsii generated (an aws-cdk-lib class used as is, or a proxy of a
Node.js object). Anything else, a Python subclass above all (its overrides must run), goes through its Python
attribute, as a plain ``obj.attr`` would, in the same order.

A method or a constructor may reach any object of the app (a grant reaches the role, the stack, property
injectors...), so method calls (:func:`invoke_each`) and L1s' constructors (:func:`create_each`) are batched only
while no object in the process can be called back from one: Node.js
calls back only the members a Python object overrides, and jsii registers every object Python creates, so when
none of them overrides anything but the members of interfaces Node.js calls while synthesizing or resolving (an
``IAspect``'s ``visit``, an ``IValidation``'s ``validate``, a ``Lazy`` producer's ``produce``), a method that does
neither runs Node.js code only.

A batched request goes to Node.js directly: a wrapper patched onto an aws-cdk-lib Python method at run time does
not run for it (``CONSTRUCTS_LIB_PIPELINE=0`` sends every request through its Python attribute or method).

If a callback comes all the same, the exchange with Node.js is out of step: :class:`PipelineError` says so, and
batching stops for the process. A failed request does not stop the others of its batch (unlike one-by-one
requests, where the first error stops the caller): a batch that raises may be partly applied. If the child process
is not the one jsii ships (a jsii release that changes it), every request goes through jsii one by one
(:func:`send_one`); with ``CONSTRUCTS_LIB_PIPELINE=0``, through its Python attribute or method: the answers are the
same, ``tests/test_pipeline.py`` checks that.

Example::

    configs = get_each([fn1, fn2], "tracingConfig")          # two reads, one exchange
    set_each([(fn1, "tracingConfig", {"mode": "Active"})])
    invoke_each([(fn1_l2, "addToRolePolicy", [statement])])   # fn1_l2.add_to_role_policy(statement)
"""

from __future__ import annotations

import functools
import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import jsii
from aws_cdk import CfnResource
from constructs import Construct, Node
from jsii._kernel import _make_reference_for_native, _recursize_dereference
from jsii._kernel.types import (
    CreateRequest,
    CreateResponse,
    GetRequest,
    GetResponse,
    InvokeRequest,
    InvokeResponse,
    SetRequest,
    SetResponse,
)
from jsii._reference_map import InterfaceDynamicProxy, _types

#: Requests written before their answers are read. Python writes a whole batch before reading, so the batch must fit
#: in the pipe to Node.js (64 KiB on Linux) while Node.js may be blocked writing answers Python has not read yet: a
#: batch is at most this many bytes of requests (a larger request goes alone).
_CHUNK = 48
_CHUNK_BYTES = 16_000

#: What a ``Node`` (constructs) keeps in plain fields.
_NODE_FIELDS = frozenset({"path", "id", "metadata", "addr"})

_state = {"broken": False}
_T = TypeVar("_T")


class PipelineError(RuntimeError):
    """Node.js called back into Python during a batch: the exchange is out of step and jsii cannot go on."""


def get_each(objects: Sequence[Any], prop: str, *, raw: bool = False) -> list[Any]:
    """``obj.<prop>`` for each object (``prop`` in camelCase, as jsii names it), in one exchange.

    :param raw: give jsii's object references as they came (``ObjRef``), without making Python proxies of them:
        for passing them straight back to Node.js (``Stack.resolve``).

    Example::

        functions = [fn.node.default_child for fn in (orders_fn,)]
        get_each(functions, "tracingConfig")   # [None]
    """
    return get_pairs([(obj, prop) for obj in objects], raw=raw)


def get_pairs(pairs: Sequence[tuple[Any, str]], *, raw: bool = False) -> list[Any]:
    """``obj.<prop>`` for each ``(obj, prop)``, in one exchange: :func:`get_each` for properties of several names.

    Example::

        get_pairs([(function_l1, "timeout"), (stage_l1, "restApiId")])
    """
    entries: list[Any] = []
    on = _on()
    for obj, prop in pairs:
        if on and _batchable(obj, prop):
            entries.append(GetRequest(objref=obj.__jsii_ref__, property=prop))
        elif raw:
            entries.append(functools.partial(_raw_get, obj, prop))
        else:
            entries.append(functools.partial(getattr, obj, _python_name_of(obj, prop)))
    kernel = jsii.kernel
    return [(a.value if raw else _recursize_dereference(kernel, a.value)) if isinstance(a, GetResponse) else a
            for a in _exchange(entries)]


def set_each(assignments: Iterable[tuple[Any, str, Any]]) -> None:
    """``obj.<prop> = value`` for each ``(obj, prop, value)``, in order, in one exchange.

    Example::

        l1 = orders_fn.node.default_child
        set_each([(l1, "tracingConfig", {"mode": "Active"})])
        stack.resolve(l1.tracing_config)   # {'mode': 'Active'}
    """
    kernel = jsii.kernel
    entries: list[Any] = []
    on = _on()
    for obj, prop, value in assignments:
        if on and _batchable(obj, prop) and _plain(value):
            entries.append(SetRequest(objref=obj.__jsii_ref__, property=prop,
                                      value=_make_reference_for_native(kernel, value)))
        else:
            entries.append(functools.partial(setattr, obj, _python_name_of(obj, prop), value))
    _exchange(entries)


def invoke_each(calls: Iterable[tuple[Any, str, Sequence[Any]]], *, answers: bool = True) -> list[Any]:
    """``obj.<method>(*args)`` for each ``(obj, method, args)`` (``method`` in camelCase, as jsii names it), in order,
    in one exchange when nothing can be called back (see the module docstring), else one by one through the Python
    methods. Only for aws-cdk-lib methods that neither synthesize nor resolve tokens, such as a grant.

    :param answers: False when the caller does not use what the methods return: a struct Node.js returns (a
        grant's result) is then not read field by field (jsii's reading costs a round trip per field).

    Example::

        statement = iam.PolicyStatement(actions=["xray:PutTraceSegments"], resources=["*"])
        invoke_each([(fn, "addToRolePolicy", [statement]) for fn in functions])
    """
    calls = list(calls)
    kernel = jsii.kernel
    quiet = bool(calls) and _on() and _nothing_to_call_back()
    entries: list[Any] = []
    for obj, method, args in calls:
        if quiet and _no_callback(obj) and _plain(list(args)):
            entries.append(InvokeRequest(objref=obj.__jsii_ref__, method=method,
                                         args=_make_reference_for_native(kernel, list(args))))
        else:
            entries.append(functools.partial(getattr(obj, _python_name_of(obj, method, "method")), *args))
    results = _exchange(entries)
    if not answers:
        return [None] * len(results)
    return [_recursize_dereference(kernel, a.result) if isinstance(a, InvokeResponse) else a for a in results]


def create_each(cls: type[_T], props_class: type, calls: Iterable[tuple[Any, str, Mapping[str, Any]]]) -> list[_T]:
    """``cls(scope, id, **props)`` for each ``(scope, id, props)`` of a class jsii generated (an L1, whose props
    are the struct ``props_class``), in order, in one exchange when nothing can be called back (see the module
    docstring), else one by one. The objects are what ``cls(...)`` gives: of ``cls``, registered with jsii.

    Example::

        alarms = create_each(cw.CfnAlarm, cw.CfnAlarmProps, [(owner, "Errors", {"threshold": 1, ...})])
    """
    calls = list(calls)
    kernel = jsii.kernel
    mapping = _struct_names(props_class)
    quiet = (bool(calls) and _on() and _types.get(getattr(cls, "__jsii_type__", None)) is cls  # type: ignore[arg-type]
             and _nothing_to_call_back())
    entries: list[Any] = []
    for scope, id, props in calls:
        if quiet and all(k in mapping for k in props) and _plain(list(props.values()), any_object=True):
            entries.append(CreateRequest(fqn=cls.__jsii_type__,  # type: ignore[attr-defined]
                                         args=_make_reference_for_native(kernel, [
                                             scope, id, {mapping[k]: v for k, v in props.items()}]),
                                         overrides=[], interfaces=[]))
        else:
            entries.append(functools.partial(cls, scope, id, **props))  # type: ignore[call-arg]
    return [_registered_object(cls, a) if isinstance(a, CreateResponse) else a for a in _exchange(entries)]


def _registered_object(cls: type[_T], reference: CreateResponse) -> _T:
    """The Python object for what Node.js created, as ``jsii.create`` makes it: of ``cls``, and registered."""
    from jsii import _reference_map

    obj = cls.__new__(cls)
    obj.__jsii_ref__ = reference  # type: ignore[attr-defined]
    _reference_map.register_reference(obj)
    return obj


def _struct_names(props_class: type) -> Mapping[str, str]:
    """A struct's Python field names to its jsii names (``alarm_name`` -> ``alarmName``)."""
    from jsii._runtime import python_jsii_mapping

    found = _STRUCT_NAMES.get(props_class)
    if found is None:
        found = _STRUCT_NAMES[props_class] = dict(python_jsii_mapping(props_class) or {})
    return found


_STRUCT_NAMES: dict[type, Mapping[str, str]] = {}


# -- the exchange ---------------------------------------------------------------------------------------------------
def _exchange(entries: Sequence[Any]) -> list[Any]:
    """Run ``entries`` in order: runs of requests written together, each other entry (a callable) on its own.
    Answers are the responses (``GetResponse``/``SetResponse``) or what the callable returned."""
    process = _process() if _on() else None
    answers: list[Any] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        if callable(entry):
            answers.append(entry())
            i += 1
            continue
        if process is None:
            answers.append(send_one(entry))
            i += 1
            continue
        encoded: list[bytes] = []
        size = 0
        while i < len(entries) and not callable(entries[i]) and len(encoded) < _CHUNK:
            line = _encode(process, entries[i])
            if encoded and size + len(line) > _CHUNK_BYTES:
                break
            encoded.append(line)
            size += len(line)
            i += 1
            if size > _CHUNK_BYTES:
                break  # a large request goes alone
        answers.extend(_written_together(process, encoded,
                                         [_RESPONSES[type(e)] for e in entries[i - len(encoded):i]]))
    return answers


def _on() -> bool:
    """Whether batching is on: ``CONSTRUCTS_LIB_PIPELINE=0`` sends every request through its Python attribute or
    method, as a plain ``obj.attr`` would, and a callback in a batch turns batching off for the process."""
    return not _state["broken"] and os.environ.get("CONSTRUCTS_LIB_PIPELINE", "1") != "0"


_RESPONSES: dict[type, type] = {GetRequest: GetResponse, SetRequest: SetResponse, InvokeRequest: InvokeResponse,
                                 CreateRequest: CreateResponse}


def _encode(process: Any, request: GetRequest | SetRequest | InvokeRequest | CreateRequest) -> bytes:
    from jsii._stack_trace import capture_stack_trace
    from jsii._stack_trace import is_enabled as _stack_traces_enabled

    if type(request) is GetRequest:  # what jsii's serializer gives, built directly (a third of the request's cost)
        objref = request.objref
        unstructured: dict[str, Any] = {
            "objref": {"$jsii.byref": objref.ref, "$jsii.interfaces": objref.interfaces} if objref.interfaces
            else {"$jsii.byref": objref.ref},
            "property": request.property, "api": "get"}
    else:
        unstructured = process._serializer.unstructure(request)
    if _stack_traces_enabled():  # as jsii's own send does (JSII_HOST_STACK_TRACES)
        trace = capture_stack_trace()
        if trace:
            unstructured["$jsii.stacktrace"] = trace
    return json.dumps(unstructured, default=_jdefault).encode("utf8")


def _written_together(process: Any, encoded: list[bytes], types: list[type]) -> list[Any]:
    from jsii._kernel.providers.process import _CallbackResponse, _OkayResponse, _ProcessResponse

    stdin = process._process.stdin
    stdin.write(b"".join(line + b"\n" for line in encoded))
    stdin.flush()
    answers: list[Any] = []
    error: Exception | None = None
    for response_type in types:
        message = process._next_message()
        ok = message.get("ok") if isinstance(message, dict) and len(message) == 1 else None
        if isinstance(ok, dict) and response_type in _ANSWERS:  # what jsii's serializer makes of it, directly
            answers.append(_ANSWERS[response_type](ok))
            continue
        response = process._serializer.structure(message, _ProcessResponse)
        if isinstance(response, _OkayResponse):
            answers.append(process._serializer.structure(response.ok, response_type))
        elif isinstance(response, _CallbackResponse):  # excluded by _batchable; the exchange cannot go on
            _state["broken"] = True
            raise PipelineError(
                "constructs_lib: Node.js called back into Python during a batch of requests, so the "
                "exchange with Node.js is out of step and this process cannot go on. Please report it, with the "
                "construct classes involved; CONSTRUCTS_LIB_PIPELINE=0 turns batching off.")
        else:
            answers.append(None)
            if error is None:  # raised once every answer is read, so the next request finds the pipe clean
                error = _error(response)
    if error is not None:
        raise error
    return answers


_ANSWERS: dict[type, Any] = {
    GetResponse: lambda ok: GetResponse(value=ok.get("value")),
    SetResponse: lambda ok: SetResponse(),
    InvokeResponse: lambda ok: InvokeResponse(result=ok.get("result")),
}


def _error(response: Any) -> Exception:
    """The exception jsii raises for an error answer (``JSIIError`` for a fault of jsii's, else ``RuntimeError``),
    with the JavaScript stack as its cause."""
    from jsii.errors import ErrorType, JavaScriptError, JSIIError

    error: Exception = JSIIError(response.error) if response.name == ErrorType.JSII_FAULT.value else RuntimeError(
        response.error)
    error.__cause__ = JavaScriptError(response.stack)  # type: ignore[no-untyped-call]
    return error


def send_one(request: GetRequest | SetRequest | InvokeRequest | CreateRequest) -> Any:
    """One request through jsii's own path, its answer as jsii's response (``GetResponse``...) without making
    Python objects of the references in it: callbacks from Node.js are answered, as jsii's kernel answers them."""
    from jsii._kernel import _callback_till_result
    from jsii._kernel.types import Callback

    provider = jsii.kernel.provider
    send = {InvokeRequest: provider.invoke, CreateRequest: provider.create, GetRequest: provider.get,
            SetRequest: provider.set}[type(request)]
    response = send(request)  # type: ignore[operator]
    if not isinstance(response, Callback):
        return response
    answer = _callback_till_result(jsii.kernel, response, _RESPONSES[type(request)])
    if isinstance(request, GetRequest):
        return GetResponse(value=answer)
    if isinstance(request, InvokeRequest):
        return InvokeResponse(result=answer)
    return answer  # the response itself


def _raw_get(obj: Any, prop: str) -> Any:
    """``obj.<prop>`` as jsii's reference, through jsii's own path (which answers callbacks)."""
    return send_one(GetRequest(objref=obj.__jsii_ref__, property=prop)).value


def _process() -> Any | None:
    """jsii's Node.js child process, when it is the one this module knows how to talk to."""
    try:
        from jsii._kernel.providers.process import ProcessProvider, _NodeProcess

        provider = jsii.kernel.provider
        if not isinstance(provider, ProcessProvider):
            return None
        process = provider._process
        if not isinstance(process, _NodeProcess) or process._process.stdin is None:
            return None
        if not callable(getattr(process, "_next_message", None)) or not hasattr(process, "_serializer"):
            return None
        return process
    except Exception:  # a jsii release that moved these: go the slow, sure way
        return None


def _jdefault(obj: Any) -> Any:
    from jsii._kernel.providers.process import jdefault

    return jdefault(obj)  # type: ignore[no-untyped-call]


def _batchable(obj: Any, prop: str) -> bool:
    """Whether reading or writing ``obj.<prop>`` runs aws-cdk-lib's own field access only (see the module
    docstring)."""
    if not _no_callback(obj):
        return False
    if prop == "node":
        return isinstance(obj, Construct)
    if isinstance(obj, Node):
        return prop in _NODE_FIELDS
    if isinstance(obj, CfnResource):
        if prop == "ref":
            return True
        # A generated L1's CloudFormation property: the class declares it (as its Python attribute).
        return type(obj) is not CfnResource and _declared_property(type(obj), prop)
    return False


def _no_callback(obj: Any) -> bool:
    """Whether ``obj``'s class is the one jsii generated for its type (a Python subclass may override members,
    which Node.js then calls back), or a proxy of a Node.js object."""
    if isinstance(obj, InterfaceDynamicProxy):
        return True
    cls = type(obj)
    fqn = getattr(cls, "__jsii_type__", None)
    generated = _types.get(fqn) if fqn is not None else None
    if generated is None:
        return False
    if generated is cls:
        return True
    proxy = getattr(generated, "__jsii_proxy_class__", None)  # an abstract class's proxy of a Node.js object
    return callable(proxy) and proxy() is cls


def _declared_property(cls: type, prop: str) -> bool:
    """Whether the generated class ``cls`` declares the jsii property ``prop`` itself (not a base class's)."""
    key = (cls, prop)
    found = _DECLARED.get(key)
    if found is None:
        found = _DECLARED[key] = any(getattr(getattr(value, "fget", None), "__jsii_name__", None) == prop
                                     for value in vars(cls).values())
    return found


_DECLARED: dict[tuple[type, str], bool] = {}


def _python_name_of(obj: Any, member: str, kind: str = "property") -> str:
    """:func:`_python_name` on ``obj``'s class, or on the class of the first of an interface proxy's objects that
    has the member (jsii gives some Node.js objects to Python as an ``InterfaceDynamicProxy``)."""
    if isinstance(obj, InterfaceDynamicProxy):
        for delegate in obj._delegates:
            try:
                return _python_name(type(delegate), member, kind)
            except AttributeError:
                continue
    return _python_name(type(obj), member, kind)


def _python_name(cls: type, member: str, kind: str = "property") -> str:
    """The Python name of the jsii property (or method) ``member`` on ``cls`` (``tracingConfig`` ->
    ``tracing_config``)."""
    key = (cls, member, kind)
    found = _PYTHON_NAMES.get(key)
    if found is None:
        found = next((name for klass in cls.__mro__ for name, value in vars(klass).items()
                      if getattr(value if kind == "method" else getattr(value, "fget", None), "__jsii_name__", None)
                      == member), None)
        if found is None:
            raise AttributeError(f"{cls.__name__} has no jsii {kind} {member!r}")
        _PYTHON_NAMES[key] = found
    return found


_PYTHON_NAMES: dict[tuple[type, str, str], str] = {}

#: The interfaces whose members Node.js calls only while synthesizing (an aspect's ``visit``, a validation's
#: ``validate``) or resolving tokens (a ``Lazy``'s ``produce``): an object that implements these and nothing else
#: (no jsii class above it) does not stop method calls from batching.
_SYNTH_ONLY_INTERFACES = frozenset({
    "aws-cdk-lib.IAspect", "constructs.IValidation",
    *(f"aws-cdk-lib.I{stable}{kind}Producer" for stable in ("", "Stable") for kind in ("String", "Number", "Any",
                                                                                        "List")),
})
_SYNTH_ONLY = frozenset({"visit", "validate", "produce"})
_callees = {"seen": 0, "found": False}  # registered objects looked at so far; whether one can be called back
_QUIET: dict[type, bool] = {}  # a class -> whether Node.js may call its objects outside synthesis


def registered_objects() -> Mapping[str, Any]:
    """Every object Python created in Node.js by its jsii reference, in creation order (jsii keeps each for the
    life of the process, and gives it back for its reference). LookupError if a jsii release keeps them elsewhere."""
    from jsii import _reference_map

    refs = getattr(getattr(_reference_map, "_refs", None), "_refs", None)
    if not isinstance(refs, dict):
        raise LookupError("jsii keeps its objects elsewhere")
    return refs


def _registered() -> Mapping[str, Any]:
    """The objects whose overrides decide whether method calls batch (tests narrow it to their own)."""
    return registered_objects()


def methods_batch() -> bool:
    """Whether :func:`invoke_each` and :func:`create_each` send their requests together now (else one round trip
    each: a caller with another way to its answer can take it)."""
    return _on() and _process() is not None and _nothing_to_call_back()


def _nothing_to_call_back() -> bool:
    """Whether no object Python created overrides a member Node.js may call outside synthesis: the objects are
    looked at once each (new ones since the last call only)."""
    if _callees["found"]:
        return False
    try:
        from jsii._kernel import _get_overides

        refs = _registered()
        for obj in itertools.islice(refs.values(), _callees["seen"], None):
            cls = type(obj)
            quiet = _QUIET.get(cls)
            if quiet is None:
                quiet = _QUIET[cls] = _quiet(cls, _get_overides(cls, obj))
            if not quiet:
                _callees["found"] = True
                return False
        _callees["seen"] = len(refs)
    except Exception:  # a jsii release that changed its internals: nothing is known, so nothing is batched
        return False
    return True


def _quiet(cls: type, overrides: Sequence[Any]) -> bool:
    """Whether Node.js calls objects of ``cls`` (whose jsii overrides are ``overrides``) only while synthesizing or
    resolving tokens: none, or only the members of :data:`_SYNTH_ONLY_INTERFACES` on an object that implements
    those interfaces alone (a ``validate`` of another interface, codebuild's ``IBuildImage``, runs in a constructor)."""
    if not overrides:
        return True
    if any(getattr(klass, "__jsii_declared_type__", None) for klass in cls.__mro__):
        return False  # a subclass of a jsii class that overrides one of its members
    interfaces = {getattr(i, "__jsii_type__", None) for klass in cls.__mro__
                  for i in getattr(klass, "__jsii_ifaces__", ())}
    return interfaces <= _SYNTH_ONLY_INTERFACES and {o.method or o.property for o in overrides} <= _SYNTH_ONLY


def _plain(value: Any, *, any_object: bool = False) -> bool:
    """Whether ``value`` can go to Node.js in a batch: plain data, structs, and objects of jsii's own classes (any
    object Node.js knows, with ``any_object``: when nothing can be called back, a Python subclass is as safe)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, dict):
        return all(_plain(v, any_object=any_object) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_plain(v, any_object=any_object) for v in value)
    if hasattr(value, "_values") and getattr(type(value), "__jsii_type__", None):  # a struct
        return all(_plain(v, any_object=any_object) for v in value._values.values())
    if hasattr(value, "__jsii_ref__"):
        return any_object or _no_callback(value)
    return False
