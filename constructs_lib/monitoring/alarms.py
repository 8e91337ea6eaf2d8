"""``TracingAlarms``: CloudWatch alarms on errors, faults and latency for every traced resource in a scope.

Example::

    from aws_cdk import App, Stack
    from constructs_lib.monitoring import AlarmOverride, AlarmType, ResourceOverride, TracingAlarms

    app = App()
    orders = Stack(app, "Orders")
    alarms = TracingAlarms(
        orders, "Alarms",
        monitored_scope=orders,
        defaults={AlarmType.LAMBDA_ERROR_RATE: AlarmOverride(threshold=0.05)},     # 5 %: rates are shares
        overrides=[ResourceOverride(target="Orders/Worker*", override=AlarmOverride(enabled=False))],
    )

Alarms are created at synthesis, by an aspect, for everything under ``monitored_scope`` then; call
:meth:`TracingAlarms.discover` to create them earlier (for the resources that exist at that point). Reading
``alarms``, ``alarm_records`` or ``alarms_for`` never creates anything. Resources under ``XRayTracing.exclude``
get no alarms (unless ``include_excluded=True``), nor do functions CDK creates for itself (unless
``include_cdk_internal_functions=True``), nor resources of another Stage (CDK cannot reference across Stages).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsii
from aws_cdk import Aspects, IAspect, RemovalPolicy, Stack
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct, IConstruct, IValidation

from .._passes import ref_of, root_key, same_root
from .._pipeline import create_each, invoke_each
from .._validation import check_length, check_number, check_pattern, fail, is_token, warn
from ..discovery import child_path, note_path, path_of
from ..tracing import XRayTracing
from .account_queries import AccountQueries, AccountQueryUse
from .health import HealthRollup
from .inventory import Inventory, MonitoringConstruct
from .metrics import lambda_timeout
from .metrics_insights import InsightsStrategy
from .naming import alarm_name, console_home, construct_id
from .per_resource import PerResourceStrategy
from .plans import AlarmPlan, PlanContext
from .specs import (
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    QueryScope,
    ResourceOverride,
    SpecTable,
    TraceGroupTarget,
)

__all__ = ["CreatedAlarm", "TracingAlarms"]


@dataclass(frozen=True)
class CreatedAlarm:
    """One alarm a :class:`TracingAlarms` made: the ``CfnAlarm``, its name and type, and what it watches
    (``resource_paths`` is empty for an account-wide Metrics Insights alarm)."""

    alarm: cw.CfnAlarm
    alarm_name: str
    alarm_type: AlarmType
    resource_paths: tuple[str, ...]
    #: The alarm's metric-math or Metrics Insights expression(s), empty for a single-metric alarm.
    expressions: tuple[str, ...] = ()
    insights: bool = False

    @property
    def resource_path(self) -> str | None:
        """The one resource a per-resource alarm watches (None for alarms over several or all resources)."""
        return self.resource_paths[0] if len(self.resource_paths) == 1 else None


class TracingAlarms(MonitoringConstruct):
    """Alarms on errors, faults and latency for every traced resource under ``monitored_scope``.

    :param monitored_scope: the App, Stage, Stack or construct whose resources get alarms.
    :param alarm_topic: where alarm and OK notifications go; default a new topic, KMS-encrypted, SSL-only, and
        left out of X-Ray tracing (``XRayTracing.exclude``): alarm notifications are not requests to trace.
    :param mode: :class:`AlarmMode`: per resource (default), or Metrics Insights (a flat number of alarms).
    :param alarm_name_prefix: start of every alarm name (default: this construct's stack name).
    :param defaults: per :class:`AlarmType`, an :class:`AlarmOverride`: only the fields it sets change.
    :param overrides: :class:`ResourceOverride` per resource (per-resource mode only).
    :param trace_groups: groups to alarm on with an explicit kind (other groups are classified from their filter
        expression; an explicit kind wins).
    :param include_cdk_internal_functions: also alarm on functions CDK creates for itself.
    :param include_excluded: also alarm on resources under ``XRayTracing.exclude(...)`` subtrees.
    :param alarm_topic_key_removal_policy: what happens to the created topic's KMS key on stack deletion.
    :param query_scope: Metrics Insights mode: account-wide queries, or batches of the app's resources.
    :param insights_limit: Metrics Insights mode: most time series (worst first) a query returns, 1-500.
    :param service_health_alarm: create the composite alarm that rolls every alarm up.

    Example::

        alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
        alarms.discover()             # create them now (else at synth) to wire them up
        alarms.service_health_alarm   # the composite alarm
    """

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        monitored_scope: IConstruct,
        alarm_topic: sns.ITopic | None = None,
        mode: AlarmMode = AlarmMode.PER_RESOURCE,
        alarm_name_prefix: str | None = None,
        defaults: Mapping[AlarmType, AlarmOverride] | None = None,
        overrides: Sequence[ResourceOverride] = (),
        trace_groups: Sequence[TraceGroupTarget] = (),
        include_cdk_internal_functions: bool = False,
        include_excluded: bool = False,
        alarm_topic_key_removal_policy: RemovalPolicy = RemovalPolicy.RETAIN,
        query_scope: QueryScope = QueryScope.ACCOUNT,
        insights_limit: int = 100,
        service_health_alarm: bool = True,
    ) -> None:
        super().__init__(scope, id)
        owner = "TracingAlarms"
        if not isinstance(mode, AlarmMode):
            raise fail(owner, "mode", mode, "an AlarmMode")
        if not isinstance(query_scope, QueryScope):
            raise fail(owner, "query_scope", query_scope, "a QueryScope")
        check_number(owner, "insights_limit", insights_limit, minimum=1, maximum=500, integer=True)
        for key, value in (defaults or {}).items():
            if not isinstance(key, AlarmType):
                raise fail(owner, "defaults key", key, "an AlarmType")
            if isinstance(value, AlarmSpec):
                raise fail(owner, f"defaults[{key.name}]", value,
                           "an AlarmOverride (the fields you set change, the others keep their defaults)")
            if not isinstance(value, AlarmOverride):
                raise fail(owner, f"defaults[{key.name}]", value, "an AlarmOverride")
        for override in overrides:
            if not isinstance(override, ResourceOverride):
                raise fail(owner, "overrides item", override, "a ResourceOverride")
        for target in trace_groups:
            if not isinstance(target, TraceGroupTarget):
                raise fail(owner, "trace_groups item", target, "a TraceGroupTarget")
        stack = Stack.of(self)
        own_path = path_of(self)
        if ref_of(scope) == ref_of(stack):
            note_path(stack, own_path.rpartition("/")[0])
        prefix = alarm_name_prefix if alarm_name_prefix is not None else stack.stack_name
        check_length(owner, "alarm_name_prefix", prefix, minimum=1, maximum=128)
        check_pattern(owner, "alarm_name_prefix", prefix, r"[A-Za-z0-9._-]+", "letters, digits, '.', '_' and '-'")
        self.monitored_scope = monitored_scope
        self.mode = mode
        self.alarm_name_prefix = prefix
        self.query_scope = query_scope
        self.insights_limit = insights_limit
        self.include_cdk_internal_functions = include_cdk_internal_functions
        self.include_excluded = include_excluded
        self._trace_groups = tuple(trace_groups)
        self._specs = SpecTable(mode, dict(defaults or {}), tuple(overrides), owner=f"TracingAlarms '{own_path}'")
        region = stack.region
        context = PlanContext(own_stack_path=path_of(stack), console=console_home(region),
                              insights_limit=insights_limit)
        self._per_resource = PerResourceStrategy(self._specs, context)
        self._insights = InsightsStrategy(self._specs, context, query_scope)
        self._records: list[CreatedAlarm] = []
        self._name_set: set[str] = set()
        self._ids: set[str] = set()
        self._covered: set[tuple[str, AlarmType]] = set()
        self._warned: set[str] = set()
        self._inventory: Inventory | None = None
        self._early_timeouts: list[tuple[str, Any, float]] = []
        self._synthesizing = False
        # For the warnings between account-wide queries of several TracingAlarms (account_queries).
        self._app_key = root_key(self)  # the app's identity, however many proxies stand for it
        same_root(stack, self)
        account = stack.account
        self._environment = (None if is_token(account) else account, None if is_token(region) else region)
        if mode is AlarmMode.METRICS_INSIGHTS and overrides:
            warn(self, "overridesIgnored",
                 "Per-resource overrides do not apply in Metrics Insights mode: one alarm covers every resource of "
                 "a service type. Use `defaults` per AlarmType instead.")
        if alarm_topic is None:
            alarm_topic, topic_arn = self._create_topic(account, alarm_topic_key_removal_policy, own_path)
        else:
            topic_arn = alarm_topic.topic_arn
        self.alarm_topic: sns.ITopic = alarm_topic
        self._actions = [topic_arn]
        self._health = HealthRollup(
            self, prefix=prefix, actions=self._actions,
            description="Service health: in ALARM when any X-Ray tracing alarm of this app is; its alarms list "
                        "shows which." + (f" Console: {context.console}" if context.console else ""),
        ) if service_health_alarm else None
        # On an empty leaf of its own: CDK calls an aspect for every construct under the one that carries it (a round
        # trip from Node.js each), and the alarms are created under this construct.
        Aspects.of(Construct(self, "CreateAtSynth")).add(_CreateAtSynth(self._at_synth))

    # -- accessors (pure) -----------------------------------------------------------------------------------
    @property
    def alarms(self) -> list[cw.CfnAlarm]:
        """Every metric alarm created so far (all of them after synthesis; call :meth:`discover` first to get them
        before)."""
        return [r.alarm for r in self._records]

    @property
    def alarm_records(self) -> list[CreatedAlarm]:
        """Every alarm created so far, with its type and what it watches."""
        return list(self._records)

    @property
    def alarm_names(self) -> list[str]:
        """The names of the alarms created so far."""
        return [r.alarm_name for r in self._records]

    @property
    def service_health_alarm(self) -> cw.CfnCompositeAlarm | None:
        """The composite alarm that is in ALARM when any other alarm is (None when turned off)."""
        return self._health.top if self._health else None

    @property
    def composite_alarms(self) -> list[cw.CfnCompositeAlarm]:
        """The service-health composite and the nested composites it uses past 100 alarms."""
        return self._health.all if self._health else []

    @property
    def inventory(self) -> Inventory | None:
        """The resources the last discovery found (None before the first)."""
        return self._inventory

    def alarms_for(self, resource: IConstruct) -> list[cw.CfnAlarm]:
        """The alarms created so far that watch ``resource`` (a construct or its L1), alone or with others.

        Example::

            alarms = TracingAlarms(stack, "Alarms", monitored_scope=stack)
            alarms.alarms_for(stack)   # every alarm created so far on a resource under the stack
        """
        path = resource.node.path
        return [r.alarm for r in self._records
                if any(p == path or p.startswith(path + "/") for p in r.resource_paths)]

    def spec_for(self, alarm_type: AlarmType, resource_path: str | None = None) -> AlarmSpec:
        """The effective spec: built-in default, then ``defaults``, then matching ``overrides`` in order."""
        return self._specs.resolve(alarm_type, resource_path)

    def insights_queries(self, alarm_type: AlarmType) -> list[str]:
        """Metrics Insights mode: the query (account-wide) or metric-math expressions (batches) of the alarms of
        ``alarm_type`` created so far, e.g. ``SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY
        FunctionName ORDER BY MAX() DESC LIMIT 100``."""
        if self.mode is not AlarmMode.METRICS_INSIGHTS:
            return []
        return [e for r in self._records if r.alarm_type is alarm_type for e in r.expressions]

    # -- discovery --------------------------------------------------------------------------------------------
    def discover(self) -> list[CreatedAlarm]:
        """Create the alarms for every resource under the monitored scope that has none yet, and return them.

        Idempotent: each resource gets each alarm once. The aspect calls it again at synthesis for resources
        added since.
        """
        inventory = Inventory.scan(
            self.monitored_scope, owner=self, include_excluded=self.include_excluded,
            include_cdk_internal_functions=self.include_cdk_internal_functions, trace_groups=self._trace_groups,
            warned_stages=self._warned, effect="get no alarms from this TracingAlarms",
            advice="Create a TracingAlarms inside that Stage (or give it a monitored_scope within one Stage).")
        self._inventory = inventory
        if self.mode is AlarmMode.PER_RESOURCE:
            plans = [p for r in inventory.resources for p in self._per_resource.plans(r, self._covered)]
        else:
            plans, warnings = self._insights.plans(inventory.resources, self._covered)
            for message in warnings:
                warn(self, "dlqNotExcluded", message)
        return self._create(plans)

    def _create(self, plans: list[AlarmPlan]) -> list[CreatedAlarm]:
        """The alarms of ``plans``, made together (``create_each``: one exchange with Node.js), in order; a run ends
        with an alarm whose roll-up opens a new part composite, so the composite comes right after it in the tree
        (and the template), as when each alarm was made and rolled up in turn."""
        named: list[tuple[AlarmPlan, str]] = []
        for plan in plans:
            name = alarm_name(self.alarm_name_prefix, plan.label)
            if name in self._name_set or construct_id(plan.label) in self._ids:
                # Two paths that read alike once made a name part ("a_b" / "a-b", "S/Q-x" / "S/Q/x"): keep both
                # apart.
                digest = hashlib.sha256("|".join(plan.resource_paths).encode()).hexdigest()[:8]
                plan = AlarmPlan(**{**plan.__dict__, "label": f"{plan.label}-{digest}"})
                name = alarm_name(self.alarm_name_prefix, plan.label)
            self._name_set.add(name)
            self._ids.add(construct_id(plan.label))
            named.append((plan, name))
        runs: list[list[tuple[AlarmPlan, str]]] = [[]]
        pending: list[str] = []
        for plan, name in named:
            runs[-1].append((plan, name))
            if self._health is not None and self._health.opens_part(pending, name):
                runs.append([])
                pending = []
            else:
                pending.append(name)
        records: list[CreatedAlarm] = []
        for run in runs:
            alarms = create_each(cw.CfnAlarm, cw.CfnAlarmProps, [
                (self, construct_id(plan.label), plan.alarm_properties(prefix=self.alarm_name_prefix,
                                                                       actions=self._actions))
                for plan, _ in run])
            records += [self._record(plan, name, alarm) for (plan, name), alarm in zip(run, alarms, strict=True)]
        return records

    def _record(self, plan: AlarmPlan, name: str, alarm: cw.CfnAlarm) -> CreatedAlarm:
        record = CreatedAlarm(alarm=alarm, alarm_name=name, alarm_type=plan.alarm_type,
                              resource_paths=plan.resource_paths, expressions=plan.expressions,
                              insights=plan.insights)
        self._records.append(record)
        for path in plan.resource_paths:
            self._covered.add((path, plan.alarm_type))
        if not self._synthesizing and plan.timeouts:
            if not self._early_timeouts:
                self.node.add_validation(_TimeoutsStillHold(self.node.path, lambda: self._early_timeouts))
            self._early_timeouts.extend((name, l1, seconds) for l1, seconds in plan.timeouts)
        if self._health is not None:
            self._health.add(alarm, name)
        return record

    def _at_synth(self) -> None:
        self._synthesizing = True
        self.discover()
        if self._inventory is not None:
            AccountQueries.record(app_key=self._app_key, use=AccountQueryUse(
                owner=self, path=path_of(self), environment=self._environment,
                account_types=self._insights.account_types,
                dead_letter_paths=tuple(r.path for r in self._inventory.dead_letter_queues)))
        for override in self._specs.unused_overrides() if self.mode is AlarmMode.PER_RESOURCE else []:
            warn(self, "overrideMatchedNothing",
                 f"The ResourceOverride for '{override.target_path}' matched no alarm: check the construct path "
                 "(or the construct) and the alarm_types it names.")

    def _create_topic(self, account: str, removal_policy: RemovalPolicy, own_path: str) -> tuple[sns.ITopic, str]:
        cloudwatch = iam.ServicePrincipal("cloudwatch.amazonaws.com")
        key = kms.Key(self, "AlarmTopicKey", enable_key_rotation=True,
                      description="Encrypts the X-Ray tracing alarm notifications", removal_policy=removal_policy)
        topic = sns.Topic(self, "AlarmTopic", master_key=key, enforce_ssl=True, display_name="X-Ray tracing alarms")
        note_path(topic, child_path(own_path, "AlarmTopic"))
        same_root(topic, self)
        topic_arn = topic.topic_arn
        invoke_each([  # together, their results unread (a round trip per field otherwise)
            (key, "addToResourcePolicy", [iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseTheKey",
                principals=[cloudwatch],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
            )]),
            (topic, "addToResourcePolicy", [iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToPublish",
                principals=[cloudwatch],
                actions=["sns:Publish"],
                resources=[topic_arn],
                conditions={"StringEquals": {"aws:SourceAccount": account}},
            )]),
        ], answers=False)
        # The library's own plumbing is not traced: no X-Ray resource policy just for alarm notifications.
        # XRayTracing.enable(topic) on it brings tracing back for a user who wants it.
        XRayTracing.exclude(topic)
        return topic, topic_arn


@jsii.implements(IAspect)
class _CreateAtSynth:
    """Creates the alarms at synthesis, once. It sits on an empty leaf under the ``TracingAlarms``, so CDK calls
    it once."""

    def __init__(self, create: Callable[[], None]) -> None:
        self.create = create
        self.done = False

    def visit(self, node: IConstruct) -> None:
        if not self.done:
            self.done = True
            self.create()


@jsii.implements(IValidation)
class _TimeoutsStillHold:
    """A duration threshold computed from a function's timeout by an early :meth:`TracingAlarms.discover` must
    still hold at synthesis; a timeout changed since would leave the alarm on the wrong threshold."""

    def __init__(self, owner_path: str, early_timeouts: Callable[[], Iterable[tuple[str, Any, float]]]) -> None:
        self.owner_path = owner_path
        self.early_timeouts = early_timeouts

    def validate(self) -> list[str]:
        errors: list[str] = []
        for name, l1, seconds in self.early_timeouts():
            now = lambda_timeout(l1)
            if now != seconds:
                errors.append(
                    f"TracingAlarms '{self.owner_path}': the timeout of {l1.node.path} changed after its "
                    f"duration alarm {name} was created by discover() (it was {seconds:g} s, now {now:g} s). Set "
                    "timeouts before calling discover().")
        return errors
