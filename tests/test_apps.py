"""The library on apps nobody here wrote (tests/apps): each app synthesized plain and with
``XRayTracing.enable``, and compared. Tracing must leave every app deployable: no dependency cycle, no cfn-lint
finding and no cdk-nag finding the plain app does not have (apart from the tracing findings it fixes), every
traceable resource traced unless the app turned it off, and each traced role granted before its resource exists.

Every app is a Stage of one App per variant, so the whole set costs two synths (cdk-nag included).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stage, Validations
from cdk_nag import AwsSolutionsChecks, ServerlessChecks
from cfnlint.api import ManualArgs, lint_file

from constructs_lib import XRayTracing
from constructs_lib.tracing import LAMBDA_XRAY_ACTIONS, STATES_XRAY_ACTIONS

from ._cycles import assert_acyclic
from .apps import APPS
from .conftest import cdk_context, resources_of

ENV = {"account": "111111111111", "region": "eu-west-1"}
#: cdk-nag rules that tracing satisfies: the traced app may lose these findings, and only these.
TRACING_RULES = {"Serverless-LambdaTracing", "Serverless-APIGWXrayEnabled", "Serverless-AppSyncTracing",
                 "Serverless-StepFunctionStateMachineXray", "AwsSolutions-SF2"}


@dataclass(frozen=True)
class Variant:
    outdir: Path
    templates: dict[str, dict[str, Any]]  # file name -> template, nested stacks included
    nag: set[tuple[str, str]]  # (rule, construct path)

    def of_app(self, name: str) -> dict[str, dict[str, Any]]:
        return {file: t for file, t in self.templates.items() if file.startswith(f"assembly-{name}/")}


def synthesize(outdir: Path, *, traced: bool) -> Variant:
    app = App(outdir=str(outdir), context={**cdk_context(), "aws:cdk:enable-path-metadata": True})
    for name, module in APPS.items():
        module.build(Stage(app, name, env=ENV))
    if traced:
        XRayTracing.enable(app)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app), ServerlessChecks(app))
    try:
        app.synth()
    except RuntimeError as error:  # cdk-nag fails the synth on findings: both variants have some
        assert "ValidationFailed" in str(error) or "Validation failed" in str(error), error
    report = json.loads((outdir / "validation-report.json").read_text())
    nag = {(v["ruleName"], c["constructPath"]) for p in report["pluginReports"] for v in p["violations"]
           for c in v["violatingConstructs"]}
    templates = {str(path.relative_to(outdir)): json.loads(path.read_text())
                 for path in outdir.glob("assembly-*/*.template.json")}
    return Variant(outdir=outdir, templates=templates, nag=nag)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Variant:
    return synthesize(tmp_path_factory.mktemp("apps-plain"), traced=False)


@pytest.fixture(scope="module")
def traced(tmp_path_factory: pytest.TempPathFactory) -> Variant:
    return synthesize(tmp_path_factory.mktemp("apps-traced"), traced=True)


def test_every_app_is_synthesized(plain: Variant, traced: Variant) -> None:
    for name in APPS:
        assert plain.of_app(name) and set(plain.of_app(name)) == set(traced.of_app(name)), name


@pytest.mark.parametrize("name", APPS)
def test_no_dependency_cycle(traced: Variant, name: str) -> None:
    for file, template in traced.of_app(name).items():
        assert_acyclic(template, file)


def path_of(resource: dict[str, Any]) -> str:
    return str(resource.get("Metadata", {}).get("aws:cdk:path", ""))


TRACED = {
    "AWS::Lambda::Function": lambda p: (p.get("TracingConfig") or {}).get("Mode") == "Active",
    "AWS::ApiGateway::Stage": lambda p: p.get("TracingEnabled") is True,
    "AWS::SNS::Topic": lambda p: p.get("TracingConfig") == "Active",
    "AWS::StepFunctions::StateMachine": lambda p: (p.get("TracingConfiguration") or {}).get("Enabled") is True,
}


@pytest.mark.parametrize("name", APPS)
def test_everything_traceable_is_traced_but_what_the_app_turned_off(traced: Variant, name: str) -> None:
    untraced = set()
    count = 0
    for template in traced.of_app(name).values():
        for rtype, is_traced in TRACED.items():
            for resource in resources_of(template, rtype).values():
                count += 1
                if not is_traced(resource.get("Properties", {})):
                    untraced.add(path_of(resource).removeprefix(f"{name}/"))
    assert count > 0
    assert untraced == getattr(APPS[name], "EXPLICITLY_UNTRACED", set())


@pytest.mark.parametrize("name", APPS)
def test_every_traced_role_is_granted_before_its_resource_exists(traced: Variant, name: str) -> None:
    """Each traced function or state machine DependsOn a policy of its own role (not shared with other roles)
    that allows the X-Ray actions."""
    for file, template in traced.of_app(name).items():
        policies = resources_of(template, "AWS::IAM::Policy")
        for logical_id, resource in {**resources_of(template, "AWS::Lambda::Function"),
                                     **resources_of(template, "AWS::StepFunctions::StateMachine")}.items():
            properties = resource["Properties"]
            machine = resource["Type"] == "AWS::StepFunctions::StateMachine"
            if not TRACED[resource["Type"]](properties):
                continue
            role = properties["RoleArn" if machine else "Role"]["Fn::GetAtt"][0]
            actions = set(STATES_XRAY_ACTIONS if machine else LAMBDA_XRAY_ACTIONS)
            granting = [
                policy_id for policy_id, policy in policies.items()
                if {"Ref": role} in policy["Properties"]["Roles"]
                and any(s["Resource"] == "*" and actions <= set(s["Action"] if isinstance(s["Action"], list)
                                                                else [s["Action"]])
                        for s in policy["Properties"]["PolicyDocument"]["Statement"])
            ]
            assert granting, f"{file} {logical_id}: no policy grants {sorted(actions)} to {role}"
            assert set(granting) & set(resource.get("DependsOn", [])), f"{file} {logical_id}: not DependsOn"


# W3005 ("DependsOn already enforced by a GetAtt/Ref"): aws-cdk-lib's L2s make it for their own roles.
CFN_LINT_IGNORED = ["W3005"]


def lint(variant: Variant, file: str) -> set[tuple[str, str]]:
    matches = lint_file(variant.outdir / file, config=ManualArgs(regions=[ENV["region"]],
                                                                ignore_checks=CFN_LINT_IGNORED))
    return {(m.rule.id, "/".join(str(p) for p in m.path)) for m in matches}


@pytest.mark.parametrize("name", APPS)
def test_cfn_lint_finds_nothing_the_plain_app_does_not_have(plain: Variant, traced: Variant, name: str) -> None:
    for file in traced.of_app(name):
        found = lint(traced, file)
        if found:  # lint the plain template only when there is something to compare (cfn-lint is slow)
            assert found <= lint(plain, file), file


@pytest.mark.parametrize("name", APPS)
def test_cdk_nag_finds_nothing_new_and_only_loses_tracing_findings(plain: Variant, traced: Variant,
                                                                   name: str) -> None:
    before = {f for f in plain.nag if f[1].startswith(f"{name}/") and not f[0].startswith("Annotation::")}
    after = {f for f in traced.nag if f[1].startswith(f"{name}/") and not f[0].startswith("Annotation::")}
    assert after - before == set()
    assert {rule for rule, _ in before - after} <= TRACING_RULES


#: The library's warnings each app may get: imported functions cannot be traced where they are imported, and the
#: apps, as Stages of one App in one account and region, each make an SNS resource policy.
EXPECTED_WARNINGS = {
    "ProducerConsumer": {"importedFunction", "duplicateSnsResourcePolicy"},
    "NestedService": {"duplicateSnsResourcePolicy"},
}


@pytest.mark.parametrize("name", APPS)
def test_the_library_warns_only_where_it_should(traced: Variant, name: str) -> None:
    prefix = "Annotation::@constructs-lib/xray:"
    codes = {rule.removeprefix(prefix) for rule, path in traced.nag
             if rule.startswith(prefix) and path.startswith(f"{name}/")}
    assert codes == EXPECTED_WARNINGS.get(name, set())


# -- what the first deploy with tracing changes (docs/tracing.md says so) -----------------------------------------
def resources_by_path(variant: Variant, name: str, rtype: str) -> dict[str, tuple[str, dict[str, Any]]]:
    return {path_of(r): (logical_id, r) for t in variant.of_app(name).values()
            for logical_id, r in resources_of(t, rtype).items()}


def test_first_enable_publishes_a_new_version_and_moves_the_aliases(plain: Variant, traced: Variant) -> None:
    before = resources_by_path(plain, "ApiStagesAliases", "AWS::Lambda::Version")
    after = resources_by_path(traced, "ApiStagesAliases", "AWS::Lambda::Version")
    (path,) = before
    assert before[path][0] != after[path][0]  # TracingConfig is part of the version: a new version resource
    for (alias_id, alias) in resources_by_path(traced, "ApiStagesAliases", "AWS::Lambda::Alias").values():
        assert alias["Properties"]["FunctionVersion"] == {"Fn::GetAtt": [after[path][0], "Version"]}, alias_id


def test_first_enable_runs_the_triggers_again(plain: Variant, traced: Variant) -> None:
    """A trigger fires when its handler's version changes, and tracing changes the version."""
    before = resources_by_path(plain, "SeededTable", "Custom::Trigger")
    after = resources_by_path(traced, "SeededTable", "Custom::Trigger")
    assert len(before) == 2 and set(before) == set(after)
    for path, (_, trigger) in before.items():
        assert trigger["Properties"]["HandlerArn"] != after[path][1]["Properties"]["HandlerArn"], path
