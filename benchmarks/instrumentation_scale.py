"""Synth time that LambdaInstrumentation adds as an app grows.

    python benchmarks/instrumentation_scale.py --sizes 50 200 --repeat 3

Apps of N Python functions (L2 ``Function``s with an environment, one stack per 100). Each cell is the median of
``repeat`` ``app.synth()`` calls on freshly built apps, plain and instrumented interleaved so machine load hits
both alike (construction time not included). The cost is the aspect's Python-Node round trips (jsii), not
CloudFormation rendering.
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

from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_

from constructs_lib import LambdaInstrumentation


def build(functions: int, instrumented: bool) -> App:
    app = App(outdir=tempfile.mkdtemp(prefix="bench-"))
    for index in range(functions):
        if index % 100 == 0:
            stack = Stack(app, f"S{index // 100}")
        lambda_.Function(stack, f"F{index}", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                         code=lambda_.Code.from_inline("def handler(e, c): 0"), environment={"TABLE": "t"})
    if instrumented:
        LambdaInstrumentation.enable(app)
    return app


def timed_synth(functions: int, instrumented: bool) -> float:
    app = build(functions, instrumented)
    started = time.perf_counter()
    app.synth()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| functions | synth, plain (s) | + LambdaInstrumentation (s) | added per function (ms) |")
    print("|---:|---:|---:|---:|")
    for size in args.sizes:
        plain: list[float] = []
        instrumented: list[float] = []
        for _ in range(args.repeat):
            plain.append(timed_synth(size, False))
            instrumented.append(timed_synth(size, True))
        a, b = statistics.median(plain), statistics.median(instrumented)
        print(f"| {size} | {a:.2f} | {b:.2f} | {(b - a) / size * 1000:.1f} |")


if __name__ == "__main__":
    main()
