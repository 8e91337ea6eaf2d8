"""Render the service map as a Mermaid flowchart that GitHub renders in Markdown (a ```` ```mermaid ```` block).

One subgraph per stack, imported and external resources outside them. Traced nodes are green, untraced ones red
and dashed, external ones grey and dotted. Edges are labelled with what makes the hop and what X-Ray shows:
``continues`` solid green, ``linked`` dotted blue, ``breaks`` thick red, ``untraced`` dotted grey.

Example::

    topic = MapNode(id="Orders/Topic", type="AWS::SNS::Topic", stack="Orders", traced=True, name="Topic",
                    description="SNS topic; Active tracing")
    chart = render_mermaid(ServiceMap(nodes=(topic,), edges=()))
    chart.splitlines()[0]   # 'flowchart LR'
"""

from __future__ import annotations

from collections.abc import Iterable

from .model import MapNode, ServiceMap, TraceOutcome

_ARROWS = {
    TraceOutcome.CONTINUES: "-->",
    TraceOutcome.LINKED: "-.->",
    TraceOutcome.BREAKS: "==>",
    TraceOutcome.UNTRACED: "-.->",
}
_EDGE_STYLES = {
    TraceOutcome.CONTINUES: "stroke:#1e8e3e,stroke-width:2px",
    TraceOutcome.LINKED: "stroke:#1a73e8,stroke-width:2px",
    TraceOutcome.BREAKS: "stroke:#d93025,stroke-width:3px",
    TraceOutcome.UNTRACED: "stroke:#9aa0a6,stroke-width:1px",
}
_NODE_CLASSES = {
    "traced": "fill:#e6f4ea,stroke:#1e8e3e,color:#0d3b1e",
    "untraced": "fill:#fce8e6,stroke:#d93025,color:#5c0b07,stroke-dasharray:5 3",
    "external": "fill:#f1f3f4,stroke:#80868b,color:#202124,stroke-dasharray:2 2",
}


def node_class(node: MapNode) -> str:
    """``traced``, ``untraced`` or ``external``: the class a node is drawn with."""
    if node.external and not node.traced:
        return "external"
    return "traced" if node.traced else "untraced"


def render_mermaid(service_map: ServiceMap, *, direction: str = "LR") -> str:
    """The map as Mermaid flowchart text, ending with a newline; ``direction`` is LR, RL, TB or BT."""
    if direction not in ("LR", "RL", "TB", "TD", "BT"):
        raise ValueError(f"render_mermaid: direction must be one of LR, RL, TB, TD, BT, got {direction!r}")
    ids = {node.id: f"n{i}" for i, node in enumerate(service_map.nodes)}
    lines = [f"flowchart {direction}"]
    for i, stack in enumerate(service_map.stacks):
        lines.append(f'  subgraph s{i}["{_text(stack)}"]')
        lines.extend(f"    {_node_line(ids[n.id], n)}" for n in service_map.nodes if n.stack == stack)
        lines.append("  end")
    lines.extend(f"  {_node_line(ids[n.id], n)}" for n in service_map.nodes if n.stack is None)
    for edge in service_map.edges:
        label = _text(f"{edge.via} · {edge.trace.value}")
        lines.append(f'  {ids[edge.source]} {_ARROWS[edge.trace]}|"{label}"| {ids[edge.target]}')
    for name, style in _NODE_CLASSES.items():
        lines.append(f"  classDef {name} {style}")
    for name in _NODE_CLASSES:
        members = [ids[n.id] for n in service_map.nodes if node_class(n) == name]
        if members:
            lines.append(f"  class {','.join(members)} {name}")
    for outcome, style in _EDGE_STYLES.items():
        indexes = [str(i) for i, edge in enumerate(service_map.edges) if edge.trace is outcome]
        if indexes:
            lines.append(f"  linkStyle {','.join(indexes)} {style}")
    return "\n".join(lines) + "\n"


def _node_line(mermaid_id: str, node: MapNode) -> str:
    return f'{mermaid_id}["{_lines([node.name, *node.description.split("; ")])}"]'


def _lines(parts: Iterable[str]) -> str:
    return "<br/>".join(_text(part) for part in parts)


def _text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for the characters Mermaid or HTML would read."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("|", "#124;")):
        text = text.replace(char, code)
    return text.replace("\n", " ")
