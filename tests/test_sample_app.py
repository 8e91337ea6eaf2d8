"""The sample app as users get it: every traceable resource traced, snapshots of each template, cdk-nag and
cfn-lint clean, and the real `cdk synth` through cdk.json and app.py."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from cfnlint.api import ManualArgs, lint_file
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from constructs_lib.report import summarize_assembly

from .conftest import ROOT, SynthesizedApp, resources_of

STACKS = ["Orders", "Minimal"]

# W3005 ("dependency already enforced by a GetAtt"): aws-cdk-lib's Function and StateMachine L2s add a DependsOn
# on their own role next to the Role GetAtt. It is redundant, harmless, and not ours to change.
CFN_LINT_IGNORED = ["W3005"]


def masked(template: dict[str, Any]) -> dict[str, Any]:
    """The template without what changes between builds without changing meaning, masked field by field: the
    bootstrap-version parameter and rule, Lambda asset keys (``Code.S3Key``) and the API deployment's logical id
    (CDK hashes the API's definition into it). The dashboard body, a JSON string, is stored parsed so that a
    snapshot diff reads."""
    template = copy.deepcopy({k: v for k, v in template.items() if k not in ("Parameters", "Rules")})
    resources = template["Resources"]
    renames = {}
    for logical_id, resource in resources.items():
        if resource["Type"] == "AWS::ApiGateway::Deployment":
            renames[logical_id] = re.sub(r"[0-9a-f]{32}$", "<hash>", logical_id)
    template = _renamed(template, renames)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        code = properties.get("Code")
        if resource["Type"] == "AWS::Lambda::Function" and isinstance(code, dict) and "S3Key" in code:
            code["S3Key"] = re.sub(r"^[0-9a-f]{64}", "<asset hash>", code["S3Key"])
        if resource["Type"] == "AWS::CloudWatch::Dashboard":
            properties["DashboardBody"] = dashboard_body(properties["DashboardBody"])
    return template


def _renamed(value: Any, renames: dict[str, str]) -> Any:
    """``value`` with every logical id in ``renames`` replaced: keys, ``Ref``, ``Fn::GetAtt`` and ``DependsOn``."""
    if isinstance(value, dict):
        return {renames.get(k, k): _renamed(v, renames) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, renames) for v in value]
    return renames.get(value, value) if isinstance(value, str) else value


def dashboard_body(body: Any) -> Any:
    """A ``DashboardBody`` (a string, or an ``Fn::Join`` of strings and references) as parsed JSON, each
    reference written as ``<{"Ref": ...}>`` in the string it was part of."""
    if isinstance(body, str):
        return json.loads(body)
    parts = body["Fn::Join"][1]
    text = "".join(p if isinstance(p, str) else "<" + json.dumps(p, sort_keys=True).replace('"', "'") + ">"
                   for p in parts)
    return json.loads(text)


@pytest.mark.parametrize("stack", STACKS)
def test_template_snapshot(sample_app: SynthesizedApp, stack: str, snapshot: SnapshotAssertion) -> None:
    assert masked(sample_app.templates[stack]) == snapshot(extension_class=JSONSnapshotExtension)


@pytest.mark.parametrize("stack", STACKS)
def test_everything_traceable_is_traced(sample_app: SynthesizedApp, stack: str) -> None:
    template = sample_app.templates[stack]
    functions = resources_of(template, "AWS::Lambda::Function").values()
    stages = resources_of(template, "AWS::ApiGateway::Stage").values()
    assert functions and stages
    assert all(f["Properties"]["TracingConfig"] == {"Mode": "Active"} for f in functions)
    assert all(s["Properties"]["TracingEnabled"] is True for s in stages)
    for logical_id, topic in resources_of(template, "AWS::SNS::Topic").items():
        if logical_id.startswith("TracingMonitoring"):  # the alarm topic: the library's own plumbing, untraced
            assert "TracingConfig" not in topic["Properties"]
            continue
        assert topic["Properties"]["TracingConfig"] == "Active"
    for machine in resources_of(template, "AWS::StepFunctions::StateMachine").values():
        assert machine["Properties"]["TracingConfiguration"] == {"Enabled": True}


def test_orders_app_has_the_whole_flow(sample_app: SynthesizedApp) -> None:
    template = sample_app.templates["Orders"]
    counts = {t: len(resources_of(template, t)) for t in (
        "AWS::Lambda::Function", "AWS::ApiGateway::Method", "AWS::DynamoDB::GlobalTable", "AWS::SNS::Topic",
        "AWS::SQS::Queue", "AWS::Lambda::EventSourceMapping", "AWS::Events::EventBus", "AWS::Events::Rule",
        "AWS::StepFunctions::StateMachine", "AWS::XRay::ResourcePolicy", "AWS::XRay::SamplingRule",
        "AWS::XRay::Group", "AWS::CloudWatch::CompositeAlarm", "AWS::CloudWatch::Dashboard")}
    assert counts == {
        "AWS::Lambda::Function": 2, "AWS::ApiGateway::Method": 2, "AWS::DynamoDB::GlobalTable": 1,
        "AWS::SNS::Topic": 2, "AWS::SQS::Queue": 3, "AWS::Lambda::EventSourceMapping": 1,
        "AWS::Events::EventBus": 1, "AWS::Events::Rule": 1, "AWS::StepFunctions::StateMachine": 1,
        "AWS::XRay::ResourcePolicy": 1, "AWS::XRay::SamplingRule": 2, "AWS::XRay::Group": 3,
        "AWS::CloudWatch::CompositeAlarm": 1, "AWS::CloudWatch::Dashboard": 1,
    }


def test_orders_app_has_alarms_for_its_whole_flow_and_a_dashboard(sample_app: SynthesizedApp) -> None:
    template = sample_app.templates["Orders"]
    names = {r["Properties"]["AlarmName"] for r in resources_of(template, "AWS::CloudWatch::Alarm").values()}
    assert {
        "orders-OrderCreated-failed-notifications", "orders-OrderQueueDlq-dlq-messages",
        "orders-DeliveryDlq-dlq-messages", "orders-OrderQueue-oldest-message-age",
        "orders-ApiFunction-error-rate", "orders-ApiFunction-throttles", "orders-ApiFunction-duration",
        "orders-WorkerFunction-error-rate", "orders-OrdersApi-DeploymentStage.prod-5xx-faults",
        "orders-OrdersApi-DeploymentStage.prod-4xx-rate", "orders-OrdersApi-DeploymentStage.prod-latency",
        "orders-Fulfilment-executions-failed", "orders-Fulfilment-executions-timed-out",
        "orders-Fulfilment-executions-throttled", "orders-group-Orders-faults-fault-traces",
        "orders-group-Orders-slow-slow-traces", "orders-WorkerFunction-throttles", "orders-WorkerFunction-duration",
    } == names  # the cold-start group is not a fault, error or slow group: no alarm
    alarms = sample_app.stacks["Orders"].alarms  # type: ignore[attr-defined]
    assert len(alarms.alarms) == 18  # the accessor lists every alarm, including those discovery created late
    assert len(resources_of(template, "AWS::CloudWatch::Dashboard")) == 1


def test_orders_app_cost_estimate_is_in_its_outputs(sample_app: SynthesizedApp) -> None:
    outputs = sample_app.templates["Orders"]["Outputs"]
    (estimate,) = [o["Value"] for o in outputs.values()
                   if o.get("Description") == "X-Ray tracing cost estimate (constructs-lib)"]
    # POST /orders: 5/s, all traced; GET: 50/s at 1/s + 1 % = 1.49/s; the worker, started by the queue at 5/s,
    # starts traces of its own at Lambda's 1/s + 5 % = 1.2/s: 7.69 traces/s, 19,932,480 per 30 days; recording
    # (19,932,480 - 100,000 free) x $5 per million = $99.16; the faults group has Insights, so the estimate adds
    # its upper bound, 19,932,480 x $1 per million = $19.93: $119.09 in all. The OrderProcessed rule's events carry
    # the worker's trace header (rate 0): nothing is left unestimated.
    assert estimate == ("~19,932,480 traces recorded per 30 days, ~$119.09 (recording $99.16, retrieval $0.00, "
                        "insights $19.93)")


def test_cdk_nag_finds_nothing_unacknowledged(sample_app: SynthesizedApp) -> None:
    # The fixture's synth ran AwsSolutionsChecks and ServerlessChecks: an error would have failed it, and the
    # report it always writes lists warnings too.
    reports = json.loads((sample_app.outdir / "validation-report.json").read_text())["pluginReports"]
    assert [v["ruleName"] for p in reports for v in p["violations"]] == []


def test_cdk_nag_check_can_fail(tmp_path: Path) -> None:
    """The negative control: the same rule packs do fail a stack with a finding nobody acknowledged."""
    app = App(outdir=str(tmp_path))
    stack = Stack(app, "Bad")
    sqs.Queue(stack, "Queue")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    names = {v["ruleName"] for p in json.loads((tmp_path / "validation-report.json").read_text())["pluginReports"]
             for v in p["violations"]}
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= names


@pytest.mark.parametrize("stack", STACKS)
def test_cfn_lint_is_clean(sample_app: SynthesizedApp, stack: str) -> None:
    matches = lint_file(
        sample_app.outdir / f"{stack}.template.json",
        config=ManualArgs(regions=["us-east-1", "eu-west-1"], ignore_checks=CFN_LINT_IGNORED),
    )
    assert [f"{m.rule.id} {m.message}" for m in matches] == []


def test_real_cdk_synth_through_cdk_json(tmp_path: Path) -> None:
    """`cdk synth` (the pinned CLI, cdk.json's app command) produces the same stacks, nag-clean."""
    cli = ROOT / "node_modules" / "aws-cdk" / "bin" / "cdk"
    if not cli.exists():
        pytest.fail("the pinned CDK CLI is missing: run ./scripts/test, which installs it (npm ci)")
    env = {**os.environ, "CDK_DISABLE_VERSION_CHECK": "1", "CDK_DISABLE_CLI_TELEMETRY": "1"}
    result = subprocess.run(
        ["node", str(cli), "synth", "--quiet", "--output", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Node 20 is end-of-life" not in result.stderr + result.stdout
    summaries = summarize_assembly(tmp_path / "out")
    assert [s.name for s in summaries] == STACKS
    untraced = {(s.name, k.kind.label): k.untraced for s in summaries for k in s.kinds if k.untraced}
    excluded = {(s.name, k.kind.label): k.excluded for s in summaries for k in s.kinds if k.excluded}
    assert untraced == {}
    assert excluded == {("Orders", "SNS topic"): 1}  # the alarm topic, excluded on purpose

    # What ./scripts/synth prints after `cdk synth` is what README.md shows, line for line.
    run = {"cwd": tmp_path, "env": {**env, "PYTHONPATH": str(ROOT)}, "capture_output": True, "text": True,
           "timeout": 120}
    (tmp_path / "out").rename(tmp_path / "cdk.out")
    report = subprocess.run([sys.executable, "-m", "constructs_lib.report", "cdk.out", "--require-all-traced"], **run)
    service_map = subprocess.run([sys.executable, "-m", "constructs_lib.service_map", "cdk.out", "--output",
                                  "cdk.out/service-map.mmd"], **run)
    assert (report.returncode, service_map.returncode) == (0, 0), report.stderr + service_map.stderr
    readme = (ROOT / "README.md").read_text()
    shown = readme.split("`./scripts/synth` prints, for example:\n\n```\n", 1)[1].split("```", 1)[0]
    assert shown == report.stdout + "\n" + service_map.stdout
