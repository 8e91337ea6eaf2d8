"""Render the service map as Graphviz DOT: ``dot -Tsvg map.dot -o map.svg``.

One cluster per stack; node ids are the construct paths, quoted. Traced nodes are filled green, untraced ones red
and dashed, external ones grey and dotted; edges are labelled and styled by what X-Ray shows, as in the Mermaid
rendering.

Example::

    topic = MapNode(id="Orders/Topic", type="AWS::SNS::Topic", stack="Orders", traced=True, name="Topic",
                    description="SNS topic; Active tracing")
    dot = render_dot(ServiceMap(nodes=(topic,), edges=()))
    dot.splitlines()[0]   # 'digraph "service_map" {'
"""

from __future__ import annotations

from .mermaid import node_class
from .model import MapNode, ServiceMap, TraceOutcome

_NODE_STYLES = {
    "traced": 'style="rounded,filled", fillcolor="#e6f4ea", color="#1e8e3e"',
    "untraced": 'style="rounded,filled,dashed", fillcolor="#fce8e6", color="#d93025"',
    "external": 'style="rounded,filled,dotted", fillcolor="#f1f3f4", color="#80868b"',
}
_EDGE_STYLES = {
    TraceOutcome.CONTINUES: 'color="#1e8e3e", style=solid',
    TraceOutcome.LINKED: 'color="#1a73e8", style=dashed',
    TraceOutcome.BREAKS: 'color="#d93025", style=bold, penwidth=2',
    TraceOutcome.UNTRACED: 'color="#9aa0a6", style=dotted',
}


def render_dot(service_map: ServiceMap, *, name: str = "service_map") -> str:
    """The map as a DOT ``digraph`` named ``name``, ending with a newline."""
    lines = [
        f"digraph {_quote(name)} {{",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=11];',
        '  node [shape=box, fontname="Helvetica", fontsize=10];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    for i, stack in enumerate(service_map.stacks):
        lines.append(f"  subgraph cluster_{i} {{")
        lines.append(f"    label={_quote(stack)};")
        lines.extend(f"    {_node(n)}" for n in service_map.nodes if n.stack == stack)
        lines.append("  }")
    lines.extend(f"  {_node(n)}" for n in service_map.nodes if n.stack is None)
    for edge in service_map.edges:
        label = _quote(f"{edge.via}\n{edge.trace.value}")
        lines.append(f"  {_quote(edge.source)} -> {_quote(edge.target)} [label={label}, "
                     f"{_EDGE_STYLES[edge.trace]}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _node(node: MapNode) -> str:
    label = _quote("\n".join([node.name, *node.description.split("; ")]))
    return f"{_quote(node.id)} [label={label}, {_NODE_STYLES[node_class(node)]}];"


def _quote(text: str) -> str:
    """A DOT double-quoted ID: backslashes and quotes escaped, line breaks as ``\\n``."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
