"""The service map before deploy: where each request's X-Ray trace will continue, link or break.

It reads a synthesized app (the cloud assembly ``cdk synth`` writes), finds the resources that requests go
through and the hops between them, and says for each hop what X-Ray will show: ``continues`` (same trace),
``linked`` (a new trace linked to the caller's), ``breaks`` (no context carried) or ``untraced``. It draws the
map as Mermaid or Graphviz DOT, or gives it as JSON. ``docs/service-map.md`` lists the rules and their AWS pages.

Example::

    from constructs_lib import TraceOutcome, build_service_map, render_mermaid

    service_map = build_service_map("cdk.out")
    print(render_mermaid(service_map))
    breaks = service_map.edges_where(TraceOutcome.BREAKS)

Or from a shell: ``python -m constructs_lib.service_map cdk.out --format json --fail-on breaks``.
"""

from .assembly import CloudAssemblyError
from .builder import build_service_map
from .dot import render_dot
from .json_format import render_json
from .mermaid import render_mermaid
from .model import MapEdge, MapNode, NodeTracing, ServiceMap, TraceOutcome, TraceRule
from .rules import RULES, HopKind

__all__ = [
    "RULES",
    "CloudAssemblyError",
    "HopKind",
    "MapEdge",
    "MapNode",
    "NodeTracing",
    "ServiceMap",
    "TraceOutcome",
    "TraceRule",
    "build_service_map",
    "render_dot",
    "render_json",
    "render_mermaid",
]
