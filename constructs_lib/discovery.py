"""Find the resources X-Ray can trace (and the ones it cannot) in a construct tree.

Discovery works on CloudFormation resources (L1s), so it reaches everything: L2 constructs, bare ``Cfn*`` classes
and the functions CDK creates itself (custom-resource providers, log retention, bucket auto-delete), which are
plain ``CfnResource`` objects of type ``AWS::Lambda::Function``.

Example::

    for resource in traced_resources(stack):
        print(kind_of(resource).label, resource.node.path)   # e.g. "Lambda function Orders/Api/Resource"
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from enum import Enum
from typing import Any

from aws_cdk import CfnResource, Stack, Token
from constructs import IConstruct

from ._pipeline import get_each, invoke_each, methods_batch


class ServiceKind(Enum):
    """A kind of resource the library knows about, by its CloudFormation type."""

    LAMBDA_FUNCTION = "AWS::Lambda::Function"
    REST_API_STAGE = "AWS::ApiGateway::Stage"
    SNS_TOPIC = "AWS::SNS::Topic"
    STATE_MACHINE = "AWS::StepFunctions::StateMachine"
    GRAPHQL_API = "AWS::AppSync::GraphQLApi"
    #: HTTP and WebSocket APIs (API Gateway v2): X-Ray cannot trace them.
    HTTP_API = "AWS::ApiGatewayV2::Api"
    #: SQS has no tracing switch; trace context travels in the ``AWSTraceHeader`` attribute.
    SQS_QUEUE = "AWS::SQS::Queue"

    @property
    def traceable(self) -> bool:
        """True when the service has a tracing switch in CloudFormation."""
        return self not in (ServiceKind.HTTP_API, ServiceKind.SQS_QUEUE)

    @property
    def label(self) -> str:
        """A short human-readable name, e.g. ``Lambda function``."""
        return _LABELS[self]


_LABELS = {
    ServiceKind.LAMBDA_FUNCTION: "Lambda function",
    ServiceKind.REST_API_STAGE: "REST API stage",
    ServiceKind.SNS_TOPIC: "SNS topic",
    ServiceKind.STATE_MACHINE: "state machine",
    ServiceKind.GRAPHQL_API: "GraphQL API",
    ServiceKind.HTTP_API: "HTTP/WebSocket API",
    ServiceKind.SQS_QUEUE: "SQS queue",
}
_BY_TYPE = {kind.value: kind for kind in ServiceKind}


_TYPE_BY_CLASS: dict[type, str | None] = {}


def cfn_type_of(node: CfnResource) -> str:
    """The CloudFormation type of an L1, read from its class where it has one (no call into Node.js: a generated
    ``Cfn*`` class knows its type), from the object for a plain ``CfnResource``."""
    return class_cfn_type(type(node)) or node.cfn_resource_type


def class_cfn_type(cls: type) -> str | None:
    """The CloudFormation type a generated L1 class declares (None for a plain ``CfnResource``), read once.

    Example::

        assert class_cfn_type(aws_lambda.CfnFunction) == "AWS::Lambda::Function"
    """
    if cls not in _TYPE_BY_CLASS:
        name = getattr(cls, "CFN_RESOURCE_TYPE_NAME", None) if cls is not CfnResource else None
        _TYPE_BY_CLASS[cls] = name if isinstance(name, str) else None
    return _TYPE_BY_CLASS[cls]


_PATHS: dict[str, str] = {}  # jsii reference -> construct path (a path never changes; jsii never frees an object)


def path_of(construct: IConstruct) -> str:
    """``construct.node.path``, read from Node.js once per construct for the whole process (the tracing pass, the
    instrumentation, the alarms and the cost estimate all ask it of the same constructs).

    Example::

        from constructs_lib.discovery import path_of

        assert path_of(fn.node.default_child) == fn.node.default_child.node.path
    """
    reference = getattr(construct, "__jsii_ref__", None)
    key = getattr(reference, "ref", None)
    if not isinstance(key, str):
        return construct.node.path
    found = _PATHS.get(key)
    if found is None:
        found = _PATHS[key] = _read_path(construct)
    return found


def child_path(parent_path: str, id: str) -> str:
    """The path of the construct with ``id`` under a parent at ``parent_path``, as constructs computes it (a ``/`` in
    an id becomes ``--``; the root's path is empty).

    Example::

        assert child_path("Orders/Alarms", "AlarmTopic") == "Orders/Alarms/AlarmTopic"
    """
    own = id.replace("/", "--")
    return f"{parent_path}/{own}" if parent_path else own


def note_path(construct: IConstruct, path: str) -> None:
    """Record the path of a construct the caller has just made (:func:`child_path`), for :func:`path_of` to give
    without asking Node.js."""
    key = getattr(getattr(construct, "__jsii_ref__", None), "ref", None)
    if isinstance(key, str):
        _PATHS[key] = path


def paths_of(constructs: list[IConstruct]) -> list[str]:
    """:func:`path_of` for many constructs: those not read yet are read together (``_pipeline``) instead of a
    round trip each: a generated L1's from its ``toString()`` (one request, as :func:`path_of` does), any other's
    from its node (two).

    Example::

        from constructs_lib.discovery import paths_of

        paths_of(stack.node.find_all())   # ["Orders", "Orders/Api", ...]
    """
    missing: dict[str, IConstruct] = {}
    for construct in constructs:
        key = getattr(getattr(construct, "__jsii_ref__", None), "ref", None)
        if isinstance(key, str) and key not in _PATHS:
            missing[key] = construct
    if len(missing) > 1:
        typed = {k: (c, t) for k, c in missing.items()
                 if isinstance(c, CfnResource) and (t := class_cfn_type(type(c))) is not None}
        if len(typed) > 1 and methods_batch():  # else two batched reads beat a round trip each
            texts = invoke_each([(c, "toString", ()) for c, _ in typed.values()])
            for (key, (_, cfn_type)), text in zip(typed.items(), texts, strict=True):
                suffix = f" [{cfn_type}]"
                if isinstance(text, str) and text.endswith(suffix) and len(text) > len(suffix):
                    _PATHS[key] = text[: -len(suffix)]
                    del missing[key]
        if len(missing) > 1:
            nodes = get_each(list(missing.values()), "node")
            _PATHS.update(zip(missing, get_each(nodes, "path"), strict=True))
    return [path_of(c) for c in constructs]


def _read_path(construct: IConstruct) -> str:
    """The path in one call for a generated L1: aws-cdk-lib's ``CfnResource.toString()`` is ``<path> [<type>]``,
    and the class knows the type; anything else, or any other answer, in two (``node``, then ``path``)."""
    if isinstance(construct, CfnResource):
        cfn_type = class_cfn_type(type(construct))
        if cfn_type is not None:
            text = construct.to_string()
            suffix = f" [{cfn_type}]"
            if isinstance(text, str) and text.endswith(suffix) and len(text) > len(suffix):
                return text[: -len(suffix)]
    return construct.node.path


def kind_of(node: IConstruct) -> ServiceKind | None:
    """The :class:`ServiceKind` of a CloudFormation resource, or None for anything else.

    Example::

        assert kind_of(fn.node.default_child) is ServiceKind.LAMBDA_FUNCTION
        assert kind_of(fn.node.default_child).label == "Lambda function"
    """
    if not isinstance(node, CfnResource):
        return None
    return _BY_TYPE.get(cfn_type_of(node))


def traced_resources(scope: IConstruct, *, include_untraceable: bool = False) -> Iterator[CfnResource]:
    """Every CloudFormation resource under ``scope`` whose service X-Ray can trace.

    With ``include_untraceable`` the HTTP APIs and SQS queues are included too.

    Example::

        functions = [r for r in traced_resources(stack) if kind_of(r) is ServiceKind.LAMBDA_FUNCTION]
    """
    for node in scope.node.find_all():
        kind = kind_of(node)
        if kind is not None and (include_untraceable or kind.traceable):
            assert isinstance(node, CfnResource)
            yield node


def cfn_property(resource: CfnResource, name: str) -> Any:
    """A property of an L1 as it will be rendered (resolved), whichever class the L1 is.

    ``name`` is the CloudFormation name (``TracingConfig``). Works for the generated ``Cfn*`` classes and for
    plain ``CfnResource`` objects, which is what CDK uses for its own Lambda functions and roles.
    Raw overrides (``add_property_override``) are not included: they are applied after rendering.
    """
    stack = Stack.of(resource)
    rendered = resource._render_properties(stack.resolve(resource._cfn_properties))
    return rendered.get(name) if isinstance(rendered, dict) else None


def top_level_stack(construct: IConstruct) -> Stack:
    """The deployable stack ``construct`` belongs to: its stack, or for a nested stack, the outermost parent."""
    stack = Stack.of(construct)
    while stack.nested_stack_parent is not None:
        stack = stack.nested_stack_parent
    return stack


def env_key(construct: IConstruct) -> tuple[str, str]:
    """``(account, region)`` that ``construct`` deploys to; ``"*"`` for a part that is a token (env-agnostic).

    Account/region quotas (rules, groups, resource policies) are counted per key: env-agnostic stacks count
    together, as one environment.
    """
    stack = top_level_stack(construct)
    return (
        "*" if Token.is_unresolved(stack.account) else stack.account,
        "*" if Token.is_unresolved(stack.region) else stack.region,
    )


def env_text(key: tuple[str, str]) -> str:
    """How an :func:`env_key` reads in a message: ``account 111111111111, region eu-west-1``."""
    return "environment-agnostic stacks" if key == ("*", "*") else f"account {key[0]}, region {key[1]}"


# -- functions CDK makes for itself ------------------------------------------------------------------------------
# One definition, read from construct paths (``aws:cdk:path``) and, where a template has no path metadata, from
# logical ids (which CDK builds from the path: its alphanumerics, "Resource" left out, plus an 8-character hash).
#
# - ``lambda_.SingletonFunction`` makes its function at stack level, named ``(lambdaPurpose or "SingletonLambda")``
#   plus its UUID without dashes: ``AWS679f53fac002430cb0da5b7982bd2287`` (AwsCustomResource),
#   ``Custom::CDKBucketDeployment<uuid>`` (BucketDeployment), ``LogRetention<uuid>`` (log retention),
#   ``BucketNotificationsHandler<uuid>`` (bucket notifications, a plain CfnResource named the same way).
#   A SingletonFunction of your own looks the same in a template, so it counts as CDK-internal too.
# - ``CustomResourceProvider`` (aws-cdk-lib core) makes ``<id>CustomResourceProvider/Handler``, with ids such as
#   ``Custom::S3AutoDeleteObjectsCustomResourceProvider`` and ``AWSCDK.TriggerCustomResourceProviderCustomResource
#   Provider`` (triggers), ``AWSCDKCfnUtilsProviderCustomResourceProvider`` (CfnJson).
# - The custom-resources ``Provider`` framework makes ``framework-onEvent``, ``framework-isComplete`` and
#   ``framework-onTimeout``.
# - aws-cdk-lib's own nested stacks and constructs are named after their package (``@aws-cdk/...``).
_UUID = r"[0-9a-fA-F]{32}"
_SINGLETON_ID = re.compile(rf"^.+{_UUID}$")
_CDK_PREFIXES = ("Custom::", "AWSCDK", "@aws-cdk")
_PROVIDER_SUFFIX = "CustomResourceProvider"
_FRAMEWORK_IDS = ("framework-onEvent", "framework-isComplete", "framework-onTimeout")
_LOGICAL_ID_HASH = re.compile(r"[0-9A-F]{8}$")
_FRAMEWORK_LOGICAL = tuple(name.replace("-", "") for name in _FRAMEWORK_IDS)
_LAMBDA_TYPE = ServiceKind.LAMBDA_FUNCTION.value


def _internal_path(path: str) -> bool:
    parts = path.split("/")[1:]  # the first part is the stack (or Stage) the function is in
    if not parts:
        return False
    own = parts[-2] if len(parts) > 1 and parts[-1] in ("Resource", "Default") else parts[-1]
    return bool(_SINGLETON_ID.match(own)) or any(
        part.startswith(_CDK_PREFIXES) or part.endswith(_PROVIDER_SUFFIX) or part in _FRAMEWORK_IDS
        for part in parts
    )


def _internal_logical_id(logical_id: str) -> bool:
    bases = {logical_id, _LOGICAL_ID_HASH.sub("", logical_id)}
    return any(
        bool(_SINGLETON_ID.match(base))
        or base.startswith("AWSCDK")
        or f"{_PROVIDER_SUFFIX}Handler" in base
        or base.endswith(_FRAMEWORK_LOGICAL)
        for base in bases
        if base
    )


def is_cdk_internal_resource(logical_id: str, resource: dict[str, Any], path: str | None = None) -> bool:
    """True when a template resource is a Lambda function CDK made for itself (custom-resource providers, log
    retention, bucket notifications and auto-delete, ``AwsCustomResource``, ``BucketDeployment``, triggers, any
    ``SingletonFunction``). The same rules as :func:`is_cdk_internal_function`, for tools that read a cloud
    assembly rather than the construct tree.

    :param logical_id: the resource's logical id in its template.
    :param resource: the resource as the template has it (``Type``, ``Properties``, ``Metadata``).
    :param path: its construct path (``aws:cdk:path``); default: the resource's own ``aws:cdk:path`` metadata.
        Without one, the logical id decides, which is a little less exact (a user's construct whose id ends in 32
        hex digits would count as CDK's).

    Example::

        name = stack.stack_name
        template = app.synth().get_stack_by_name(name).template   # or json.load a template from cdk.out
        mine = [lid for lid, r in template["Resources"].items()
                if r["Type"] == "AWS::Lambda::Function" and not is_cdk_internal_resource(lid, r)]
    """
    if resource.get("Type") != _LAMBDA_TYPE:
        return False
    if path is None:
        metadata = resource.get("Metadata")
        found = metadata.get("aws:cdk:path") if isinstance(metadata, dict) else None
        path = found if isinstance(found, str) else None
    return _internal_path(path) if path is not None else _internal_logical_id(logical_id)


def is_cdk_internal_function(function: CfnResource, *, path: str | None = None) -> bool:
    """True for Lambda functions CDK makes for itself: custom-resource providers (``AwsCustomResource``,
    ``BucketDeployment``, triggers, the custom-resources ``Provider`` framework, ``CustomResourceProvider``), log
    retention, bucket notifications and auto-delete, and any ``SingletonFunction``. It reads the construct path, by
    the rules :func:`is_cdk_internal_resource` applies to a template, so both always agree.

    :param path: ``function.node.path``, when the caller has read it already (saves two calls into Node.js).

    Example::

        mine = [fn for fn in traced_resources(app)
                if kind_of(fn) is ServiceKind.LAMBDA_FUNCTION and not is_cdk_internal_function(fn)]
    """
    return cfn_type_of(function) == _LAMBDA_TYPE and _internal_path(path_of(function) if path is None else path)


__all__ = [
    "ServiceKind",
    "cfn_property",
    "cfn_type_of",
    "env_key",
    "env_text",
    "is_cdk_internal_function",
    "is_cdk_internal_resource",
    "kind_of",
    "path_of",
    "top_level_stack",
    "traced_resources",
]
