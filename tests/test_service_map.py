"""The service map: the sample app's map edge by edge, the scenarios the issue names (a minimal app, an HTTP API,
API Gateway to SQS, SQS to Lambda, a function excluded from tracing between traced hops, an imported function,
two stacks with a cross-stack reference), the other hop kinds, the rendering (Mermaid and DOT checked against
their grammars), the JSON shape, the command, and the README's map.

Expected outcomes come from the AWS pages each rule cites (``constructs_lib/service_map/rules.py`` and
``docs/service-map.md``), not from the map's own output.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from constructs_lib import (
    MapEdge,
    ServiceMap,
    TraceOutcome,
    build_service_map,
    render_dot,
    render_json,
    render_mermaid,
)
from constructs_lib.service_map import RULES, CloudAssemblyError, MapNode, NodeTracing, TraceRule
from constructs_lib.service_map.cli import main
from constructs_lib.service_map.rules import HopKind, decide

from .conftest import ROOT, SynthesizedApp, cdk_context
from .service_map.apps import IMPORTED_FUNCTION, IMPORTED_TOPIC, build_scenarios
from .service_map.dot_syntax import DotSyntaxError, parse_dot
from .service_map.mermaid_syntax import MermaidSyntaxError, decode, parse_flowchart

CONTINUES, LINKED, BREAKS, UNTRACED = (TraceOutcome.CONTINUES, TraceOutcome.LINKED, TraceOutcome.BREAKS,
                                       TraceOutcome.UNTRACED)


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The scenario app, synthesized once, with ``aws:cdk:path`` metadata as ``cdk synth`` writes it."""
    outdir = tmp_path_factory.mktemp("scenarios") / "cdk.out"
    app = App(context={**cdk_context(), "aws:cdk:enable-path-metadata": True}, outdir=str(outdir))
    build_scenarios(app)
    app.synth()
    return outdir


@pytest.fixture(scope="module")
def scenario_map(scenarios: Path) -> ServiceMap:
    return build_service_map(scenarios)


@pytest.fixture(scope="module")
def sample_map(sample_app: SynthesizedApp) -> ServiceMap:
    return build_service_map(sample_app.outdir)


def hop(service_map: ServiceMap, source: str, target: str) -> MapEdge:
    edges = service_map.edges_between(source, target)
    assert len(edges) == 1, f"{source} -> {target}: {edges}"
    return edges[0]


def pairs(service_map: ServiceMap, stack: str) -> dict[tuple[str, str], tuple[str, TraceOutcome]]:
    return {(e.source, e.target): (e.via, e.trace) for e in service_map.for_stack(stack).edges}


# The sample app ---------------------------------------------------------------------------------------------------

def test_orders_map_edge_by_edge(sample_map: ServiceMap) -> None:
    """Every hop of the orders flow, its label and what X-Ray shows. A function whose code is instrumented carries
    the trace on its calls; one whose code is not breaks it at SNS and EventBridge ("Amazon SNS and AWS X-Ray",
    "Amazon EventBridge integration with AWS X-Ray": propagation from instrumented callers), and its table calls
    are not recorded. SQS to Lambda is a linked trace ("Tracing event-driven applications")."""
    api = sample_map.node("Orders/ApiFunction").instrumentation is not None
    worker = sample_map.node("Orders/WorkerFunction").instrumentation is not None

    def code(instrumented: bool) -> str:
        return "instrumented" if instrumented else "not instrumented"

    assert pairs(sample_map, "Orders") == {
        ("Orders/OrdersApi/DeploymentStage.prod", "Orders/ApiFunction"):
            ("Lambda proxy integration: GET /orders/{order_id}, POST /orders", CONTINUES),
        ("Orders/ApiFunction", "Orders/Orders"): (f"dynamodb:PutItem ({code(api)})", CONTINUES if api else UNTRACED),
        ("Orders/ApiFunction", "Orders/OrderCreated"): (f"sns:Publish ({code(api)})", CONTINUES if api else BREAKS),
        ("Orders/OrderCreated", "Orders/OrderQueue"): ("SNS subscription (sqs)", CONTINUES if api else UNTRACED),
        ("Orders/OrderQueue", "Orders/WorkerFunction"): ("event source mapping", LINKED if api else UNTRACED),
        ("Orders/WorkerFunction", "Orders/Orders"):
            (f"dynamodb:PutItem ({code(worker)})", CONTINUES if worker else UNTRACED),
        ("Orders/WorkerFunction", "Orders/OrderBus"):
            (f"events:PutEvents ({code(worker)})", CONTINUES if worker else BREAKS),
        ("Orders/OrderBus", "Orders/Fulfilment"): ("rule Orders/OrderProcessedRule", CONTINUES if worker else UNTRACED),
        ("Orders/Fulfilment", "Orders/Orders"): ("task ScheduleFulfilment (dynamodb:updateItem)", CONTINUES),
    }


def test_orders_map_nodes(sample_map: ServiceMap) -> None:
    """Every resource a request can pass through is a node, traced (the sample traces it all); the dead-letter
    queues and the alarms' topic are nodes without hops (whether the library traces its own alarm topic is not
    this test's business)."""
    nodes = {n.id: n for n in sample_map.nodes if n.stack == "Orders"}
    assert set(nodes) == {
        "Orders/OrdersApi/DeploymentStage.prod", "Orders/ApiFunction", "Orders/WorkerFunction", "Orders/Orders",
        "Orders/OrderCreated", "Orders/OrderQueue", "Orders/OrderQueueDlq", "Orders/DeliveryDlq", "Orders/OrderBus",
        "Orders/Fulfilment", "Orders/TracingMonitoring/Alarms/AlarmTopic",
    }
    alarm_topic = "Orders/TracingMonitoring/Alarms/AlarmTopic"  # the library's plumbing, excluded from tracing
    assert all(node.traced for node_id, node in nodes.items() if node_id != alarm_topic)
    assert nodes["Orders/ApiFunction"].type == "AWS::Lambda::Function"
    assert nodes["Orders/OrdersApi/DeploymentStage.prod"].label == "OrdersApi/prod (REST API stage; tracing on)"
    assert nodes["Orders/Orders"].type == "AWS::DynamoDB::GlobalTable"
    assert "Active tracing" in nodes["Orders/OrderCreated"].label


def test_minimal_app(sample_map: ServiceMap) -> None:
    """A traced REST stage in front of an Active function: one hop, one trace."""
    minimal = sample_map.for_stack("Minimal")
    assert [n.id for n in minimal.nodes] == ["Minimal/HelloApi/DeploymentStage.prod", "Minimal/HelloFunction"]
    edge = hop(minimal, "Minimal/HelloApi/DeploymentStage.prod", "Minimal/HelloFunction")
    assert (edge.via, edge.trace, edge.rule.page) == (
        "Lambda proxy integration: GET /hello", CONTINUES,
        "Trace user requests to REST APIs using X-Ray in API Gateway")


# The scenarios ---------------------------------------------------------------------------------------------

def test_http_api_is_untraced(scenario_map: ServiceMap) -> None:
    """X-Ray traces REST APIs only ("Amazon API Gateway active tracing support for AWS X-Ray"): the HTTP API is an
    untraced node, its hop untraced, and the function behind it still traced (it starts its own traces)."""
    stage = scenario_map.node("HttpApi/Http/DefaultStage")
    assert (stage.type, stage.traced, stage.tracing) == ("AWS::ApiGatewayV2::Stage", False, NodeTracing.UNTRACEABLE)
    edge = hop(scenario_map, "HttpApi/Http/DefaultStage", "HttpApi/Handler")
    assert (edge.via, edge.trace, edge.rule.id) == ("Lambda proxy integration: $default", UNTRACED,
                                                    "http-api-untraceable")
    assert scenario_map.node("HttpApi/Handler").traced


def test_api_gateway_to_sqs_aws_integration(scenario_map: ServiceMap) -> None:
    edge = hop(scenario_map, "ApiToQueue/Api/DeploymentStage.prod", "ApiToQueue/Jobs")
    assert (edge.via, edge.trace, edge.rule.id) == ("SQS integration: POST /jobs", CONTINUES, "rest-api-integration")


def test_sqs_to_lambda_is_linked(scenario_map: ServiceMap) -> None:
    """"Tracing event-driven applications": the consumer's trace is a new one, linked to the producer's."""
    edge = hop(scenario_map, "ApiToQueue/Jobs", "ApiToQueue/Worker")
    assert (edge.via, edge.trace) == ("event source mapping", LINKED)
    assert edge.rule.page == "Tracing event-driven applications"
    assert hop(scenario_map, "ApiToQueue/Worker", "ApiToQueue/Results").trace is CONTINUES


def test_function_excluded_between_traced_hops_breaks(scenario_map: ServiceMap, scenarios: Path) -> None:
    """A traced API → a function left untraced by ``XRayTracing.exclude`` → a traced topic → queue → a traced
    function. The function records nothing and carries nothing on ("AWS Lambda and AWS X-Ray": downstream
    functions generate traces only if the calling function has tracing on), so the trace breaks as it leaves it,
    and nothing after it belongs to the API's trace."""
    legacy = json.loads((scenarios / "Excluded.template.json").read_text())["Resources"]
    assert not any("TracingConfig" in r["Properties"] for r in legacy.values() if r["Type"] == "AWS::Lambda::Function"
                   and "Legacy" in r["Metadata"]["aws:cdk:path"])
    assert scenario_map.node("Excluded/Legacy").traced is False
    assert pairs(scenario_map, "Excluded") == {
        ("Excluded/Api/DeploymentStage.prod", "Excluded/Legacy"): ("Lambda proxy integration: POST /", UNTRACED),
        ("Excluded/Legacy", "Excluded/Orders"): ("sns:Publish (not instrumented)", BREAKS),
        ("Excluded/Orders", "Excluded/Queue"): ("SNS subscription (sqs)", UNTRACED),
        ("Excluded/Queue", "Excluded/Worker"): ("event source mapping", UNTRACED),
    }
    assert hop(scenario_map, "Excluded/Legacy", "Excluded/Orders").rule.id == "function-tracing-off"


def test_imported_function_is_an_external_node(scenario_map: ServiceMap) -> None:
    node = scenario_map.node(IMPORTED_FUNCTION)
    assert (node.type, node.stack, node.traced, node.external) == ("AWS::Lambda::Function", None, False, True)
    assert node.label == "legacy-billing (imported Lambda function; tracing unknown)"
    edge = hop(scenario_map, "Imported/Api/DeploymentStage.prod", IMPORTED_FUNCTION)
    assert (edge.via, edge.trace, edge.rule.id) == ("Lambda proxy integration: GET /", UNTRACED, "external-unknown")
    topic = hop(scenario_map, "Imported/Publisher", IMPORTED_TOPIC)
    assert (topic.via, topic.trace) == ("sns:Publish (instrumented)", UNTRACED)


def test_two_stacks_with_a_cross_stack_reference(scenario_map: ServiceMap, scenarios: Path) -> None:
    consumer = (scenarios / "Consumer.template.json").read_text()
    assert "Fn::GetStackOutput" in consumer or "Fn::ImportValue" in consumer  # the hops do cross stacks
    assert scenario_map.node("Producer/Events").stack == "Producer"
    assert scenario_map.node("Consumer/Handler").stack == "Consumer"
    assert pairs(scenario_map, "Consumer") == {
        ("Consumer/Api/DeploymentStage.prod", "Consumer/Handler"): ("Lambda proxy integration: POST /", CONTINUES),
        ("Consumer/Handler", "Producer/Events"): ("sns:Publish (instrumented)", CONTINUES),
        ("Producer/Events", "Consumer/Inbox"): ("SNS subscription (sqs)", CONTINUES),
    }
    assert {n.id for n in scenario_map.for_stack("Producer").nodes} == {
        "Producer/Events", "Consumer/Handler", "Consumer/Inbox"}


# The other hop kinds -----------------------------------------------------------------------------------------------

def test_s3_notifications_carry_a_traced_writers_trace(scenario_map: ServiceMap) -> None:
    """"Amazon S3 and AWS X-Ray": S3 passes a traced request's header to the notification's subscriber. A bucket
    that nothing traced in the app writes to has no trace to pass: its subscriber starts its own."""
    assert hop(scenario_map, "Events/Uploader", "Events/Uploads").via == "s3:PutObject (instrumented)"
    uploads = hop(scenario_map, "Events/Uploads", "Events/OnUpload")
    assert (uploads.via, uploads.trace) == ("S3 notification (s3:ObjectCreated:*)", CONTINUES)
    inbox = hop(scenario_map, "Events/Inbox", "Events/OnInbox")
    assert (inbox.trace, inbox.rule.id) == (UNTRACED, "no-trace-arrives")


def test_eventbridge_schedules_and_aws_service_events_are_not_traced(scenario_map: ServiceMap) -> None:
    """"Amazon EventBridge integration with AWS X-Ray": scheduled events and events from AWS services are not
    traced."""
    schedule = scenario_map.node("Events/EveryNight")
    assert (schedule.type, schedule.traced) == ("AWS::Events::Rule", False)
    assert hop(scenario_map, "Events/EveryNight", "Events/Nightly").trace is UNTRACED
    default_bus = next(n for n in scenario_map.nodes if n.name == "default event bus")
    ec2 = hop(scenario_map, default_bus.id, "Events/Nightly")
    assert (ec2.via, ec2.trace, ec2.rule.id) == ("rule Events/Ec2Changes", UNTRACED, "eventbridge-untraced-source")


def test_step_functions_tasks(scenario_map: ServiceMap) -> None:
    """"Trace Step Functions request data in AWS X-Ray": Lambda, SNS, SQS and Step Functions tasks have native
    support; DynamoDB gets a client-side trace; other integrations do not carry the trace on. A bus that an
    instrumented function puts events on passes the trace to its rule's target ("Amazon EventBridge integration
    with AWS X-Ray"); a function whose code is not instrumented records no call to its table."""
    assert pairs(scenario_map, "Events").items() >= {
        ("Events/Flow", "Events/Step"): ("task RunStep (lambda:invoke)", CONTINUES),
        ("Events/Starter", "Events/Bus"): ("events:PutEvents (instrumented)", CONTINUES),
        ("Events/Bus", "Events/OnDone"): ("rule Events/Done", CONTINUES),
        ("Events/Nightly", "Events/Ledger"): ("dynamodb:PutItem (not instrumented)", UNTRACED),
        ("Events/Flow", "Events/Ledger"): ("task Record (dynamodb:putItem)", CONTINUES),
        ("Events/Flow", "Events/Bus"): ("task Announce (events:putEvents)", BREAKS),
        ("Events/Starter", "Events/Flow"): ("states:StartExecution (instrumented)", CONTINUES),
    }.items()


def test_dynamodb_stream_starts_a_new_trace(scenario_map: ServiceMap) -> None:
    edge = hop(scenario_map, "Events/Ledger", "Events/Auditor")
    assert (edge.via, edge.trace, edge.rule.id) == ("event source mapping", BREAKS, "stream-event-source")


def test_appsync_data_source(scenario_map: ServiceMap) -> None:
    edge = hop(scenario_map, "GraphQL/Api", "GraphQL/Resolver")
    assert (edge.via, edge.trace) == ("AppSync data source Resolver", CONTINUES)
    assert scenario_map.node("GraphQL/Api").type == "AWS::AppSync::GraphQLApi"


@pytest.mark.parametrize(("function", "expected"), [
    ("Declared", "powertools-tracer"),       # the constructs-lib:instrumentation metadata
    ("PowertoolsLayer", "powertools-tracer"),  # a layer ARN naming AWSLambdaPowertoolsPython
    ("PowertoolsSsm", "powertools-tracer"),    # {{resolve:ssm:/aws/service/powertools/...}}
    ("AdotLayer", "opentelemetry"),            # AWSOpenTelemetryDistro
    ("ExecWrapper", "opentelemetry"),          # AWS_LAMBDA_EXEC_WRAPPER
    ("Plain", None),
])
def test_instrumentation_is_recognised(scenario_map: ServiceMap, function: str, expected: str | None) -> None:
    assert scenario_map.node(f"Instrumentation/{function}").instrumentation == expected


def test_functions_cdk_makes_for_itself_are_left_out(scenario_map: ServiceMap, scenarios: Path) -> None:
    template = json.loads((scenarios / "Events.template.json").read_text())
    paths = [r["Metadata"]["aws:cdk:path"] for r in template["Resources"].values()
             if r["Type"] == "AWS::Lambda::Function"]
    internal = [path for path in paths if "BucketNotificationsHandler" in path]
    assert internal  # the S3 notifications made one
    assert not [n for n in scenario_map.nodes if "BucketNotificationsHandler" in n.id]


def test_ids_are_the_same_without_path_metadata(scenarios: Path, scenario_map: ServiceMap, tmp_path: Path) -> None:
    """An app synthesized without ``aws:cdk:path`` metadata (as in tests) maps to the same ids, from the stack
    metadata's logical ids."""
    copy = tmp_path / "cdk.out"
    shutil.copytree(scenarios, copy)
    stripped = 0
    for file in copy.glob("*.template.json"):
        template = json.loads(file.read_text())
        for resource in template.get("Resources", {}).values():
            stripped += resource.get("Metadata", {}).pop("aws:cdk:path", None) is not None
        file.write_text(json.dumps(template))
    assert stripped > 50
    assert build_service_map(copy).to_dict() == scenario_map.to_dict()


def test_every_edge_cites_a_documented_rule(scenario_map: ServiceMap, sample_map: ServiceMap) -> None:
    docs = (ROOT / "docs" / "service-map.md").read_text()
    for edge in scenario_map.edges + sample_map.edges:
        assert edge.rule in RULES
    for rule in RULES:
        assert f"`{rule.id}`" in docs, rule.id
        if rule.page:
            assert rule.page in docs and rule.url in docs, rule.id


def test_scenarios_exercise_every_rule(scenario_map: ServiceMap) -> None:
    assert {e.rule.id for e in scenario_map.edges} == {r.id for r in RULES}


# Rules on their own ------------------------------------------------------------------------------------------------

def node(name: str, tracing: NodeTracing, *, rtype: str = "AWS::Lambda::Function", instrumented: bool = True
         ) -> MapNode:
    return MapNode(id=name, type=rtype, stack="S", traced=True, name=name, description="test", tracing=tracing,
                   instrumentation="powertools-tracer" if instrumented else None)


@pytest.mark.parametrize(("source", "target", "arrives", "expected"), [
    (NodeTracing.ACTIVE, NodeTracing.CARRIER, True, CONTINUES),
    (NodeTracing.OFF, NodeTracing.CARRIER, True, BREAKS),
    (NodeTracing.OFF, NodeTracing.CARRIER, False, UNTRACED),
    (NodeTracing.JOINS, NodeTracing.CARRIER, False, UNTRACED),  # a PassThrough function nothing traced calls
    (NodeTracing.ACTIVE, NodeTracing.OFF, True, UNTRACED),
    (NodeTracing.ACTIVE, NodeTracing.UNKNOWN, True, UNTRACED),
])
def test_function_call_rule(source: NodeTracing, target: NodeTracing, arrives: bool, expected: TraceOutcome) -> None:
    decision = decide(HopKind.FUNCTION_CALL, node("a", source), node("b", target), trace_arrives=arrives)
    assert decision.outcome is expected


def test_uninstrumented_calls() -> None:
    """Not instrumented: a table call is not recorded (untraced); a call that would carry the trace on breaks."""
    caller = node("fn", NodeTracing.ACTIVE, instrumented=False)
    table = node("t", NodeTracing.ENDPOINT, rtype="AWS::DynamoDB::Table")
    topic = node("q", NodeTracing.JOINS, rtype="AWS::SNS::Topic")
    assert decide(HopKind.FUNCTION_CALL, caller, table, trace_arrives=True).outcome is UNTRACED
    assert decide(HopKind.FUNCTION_CALL, caller, topic, trace_arrives=True).outcome is BREAKS
    off = decide(HopKind.FUNCTION_CALL, caller, node("off", NodeTracing.OFF), trace_arrives=True)
    assert (off.outcome, off.delivers) == (UNTRACED, False)
    instrumented = decide(HopKind.FUNCTION_CALL, node("fn", NodeTracing.ACTIVE), node("off", NodeTracing.OFF),
                          trace_arrives=True)
    assert (instrumented.outcome, instrumented.delivers) == (UNTRACED, True)  # it breaks on the far side's hops


# Rendering ---------------------------------------------------------------------------------------------------------

def test_mermaid_is_valid_and_complete(scenario_map: ServiceMap) -> None:
    chart = parse_flowchart(render_mermaid(scenario_map))
    ids = {n.id: f"n{i}" for i, n in enumerate(scenario_map.nodes)}
    assert chart.direction == "LR"
    assert {decode(text).split("\n")[0] for text in chart.nodes.values()} == {n.name for n in scenario_map.nodes}
    assert set(chart.nodes) == set(ids.values())
    drawn = [(a, b, decode(text)) for a, b, _, text in chart.edges]
    assert drawn == [(ids[e.source], ids[e.target], f"{e.via} · {e.trace.value}") for e in scenario_map.edges]
    assert {title for title, _ in chart.subgraphs.values()} == set(scenario_map.stacks)
    for title, members in chart.subgraphs.values():
        assert set(members) == {ids[n.id] for n in scenario_map.nodes if n.stack == title}


def test_mermaid_styles_traced_and_untraced_apart(scenario_map: ServiceMap) -> None:
    chart = parse_flowchart(render_mermaid(scenario_map))
    ids = {n.id: f"n{i}" for i, n in enumerate(scenario_map.nodes)}
    assert len({chart.class_defs[c] for c in ("traced", "untraced", "external")}) == 3
    assert chart.classes["traced"] == {ids[n.id] for n in scenario_map.nodes if n.traced}
    assert chart.classes["untraced"] == {ids[n.id] for n in scenario_map.nodes if not n.traced and not n.external}
    assert chart.classes["external"] == {ids[n.id] for n in scenario_map.nodes if n.external and not n.traced}
    styles = {e.trace: chart.link_styles[i] for i, e in enumerate(scenario_map.edges)}
    assert len(set(styles.values())) == 4
    for i, edge in enumerate(scenario_map.edges):
        assert chart.link_styles[i] == styles[edge.trace]


def test_dot_is_valid_and_complete(scenario_map: ServiceMap) -> None:
    graph = parse_dot(render_dot(scenario_map))
    assert graph.directed and graph.name == "service_map"
    assert set(graph.nodes) == {n.id for n in scenario_map.nodes}
    assert [(a, b) for a, b, _ in graph.edges] == [(e.source, e.target) for e in scenario_map.edges]
    for (_, _, attrs), edge in zip(graph.edges, scenario_map.edges, strict=True):
        assert attrs["label"] == f"{edge.via}\\n{edge.trace.value}"
    clusters = {k: v for k, v in graph.subgraphs.items() if k.startswith("cluster")}
    assert len(clusters) == len(scenario_map.stacks)
    fills = {n.traced: graph.nodes[n.id]["fillcolor"] for n in scenario_map.nodes if not n.external}
    assert fills[True] != fills[False]


def awkward_map() -> ServiceMap:
    rule = TraceRule(id="r", summary="", page="", url="")
    a = MapNode(id='S/a "quoted" #1', type="AWS::SQS::Queue", stack="S", traced=True, name='a "quoted" #1 <b>',
                description="x; y | z")
    b = MapNode(id="S\\back\\slash", type="AWS::Lambda::Function", stack="S", traced=False, name="end",
                description="tracing off")
    return ServiceMap(nodes=(a, b), edges=(MapEdge(a.id, b.id, 'via "q" |pipe| {x}', UNTRACED, rule, ""),))


def test_renderers_escape_what_their_syntax_reads() -> None:
    chart = parse_flowchart(render_mermaid(awkward_map()))
    assert decode(chart.nodes["n0"]) == 'a "quoted" #1 <b>\nx\ny | z'
    assert decode(chart.edges[0][3]) == 'via "q" |pipe| {x} · untraced'
    graph = parse_dot(render_dot(awkward_map()))
    assert set(graph.nodes) == {'S/a "quoted" #1', "S\\\\back\\\\slash"}  # the checker keeps \\ as written


@pytest.mark.parametrize("source", [
    "flowchart LR\n  a --> end\n",                    # lowercase end as a node id
    'flowchart LR\n  a["say "hi""]\n',                 # a quote inside quoted text
    "flowchart XY\n  a --> b\n",                       # not a direction
    "flowchart LR\n  subgraph s1\n  a\n",              # no end
    "flowchart LR\n  a --> b\n  linkStyle 3 stroke:#f00\n",  # no link 3
])
def test_mermaid_checker_rejects_broken_charts(source: str) -> None:
    with pytest.raises(MermaidSyntaxError):
        parse_flowchart(source)


@pytest.mark.parametrize("source", [
    'digraph { "a" -- "b" }',       # undirected edge in a digraph
    'digraph { "a" -> }',
    'digraph { a [label="x" }',
    'digraph { "a\\" }',
])
def test_dot_checker_rejects_broken_graphs(source: str) -> None:
    with pytest.raises(DotSyntaxError):
        parse_dot(source)


# JSON and the command ----------------------------------------------------------------------------------------------

def test_json_shape(scenario_map: ServiceMap) -> None:
    data = json.loads(render_json(scenario_map))
    assert list(data) == ["nodes", "edges"]
    for entry in data["nodes"]:
        assert list(entry) == ["id", "type", "stack", "traced", "label"]
        assert isinstance(entry["traced"], bool) and entry["type"].startswith("AWS::")
        assert entry["stack"] is None or isinstance(entry["stack"], str)
    for entry in data["edges"]:
        assert list(entry) == ["from", "to", "via", "trace"]
        assert entry["trace"] in {"continues", "linked", "breaks", "untraced"}
    assert [n["id"] for n in data["nodes"]] == sorted(n["id"] for n in data["nodes"])
    assert data["edges"] == sorted(data["edges"], key=lambda e: (e["from"], e["to"], e["via"]))
    assert {e["from"] for e in data["edges"]} | {e["to"] for e in data["edges"]} <= {n["id"] for n in data["nodes"]}


def run_main(*args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_command_formats_and_stack_filter(scenarios: Path, scenario_map: ServiceMap,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_main(str(scenarios), capsys=capsys)
    assert code == 0 and out == render_mermaid(scenario_map)
    code, out, _ = run_main(str(scenarios), "--format", "dot", capsys=capsys)
    assert code == 0 and out == render_dot(scenario_map)
    code, out, _ = run_main(str(scenarios), "--stack", "Consumer", "--format", "json", capsys=capsys)
    assert code == 0 and json.loads(out) == scenario_map.for_stack("Consumer").to_dict()


def test_command_fail_on(scenarios: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(str(scenarios), "--stack", "Excluded", "--fail-on", "breaks", capsys=capsys)
    assert code == 1
    assert err.splitlines() == ["breaks: Excluded/Legacy -> Excluded/Orders (sns:Publish (not instrumented)): "
                                "Legacy has tracing off: the trace that reaches it ends there"]
    assert run_main(str(scenarios), "--stack", "Consumer", "--fail-on", "breaks", capsys=capsys)[0] == 0
    code, _, err = run_main(str(scenarios), "--stack", "HttpApi", "--fail-on", "untraced", capsys=capsys)
    assert code == 1 and err.startswith("untraced: HttpApi/Http/DefaultStage -> HttpApi/Handler")
    assert run_main(str(scenarios), "--stack", "HttpApi", "--fail-on", "breaks", capsys=capsys)[0] == 0


def test_command_output_file_prints_the_breaks(scenarios: Path, scenario_map: ServiceMap, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "maps" / "service-map.mmd"
    code, out, _ = run_main(str(scenarios), "--output", str(target), capsys=capsys)
    assert code == 0 and target.read_text() == render_mermaid(scenario_map)
    breaks = scenario_map.edges_where(BREAKS)
    assert out.splitlines() == [
        *(f"trace breaks: {e.source} -> {e.target} ({e.via}): {e.reason}" for e in breaks),
        f"service map (mermaid) written to {target}",
    ]


def test_command_errors(scenarios: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(str(tmp_path), capsys=capsys)
    assert code == 2 and "no manifest.json" in err
    code, _, err = run_main(str(scenarios), "--stack", "Nope", capsys=capsys)
    assert code == 2 and "no stack 'Nope'" in err and "Consumer" in err


def test_python_dash_m(scenarios: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "constructs_lib.service_map", str(scenarios), "--stack",
                             "Excluded", "--format", "json", "--fail-on", "breaks"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 1, result.stderr
    assert {e["trace"] for e in json.loads(result.stdout)["edges"]} == {"breaks", "untraced"}


def test_readme_shows_the_sample_apps_map_as_the_command_prints_it(sample_app: SynthesizedApp,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Regenerate with ``./scripts/update-readme-map``."""
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- service-map:begin -->\n```mermaid\n(.*?)```\n<!-- service-map:end -->", readme, re.S)
    assert block is not None, "README.md has no service-map block"
    code, out, _ = run_main(str(sample_app.outdir), capsys=capsys)
    assert code == 0
    assert block.group(1) == out, "the README's map is stale: run ./scripts/update-readme-map"


# Reading assemblies the sample and scenarios do not cover ----------------------------------------------------------

def write_assembly(directory: Path, stacks: dict[str, dict[str, Any]], *, extra: dict[str, Any] | None = None
                   ) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, Any] = {}
    for name, template in stacks.items():
        (directory / f"{name}.template.json").write_text(json.dumps(template))
        artifacts[name] = {"type": "aws:cloudformation:stack", "properties": {"templateFile": f"{name}.template.json"},
                           "displayName": name}
    artifacts.update(extra or {})
    (directory / "manifest.json").write_text(json.dumps({"version": "55.0.0", "artifacts": artifacts}))
    return directory


def fn(extra: dict[str, Any] | None = None, metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"Type": "AWS::Lambda::Function", "Properties": {"TracingConfig": {"Mode": "Active"},
            "Role": {"Fn::GetAtt": ["Role", "Arn"]}, **(extra or {})},
            "Metadata": {"constructs-lib:instrumentation": "opentelemetry", **(metadata or {})}}


ROLE = {"Type": "AWS::IAM::Role", "Properties": {}}


def test_import_value_and_nested_stack_outputs(tmp_path: Path) -> None:
    """``Fn::ImportValue`` (strong cross-stack references) and a nested stack's outputs lead to the resource."""
    nested = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}},
              "Outputs": {"QueueArn": {"Value": {"Fn::GetAtt": ["Queue", "Arn"]}}}}
    (tmp_path / "nested.json").write_text(json.dumps(nested))
    producer = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic", "Properties": {"TracingConfig": "Active"}}},
                "Outputs": {"TopicOut": {"Value": {"Ref": "Topic"}, "Export": {"Name": "producer-topic"}}}}
    consumer = {"Resources": {
        "Role": ROLE,
        "Fn": fn(),
        "Policy": {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": "Role"}], "PolicyDocument": {
            "Statement": [{"Effect": "Allow", "Action": "sns:Pub*", "Resource": {"Fn::ImportValue": "producer-topic"}},
                          {"Effect": "Allow", "Action": ["sqs:*"],
                           "Resource": {"Fn::GetAtt": ["Inner", "Outputs.QueueArn"]}}]}}},
        "Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {"TemplateURL": "x"},
                  "Metadata": {"aws:asset:path": "nested.json", "aws:cdk:path": "Consumer/Inner.NestedStack/"
                                                                               "Inner.NestedStackResource"}},
    }}
    service_map = build_service_map(write_assembly(tmp_path, {"Producer": producer, "Consumer": consumer}))
    assert hop(service_map, "Consumer/Fn", "Producer/Topic").via == "sns:Publish (instrumented)"
    assert hop(service_map, "Consumer/Fn", "Consumer/Queue").via == "sqs:SendMessage (instrumented)"
    assert service_map.node("Consumer/Queue").stack == "Consumer"


def test_nested_stack_parameters_stage_assemblies_and_l1_shapes(tmp_path: Path) -> None:
    """A Stage's nested cloud assembly, a nested stack's parameters, an inline SNS subscription, a bucket's own
    NotificationConfiguration, a managed policy, an HTTP API SQS integration and a state machine ``Definition``
    with substitutions."""
    nested = {"Parameters": {"QueueArn": {"Type": "String"}}, "Resources": {
        "Consumer": fn({"TracingConfig": {"Mode": "PassThrough"}}),
        "Role": ROLE,
        "Mapping": {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
            "EventSourceArn": {"Ref": "QueueArn"}, "FunctionName": {"Ref": "Consumer"}}},
    }}
    (tmp_path / "stage" / "nested.json").parent.mkdir(parents=True)
    (tmp_path / "stage" / "nested.json").write_text(json.dumps(nested))
    stack: dict[str, Any] = {"Resources": {
        "Queue": {"Type": "AWS::SQS::Queue"},
        "Topic": {"Type": "AWS::SNS::Topic", "Properties": {"Subscription": [
            {"Protocol": "sqs", "Endpoint": {"Fn::GetAtt": ["Queue", "Arn"]}},
            {"Protocol": "email", "Endpoint": "ops@example.com"}]}},
        "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"NotificationConfiguration": {
            "QueueConfigurations": [{"Event": "s3:ObjectRemoved:*", "Queue": {"Fn::GetAtt": ["Queue", "Arn"]}}],
            "EventBridgeConfiguration": {"EventBridgeEnabled": True}}}},
        "Role": ROLE,
        "Writer": fn({"Role": {"Fn::GetAtt": ["Role", "Arn"]}}),
        "Managed": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {"PolicyDocument": {"Statement": [
            {"Effect": "Allow", "Action": "s3:PutObject", "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}},
        "RoleWithManaged": {"Type": "AWS::IAM::Role", "Properties": {"ManagedPolicyArns": [{"Ref": "Managed"}]}},
        "Http": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {"ProtocolType": "HTTP"}},
        "Integration": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "Http"}, "IntegrationType": "AWS_PROXY", "IntegrationSubtype": "SQS-SendMessage",
            "RequestParameters": {"QueueUrl": {"Ref": "Queue"}, "MessageBody": "$request.body"}}},
        "Route": {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Http"}, "RouteKey": "POST /send",
            "Target": {"Fn::Join": ["", ["integrations/", {"Ref": "Integration"}]]}}},
        "Machine": {"Type": "AWS::StepFunctions::StateMachine", "Properties": {
            "TracingConfiguration": {"Enabled": True},
            "Definition": {"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True, "Branches": [
                {"StartAt": "Send", "States": {"Send": {"Type": "Task", "End": True,
                                                        "Resource": "arn:aws:states:::sqs:sendMessage",
                                                        "Parameters": {"QueueUrl": "${QueueUrl}"}}}}]}}},
            "DefinitionSubstitutions": {"QueueUrl": {"Ref": "Queue"}}}},
        "Inner": {"Type": "AWS::CloudFormation::Stack", "Properties": {
            "TemplateURL": "x", "Parameters": {"QueueArn": {"Fn::GetAtt": ["Queue", "Arn"]}}},
            "Metadata": {"aws:asset:path": "nested.json"}},
    }}
    stack["Resources"]["Writer"]["Properties"]["Role"] = {"Fn::GetAtt": ["RoleWithManaged", "Arn"]}
    write_assembly(tmp_path / "stage", {"Prod-App": stack})
    write_assembly(tmp_path, {}, extra={"assembly-Prod": {"type": "cdk:cloud-assembly",
                                                          "properties": {"directoryName": "stage"}}})
    service_map = build_service_map(tmp_path)
    assert hop(service_map, "Prod-App/Topic", "Prod-App/Queue").via == "SNS subscription (sqs)"
    assert hop(service_map, "Prod-App/Bucket", "Prod-App/Queue").via == "S3 notification (s3:ObjectRemoved:*)"
    events = hop(service_map, "Prod-App/Bucket",
                 "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/default")
    assert (events.via, events.trace) == ("S3 events to EventBridge", UNTRACED)
    assert hop(service_map, "Prod-App/Writer", "Prod-App/Bucket").via == "s3:PutObject (instrumented)"
    assert hop(service_map, "Prod-App/Http", "Prod-App/Queue").via == "SQS integration (SendMessage): POST /send"
    assert hop(service_map, "Prod-App/Machine", "Prod-App/Queue").trace is CONTINUES
    # the nested stack's function reads the parent's queue; a PassThrough function joins the linked trace
    consumer = next(n for n in service_map.nodes if n.id.endswith("/Consumer"))
    assert consumer.stack == "Prod-App" and consumer.tracing is NodeTracing.JOINS
    assert hop(service_map, "Prod-App/Queue", consumer.id).trace is LINKED


def test_a_trace_is_followed_down_a_long_chain(tmp_path: Path) -> None:
    """An API → function → topic → queue → function → topic ... declared in reverse order: every hop is decided
    once it is known whether a trace reaches it (each topic, queue and PassThrough function only carries a trace
    that the API started)."""
    resources: dict[str, Any] = {
        "Api": {"Type": "AWS::ApiGateway::RestApi"},
        "Stage": {"Type": "AWS::ApiGateway::Stage", "Properties": {"RestApiId": {"Ref": "Api"}, "StageName": "v1",
                                                                    "TracingEnabled": True}},
        "Method": {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "Api"}, "HttpMethod": "GET", "ResourceId": {"Fn::GetAtt": ["Api", "RootResourceId"]},
            "Integration": {"Type": "AWS_PROXY", "Uri": {"Fn::Join": ["", [
                "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
                ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": ["Fn0", "Arn"]}, "/invocations"]]}}}},
    }
    for i in range(6):
        resources[f"Role{i}"] = ROLE
        resources[f"Fn{i}"] = fn({"TracingConfig": {"Mode": "PassThrough"},
                                  "Role": {"Fn::GetAtt": [f"Role{i}", "Arn"]}})
        resources[f"Topic{i}"] = {"Type": "AWS::SNS::Topic"}
        resources[f"Queue{i}"] = {"Type": "AWS::SQS::Queue"}
        resources[f"Publish{i}"] = {"Type": "AWS::IAM::Policy", "Properties": {"Roles": [{"Ref": f"Role{i}"}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "sns:Publish",
                                              "Resource": {"Ref": f"Topic{i}"}}]}}}
        resources[f"Sub{i}"] = {"Type": "AWS::SNS::Subscription", "Properties": {
            "TopicArn": {"Ref": f"Topic{i}"}, "Protocol": "sqs", "Endpoint": {"Fn::GetAtt": [f"Queue{i}", "Arn"]}}}
        if i < 5:
            resources[f"Esm{i}"] = {"Type": "AWS::Lambda::EventSourceMapping", "Properties": {
                "EventSourceArn": {"Fn::GetAtt": [f"Queue{i}", "Arn"]}, "FunctionName": {"Ref": f"Fn{i + 1}"}}}
    template = {"Resources": dict(reversed(resources.items()))}
    service_map = build_service_map(write_assembly(tmp_path, {"Chain": template}))
    assert len(service_map.edges) == 1 + 6 + 6 + 5
    assert {e.trace for e in service_map.edges} == {CONTINUES, LINKED}
    assert hop(service_map, "Chain/Queue4", "Chain/Fn5").trace is LINKED
    assert hop(service_map, "Chain/Topic5", "Chain/Queue5").trace is CONTINUES


def test_not_a_cloud_assembly(tmp_path: Path) -> None:
    with pytest.raises(CloudAssemblyError, match=r"no manifest\.json"):
        build_service_map(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(CloudAssemblyError, match="not valid JSON"):
        build_service_map(tmp_path)


def test_map_rejects_edges_to_unknown_nodes() -> None:
    rule = TraceRule(id="r", summary="", page="", url="")
    with pytest.raises(ValueError, match="not on the map"):
        ServiceMap(nodes=(), edges=(MapEdge("a", "b", "v", CONTINUES, rule, ""),))
    with pytest.raises(KeyError, match="no node 'x'"):
        ServiceMap(nodes=(), edges=()).node("x")

