"""A checker for the Mermaid flowchart syntax, written from Mermaid's "Flowcharts - Basic Syntax" page.

It accepts the statements that page documents, one per line: the ``flowchart``/``graph`` header with a direction
(TB, TD, BT, RL, LR), nodes with text in one of the documented shapes, links (``-->``, ``---``, ``-.->``,
``-.-``, ``==>``, ``===``, ``--x``, ``--o``, with ``|text|`` or ``|"text"|``), ``subgraph id [title]`` ... ``end``,
``classDef``, ``class``, ``style``, ``linkStyle`` and ``%%`` comments. Per that page: the lowercase word ``end``
breaks a flowchart when used as a node id; text in double quotes may not contain a double quote (write ``#quot;``,
an entity code); ``linkStyle`` numbers links in the order they are defined.
It raises :class:`MermaidSyntaxError` with the line number on anything else, and returns what it parsed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DIRECTIONS = ("TB", "TD", "BT", "RL", "LR")
_ID = r"[A-Za-z0-9_]+"
_QUOTED = r'"[^"]*"'
_SHAPES = [  # (open, close) pairs from the "Node shapes" section, longest first
    ("([", "])"), ("[[", "]]"), ("[(", ")]"), ("((", "))"), ("{{", "}}"), ("[/", "/]"), ("[\\", "\\]"),
    ("[/", "\\]"), ("[\\", "/]"), ("[", "]"), ("(", ")"), (">", "]"), ("{", "}"),
]
_LINKS = ["-.->", "-.-", "-->", "---", "==>", "===", "--x", "--o", "<-->", "x--x", "o--o"]
_STYLE = r"[a-zA-Z-]+:[^,;]+(,[a-zA-Z-]+:[^,;]+)*;?"
_ENTITY = re.compile(r"#(\d+|[a-zA-Z]+);")


class MermaidSyntaxError(ValueError):
    pass


@dataclass
class Flowchart:
    direction: str
    nodes: dict[str, str] = field(default_factory=dict)
    edges: list[tuple[str, str, str, str]] = field(default_factory=list)  # (from, to, link, text)
    subgraphs: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # id -> (title, node ids)
    class_defs: dict[str, str] = field(default_factory=dict)
    classes: dict[str, set[str]] = field(default_factory=dict)  # class -> node ids
    link_styles: dict[int, str] = field(default_factory=dict)


def _node(text: str, line_no: int) -> tuple[str, str | None]:
    """``id`` or ``id<shape>text<shape>``: the id and the text (None when no text is given)."""
    match = re.match(_ID, text)
    if match is None:
        raise MermaidSyntaxError(f"line {line_no}: expected a node id, got {text!r}")
    node_id, rest = match.group(0), text[match.end():]
    if node_id == "end":
        raise MermaidSyntaxError(f"line {line_no}: 'end' in lowercase breaks a flowchart as a node id")
    if not rest:
        return node_id, None
    for opening, closing in _SHAPES:
        if rest.startswith(opening) and rest.endswith(closing) and len(rest) >= len(opening) + len(closing):
            inner = rest[len(opening):len(rest) - len(closing)]
            if inner.startswith('"'):
                if not re.fullmatch(_QUOTED, inner):
                    raise MermaidSyntaxError(f"line {line_no}: a double quote inside quoted node text: {inner!r}")
                return node_id, inner[1:-1]
            if any(c in inner for c in '"[](){}|'):
                raise MermaidSyntaxError(f"line {line_no}: unquoted node text with special characters: {inner!r}")
            return node_id, inner
    raise MermaidSyntaxError(f"line {line_no}: unknown node shape in {text!r}")


def parse_flowchart(source: str) -> Flowchart:
    lines = [(i + 1, line.strip()) for i, line in enumerate(source.splitlines())]
    lines = [(n, line) for n, line in lines if line and not line.startswith("%%")]
    if not lines:
        raise MermaidSyntaxError("empty diagram")
    header_no, header = lines[0]
    match = re.fullmatch(r"(flowchart|graph)\s+(\w+)", header)
    if match is None or match.group(2) not in DIRECTIONS:
        raise MermaidSyntaxError(f"line {header_no}: expected 'flowchart <{'|'.join(DIRECTIONS)}>', got {header!r}")
    chart = Flowchart(direction=match.group(2))
    open_subgraphs: list[str] = []
    link_pattern = "|".join(re.escape(link) for link in sorted(_LINKS, key=len, reverse=True))
    edge = re.compile(rf"^(\S+)\s+({link_pattern})(?:\|({_QUOTED}|[^|\"]*)\|)?\s+(\S+)$")
    for line_no, line in lines[1:]:
        if line == "end":
            if not open_subgraphs:
                raise MermaidSyntaxError(f"line {line_no}: 'end' without a subgraph")
            open_subgraphs.pop()
        elif line.startswith("subgraph "):
            sub = re.fullmatch(rf"subgraph ({_ID})(?:\[({_QUOTED})\])?", line)
            if sub is None:
                raise MermaidSyntaxError(f"line {line_no}: bad subgraph: {line!r}")
            chart.subgraphs[sub.group(1)] = ((sub.group(2) or sub.group(1)).strip('"'), [])
            open_subgraphs.append(sub.group(1))
        elif line.startswith("classDef "):
            match = re.fullmatch(rf"classDef ({_ID}) ({_STYLE})", line)
            if match is None:
                raise MermaidSyntaxError(f"line {line_no}: bad classDef: {line!r}")
            chart.class_defs[match.group(1)] = match.group(2)
        elif line.startswith("class "):
            match = re.fullmatch(rf"class ({_ID}(?:,{_ID})*) ({_ID})", line)
            if match is None:
                raise MermaidSyntaxError(f"line {line_no}: bad class statement: {line!r}")
            chart.classes.setdefault(match.group(2), set()).update(match.group(1).split(","))
        elif line.startswith("linkStyle "):
            match = re.fullmatch(rf"linkStyle (default|\d+(?:,\d+)*) ({_STYLE})", line)
            if match is None:
                raise MermaidSyntaxError(f"line {line_no}: bad linkStyle: {line!r}")
            if match.group(1) != "default":
                for index in map(int, match.group(1).split(",")):
                    chart.link_styles[index] = match.group(2)
        elif line.startswith("style "):
            if re.fullmatch(rf"style {_ID} {_STYLE}", line) is None:
                raise MermaidSyntaxError(f"line {line_no}: bad style: {line!r}")
        elif (link := edge.match(line)) is not None:
            ends = []
            for part in (link.group(1), link.group(4)):
                node_id, text = _node(part, line_no)
                if text is not None:
                    chart.nodes[node_id] = text
                ends.append(node_id)
            text = (link.group(3) or "").strip('"')
            chart.edges.append((ends[0], ends[1], link.group(2), text))
        else:
            node_id, text = _node(line, line_no)
            chart.nodes[node_id] = text if text is not None else chart.nodes.get(node_id, node_id)
            if open_subgraphs:
                chart.subgraphs[open_subgraphs[-1]][1].append(node_id)
    if open_subgraphs:
        raise MermaidSyntaxError(f"subgraph {open_subgraphs[-1]} has no 'end'")
    for index in chart.link_styles:
        if index >= len(chart.edges):
            raise MermaidSyntaxError(f"linkStyle {index}: there are only {len(chart.edges)} links")
    undefined = set(chart.classes) - set(chart.class_defs)
    if undefined:
        raise MermaidSyntaxError(f"class statements use undefined classes: {sorted(undefined)}")
    return chart


def decode(text: str) -> str:
    """Text as Mermaid shows it: entity codes decoded (``#quot;`` is a double quote), ``<br/>`` a line break."""
    named = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
    text = text.replace("<br/>", "\n")
    return _ENTITY.sub(lambda m: chr(int(m.group(1))) if m.group(1).isdigit() else named[m.group(1)], text)
