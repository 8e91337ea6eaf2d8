"""The names documentation examples may use without defining them, as a user's code around them would.

Each example gets a fresh :class:`ExampleNamespace`: the names ``constructs_lib`` exports, a few CDK imports every
stack module has (:data:`CDK_NAMES`), and fixtures built on first use only (:data:`FIXTURES`): ``app``, ``self``
(the stack the example's code lives in, also ``stack``), ``api``, ``orders_stack`` and so on. Anything else an
example must import itself, as a user pasting it would (``from constructs_lib.sampling import wildcard_match``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aws_cdk import App, Duration, Environment, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as events_targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

import constructs_lib

ROOT = Path(__file__).resolve().parents[1]
ENV = Environment(account="111111111111", region="eu-west-1")

#: CDK names a stack module imports anyway; examples use them without an import line.
CDK_NAMES: dict[str, Any] = {
    "App": App, "Stack": Stack, "Duration": Duration, "Environment": Environment, "Construct": Construct,
    "apigateway": apigateway, "cloudwatch": cloudwatch, "lambda_": lambda_, "sns": sns, "sqs": sqs, "sfn": sfn,
}


def _function(scope: Construct, id: str) -> lambda_.Function:
    return lambda_.Function(scope, id, runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                            code=lambda_.Code.from_inline("def handler(event, context):\n    return {}\n"))


class ExampleStack(Stack):
    """A user's stack as the examples see it: the constructs they name are attributes, made on first use."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, env=kwargs.pop("env", ENV), **kwargs)
        self.orders_fn  # noqa: B018  (a stack has resources: CloudFormation rejects an empty one)

    def _child(self, attribute: str, make: Callable[[], Any]) -> Any:
        if attribute not in self.__dict__:
            self.__dict__[attribute] = make()
        return self.__dict__[attribute]

    @property
    def api(self) -> apigateway.RestApi:
        """A REST API ``orders-api`` with ``POST /orders`` on a function, deployed to stage ``prod``."""
        def make() -> apigateway.RestApi:
            api = apigateway.RestApi(self, "OrdersApi", rest_api_name="orders-api",
                                     deploy_options=apigateway.StageOptions(stage_name="prod"))
            api.root.add_resource("orders").add_method("POST", apigateway.LambdaIntegration(self.orders_fn))
            return api
        return self._child("api", make)  # type: ignore[no-any-return]

    @property
    def orders_fn(self) -> lambda_.Function:
        return self._child("orders_fn", lambda: _function(self, "OrdersFunction"))  # type: ignore[no-any-return]

    @property
    def worker(self) -> lambda_.Function:
        return self._child("worker", lambda: _function(self, "Worker"))  # type: ignore[no-any-return]

    @property
    def report_fn(self) -> lambda_.Function:
        return self._child("report_fn", lambda: _function(self, "ReportFunction"))  # type: ignore[no-any-return]

    @property
    def legacy_function(self) -> lambda_.Function:
        return self._child("legacy_function", lambda: _function(self, "LegacyFunction"))  # type: ignore[no-any-return]

    @property
    def legacy(self) -> lambda_.Function:
        return self.legacy_function

    @property
    def legacy_job(self) -> lambda_.Function:
        return self._child("legacy_job", lambda: _function(self, "LegacyJob"))  # type: ignore[no-any-return]

    @property
    def batch_job(self) -> lambda_.Function:
        return self._child("batch_job", lambda: _function(self, "BatchJob"))  # type: ignore[no-any-return]


class OrdersStack(ExampleStack):
    """``OrdersStack(app, "Orders")`` in examples: a stack with an API, functions and a topic."""

    def __init__(self, scope: Construct, id: str, **kwargs: Any) -> None:
        super().__init__(scope, id, **kwargs)
        self.api  # noqa: B018  (all of its resources from the start, as a user's stack has them)
        self.worker  # noqa: B018
        self.topic = sns.Topic(self, "OrderCreated")


#: ``MyServiceStack(app, "MyService")`` in examples.
MyServiceStack = OrdersStack


def cdk_context() -> dict[str, Any]:
    """The feature flags of cdk.json."""
    context: dict[str, Any] = json.loads((ROOT / "cdk.json").read_text())["context"]
    return context


def _app(ns: ExampleNamespace) -> App:
    return App(context=cdk_context(), outdir=str(ns.outdir))


def _stack(ns: ExampleNamespace) -> ExampleStack:
    return ExampleStack(ns["app"], "Example")


def _rule(name: str, priority: int, fixed_rate: float, reservoir: int, **match: str) -> Callable[..., Any]:
    def make(ns: ExampleNamespace) -> constructs_lib.SamplingRule:
        return constructs_lib.SamplingRule.for_rest_api(
            ns["self"], name, stage=ns["api"], rule_name=name, priority=priority, fixed_rate=fixed_rate,
            reservoir_size=reservoir, **match)
    return make


def _alarms(ns: ExampleNamespace) -> constructs_lib.TracingAlarms:
    return constructs_lib.TracingAlarms(ns["self"], "FixtureAlarms", monitored_scope=ns["self"])


#: Fixtures by name, each made from the namespace on first use.
FIXTURES: dict[str, Callable[[ExampleNamespace], Any]] = {
    "app": _app,
    "self": _stack,
    "stack": lambda ns: ns["self"],
    "scope": lambda ns: ns["self"],
    "api": lambda ns: ns["self"].api,
    "fn": lambda ns: ns["self"].orders_fn,
    "orders_fn": lambda ns: ns["self"].orders_fn,
    "topic": lambda ns: sns.Topic(ns["self"], "FixtureTopic"),
    "queue": lambda ns: sqs.Queue(ns["self"], "FixtureQueue"),
    "order_processed_rule": lambda ns: events.Rule(
        ns["self"], "FixtureRule", event_pattern=events.EventPattern(detail_type=["OrderProcessed"]),
        targets=[events_targets.LambdaFunction(ns["self"].worker)]),
    "orders_stack": lambda ns: OrdersStack(ns["app"], "Orders"),
    "legacy_stack": lambda ns: ExampleStack(ns["app"], "Legacy"),
    "batch_stack": lambda ns: ExampleStack(ns["app"], "Batch"),
    "monitoring_stack": lambda ns: ExampleStack(ns["app"], "Monitoring"),
    "orders_rule": _rule("orders-post", 100, 1.0, 0, http_method="POST"),
    "baseline_rule": _rule("orders-baseline", 9000, 0.01, 1),
    "spec": lambda ns: constructs_lib.SamplingRuleSpec(
        rule_name="orders-post", priority=100, fixed_rate=1.0, reservoir_size=0, service_name="orders-api/prod",
        http_method="POST", url_path="/orders*"),
    "group": lambda ns: constructs_lib.TraceGroup(
        ns["self"], "FixtureGroup", group_name="fixture-faults",
        filter_expression=constructs_lib.TraceFilter.service("orders-api/prod") & constructs_lib.TraceFilter.fault()),
    "alarms": _alarms,
    "tracing_alarms": _alarms,
    "MyServiceStack": lambda ns: MyServiceStack,
    "OrdersStack": lambda ns: OrdersStack,
}


class ExampleNamespace(dict[str, Any]):
    """Globals for one example: fixtures are made when the example first reads them (only then)."""

    def __init__(self, outdir: Path) -> None:
        super().__init__({name: getattr(constructs_lib, name) for name in constructs_lib.__all__})
        self.update(CDK_NAMES)
        self["__name__"] = "__example__"
        self.outdir = outdir
        self.fixture_app: App | None = None

    def __missing__(self, name: str) -> Any:
        make = FIXTURES.get(name)
        if make is None:
            raise KeyError(name)  # not ours: Python goes on to the builtins, or raises NameError
        value = make(self)
        self[name] = value
        if name == "app":
            self.fixture_app = value  # the example may rebind ``app``; this is the one to synthesize
        return value
