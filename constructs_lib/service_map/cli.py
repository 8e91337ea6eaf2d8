"""The command: ``python -m constructs_lib.service_map CDK_OUT [--stack NAME] [--format mermaid|dot|json]
[--fail-on breaks|untraced] [--output FILE]``.

Without ``--output`` the rendering goes to standard output. With it, the rendering goes to the file and standard
output gets one line per hop where a trace breaks, then where the file was written (``./scripts/synth`` uses
this). ``--fail-on breaks`` exits 1 when a hop breaks a trace, ``--fail-on untraced`` also when a hop is
untraced; the offending hops are listed on standard error.

From a shell::

    $ python -m constructs_lib.service_map cdk.out --format json --fail-on breaks > map.json
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ._assembly import CloudAssemblyError
from ._builder import build_service_map
from .dot import render_dot
from .json_format import render_json
from .mermaid import render_mermaid
from .model import MapEdge, ServiceMap, TraceOutcome

RENDERERS: dict[str, Callable[[ServiceMap], str]] = {
    "mermaid": render_mermaid,
    "dot": render_dot,
    "json": render_json,
}
_FAIL_ON = {
    "breaks": (TraceOutcome.BREAKS,),
    "untraced": (TraceOutcome.BREAKS, TraceOutcome.UNTRACED),
}


def describe(edge: MapEdge) -> str:
    """One line for a hop: ``Orders/ApiFunction -> Orders/OrderCreated (sns:Publish ...): <why>``."""
    return f"{edge.source} -> {edge.target} ({edge.via}): {edge.reason}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m constructs_lib.service_map",
        description="Draw where each request's X-Ray trace will continue, link or break, from a synthesized "
                    "CDK app (its cloud assembly), before it is deployed.",
    )
    parser.add_argument("cdk_out", metavar="CDK_OUT", help="the cloud assembly directory `cdk synth` writes")
    parser.add_argument("--stack", metavar="NAME", help="only this stack (and the far ends of hops that leave it)")
    parser.add_argument("--format", choices=sorted(RENDERERS), default="mermaid", help="default: mermaid")
    parser.add_argument("--fail-on", choices=sorted(_FAIL_ON),
                        help="exit 1 if a hop breaks a trace (breaks), or breaks it or is untraced (untraced)")
    parser.add_argument("--output", metavar="FILE", type=Path,
                        help="write the map to FILE and print the breaking hops and FILE's path instead")
    args = parser.parse_args(argv)

    try:
        service_map = build_service_map(args.cdk_out)
        if args.stack is not None:
            service_map = service_map.for_stack(args.stack)
    except (CloudAssemblyError, KeyError) as error:
        print(f"error: {error.args[0] if isinstance(error, KeyError) else error}", file=sys.stderr)
        return 2

    rendered = RENDERERS[args.format](service_map)
    if args.output is None:
        sys.stdout.write(rendered)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(rendered)
        breaks = service_map.edges_where(TraceOutcome.BREAKS)
        for edge in breaks:
            print(f"trace breaks: {describe(edge)}")
        if not breaks:
            print(f"service map: {len(service_map.edges)} hops, none breaks a trace")
        print(f"service map ({args.format}) written to {args.output}")

    if args.fail_on is not None:
        failing = service_map.edges_where(*_FAIL_ON[args.fail_on])
        for edge in failing:
            print(f"{edge.trace.value}: {describe(edge)}", file=sys.stderr)
        if failing:
            return 1
    return 0
