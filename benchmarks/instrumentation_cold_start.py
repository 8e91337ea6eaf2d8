"""What the Powertools Tracer adds to a cold start: the sample API handler's init and first invocation.

    python benchmarks/instrumentation_cold_start.py [--repeat 15]

Each sample is a fresh Python process (a cold start) that times two phases, as Lambda splits them:
init (importing the handler module: boto3, its clients, and with instrumentation Powertools, the X-Ray SDK
and the patching of botocore) and the first invocation (a stubbed DynamoDB PutItem and SNS Publish).
Three variants run interleaved, so machine load hits them alike:

- ``boto3 only``: the same clients and calls, no Powertools (what the handler was before);
- ``tracer off``: the instrumented handler with ``POWERTOOLS_TRACE_DISABLED=true`` (imports, no patching);
- ``tracer on``: the instrumented handler as deployed, sending its segments to a UDP port nobody reads.

Reported: medians in milliseconds and the ratio to ``boto3 only``. This is the host's CPython, not Lambda's
(whose CPU share follows the memory size): read the ratios and the added milliseconds, not absolute figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "sample_stacks" / "orders" / "handlers"

_SAMPLE = r"""
import json, os, sys, time
t0 = time.perf_counter()
if os.environ["VARIANT"] == "boto3 only":
    import boto3
    _dynamodb, _sns = boto3.resource("dynamodb"), boto3.client("sns")
    def handler(event, context):
        _dynamodb.Table("t").put_item(Item={"order_id": "o"})
        _sns.publish(TopicArn="arn:aws:sns:eu-west-1:111111111111:t", Message="{}")
    module = sys.modules[__name__]
else:
    import api as module
    _dynamodb, _sns, handler = module._dynamodb, module._sns, module.handler
t1 = time.perf_counter()
from botocore.stub import Stubber
stubs = [Stubber(_dynamodb.meta.client), Stubber(_sns)]
stubs[0].add_response("put_item", {}); stubs[1].add_response("publish", {"MessageId": "m"})
for s in stubs: s.activate()
event = {"httpMethod": "POST", "resource": "/orders",
         "body": json.dumps({"customer_id": "c", "items": [{"sku": "a", "quantity": 1}]})}
t2 = time.perf_counter()
handler(event, None)
t3 = time.perf_counter()
print(json.dumps({"init_ms": (t1 - t0) * 1000, "invoke_ms": (t3 - t2) * 1000}))
"""

VARIANTS = ("boto3 only", "tracer off", "tracer on")


def sample(variant: str) -> dict[str, float]:
    env = {
        "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(HANDLERS), "VARIANT": variant,
        "LAMBDA_TASK_ROOT": str(HANDLERS), "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x", "TABLE_NAME": "t", "TOPIC_ARN": "arn:aws:sns:eu-west-1:111111111111:t",
        "POWERTOOLS_SERVICE_NAME": "bench", "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:9",  # the discard port: nobody reads it
        "_X_AMZN_TRACE_ID": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if variant == "tracer off":
        env["POWERTOOLS_TRACE_DISABLED"] = "true"
    out = subprocess.run([sys.executable, "-c", _SAMPLE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for variant in VARIANTS:  # warm the OS file cache once, unmeasured
        sample(variant)
    runs: dict[str, list[dict[str, float]]] = {v: [] for v in VARIANTS}
    for _ in range(args.repeat):
        for variant in VARIANTS:
            runs[variant].append(sample(variant))
    base = {phase: statistics.median(r[phase] for r in runs["boto3 only"]) for phase in ("init_ms", "invoke_ms")}
    print(f"{'variant':<12} {'init ms':>8} {'x':>6} {'1st invoke ms':>14} {'x':>6}   (medians of {args.repeat})")
    for variant in VARIANTS:
        init = statistics.median(r["init_ms"] for r in runs[variant])
        invoke = statistics.median(r["invoke_ms"] for r in runs[variant])
        print(f"{variant:<12} {init:8.0f} {init / base['init_ms']:6.2f} {invoke:14.1f} "
              f"{invoke / base['invoke_ms']:6.2f}")


if __name__ == "__main__":
    main()
