"""The traffic an estimate is made for: requests per second per route, and per event source."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aws_cdk import aws_apigateway as apigateway
from constructs import IConstruct

from .._validation import check_length, check_number, fail
from ..sampling import (
    API_GATEWAY_STAGE_TYPE,
    SamplingRuleSpec,
    rest_api_stage,
    targets_api_gateway,
)
from ..sampling import rest_api_target as _rest_api_target
from ..trace_roots import TraceRoot


@dataclass(frozen=True)
class TrafficProfile:
    """Requests per second reaching one route or service, as the root service sees them.

    ``None`` means "unknown": it matches only rules whose field is ``*``. A ``service_type`` starting with
    ``AWS::Lambda`` marks a Lambda function as the root (it ignores sampling rules; routes with one
    ``service_name`` share the function's 1/s). ``attributes`` are the request headers the route carries; a rule
    that sets ``attributes`` matches only routes that carry them. For a REST API stage, prefer
    :meth:`for_rest_api`, which takes the service name from the API.

    Example::

        TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")
    """

    service_name: str
    rps: float
    http_method: str | None = "GET"
    url_path: str | None = "/"
    service_type: str | None = API_GATEWAY_STAGE_TYPE
    host: str | None = None
    resource_arn: str | None = None
    attributes: Mapping[str, str] | None = None
    #: Shown in reports instead of ``service METHOD path`` when set.
    description: str | None = None

    def __post_init__(self) -> None:
        owner = f"TrafficProfile {self.service_name!r}"
        check_length(owner, "service_name", self.service_name, minimum=1, maximum=1024)
        check_number(owner, "rps", self.rps, minimum=0)

    @classmethod
    def for_rest_api(
        cls,
        *,
        stage: apigateway.IStage | apigateway.IRestApi,
        rps: float,
        http_method: str = "GET",
        url_path: str = "/",
        host: str | None = None,
        attributes: Mapping[str, str] | None = None,
        api_name: str | None = None,
    ) -> TrafficProfile:
        """Traffic on one REST API stage, named as API Gateway reports it (``{api-name}/{stage}``, the stage ARN),
        exactly as :meth:`SamplingRule.for_rest_api <constructs_lib.sampling.SamplingRule.for_rest_api>` names
        its rules, so no hand-typed name can miss them.

        Example::

            TrafficProfile.for_rest_api(stage=api, rps=5, http_method="POST", url_path="/orders")
        """
        owner = "TrafficProfile.for_rest_api"
        target = _rest_api_target(owner, stage, api_name, match_stage_arn=False)
        return cls(service_name=target["service_name"], rps=rps, http_method=http_method, url_path=url_path,
                   service_type=API_GATEWAY_STAGE_TYPE, host=host,
                   resource_arn=rest_api_stage(owner, stage).stage_arn, attributes=attributes)

    @property
    def is_lambda(self) -> bool:
        """True when the root is a Lambda function (which ignores sampling rules)."""
        return self.service_type is not None and self.service_type.lower().startswith("aws::lambda")

    @property
    def label(self) -> str:
        """``service METHOD path`` (or the description), for reports."""
        if self.description is not None:
            return self.description
        return " ".join(part for part in (self.service_name, self.http_method, self.url_path) if part)

    @property
    def on_api_gateway(self) -> bool:
        """True when the route is an API Gateway stage's (its service type is API Gateway's)."""
        return self.service_type is not None and targets_api_gateway(self.service_type)

    def _matches(self, spec: SamplingRuleSpec) -> bool:
        if self.on_api_gateway and spec.url_path != "*":
            return False  # the X-Ray guide: URL path is not supported for API Gateway (see estimate_tracing_cost)
        return spec.matches(service_name=self.service_name, service_type=self.service_type, host=self.host,
                            http_method=self.http_method, url_path=self.url_path, resource_arn=self.resource_arn,
                            attributes=self.attributes)


@dataclass(frozen=True)
class EventSourceRate:
    """How often one of the app's event sources starts a traced function or state machine, for
    :class:`TracingCostEstimate`.

    :param source: the queue, EventBridge rule or schedule, bucket, table, stream, or the function or state machine
        it starts (an L2 or an L1; a construct that contains the source counts too).
    :param invocations_per_second: starts per second: invocations of the function (for SQS and streams, batches),
        executions of the state machine. ``0`` for a source whose events carry the caller's trace header (an
        EventBridge rule fed by ``PutEvents`` from traced code continues that trace: no new roots).

    Example::

        EventSourceRate(source=queue, invocations_per_second=5)
    """

    source: IConstruct
    invocations_per_second: float
    #: The path of :attr:`source`, read once.
    path: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not hasattr(self.source, "node"):
            raise fail("EventSourceRate", "source", self.source, "a construct (queue, rule, bucket, table, stream, "
                       "function or state machine)")
        object.__setattr__(self, "path", self.source.node.path)
        check_number(f"EventSourceRate '{self.path}'", "invocations_per_second", self.invocations_per_second,
                     minimum=0)

    def covers(self, root: TraceRoot) -> bool:
        """True when this rate is for ``root``: its source or its target is, or is inside, :attr:`source`."""
        return any(path == self.path or path.startswith(self.path + "/")
                   for path in (root.source_path, root.target_path))
