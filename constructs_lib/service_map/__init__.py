"""The service map before deploy: where each request's X-Ray trace will continue, link or break.

It reads a synthesized app (the cloud assembly ``cdk synth`` writes), finds the resources that requests go
through and the hops between them, and says for each hop what X-Ray will show: ``continues`` (same trace),
``linked`` (a new trace linked to the caller's), ``breaks`` (no context carried) or ``untraced``. It draws the
map as Mermaid or Graphviz DOT, or gives it as JSON. ``docs/service-map.md`` lists the rules and their AWS pages.

Example::

    from aws_cdk import App, Stack
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_lambda as lambda_
    from constructs_lib import TraceOutcome, XRayTracing, build_service_map, render_mermaid

    app = App()
    stack = Stack(app, "Hello")
    handler = lambda_.Function(stack, "Handler", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                               code=lambda_.Code.from_inline("def handler(event, context):\\n    return {}\\n"))
    apigateway.LambdaRestApi(stack, "Api", handler=handler)
    XRayTracing.enable(app)

    service_map = build_service_map(app.synth().directory)   # or build_service_map("cdk.out")
    service_map.edges[0].trace   # TraceOutcome.CONTINUES
    print(render_mermaid(service_map))
    service_map.edges_where(TraceOutcome.BREAKS)   # ()

Or from a shell: ``python -m constructs_lib.service_map cdk.out --format json --fail-on breaks``.
"""

from ._assembly import CloudAssemblyError
from ._builder import build_service_map
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
