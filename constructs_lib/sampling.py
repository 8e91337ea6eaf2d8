"""X-Ray sampling rules as a validated construct.

A sampling rule decides, at the root service of a request, whether X-Ray records its trace: each matching request
first takes one of the rule's *reservoir* slots (requests per second, shared by all hosts), then a *fixed rate*
of the rest is sampled. Rules are evaluated by priority (lowest first), the first match wins, and the built-in
``Default`` rule (priority 10000, 1/s + 5 %) catches the rest.

Example::

    # Record every POST /orders*, and only 1/s + 1 % of the rest of the API.
    SamplingRule.for_rest_api(self, "AllOrders", stage=api.deployment_stage, rule_name="orders-post",
                              priority=100, fixed_rate=1.0, reservoir_size=0, http_method="POST",
                              url_path="/orders*")
    SamplingRule(self, "Baseline", rule_name="baseline", priority=9000, fixed_rate=0.01, reservoir_size=1)

Across the app, at synth: two rules with one name, or more rules than the account/region quota (25, adjustable:
set the context key ``@constructs-lib/xray:samplingRuleQuota`` after raising it), are errors; two rules with the
same priority that can match the same request get a warning (X-Ray then orders them by name).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import jsii
from aws_cdk import Annotations, CfnResource
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_xray as xray
from constructs import Construct, IConstruct, IValidation

from ._validation import WARNING_PREFIX, XRayValidationError, check_length, check_number, fail, is_token
from .discovery import cfn_property, env_key, env_text

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
MAX_ATTRIBUTES = 5

#: Service types whose sampling decision is made by the AWS service itself: adaptive sampling does not apply.
MANAGED_SERVICE_TYPES = frozenset(
    {"AWS::ApiGateway::Stage", "AWS::StepFunctions::StateMachine", "AWS::AppSync::GraphQLAPI", "AWS::SNS"}
)
_LAMBDA_PREFIX = "aws::lambda"


# -- wildcard matching ----------------------------------------------------------------------------------------
def wildcard_match(pattern: str, value: str) -> bool:
    """True when ``value`` matches the X-Ray rule pattern (``*`` any run, ``?`` one character; case-insensitive).

    Example::

        wildcard_match("/orders*", "/orders/42")   # True
    """
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, flags=re.IGNORECASE | re.DOTALL) is not None


def patterns_overlap(first: str, second: str) -> bool:
    """True when some string matches both wildcard patterns (so two rules can match one request).

    Example::

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
                         service_name="orders-api/prod", http_method="POST", url_path="/orders*")
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
        values: list[Any] = [
            self.rule_name, self.priority, self.fixed_rate, self.reservoir_size, self.service_name,
            self.service_type, self.host, self.http_method, self.url_path, self.resource_arn,
        ]
        return any(is_token(v) for v in values)

    def matches(
        self,
        *,
        service_name: str | None,
        service_type: str | None,
        host: str | None,
        http_method: str | None,
        url_path: str | None,
        resource_arn: str | None = None,
    ) -> bool:
        """True when a request with these values matches the rule (``None``: unknown, matches only ``*``).

        Example::

            spec.matches(service_name="orders-api/prod", service_type="AWS::ApiGateway::Stage", host=None,
                         http_method="POST", url_path="/orders")
        """
        pairs = (
            (self.service_name, service_name), (self.service_type, service_type), (self.host, host),
            (self.http_method, http_method), (self.url_path, url_path), (self.resource_arn, resource_arn),
        )
        return all(p == "*" or (v is not None and wildcard_match(p, v)) for p, v in pairs)


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
    :param service_type: service type pattern, e.g. ``AWS::ApiGateway::Stage``, at most 64 characters.
    :param host: host header pattern, at most 64 characters.
    :param http_method: method or pattern (``*``, ``GET``, ``P*``), at most 10 characters.
    :param url_path: path pattern, at most 128 characters.
    :param resource_arn: ARN pattern, at most 500 characters. The X-Ray SDKs only use rules where this is ``*``.
    :param attributes: up to 5 request attributes (keys and values 1-32 characters). The SDKs skip such rules.
    :param rate_boost: adaptive sampling (ADOT-instrumented compute only).

    Example::

        SamplingRule(self, "Checkout", rule_name="checkout", priority=10, fixed_rate=1.0, reservoir_size=0,
                     service_name="shop-api/prod", url_path="/checkout*")
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
        owner = f"SamplingRule '{self.node.path}'"
        try:
            self.spec = SamplingRuleSpec(
                rule_name=rule_name, priority=priority, fixed_rate=fixed_rate, reservoir_size=reservoir_size,
                service_name=service_name, service_type=service_type, host=host, http_method=http_method,
                url_path=url_path, resource_arn=resource_arn,
                attributes=dict(attributes) if isinstance(attributes, Mapping) else attributes,
                rate_boost=rate_boost,
            )
        except XRayValidationError as error:
            raise XRayValidationError(str(error).replace(f"SamplingRuleSpec {rule_name!r}", owner, 1)) from None
        self.resource = xray.CfnSamplingRule(
            self,
            "Resource",
            sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
                rule_name=rule_name,
                priority=priority,
                fixed_rate=fixed_rate,
                reservoir_size=reservoir_size,
                service_name=service_name,
                service_type=service_type,
                host=host,
                http_method=http_method,
                url_path=url_path,
                resource_arn=resource_arn,
                version=1,
                attributes=self.spec.attributes,
                sampling_rate_boost=rate_boost.to_cfn() if rate_boost is not None else None,
            ),
        )
        self._warn_when_ineffective()
        self.node.add_validation(_RuleChecks(self))

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

    # -- helpers -------------------------------------------------------------------------------------------
    @classmethod
    def for_rest_api(
        cls,
        scope: Construct,
        id: str,
        *,
        stage: apigateway.StageBase | apigateway.RestApiBase,
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
        """A rule for one REST API stage: service name ``{api-name}/{stage}``, type ``AWS::ApiGateway::Stage``.

        API Gateway reports its requests under that service name and type, so the rule needs no hand-built
        strings. ``resource_arn`` stays ``*`` by default: the name and type already pick the stage, and a rule is
        only useful if the service evaluating it matches every field. API Gateway samples for itself and can match
        the stage ARN, but the X-Ray SDKs ignore any rule whose ``ResourceARN`` is not ``*``; a wrong ARN would
        silently stop the rule from matching. Set ``match_stage_arn=True`` to pin the rule to the stage's ARN
        (``arn:<partition>:apigateway:<region>::/restapis/<api-id>/stages/<stage>``) when two APIs in the
        account share a name and stage.

        :param stage: the stage (also an imported one), or a ``RestApi`` (its ``deployment_stage`` is used).
        :param api_name: the API's name, needed only for an imported API (the L2 knows its own).

        Example::

            SamplingRule.for_rest_api(self, "AllOrderPosts", stage=api, rule_name="orders-post", priority=100,
                                      fixed_rate=1.0, reservoir_size=0, http_method="POST", url_path="/orders*")
        """
        resolved_stage: apigateway.StageBase
        if isinstance(stage, apigateway.RestApiBase):
            api: Any = stage
            resolved_stage = stage.deployment_stage
        elif isinstance(stage, apigateway.StageBase):
            api = stage.rest_api
            resolved_stage = stage
        else:
            raise fail(f"SamplingRule.for_rest_api '{id}'", "stage", stage, "an apigateway.Stage or RestApi")
        # An imported API's ``rest_api_name`` is only its construct id: use the name of the API's own L1.
        cfn_api = getattr(api, "node", None) and api.node.default_child
        literal_name = getattr(cfn_api, "name", None) if cfn_api is not None else None
        name = api_name if api_name is not None else literal_name
        if name is None:
            raise fail(f"SamplingRule.for_rest_api '{id}'", "api_name", None,
                       "given when the app does not know the API's name (an imported API, or a SpecRestApi "
                       "without a name)")
        # The L2's stage_name is a Ref; the L1 holds the literal name, which keeps the rule readable and lets
        # the cost estimate match it.
        cfn_stage = resolved_stage.node.default_child
        literal = getattr(cfn_stage, "stage_name", None) if cfn_stage is not None else None
        stage_name = literal if isinstance(literal, str) else resolved_stage.stage_name
        return cls(
            scope,
            id,
            rule_name=rule_name,
            priority=priority,
            fixed_rate=fixed_rate,
            reservoir_size=reservoir_size,
            service_name=f"{name}/{stage_name}",
            service_type="AWS::ApiGateway::Stage",
            host=host,
            http_method=http_method,
            url_path=url_path,
            resource_arn=resolved_stage.stage_arn if match_stage_arn else "*",
            attributes=attributes,
        )

    def _warn_when_ineffective(self) -> None:
        service_type = self.spec.service_type
        literal_type = None if is_token(service_type) else service_type.lower()
        lambda_only = literal_type is not None and literal_type.startswith(_LAMBDA_PREFIX)
        if lambda_only:
            _warn(self, "samplingRuleIgnoredByLambda",
                  f"Sampling rule '{self.spec.rule_name}' targets service type '{service_type}', but Lambda ignores "
                  "sampling rules: a function that starts a trace samples 1 request/s + 5 %, and one called by a "
                  "traced service follows its caller's decision. Target the caller instead (e.g. the REST API "
                  "stage with SamplingRule.for_rest_api).")
        managed = literal_type is not None and any(literal_type == t.lower() for t in MANAGED_SERVICE_TYPES)
        if self.spec.rate_boost is not None and (lambda_only or managed):
            _warn(self, "rateBoostNotApplicable",
                  f"Sampling rule '{self.spec.rule_name}' sets rate_boost, but adaptive sampling applies only to "
                  f"compute instrumented with the AWS Distro for OpenTelemetry; '{service_type}' makes its own "
                  "sampling decision and will never boost. Remove rate_boost or target ADOT-instrumented services.")
        sdk_skips = self.spec.resource_arn != "*" or bool(self.spec.attributes)
        if sdk_skips and not managed:
            _warn(self, "samplingRuleSkippedBySdks",
                  f"Sampling rule '{self.spec.rule_name}' sets resource_arn or attributes: the X-Ray SDKs skip "
                  "such rules, so only services that sample for themselves (API Gateway...) will apply it.")


# -- app-wide checks ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    """One ``AWS::XRay::SamplingRule`` of the app, whoever created it."""

    node: IConstruct
    env: tuple[str, str]
    name: Any
    priority: Any
    patterns: tuple[Any, ...]


def _entries(root: IConstruct) -> list[_Entry]:
    entries = []
    for node in root.node.find_all():
        if isinstance(node, SamplingRule):
            spec = node.spec
            entries.append(_Entry(node, env_key(node), spec.rule_name, spec.priority, (
                spec.service_name, spec.service_type, spec.host, spec.http_method, spec.url_path,
                spec.resource_arn)))
        elif (
            isinstance(node, CfnResource)
            and node.cfn_resource_type == xray.CfnSamplingRule.CFN_RESOURCE_TYPE_NAME
            and not isinstance(node.node.scope, SamplingRule)
        ):
            rule = cfn_property(node, "SamplingRule")
            rule = rule if isinstance(rule, dict) else {}
            entries.append(_Entry(node, env_key(node), rule.get("RuleName"), rule.get("Priority"), tuple(
                rule.get(k, "*") for k in ("ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath",
                                           "ResourceARN"))))
    return entries


def _comparable(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not is_token(value)


def _overlap(first: _Entry, second: _Entry) -> bool:
    # A field still holding a token compares as its literal token text: identical tokens overlap, others only
    # through wildcards. Unrendered values (dicts from Fn::Join) are assumed to overlap.
    return all(
        not isinstance(a, str) or not isinstance(b, str) or patterns_overlap(a, b)
        for a, b in zip(first.patterns, second.patterns, strict=True)
    )


@jsii.implements(IValidation)
class _RuleChecks:
    """Synth-time checks that need the whole app; each problem is reported once, by the rule it concerns."""

    def __init__(self, rule: SamplingRule) -> None:
        self.rule = rule

    def validate(self) -> list[str]:
        rule = self.rule
        errors: list[str] = []
        rendered = cfn_property(rule.resource, "SamplingRule")
        version = rendered.get("Version") if isinstance(rendered, dict) else None
        if not is_token(version) and version != 1:
            errors.append(str(fail(f"SamplingRule '{rule.node.path}'", "SamplingRule.Version", version,
                                   "1 (the only version; it is create-only)")))
        everything = _entries(rule.node.root)
        me = next(e for e in everything if e.node is rule)
        peers = [e for e in everything if e.env == me.env]
        position = peers.index(me)
        earlier, later = peers[:position], peers[position + 1:]

        if _comparable(me.name):
            first = next((e for e in earlier if e.name == me.name), None)
            if first is not None:
                errors.append(str(fail(
                    f"SamplingRule '{rule.node.path}'", "rule_name", me.name,
                    f"unique in {env_text(me.env)}; '{first.node.node.path}' already uses it",
                )))

        quota = rule.node.try_get_context(QUOTA_CONTEXT_KEY) or SAMPLING_RULE_QUOTA
        if not earlier and len(peers) > quota:
            errors.append(
                f"SamplingRule '{rule.node.path}': the number of sampling rules in {env_text(me.env)} must be at "
                f"most {quota} (the X-Ray quota; adjustable, then set the context key {QUOTA_CONTEXT_KEY}), "
                f"got {len(peers)}"
            )

        if _comparable(me.priority):
            for other in later:
                if other.priority == me.priority and _overlap(me, other):
                    _warn(rule, "samplingRulesSamePriority",
                          f"Sampling rules '{me.name}' ({rule.node.path}) and '{other.name}' ({other.node.node.path}) "
                          f"both have priority {me.priority} and can match the same request; X-Ray then picks by "
                          "name. Give them distinct priorities.")
        return errors


def _warn(node: IConstruct, code: str, message: str) -> None:
    Annotations.of(node).add_warning_v2(f"{WARNING_PREFIX}:{code}", message)
