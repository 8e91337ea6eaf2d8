"""Turn on AWS X-Ray tracing for everything in a CDK scope with one call.

Example::

    XRayTracing.enable(app)          # Active tracing everywhere it exists
    XRayTracing.exclude(fn)          # ...except this subtree, left exactly as it is

What it does, per CloudFormation resource under the scope:

=============================  ==========================================================================
Lambda function (any kind)     ``TracingConfig.Mode``; the X-Ray write permission on its role, as
                               aws-cdk-lib grants it for ``tracing=Tracing.ACTIVE``, in place before the
                               function is created
REST API stage                 ``TracingEnabled``
SNS topic                      ``TracingConfig``; one X-Ray resource policy per account/region (see
                               :class:`SnsTracingResourcePolicy`)
Step Functions state machine   ``TracingConfiguration.Enabled``; X-Ray permissions on its role
AppSync GraphQL API            ``XrayEnabled``
HTTP / WebSocket API           a warning: X-Ray cannot trace API Gateway v2
=============================  ==========================================================================

Permissions go where aws-cdk-lib puts them: into the default policy of an L2 role (which the function already
depends on), or, for a role defined as a bare ``CfnRole`` (or a plain ``CfnResource``, as in CDK's own providers),
into one ``AWS::IAM::Policy`` of that role alone, which the function ``DependsOn``. No policy is shared by unrelated
roles, so no dependency added here can close a loop.

A value the user set explicitly is kept (``Tracing.PASS_THROUGH`` or ``DISABLED``, ``tracing_enabled=False``...).
``lambda_.Tracing.DISABLED`` renders nothing, and aws-cdk-lib keeps no trace of it, except in the props it records
under the feature flag ``@aws-cdk/core:enableAdditionalMetadataCollection`` (and, with ``CDK_DEBUG`` set, in a
property-assignment record): with neither, such a function cannot be told from one with no setting, so it is
traced and the app gets one warning naming the flag and :meth:`XRayTracing.exclude`. To force a value over an
explicit one, set it on the L1 (``fn.node.default_child.tracing_config = ...``: the role still gets the X-Ray
permissions) or use ``add_property_override``, which always wins.

Speed: the work is done in one pass over the scope when synthesis reaches it, reading only the resources X-Ray
can trace, rather than in a callback from Node.js for every construct of the app.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import jsii
from aws_cdk import (
    Acknowledgment,
    AspectPriority,
    Aspects,
    CfnResource,
    FeatureFlags,
    IAspect,
    Names,
    Reference,
    Resource,
    Stack,
    Stage,
    Tokenization,
    Validations,
)
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_appsync as appsync
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_xray as xray
from constructs import Construct, IConstruct
from jsii._reference_map import InterfaceDynamicProxy

from ._passes import PathDecisions, free_child_id, ref_of, stages_under
from ._pipeline import PipelineError, get_each, set_each
from ._rendered import metadata_of
from ._validation import XRayValidationError, check_length, check_pattern, fail, is_token, warn
from .discovery import (
    ServiceKind,
    cfn_type_of,
    env_key,
    env_text,
    is_cdk_internal_function,
    kind_of,
    path_of,
    top_level_stack,
)

LAMBDA_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
STATES_XRAY_ACTIONS = (*LAMBDA_XRAY_ACTIONS, "xray:GetSamplingRules", "xray:GetSamplingTargets")
SNS_XRAY_ACTIONS = ("xray:PutTraceSegments", "xray:GetSamplingRules", "xray:GetSamplingTargets")

#: The feature flag under which aws-cdk-lib records the props given to an L2 (``tracing=Tracing.DISABLED``).
METADATA_FLAG = "@aws-cdk/core:enableAdditionalMetadataCollection"

_IAM5 = "AwsSolutions-IAM5[Resource::*]"
_IAM5_REASON = (
    "X-Ray's write and sampling actions (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, "
    "GetSamplingTargets) support only Resource '*'."
)
_MODES = ("Active", "PassThrough")
_XRAY_ACTIONS = frozenset(STATES_XRAY_ACTIONS)


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
        sns_resource_policy_stack: Stack | None = None,
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
        if sns_resource_policy_stack is not None and not isinstance(sns_resource_policy_stack, Stack):
            raise XRayValidationError(
                f"XRayTracing: sns_resource_policy_stack must be a Stack, got {sns_resource_policy_stack!r}"
            )
        if sns_resource_policy_stack is not None and not sns_resource_policy:
            raise XRayValidationError(
                "XRayTracing: sns_resource_policy_stack names the stack that makes the account-wide SNS policy, "
                "but sns_resource_policy=False leaves the policy out: give one or the other"
            )
        self.mode = mode
        self.sns_resource_policy = sns_resource_policy
        self.sns_resource_policy_name = sns_resource_policy_name
        self.sns_resource_policy_stack = sns_resource_policy_stack
        self._covered: set[str] = set()  # constructs a pass has seen (only when added by hand)

    @classmethod
    def enable(
        cls,
        scope: IConstruct,
        *,
        mode: TracingMode = TracingMode.ACTIVE,
        sns_resource_policy: bool = True,
        sns_resource_policy_name: str | None = None,
        sns_resource_policy_stack: Stack | None = None,
    ) -> XRayTracing:
        """Turn on X-Ray tracing for every traceable resource in ``scope`` (an App, Stage, Stack or construct).

        :param mode: ``ACTIVE`` (default) or ``PASS_THROUGH``; see :class:`TracingMode`.
        :param sns_resource_policy: create the X-Ray resource policy that lets SNS send traces. Turn off when the
            account already has one for all its topics (a platform stack, another app): X-Ray allows five.
        :param sns_resource_policy_name: the policy's name; default ``<hosting stack name>-SnsTracing``.
        :param sns_resource_policy_stack: make the one account-wide policy for this stack's account and region
            here (whether or not the stack has a topic), and none elsewhere in the app for that account and
            region, in whichever Stage. Default: one per account/region per Stage, in the first stack with a
            traced topic there.

        Example::

            XRayTracing.enable(app)
            XRayTracing.enable(stack, mode=TracingMode.PASS_THROUGH)   # the nearest call decides
        """
        aspect = cls(
            mode=mode,
            sns_resource_policy=sns_resource_policy,
            sns_resource_policy_name=sns_resource_policy_name,
            sns_resource_policy_stack=sns_resource_policy_stack,
        )
        registry = _Registry.of(scope)
        scope_path = scope.node.path
        registry.decide(scope_path, aspect)
        if sns_resource_policy_stack is not None:
            SnsTracingResourcePolicy.ensure_account_wide(
                sns_resource_policy_stack, policy_name=sns_resource_policy_name
            )
        _TracingPass.add(scope, aspect)
        if isinstance(scope, Stage):
            registry.stages_with_pass.add(scope_path)
        # CDK aspects stop at Stage boundaries: carry this one into the Stages under the scope that have none.
        for stage in stages_under(scope):
            stage_path = stage.node.path
            if stage_path not in registry.decisions:
                _TracingPass.add(stage, aspect)
                registry.stages_with_pass.add(stage_path)
        return aspect

    @staticmethod
    def exclude(scope: IConstruct) -> None:
        """Leave every resource under ``scope`` exactly as it is, whatever ``enable`` covers it.

        Cheap: it records the decision and adds a marker aspect that changes nothing itself.

        Example::

            XRayTracing.exclude(fn)
        """
        path = scope.node.path
        registry = _Registry.of(scope)
        aspects = Aspects.of(scope)
        marker = next((a for a in aspects.all if isinstance(a, _Excluded)), None)
        if marker is None:
            marker = _Excluded(path, registry)
            aspects.add(marker, priority=AspectPriority.MUTATING)
        registry.decide(path, marker)

    @staticmethod
    def is_excluded(node: IConstruct, *, path: str | None = None) -> bool:
        """True when ``node`` is under a subtree passed to :meth:`exclude` with no ``enable`` closer to it.

        The decisions are kept by construct path on the Python side, so this costs two or four calls into Node.js
        (the app, and ``node``'s path unless given), whatever the depth of ``node``.

        :param path: ``node.node.path``, when the caller has it already.

        Example::

            XRayTracing.exclude(fn)
            assert XRayTracing.is_excluded(fn.node.default_child)
        """
        return isinstance(_Registry.of(node).nearest(path_of(node) if path is None else path), _Excluded)

    @staticmethod
    def exclusion_test(scope: IConstruct) -> Callable[[str], bool]:
        """:meth:`is_excluded` by construct path, for every construct of ``scope``'s app: one call into Node.js now,
        none per question. It follows ``enable`` and ``exclude`` calls made after it was taken.

        Example::

            XRayTracing.exclude(fn)
            excluded = XRayTracing.exclusion_test(fn)
            assert excluded(fn.node.default_child.node.path)
        """
        registry = _Registry.of(scope)
        return lambda path: isinstance(registry.nearest(path), _Excluded)

    # -- the aspect ---------------------------------------------------------------------------------------
    def visit(self, node: IConstruct) -> None:
        if isinstance(node, _TracingPass):
            if node.aspect is self:
                _Pass(self, node.target).run()
            return
        # Added by hand (Aspects.of(scope).add(XRayTracing())): CDK visits the scope first, then each construct
        # under it; the first visit does the work for the whole scope.
        if ref_of(node) in self._covered:
            return
        _Registry.of(node).decide(node.node.path, self)
        done = _Pass(self, node)
        done.run()
        self._covered.update(ref_of(n) for n in done.nodes)


#: Construct metadata on each traceable resource ``XRayTracing.exclude`` governs (data: the excluded scope's path),
#: so that readers of the cloud assembly (``constructs_lib.report``) can tell "left alone on purpose".
EXCLUDED_METADATA_TYPE = "constructs-lib:xray:excluded"


@jsii.implements(IAspect)
class _Excluded:
    """Marker placed by :meth:`XRayTracing.exclude`: it changes no template, and records in the cloud assembly
    each traceable resource it governs (:data:`EXCLUDED_METADATA_TYPE`)."""

    def __init__(self, scope_path: str, registry: _Registry) -> None:
        self.scope_path = scope_path
        self.registry = registry

    def visit(self, node: IConstruct) -> None:
        kind = kind_of(node)  # no call into Node.js for a generated L1, nor for anything that is not an L1
        if kind is None or not kind.traceable:
            return
        if self.registry.nearest(path_of(node)) is self:
            tree = node.node
            if not any(entry.type == EXCLUDED_METADATA_TYPE for entry in tree.metadata):
                tree.add_metadata(EXCLUDED_METADATA_TYPE, self.scope_path)


class _TracingPass(Construct):
    """An empty construct under the scope of an ``enable`` call, carrying the aspect.

    The aspect is applied to this leaf rather than to the scope, so that CDK calls it once, when synthesis reaches
    it, instead of once per construct of the scope (each such call is a round trip between Node.js and Python).
    """

    def __init__(self, scope: IConstruct, id: str, *, target: IConstruct, aspect: XRayTracing) -> None:
        super().__init__(scope, id)  # type: ignore[arg-type]
        self.target = target
        self.aspect = aspect
        Aspects.of(self).add(aspect, priority=AspectPriority.MUTATING)

    @classmethod
    def add(cls, scope: IConstruct, aspect: XRayTracing) -> None:
        # An id no user picks for a stack or construct of their own.
        cls(scope, free_child_id(scope, "ConstructsLibXRayTracingPass"), target=scope, aspect=aspect)


# -- what one app decided, kept on the Python side ---------------------------------------------------------------
@dataclass
class _RolePolicy:
    """The X-Ray policy of one role defined without an L2 (``CfnRole``, or CDK's plain ``CfnResource`` roles)."""

    resource: iam.CfnPolicy
    actions: list[str]


@dataclass
class _Registry(PathDecisions):
    """The ``enable``/``exclude`` decisions of one app by construct path, and what the passes made, so that
    finding the decision for a resource costs no call into Node.js."""

    role_policies: dict[str, _RolePolicy] = field(default_factory=dict)
    sns_policies: list[SnsTracingResourcePolicy] = field(default_factory=list)
    unreadable_disabled_warned: bool = False

    def others_decide_below(self, path: str, aspect: IAspect) -> bool:
        """True when another ``enable`` or an ``exclude`` was called on a construct under ``path``."""
        prefix = path + "/" if path else ""
        return any(
            p != path and p.startswith(prefix) and any(d is not aspect for d in ds) for p, ds in self.decisions.items()
        )


# -- one pass over a scope --------------------------------------------------------------------------------------
class _Pass:
    """The work of one ``enable`` on its scope, in one walk over the constructs, with as few calls into Node.js
    as the decisions need (each call is a round trip): L1 classes are told apart by their Python class, explicit
    settings are read from the L1's own attribute, paths are read only where a decision depends on them."""

    def __init__(self, aspect: XRayTracing, scope: IConstruct) -> None:
        self.aspect = aspect
        self.mode = aspect.mode
        self.scope = scope
        self.registry = _Registry.of(scope)
        self.scope_path = scope.node.path
        self.nodes = scope.node.find_all()
        self._stack_paths: list[tuple[str, Stack]] | None = None
        self._l2_grants: set[str] = set()  # the L1 functions (jsii references) whose L2's role gets the permission
        self._statements: dict[tuple[str, ...], iam.PolicyStatement] = {}
        self._policies_before = {ref_of(n) for n in self.nodes if isinstance(n, iam.Policy)}
        self._policies_seen: set[str] = set()
        self._flag_on = FeatureFlags.of(scope).is_enabled(METADATA_FLAG) is True
        # cdk-nag is used from Python (directly, or by a construct library that depends on it, which imports it):
        # when it is not loaded, no rule pack reads acknowledgements, and looking up policies to acknowledge
        # would cost four round trips to Node.js per function for nothing.
        self._nag = _cdk_nag_loaded()
        # Imported constructs (Role.from_role_arn, ...) reach Python as the core Resource class or an interface proxy:
        # only then can a function's role be an imported one, which may be immutable (aws-cdk-lib then drops the
        # statement silently, and this warns).
        # The whole app is looked at, not only the scope: a role imported in another stack can be used here.
        root = scope.node.root
        everything = self.nodes if ref_of(root) == ref_of(scope) else root.node.find_all()
        self._imports = any(type(n) is Resource or isinstance(n, InterfaceDynamicProxy) for n in everything)

    def run(self) -> None:
        nested_stages = [n for n in self.nodes if isinstance(n, Stage) and ref_of(n) != ref_of(self.scope)]
        stage_paths = [s.node.path for s in nested_stages]
        self._check_stages_covered(stage_paths)
        if self.registry.nearest(self.scope_path) is not self.aspect:
            return  # a later call on the same scope, or one between this call's scope and this one, decides here
        # Paths decide only when something else was decided under the scope, or Stages are nested in it.
        needs_path = bool(stage_paths) or self.registry.others_decide_below(self.scope_path, self.aspect)
        handlers: dict[ServiceKind, Callable[[Any], None]] = {
            ServiceKind.LAMBDA_FUNCTION: self._lambda,
            ServiceKind.STATE_MACHINE: self._state_machine,
            ServiceKind.REST_API_STAGE: self._rest_stage,
            ServiceKind.GRAPHQL_API: self._graphql_api,
            ServiceKind.SNS_TOPIC: self._sns_topic,
            ServiceKind.HTTP_API: self._http_api,
        }
        self._l2_functions(needs_path, stage_paths)
        rest_stages: list[apigateway.CfnStage] = []
        l2: lambda_.Function | None = None
        for node in self.nodes:
            if isinstance(node, lambda_.Function):
                l2 = node
                continue
            if isinstance(node, CfnResource):
                if l2 is not None and isinstance(node, lambda_.CfnFunction):
                    owner, l2 = l2, None
                    self._grant_l2_function(node, owner)  # its mode was set with the others', above
                    continue
                kind = kind_of(node)
                handler = handlers.get(kind) if kind is not None else None
                if handler is None:
                    continue
            elif _is_imported_function_candidate(node):
                handler = self._imported_function
            else:
                continue
            if needs_path and not self._governs(path_of(node), stage_paths):
                continue
            if isinstance(node, apigateway.CfnStage):
                rest_stages.append(node)  # read and set together, below
                continue
            handler(node)
        self._typed_rest_stages(rest_stages)

    def _governs(self, path: str, stage_paths: list[str]) -> bool:
        if any(path == p or path.startswith(p + "/") for p in stage_paths):
            return False  # a nested Stage synthesizes on its own, with its own pass
        return self.registry.nearest(path) is self.aspect

    def _check_stages_covered(self, stage_paths: list[str]) -> None:
        for path in stage_paths:
            if path in self.registry.stages_with_pass:
                continue
            if isinstance(self.registry.nearest(path), XRayTracing):
                raise XRayValidationError(
                    f"XRayTracing: Stage '{path}' was created after XRayTracing.enable was called on "
                    f"'{self.scope_path or 'the app'}' (or inside a Stack), and CDK aspects do not cross Stage "
                    "boundaries, so nothing in it would be traced. Call XRayTracing.enable after creating the "
                    "Stage, or on the Stage (XRayTracing.exclude(stage) to leave it untraced)."
                )

    # -- per service -----------------------------------------------------------------------------------------
    def _l2_functions(self, needs_path: bool, stage_paths: list[str]) -> None:
        """Trace each function a Function L2 made in the scope, all at once: their ``TracingConfig`` read together,
        whether ``tracing=Tracing.DISABLED`` was given to the L2 (read together, for those that set no mode), then
        the modes set together (``_pipeline``: one exchange with Node.js per batch instead of one round trip per
        function). The permissions are granted in the walk, in tree order."""
        # The L1 of a Function L2 is the first CfnFunction after it: find_all lists constructs in pre-order, and the
        # L2 makes its L1 ("Resource") in its constructor, before anything else under it can hold a function.
        pairs: list[tuple[lambda_.CfnFunction, lambda_.Function]] = []
        l2: lambda_.Function | None = None
        for node in self.nodes:
            if isinstance(node, lambda_.Function):
                l2 = node
            elif l2 is not None and isinstance(node, lambda_.CfnFunction):
                if not needs_path or self._governs(path_of(node), stage_paths):
                    pairs.append((node, l2))
                l2 = None
        if not pairs:
            return
        configs = get_each([fn for fn, _ in pairs], "tracingConfig")
        explicit = [_mode_of(fn, config, "mode") for (fn, _), config in zip(pairs, configs, strict=True)]
        disabled = self._disabled_on_l2s([pair for pair, mode in zip(pairs, explicit, strict=True) if mode is None])
        unset = [fn for (fn, _), mode in zip(pairs, explicit, strict=True)
                 if mode is None and ref_of(fn) not in disabled]
        set_each((fn, "tracingConfig", lambda_.CfnFunction.TracingConfigProperty(mode=self.mode.value))
                 for fn in unset)
        # Granted in the walk below, in tree order: a role shared with other resources gets its statements in the
        # order their resources come (the template does not change with how the pass is organised).
        self._l2_grants = {ref_of(fn) for (fn, _), mode in zip(pairs, explicit, strict=True)
                           if mode is not None or ref_of(fn) not in disabled}

    def _grant_l2_function(self, fn: lambda_.CfnFunction, owner: lambda_.Function) -> None:
        if ref_of(fn) not in self._l2_grants:
            return  # DISABLED on the L2, or not governed by this pass
        if not self._nag and not self._imports:
            # No role is imported in the scope, so each role is an L2 Role (or none, and the L2 skips it): nothing
            # to look up, one call.
            owner.add_to_role_policy(self._statement(LAMBDA_XRAY_ACTIONS))
        else:
            self._grant_l2(fn, owner, LAMBDA_XRAY_ACTIONS)

    def _lambda(self, fn: CfnResource) -> None:
        """A function no Function L2 made: a ``CfnFunction`` of the user's, or CDK's own (a plain ``CfnResource``)."""
        plain = type(fn) is CfnResource  # CDK's own functions: no typed attributes, CloudFormation names
        properties: Mapping[str, Any] = fn._cfn_properties if plain else {}
        config = properties.get("TracingConfig") if plain else fn.tracing_config  # type: ignore[attr-defined]
        if _mode_of(fn, config, "Mode" if plain else "mode") is None:
            if plain:
                fn.add_property_override("TracingConfig", {"Mode": self.mode.value})
            else:
                fn.tracing_config = lambda_.CfnFunction.TracingConfigProperty(  # type: ignore[attr-defined]
                    mode=self.mode.value
                )
        role = properties.get("Role") if plain else fn.role  # type: ignore[attr-defined]
        self._grant_l1(fn, role, LAMBDA_XRAY_ACTIONS)

    def _disabled_on_l2s(self, unset: list[tuple[lambda_.CfnFunction, lambda_.Function]]) -> set[str]:
        """The functions (by jsii reference) whose L2 was given ``tracing=Tracing.DISABLED``, which renders nothing.

        aws-cdk-lib records the props of an L2 under the metadata flag (``tracing: "Disabled"``); with CDK_DEBUG
        set it records that the L2 assigned the L1's TracingConfig (to nothing, for DISABLED). Otherwise there is
        no telling; the app gets one warning about it.
        """
        disabled: set[str] = set()
        undecided = unset
        if self._flag_on and unset:
            undecided = []
            for (fn, l2), entries in zip(unset, self._metadata([l2 for _, l2 in unset]), strict=True):
                analytics = [e.get("data") for e in entries if e.get("type") == "aws:cdk:analytics:construct"]
                if any(isinstance(d, dict) and "tracing" in d for d in analytics):
                    if any(isinstance(d, dict) and d.get("tracing") == "Disabled" for d in analytics):
                        disabled.add(ref_of(fn))
                elif not analytics:
                    undecided.append((fn, l2))  # no props recorded: as without the flag
                # else: props recorded, and tracing was not among them
        disabled.update(ref_of(fn) for fn, _ in undecided if self._disabled_without_props(fn))
        return disabled

    @staticmethod
    def _metadata(constructs: list[lambda_.Function]) -> list[list[dict[str, Any]]]:
        """Each construct's metadata entries as plain data: all at once (``metadata_of``), or entry by entry if
        that ever fails (it reads jsii's object references, which a jsii release could change)."""
        try:
            # Resolved in the first one's stack: the recorded props are redacted to plain values, with no token
            # whose stack would matter.
            return metadata_of(list(constructs), Stack.of(constructs[0]))
        except PipelineError:
            raise  # the exchange with Node.js is out of step: nothing else can be asked
        except Exception:  # the slow way gives the same answer
            return [[{"type": e.type, "data": e.data} for e in c.node.metadata] for c in constructs]

    def _disabled_without_props(self, fn: CfnResource) -> bool:
        """Whether the L2 behind ``fn`` set DISABLED, when its props were not recorded: only CDK_DEBUG tells."""
        if os.environ.get("CDK_DEBUG", "").lower() in ("1", "on", "true"):
            return any(entry.type == "aws:cdk:propertyAssignment" and isinstance(entry.data, dict)
                       and entry.data.get("propertyName") == "TracingConfig" for entry in fn.node.metadata)
        if not self.registry.unreadable_disabled_warned and not is_cdk_internal_function(fn):
            self.registry.unreadable_disabled_warned = True
            warn(
                fn,
                "tracingDisabledUnreadable",
                f"X-Ray tracing is turned on for Lambda functions that set no tracing mode, but this app does not "
                f"record the props given to L2 constructs (feature flag {METADATA_FLAG} is off), so a function "
                "created with tracing=lambda_.Tracing.DISABLED cannot be told apart and is traced too. Set the "
                f'flag ("{METADATA_FLAG}": true in cdk.json, or App(context=...)) or call '
                "XRayTracing.exclude(fn) on each function that must stay untraced. (Shown once per app.)",
            )
        return False

    def _state_machine(self, machine: CfnResource) -> None:
        plain = type(machine) is CfnResource
        properties: Mapping[str, Any] = machine._cfn_properties if plain else {}
        config = properties.get("TracingConfiguration") if plain else machine.tracing_configuration  # type: ignore[attr-defined]
        enabled = _field(config, "Enabled" if plain else "enabled")
        if config is not None and enabled is None and _unresolved(config):
            return  # a token: the user decided
        if enabled is None:
            if self.mode is not TracingMode.ACTIVE:
                return
            if plain:
                machine.add_property_override("TracingConfiguration", {"Enabled": True})
            else:
                machine.tracing_configuration = sfn.CfnStateMachine.TracingConfigurationProperty(  # type: ignore[attr-defined]
                    enabled=True
                )
            enabled = True
        if enabled is False:
            return
        parent = None if plain else machine.node.scope
        if isinstance(parent, sfn.StateMachine):
            self._grant_l2(machine, parent, STATES_XRAY_ACTIONS)
        else:
            role = properties.get("RoleArn") if plain else machine.role_arn  # type: ignore[attr-defined]
            self._grant_l1(machine, role, STATES_XRAY_ACTIONS)

    def _rest_stage(self, stage: CfnResource) -> None:
        if self.mode is not TracingMode.ACTIVE:
            return
        if isinstance(stage, apigateway.CfnStage):
            self._typed_rest_stages([stage])
        elif stage._cfn_properties.get("TracingEnabled") is None:
            stage.add_property_override("TracingEnabled", True)

    def _typed_rest_stages(self, stages: list[apigateway.CfnStage]) -> None:
        """``TracingEnabled`` on the stages that leave it unset, read and set each in one exchange."""
        if self.mode is not TracingMode.ACTIVE or not stages:
            return
        values = get_each(stages, "tracingEnabled")
        set_each((stage, "tracingEnabled", True) for stage, value in zip(stages, values, strict=True) if value is None)

    def _graphql_api(self, api: CfnResource) -> None:
        if self.mode is not TracingMode.ACTIVE:
            return
        if isinstance(api, appsync.CfnGraphQLApi):
            if api.xray_enabled is None:
                api.xray_enabled = True
        elif api._cfn_properties.get("XrayEnabled") is None:
            api.add_property_override("XrayEnabled", True)

    def _sns_topic(self, topic: CfnResource) -> None:
        plain = type(topic) is CfnResource
        value = topic._cfn_properties.get("TracingConfig") if plain else topic.tracing_config  # type: ignore[attr-defined]
        explicit = _mode_of(topic, value, None)
        if explicit is None:
            if plain:
                topic.add_property_override("TracingConfig", self.mode.value)
            else:
                topic.tracing_config = self.mode.value  # type: ignore[attr-defined]
        if (explicit or self.mode.value) == "Active" and self.aspect.sns_resource_policy:
            SnsTracingResourcePolicy.ensure(topic, policy_name=self.aspect.sns_resource_policy_name)

    def _http_api(self, api: CfnResource) -> None:
        protocol = getattr(api, "protocol_type", None) or "HTTP"
        warn(
            api,
            "httpApiNotTraceable",
            f"X-Ray cannot trace API Gateway {protocol} APIs (API Gateway v2): requests through this API start "
            "no trace. The Lambda functions behind it are still traced, each as its own trace root. "
            "Use a REST API (apigateway.RestApi) where you need the API in the trace.",
        )

    def _imported_function(self, node: IConstruct) -> None:
        if node.node.default_child is None:
            warn(
                node,
                "importedFunction",
                "This Lambda function is imported, so X-Ray tracing cannot be turned on here. "
                "Enable it where the function is defined.",
            )

    # -- permissions -----------------------------------------------------------------------------------------
    def _statement(self, actions: tuple[str, ...]) -> iam.PolicyStatement:
        statement = self._statements.get(actions)
        if statement is None:
            statement = self._statements[actions] = iam.PolicyStatement(actions=list(actions), resources=["*"])
        return statement

    def _grant_l2(
        self, resource: CfnResource, l2: lambda_.Function | sfn.StateMachine, actions: tuple[str, ...]
    ) -> None:
        """As aws-cdk-lib grants for ``tracing=ACTIVE``: into the role's default policy (CDK's ``Policy`` for an
        imported role), which the L2 already made its L1 depend on. Identical statements merge, so a grant the L2
        made itself is not repeated."""
        if not self._nag and not self._imports:
            # No role is imported in the scope, so the role is an L2 Role (or none, and the L2 skips it): nothing
            # to look up, one call.
            l2.add_to_role_policy(self._statement(actions))
            return
        role = l2.role
        if role is None:
            _warn_role(resource, actions)
            return
        l2.add_to_role_policy(self._statement(actions))
        l2_role = isinstance(role, iam.Role)
        if l2_role and not self._nag:
            return  # the default policy has it: nothing to look up
        node = role.node
        policy = node.try_find_child("DefaultPolicy") if l2_role else next(
            (c for c in node.children if isinstance(c, iam.Policy)), None)  # aws-cdk-lib's Policy of an import
        if not isinstance(policy, iam.Policy):
            if not l2_role:  # imported as immutable: aws-cdk-lib drops the statement
                _warn_role(resource, actions)
            return
        if self._nag:
            self._acknowledge_iam5(policy)

    def _acknowledge_iam5(self, policy: iam.Policy) -> None:
        """Acknowledge cdk-nag's wildcard-resource finding on a default policy, unless the policy already had a
        ``Resource: "*"`` statement of the user's (then the finding was there before, and stays theirs)."""
        if ref_of(policy) in self._policies_seen:
            return
        self._policies_seen.add(ref_of(policy))
        if ref_of(policy) in self._policies_before:
            statements = policy.document.to_json().get("Statement", [])
            if any(_wildcard(s) and not set(_as_list(s.get("Action"))) <= _XRAY_ACTIONS for s in statements):
                return
        Validations.of(policy).acknowledge(Acknowledgment(id=_IAM5, reason=_IAM5_REASON))

    def _grant_l1(self, resource: CfnResource, role_reference: Any, actions: tuple[str, ...]) -> None:
        """One policy per role defined without an L2, which ``resource`` ``DependsOn``. The policy refers to that
        role only, and ``resource`` already refers to the role: no dependency loop can come from it."""
        role = self._role_resource(resource, role_reference)
        if role is None:
            _warn_role(resource, actions)
            return
        key = role.node.path
        policy = self.registry.role_policies.get(key)
        if policy is None:
            cfn = iam.CfnPolicy(role, "XRayTracingPolicy", roles=[role.ref], policy_document={}, policy_name="x")
            cfn.policy_name = Names.unique_resource_name(cfn, max_length=128)
            Validations.of(cfn).acknowledge(Acknowledgment(id=_IAM5, reason=_IAM5_REASON))
            policy = self.registry.role_policies[key] = _RolePolicy(cfn, [])
        missing = [a for a in actions if a not in policy.actions]
        if missing:
            policy.actions.extend(missing)
            policy.resource.policy_document = {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": list(policy.actions), "Resource": "*"}],
            }
        resource.add_dependency(policy.resource)

    def _role_resource(self, resource: CfnResource, reference: Any) -> CfnResource | None:
        """The role resource that ``reference`` (a role's ``attr_arn``, ``Fn::GetAtt [role, Arn]``) points to, when
        it is in ``resource``'s stack: read from the token itself (a CDK reference knows its target), so no index of
        the stack's roles is needed."""
        if not isinstance(reference, str) or not _unresolved(reference):
            return None  # a literal ARN: a role defined elsewhere
        fragments = Tokenization.reverse_string(reference)
        token = fragments.first_token if fragments.length == 1 else None  # the whole string is one reference
        role = token.target if isinstance(token, Reference) else None
        if not isinstance(role, CfnResource) or cfn_type_of(role) != "AWS::IAM::Role":
            return None
        if ref_of(Stack.of(role)) != ref_of(Stack.of(resource)):
            return None
        return role


def _cdk_nag_loaded() -> bool:
    return "cdk_nag" in sys.modules


def _warn_role(resource: CfnResource, actions: tuple[str, ...]) -> None:
    warn(
        resource,
        "importedRole",
        "The execution role is not defined in this stack (or is imported as immutable), so the X-Ray permissions "
        f"could not be added. Grant {', '.join(actions)} on '*' to the role yourself, or tracing will fail.",
    )


def _mode_of(resource: CfnResource, value: Any, key: str | None) -> str | None:
    """The explicit tracing mode in ``value`` (None when unset, "token" when the user gave a token); an invalid
    literal is a synth-time error."""
    mode = _field(value, key) if key is not None else value
    if value is not None and key is not None and mode is None and _unresolved(value):
        return "token"
    if mode is None:
        return None
    if _unresolved(mode):
        return "token"
    if mode not in _MODES:
        field_name = "TracingConfig" if key is None else "TracingConfig.Mode"
        raise fail(resource.node.path, field_name, mode, "one of " + ", ".join(_MODES))
    return str(mode)


def _field(value: Any, key: str) -> Any:
    """One field of a struct property, whether jsii gave a struct object or the user a dict."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(key) if key in value else value.get(key[0].upper() + key[1:])
    return getattr(value, key, None)


def _unresolved(value: Any) -> bool:
    """Whether ``value`` is a CDK token, told without a call into Node.js: tokens in strings are encoded as
    ``${Token[...]}``, and a value that is neither a plain Python value nor a struct is an ``IResolvable``."""
    if value is None or isinstance(value, (bool, int, float)):
        return is_token(value) if isinstance(value, float) else False
    if isinstance(value, str):
        return "${Token[" in value
    if isinstance(value, dict):
        return any(_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(_unresolved(v) for v in value)
    return not hasattr(value, "_values")  # jsii structs keep their fields in _values


def _wildcard(statement: dict[str, Any]) -> bool:
    return "*" in _as_list(statement.get("Resource"))


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _is_imported_function_candidate(node: IConstruct) -> bool:
    return isinstance(node, lambda_.FunctionBase) and not isinstance(
        node, (lambda_.Function, lambda_.SingletonFunction, lambda_.QualifiedFunctionBase)
    )


# -- SNS ----------------------------------------------------------------------------------------------------------
class SnsTracingResourcePolicy(Construct):
    """The X-Ray resource policy that lets SNS send trace segments, for every topic of one account/region.

    CloudFormation and the ``sns.Topic`` L2 do not create it, and without it an Active topic records nothing.
    The policy covers every topic of its account and region (``aws:SourceArn`` =
    ``arn:<partition>:sns:<region>:<account>:*``, ``aws:SourceAccount`` = account), so one is enough per account
    and region, and X-Ray allows only five there, shared by every app deployed to it.

    :meth:`XRayTracing.enable` creates it: by default one per account/region per Stage (each Stage deploys on its
    own), in the first stack (in tree order) with a traced topic there; with ``sns_resource_policy_stack=stack``
    one for that stack's account/region, in that stack only. Synth warns when one app would create more than one
    for the same account and region. Create one yourself in a platform stack deployed once per account and region,
    and pass ``sns_resource_policy=False`` everywhere else.

    Example::

        platform = Stack(app, "XRayAccountSetup", env=Environment(account="111111111111", region="eu-west-1"))
        SnsTracingResourcePolicy(platform, "SnsTracing", policy_name="sns-xray-tracing")
        XRayTracing.enable(app, sns_resource_policy=False)   # and in every service app
    """

    ID = "XRayTracingSnsResourcePolicy"

    def __init__(self, scope: Construct, id: str, *, policy_name: str | None = None) -> None:
        super().__init__(scope, id)
        stack = Stack.of(self)
        name = policy_name or f"{stack.stack_name[:116]}-SnsTracing"
        check_length("SnsTracingResourcePolicy", "policy_name", name, minimum=1, maximum=128)
        check_pattern("SnsTracingResourcePolicy", "policy_name", name, r"[\w+=,.@-]+",
                      "made of letters, digits and + = , . @ - _")
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
        self.env = env_key(stack)
        self.stage_path = (Stage.of(stack) or stack.node.root).node.path
        #: True when it stands for its account/region in the whole app (made by hand, or by
        #: ``sns_resource_policy_stack``); False when made by ``enable`` for one Stage.
        self.account_wide = True
        self._register(name)

    @property
    def policy_name(self) -> str:
        """The resource policy's name."""
        return self.resource.policy_name

    def _register(self, name: str) -> None:
        registry = _Registry.of(self)
        same_env = [p for p in registry.sns_policies if p.env == self.env]
        registry.sns_policies.append(self)
        if not same_env:
            return
        if "*" not in self.env and any(p.policy_name == name for p in same_env):
            raise XRayValidationError(
                f"SnsTracingResourcePolicy '{self.node.path}': policy_name '{name}' is already used by "
                f"'{same_env[0].node.path}' for {env_text(self.env)}: X-Ray resource policy names are unique per "
                "account and region, so the second deployment would fail. Make one account-wide policy "
                "(XRayTracing.enable(..., sns_resource_policy_stack=stack)) instead."
            )
        paths = ", ".join(p.node.path for p in [*same_env, self])
        warn(
            self,
            "duplicateSnsResourcePolicy",
            f"This app creates {len(same_env) + 1} X-Ray resource policies for SNS in {env_text(self.env)} "
            f"({paths}), each covering every topic there. X-Ray allows 5 resource policies per account and region, "
            "shared by every app deployed there. Make one: XRayTracing.enable(app, sns_resource_policy_stack="
            "<one stack>), or a SnsTracingResourcePolicy in a platform stack and sns_resource_policy=False.",
        )

    @classmethod
    def ensure(cls, topic: IConstruct, *, policy_name: str | None = None) -> SnsTracingResourcePolicy:
        """The policy covering ``topic``'s account/region: the app's account-wide one, or the one of ``topic``'s
        Stage, created in ``topic``'s (deployable) stack if there is none yet."""
        stack = top_level_stack(topic)  # a nested stack's topic is covered by its deployable parent's policy
        env = env_key(stack)
        stage_path = (Stage.of(stack) or stack.node.root).node.path
        for policy in _Registry.of(stack).sns_policies:
            if policy.env == env and (policy.account_wide or policy.stage_path == stage_path):
                return policy
        policy = cls(stack, cls.ID, policy_name=policy_name)
        policy.account_wide = False
        return policy

    @classmethod
    def ensure_account_wide(cls, stack: Stack, *, policy_name: str | None = None) -> SnsTracingResourcePolicy:
        """The one policy of ``stack``'s account/region for the whole app, made in ``stack``."""
        env = env_key(stack)
        for policy in _Registry.of(stack).sns_policies:
            if policy.env == env and policy.account_wide:
                if ref_of(Stack.of(policy)) != ref_of(stack):
                    raise XRayValidationError(
                        f"XRayTracing: sns_resource_policy_stack '{stack.node.path}' would make a second "
                        f"account-wide SNS policy for {env_text(env)}; '{policy.node.path}' already is one"
                    )
                return policy
        existing = stack.node.try_find_child(cls.ID)
        policy = existing if isinstance(existing, SnsTracingResourcePolicy) else cls(
            stack, cls.ID, policy_name=policy_name)
        policy.account_wide = True
        return policy


__all__ = [
    "EXCLUDED_METADATA_TYPE",
    "LAMBDA_XRAY_ACTIONS",
    "METADATA_FLAG",
    "STATES_XRAY_ACTIONS",
    "SnsTracingResourcePolicy",
    "TracingMode",
    "XRayTracing",
]
