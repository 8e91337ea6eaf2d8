"""X-Ray from a Lambda handler without the X-Ray SDK: annotations, and trace context for the AWS calls it makes.

The X-Ray SDK for Python is in maintenance (end of support 2027-02-25), and this sample keeps its handlers free
of dependencies (boto3 is in the Lambda runtime), so:

- ``annotate`` speaks the X-Ray daemon protocol directly: one UDP datagram per subsegment, to the daemon address
  Lambda sets, under the segment Lambda created for the invocation (``_X_AMZN_TRACE_ID``). Annotations are
  indexed: the orders app's ``cold-starts`` trace group filters on ``annotation.ColdStart``.
- ``propagate_trace_context`` sends the invocation's trace header with every call a boto3 client makes, as the SDK
  does, so SNS (Active tracing) continues the trace instead of starting one of its own, and from there SQS
  carries it (``AWSTraceHeader``) to the worker. EventBridge takes it per event: ``trace_header()`` goes in
  ``PutEvents``' ``TraceHeader``, which carries the trace on to the rule's target (Step Functions).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import time
from typing import Any

_KEY = re.compile(r"^[A-Za-z0-9_]{1,500}$")


def trace_context() -> dict[str, str]:
    """The fields of the invocation's trace header: ``Root``, ``Parent``, ``Sampled``."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    return dict(part.split("=", 1) for part in header.split(";") if "=" in part)


def trace_header() -> str | None:
    """The invocation's trace header (``Root=...;Parent=...;Sampled=...``), or None outside a traced invocation."""
    return os.environ.get("_X_AMZN_TRACE_ID") or None


def propagate_trace_context(client: Any) -> Any:
    """Make ``client`` (a boto3 client) send ``X-Amzn-Trace-Id`` with every request; returns the client."""

    def add_header(request: Any, **_: Any) -> None:
        header = trace_header()
        if header:
            request.headers["X-Amzn-Trace-Id"] = header

    client.meta.events.register("before-sign", add_header)
    return client


def subsegment(name: str, annotations: dict[str, str | int | float | bool]) -> dict[str, object] | None:
    """The subsegment document to send, or None when this invocation is not sampled."""
    for key, value in annotations.items():
        if not _KEY.match(key) or not isinstance(value, (str, int, float, bool)):
            raise ValueError(f"annotation {key!r}: keys are letters, digits and _; values str, number or bool")
    context = trace_context()
    if context.get("Sampled") != "1" or "Root" not in context or "Parent" not in context:
        return None
    now = time.time()
    return {
        "type": "subsegment",
        "name": name,
        "id": secrets.token_hex(8),
        "trace_id": context["Root"],
        "parent_id": context["Parent"],
        "start_time": now,
        "end_time": now,
        "annotations": annotations,
    }


def annotate(name: str, **annotations: str | int | float | bool) -> bool:
    """Send ``annotations`` as a subsegment ``name`` of the current trace; True if a datagram was sent."""
    document = subsegment(name, annotations)
    if document is None:
        return False
    host, _, port = os.environ.get("AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1:2000").rpartition(":")
    payload = b'{"format": "json", "version": 1}\n' + json.dumps(document).encode()
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.sendto(payload, (host, int(port)))
    except OSError:  # tracing must never fail the request
        return False
    return True
