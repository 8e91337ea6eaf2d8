"""Turn on AWS X-Ray tracing for everything in a CDK scope with one call.

Example::

    app = App()
    OrdersStack(app, "Orders")
    XRayTracing.enable(app)                       # Active tracing everywhere it exists
    XRayTracing.exclude(legacy_stack.batch_job)   # ...except this subtree

What the aspect does, per CloudFormation resource under the scope:

=============================  ==========================================================================
Lambda function (any kind)     ``TracingConfig.Mode``; X-Ray write permission on its role, in place before
                               the function is created (``DependsOn``)
REST API stage                 ``TracingEnabled``
SNS topic                      ``TracingConfig``; one X-Ray resource policy per account/region for the app
Step Functions state machine   ``TracingConfiguration.Enabled``; X-Ray permissions on its role
AppSync GraphQL API            ``XrayEnabled``
HTTP / WebSocket API           a warning: X-Ray cannot trace API Gateway v2
=============================  ==========================================================================

A value the user set explicitly is kept (``Tracing.PASS_THROUGH`` or ``DISABLED``, ``tracing_enabled=False``...).
``lambda_.Tracing.DISABLED`` renders nothing; the aspect reads it from the props CDK records under the feature flag
``@aws-cdk/core:enableAdditionalMetadataCollection``. Without the flag, call :meth:`XRayTracing.exclude` on such
a function. To force a value over an explicit one, set it on the L1 (``fn.node.default_child.tracing_config =
...``: the role still gets the X-Ray permissions) or use ``add_property_override``, which always wins.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    AspectPriority,
    Aspects,
    CfnResource,
    IAspect,
    Names,
    Stack,
    Stage,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray
from constructs import Construct, IConstruct

from ._validation import XRayValidationError, check_choice, check_length, check_pattern, is_token, warn
from .discovery import ServiceKind, cfn_property, env_key, kind_of, top_level_stack

LAMBDA_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
STATES_XRAY_ACTIONS = (*LAMBDA_XRAY_ACTIONS, "xray:GetSamplingRules", "xray:GetSamplingTargets")
SNS_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets")

_IAM5_REASON = (
    "X-Ray's write and sampling actions (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "
    "GetSamplingTargets) support only Resource '*'."
)


class TracingMode(Enum):
    """How a traced resource takes part in traces.

    ``ACTIVE`` samples requests and records them. ``PASS_THROUGH`` only continues traces an upstream caller
    sampled: Lambda functions and SNS topics get ``PassThrough``, and services without such a mode (REST stages,
    state machines, GraphQL APIs) are left as they are.
    """

    ACTIVE = "Active"
    PASS_THROUGH = "PassThrough"


@jsii.implements(IAspect)
class XRayTracing:
    """The aspect behind :meth:`enable`. Create it through :meth:`enable`, not directly.

    Visiting is idempotent: adding the aspect twice, or on nested scopes, changes nothing more. Where several
    ``enable`` calls cover a resource, the one on the nearest scope decides (the latest, on the same scope).
    """

    def __init__(
        self,
        *,
        mode: TracingMode = TracingMode.ACTIVE,
        sns_resource_policy: bool = True,
        sns_resource_policy_name: str | None = None,
    ) -> None:
        if not isinstance(mode, TracingMode):
            raise XRayValidationError(f"XRayTracing: mode must be a TracingMode, got {mode!r}")
        check_length("XRayTracing", "sns_resource_policy_name", sns_resource_policy_name, minimum=1, maximum=128)
        check_pattern(
            "XRayTracing",
            "sns_resource_policy_name",
            sns_resource_policy_name,
            r"[\w+=,.@-]+",
            "made of letters, digits and + = , . @ - _",
        )
        self.mode = mode
        self.sns_resource_policy = sns_resource_policy
        self.sns_resource_policy_name = sns_resource_policy_name
        self._roles_by_stack: dict[str, dict[str, CfnResource]] = {}

    @classmethod
    def enable(
        cls,
        scope: IConstruct,
        *,
        mode: TracingMode = TracingMode.ACTIVE,
        sns_resource_policy: bool = True,
        sns_resource_policy_name: str | None = None,
    ) -> XRayTracing:
        """Turn on X-Ray tracing for every traceable resource in ``scope`` (an App, Stage, Stack or construct).

        :param mode: ``ACTIVE`` (default) or ``PASS_THROUGH``; see :class:`TracingMode`.
        :param sns_resource_policy: create the X-Ray resource policy that lets SNS send traces (one per
            account/region for the whole app). Turn off when the account already has one: X-Ray allows five.
        :param sns_resource_policy_name: the policy's name; default ``<hosting stack name>-SnsTracing``.

        Example::

            XRayTracing.enable(app)
            XRayTracing.enable(batch_stack, mode=TracingMode.PASS_THROUGH)
        """
        aspect = cls(
            mode=mode,
            sns_resource_policy=sns_resource_policy,
            sns_resource_policy_name=sns_resource_policy_name,
        )
        Aspects.of(scope).add(aspect, priority=AspectPriority.MUTATING)
        # CDK aspects stop at Stage boundaries: carry this one into the Stages under the scope that have none.
        for stage in _stages_under(scope):
            if not _has_tracing_aspect(stage):
                Aspects.of(stage).add(aspect, priority=AspectPriority.MUTATING)
        return aspect

    @staticmethod
    def exclude(scope: IConstruct) -> None:
        """Leave every resource under ``scope`` exactly as it is, whatever ``enable`` covers it.

        Example::

            XRayTracing.exclude(stack.legacy_function)
        """
        if not any(isinstance(a, _Excluded) for a in Aspects.of(scope).all):
            Aspects.of(scope).add(_Excluded(scope.node.path), priority=AspectPriority.MUTATING)

    # -- the aspect ---------------------------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        kind = kind_of(node)
        if isinstance(node, Stage):
            self._check_stages_covered(node)
        if kind is None:
            if _is_imported_function(node) and self._governs(node):
                warn(
                    node,
                    "importedFunction",
                    "This Lambda function is imported, so X-Ray tracing cannot be turned on here. "
                    "Enable it where the function is defined.",
                )
            return
        if not self._governs(node):
            return
        assert isinstance(node, CfnResource)
        getattr(self, _HANDLERS[kind])(node)

    def _check_stages_covered(self, node: Stage) -> None:
        for child in node.node.children:
            if isinstance(child, Stage) and not _has_tracing_aspect(child):
                raise XRayValidationError(
                    f"XRayTracing: Stage '{child.node.path}' was created after XRayTracing.enable was called on "
                    f"'{node.node.path or 'the app'}', and CDK aspects do not cross Stage boundaries, so nothing "
                    "in it would be traced. Call XRayTracing.enable after creating the Stage, or on the Stage "
                    "(XRayTracing.exclude(stage) to leave it untraced)."
                )

    @staticmethod
    def is_excluded(node: IConstruct) -> bool:
        """True when ``node`` is under a subtree passed to :meth:`exclude` with no ``enable`` closer to it.

        Example::

            XRayTracing.exclude(stack.legacy)
            XRayTracing.is_excluded(stack.legacy.node.default_child)   # True
        """
        return isinstance(_nearest_decision(node), _Excluded)

    def _governs(self, node: IConstruct) -> bool:
        """True when this aspect is the nearest ``enable`` (and no ``exclude``) above ``node``."""
        return _nearest_decision(node) is self

    # -- per service ---------------------------------------------------------------------------------------
    def _lambda(self, fn: CfnResource) -> None:
        l2 = fn.node.scope if isinstance(fn.node.scope, lambda_.Function) else None
        l2_tracing = _l2_prop(l2, "tracing")
        if l2_tracing == "Disabled":  # as aws-cdk-lib records lambda_.Tracing.DISABLED
            return  # the user turned tracing off on the L2
        explicit = _validated_mode(fn, "TracingConfig", "Mode", ("Active", "PassThrough"))
        if explicit is None:
            _set(fn, "tracing_config", {"mode": self.mode.value}, "TracingConfig", {"Mode": self.mode.value})
        if l2_tracing is not None:
            return  # the L2 set tracing from its prop, and granted the X-Ray actions with it
        self._grant(fn, l2.role if l2 is not None else None, "Role", LAMBDA_XRAY_ACTIONS, "Lambda")

    def _state_machine(self, machine: CfnResource) -> None:
        l2 = machine.node.scope if isinstance(machine.node.scope, sfn.StateMachine) else None
        l2_tracing = _l2_prop(l2, "tracingEnabled")
        if l2_tracing is False:
            return  # the user turned tracing off on the L2
        config = cfn_property(machine, "TracingConfiguration")
        enabled = config.get("Enabled") if isinstance(config, dict) else None
        if enabled is None and config is not None and not isinstance(config, dict):
            return  # a token: the user decided
        if enabled is None and self.mode is TracingMode.ACTIVE:
            _set(machine, "tracing_configuration", {"enabled": True}, "TracingConfiguration", {"Enabled": True})
            enabled = True
        if enabled is not True:
            return
        if l2_tracing is True:
            return  # the L2 set tracing from its prop, and granted the X-Ray actions with it
        self._grant(machine, l2.role if l2 is not None else None, "RoleArn", STATES_XRAY_ACTIONS, "States")

    def _rest_stage(self, stage: CfnResource) -> None:
        if cfn_property(stage, "TracingEnabled") is None and self.mode is TracingMode.ACTIVE:
            _set(stage, "tracing_enabled", True, "TracingEnabled", True)

    def _graphql_api(self, api: CfnResource) -> None:
        if cfn_property(api, "XrayEnabled") is None and self.mode is TracingMode.ACTIVE:
            _set(api, "xray_enabled", True, "XrayEnabled", True)

    def _sns_topic(self, topic: CfnResource) -> None:
        explicit = _validated_mode(topic, "TracingConfig", None, ("Active", "PassThrough"))
        if explicit is None:
            _set(topic, "tracing_config", self.mode.value, "TracingConfig", self.mode.value)
        if (explicit or self.mode.value) == "Active" and self.sns_resource_policy:
            SnsTracingResourcePolicy.ensure(topic, policy_name=self.sns_resource_policy_name)

    def _http_api(self, api: CfnResource) -> None:
        protocol = cfn_property(api, "ProtocolType") or "HTTP"
        warn(
            api,
            "httpApiNotTraceable",
            f"X-Ray cannot trace API Gateway {protocol} APIs (API Gateway v2): requests through this API start "
            "no trace. The Lambda functions behind it are still traced, each as its own trace root. "
            "Use a REST API (apigateway.RestApi) where you need the API in the trace.",
        )

    # -- permissions ---------------------------------------------------------------------------------------
    def _grant(
        self,
        resource: CfnResource,
        l2_role: iam.IRole | None,
        role_property: str,
        actions: tuple[str, ...],
        suffix: str,
    ) -> None:
        role_resource = self._role_resource(resource, l2_role, role_property)
        if role_resource is None:
            warn(
                resource,
                "importedRole",
                "The execution role is not defined in this app, so the X-Ray permissions could not be added. "
                f"Grant {', '.join(actions)} on '*' to the role yourself, or tracing will fail.",
            )
            return
        policy = _XRayWritePolicy.of(Stack.of(role_resource), actions, suffix)
        policy.attach(role_resource)
        resource.node.add_dependency(policy)

    def _role_resource(
        self, resource: CfnResource, l2_role: iam.IRole | None, role_property: str
    ) -> CfnResource | None:
        """The role resource a function or state machine runs as, when this app defines it."""
        if l2_role is not None:
            child = l2_role.node.default_child
            return child if isinstance(child, CfnResource) else None
        reference = cfn_property(resource, role_property)
        if not (isinstance(reference, dict) and "Fn::GetAtt" in reference):
            return None
        logical_id = reference["Fn::GetAtt"][0]
        stack = Stack.of(resource)
        roles = self._roles_by_stack.get(stack.node.path)
        if roles is None or logical_id not in roles:  # first look, or a role added since: index the stack again
            roles = self._roles_by_stack[stack.node.path] = {
                stack.resolve(node.logical_id): node
                for node in stack.node.find_all()
                if isinstance(node, CfnResource)
                and (isinstance(node, iam.CfnRole) or type(node) is CfnResource)
                and node.cfn_resource_type == "AWS::IAM::Role"
                and Stack.of(node).node.path == stack.node.path
            }
        return roles.get(logical_id)

    def _sqs_queue(self, queue: CfnResource) -> None:
        """SQS has no tracing switch: context travels in the ``AWSTraceHeader`` message attribute."""


_HANDLERS = {
    ServiceKind.LAMBDA_FUNCTION: "_lambda",
    ServiceKind.STATE_MACHINE: "_state_machine",
    ServiceKind.REST_API_STAGE: "_rest_stage",
    ServiceKind.GRAPHQL_API: "_graphql_api",
    ServiceKind.SNS_TOPIC: "_sns_topic",
    ServiceKind.HTTP_API: "_http_api",
    ServiceKind.SQS_QUEUE: "_sqs_queue",
}


#: Construct metadata on each traceable resource ``XRayTracing.exclude`` governs (data: the excluded scope's path),
#: so that readers of the cloud assembly (``constructs_lib.report``) can tell "left alone on purpose".
EXCLUDED_METADATA_TYPE = "constructs-lib:xray:excluded"


@jsii.implements(IAspect)
class _Excluded:
    """Marker placed by :meth:`XRayTracing.exclude`: it changes no template, and records in the cloud assembly
    each traceable resource it governs (:data:`EXCLUDED_METADATA_TYPE`)."""

    def __init__(self, scope_path: str) -> None:
        self.scope_path = scope_path

    def visit(self, node: IConstruct) -> None:
        kind = kind_of(node)
        if kind is not None and kind.traceable and _nearest_decision(node) is self \
                and not any(entry.type == EXCLUDED_METADATA_TYPE for entry in node.node.metadata):
            node.node.add_metadata(EXCLUDED_METADATA_TYPE, self.scope_path)


class SnsTracingResourcePolicy(Construct):
    """The X-Ray resource policy that lets SNS send trace segments, for every topic of one account/region.

    CloudFormation and the ``sns.Topic`` L2 do not create it, and without it an Active topic records nothing.
    X-Ray allows only five resource policies per account and region, so the app gets one per account/region
    it deploys to (per Stage, since each Stage deploys on its own), in the first stack (in tree order) that has a
    traced topic there, covering all topics of the account (``aws:SourceArn`` =
    ``arn:<partition>:sns:<region>:<account>:*``, ``aws:SourceAccount`` = account).

    :meth:`XRayTracing.enable` creates it; create one yourself only when you manage tracing by hand.
    """

    ID = "XRayTracingSnsResourcePolicy"

    def __init__(self, scope: Stack, id: str, *, policy_name: str | None = None) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        name = policy_name or f"{stack.stack_name[:116]}-SnsTracing"
        check_length("SnsTracingResourcePolicy", "policy_name", name, minimum=1, maximum=128)
        document = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "SNSSendTraces",
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": list(SNS_XRAY_ACTIONS),
                    "Resource": "*",
                    "Condition": {
                        "StringEquals": {"aws:SourceAccount": stack.account},
                        "StringLike": {"aws:SourceArn": f"arn:{stack.partition}:sns:{stack.region}:{stack.account}:*"},
                    },
                }
            ],
        }
        self.resource = xray.CfnResourcePolicy(
            self, "Resource", policy_name=name, policy_document=stack.to_json_string(document)
        )

    @property
    def policy_name(self) -> str:
        """The resource policy's name."""
        return self.resource.policy_name

    @classmethod
    def ensure(cls, topic: IConstruct, *, policy_name: str | None = None) -> SnsTracingResourcePolicy | None:
        """The app's policy for ``topic``'s account/region, created in ``topic``'s stack if there is none yet."""
        stack = top_level_stack(topic)  # a nested stack's topic is covered by its deployable parent's policy
        env = env_key(stack)
        for other in _stacks_of(Stage.of(stack) or stack.node.root):
            existing = other.node.try_find_child(cls.ID)
            if existing is not None and env_key(other) == env:
                return existing if isinstance(existing, SnsTracingResourcePolicy) else None
        return cls(stack, cls.ID, policy_name=policy_name)


class _XRayWritePolicy(Construct):
    """One ``AWS::IAM::Policy`` per stack and action set, attached to every role that needs X-Ray access."""

    def __init__(self, scope: Stack, id: str, *, actions: tuple[str, ...]) -> None:
        super().__init__(scope, id)
        self.resource = iam.CfnPolicy(
            self,
            "Resource",
            policy_name=Names.unique_resource_name(self, max_length=128),
            policy_document={
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}],
            },
            roles=[],
        )
        self._attached: set[str] = set()  # role paths; this object is Python-made, so it keeps its identity
        Validations.of(self).acknowledge(Acknowledgment(id="AwsSolutions-IAM5[Resource::*]", reason=_IAM5_REASON))

    @classmethod
    def of(cls, stack: Stack, actions: tuple[str, ...], suffix: str) -> _XRayWritePolicy:
        id = f"XRayTracing{suffix}Policy"
        existing = stack.node.try_find_child(id)
        if isinstance(existing, _XRayWritePolicy):
            return existing
        return cls(stack, id, actions=actions)

    def attach(self, role: CfnResource) -> None:
        path = role.node.path
        if path not in self._attached:
            self._attached.add(path)
            self.resource.roles = [*(self.resource.roles or []), role.ref]


# -- helpers --------------------------------------------------------------------------------------------------
def _set(resource: CfnResource, attribute: str, value: Any, name: str, rendered: Any) -> None:
    """Set a property on an L1: through its typed attribute where the class has one, so that rule packs and
    assertions reading the L1 see it; as a raw override on a plain ``CfnResource`` (CDK's own functions)."""
    if hasattr(type(resource), attribute):
        setattr(resource, attribute, value)
    else:
        resource.add_property_override(name, rendered)


def _validated_mode(resource: CfnResource, prop: str, key: str | None, allowed: tuple[str, ...]) -> str | None:
    """The explicit tracing mode of ``resource`` (None when unset); an invalid literal is a synth-time error."""
    value = cfn_property(resource, prop)
    if key is not None and isinstance(value, dict):
        value = value.get(key)
    if value is None or is_token(value):
        return None if value is None else "token"
    check_choice(resource.node.path, prop + (f".{key}" if key else ""), value, allowed)
    return str(value)


def _is_imported_function(node: IConstruct) -> bool:
    return (
        isinstance(node, lambda_.FunctionBase)
        and not isinstance(node, (lambda_.Function, lambda_.SingletonFunction, lambda_.QualifiedFunctionBase))
        and node.node.default_child is None
    )


def _nearest_decision(node: IConstruct) -> IAspect | None:
    """The ``enable`` aspect or ``exclude`` marker nearest above ``node`` (the latest, on one scope)."""
    current: IConstruct | None = node
    while current is not None:
        for aspect in reversed(Aspects.of(current).all):
            if isinstance(aspect, (XRayTracing, _Excluded)):
                return aspect
        current = current.node.scope
    return None


def _l2_prop(construct: IConstruct | None, name: str) -> Any:
    """A prop the user gave an L2, as CDK records it when ``@aws-cdk/core:enableAdditionalMetadataCollection``
    is on (the current default for new apps); None when not given or not recorded."""
    if construct is None:
        return None
    for entry in construct.node.metadata:
        if entry.type == "aws:cdk:analytics:construct" and isinstance(entry.data, dict) and name in entry.data:
            return entry.data[name]
    return None


def _stages_under(scope: IConstruct) -> list[Stage]:
    return [node for node in scope.node.find_all() if isinstance(node, Stage) and node.node.path != scope.node.path]


def _has_tracing_aspect(scope: IConstruct) -> bool:
    return any(isinstance(a, (XRayTracing, _Excluded)) for a in Aspects.of(scope).all)


def _stacks_of(stage: IConstruct) -> list[Stack]:
    """Top-level stacks of one Stage (or App) in tree order: not those of Stages inside it, which deploy on
    their own, nor nested stacks, which live inside their parent."""
    found: list[Stack] = []
    for child in stage.node.children:
        if isinstance(child, Stack):
            found.append(child)
        elif not isinstance(child, Stage):
            found.extend(_stacks_of(child))
    return found


__all__ = [
    "LAMBDA_XRAY_ACTIONS",
    "STATES_XRAY_ACTIONS",
    "SnsTracingResourcePolicy",
    "TracingMode",
    "XRayTracing",
]
