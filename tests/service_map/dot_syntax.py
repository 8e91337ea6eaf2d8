"""A parser for the Graphviz DOT language, written from its grammar ("The DOT Language", graphviz.org):

    graph      : [ strict ] (graph | digraph) [ ID ] '{' stmt_list '}'
    stmt_list  : [ stmt [ ';' ] stmt_list ]
    stmt       : node_stmt | edge_stmt | attr_stmt | ID '=' ID | subgraph
    attr_stmt  : (graph | node | edge) attr_list
    attr_list  : '[' [ a_list ] ']' [ attr_list ]
    a_list     : ID '=' ID [ (';' | ',') ] [ a_list ]
    edge_stmt  : (node_id | subgraph) edgeRHS [ attr_list ]
    edgeRHS    : edgeop (node_id | subgraph) [ edgeRHS ]
    node_stmt  : node_id [ attr_list ]
    node_id    : ID [ port ]
    subgraph   : [ subgraph [ ID ] ] '{' stmt_list '}'

An ID is a name (letters, digits, underscores, not starting with a digit), a numeral, or a double-quoted string
in which ``\\"`` is the only escape; keywords are case-independent; in a digraph the edge operator is ``->``.
Ports and HTML strings are not used by the renderer and are rejected here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

KEYWORDS = {"strict", "graph", "digraph", "node", "edge", "subgraph"}
_TOKEN = re.compile(
    r'\s+|//[^\n]*|/\*.*?\*/|#[^\n]*'                      # space and comments
    r'|(?P<quoted>"(?:[^"\\]|\\.)*")'
    r'|(?P<numeral>-?(?:\.\d+|\d+(?:\.\d*)?))'
    r'|(?P<name>[A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)'
    r'|(?P<op>->|--|[{}\[\];,=:])',
    re.S,
)


class DotSyntaxError(ValueError):
    pass


@dataclass
class DotGraph:
    name: str | None
    directed: bool
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    edges: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    subgraphs: dict[str, list[str]] = field(default_factory=dict)  # subgraph id -> node ids declared in it


def _tokens(source: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(source):
        match = _TOKEN.match(source, position)
        if match is None:
            raise DotSyntaxError(f"unexpected character {source[position]!r} at offset {position}")
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            continue
        text = match.group(kind)
        if kind == "name" and text.lower() in KEYWORDS:
            tokens.append(("keyword", text.lower()))
        elif kind == "quoted":
            tokens.append(("id", text[1:-1].replace('\\"', '"')))
        elif kind in ("name", "numeral"):
            tokens.append(("id", text))
        else:
            tokens.append(("op", text))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.i = 0

    def peek(self, offset: int = 0) -> tuple[str, str] | None:
        return self.tokens[self.i + offset] if self.i + offset < len(self.tokens) else None

    def take(self, kind: str, text: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (text is not None and token[1] != text):
            raise DotSyntaxError(f"token {self.i}: expected {text or kind}, got {token}")
        self.i += 1
        return token[1]

    def accept(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and (text is None or token[1] == text):
            self.i += 1
            return True
        return False

    def graph(self) -> DotGraph:
        self.accept("keyword", "strict")
        kind = self.take("keyword")
        if kind not in ("graph", "digraph"):
            raise DotSyntaxError(f"expected graph or digraph, got {kind}")
        name = self.take("id") if self.peek() and self.peek()[0] == "id" else None  # type: ignore[index]
        result = DotGraph(name=name, directed=kind == "digraph")
        self.take("op", "{")
        self.stmt_list(result, None)
        self.take("op", "}")
        if self.peek() is not None:
            raise DotSyntaxError(f"text after the graph: {self.peek()}")
        return result

    def stmt_list(self, graph: DotGraph, subgraph: str | None) -> None:
        while self.peek() is not None and self.peek() != ("op", "}"):
            self.stmt(graph, subgraph)
            self.accept("op", ";")

    def attr_list(self) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while self.accept("op", "["):
            while not self.accept("op", "]"):
                key = self.take("id")
                self.take("op", "=")
                attrs[key] = self.take("id")
                if not (self.accept("op", ",") or self.accept("op", ";")) and self.peek() != ("op", "]"):
                    raise DotSyntaxError(f"token {self.i}: expected , ; or ] in an attribute list")
        return attrs

    def stmt(self, graph: DotGraph, subgraph: str | None) -> None:
        token = self.peek()
        if token in (("keyword", "graph"), ("keyword", "node"), ("keyword", "edge")):
            self.i += 1
            self.attr_list()
            return
        if token == ("keyword", "subgraph") or token == ("op", "{"):
            left = self.subgraph(graph)
        else:
            node = self.take("id")
            if self.accept("op", "="):
                self.take("id")
                return
            if self.peek() == ("op", ":"):
                raise DotSyntaxError("ports are not used by the renderer")
            left = [node]
        edge_op = "->" if graph.directed else "--"
        chain = [left]
        while self.accept("op", edge_op):
            if self.peek() == ("keyword", "subgraph") or self.peek() == ("op", "{"):
                chain.append(self.subgraph(graph))
            else:
                chain.append([self.take("id")])
        if self.peek() == ("op", "--" if graph.directed else "->"):
            raise DotSyntaxError(f"wrong edge operator for a {'digraph' if graph.directed else 'graph'}")
        attrs = self.attr_list()
        if len(chain) == 1:
            for node in left:
                graph.nodes.setdefault(node, {}).update(attrs)
                if subgraph is not None:
                    graph.subgraphs[subgraph].append(node)
            return
        for tails, heads in pairwise(chain):
            for tail in tails:
                for head in heads:
                    graph.nodes.setdefault(tail, {})
                    graph.nodes.setdefault(head, {})
                    graph.edges.append((tail, head, dict(attrs)))

    def subgraph(self, graph: DotGraph) -> list[str]:
        name = f"anonymous{self.i}"
        if self.accept("keyword", "subgraph") and self.peek() and self.peek()[0] == "id":  # type: ignore[index]
            name = self.take("id")
        graph.subgraphs[name] = []
        self.take("op", "{")
        self.stmt_list(graph, name)
        self.take("op", "}")
        return graph.subgraphs[name]


def parse_dot(source: str) -> DotGraph:
    """Parse DOT text, raising :class:`DotSyntaxError` where it breaks the grammar."""
    return _Parser(source).graph()
