"""How long TracingCostEstimate adds to a synth as the app's trace roots grow.

Builds apps of N traced Lambda functions, each fed by its own SQS queue (an event source mapping: one trace root
each), in stacks of at most 80 functions, with one sampling rule, then synthesizes each two ways, interleaved: with
``XRayTracing.enable(app)`` only, and with a ``TracingCostEstimate`` per stack that has a rate for every root (so
it walks the app, finds the roots, follows their references and prices them). Prints one Markdown table row per
size; the results live in docs/benchmarks.md.

    python benchmarks/cost_scale.py [--sizes 40 160 320] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_DEPRECATED", "quiet")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs

from constructs_lib import EventSourceRate, SamplingRule, TracingCostEstimate, TrafficProfile, XRayTracing

PER_STACK = 80


def build(size: int, *, estimate: bool, outdir: str) -> App:
    app = App(outdir=outdir)
    stacks = [Stack(app, f"S{i}", env={"account": "111111111111", "region": "eu-west-1"})
              for i in range((size + PER_STACK - 1) // PER_STACK)]
    for n in range(size):
        stack = stacks[n // PER_STACK]
        function = lambda_.Function(stack, f"Fn{n}", runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler",
                                    code=lambda_.Code.from_inline("def handler(e, c): pass"))
        function.add_event_source(sources.SqsEventSource(sqs.Queue(stack, f"Queue{n}")))
    SamplingRule(stacks[0], "Rule", rule_name="api", priority=1, fixed_rate=0.1, reservoir_size=1,
                 service_name="api/prod")
    XRayTracing.enable(app)
    if estimate:
        for stack in stacks:
            TracingCostEstimate(stack, "Cost", monitored_scope=stack,
                                traffic=[TrafficProfile(service_name="api/prod", rps=10)],
                                event_sources=[EventSourceRate(source=stack, invocations_per_second=1)])
    return app


def synth_seconds(size: int, *, estimate: bool) -> float:
    with tempfile.TemporaryDirectory() as outdir:
        app = build(size, estimate=estimate, outdir=outdir)
        start = time.perf_counter()
        app.synth()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[40, 160, 320])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    synth_seconds(10, estimate=True)  # warm up jsii and the imports
    print("| roots | stacks | synth, traced (s) | + TracingCostEstimate (s) | added per root (ms) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        plain: list[float] = []
        costed: list[float] = []
        for _ in range(args.repeat):  # interleaved, so a busy machine weighs on both alike
            plain.append(synth_seconds(size, estimate=False))
            costed.append(synth_seconds(size, estimate=True))
        base, with_cost = statistics.median(plain), statistics.median(costed)
        stacks = (size + PER_STACK - 1) // PER_STACK
        print(f"| {size} | {stacks} | {base:.2f} | {with_cost:.2f} | {(with_cost - base) / size * 1000:.1f} | "
              f"{with_cost / base:.2f} |", flush=True)


if __name__ == "__main__":
    main()
