"""Alarm specs: the defaults, one unit convention for rates (shares from 0 to 1), partial overrides, and the
limits CloudWatch documents for periods and evaluation windows."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw

from constructs_lib._validation import XRayValidationError
from constructs_lib.monitoring import (
    DEFAULT_SPECS,
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    ResourceOverride,
    ThresholdUnit,
    default_spec,
)
from constructs_lib.monitoring.specs import SpecTable


def test_defaults_cover_every_alarm_type() -> None:
    assert set(DEFAULT_SPECS) == set(AlarmType)
    assert default_spec(AlarmType.LAMBDA_DURATION).threshold == 0.8
    assert default_spec(AlarmType.LAMBDA_ERRORS).enabled is False
    assert default_spec(AlarmType.LAMBDA_ERRORS, AlarmMode.METRICS_INSIGHTS).enabled is True
    assert default_spec(AlarmType.LAMBDA_ERROR_RATE, AlarmMode.METRICS_INSIGHTS).enabled is False
    assert default_spec(AlarmType.REST_FAULT_RATE).enabled is False  # the 5XX-rate option, off by default


def test_every_rate_is_a_share_from_0_to_1() -> None:
    shares = {t for t in AlarmType if t.unit is ThresholdUnit.SHARE}
    assert shares == {AlarmType.LAMBDA_ERROR_RATE, AlarmType.REST_FAULT_RATE, AlarmType.REST_CLIENT_ERROR_RATE}
    assert all(0 < default_spec(t).threshold <= 1 for t in shares | {AlarmType.LAMBDA_DURATION})


@pytest.mark.parametrize("alarm_type", [AlarmType.LAMBDA_ERROR_RATE, AlarmType.REST_FAULT_RATE,
                                        AlarmType.REST_CLIENT_ERROR_RATE, AlarmType.LAMBDA_DURATION])
def test_a_rate_in_percent_is_rejected_with_the_unit(alarm_type: AlarmType) -> None:
    table = SpecTable(AlarmMode.PER_RESOURCE, {alarm_type: AlarmOverride(threshold=5, enabled=True)}, ())
    with pytest.raises(XRayValidationError, match=rf"TracingAlarms {alarm_type.name}: threshold must be a share .*"
                                                  r"from 0 to 1 .*got 5"):
        table.resolve(alarm_type)


def test_defaults_and_overrides_are_partial() -> None:
    table = SpecTable(
        AlarmMode.PER_RESOURCE,
        {AlarmType.DLQ_MESSAGES: AlarmOverride(threshold=3)},
        (ResourceOverride(target="App/S/Dlq*", override=AlarmOverride(period=Duration.minutes(5))),),
    )
    base = table.resolve(AlarmType.DLQ_MESSAGES)
    assert (base.threshold, base.period_seconds, base.evaluation_periods, base.datapoints_to_alarm) == (3, 60, 1, 1)
    one = table.resolve(AlarmType.DLQ_MESSAGES, "App/S/Dlq1/Resource", track=True)
    assert (one.threshold, one.period_seconds, one.evaluation_periods) == (3, 300, 1)
    assert table.unused_overrides() == []


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"threshold": -1}, "AlarmSpec: threshold must be a number of at least 0, got -1"),
    ({"threshold": 1, "evaluation_periods": 0}, "evaluation_periods must be an integer of at least 1, got 0"),
    ({"threshold": 1, "evaluation_periods": 2, "datapoints_to_alarm": 3},
     "datapoints_to_alarm must be an integer from 1 to 2, got 3"),
    ({"threshold": 1, "period": Duration.seconds(45)}, "period must be 10, 20, 30 seconds or a multiple of 60"),
    # PutMetricAlarm: under an hour's period, at most one day of evaluation...
    ({"threshold": 1, "period": Duration.minutes(30), "evaluation_periods": 49, "datapoints_to_alarm": 1},
     "at most 1 day (86,400 s) when the period is under an hour, got '88200 s'"),
    # ...and at most 7 days otherwise.
    ({"threshold": 1, "period": Duration.hours(6), "evaluation_periods": 29, "datapoints_to_alarm": 1},
     "at most 7 days (604,800 s), got '626400 s'"),
    ({"threshold": 1, "treat_missing_data": "ignore"}, "treat_missing_data must be a cloudwatch.TreatMissingData"),
])
def test_alarm_spec_validation_names_field_value_and_allowed(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(XRayValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        AlarmSpec(**kwargs)


@pytest.mark.parametrize(("period", "periods"), [(Duration.minutes(30), 48), (Duration.hours(1), 168),
                                                 (Duration.days(1), 7)])
def test_the_documented_windows_are_allowed(period: Duration, periods: int) -> None:
    spec = AlarmSpec(threshold=1, period=period, evaluation_periods=periods, datapoints_to_alarm=1,
                     treat_missing_data=cw.TreatMissingData.IGNORE)
    assert spec.period_seconds is not None and spec.period_seconds * periods <= 604800


def test_an_override_is_validated_when_applied() -> None:
    with pytest.raises(XRayValidationError, match="datapoints_to_alarm"):
        AlarmOverride(datapoints_to_alarm=9).apply(default_spec(AlarmType.LAMBDA_THROTTLES))


def test_resource_override_matches_subtrees_and_globs() -> None:
    override = ResourceOverride(target="App/Orders/Worker*", override=AlarmOverride(enabled=False))
    assert override.matches("App/Orders/WorkerFn/Resource", AlarmType.LAMBDA_ERROR_RATE)
    assert not override.matches("App/Orders/ApiFn/Resource", AlarmType.LAMBDA_ERROR_RATE)
    typed = ResourceOverride(target="App/Orders", override=AlarmOverride(), alarm_types=(AlarmType.REST_LATENCY,))
    assert typed.matches("App/Orders/Api/Stage", AlarmType.REST_LATENCY)
    assert not typed.matches("App/Orders/Api/Stage", AlarmType.REST_FAULTS)
    with pytest.raises(XRayValidationError, match="override must be an AlarmOverride"):
        ResourceOverride(target="x", override=AlarmSpec(threshold=1))  # type: ignore[arg-type]
