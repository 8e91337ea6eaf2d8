"""The emulator's host Lambda executor (emulator/localstack_host_lambda): what it promises to honour.

Functions made here through the Lambda API (not CDK), on the session's emulator, and deleted again before the
app is destroyed: the handler string (a module in a sub-package), the code asset, environment variables, the
function's timeout, errors, and boto3 reaching the emulator from inside a handler.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import LocalDeployment

pytestmark = pytest.mark.integration

CODE = {
    "pkg/__init__.py": "",
    "pkg/app.py": '''
import json, os, time
import boto3

def handler(event, context):
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("fail"):
        raise ValueError("asked to fail")
    print("printed by the handler")
    tables = boto3.client("dynamodb").list_tables()["TableNames"] if event.get("aws") else None
    return {"greeting": os.environ["GREETING"], "function": context.function_name,
            "remaining_ms": context.get_remaining_time_in_millis(), "tables": tables,
            "trace_id": os.environ.get("_X_AMZN_TRACE_ID", "")}
''',
}


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def probe_function(local_deployment: LocalDeployment) -> Iterator[tuple[Any, str]]:
    lambda_ = local_deployment.app.client("lambda")
    name = f"host-executor-probe-{uuid.uuid4().hex[:6]}"
    lambda_.create_function(
        FunctionName=name, Runtime="python3.13", Handler="pkg/app.handler", Timeout=2,
        Role="arn:aws:iam::000000000000:role/probe", Code={"ZipFile": _zip(CODE)},
        Environment={"Variables": {"GREETING": "hello from the env"}},
    )
    lambda_.get_waiter("function_active_v2").wait(FunctionName=name)
    try:
        yield lambda_, name
    finally:
        lambda_.delete_function(FunctionName=name)
        logs = local_deployment.app.client("logs")
        for group in logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]:
            logs.delete_log_group(logGroupName=group["logGroupName"])


def _invoke(lambda_: Any, name: str, event: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    response = lambda_.invoke(FunctionName=name, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read()), response.get("FunctionError")


def test_handler_code_environment_and_context(probe_function: tuple[Any, str]) -> None:
    lambda_, name = probe_function
    result, error = _invoke(lambda_, name, {"aws": True})
    assert error is None, result
    assert result["greeting"] == "hello from the env"
    assert result["function"] == name
    assert 0 < result["remaining_ms"] <= 2000
    assert isinstance(result["tables"], list)  # boto3 inside the handler reached the emulator
    assert result["trace_id"].startswith("Root=1-")


def test_an_exception_is_a_function_error(probe_function: tuple[Any, str]) -> None:
    lambda_, name = probe_function
    result, error = _invoke(lambda_, name, {"fail": True})
    assert error == "Unhandled"
    assert result["errorType"] == "ValueError" and result["errorMessage"] == "asked to fail"


def test_the_timeout_is_enforced_and_the_function_recovers(probe_function: tuple[Any, str]) -> None:
    lambda_, name = probe_function
    result, error = _invoke(lambda_, name, {"sleep": 5})
    assert error == "Unhandled"
    assert "Task timed out after 2.00 seconds" in result["errorMessage"]
    result, error = _invoke(lambda_, name, {})
    assert error is None and result["greeting"] == "hello from the env"
