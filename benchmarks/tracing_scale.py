"""How long XRayTracing and TracingAlarms add to a synth, and how much memory, as an app grows.

Builds apps of N Lambda functions (half L2 ``Function``, half bare ``CfnFunction`` with their own ``CfnRole``)
and N/10 SNS topics spread over stacks of at most 100 functions, then synthesizes each three ways: as is, with
``XRayTracing.enable(app)``, and with that plus one ``TracingAlarms`` per stack in Metrics Insights mode.
Prints one Markdown table row per size; the results live in docs/benchmarks.md.

    python benchmarks/tracing_scale.py [--sizes 50 200 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_DEPRECATED", "quiet")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns

from constructs_lib import AlarmMode, TracingAlarms, XRayTracing

PER_STACK = 100


def build(size: int, *, traced: bool, outdir: str, alarms: bool = False) -> App:
    app = App(outdir=outdir)
    stacks = [Stack(app, f"S{i}", env={"account": "111111111111", "region": "eu-west-1"})
              for i in range((size + PER_STACK - 1) // PER_STACK)]
    for n in range(size):
        stack = stacks[n // PER_STACK]
        if n % 2:
            lambda_.Function(stack, f"Fn{n}", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                             code=lambda_.Code.from_inline("def handler(e, c): pass"))
        else:
            role = iam.CfnRole(stack, f"Role{n}", assume_role_policy_document={"Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
            lambda_.CfnFunction(stack, f"Bare{n}", role=role.attr_arn, runtime="python3.14", handler="i.h",
                                code=lambda_.CfnFunction.CodeProperty(zip_file="pass"))
        if n % 10 == 0:
            sns.Topic(stack, f"Topic{n}")
    if traced:
        XRayTracing.enable(app)
    if alarms:
        for stack in stacks:
            TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    return app


def synth_seconds(size: int, *, traced: bool, alarms: bool = False) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        app = build(size, traced=traced, outdir=outdir, alarms=alarms)
        start = time.perf_counter()
        app.synth()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 400])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    synth_seconds(20, traced=True)  # warm up the jsii runtime, so the first row isn't charged for it
    print("| functions | topics | stacks | synth, plain (s) | + XRayTracing (s) | per function (ms) "
          "| + TracingAlarms, Metrics Insights (s) |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        base = statistics.median(synth_seconds(size, traced=False) for _ in range(args.repeat))
        traced = statistics.median(synth_seconds(size, traced=True) for _ in range(args.repeat))
        alarmed = statistics.median(synth_seconds(size, traced=True, alarms=True) for _ in range(args.repeat))
        print(f"| {size} | {(size + 9) // 10} | {(size + PER_STACK - 1) // PER_STACK} | {base:.2f} | "
              f"{traced:.2f} | {1000 * (traced - base) / size:.1f} | {alarmed:.2f} |", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS of the Python process: {peak_mb:.0f} MB (the Node.js jsii process is separate).")


if __name__ == "__main__":
    main()
