"""GET /hello: the smallest traced handler.

The Powertools Tracer (from the layer ``LambdaInstrumentation`` adds) records a ``## handler`` subsegment with
the ``ColdStart`` and ``Service`` annotations; the function's own segment comes from Lambda's Active tracing.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Tracer

tracer = Tracer()


@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    name = (event.get("queryStringParameters") or {}).get("name") or "world"
    tracer.put_annotation("default_name", name == "world")
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps({"message": f"hello, {name}"}),
    }
