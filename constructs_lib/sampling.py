"""X-Ray sampling rules as a validated construct.

A sampling rule decides, at the root service of a request, whether X-Ray records its trace: each matching request
first takes one of the rule's *reservoir* slots (requests per second, shared by all hosts), then a *fixed rate*
of the rest is sampled. Rules are evaluated by priority (lowest first), the first match wins, and the built-in
``Default`` rule (priority 10000, 1/s + 5 %) catches the rest.

Example::

    # Record every POST to the API (the only POST is "place an order"), and 1/s + 1 % of the rest of it.
    SamplingRule.for_rest_api(self, "AllOrders", stage=api.deployment_stage, rule_name="orders-post",
                              priority=100, fixed_rate=1.0, reservoir_size=0, http_method="POST")
    SamplingRule.for_rest_api(self, "Baseline", stage=api, rule_name="orders-baseline", priority=9000,
                              fixed_rate=0.01, reservoir_size=1)

API Gateway matches a rule on its service name (``{api-name}/{stage}``), the stage ARN, the HTTP method, the host
and request headers (``attributes``). Not on the URL path: the X-Ray developer guide ("Configuring sampling
rules", sampling rule options) lists URL path as "Amazon API Gateway - Not supported" while the API Gateway guide
("Configure AWS X-Ray sampling rules for API Gateway APIs") lists it; since the pages disagree, a rule that targets
API Gateway and sets ``url_path`` gets a warning (``urlPathIgnoredByApiGateway``), and the library never relies on
it.

Across the app, at synth, one check on the app root counts every ``AWS::XRay::SamplingRule`` and
``AWS::XRay::Group`` per account/region (bare L1s included): two rules or two groups with one name, more rules than
the quota (25, adjustable: set the context key ``@constructs-lib/xray:samplingRuleQuota`` after raising it) or more
than 25 groups are errors; two rules with the same priority that can match the same request get a warning (X-Ray
then orders them by name), and so does a rule whose service name is the name of a Lambda function of the app.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypedDict

import jsii
from aws_cdk import AspectPriority, Aspects, CfnResource, IAspect, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_xray as xray
from constructs import Construct, IConstruct, IValidation

from ._validation import XRayValidationError, check_length, check_number, fail, is_token, warn
from .discovery import cfn_property, env_key, env_text
from .trace_roots import REST_API_TYPE, REST_STAGE_TYPE, locate, stage_service_names

__all__ = [
    "DEFAULT_RULE",
    "HTTP_METHODS",
    "SAMPLING_RULE_QUOTA",
    "SamplingRateBoost",
    "SamplingRule",
    "SamplingRuleSpec",
    "patterns_overlap",
    "wildcard_match",
]

#: HTTP method names a rule's ``http_method`` may match (besides wildcards such as ``*`` or ``P*``).
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
#: Custom sampling rules per account and region (adjustable through Service Quotas).
SAMPLING_RULE_QUOTA = 25
QUOTA_CONTEXT_KEY = "@constructs-lib/xray:samplingRuleQuota"
#: X-Ray groups per account and region (not adjustable).
GROUP_QUOTA = 25
MAX_ATTRIBUTES = 5
#: The string fields a request is matched on, in the order of the ``SamplingRule`` property.
MATCH_FIELDS = ("service_name", "service_type", "host", "http_method", "url_path", "resource_arn")

#: Service types whose sampling decision is made by the AWS service itself: adaptive sampling does not apply.
MANAGED_SERVICE_TYPES = frozenset(
    {"AWS::ApiGateway::Stage", "AWS::StepFunctions::StateMachine", "AWS::AppSync::GraphQLAPI", "AWS::SNS"}
)
#: The service type API Gateway reports, as the API Gateway guide spells it ("Configure AWS X-Ray sampling rules for
#: API Gateway APIs": ``AWS::ApiGateway::Stage`` or ``AWS::ApiGateway::*``); the X-Ray guide writes
#: ``AWS::APIGateway::Stage``. Rules made by :meth:`SamplingRule.for_rest_api` use ``*``, which both allow.
API_GATEWAY_STAGE_TYPE = "AWS::ApiGateway::Stage"
_LAMBDA_PREFIX = "aws::lambda"
#: Set while :meth:`SamplingRule.for_rest_api` builds its rule: the rule targets an API Gateway stage.
_FOR_REST_API: ContextVar[bool] = ContextVar("constructs_lib_for_rest_api", default=False)


@contextmanager
def _building_for_rest_api() -> Iterator[None]:
    token = _FOR_REST_API.set(True)
    try:
        yield
    finally:
        _FOR_REST_API.reset(token)


def targets_api_gateway(service_type: str) -> bool:
    """True when a rule's ``service_type`` (not ``*``) matches the type API Gateway stages report, in either
    spelling AWS documents (matching is case-insensitive)."""
    return (not is_token(service_type) and service_type != "*"
            and wildcard_match(service_type, API_GATEWAY_STAGE_TYPE))


# -- wildcard matching ----------------------------------------------------------------------------------------
def wildcard_match(pattern: str, value: str) -> bool:
    """True when ``value`` matches the X-Ray rule pattern (``*`` any run, ``?`` one character; case-insensitive).

    Example::

        from constructs_lib.sampling import wildcard_match

        wildcard_match("/orders*", "/orders/42")   # True
    """
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL) is not None


def patterns_overlap(first: str, second: str) -> bool:
    """True when some string matches both wildcard patterns (so two rules can match one request).

    Example::

        from constructs_lib.sampling import patterns_overlap

        patterns_overlap("/orders*", "*/42")   # True: "/orders/42"
        patterns_overlap("GET", "POST")        # False
    """
    a, b = first.lower(), second.lower()

    @functools.cache
    def meet(i: int, j: int) -> bool:
        if i == len(a) and j == len(b):
            return True
        if i < len(a) and a[i] == "*":
            return meet(i + 1, j) or (j < len(b) and meet(i, j + 1))
        if j < len(b) and b[j] == "*":
            return meet(i, j + 1) or (i < len(a) and meet(i + 1, j))
        if i < len(a) and j < len(b) and (a[i] == b[j] or "?" in (a[i], b[j])):
            return meet(i + 1, j + 1)
        return False

    return meet(0, 0)


# -- value objects --------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SamplingRateBoost:
    """Adaptive sampling: let the rule's rate rise up to ``max_rate`` when anomalies are detected.

    Applies to compute instrumented with the AWS Distro for OpenTelemetry (EC2, ECS, EKS...), not to Lambda or to
    services that sample for themselves (API Gateway, Step Functions, AppSync).

    Example::

        SamplingRateBoost(max_rate=0.25, cooldown_minutes=5)
    """

    max_rate: float
    cooldown_minutes: int = 1

    def __post_init__(self) -> None:
        check_number("SamplingRateBoost", "max_rate", self.max_rate, minimum=0, maximum=1)
        check_number("SamplingRateBoost", "cooldown_minutes", self.cooldown_minutes, minimum=1, integer=True)

    def to_cfn(self) -> xray.CfnSamplingRule.SamplingRateBoostProperty:
        """The CloudFormation ``SamplingRateBoost`` property."""
        return xray.CfnSamplingRule.SamplingRateBoostProperty(
            max_rate=self.max_rate, cooldown_window_minutes=self.cooldown_minutes
        )


@dataclass(frozen=True)
class SamplingRuleSpec:
    """A sampling rule as plain values: what :class:`SamplingRule` deploys, and what the cost estimate reads.

    Validated like the construct. Use it to estimate rules that live outside this app (or the ``Default`` rule).

    Example::

        SamplingRuleSpec(rule_name="orders-post", priority=100, fixed_rate=1.0, reservoir_size=0,
                         service_name="orders-api/prod", http_method="POST")
    """

    rule_name: str
    priority: int
    fixed_rate: float
    reservoir_size: int
    service_name: str = "*"
    service_type: str = "*"
    host: str = "*"
    http_method: str = "*"
    url_path: str = "*"
    resource_arn: str = "*"
    attributes: Mapping[str, str] | None = field(default=None, compare=False)
    rate_boost: SamplingRateBoost | None = None
    #: Set only for the built-in rule, which may use the reserved name and priority.
    builtin: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if not self.builtin:
            validate_rule_fields(f"SamplingRuleSpec {self.rule_name!r}", self)

    @property
    def has_tokens(self) -> bool:
        """True when a field is still a CDK token (its value is known only at deploy time)."""
        values: list[Any] = [self.rule_name, self.priority, self.fixed_rate, self.reservoir_size, *self.patterns]
        return any(is_token(v) for v in values)

    @property
    def patterns(self) -> tuple[str, ...]:
        """The match fields (:data:`MATCH_FIELDS`: service name, type, host, method, path, resource ARN)."""
        return tuple(getattr(self, name) for name in MATCH_FIELDS)

    def to_cfn(self) -> xray.CfnSamplingRule.SamplingRuleProperty:
        """The CloudFormation ``SamplingRule`` property (``Version`` 1)."""
        patterns: dict[str, Any] = dict(zip(MATCH_FIELDS, self.patterns, strict=True))
        return xray.CfnSamplingRule.SamplingRuleProperty(
            rule_name=self.rule_name, priority=self.priority, fixed_rate=self.fixed_rate,
            reservoir_size=self.reservoir_size, version=1,
            attributes=dict(self.attributes) if isinstance(self.attributes, Mapping) else self.attributes,
            sampling_rate_boost=self.rate_boost.to_cfn() if self.rate_boost is not None else None, **patterns,
        )

    def matches(
        self,
        *,
        service_name: str | None,
        service_type: str | None,
        host: str | None,
        http_method: str | None,
        url_path: str | None,
        resource_arn: str | None = None,
        attributes: Mapping[str, str] | None = None,
    ) -> bool:
        """True when a request with these values matches the rule (``None``: unknown, matches only ``*``).
        A rule with ``attributes`` matches only a request that carries each of them (wildcards allowed).

        Example::

            spec.matches(service_name="orders-api/prod", service_type="AWS::ApiGateway::Stage", host=None,
                         http_method="POST", url_path="/orders")
        """
        values = (service_name, service_type, host, http_method, url_path, resource_arn)
        if isinstance(self.attributes, Mapping) and self.attributes:
            given = attributes or {}
            if not all(key in given and wildcard_match(str(pattern), given[key])
                       for key, pattern in self.attributes.items()):
                return False
        return all(
            p == "*" or (v is not None and wildcard_match(p, v))
            for p, v in zip(self.patterns, values, strict=True)
        )


#: The built-in rule every account has: priority 10000, 1 request/s, then 5 %.
DEFAULT_RULE = SamplingRuleSpec(rule_name="Default", priority=10000, fixed_rate=0.05, reservoir_size=1, builtin=True)


def validate_rule_fields(owner: str, spec: SamplingRuleSpec) -> None:
    """Check every field against the limits in the X-Ray facts table; tokens pass unvalidated."""
    check_length(owner, "rule_name", spec.rule_name, minimum=1, maximum=32)
    if spec.rule_name == "Default":
        raise fail(owner, "rule_name", spec.rule_name, "a name other than 'Default' (the built-in rule)")
    check_number(owner, "priority", spec.priority, minimum=1, maximum=9999, integer=True)
    check_number(owner, "fixed_rate", spec.fixed_rate, minimum=0, maximum=1)
    check_number(owner, "reservoir_size", spec.reservoir_size, minimum=0, integer=True)
    for name in ("service_name", "service_type", "host"):
        check_length(owner, name, getattr(spec, name), maximum=64)
    check_length(owner, "http_method", spec.http_method, maximum=10)
    check_length(owner, "url_path", spec.url_path, maximum=128)
    check_length(owner, "resource_arn", spec.resource_arn, maximum=500)
    method = spec.http_method
    if not is_token(method) and not any(wildcard_match(method, m) for m in HTTP_METHODS):
        raise fail(owner, "http_method", method,
                   "an HTTP method (" + ", ".join(sorted(HTTP_METHODS)) + ") or a wildcard pattern matching one")
    attributes = spec.attributes
    if attributes is not None and not is_token(attributes):
        if not isinstance(attributes, Mapping):
            raise fail(owner, "attributes", attributes, "a mapping of strings to strings")
        if len(attributes) > MAX_ATTRIBUTES:
            raise fail(owner, "attributes", dict(attributes), f"at most {MAX_ATTRIBUTES} entries (it has "
                       f"{len(attributes)})")
        for key, value in attributes.items():
            check_length(owner, "attributes key", key, minimum=1, maximum=32)
            check_length(owner, f"attributes[{key!r}]", value, minimum=1, maximum=32)
    if spec.rate_boost is not None and not isinstance(spec.rate_boost, SamplingRateBoost):
        raise fail(owner, "rate_boost", spec.rate_boost, "a SamplingRateBoost")


# -- the construct --------------------------------------------------------------------------------------------
class SamplingRule(Construct):
    """An ``AWS::XRay::SamplingRule`` (current ``SamplingRule`` property, ``Version`` 1), validated at synth.

    :param rule_name: 1-32 characters, unique in the account/region; ``Default`` is reserved.
    :param priority: 1-9999; lowest is evaluated first and the first match wins.
    :param fixed_rate: fraction (0-1) of matching requests sampled once the reservoir is used up.
    :param reservoir_size: requests per second sampled before the fixed rate applies, shared by all hosts.
    :param service_name: service name pattern (``*``, ``?`` wildcards), at most 64 characters.
    :param service_type: service type pattern, e.g. ``AWS::ECS::Container``, at most 64 characters.
    :param host: host header pattern, at most 64 characters.
    :param http_method: method or pattern (``*``, ``GET``, ``P*``), at most 10 characters.
    :param url_path: path pattern, at most 128 characters. Not for API Gateway (see the module docs): a warning.
    :param resource_arn: ARN pattern, at most 500 characters. The X-Ray SDKs only use rules where this is ``*``.
    :param attributes: up to 5 request attributes (keys and values 1-32 characters). The SDKs skip such rules.
    :param rate_boost: adaptive sampling (ADOT-instrumented compute only).

    Example::

        # an SDK-instrumented service on ECS: the X-Ray SDKs match URL paths (API Gateway does not)
        SamplingRule(self, "Checkout", rule_name="checkout", priority=10, fixed_rate=1.0, reservoir_size=0,
                     service_name="checkout", service_type="AWS::ECS::Container", url_path="/checkout*")
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        rule_name: str,
        priority: int,
        fixed_rate: float,
        reservoir_size: int,
        service_name: str = "*",
        service_type: str = "*",
        host: str = "*",
        http_method: str = "*",
        url_path: str = "*",
        resource_arn: str = "*",
        attributes: Mapping[str, str] | None = None,
        rate_boost: SamplingRateBoost | None = None,
    ) -> None:
        super().__init__(scope, id)
        try:
            self.spec = SamplingRuleSpec(
                rule_name=rule_name, priority=priority, fixed_rate=fixed_rate, reservoir_size=reservoir_size,
                service_name=service_name, service_type=service_type, host=host, http_method=http_method,
                url_path=url_path, resource_arn=resource_arn,
                attributes=dict(attributes) if isinstance(attributes, Mapping) else attributes, rate_boost=rate_boost,
            )
        except XRayValidationError as error:
            owner = f"SamplingRule '{self.node.path}'"
            raise XRayValidationError(str(error).replace(f"SamplingRuleSpec {rule_name!r}", owner, 1)) from None
        self.resource = xray.CfnSamplingRule(self, "Resource", sampling_rule=self.spec.to_cfn())
        self._api_gateway = _FOR_REST_API.get() or targets_api_gateway(self.spec.service_type)
        self._warn_when_ineffective()
        install_app_checks(self)

    # -- accessors -----------------------------------------------------------------------------------------
    @property
    def rule_name(self) -> str:
        """The rule's name."""
        return self.spec.rule_name

    @property
    def rule_arn(self) -> str:
        """The rule's ARN (``Fn::GetAtt RuleARN``)."""
        return self.resource.attr_rule_arn

    @property
    def priority(self) -> int:
        """The rule's priority (lowest first)."""
        return self.spec.priority

    @property
    def targets_api_gateway(self) -> bool:
        """True when the rule was made by :meth:`for_rest_api` or its service type is API Gateway's."""
        return self._api_gateway

    # -- helpers -------------------------------------------------------------------------------------------
    @classmethod
    def for_rest_api(
        cls,
        scope: Construct,
        id: str,
        *,
        stage: apigateway.IStage | apigateway.IRestApi,
        rule_name: str,
        priority: int,
        fixed_rate: float,
        reservoir_size: int,
        http_method: str = "*",
        url_path: str = "*",
        host: str = "*",
        attributes: Mapping[str, str] | None = None,
        api_name: str | None = None,
        match_stage_arn: bool = False,
    ) -> SamplingRule:
        """A rule for one REST API stage, with the fields both AWS guides document for API Gateway: service name
        ``{api-name}/{stage}``, service type ``*``, and optionally the stage ARN; narrow it with ``http_method``,
        ``host`` and ``attributes`` (request headers).

        API Gateway reports its requests under that service name, so the rule needs no hand-built strings. The
        service type stays ``*``: the X-Ray guide writes ``AWS::APIGateway::Stage``, the API Gateway guide
        ``AWS::ApiGateway::Stage`` (or ``AWS::ApiGateway::*``), and the service name already selects the stage.
        ``resource_arn`` stays ``*`` by default: the X-Ray SDKs ignore any rule whose ``ResourceARN`` is not ``*``,
        and a wrong ARN would silently stop the rule from matching. Set ``match_stage_arn=True`` to pin the rule to
        the stage's ARN (``arn:<partition>:apigateway:<region>::/restapis/<api-id>/stages/<stage>``) when two APIs
        in the account share a name and stage. ``url_path`` draws a warning: the X-Ray guide says API Gateway does
        not support it.

        :param stage: the stage (``api.deployment_stage``, a ``Stage``, or an imported one from
            ``apigateway.Stage.from_stage_attributes``), or a ``RestApi`` that has a deployment stage. A
            ``RestApi(deploy=False)`` or an imported ``RestApi`` has none: pass its stage instead.
        :param api_name: the API's name, needed when the app does not know it (an imported API).

        Example::

            SamplingRule.for_rest_api(self, "AllOrderPosts", stage=api, rule_name="orders-post", priority=100,
                                      fixed_rate=1.0, reservoir_size=0, http_method="POST")
            # an API defined elsewhere: its stage, and its name
            stage = apigateway.Stage.from_stage_attributes(
                self, "ShopStage", rest_api=apigateway.RestApi.from_rest_api_id(self, "Shop", "a1b2c3d4e5"),
                stage_name="prod")
            SamplingRule.for_rest_api(self, "ShopPosts", stage=stage, api_name="shop-api", rule_name="shop-post",
                                      priority=110, fixed_rate=1.0, reservoir_size=0, http_method="POST")
        """
        target = rest_api_target(f"SamplingRule.for_rest_api '{id}'", stage, api_name, match_stage_arn)
        with _building_for_rest_api():
            return cls(scope, id, rule_name=rule_name, priority=priority, fixed_rate=fixed_rate,
                       reservoir_size=reservoir_size, host=host, http_method=http_method, url_path=url_path,
                       attributes=attributes, **target)

    def _warn_when_ineffective(self) -> None:
        service_type = self.spec.service_type
        literal_type = None if is_token(service_type) else service_type.lower()
        lambda_only = literal_type is not None and literal_type.startswith(_LAMBDA_PREFIX)
        if lambda_only:
            warn(self, "samplingRuleIgnoredByLambda",
                 f"Sampling rule '{self.spec.rule_name}' targets service type '{service_type}', but {_LAMBDA_IGNORES}")
        managed = self._api_gateway or (literal_type is not None
                                        and any(literal_type == t.lower() for t in MANAGED_SERVICE_TYPES))
        if self.spec.rate_boost is not None and (lambda_only or managed):
            warn(self, "rateBoostNotApplicable",
                 f"Sampling rule '{self.spec.rule_name}' sets rate_boost, but adaptive sampling applies only to "
                 f"compute instrumented with the AWS Distro for OpenTelemetry; '{service_type}' makes its own "
                 "sampling decision and will never boost. Remove rate_boost or target ADOT-instrumented services.")
        sdk_skips = self.spec.resource_arn != "*" or bool(self.spec.attributes)
        if sdk_skips and not managed:
            warn(self, "samplingRuleSkippedBySdks",
                 f"Sampling rule '{self.spec.rule_name}' sets resource_arn or attributes: the X-Ray SDKs skip "
                 "such rules, so only services that sample for themselves (API Gateway...) will apply it.")
        if self._api_gateway and self.spec.url_path != "*":
            warn(self, "urlPathIgnoredByApiGateway", url_path_warning(self.spec.rule_name, self.spec.url_path))


def url_path_warning(rule_name: str, url_path: str) -> str:
    """The ``urlPathIgnoredByApiGateway`` warning text."""
    return (
        f"Sampling rule '{rule_name}' targets an API Gateway stage and sets url_path '{url_path}'. The X-Ray "
        "developer guide (Configuring sampling rules, sampling rule options) lists URL path as 'Amazon API Gateway "
        "- Not supported' (the API Gateway guide lists it: the pages disagree), so the rule may never match. "
        "Select API Gateway requests by http_method, host or attributes (request headers) instead, or leave "
        "url_path '*'."
    )


class RestApiTarget(TypedDict):
    """The rule fields that select one REST API stage."""

    service_name: str
    service_type: str
    resource_arn: str


def rest_api_target(
    owner: str, stage: apigateway.IStage | apigateway.IRestApi, api_name: str | None, match_stage_arn: bool
) -> RestApiTarget:
    """``{api-name}/{stage}``, service type ``*``, and the stage ARN (or ``*``) for ``stage``; ``owner`` names the
    caller in errors. Shared by :meth:`SamplingRule.for_rest_api` and ``TrafficProfile.for_rest_api``."""
    resolved = rest_api_stage(owner, stage)
    api: Any = resolved.rest_api
    # An imported API's ``rest_api_name`` is only its construct id: use the name of the API's own L1.
    cfn_api = getattr(api, "node", None) and api.node.default_child
    literal_name = getattr(cfn_api, "name", None) if cfn_api is not None else None
    name = api_name if api_name is not None else literal_name
    if name is None:
        raise fail(owner, "api_name", None, "given when the app does not know the API's name (an imported API, or a "
                   "SpecRestApi without a name)")
    # The L2's stage_name is a Ref; the L1 holds the literal name, which keeps the rule readable and lets the cost
    # estimate match it.
    cfn_stage = resolved.node.default_child
    literal = getattr(cfn_stage, "stage_name", None) if cfn_stage is not None else None
    stage_name = literal if isinstance(literal, str) else resolved.stage_name
    return RestApiTarget(
        service_name=f"{name}/{stage_name}",
        service_type="*",
        resource_arn=resolved.stage_arn if match_stage_arn else "*",
    )


def rest_api_stage(owner: str, stage: apigateway.IStage | apigateway.IRestApi) -> apigateway.StageBase:
    """``stage`` itself, or a REST API's deployment stage; a readable error when the API has none."""
    if isinstance(stage, apigateway.RestApiBase):
        try:
            return stage.deployment_stage
        except RuntimeError:  # jsii: "Unable to serialize value ... undefined"
            raise XRayValidationError(
                f"{owner}: stage must be a Stage, or a RestApi that has a deployment stage; the RestApi "
                f"'{stage.node.path}' has none (RestApi(deploy=False), or an imported API such as "
                "RestApi.from_rest_api_id). Pass its stage instead: stage=apigateway.Stage.from_stage_attributes("
                "scope, 'Stage', rest_api=api, stage_name='prod'), plus api_name='<the API name>' when the API is "
                "imported"
            ) from None
    if isinstance(stage, apigateway.StageBase):
        return stage
    raise fail(owner, "stage", stage, "an apigateway.Stage (or Stage.from_stage_attributes) or a RestApi")


# -- app-wide checks ------------------------------------------------------------------------------------------
#: The id of the construct, directly under the app's root, that carries the app-wide checks (one per app).
APP_CHECKS_ID = "ConstructsLibXRayChecks"
_RULE_TYPE = xray.CfnSamplingRule.CFN_RESOURCE_TYPE_NAME
_GROUP_TYPE = xray.CfnGroup.CFN_RESOURCE_TYPE_NAME
_FUNCTION_TYPE = lambda_.CfnFunction.CFN_RESOURCE_TYPE_NAME


def install_app_checks(construct: IConstruct) -> None:
    """Give ``construct``'s app the app-wide X-Ray checks: once, however many rules and groups it has.

    They hang on a marker construct directly under the root, which ``try_find_child`` finds again whether the root
    was made in Python or by CDK itself (a ``Stack`` created without an ``App``). A registry keyed by the root
    object would not: jsii hands out a new proxy object for a root made in JavaScript each time it is read.
    """
    root = construct.node.root
    if not isinstance(root.node.try_find_child(APP_CHECKS_ID), _AppChecks):
        assert isinstance(root, Construct)
        _AppChecks(root, APP_CHECKS_ID)


class _AppChecks(Construct):
    """The marker: one validation on the root (pure) and one read-only aspect (adds the warnings)."""

    def __init__(self, root: Construct, id: str) -> None:
        super().__init__(root, id)
        self.checks = _Checks(self)
        root.node.add_validation(self.checks)
        Aspects.of(self).add(self.checks, priority=AspectPriority.READONLY)


@jsii.implements(IValidation, IAspect)
class _Checks:
    """Checks that need the whole app. Each problem is reported once, naming the constructs, env and limit."""

    def __init__(self, marker: Construct) -> None:
        self.marker = marker
        self._warned: set[tuple[str, str, str]] = set()

    def validate(self) -> list[str]:
        """Errors only: no side effects, so every synth reports the same thing."""
        inventory = _Inventory.of(self.marker.node.root)
        return [*inventory.version_errors(), *inventory.rule_errors(), *inventory.group_errors()]

    def visit(self, node: IConstruct) -> None:
        """Add the app-wide warnings. A forced re-synth invokes aspects again: add each warning only once."""
        for target, code, message in _Inventory.of(self.marker.node.root).warnings():
            key = (target.node.path, code, message)
            if key not in self._warned:
                self._warned.add(key)
                warn(target, code, message)


@dataclass(frozen=True)
class _Entry:
    """One ``AWS::XRay::SamplingRule`` or ``AWS::XRay::Group`` of the app, whoever created it."""

    node: IConstruct  # the SamplingRule/TraceGroup (or other construct the L1 is the default child of), or the L1
    env: tuple[str, str]
    name: Any
    priority: Any = None
    patterns: tuple[Any, ...] = ()

    @property
    def label(self) -> str:
        return f"{type(self.node).__name__} '{self.node.node.path}'"


def _owner(resource: CfnResource) -> IConstruct:
    """The construct that stands for an L1 in messages: the L2 whose ``Resource`` it is, else the L1 itself."""
    scope = resource.node.scope
    if scope is not None and resource.node.id == "Resource" and not isinstance(scope, Stack):
        return scope
    return resource


@dataclass(frozen=True)
class _Inventory:
    """Every sampling rule, group and Lambda function of the app, from one walk of the tree."""

    rules: list[_Entry]
    groups: list[_Entry]
    functions: list[CfnResource]
    root: IConstruct | None = None

    @staticmethod
    def of(root: IConstruct) -> _Inventory:
        inventory = _Inventory([], [], [], root)
        for node in root.node.find_all():
            if isinstance(node, SamplingRule):
                spec = node.spec
                inventory.rules.append(_Entry(node, env_key(node), spec.rule_name, spec.priority, spec.patterns))
            elif isinstance(node, CfnResource):
                kind = node.cfn_resource_type
                if kind == _RULE_TYPE and not isinstance(node.node.scope, SamplingRule):
                    rule = cfn_property(node, "SamplingRule")
                    rule = rule if isinstance(rule, dict) else {}
                    inventory.rules.append(_Entry(_owner(node), env_key(node), rule.get("RuleName"),
                                                  rule.get("Priority"), tuple(rule.get(key, "*") for key in (
                                                      "ServiceName", "ServiceType", "Host", "HTTPMethod",
                                                      "URLPath", "ResourceARN"))))
                elif kind == _GROUP_TYPE:
                    name = node.group_name if isinstance(node, xray.CfnGroup) else cfn_property(node, "GroupName")
                    inventory.groups.append(_Entry(_owner(node), env_key(node), name))
                elif kind == _FUNCTION_TYPE:
                    inventory.functions.append(node)
        return inventory

    # -- errors ------------------------------------------------------------------------------------------------
    def version_errors(self) -> list[str]:
        errors = []
        for entry in self.rules:
            if isinstance(entry.node, SamplingRule):
                rendered = cfn_property(entry.node.resource, "SamplingRule")
                version = rendered.get("Version") if isinstance(rendered, dict) else None
                if not is_token(version) and version != 1:
                    errors.append(str(fail(entry.label, "SamplingRule.Version", version,
                                           "1 (the only version; it is create-only)")))
        return errors

    def rule_errors(self) -> list[str]:
        errors = _duplicate_names(self.rules, "rule_name", "")
        for env, entries in _by_env(self.rules).items():
            quota = entries[0].node.node.try_get_context(QUOTA_CONTEXT_KEY) or SAMPLING_RULE_QUOTA
            if len(entries) > quota:
                errors.append(
                    f"X-Ray quota: the number of sampling rules in {env_text(env)} must be at most {quota} (the "
                    f"X-Ray quota; adjustable, then set the context key {QUOTA_CONTEXT_KEY}), got {len(entries)}: "
                    + _paths(entries)
                )
        return errors

    def group_errors(self) -> list[str]:
        errors = _duplicate_names(self.groups, "group_name", " (X-Ray group names are unique per account and region)")
        for env, entries in _by_env(self.groups).items():
            if len(entries) > GROUP_QUOTA:
                errors.append(
                    f"X-Ray quota: the number of X-Ray groups in {env_text(env)} must be at most {GROUP_QUOTA} (the "
                    f"X-Ray quota, not adjustable), got {len(entries)}: " + _paths(entries)
                )
        return errors

    # -- warnings ----------------------------------------------------------------------------------------------
    def warnings(self) -> list[tuple[IConstruct, str, str]]:
        return [*self._same_priority(), *self._lambda_names(), *self._url_paths_on_api_gateway()]

    def _url_paths_on_api_gateway(self) -> list[tuple[IConstruct, str, str]]:
        """Rules that set a URL path and select an API Gateway stage of the app by its service name, or API
        Gateway by service type (rules made by ``for_rest_api`` or with that type were warned when made)."""
        found = []
        stages: dict[tuple[str, str], list[str]] | None = None
        for entry in self.rules:
            if isinstance(entry.node, SamplingRule) and entry.node.targets_api_gateway:
                continue
            service_name, service_type, *_, url_path, _arn = entry.patterns or ("*",) * 6
            if not _comparable(url_path) or url_path == "*" or not _comparable(service_type):
                continue
            on_api_gateway = targets_api_gateway(service_type)
            if not on_api_gateway and service_type == "*" and _comparable(service_name) and service_name != "*":
                if stages is None and self.root is not None:  # a walk of its own, only when a rule needs it
                    stages = stage_service_names(locate(self.root, (REST_API_TYPE, REST_STAGE_TYPE)))
                on_api_gateway = any(wildcard_match(service_name, name) for name in (stages or {}).get(entry.env, []))
            if on_api_gateway:
                found.append((entry.node, "urlPathIgnoredByApiGateway", url_path_warning(str(entry.name), url_path)))
        return found

    def _same_priority(self) -> list[tuple[IConstruct, str, str]]:
        found = []
        by_priority: dict[tuple[tuple[str, str], Any], list[_Entry]] = {}
        for entry in self.rules:
            if _comparable(entry.priority):
                by_priority.setdefault((entry.env, entry.priority), []).append(entry)
        for entries in by_priority.values():
            for index, first in enumerate(entries):
                for second in entries[index + 1:]:
                    if _overlap(first, second):
                        found.append((first.node, "samplingRulesSamePriority",
                                      f"Sampling rules '{first.name}' ({first.node.node.path}) and '{second.name}' "
                                      f"({second.node.node.path}) both have priority {first.priority} and can match "
                                      "the same request; X-Ray then picks by name. Give them distinct priorities."))
        return found

    def _lambda_names(self) -> list[tuple[IConstruct, str, str]]:
        """Rules of any service type whose service name is a Lambda function of the app (in the same env)."""
        candidates = [
            (entry.env, entry.node) for entry in self.rules
            if isinstance(entry.node, SamplingRule) and entry.node.spec.service_type == "*"
            and _comparable(entry.node.spec.service_name) and not set("*?") & set(entry.node.spec.service_name)
        ]
        if not candidates:
            return []
        envs = {env for env, _ in candidates}
        functions: dict[tuple[tuple[str, str], str], CfnResource] = {}
        for function in self.functions:
            env = env_key(function)
            if env in envs:
                name = (function.function_name if isinstance(function, lambda_.CfnFunction)
                        else cfn_property(function, "FunctionName"))
                if isinstance(name, str) and not is_token(name):
                    functions.setdefault((env, name.lower()), function)
        found: list[tuple[IConstruct, str, str]] = []
        for env, rule in candidates:
            match = functions.get((env, rule.spec.service_name.lower()))
            if match is not None:
                found.append((rule, "samplingRuleIgnoredByLambda",
                              f"Sampling rule '{rule.spec.rule_name}' has service name '{rule.spec.service_name}', "
                              f"the name of the Lambda function '{_owner(match).node.path}', and service type '*'; but "
                              + _LAMBDA_IGNORES))
        return found


_LAMBDA_IGNORES = (
    "Lambda ignores sampling rules: a function that starts a trace samples 1 request/s + 5 %, and one called by a "
    "traced service follows its caller's decision. Target the caller instead (e.g. the REST API stage with "
    "SamplingRule.for_rest_api)."
)


def _by_env(entries: list[_Entry]) -> dict[tuple[str, str], list[_Entry]]:
    grouped: dict[tuple[str, str], list[_Entry]] = {}
    for entry in entries:
        grouped.setdefault(entry.env, []).append(entry)
    return grouped


def _paths(entries: list[_Entry]) -> str:
    return ", ".join(f"'{entry.node.node.path}'" for entry in entries)


def _duplicate_names(entries: list[_Entry], field_name: str, why: str) -> list[str]:
    """One error per name used more than once in one env, reported by its second user, naming the others."""
    by_name: dict[tuple[tuple[str, str], Any], list[_Entry]] = {}
    for entry in entries:
        if _comparable(entry.name):
            by_name.setdefault((entry.env, entry.name), []).append(entry)
    errors = []
    for (env, name), users in by_name.items():
        if len(users) > 1:
            others = [users[0], *users[2:]]
            verb = "already uses it" if len(others) == 1 else "also use it"
            errors.append(str(fail(users[1].label, field_name, name,
                                   f"unique in {env_text(env)}{why}; {_paths(others)} {verb}")))
    return errors


def _comparable(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not is_token(value)


def _overlap(first: _Entry, second: _Entry) -> bool:
    # A field still holding a token compares as its literal token text: identical tokens overlap, others only
    # through wildcards. Unrendered values (dicts from Fn::Join) are assumed to overlap.
    return all(
        not isinstance(a, str) or not isinstance(b, str) or patterns_overlap(a, b)
        for a, b in zip(first.patterns, second.patterns, strict=True)
    )
