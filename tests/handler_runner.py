"""Run a sample handler as Lambda would, in this (fresh) process, with its AWS calls stubbed.

    python tests/handler_runner.py <plan.json>

The plan: ``{"module": "api", "stubs": [[client, method, response | {"error": code}, expected_params], ...],
"invocations": [{"trace_header": "...", "event": {...}}, ...]}``. ``client`` names a module attribute holding a
boto3 client or resource (``_dynamodb``, ``_sns``, ``_events``). Each invocation sets ``_X_AMZN_TRACE_ID`` as
Lambda does, calls ``handler(event, context)`` and prints one JSON line: ``{"result": ...}`` or ``{"error": ...}``.

The caller sets the rest of Lambda's environment (``LAMBDA_TASK_ROOT``, ``AWS_XRAY_DAEMON_ADDRESS``, the
function's variables). A fresh process per run gives a real cold start, and keeps the X-Ray SDK's patching of
botocore out of the test process.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

from botocore.stub import Stubber


class Context:
    function_name = "test-function"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:111111111111:function:test-function"
    aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e812345678"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 10_000


def main(plan_file: str) -> None:
    with open(plan_file) as file:
        plan = json.load(file)
    module = importlib.import_module(plan["module"])
    stubbers: dict[str, Stubber] = {}
    for client_name, method, response, expected in plan["stubs"]:
        client = getattr(module, client_name)
        client = getattr(getattr(client, "meta", None), "client", None) or client  # a resource's client
        stubber = stubbers.setdefault(client_name, Stubber(client))
        if isinstance(response, dict) and "error" in response:
            stubber.add_client_error(method, service_error_code=response["error"], http_status_code=400,
                                     expected_params=expected)
        else:
            stubber.add_response(method, response, expected)
    for stubber in stubbers.values():
        stubber.activate()
    for invocation in plan["invocations"]:
        os.environ["_X_AMZN_TRACE_ID"] = invocation["trace_header"]
        try:
            result: dict[str, Any] = {"result": module.handler(invocation["event"], Context())}
        except Exception as exc:  # reported, as Lambda reports a function error
            result = {"error": type(exc).__name__, "message": str(exc)}
        print(json.dumps(result), flush=True)
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()


if __name__ == "__main__":
    main(sys.argv[1])
