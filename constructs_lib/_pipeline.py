"""Many independent requests to Node.js in one exchange, instead of one round trip each.

jsii runs aws-cdk-lib in a Node.js child process and sends it one request at a time, waiting for each answer: a
round trip costs about 0.26 ms on a 2-core machine, almost all of it waiting on the pipe, not work. A pass that
reads or sets one property on each of 200 functions pays that 200 times. Here the requests of a batch are written
to the process together and the answers read back in order: Node.js handles each request exactly as it would
have (the same requests, in the same order), only without waiting between them; a batch costs about 0.04 ms per
request.

That is safe only when no request makes Node.js call back into Python: a callback is answered on the same pipe,
where the next queued request would be read as its answer. So only property reads and writes are batched, and
only on objects of a class jsii generated (an aws-cdk-lib class used as is, or a proxy of a Node.js object) with
values of plain data, structs and such objects: those run no Python code. A method call is never batched, since
the method may reach other objects implemented in Python (a role, a property injector). A request on any other
object is sent on its own, through jsii, in the same order. If the child process is not the one jsii ships (a
jsii release that changes it), or ``CONSTRUCTS_LIB_PIPELINE=0`` is set, every request goes through jsii one by
one: the answers are the same, ``tests/test_pipeline.py`` checks that.

Example::

    configs = get_each([fn1, fn2], "tracingConfig")          # two reads, one exchange
    set_each([(fn1, "tracingConfig", {"mode": "Active"})])
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from typing import Any

import jsii
from jsii._kernel import _make_reference_for_native, _recursize_dereference
from jsii._kernel.types import GetRequest, GetResponse, SetRequest, SetResponse
from jsii._reference_map import InterfaceDynamicProxy, _types

#: Requests written before their answers are read: small enough that neither pipe (64 KiB on Linux) fills while
#: the other side is waiting, which would block both processes.
_CHUNK = 48
_CHUNK_BYTES = 24_000

_Request = GetRequest | SetRequest


def get_each(objects: Sequence[Any], prop: str, *, raw: bool = False) -> list[Any]:
    """``obj.<prop>`` for each object (``prop`` in camelCase, as jsii names it), in one exchange.

    :param raw: give jsii's object references as they came (``ObjRef``), without making Python proxies of them:
        for passing them straight back to Node.js (``Stack.resolve``).

    Example::

        get_each(functions, "tracingConfig")   # [None, TracingConfigProperty(mode="Active"), ...]
    """
    requests = [GetRequest(objref=o.__jsii_ref__, property=prop) for o in objects]
    safe = [_no_callback(o) for o in objects]
    answers = _exchange(requests, safe, [GetResponse] * len(requests))
    values = [a.value for a in answers]
    return values if raw else [_recursize_dereference(jsii.kernel, v) for v in values]


def set_each(assignments: Iterable[tuple[Any, str, Any]]) -> None:
    """``obj.<prop> = value`` for each ``(obj, prop, value)``, in order, in one exchange."""
    items = list(assignments)
    kernel = jsii.kernel
    requests = [SetRequest(objref=o.__jsii_ref__, property=p, value=_make_reference_for_native(kernel, v))
                for o, p, v in items]
    safe = [_no_callback(o) and _plain(v) for o, _, v in items]
    _exchange(requests, safe, [SetResponse] * len(requests))


# -- the exchange ---------------------------------------------------------------------------------------------------
def _exchange(requests: Sequence[_Request], safe: list[bool], types: list[type]) -> list[Any]:
    """The answers to ``requests``, in order: runs of safe ones written together, the others through jsii."""
    process = _process() if os.environ.get("CONSTRUCTS_LIB_PIPELINE", "1") != "0" else None
    answers: list[Any] = []
    i = 0
    while i < len(requests):
        if process is None or not safe[i]:
            answers.append(_one(requests[i], types[i]))
            i += 1
            continue
        end = i
        size = 0
        encoded: list[bytes] = []
        while end < len(requests) and safe[end] and end - i < _CHUNK and size < _CHUNK_BYTES:
            line = json.dumps(process._serializer.unstructure(requests[end]), default=_jdefault).encode("utf8")
            encoded.append(line)
            size += len(line)
            end += 1
        answers.extend(_written_together(process, encoded, types[i:end]))
        i = end
    return answers


def _written_together(process: Any, encoded: list[bytes], types: list[type]) -> list[Any]:
    from jsii._kernel.providers.process import _CallbackResponse, _OkayResponse, _ProcessResponse

    stdin = process._process.stdin
    stdin.write(b"".join(line + b"\n" for line in encoded))
    stdin.flush()
    answers: list[Any] = []
    error: Exception | None = None
    for response_type in types:
        response = process._serializer.structure(process._next_message(), _ProcessResponse)
        if isinstance(response, _OkayResponse):
            answers.append(process._serializer.structure(response.ok, response_type))
        elif isinstance(response, _CallbackResponse):  # excluded by _no_callback; the exchange cannot go on
            raise RuntimeError("constructs_lib: Node.js called back into Python during a batched request; "
                               "set CONSTRUCTS_LIB_PIPELINE=0 and report this")
        else:
            answers.append(None)
            if error is None:  # raised once every answer is read, so the next request finds the pipe clean
                error = _error(response)
    if error is not None:
        raise error
    return answers


def _error(response: Any) -> Exception:
    """The exception jsii raises for an error answer (``JSIIError`` for a fault of jsii's, else ``RuntimeError``),
    with the JavaScript stack as its cause."""
    from jsii.errors import ErrorType, JavaScriptError, JSIIError

    error: Exception = JSIIError(response.error) if response.name == ErrorType.JSII_FAULT.value else RuntimeError(
        response.error)
    error.__cause__ = JavaScriptError(response.stack)  # type: ignore[no-untyped-call]
    return error


def _one(request: _Request, response_type: type) -> Any:
    """One request through jsii's own path (which answers callbacks)."""
    from jsii._kernel import _callback_till_result
    from jsii._kernel.types import Callback

    kernel = jsii.kernel
    provider = kernel.provider
    response = provider.get(request) if isinstance(request, GetRequest) else provider.set(request)
    if isinstance(response, Callback):
        value = _callback_till_result(kernel, response, response_type)
        # jsii hands back the bare value once callbacks are answered: wrap it like a direct answer
        return GetResponse(value=value) if response_type is GetResponse else SetResponse()
    return response


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


def _no_callback(obj: Any) -> bool:
    """Whether requests on ``obj`` run entirely in Node.js: its class is the one jsii generated for its type (a
    Python subclass may override members, which Node.js then calls back), or a proxy of a Node.js object."""
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


def _plain(value: Any) -> bool:
    """Whether ``value`` can go to Node.js in a batch: plain data, structs, and objects of jsii's own classes."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if hasattr(value, "_values") and getattr(type(value), "__jsii_type__", None):  # a struct
        return all(_plain(v) for v in value._values.values())
    if hasattr(value, "__jsii_ref__"):
        return _no_callback(value)
    return False
