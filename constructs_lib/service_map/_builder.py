"""Build the service map of a synthesized app: nodes, hops, and what X-Ray will show on each hop.

A hop's outcome depends on whether a trace reaches its near end, which depends on the hops before it, so the
outcomes are settled together: starting from the resources that start traces, a trace reaches every node that a
hop delivers the trace context to, until nothing changes.

Example::

    service_map = build_service_map("cdk.out")
    for edge in service_map.edges_where(TraceOutcome.BREAKS):
        print(edge.source, "->", edge.target, edge.via, edge.reason)
"""

from __future__ import annotations

from collections import defaultdict, deque
from pathlib import Path

from ._assembly import CloudAssembly, read_cloud_assembly
from ._edges import declared_hops
from ._hops import HopContext, HopDraft
from ._iam_calls import function_call_hops
from ._nodes import discover_nodes
from ._references import Resolver
from ._state_machines import state_machine_hops
from .model import MapEdge, ServiceMap
from .rules import Decision, decide


def build_service_map(cdk_out: str | Path | CloudAssembly) -> ServiceMap:
    """The service map of the cloud assembly in ``cdk_out`` (a directory, or an assembly already read)."""
    assembly = cdk_out if isinstance(cdk_out, CloudAssembly) else read_cloud_assembly(cdk_out)
    resolver = Resolver(assembly)
    index = discover_nodes(assembly, resolver)
    context = HopContext(resolver, index)
    drafts = list(dict.fromkeys([
        *declared_hops(assembly, context),
        *state_machine_hops(assembly, context),
        *function_call_hops(assembly, context),
    ]))
    decisions = _settle(drafts, context)
    edges = tuple(
        MapEdge(source=d.source, target=d.target, via=d.via, trace=decision.outcome, rule=decision.rule,
                reason=decision.reason)
        for d, decision in zip(drafts, decisions, strict=True)
    )
    return ServiceMap(nodes=tuple(index.nodes.values()), edges=edges)


def _settle(drafts: list[HopDraft], context: HopContext) -> list[Decision]:
    """Each hop's decision once the set of nodes a trace reaches stops growing. A hop is decided again whenever
    a trace newly reaches its source, so every hop is decided at least once after its source's final state."""
    nodes = context.index.nodes
    reached = {node_id for node_id, node in nodes.items() if node.tracing.starts_traces}
    leaving: dict[str, list[int]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        leaving[draft.source].append(i)
    decisions: list[Decision | None] = [None] * len(drafts)
    pending = deque(range(len(drafts)))
    while pending:
        i = pending.popleft()
        draft = drafts[i]
        decision = decide(draft.kind, nodes[draft.source], nodes[draft.target],
                          trace_arrives=draft.source in reached)
        decisions[i] = decision
        if decision.delivers and draft.target not in reached:
            reached.add(draft.target)
            pending.extend(leaving[draft.target])
    return [decision for decision in decisions if decision is not None]
