"""What ``XRayTracing.enable`` costs over tracing written by hand, as whole-process wall time.

The app: N *sets* of (REST API -> Lambda function, SQS queue -> worker Lambda function), 8 sets per stack, with the
project's ``cdk.json`` feature flags (what ``cdk synth`` runs with). Two variants of the same app:

- ``hand``: ``tracing=lambda_.Tracing.ACTIVE`` on both functions and ``StageOptions(tracing_enabled=True)``, the way
  aws-cdk-lib does it without this library;
- ``aspect``: the same app without those props, plus ``XRayTracing.enable(app)``.

Each measurement is one fresh Python process that builds the app and calls ``app.synth()`` (imports, jsii start-up,
construction and synthesis: what a user waits for), timed from outside: wall time, and CPU time (user + system of
the process and of its Node.js child), which a busy machine disturbs less. Runs are interleaved (hand, aspect,
aspect, hand, ...) so that load slows both alike; the table gives medians and the ratios aspect / hand.

``--count`` runs one in-process synth per variant instead, counting the Python<->Node round trips of jsii
(kernel requests and callbacks, and each batch of ``constructs_lib._pipeline``, which carries many requests in one
round trip) and those of the aspect's own pass, by request, with the time the pass takes.

    python benchmarks/tracing_scale.py [--sets 24 100] [--repeat 5]
    python benchmarks/tracing_scale.py --count --sets 24
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
os.environ.setdefault("JSII_DEPRECATED", "quiet")
sys.path.insert(0, str(ROOT))

SETS_PER_STACK = 8
VARIANTS = ("hand", "aspect")


def build_app(sets: int, *, variant: str, outdir: str, flags: bool = True) -> Any:
    """The benchmark app: ``sets`` x (REST API -> function, queue -> worker), traced by ``variant``."""
    from aws_cdk import App, Stack
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sqs as sqs

    by_hand = variant == "hand"
    context = json.loads((ROOT / "cdk.json").read_text())["context"] if flags else {}
    app = App(outdir=outdir, context=context)
    tracing = {"tracing": lambda_.Tracing.ACTIVE} if by_hand else {}
    code = lambda_.Code.from_inline("def handler(event, context):\n    return {'statusCode': 200}\n")
    stack = None
    for n in range(sets):
        if n % SETS_PER_STACK == 0:
            stack = Stack(app, f"Service{n // SETS_PER_STACK}",
                          env={"account": "111111111111", "region": "eu-west-1"})
        assert stack is not None
        api_fn = lambda_.Function(stack, f"Api{n}Fn", runtime=lambda_.Runtime.PYTHON_3_14,
                                  handler="index.handler", code=code, **tracing)
        api = apigateway.RestApi(stack, f"Api{n}",
                                 deploy_options=apigateway.StageOptions(tracing_enabled=True) if by_hand else None)
        api.root.add_resource("items").add_method("GET", apigateway.LambdaIntegration(api_fn))
        queue = sqs.Queue(stack, f"Queue{n}")
        worker = lambda_.Function(stack, f"Worker{n}", runtime=lambda_.Runtime.PYTHON_3_14,
                                  handler="index.handler", code=code, **tracing)
        worker.add_event_source(sources.SqsEventSource(queue))
    if not by_hand:
        from constructs_lib import XRayTracing  # only here: an app traced by hand does not import the library

        XRayTracing.enable(app)
    return app


# -- one measured process ----------------------------------------------------------------------------------------
def child(sets: int, variant: str, flags: bool) -> None:
    with tempfile.TemporaryDirectory() as outdir:
        build_app(sets, variant=variant, outdir=outdir, flags=flags).synth()


def run_child(sets: int, variant: str, flags: bool) -> tuple[float, float]:
    """Wall time and CPU time (user + system, Python and the Node.js process jsii runs) of one child process."""
    command = [sys.executable, __file__, "--child", variant, "--sets", str(sets)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command if flags else [*command, "--no-flags"], check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(sizes: list[int], repeat: int, flags: bool) -> None:
    print("| sets | functions | feature flags | hand, wall (s) | enable, wall (s) | ratio, wall | ratio, paired "
          "| hand, CPU (s) | enable, CPU (s) | ratio, CPU | runs |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    run_child(2, "aspect", flags)  # warm the file cache (Node, aws-cdk-lib), so the first row is not charged for it
    for sets in sizes:
        walls: dict[str, list[float]] = {v: [] for v in VARIANTS}
        cpus: dict[str, list[float]] = {v: [] for v in VARIANTS}
        for i in range(repeat):
            for variant in (VARIANTS if i % 2 == 0 else VARIANTS[::-1]):
                wall, cpu = run_child(sets, variant, flags)
                walls[variant].append(wall)
                cpus[variant].append(cpu)
        hand, aspect = (statistics.median(walls[v]) for v in VARIANTS)
        hand_cpu, aspect_cpu = (statistics.median(cpus[v]) for v in VARIANTS)
        # Each round runs both variants back to back: the median of the rounds' own ratios is less moved by the
        # machine's drift over the whole run than the ratio of the medians.
        paired = statistics.median(a / h for h, a in zip(walls["hand"], walls["aspect"], strict=True))
        print(f"| {sets} | {2 * sets} | {'cdk.json' if flags else 'none'} | {hand:.2f} | {aspect:.2f} | "
              f"{aspect / hand:.3f} | {paired:.3f} | {hand_cpu:.2f} | {aspect_cpu:.2f} | "
              f"{aspect_cpu / hand_cpu:.3f} | {repeat} |", flush=True)


# -- round trips ---------------------------------------------------------------------------------------------------
def count_round_trips(sets: int, flags: bool) -> None:
    """Synthesize both variants in this process, counting jsii round trips (one request to Node.js and its answer;
    a callback's answer is a request too) during ``app.synth()``, and those of the aspect's own pass."""
    from jsii._kernel.providers import process

    from constructs_lib import XRayTracing

    counts: Counter[str] = Counter()
    in_pass: Counter[str] = Counter()
    state = {"counting": False, "in_pass": False, "pass_seconds": 0.0}
    send = process._NodeProcess.send

    def counted_send(self: Any, request: Any, response_type: Any) -> Any:
        if state["counting"]:
            name = type(request).__name__.removesuffix("Request").lstrip("_").lower()
            counts[name] += 1
            if state["in_pass"]:
                in_pass[getattr(request, "property", None) or getattr(request, "method", None) or name] += 1
        return send(self, request, response_type)

    visit = XRayTracing.visit

    def timed_visit(self: XRayTracing, node: Any) -> None:
        state["in_pass"] = True
        start = time.perf_counter()
        try:
            visit(self, node)
        finally:
            state["pass_seconds"] += time.perf_counter() - start
            state["in_pass"] = False

    from constructs_lib import _pipeline

    written_together = _pipeline._written_together

    def counted_written_together(process: Any, encoded: list[bytes], types: list[type]) -> list[Any]:
        # A batch (constructs_lib._pipeline) is one round trip carrying several requests.
        if state["counting"]:
            counts["batch"] += 1
            batched["requests"] += len(encoded)
            if state["in_pass"]:
                in_pass["batch"] += 1
                batched["in pass"] += len(encoded)
        return written_together(process, encoded, types)

    batched: Counter[str] = Counter()
    process._NodeProcess.send = counted_send  # type: ignore[method-assign]
    _pipeline._written_together = counted_written_together  # type: ignore[assignment]
    XRayTracing.visit = timed_visit  # type: ignore[method-assign]

    with tempfile.TemporaryDirectory() as outdir:  # warm up Node: the first synth of a process is slower
        build_app(2, variant="aspect", outdir=outdir, flags=flags).synth()
    for variant in VARIANTS:
        with tempfile.TemporaryDirectory() as outdir:
            app = build_app(sets, variant=variant, outdir=outdir, flags=flags)
            constructs = len(app.node.find_all())
            counts.clear()
            in_pass.clear()
            batched.clear()
            state["pass_seconds"] = 0.0
            state["counting"] = True
            start = time.perf_counter()
            app.synth()
            elapsed = time.perf_counter() - start
            state["counting"] = False
        print(f"{variant:>6}: {constructs} constructs, synth {elapsed:.2f} s, {sum(counts.values())} round trips "
              f"({', '.join(f'{k} {v}' for k, v in counts.most_common())}); {batched['requests']} requests in "
              "the batches")
    functions = 2 * sets
    trips = sum(in_pass.values())
    print(f"the aspect's pass: {state['pass_seconds']:.2f} s, {trips} round trips for {functions} functions and "
          f"{sets} stages, {trips / constructs:.2f} per construct of the app")
    print("  by request: " + ", ".join(f"{k} {v}" for k, v in in_pass.most_common())
          + f" ({batched['in pass']} requests in the batches)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", type=int, nargs="+", default=[24, 100])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--count", action="store_true", help="count jsii round trips instead of timing")
    parser.add_argument("--no-flags", action="store_true",
                        help="a plain App() without this project's cdk.json feature flags")
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    flags = not args.no_flags
    if args.child:
        child(args.sets[0], args.child, flags)
    elif args.count:
        for sets in args.sets:
            count_round_trips(sets, flags)
    else:
        measure(args.sets, args.repeat, flags)


if __name__ == "__main__":
    main()
