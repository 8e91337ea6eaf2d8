"""LambdaInstrumentation: layers and environment across regions, architectures and runtimes, pinning, the
errors and warnings, user-set variables surviving, the Metadata contract, and template-only detection.

Expected layer references are written from the documentation, not from the code under test:
- Powertools for AWS Lambda (Python) docs, "Installation" > "Lambda Layer": ARN
  ``arn:aws:lambda:{region}:017000801446:layer:AWSLambdaPowertoolsPythonV3-{python_version}-{x86_64|arm64}:{n}``
  with ``python_version`` ``python310``..``python314``; China ``arn:aws-cn:...:498634801083:...`` (cn-north-1);
  GovCloud ``165087284144`` (us-gov-east-1), ``165093116878`` (us-gov-west-1); "Using SSM Parameter Store":
  ``{{resolve:ssm:/aws/service/powertools/python/${Architecture}/${PythonVersion}/...}}``, the Python version
  *with* the dot (powertools-lambda-python#6213; #7689 quotes
  ``/aws/service/powertools/python/x86_64/python3.13/3.23.0``).
- ADOT docs, "AWS Distro for OpenTelemetry Lambda Support For Python": layer
  ``arn:aws:lambda:<region>:901920570463:layer:aws-otel-python-<amd64|arm64>-ver-<version>:<n>``,
  ``AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-instrument``; the JavaScript one ``aws-otel-nodejs-...``, ``/opt/otel-handler``.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import botocore.session
import jsii
import pytest
from aws_cdk import App, Aspects, Environment, IAspect, RemovalPolicy, Stack, Stage
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from cfnlint.api import ManualArgs, lint_file
from constructs import IConstruct

from constructs_lib import (
    INSTRUMENTATION_METADATA_KEY,
    InstrumentationKind,
    LambdaInstrumentation,
    OpenTelemetry,
    PowertoolsTracer,
    XRayTracing,
    XRayValidationError,
    detect_instrumentation,
)
from constructs_lib._lazy import lazy_string
from constructs_lib._rendered import rendered_property
from constructs_lib.instrumentation import DEFAULT_POWERTOOLS_VERSION
from constructs_lib.instrumentation.layers import POWERTOOLS_SSM_REGIONS, powertools_ssm_parameter

from .conftest import ROOT, cdk_context, resources_of

ACCOUNT = "111111111111"
POWERTOOLS_ARN = re.compile(
    r"arn:(?P<partition>aws(-cn|-us-gov)?):lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):layer:"
    r"AWSLambdaPowertoolsPythonV3-(?P<python>python3(10|11|12|13|14))-(?P<arch>x86_64|arm64):(?P<n>\d+)"
)
LAYER_VERSION_ARN = botocore.session.get_session().get_service_model("lambda").shape_for(
    "LayerVersionArn").metadata["pattern"]
VARIABLE_NAME = botocore.session.get_session().get_service_model("lambda").shape_for(
    "EnvironmentVariableName").metadata["pattern"]


def ssm(arch: str, runtime: str, version: str = DEFAULT_POWERTOOLS_VERSION) -> str:
    return "{{resolve:ssm:/aws/service/powertools/python/" + f"{arch}/{runtime}/{version}" + "}}"


def python_function(scope: IConstruct, id: str, *, runtime: lambda_.Runtime = lambda_.Runtime.PYTHON_3_14,
                    arm: bool = False, **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(
        scope, id, runtime=runtime, handler="index.handler", code=lambda_.Code.from_inline("def handler(e, c): 0"),
        architecture=lambda_.Architecture.ARM_64 if arm else lambda_.Architecture.X86_64, **kwargs)


@dataclass
class Synth:
    templates: dict[str, dict[str, Any]]
    warnings: list[tuple[str, str]]  # (construct path, message)

    def function(self, stack: str, id: str) -> dict[str, Any]:
        """The function ``id`` of the stack named ``stack`` (an L2's or a bare L1's)."""
        (found,) = [r for r in resources_of(self.templates[stack], "AWS::Lambda::Function").values()
                    if r["Metadata"]["aws:cdk:path"].endswith((f"/{id}/Resource", f"/{id}"))]
        return found

    def warnings_on(self, path: str) -> list[str]:
        return [message for where, message in self.warnings if where == path or where.startswith(path + "/")]


def synth(app: App) -> Synth:
    assembly = app.synth()
    templates, warnings = {}, []
    for artifact in assembly.stacks_recursively:
        templates[artifact.stack_name] = artifact.template
        warnings += [(m.id.lstrip("/"), str(m.entry.data)) for m in artifact.messages if m.level.name == "WARNING"]
    return Synth(templates, warnings)


def new_app(tmp_path: Path) -> App:
    context = {**cdk_context(), "aws:cdk:enable-path-metadata": True}
    return App(context=context, outdir=str(tmp_path))


def layers(resource: dict[str, Any]) -> list[Any]:
    return resource["Properties"].get("Layers", [])


def variables(resource: dict[str, Any]) -> dict[str, Any]:
    return resource["Properties"].get("Environment", {}).get("Variables", {})


def kind(resource: dict[str, Any]) -> str | None:
    return resource.get("Metadata", {}).get(INSTRUMENTATION_METADATA_KEY)


# -- one app, many situations ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def matrix(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    app = new_app(tmp_path_factory.mktemp("matrix"))

    agnostic = Stack(app, "Agnostic")
    python_function(agnostic, "Py314Arm", arm=True)
    python_function(agnostic, "Py310X86", runtime=lambda_.Runtime.PYTHON_3_10)
    user = python_function(agnostic, "UserSet", environment={
        "POWERTOOLS_SERVICE_NAME": "my-service", "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "true", "TABLE": "t"})
    user.add_environment("POWERTOOLS_TRACER_CAPTURE_ERROR", lazy_string(lambda: "false"))  # added late, lazily
    lambda_.CfnFunction(agnostic, "BareL1", runtime="python3.12", handler="index.handler", role="arn:aws:iam::"
                        f"{ACCOUNT}:role/r", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                        architectures=["arm64"], environment=lambda_.CfnFunction.EnvironmentProperty(
                            variables={"POWERTOOLS_SERVICE_NAME": "bare"}))
    lambda_.Function(agnostic, "Node", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler",
                     code=lambda_.Code.from_inline("exports.handler = async () => 0"))
    lambda_.Function(agnostic, "Java", runtime=lambda_.Runtime.JAVA_21, handler="a.B::handle",
                     code=lambda_.Code.from_bucket(s3.Bucket.from_bucket_name(agnostic, "Jars", "jars"), "app.jar"))
    repo = ecr.Repository.from_repository_name(agnostic, "Repo", "images")
    lambda_.DockerImageFunction(agnostic, "Image", code=lambda_.DockerImageCode.from_ecr(repo))
    hand_powertools = python_function(agnostic, "HandPowertools", arm=True)
    hand_powertools.add_layers(lambda_.LayerVersion.from_layer_version_arn(
        hand_powertools, "Mine", "arn:aws:lambda:eu-west-1:017000801446:layer:"
        "AWSLambdaPowertoolsPythonV3-python314-arm64:30"))
    python_function(agnostic, "HandOtel", environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"})
    LambdaInstrumentation.exclude(python_function(agnostic, "Excluded"))
    XRayTracing.exclude(python_function(agnostic, "TracingExcluded"))
    s3.Bucket(agnostic, "Bucket", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    otel_child = python_function(agnostic, "OtelChild", runtime=lambda_.Runtime.PYTHON_3_12)
    LambdaInstrumentation.enable(otel_child, mode=OpenTelemetry(service_name="child"))

    regional = Stack(app, "EuWest1", env=Environment(account=ACCOUNT, region="eu-west-1"))
    python_function(regional, "Py313Arm", runtime=lambda_.Runtime.PYTHON_3_13, arm=True)
    otel = Stack(app, "OtelEuWest1", env=Environment(account=ACCOUNT, region="eu-west-1"))
    python_function(otel, "Py312", runtime=lambda_.Runtime.PYTHON_3_12)
    python_function(otel, "Py314Arm", arm=True)
    lambda_.Function(otel, "NodeArm", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler",
                     architecture=lambda_.Architecture.ARM_64, code=lambda_.Code.from_inline("exports.handler=0"))
    python_function(otel, "WrapperSet", runtime=lambda_.Runtime.PYTHON_3_12,
                    environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/my-wrapper"})
    python_function(otel, "WrapperOnly", runtime=lambda_.Runtime.PYTHON_3_12,
                    environment={"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"})
    distro = Stack(app, "Distro", env=Environment(account=ACCOUNT, region="eu-west-1"))
    python_function(distro, "Py314", arm=True)

    layer_only = {}
    for region, stack_id in (("me-south-1", "MeSouth1"), ("us-gov-west-1", "GovWest"),
                             ("us-gov-east-1", "GovEast"), ("cn-north-1", "China")):
        layer_only[region] = Stack(app, stack_id, env=Environment(account=ACCOUNT, region=region))
        python_function(layer_only[region], "Fn", runtime=lambda_.Runtime.PYTHON_3_13, arm=True)

    stage = Stage(app, "Prod")
    python_function(Stack(stage, "Staged"), "Fn")

    XRayTracing.enable(app)
    LambdaInstrumentation.enable(app)
    LambdaInstrumentation.enable(app)  # twice: idempotent
    LambdaInstrumentation.enable(otel, mode=OpenTelemetry())
    LambdaInstrumentation.enable(distro, mode=OpenTelemetry(
        python_layer_arn="arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroPython:16"))
    for stack in layer_only.values():
        LambdaInstrumentation.enable(stack, mode=PowertoolsTracer(layer_version=37))
    return synth(app)


@pytest.mark.parametrize(("stack", "id", "arch", "runtime"), [
    ("Agnostic", "Py314Arm", "arm64", "python3.14"),
    ("Agnostic", "Py310X86", "x86_64", "python3.10"),
    ("EuWest1", "Py313Arm", "arm64", "python3.13"),
    ("Prod-Staged", "Fn", "x86_64", "python3.14"),  # the aspect crossed the Stage boundary
])
def test_powertools_layer_is_the_public_ssm_parameter_of_the_pinned_release(
    matrix: Synth, stack: str, id: str, arch: str, runtime: str
) -> None:
    function = matrix.function(stack, id)
    assert layers(function) == [ssm(arch, runtime, "3.37.0")]
    assert kind(function) == "powertools-tracer"
    service = f"{stack}-{id}"
    assert variables(function) == {"POWERTOOLS_SERVICE_NAME": service, "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
                                   "POWERTOOLS_TRACER_CAPTURE_ERROR": "true"}
    assert function["Properties"]["TracingConfig"] == {"Mode": "Active"}


@pytest.mark.parametrize(("region", "stack", "partition", "account"), [
    ("me-south-1", "MeSouth1", "aws", "017000801446"),
    ("us-gov-west-1", "GovWest", "aws-us-gov", "165093116878"),
    ("us-gov-east-1", "GovEast", "aws-us-gov", "165087284144"),
    ("cn-north-1", "China", "aws-cn", "498634801083"),
])
def test_regions_without_a_parameter_get_the_documented_arn_with_the_pinned_layer_version(
    matrix: Synth, region: str, stack: str, partition: str, account: str
) -> None:
    (arn,) = layers(matrix.function(stack, "Fn"))
    assert re.fullmatch(LAYER_VERSION_ARN, arn)
    match = POWERTOOLS_ARN.fullmatch(arn)
    assert match is not None, arn
    assert match.group("partition", "region", "account", "python", "arch", "n") == (
        partition, region, account, "python313", "arm64", "37")


def test_user_set_variables_survive_and_missing_ones_are_added(matrix: Synth) -> None:
    assert variables(matrix.function("Agnostic", "UserSet")) == {
        "POWERTOOLS_SERVICE_NAME": "my-service", "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "true", "TABLE": "t",
        "POWERTOOLS_TRACER_CAPTURE_ERROR": "false"}
    bare = matrix.function("Agnostic", "BareL1")
    assert layers(bare) == [ssm("arm64", "python3.12")]
    assert variables(bare) == {"POWERTOOLS_SERVICE_NAME": "bare", "POWERTOOLS_TRACER_CAPTURE_RESPONSE": "false",
                               "POWERTOOLS_TRACER_CAPTURE_ERROR": "true"}
    for resource in resources_of(matrix.templates["Agnostic"], "AWS::Lambda::Function").values():
        assert all(re.fullmatch(VARIABLE_NAME, name) for name in variables(resource))


def test_hand_made_instrumentation_is_kept(matrix: Synth) -> None:
    mine = matrix.function("Agnostic", "HandPowertools")
    assert layers(mine) == [
        "arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:30"]
    assert kind(mine) == "powertools-tracer" and "POWERTOOLS_SERVICE_NAME" in variables(mine)
    otel = matrix.function("Agnostic", "HandOtel")
    assert "Layers" not in otel["Properties"] and kind(otel) is None
    assert variables(otel) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}
    (warning,) = matrix.warnings_on("Agnostic/HandOtel")
    assert "already instrumented with opentelemetry" in warning and "instrumentationConflict" in warning


@pytest.mark.parametrize(("id", "code"), [
    ("Node", "instrumentationNodejsNeedsOpenTelemetry"),
    ("Java", "instrumentationUnsupportedRuntime"),
    ("Image", "instrumentationContainerImage"),
])
def test_functions_without_a_layer_are_named_in_a_warning(matrix: Synth, id: str, code: str) -> None:
    function = matrix.function("Agnostic", id)
    assert "Layers" not in function["Properties"] and kind(function) is None
    (warning,) = matrix.warnings_on(f"Agnostic/{id}")
    assert f"[ack: @constructs-lib/xray:{code}]" in warning


def test_excluded_and_cdk_internal_functions_are_left_alone(matrix: Synth) -> None:
    for id in ("Excluded", "TracingExcluded"):
        function = matrix.function("Agnostic", id)
        assert "Layers" not in function["Properties"] and "Environment" not in function["Properties"]
        assert kind(function) is None
    internal = [r for r in resources_of(matrix.templates["Agnostic"], "AWS::Lambda::Function").values()
                if "AutoDeleteObjects" in r["Metadata"]["aws:cdk:path"]]
    assert len(internal) == 1 and kind(internal[0]) is None and "Layers" not in internal[0]["Properties"]


def test_opentelemetry_uses_aws_cdk_libs_adot_layers_and_their_wrappers(matrix: Synth) -> None:
    py312 = matrix.function("OtelEuWest1", "Py312")
    assert layers(py312) == ["arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-amd64-ver-1-29-0:1"]
    assert variables(py312) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}
    assert kind(py312) == "opentelemetry"
    node = matrix.function("OtelEuWest1", "NodeArm")
    (arn,) = layers(node)
    assert re.fullmatch(r"arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-nodejs-arm64-ver-1-30-\d+:\d+", arn)
    assert variables(node) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-handler"}
    # Environment-agnostic: aws-cdk-lib's regional lookup; the nearest enable (on the function) decides.
    child = matrix.function("Agnostic", "OtelChild")
    assert json.dumps(layers(child)).count("aws-otel-python-amd64-ver-1-29-0") == 1
    assert variables(child) == {"OTEL_SERVICE_NAME": "child", "AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}
    (warning,) = matrix.warnings_on("OtelEuWest1/Py314Arm")
    assert "document Python 3.8 to 3.13, not python3.14" in warning
    assert kind(matrix.function("OtelEuWest1", "Py314Arm")) == "opentelemetry"


def test_a_user_set_exec_wrapper_wins(matrix: Synth) -> None:
    function = matrix.function("OtelEuWest1", "WrapperSet")
    assert "Layers" not in function["Properties"] and kind(function) is None
    assert variables(function) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/my-wrapper"}
    (warning,) = matrix.warnings_on("OtelEuWest1/WrapperSet")
    assert "instrumentationWrapperConflict" in warning


def test_a_hand_set_wrapper_of_the_same_kind_still_gets_its_layer(matrix: Synth) -> None:
    function = matrix.function("OtelEuWest1", "WrapperOnly")
    assert layers(function) == ["arn:aws:lambda:eu-west-1:901920570463:layer:aws-otel-python-amd64-ver-1-29-0:1"]
    assert variables(function) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}
    assert kind(function) == "opentelemetry" and matrix.warnings_on("OtelEuWest1/WrapperOnly") == []


def test_the_application_signals_layer_is_an_arn_you_pass(matrix: Synth) -> None:
    function = matrix.function("Distro", "Py314")
    assert layers(function) == ["arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroPython:16"]
    assert variables(function) == {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}
    assert matrix.warnings_on("Distro/Py314") == []


def test_every_instrumented_function_has_exactly_one_instrumentation_layer(matrix: Synth) -> None:
    for template in matrix.templates.values():
        for resource in resources_of(template, "AWS::Lambda::Function").values():
            instrumentation_layers = [layer for layer in layers(resource) if re.search(
                r"(?i)powertools|aws-otel-|AWSOpenTelemetryDistro", json.dumps(layer))]
            assert len(instrumentation_layers) == (1 if kind(resource) else 0), resource
            if kind(resource):
                assert detect_instrumentation(resource) is InstrumentationKind(kind(resource))


def test_no_aspect_is_added_by_an_aspect(matrix: Synth) -> None:
    assert not [m for _, m in matrix.warnings if "Aspect" in m and "added" in m]


# -- errors -----------------------------------------------------------------------------------------------------
def _fails(tmp_path: Path, build: Callable[[App], None]) -> str:
    app = new_app(tmp_path)
    build(app)
    # Raised in the aspect, the error reaches Python again through jsii, which keeps its message, not its class.
    with pytest.raises((XRayValidationError, RuntimeError)) as error:
        app.synth()
    return str(error.value)


def test_a_region_without_any_powertools_layer_is_an_error(tmp_path: Path) -> None:
    def build(app: App) -> None:
        stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="ap-east-2"))
        python_function(stack, "Fn")
        LambdaInstrumentation.enable(app)

    message = _fails(tmp_path, build)
    assert message.startswith("S/Fn/Resource: Powertools for AWS Lambda (Python) publishes no layer in region "
                              "'ap-east-2'")
    assert "layer_arn" in message


def _full(stack: Stack) -> lambda_.Function:
    function = python_function(stack, "Full")
    for n in range(5):
        function.add_layers(lambda_.LayerVersion.from_layer_version_arn(
            stack, f"L{n}", f"arn:aws:lambda:eu-west-1:{ACCOUNT}:layer:mine-{n}:1"))
    return function


@pytest.mark.parametrize(("region", "make", "mode", "messages"), [
    ("us-gov-west-1", lambda s: python_function(s, "Fn", arm=True), None, [
        "S/Fn/Resource: Powertools publishes a layer in us-gov-west-1 but no SSM parameter",
        "arn:aws-us-gov:lambda:us-gov-west-1:165093116878:layer:AWSLambdaPowertoolsPythonV3-python314-arm64:N"]),
    ("mx-central-1", lambda s: python_function(s, "Fn", runtime=lambda_.Runtime.PYTHON_3_12), OpenTelemetry(), [
        "S/Fn/Resource: aws-cdk-lib knows no ADOT layer of this version in region 'mx-central-1'"]),
], ids=["layer-only region without layer_version", "ADOT region unknown to aws-cdk-lib"])
def test_what_cannot_deploy_is_an_error_naming_the_function(
    tmp_path: Path, region: str | None, make: Callable[[Stack], lambda_.Function],
    mode: OpenTelemetry | None, messages: list[str],
) -> None:
    env = Environment(account=ACCOUNT, region=region) if region else None
    function = make(Stack(new_app(tmp_path), "S", env=env))
    with pytest.raises(XRayValidationError) as error:  # apply: at once, no synth needed
        LambdaInstrumentation.apply(function, mode=mode)
    for message in messages:
        assert message in str(error.value)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: PowertoolsTracer(version="latest"), "version must be a Powertools release from 3.4.0 on"),
    (lambda: PowertoolsTracer(version="3.3.0"), "got '3.3.0'"),
    (lambda: PowertoolsTracer(version="2.43.1"), "got '2.43.1'"),
    (lambda: PowertoolsTracer(layer_version=0), "layer_version must be an integer of at least 1, got 0"),
    (lambda: PowertoolsTracer(capture_response="no"), "capture_response must be True or False, got 'no'"),
    (lambda: PowertoolsTracer(service_name=""), "service_name must be 1 to 1024 characters long"),
    (lambda: PowertoolsTracer(layer_arn="arn:aws:lambda:eu-west-1:1:layer:x"), "layer_arn must be a Lambda layer"),
    (lambda: OpenTelemetry(python_layer_arn="AWSOpenTelemetryDistroPython:16"), "python_layer_arn must be a Lambda"),
    (lambda: OpenTelemetry(python_layer=lambda_.AdotLambdaLayerJavaScriptSdkVersion.V1_30_0),
     "python_layer must be an aws_lambda.AdotLambdaLayerPythonSdkVersion"),
    (lambda: LambdaInstrumentation(mode="powertools"), "mode must be PowertoolsTracer(...) or OpenTelemetry(...)"),
])
def test_bad_settings_are_rejected_naming_the_field(make: Callable[[], object], message: str) -> None:
    with pytest.raises(XRayValidationError, match=re.escape(message)):
        make()


# -- one function, from inside another aspect -------------------------------------------------------------------
@jsii.implements(IAspect)
class _UsersOwnAspect:
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, lambda_.Function):
            LambdaInstrumentation.apply(node, mode=PowertoolsTracer(service_name="from-my-aspect"))


def test_apply_instruments_one_function_from_inside_a_users_aspect(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="eu-west-1"))
    python_function(stack, "Fn", arm=True)
    Aspects.of(stack).add(_UsersOwnAspect())
    LambdaInstrumentation.enable(app)  # sees the Metadata entry and leaves the function as apply made it
    result = synth(app)
    function = result.function("S", "Fn")
    assert layers(function) == [ssm("arm64", "python3.14")]
    assert variables(function)["POWERTOOLS_SERVICE_NAME"] == "from-my-aspect"
    assert result.warnings == []


# -- the template tells, for the service map ---------------------------------------------------------------------
@pytest.mark.parametrize(("resource", "expected"), [
    ({"Metadata": {INSTRUMENTATION_METADATA_KEY: "opentelemetry"}}, InstrumentationKind.OPENTELEMETRY),
    ({"Properties": {"Layers": [ssm("arm64", "python3.13")]}}, InstrumentationKind.POWERTOOLS_TRACER),
    ({"Properties": {"Layers": ["arn:aws:lambda:eu-west-1:094274105915:layer:AWSLambdaPowertoolsTypeScriptV2:44"]}},
     InstrumentationKind.POWERTOOLS_TRACER),
    ({"Properties": {"Layers": [ssm("arm64", "python3.13")],
                     "Environment": {"Variables": {"POWERTOOLS_TRACE_DISABLED": "true"}}}}, None),
    ({"Properties": {"Layers": [{"Fn::Join": ["", ["arn:aws:lambda:", {"Ref": "AWS::Region"},
                                                   ":901920570463:layer:aws-otel-python-amd64-ver-1-29-0:1"]]}]}},
     InstrumentationKind.OPENTELEMETRY),
    ({"Properties": {"Environment": {"Variables": {"AWS_LAMBDA_EXEC_WRAPPER": "/opt/otel-instrument"}}}},
     InstrumentationKind.OPENTELEMETRY),
    ({"Properties": {"Layers": ["arn:aws:lambda:eu-west-1:111111111111:layer:pandas:3"]}}, None),
    ({"Properties": {}}, None),
])
def test_detect_instrumentation_from_the_template(resource: dict[str, Any],
                                                  expected: InstrumentationKind | None) -> None:
    assert detect_instrumentation({"Type": "AWS::Lambda::Function", **resource}) is expected


def test_the_sample_app_marks_every_function(sample_app: Any) -> None:
    for stack, template in sample_app.templates.items():
        functions = resources_of(template, "AWS::Lambda::Function")
        assert functions, stack
        for resource in functions.values():
            assert detect_instrumentation(resource) is InstrumentationKind.POWERTOOLS_TRACER
            assert layers(resource) == [ssm("arm64", "python3.14")]


# -- pins and plumbing ------------------------------------------------------------------------------------------------
def test_the_pinned_release_is_the_one_tests_and_the_emulator_use() -> None:
    constraints = (ROOT / "constraints.txt").read_text()
    assert f"aws-lambda-powertools=={DEFAULT_POWERTOOLS_VERSION}\n" in constraints
    install = (ROOT / "emulator" / "install.sh").read_text()
    assert f"'aws-lambda-powertools=={DEFAULT_POWERTOOLS_VERSION}'" in install
    assert importlib.metadata.version("aws-lambda-powertools") == DEFAULT_POWERTOOLS_VERSION


def test_ssm_parameter_paths_follow_the_documented_format() -> None:
    # powertools-lambda-python#7689 and the update_ssm workflow's own example.
    assert powertools_ssm_parameter("x86_64", "python3.13", "3.23.0") == (
        "/aws/service/powertools/python/x86_64/python3.13/3.23.0")
    assert powertools_ssm_parameter("arm64", "python3.14", "3.1.0") == (
        "/aws/service/powertools/python/arm64/python3.14/3.1.0")
    assert {"us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1"} <= POWERTOOLS_SSM_REGIONS
    assert not POWERTOOLS_SSM_REGIONS & {"me-south-1", "cn-north-1", "us-gov-west-1"}


def test_the_environment_of_an_l2_function_is_read_as_rendered(tmp_path: Path) -> None:
    # jsii hands Python an L2's lazy environment as an empty struct; rendered_property must see the variables.
    stack = Stack(new_app(tmp_path), "S")
    function = python_function(stack, "Fn", environment={"A": "1"})
    function.add_environment("B", lazy_string(lambda: "late"))
    cfn = function.node.default_child
    assert rendered_property(cfn, "environment") == {"variables": {"A": "1", "B": "late"}}
    assert rendered_property(cfn, "layers") is None


def test_instrumentation_adds_no_cfn_lint_finding(tmp_path: Path) -> None:
    def template(instrument: bool) -> Path:
        app = new_app(tmp_path / str(instrument))
        stack = Stack(app, "Agnostic")  # the SSM dynamic reference and aws-cdk-lib's regional ADOT lookup
        python_function(stack, "Py", arm=True, environment={"TABLE": "t"})
        node = lambda_.Function(stack, "Node", runtime=lambda_.Runtime.NODEJS_22_X, handler="index.handler",
                                code=lambda_.Code.from_inline("exports.handler=0"))
        if instrument:
            LambdaInstrumentation.enable(stack)
            LambdaInstrumentation.enable(node, mode=OpenTelemetry())
        app.synth()
        return tmp_path / str(instrument) / "Agnostic.template.json"

    def findings(path: Path) -> list[str]:
        matches = lint_file(path, config=ManualArgs(regions=["us-east-1", "eu-west-1"], ignore_checks=["W3005"]))
        return sorted(f"{m.rule.id} {m.message}" for m in matches)

    plain, instrumented = template(False), template(True)
    assert "/aws/service/powertools/python/arm64/python3.14/" in instrumented.read_text()
    assert "aws-otel-nodejs" in instrumented.read_text()
    assert findings(instrumented) == findings(plain)


# -- review fixes: Stages created later, raw overrides on a bare function, a layer of another region ---------------
def test_a_stage_created_after_enable_is_an_error_not_a_silent_gap(tmp_path: Path) -> None:
    def build(app: App) -> None:
        LambdaInstrumentation.enable(app)
        python_function(Stack(Stage(app, "Prod"), "S"), "Fn")

    assert "Stage 'Prod' was created after LambdaInstrumentation.enable" in _fails(tmp_path, build)


def test_a_stage_inside_a_stack_is_instrumented_when_it_exists_before_enable(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    pipeline = Stack(app, "Pipeline")
    python_function(pipeline, "PipelineStep")
    stage = Stage(pipeline, "Prod")  # the CDK Pipelines layout: Stages inside the pipeline stack
    python_function(Stack(stage, "S", env=Environment(account=ACCOUNT, region="eu-west-1")), "Fn")
    LambdaInstrumentation.enable(app)
    template = app.synth().get_nested_assembly(stage.artifact_id).get_stack_by_name("Prod-S").template
    (function,) = resources_of(template, "AWS::Lambda::Function").values()
    assert function["Metadata"][INSTRUMENTATION_METADATA_KEY] == "powertools-tracer"


def test_a_raw_override_on_a_bare_function_still_wins(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="eu-west-1"))
    bare = lambda_.CfnFunction(stack, "Bare", role=f"arn:aws:iam::{ACCOUNT}:role/r", runtime="python3.12",
                               handler="i.h", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                               environment=lambda_.CfnFunction.EnvironmentProperty(variables={"APP_ENV": "1"}))
    bare.add_property_override("Environment.Variables.POWERTOOLS_SERVICE_NAME", "mine")
    LambdaInstrumentation.enable(app)
    found = variables(app.synth().get_stack_by_name("S").template["Resources"]["Bare"])
    assert found["APP_ENV"] == "1" and found["POWERTOOLS_SERVICE_NAME"] == "mine"
    assert found["POWERTOOLS_TRACER_CAPTURE_RESPONSE"] == "false"


@pytest.mark.parametrize(("mode", "field"), [
    (PowertoolsTracer(layer_arn="arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-"
                                "python312-x86_64:7"), "layer_arn"),
    (OpenTelemetry(python_layer_arn="arn:aws:lambda:us-east-1:615299751070:layer:AWSOpenTelemetryDistroPython:16"),
     "python_layer_arn"),
])
def test_a_layer_of_another_region_is_an_error(tmp_path: Path, mode: PowertoolsTracer | OpenTelemetry,
                                               field: str) -> None:
    function = python_function(Stack(new_app(tmp_path), "S", env=Environment(account=ACCOUNT, region="eu-west-1")),
                               "Fn", runtime=lambda_.Runtime.PYTHON_3_12)
    with pytest.raises(XRayValidationError, match=f"S/Fn/Resource: {field} 'arn:aws:lambda:us-east-1:.* is a layer "
                                                  "of region us-east-1, but the function deploys to eu-west-1"):
        LambdaInstrumentation.apply(function, mode=mode)


def test_an_environment_that_cannot_be_read_leaves_the_function_alone(tmp_path: Path) -> None:
    # What jsii hands over for an L2's lazy environment when it cannot be read: an empty struct. Fail closed.
    app = new_app(tmp_path)
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="eu-west-1"))
    bare = lambda_.CfnFunction(stack, "Bare", role=f"arn:aws:iam::{ACCOUNT}:role/r", runtime="python3.12",
                               handler="i.h", code=lambda_.CfnFunction.CodeProperty(zip_file="x"),
                               environment=lambda_.CfnFunction.EnvironmentProperty())
    assert LambdaInstrumentation.apply(bare) is None
    assert bare.get_metadata(INSTRUMENTATION_METADATA_KEY) is None


@pytest.mark.parametrize(("make", "code", "text"), [
    (lambda s: python_function(s, "Old", runtime=lambda_.Runtime.PYTHON_3_9), "instrumentationUnsupportedRuntime",
     "Powertools for AWS Lambda (Python) v3 publishes no layer for python3.9"),
    (_full, "instrumentationTooManyLayers", "The function already has 5 layers, Lambda's limit"),
], ids=["python3.9", "sixth layer"])
def test_a_function_that_deploys_but_cannot_be_instrumented_is_a_warning(
    tmp_path: Path, make: Callable[[Stack], lambda_.Function], code: str, text: str
) -> None:
    app = new_app(tmp_path)
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="eu-west-1"))
    function = make(stack)
    LambdaInstrumentation.enable(app)  # on an app nobody here wrote: the synth goes on
    result = synth(app)
    assert INSTRUMENTATION_METADATA_KEY not in json.dumps(result.templates["S"])
    found = result.warnings_on(function.node.path)
    assert any(f"@constructs-lib/xray:{code}" in w and text in w for w in found), found


def test_enable_on_the_l1_of_an_l2_instruments_it_through_the_l2(tmp_path: Path) -> None:
    """The pass finds a function's L2 from the walk; when ``enable`` is given the L1 itself, the walk starts
    below the L2, which is then looked up (the layer and variables go through the L2, as for any L2)."""
    app = App(outdir=str(tmp_path), context=cdk_context())
    stack = Stack(app, "S", env=Environment(account=ACCOUNT, region="eu-west-1"))
    fn = lambda_.Function(stack, "Fn", runtime=lambda_.Runtime.PYTHON_3_13, handler="index.handler",
                          code=lambda_.Code.from_inline("def handler(e, c): 0"), environment={"TABLE": "t"})
    LambdaInstrumentation.enable(fn.node.default_child)  # type: ignore[arg-type]
    props = next(r for r in resources_of(app.synth().get_stack_by_name("S").template, "AWS::Lambda::Function")
                 .values())["Properties"]
    assert len(props["Layers"]) == 1
    variables = props["Environment"]["Variables"]
    assert variables["TABLE"] == "t" and variables["POWERTOOLS_SERVICE_NAME"] == "S-Fn"
