"""The service map as values: nodes, edges, what X-Ray will show on each hop, and the map itself.

Example::

    node = MapNode(id="Orders/ApiFunction", type="AWS::Lambda::Function", stack="Orders", traced=True,
                   name="ApiFunction", description="Lambda function; Active tracing")
    node.label   # 'ApiFunction (Lambda function; Active tracing)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class TraceOutcome(Enum):
    """What X-Ray will show for one hop. The rules behind each value are in ``docs/service-map.md``."""

    #: The trace context crosses the hop: the far side is part of the same trace.
    CONTINUES = "continues"
    #: The far side starts a new trace that X-Ray links to the caller's (SQS to Lambda).
    LINKED = "linked"
    #: A trace reaches the near side but its context does not cross: the far side is a separate trace.
    BREAKS = "breaks"
    #: No trace can cross the hop: one end is not traced or cannot be, and no trace reaches it to break.
    UNTRACED = "untraced"


class NodeTracing(Enum):
    """How a resource takes part in the traces that reach it, as its template configures it."""

    #: Samples requests and records them, so it starts traces: a Lambda function with Active tracing, a REST
    #: stage, state machine or GraphQL API with tracing on.
    ACTIVE = "active"
    #: Records the requests that arrive with a sampled trace header, and starts no trace: a Lambda function with
    #: PassThrough tracing, an SNS topic with Active tracing, and API Gateway's and Step Functions' "passive"
    #: mode (tracing off).
    JOINS = "joins"
    #: Records nothing of its own but passes a trace it receives on: an SNS topic in PassThrough (SNS's default).
    FORWARDS = "forwards"
    #: No tracing switch; carries the trace header on: SQS queues, EventBridge buses, S3 buckets.
    CARRIER = "carrier"
    #: No tracing switch; shows as a node of a recorded call and carries nothing on: DynamoDB tables, Kinesis
    #: streams.
    ENDPOINT = "endpoint"
    #: A Lambda function without tracing: records nothing and passes nothing on.
    OFF = "off"
    #: X-Ray cannot trace it: HTTP and WebSocket APIs, EventBridge schedules.
    UNTRACEABLE = "untraceable"
    #: Imported or external: its tracing is not in this app.
    UNKNOWN = "unknown"

    @property
    def starts_traces(self) -> bool:
        return self is NodeTracing.ACTIVE

    @property
    def joins_traces(self) -> bool:
        """True when a trace that arrives here goes on being recorded (or carried) here."""
        return self not in (NodeTracing.OFF, NodeTracing.UNTRACEABLE, NodeTracing.UNKNOWN)


@dataclass(frozen=True)
class MapNode:
    """One resource on the map.

    ``id`` is the construct path (from the ``aws:cdk:path`` metadata, without the L2's ``/Resource``), or for an
    imported or external resource its ARN as the template spells it. ``traced`` says whether its tracing is on,
    or whether it has none to switch on (SQS, EventBridge, S3, DynamoDB); ``tracing`` says how it behaves.
    """

    id: str
    type: str
    stack: str | None
    traced: bool
    name: str
    description: str
    tracing: NodeTracing = NodeTracing.ACTIVE
    external: bool = False
    #: For Lambda functions: ``"powertools-tracer"``, ``"opentelemetry"`` (or another name the function's
    #: ``constructs-lib:instrumentation`` metadata gives), or None when its code records no calls.
    instrumentation: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.description})"

    def to_dict(self) -> dict[str, Any]:
        """The node in the documented JSON shape."""
        return {"id": self.id, "type": self.type, "stack": self.stack, "traced": self.traced, "label": self.label}


@dataclass(frozen=True)
class TraceRule:
    """One rule of what X-Ray shows on a hop, and the AWS page it comes from."""

    id: str
    summary: str
    page: str
    url: str


@dataclass(frozen=True)
class MapEdge:
    """One hop from ``source`` to ``target``: ``via`` names what makes it, ``trace`` what X-Ray will show,
    ``rule`` why, and ``reason`` says it for this hop in a sentence."""

    source: str
    target: str
    via: str
    trace: TraceOutcome
    rule: TraceRule
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The edge in the documented JSON shape."""
        return {"from": self.source, "to": self.target, "via": self.via, "trace": self.trace.value}


@dataclass(frozen=True)
class ServiceMap:
    """Nodes sorted by id, edges sorted by (from, to, via): the same app always gives the same map."""

    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    _by_id: dict[str, MapNode] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "nodes", tuple(sorted(self.nodes, key=lambda n: n.id)))
        object.__setattr__(self, "edges", tuple(sorted(self.edges, key=lambda e: (e.source, e.target, e.via))))
        object.__setattr__(self, "_by_id", {node.id: node for node in self.nodes})
        missing = {end for edge in self.edges for end in (edge.source, edge.target)} - self._by_id.keys()
        if missing:
            raise ValueError(f"ServiceMap: edges refer to nodes that are not on the map: {sorted(missing)}")

    def node(self, node_id: str) -> MapNode:
        """The node with this id (a ``KeyError`` names the id when there is none)."""
        try:
            return self._by_id[node_id]
        except KeyError:
            raise KeyError(f"no node {node_id!r} on the service map") from None

    def edges_where(self, *outcomes: TraceOutcome) -> tuple[MapEdge, ...]:
        """The edges whose ``trace`` is one of ``outcomes``."""
        return tuple(edge for edge in self.edges if edge.trace in outcomes)

    def edges_between(self, source: str, target: str) -> tuple[MapEdge, ...]:
        return tuple(edge for edge in self.edges if edge.source == source and edge.target == target)

    @property
    def stacks(self) -> tuple[str, ...]:
        """The stacks on the map, in name order."""
        return tuple(sorted({node.stack for node in self.nodes if node.stack is not None}))

    def for_stack(self, stack: str) -> ServiceMap:
        """The part of the map that touches ``stack``: its nodes, its edges, and the far ends of edges that
        leave or enter it (labelled with their own stack)."""
        if stack not in self.stacks:
            raise KeyError(f"no stack {stack!r} on the service map; stacks: {', '.join(self.stacks) or 'none'}")
        edges = tuple(e for e in self.edges if stack in (self.node(e.source).stack, self.node(e.target).stack))
        keep = {n.id for n in self.nodes if n.stack == stack} | {end for e in edges for end in (e.source, e.target)}
        return ServiceMap(nodes=tuple(n for n in self.nodes if n.id in keep), edges=edges)

    def to_dict(self) -> dict[str, Any]:
        """``{"nodes": [...], "edges": [...]}``, the shape ``--format json`` prints."""
        return {"nodes": [n.to_dict() for n in self.nodes], "edges": [e.to_dict() for e in self.edges]}

