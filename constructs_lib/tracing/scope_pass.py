"""The work of one ``XRayTracing.enable`` on its scope: one walk, the reads and writes in batches, the grants."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aws_cdk import (
    Acknowledgment,
    CfnResource,
    FeatureFlags,
    Names,
    Reference,
    Stack,
    Stage,
    Tokenization,
    Validations,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import IConstruct

from .._passes import ref_of
from .._pipeline import PipelineError, get_each, invoke_each, set_each
from .._rendered import metadata_of
from .._validation import XRayValidationError, fail, is_token, warn
from .._walk import Walk, inherits
from ..discovery import (
    ServiceKind,
    cfn_type_of,
    class_cfn_type,
    is_cdk_internal_function,
    kind_of,
    path_of,
)
from .modes import (
    ALL_XRAY_ACTIONS,
    IAM5_FINDING,
    IAM5_REASON,
    LAMBDA_XRAY_ACTIONS,
    METADATA_FLAG,
    MODE_VALUES,
    STATES_XRAY_ACTIONS,
    PassSettings,
    TracingMode,
)
from .registry import RolePolicy, TracingRegistry
from .sns_policy import SnsTracingResourcePolicy

if TYPE_CHECKING:
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_stepfunctions as sfn

# The modules of services an app may not use (API Gateway, AppSync, Step Functions) are imported only where a
# resource of theirs is at hand (so its module is loaded already): importing one costs 15-20 ms.

__all__ = ["ScopePass"]


class ScopePass:
    """The work of one ``enable`` on its scope, in one walk over the constructs, with as few calls into Node.js
    as the decisions need (each call is a round trip): L1 classes are told apart by their Python class, explicit
    settings are read from the L1's own attribute, paths are read only where a decision depends on them."""

    def __init__(self, aspect: PassSettings, scope: IConstruct) -> None:
        self.aspect = aspect
        self.mode = aspect.mode
        self.scope = scope
        self.registry = TracingRegistry.of(scope)
        self.scope_path = scope.node.path
        self._nag = _cdk_nag_loaded()
        walk = Walk(scope)
        self.covered = walk.keys()  # every construct under the scope, by jsii reference
        # Only what the pass looks at is made into Python objects (``_walk``), in find_all's pre-order.
        self.nodes = walk.objects(_looked_at_with_policies if self._nag else _looked_at)
        self._stack_paths: list[tuple[str, Stack]] | None = None
        self._l2_grants: set[str] = set()  # the L1 functions (jsii references) whose L2's role gets the permission
        self._statements: dict[tuple[str, ...], iam.PolicyStatement] = {}
        # The grants that need no look-up, in tree order, made together after the walk (``invoke_each``).
        self._grants: list[tuple[lambda_.Function | sfn.StateMachine, str, list[iam.PolicyStatement]]] = []
        self._policies_before = {ref_of(n) for n in self.nodes if isinstance(n, iam.Policy)}
        self._policies_seen: set[str] = set()
        self._flag_on = FeatureFlags.of(scope).is_enabled(METADATA_FLAG) is True
        # Imported constructs (Role.from_role_arn, ...) reach Python as the core Resource class or an interface proxy:
        # only then can a function's role be an imported one, which may be immutable (aws-cdk-lib then drops the
        # statement silently, and this warns).
        # The whole app is looked at, not only the scope: a role imported in another stack can be used here.
        root = scope.node.root
        self._imports = (walk if ref_of(root) == ref_of(scope) else Walk(root)).has_imports()

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
            if class_cfn_type(type(node)) == ServiceKind.REST_API_STAGE.value:  # an apigateway.CfnStage
                rest_stages.append(node)  # read and set together, below
                continue
            handler(node)
        self._typed_rest_stages(rest_stages)
        invoke_each(self._grants)  # in the order of the walk: a role shared by several gets them in tree order

    def _governs(self, path: str, stage_paths: list[str]) -> bool:
        if any(path == p or path.startswith(p + "/") for p in stage_paths):
            return False  # a nested Stage synthesizes on its own, with its own pass
        return self.registry.nearest(path) is self.aspect

    def _check_stages_covered(self, stage_paths: list[str]) -> None:
        for path in stage_paths:
            if path in self.registry.stages_with_pass:
                continue
            if isinstance(self.registry.nearest(path), type(self.aspect)):  # an enable, not an exclude
                raise XRayValidationError(
                    f"XRayTracing: Stage '{path}' was created after XRayTracing.enable was called on "
                    f"'{self.scope_path or 'the app'}' (or by a construct library written in TypeScript, where "
                    "enable cannot see it), and CDK aspects do not cross Stage boundaries, so nothing in it would "
                    "be traced. Call XRayTracing.enable after creating the Stage, or on the Stage "
                    "(XRayTracing.exclude(stage) to leave it untraced)."
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
        from aws_cdk import aws_stepfunctions as sfn

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
        if class_cfn_type(type(stage)) == ServiceKind.REST_API_STAGE.value:  # an apigateway.CfnStage
            self._typed_rest_stages([stage])  # type: ignore[list-item]
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
        if class_cfn_type(type(api)) == ServiceKind.GRAPHQL_API.value:  # an appsync.CfnGraphQLApi
            if api.xray_enabled is None:  # type: ignore[attr-defined]
                api.xray_enabled = True  # type: ignore[attr-defined]
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
            # to look up, and the grant can wait for the others, to be made with them.
            self._grants.append((l2, "addToRolePolicy", [self._statement(actions)]))
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
            if any(_wildcard(s) and not set(_as_list(s.get("Action"))) <= ALL_XRAY_ACTIONS for s in statements):
                return
        Validations.of(policy).acknowledge(Acknowledgment(id=IAM5_FINDING, reason=IAM5_REASON))

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
            Validations.of(cfn).acknowledge(Acknowledgment(id=IAM5_FINDING, reason=IAM5_REASON))
            policy = self.registry.role_policies[key] = RolePolicy(cfn, [])
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
    """cdk-nag is used from Python (directly, or by a construct library that depends on it, which imports it): when
    it is not loaded, no rule pack reads acknowledgements, and looking up policies to acknowledge would cost four
    round trips to Node.js per function for nothing."""
    return "cdk_nag" in sys.modules


_TRACED_TYPES = frozenset(kind.value for kind in ServiceKind if kind is not ServiceKind.SQS_QUEUE)


def _looked_at(cls: type) -> bool:
    """Whether the pass looks at constructs of class ``cls``: Stages, Lambda L2s (made, or imported), and the L1s
    of the services it traces (or of a type only the object knows: a plain ``CfnResource``)."""
    if inherits(cls, CfnResource):
        cfn_type = class_cfn_type(cls)
        return cfn_type is None or cfn_type in _TRACED_TYPES
    return inherits(cls, Stage, lambda_.FunctionBase)


def _looked_at_with_policies(cls: type) -> bool:
    """:func:`_looked_at`, and the ``Policy`` constructs whose cdk-nag findings a grant may acknowledge."""
    return _looked_at(cls) or inherits(cls, iam.Policy)


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
    if mode not in MODE_VALUES:
        field_name = "TracingConfig" if key is None else "TracingConfig.Mode"
        raise fail(resource.node.path, field_name, mode, "one of " + ", ".join(MODE_VALUES))
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
