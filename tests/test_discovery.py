"""discovery: what X-Ray can trace, and the one definition of "a Lambda function CDK made for itself", in the
construct tree and in a synthesized template (with and without ``aws:cdk:path`` metadata)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, CfnResource, CustomResource, Duration, NestedStack, RemovalPolicy, Stack, triggers
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigatewayv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from aws_cdk import aws_s3_notifications as s3n
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import custom_resources as cr

import constructs_lib
from constructs_lib import ServiceKind, is_cdk_internal_function, is_cdk_internal_resource, kind_of, traced_resources

from .conftest import cdk_context, resources_of

INLINE = lambda_.Code.from_inline("def handler(event, context):\n    return {}\n")


def function(scope: Any, id: str, **kwargs: Any) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_14, handler="index.handler", code=INLINE,
                            **kwargs)


def sdk_call() -> cr.AwsSdkCall:
    return cr.AwsSdkCall(service="SSM", action="getParameter", parameters={"Name": "/app/config"},
                         physical_resource_id=cr.PhysicalResourceId.of("config"))


@dataclass(frozen=True)
class Kinds:
    """One app with every kind of Lambda function: the user's own and each kind CDK creates for itself."""

    app: App
    stack: Stack
    nested: NestedStack
    functions: dict[str, CfnResource]  # construct path -> function, for every function in the app
    templates: dict[str, dict[str, Any]]  # stack name / nested template file -> template


@pytest.fixture(scope="module")
def kinds(tmp_path_factory: pytest.TempPathFactory) -> Kinds:
    outdir = tmp_path_factory.mktemp("kinds") / "cdk.out"
    app = App(outdir=str(outdir), context={"aws:cdk:enable-path-metadata": True})  # as the CDK CLI sets it
    stack = Stack(app, "Kinds", env={"account": "111111111111", "region": "eu-west-1"})
    # the user's own functions, in shapes that resemble CDK's
    user = function(stack, "User")
    function(stack, "CustomerFunction")  # starts with "Custom", like CDK's Custom:: providers
    function(stack, "Framework")
    triggers.TriggerFunction(stack, "SeedFunction", runtime=lambda_.Runtime.PYTHON_3_14,
                             handler="index.handler", code=INLINE)
    bare_role = iam.CfnRole(stack, "BareRole", assume_role_policy_document={"Statement": [{
        "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})
    lambda_.CfnFunction(stack, "Bare", role=bare_role.attr_arn, runtime="python3.14", handler="index.handler",
                        code=lambda_.CfnFunction.CodeProperty(zip_file="def handler(e, c): pass"))
    # CDK's own
    cr.AwsCustomResource(stack, "ReadConfig", on_create=sdk_call(),
                         policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                             resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE))
    bucket = s3.Bucket(stack, "Site", auto_delete_objects=True, removal_policy=RemovalPolicy.DESTROY)
    s3deploy.BucketDeployment(stack, "Deploy", sources=[s3deploy.Source.data("index.html", "hi")],
                              destination_bucket=bucket)
    bucket.add_event_notification(s3.EventType.OBJECT_CREATED, s3n.SnsDestination(sns.Topic(stack, "Uploads")))
    function(stack, "Logged", log_retention=logs.RetentionDays.ONE_WEEK)
    triggers.Trigger(stack, "RunUser", handler=user)
    provider = cr.Provider(stack, "Provider", on_event_handler=function(stack, "OnEvent"),
                           is_complete_handler=function(stack, "IsComplete"), query_interval=Duration.seconds(10))
    CustomResource(stack, "Thing", service_token=provider.service_token)
    lambda_.SingletonFunction(stack, "MySingleton", uuid="0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                              lambda_purpose="Cleanup", runtime=lambda_.Runtime.PYTHON_3_14,
                              handler="index.handler", code=INLINE)
    nested = NestedStack(stack, "Nested")
    function(nested, "NestedUser")
    cr.AwsCustomResource(nested, "NestedRead", on_create=sdk_call(),
                         policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
                             resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE))
    assembly = app.synth()
    templates = {"Kinds": assembly.get_stack_by_name("Kinds").template}
    for path in outdir.glob("*.nested.template.json"):
        templates[path.name] = __import__("json").loads(path.read_text())
    functions = {f.node.path: f for f in traced_resources(app) if kind_of(f) is ServiceKind.LAMBDA_FUNCTION}
    return Kinds(app=app, stack=stack, nested=nested, functions=functions, templates=templates)


# Each kind of function, by its construct path, and whether CDK made it for itself.
FUNCTION_KINDS = {
    "Kinds/User/Resource": False,
    "Kinds/CustomerFunction/Resource": False,
    "Kinds/Framework/Resource": False,
    "Kinds/SeedFunction/Resource": False,  # a triggers.TriggerFunction is the user's code
    "Kinds/Bare": False,
    "Kinds/Logged/Resource": False,
    "Kinds/OnEvent/Resource": False,  # the user's handlers of a custom-resources Provider
    "Kinds/IsComplete/Resource": False,
    "Kinds/Nested/NestedUser/Resource": False,
    # AwsCustomResource: a SingletonFunction, made at stack level as "AWS" + its UUID
    "Kinds/AWS679f53fac002430cb0da5b7982bd2287/Resource": True,
    "Kinds/Nested/AWS679f53fac002430cb0da5b7982bd2287/Resource": True,
    # BucketDeployment: a SingletonFunction made as "Custom::CDKBucketDeployment" + its UUID
    "Kinds/Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C/Resource": True,
    # Bucket auto-delete: a core CustomResourceProvider, "Custom::...CustomResourceProvider/Handler"
    "Kinds/Custom::S3AutoDeleteObjectsCustomResourceProvider/Handler": True,
    # bucket notifications: "BucketNotificationsHandler" + a UUID, a plain CfnResource
    "Kinds/BucketNotificationsHandler050a0587b7544547bf325f094a3db834/Resource": True,
    # log retention: a SingletonFunction, "LogRetention" + its UUID
    "Kinds/LogRetentionaae0aa3c5b4d4f87b02d85b201efdd8a/Resource": True,
    # triggers.Trigger: the AWSCDK.TriggerCustomResourceProvider
    "Kinds/AWSCDK.TriggerCustomResourceProviderCustomResourceProvider/Handler": True,
    # the custom-resources Provider framework
    "Kinds/Provider/framework-onEvent/Resource": True,
    "Kinds/Provider/framework-isComplete/Resource": True,
    "Kinds/Provider/framework-onTimeout/Resource": True,
    # a SingletonFunction of the user's: in a template it looks exactly like CDK's, so it counts as internal too
    "Kinds/Cleanup0a1b2c3d4e5f4a6b8c7d9e0f1a2b3c4d/Resource": True,
}


def test_the_app_has_exactly_the_expected_functions(kinds: Kinds) -> None:
    assert set(kinds.functions) == set(FUNCTION_KINDS)


@pytest.mark.parametrize("path", FUNCTION_KINDS)
def test_is_cdk_internal_function(kinds: Kinds, path: str) -> None:
    assert is_cdk_internal_function(kinds.functions[path]) is FUNCTION_KINDS[path]


def template_functions(kinds: Kinds) -> dict[str, tuple[str, dict[str, Any]]]:
    """``aws:cdk:path`` -> (logical id, resource) of every function in the synthesized templates."""
    found = {}
    for template in kinds.templates.values():
        for logical_id, resource in resources_of(template, "AWS::Lambda::Function").items():
            found[resource["Metadata"]["aws:cdk:path"]] = (logical_id, resource)
    return found


@pytest.mark.parametrize("path", FUNCTION_KINDS)
def test_is_cdk_internal_resource_agrees_on_the_template(kinds: Kinds, path: str) -> None:
    logical_id, resource = template_functions(kinds)[path]
    assert is_cdk_internal_resource(logical_id, resource, path) is FUNCTION_KINDS[path]


@pytest.mark.parametrize("path", FUNCTION_KINDS)
def test_is_cdk_internal_resource_without_path_metadata_reads_the_logical_id(kinds: Kinds, path: str) -> None:
    logical_id, resource = template_functions(kinds)[path]
    without = {k: v for k, v in resource.items() if k != "Metadata"}
    assert is_cdk_internal_resource(logical_id, without, None) is FUNCTION_KINDS[path]


def test_only_lambda_functions_are_internal_functions() -> None:
    assert is_cdk_internal_resource("AWS679f53fac002430cb0da5b7982bd2287ServiceRoleC1EA0FF2",
                                    {"Type": "AWS::IAM::Role"}, None) is False


# -- kinds ----------------------------------------------------------------------------------------------------------
def test_kind_of_every_service(tmp_path: Path) -> None:
    stack = Stack(App(outdir=str(tmp_path)), "S")
    api = apigateway.RestApi(stack, "Api")
    api.root.add_method("GET", apigateway.MockIntegration())
    nodes = {
        ServiceKind.LAMBDA_FUNCTION: function(stack, "Fn").node.default_child,
        ServiceKind.REST_API_STAGE: api.deployment_stage.node.default_child,
        ServiceKind.SNS_TOPIC: sns.Topic(stack, "Topic").node.default_child,
        ServiceKind.STATE_MACHINE: sfn.StateMachine(stack, "Machine", definition_body=sfn.DefinitionBody
                                                    .from_chainable(sfn.Pass(stack, "Pass"))).node.default_child,
        ServiceKind.HTTP_API: apigatewayv2.HttpApi(stack, "Http").node.default_child,
        ServiceKind.SQS_QUEUE: sqs.Queue(stack, "Queue").node.default_child,
        ServiceKind.LAMBDA_FUNCTION.value: CfnResource(stack, "Plain", type="AWS::Lambda::Function"),
    }
    for kind, node in nodes.items():
        assert node is not None
        assert kind_of(node) is (kind if isinstance(kind, ServiceKind) else ServiceKind.LAMBDA_FUNCTION)
    assert kind_of(stack) is None
    assert kind_of(iam.CfnRole(stack, "Role", assume_role_policy_document={})) is None


def test_traced_resources_leaves_out_what_x_ray_cannot_trace_unless_asked(tmp_path: Path) -> None:
    stack = Stack(App(outdir=str(tmp_path)), "S")
    function(stack, "Fn")
    sqs.Queue(stack, "Queue")
    assert [kind_of(r) for r in traced_resources(stack)] == [ServiceKind.LAMBDA_FUNCTION]
    assert {kind_of(r) for r in traced_resources(stack, include_untraceable=True)} == {
        ServiceKind.LAMBDA_FUNCTION, ServiceKind.SQS_QUEUE}


def test_the_public_names_the_module_docstring_uses_are_exported() -> None:
    for name in ("kind_of", "traced_resources", "ServiceKind", "is_cdk_internal_function",
                 "is_cdk_internal_resource"):
        assert name in constructs_lib.__all__ and hasattr(constructs_lib, name)


# -- the examples in the docstrings of discovery and tracing run ----------------------------------------------------
def docstring_examples(module: Any) -> list[tuple[str, str]]:
    """(name, code) of every ``Example::`` block in a module's docstrings (module, functions, classes, methods)."""
    import inspect
    import textwrap

    owners = [(module.__name__, module)]
    for name in getattr(module, "__all__", []):
        obj = getattr(module, name)
        owners.append((name, obj))
        if inspect.isclass(obj):
            owners += [(f"{name}.{m}", f) for m, f in vars(obj).items() if not m.startswith("_")]
    found = []
    for name, obj in owners:
        doc = inspect.getdoc(obj.__func__ if isinstance(obj, (classmethod, staticmethod)) else obj) or ""
        for block in doc.split("Example::")[1:]:
            lines = block.split("\n")[1:]
            code = []
            for line in lines:
                if line.strip() and not line.startswith(" "):
                    break
                code.append(line)
            found.append((name, textwrap.dedent("\n".join(code))))
    return found


@pytest.mark.parametrize("module_name", ["constructs_lib.discovery", "constructs_lib.tracing"])
def test_docstring_examples_run(tmp_path: Path, module_name: str) -> None:
    import importlib

    import aws_cdk

    module = importlib.import_module(module_name)
    examples = docstring_examples(module)
    assert examples
    for i, (name, code) in enumerate(examples):
        app = App(outdir=str(tmp_path / f"ex{i}"))
        stack = Stack(app, "Example", env={"account": "111111111111", "region": "eu-west-1"})
        namespace = {**{n: getattr(constructs_lib, n) for n in constructs_lib.__all__},
                     **{n: getattr(module, n) for n in getattr(module, "__all__", [])},
                     "App": App, "Stack": Stack, "Environment": aws_cdk.Environment, "lambda_": lambda_,
                     "app": app, "stack": stack, "fn": function(stack, "Fn")}
        exec(compile(code, f"{module_name}:{name}", "exec"), namespace)


def test_path_of_is_the_construct_path_for_every_construct_of_the_sample_app(tmp_path: Path) -> None:
    """``path_of`` reads a generated L1's path from ``toString()`` (one call instead of two): it must be exactly
    ``node.path``, for every construct kind the sample app has, CDK's own plain ``CfnResource``s included, after
    the passes ran (synthesis) too."""
    from constructs_lib.discovery import _PATHS, path_of, paths_of
    from sample_stacks import build_sample_app

    app = App(outdir=str(tmp_path), context=cdk_context())
    build_sample_app(app, nag=False)
    app.synth()
    nodes = app.node.find_all()
    expected = [n.node.path for n in nodes]
    for node in nodes:
        _PATHS.pop(str(node.__jsii_ref__.ref), None)
    assert [path_of(n) for n in nodes] == expected
    for node in nodes:
        _PATHS.pop(str(node.__jsii_ref__.ref), None)
    assert paths_of(nodes) == expected  # read together: toString() batched for the L1s, node.path for the rest
