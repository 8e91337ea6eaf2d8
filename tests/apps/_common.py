"""What the example apps share: an inline handler and a Python function, written the way examples write them."""

from __future__ import annotations

from typing import Any

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

HANDLER = """
import json, os

def handler(event, context):
    print(json.dumps(event))
    return {"statusCode": 200, "body": json.dumps({"ok": True, "env": os.environ.get("STAGE", "")})}
"""


def python_function(scope: Construct, id: str, **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                            code=lambda_.Code.from_inline(HANDLER), **kwargs)
