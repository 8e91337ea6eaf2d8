"""Find the resources X-Ray can trace (and the ones it cannot) in a construct tree.

Discovery works on CloudFormation resources (L1s), so it reaches everything: L2 constructs, bare ``Cfn*`` classes
and the functions CDK creates itself (custom-resource providers, log retention, bucket auto-delete), which are
plain ``CfnResource`` objects of type ``AWS::Lambda::Function``.

Example::

    for resource in traced_resources(stack):
        print(resource.kind, resource.node.path)
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

from aws_cdk import CfnResource, Stack, Token
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct


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


def kind_of(node: IConstruct) -> ServiceKind | None:
    """The :class:`ServiceKind` of a CloudFormation resource, or None for anything else."""
    if not isinstance(node, CfnResource):
        return None
    return _BY_TYPE.get(node.cfn_resource_type)


def traced_resources(scope: IConstruct, *, include_untraceable: bool = False) -> Iterator[CfnResource]:
    """Every CloudFormation resource under ``scope`` whose service X-Ray can trace.

    With ``include_untraceable`` the HTTP APIs and SQS queues are included too.
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


def is_cdk_internal_function(function: CfnResource) -> bool:
    """True for Lambda functions CDK makes for itself: plain ``CfnResource`` functions (custom-resource
    providers, log retention, auto-delete), ``SingletonFunction``s, bucket-notification handlers and the
    ``custom_resources.Provider`` framework functions.

    Example::

        [fn for fn in traced_resources(app) if not is_cdk_internal_function(fn)]
    """
    if not isinstance(function, lambda_.CfnFunction):
        return True
    current: IConstruct | None = function.node.scope
    while current is not None:
        node_id = current.node.id
        if (
            isinstance(current, lambda_.SingletonFunction)
            or node_id.startswith(("SingletonLambda", "BucketNotificationsHandler", "framework-on"))
        ):
            return True
        current = current.node.scope
    return False
