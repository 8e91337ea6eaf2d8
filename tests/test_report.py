"""`python -m constructs_lib.report`: what it reads from a cloud assembly, and that it tells the truth about it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Acknowledgment, App, RemovalPolicy, Stack, Validations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

from constructs_lib import TracingCostEstimate, TrafficProfile, XRayTracing, XRayValidationError, add_policy_checks
from constructs_lib.report import (
    CloudAssemblyError,
    UntracedReason,
    main,
    read_policy_validation,
    summarize_assembly,
    summarize_template,
)
from constructs_lib.tracing import EXCLUDED_METADATA_TYPE

from .conftest import ROOT, SynthesizedApp, cdk_context

ENV = {"account": "111111111111", "region": "eu-west-1"}


def _function(scope: Construct, id: str) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"))


@dataclass(frozen=True)
class Assembly:
    outdir: Path
    cost: TracingCostEstimate | None = None


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """Traced except on purpose: an excluded function, CDK's own function in an untraced stack; a cost estimate
    with an id that does not start with "TracingCost"; no cdk-nag."""
    outdir = tmp_path_factory.mktemp("traced") / "cdk.out"
    app = App(context=cdk_context(), outdir=str(outdir))
    stack = Stack(app, "Traced", env=ENV)
    _function(stack, "Api")
    legacy = Construct(stack, "Legacy")
    _function(legacy, "Old")
    _function(Construct(legacy, "Revived"), "Fn")
    XRayTracing.enable(stack)
    XRayTracing.exclude(legacy)
    XRayTracing.enable(legacy.node.find_child("Revived"))  # nearer than the exclusion: traced, not marked
    cost = TracingCostEstimate(stack, "Cost", traffic=[TrafficProfile(service_name="api/prod", rps=10)])
    plain = Stack(app, "Plain", env=ENV)  # no tracing call: the auto-delete provider function stays untraced
    s3.Bucket(plain, "Bucket", removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
    app.synth()
    return Assembly(outdir, cost)


@pytest.fixture(scope="module")
def untraced(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    outdir = tmp_path_factory.mktemp("untraced") / "cdk.out"
    app = App(context=cdk_context(), outdir=str(outdir))
    _function(Stack(app, "Forgotten", env=ENV), "Fn")
    app.synth()
    return Assembly(outdir)


@pytest.fixture(scope="module")
def nagged(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """cdk-nag ran and found two errors: the synth fails, and the assembly and its report are written."""
    outdir = tmp_path_factory.mktemp("nagged") / "cdk.out"
    app = App(context=cdk_context(), outdir=str(outdir))
    sqs.Queue(Stack(app, "Nagged", env=ENV), "Queue")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    return Assembly(outdir)


@pytest.fixture(scope="module")
def clean_nag(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    """cdk-nag registered with add_policy_checks, and every finding acknowledged: a clean run."""
    outdir = tmp_path_factory.mktemp("clean-nag") / "cdk.out"
    app = App(context=cdk_context(), outdir=str(outdir))
    queue = sqs.Queue(Stack(app, "Clean", env=ENV), "Queue")
    Validations.of(queue).acknowledge(
        Acknowledgment(id="AwsSolutions-SQS3", reason="test: no dead-letter queue needed"),
        Acknowledgment(id="AwsSolutions-SQS4", reason="test: nothing is sent to it"),
    )
    add_policy_checks(app, AwsSolutionsChecks(app))
    app.synth()
    return Assembly(outdir)


def report(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    # jsii copies Node's stderr (the CDK's validation report of a fixture's synth) from a thread, so it can land
    # here at any time: leave out the lines of that report, keep everything else (a traceback included).
    own = [line for line in err.splitlines(keepends=True)
           if not (line.startswith(("WARNING ", "ERROR ", "   ", "A copy of this report can be found in: "))
                   or not line.strip())]
    return code, out, "".join(own)


# -- what is traced ---------------------------------------------------------------------------------------------
def test_report_summarizes_what_is_traced(sample_app: SynthesizedApp) -> None:
    summaries = {s.name: s for s in summarize_assembly(sample_app.outdir)}
    assert set(summaries) == {"Orders", "Minimal"}
    orders = {k.kind.label: (k.traced, k.total) for k in summaries["Orders"].kinds}
    # The alarm topic is the library's own plumbing: left out of tracing (XRayTracing.exclude), so 1 of 2.
    assert orders == {"Lambda function": (2, 2), "REST API stage": (1, 1), "SNS topic": (1, 2),
                      "state machine": (1, 1)}
    assert summaries["Orders"].xray_resources == {
        "AWS::XRay::ResourcePolicy": 1, "AWS::XRay::SamplingRule": 2, "AWS::XRay::Group": 3,
        "AWS::CloudWatch::Alarm": 18, "AWS::CloudWatch::CompositeAlarm": 1, "AWS::CloudWatch::Dashboard": 1}
    assert summaries["Orders"].cost_estimate is not None and summaries["Minimal"].cost_estimate is None
    assert not summaries["Minimal"].untraced_resources
    (topic,) = summaries["Orders"].untraced_resources
    assert topic.reason is UntracedReason.EXCLUDED and topic.path is not None and "AlarmTopic" in topic.path


def test_require_all_traced_leaves_out_excluded_resources_and_lists_them(
    traced: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, str(traced.outdir), "--require-all-traced")
    assert (code, err) == (0, "")
    assert "  Lambda function      2/3 traced (Active), 1 excluded\n" in out
    assert "  left untraced by XRayTracing.exclude:\n    Lambda function    Traced/Legacy/Old/Resource " \
           "(excluded at Traced/Legacy)\n" in out
    (summary,) = [s for s in summarize_assembly(traced.outdir) if s.name == "Traced"]
    assert [(r.path, r.reason, r.excluded_by) for r in summary.untraced_resources] == [
        ("Traced/Legacy/Old/Resource", UntracedReason.EXCLUDED, "Traced/Legacy")]


def test_cdk_internal_functions_are_listed_apart_not_counted_as_untraced(
    traced: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    (plain,) = [s for s in summarize_assembly(traced.outdir) if s.name == "Plain"]
    (functions,) = plain.kinds
    assert (functions.total, functions.traced, functions.cdk_internal, functions.untraced) == (1, 0, 1, 0)
    assert [r.path for r in plain.untraced_resources] == [
        "Plain/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler"]
    _, out, _ = report(capsys, str(traced.outdir))
    assert "  CDK's own functions, not traced:\n    Lambda function    Plain/Custom::S3AutoDelete" in out


def test_require_all_traced_fails_on_a_function_nobody_excluded(
    untraced: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    """The negative control: the option still fails where it should, and names the resource."""
    code, out, err = report(capsys, str(untraced.outdir), "--require-all-traced")
    assert code == 1
    assert "  Lambda function      0/1 traced, 1 NOT traced\n" \
           "  NOT traced:\n    Lambda function    Forgotten/Fn/Resource" in out
    assert err == "error: 1 traceable resource(s) not traced: Forgotten/Fn/Resource (Lambda function)\n"
    assert report(capsys, str(untraced.outdir))[0] == 0  # without the option it only reports


def test_without_metadata_cdk_functions_are_known_by_their_logical_ids() -> None:
    function = {"Type": "AWS::Lambda::Function", "Properties": {}}
    template = {"Resources": {
        "CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F": function,
        "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A": function,
        "ProvframeworkonEvent4D295293": function,
        "OrdersHandler1A2B3C4D": function,
    }}
    summary = summarize_template("S", template)
    assert {r.logical_id: r.reason for r in summary.untraced_resources} == {
        "CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F": UntracedReason.CDK_INTERNAL,
        "LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8aFD4BFC8A": UntracedReason.CDK_INTERNAL,
        "ProvframeworkonEvent4D295293": UntracedReason.CDK_INTERNAL,
        "OrdersHandler1A2B3C4D": UntracedReason.NOT_TRACED,
    }


# -- exclusions in the cloud assembly ---------------------------------------------------------------------------
def _metadata(outdir: Path, stack: str) -> dict[str, list[dict[str, Any]]]:
    manifest = json.loads((outdir / "manifest.json").read_text())
    artifact = manifest["artifacts"][stack]
    metadata: dict[str, list[dict[str, Any]]] = dict(artifact.get("metadata") or {})
    if "additionalMetadataFile" in artifact:
        metadata.update(json.loads((outdir / artifact["additionalMetadataFile"]).read_text()))
    return metadata


def test_exclusions_are_recorded_in_the_assembly_metadata_not_in_templates(traced: Assembly) -> None:
    marked = {path: [e["data"] for e in entries if e["type"] == EXCLUDED_METADATA_TYPE]
              for path, entries in _metadata(traced.outdir, "Traced").items()}
    assert {path: data for path, data in marked.items() if data} == {"/Traced/Legacy/Old/Resource": ["Traced/Legacy"]}
    for template in traced.outdir.glob("*.template.json"):
        assert EXCLUDED_METADATA_TYPE not in template.read_text()


def test_exclusion_metadata_is_added_once_however_often_the_app_synthesizes(tmp_path: Path) -> None:
    app = App(context=cdk_context(), outdir=str(tmp_path))
    stack = Stack(app, "Twice", env=ENV)
    XRayTracing.exclude(_function(stack, "Fn"))
    XRayTracing.exclude(stack.node.find_child("Fn"))  # twice on one scope: one marker
    XRayTracing.enable(app)
    app.synth()
    app.synth(force=True)
    entries = [e for e in _metadata(tmp_path, "Twice")["/Twice/Fn/Resource"] if e["type"] == EXCLUDED_METADATA_TYPE]
    assert entries == [{"type": EXCLUDED_METADATA_TYPE, "data": "Twice/Fn"}]


# -- the cost estimate ------------------------------------------------------------------------------------------
def test_a_cost_estimate_is_found_by_what_it_is_whatever_its_id(
    traced: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    (summary,) = [s for s in summarize_assembly(traced.outdir) if s.name == "Traced"]
    assert traced.cost is not None
    expected = traced.cost.estimate().summary()  # the construct's own figures, not the report's
    assert [(c.path, c.text) for c in summary.costs] == [("Cost", expected)]
    assert summary.costs[0].total_usd == round(traced.cost.estimate().total_usd, 2)
    assert f"  tracing cost (Cost): {expected}\n" in report(capsys, str(traced.outdir))[1]


# -- policy validation (cdk-nag) --------------------------------------------------------------------------------
def test_without_cdk_nag_the_report_does_not_claim_zero_findings(
    traced: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    # CDK writes validation-report.json whenever a plugin ran, and its own CloudFormation Validate always runs;
    # a plugin with nothing to say is left out, so a clean cdk-nag run and no cdk-nag write the same file.
    plugins = json.loads((traced.outdir / "validation-report.json").read_text())["pluginReports"]
    assert not {p["pluginName"] for p in plugins} & {"AwsSolutions", "Serverless"}
    validation = read_policy_validation(traced.outdir)
    assert validation.cdk_nag_ran is False
    out = report(capsys, str(traced.outdir))[1]
    assert "0 unacknowledged" not in out
    assert "policy validation (validation-report.json):\n" in out
    assert out.endswith("\n  cdk-nag: no run recorded (no findings, and no rule pack registered with "
                        "add_policy_checks, which records a clean run)\n")


def test_a_clean_cdk_nag_run_registered_with_add_policy_checks_is_reported_as_run(
    clean_nag: Assembly, capsys: pytest.CaptureFixture[str]
) -> None:
    assert json.loads((clean_nag.outdir / "validation-report.json").read_text())["pluginReports"] == []
    (summary,) = summarize_assembly(clean_nag.outdir)
    assert summary.policy_checks == ("AwsSolutions",)
    validation = read_policy_validation(clean_nag.outdir, registered=summary.policy_checks)
    assert validation.cdk_nag_ran is True
    out = report(capsys, str(clean_nag.outdir))[1]
    assert out.endswith("policy validation (validation-report.json):\n"
                        "  cdk-nag AwsSolutions: ran, 0 unacknowledged findings\n")


def test_add_policy_checks_changes_no_template_and_rejects_bad_input(clean_nag: Assembly) -> None:
    template = json.loads((clean_nag.outdir / "Clean.template.json").read_text())
    assert "policyChecks" not in json.dumps(template)
    with pytest.raises(XRayValidationError, match="add_policy_checks: plugins must name at least one rule pack"):
        add_policy_checks(App())
    app = App()
    with pytest.raises(XRayValidationError, match="scope must be an App or Stage"):
        add_policy_checks(Stack(app, "S"), AwsSolutionsChecks(app))  # type: ignore[arg-type]


def test_without_a_validation_report_cdk_nag_did_not_run(
    traced: Assembly, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outdir = tmp_path / "cdk.out"
    outdir.mkdir()
    for name in ("manifest.json", "Traced.template.json", "Traced.metadata.json", "Plain.template.json",
                 "Plain.metadata.json"):
        (outdir / name).write_bytes((traced.outdir / name).read_bytes())
    assert read_policy_validation(outdir).cdk_nag_ran is False
    assert report(capsys, str(outdir))[1].endswith(
        "policy validation: no validation-report.json, so no validation plugin ran: cdk-nag did not run\n")


def test_cdk_nag_findings_are_read_and_listed(nagged: Assembly, capsys: pytest.CaptureFixture[str]) -> None:
    validation = read_policy_validation(nagged.outdir)
    assert validation.cdk_nag_ran is True
    (pack,) = validation.cdk_nag
    assert (pack.name, pack.success) == ("AwsSolutions", False)
    assert sorted((f.rule, f.severity, f.path) for f in pack.findings) == [
        ("AwsSolutions-SQS3", "error", "Nagged/Queue/Resource"),
        ("AwsSolutions-SQS4", "error", "Nagged/Queue/Resource"),
    ]
    out = report(capsys, str(nagged.outdir))[1]
    assert "  cdk-nag AwsSolutions: 2 unacknowledged finding(s) (error: 2)\n" in out
    assert "    error    AwsSolutions-SQS4 on Nagged/Queue/Resource: The SQS queue does not require requests to " \
           "use SSL.\n" in out
    assert "did not run" not in out


# -- not a cloud assembly ---------------------------------------------------------------------------------------
@pytest.fixture
def not_assemblies(tmp_path: Path) -> Iterator[dict[str, Path]]:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("hello")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    no_stacks = tmp_path / "no-stacks"
    no_stacks.mkdir()
    (no_stacks / "manifest.json").write_text('{"version": "55.0.0", "artifacts": {}}')
    afile = tmp_path / "a-file"
    afile.write_text("")
    yield {"missing": tmp_path / "missing", "empty": empty, "other": other, "broken": broken,
           "no-stacks": no_stacks, "a-file": afile}


@pytest.mark.parametrize(("case", "message"), [
    ("missing", "no such directory (synthesize the app first: cdk synth)"),
    ("empty", "empty directory, not a cloud assembly (synthesize the app first: cdk synth)"),
    ("other", "no manifest.json, not a cloud assembly (synthesize the app first: cdk synth)"),
    ("broken", "cannot read it (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    ("no-stacks", "the cloud assembly has no stacks"),
    ("a-file", "not a directory"),
])
def test_a_folder_that_is_not_a_cloud_assembly_is_a_one_line_error(
    case: str, message: str, not_assemblies: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = report(capsys, str(not_assemblies[case]))
    assert (code, out) == (2, "")
    assert err.endswith(f"{message}\n") and err.startswith("error: ") and err.count("\n") == 1


def test_summarize_assembly_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CloudAssemblyError, match="no such directory"):
        summarize_assembly(tmp_path / "missing")


def test_the_command_prints_no_traceback_for_a_missing_folder(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "constructs_lib.report", str(tmp_path / "nope")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {tmp_path / 'nope'}: no such directory (synthesize the app first: cdk synth)\n"
