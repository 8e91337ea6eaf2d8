"""The Metrics Insights strategy beyond the grammar: ``QueryScope.APP`` (only metric-math batches of the app's
resources), discovery twice (new resources get new batches, nothing twice), the dead-letter exclusion past
2,048 characters, and the warning that per-resource overrides do not apply."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from aws_cdk.assertions import Annotations, Match

from constructs_lib.monitoring import AlarmMode, AlarmOverride, AlarmType, QueryScope, ResourceOverride, TracingAlarms

from .helpers import ENV, alarms_of, cfn_fn, expressions_of, text_of
from .insights_grammar import parse_multi_time_series


def synth(app: App, name: str) -> dict[str, Any]:
    return app.synth().get_stack_by_name(name).template  # type: ignore[no-any-return]


def test_app_scope_batches_only_the_apps_resources() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(12):
        cfn_fn(stack, f"Fn{i}", function_name=f"orders-{i}")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                           query_scope=QueryScope.APP)
    props = alarms_of(synth(app, "S"))
    assert set(props) == {f"S-lambda-{kind}{part}" for kind in ("errors", "throttles", "duration")
                          for part in ("", "-part2")}
    for alarm in props.values():
        (expression,) = expressions_of(alarm)
        assert expression.startswith("MAX([") and "SELECT" not in expression
    errors = props["S-lambda-errors"]
    stats = [m["MetricStat"] for m in errors["Metrics"] if "MetricStat" in m]
    assert [s["Metric"]["Dimensions"][0]["Value"]["Ref"] for s in stats] == [f"Fn{i}" for i in range(10)]
    assert {s["Stat"] for s in stats} == {"Sum"}
    assert alarms.insights_queries(AlarmType.LAMBDA_ERRORS) == [
        "MAX([m0, m1, m2, m3, m4, m5, m6, m7, m8, m9])", "MAX([m0, m1])"]


def test_discovering_again_adds_batches_for_new_resources_only() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(3):
        cfn_fn(stack, f"Fn{i}")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    first = {r.alarm_name for r in alarms.discover()}
    assert first == {"S-lambda-errors", "S-lambda-throttles", "S-lambda-duration"}
    assert alarms.discover() == []
    cfn_fn(stack, "Late")
    assert [r.alarm_name for r in alarms.discover()] == ["S-lambda-duration-part2"]  # the queries cover it already
    assert alarms.alarm_records[-1].resource_paths == ("S/Late",)


def test_dead_letter_queues_past_2048_characters_stay_in_the_age_query_with_a_warning() -> None:
    app = App()
    stack = Stack(app, "S", env=ENV)
    for i in range(25):  # unnamed: each name counts as 80 characters
        dlq = sqs.CfnQueue(stack, f"Dlq{i}")
        sqs.CfnQueue(stack, f"Work{i}", redrive_policy={"deadLetterTargetArn": dlq.attr_arn, "maxReceiveCount": 3})
    TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS)
    template = synth(app, "S")
    query = text_of(expressions_of(alarms_of(template)["S-sqs-oldest-message-age"])[0])
    parsed = parse_multi_time_series(query)  # still within 2,048 characters
    assert 0 < len(parsed.conditions) < 25
    warnings = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("dlqNotExcluded"))
    assert len(warnings) == 1
    dlq_batches = [n for n in alarms_of(template) if "dlq-messages" in n]
    assert len(dlq_batches) == 3  # 25 dead-letter queues, 10 per alarm


def test_per_resource_overrides_do_not_apply_and_say_so() -> None:
    stack = Stack(App(), "S", env=ENV)
    cfn_fn(stack, "Fn")
    alarms = TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                           overrides=[ResourceOverride(target="S/Fn", override=AlarmOverride(threshold=0.5))])
    alarms.discover()
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp("overridesIgnored"))
    assert len(found) == 1
    duration = next(r for r in alarms.alarm_records if r.alarm_type is AlarmType.LAMBDA_DURATION)
    assert json.dumps(stack.resolve(duration.alarm.threshold)) == "0.8"


# -- several TracingAlarms with account-wide queries in one account and Region (account_queries) -----------------
def _stack_with_dlq(app: App, name: str, env: dict[str, str] | None = ENV, **alarm_args: Any) -> Stack:
    stack = Stack(app, name, env=env)
    cfn_fn(stack, "Fn")
    dlq = sqs.CfnQueue(stack, "Dlq")
    sqs.CfnQueue(stack, "Work", redrive_policy={"deadLetterTargetArn": dlq.attr_arn, "maxReceiveCount": 3})
    TracingAlarms(stack, "A", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS, **alarm_args)
    return stack


def _warnings(stack: Stack, code: str) -> list[str]:
    found = Annotations.from_stack(stack).find_warning("*", Match.string_like_regexp(code))
    return [str(w.entry.data) for w in found]


def test_two_account_wide_tracing_alarms_in_one_account_and_region_are_warned_about() -> None:
    app = App()
    first, second = _stack_with_dlq(app, "First"), _stack_with_dlq(app, "Second")
    app.synth()
    repeated = _warnings(first, "accountQueriesRepeated") + _warnings(second, "accountQueriesRepeated")
    assert len(repeated) == 1 and "'First/A'" in repeated[0] and "'Second/A'" in repeated[0]
    assert "QueryScope.APP" in repeated[0]
    assert "LAMBDA_ERRORS" in repeated[0] and "QUEUE_MESSAGE_AGE" in repeated[0]
    # Each one's age query watches the other's dead-letter queue: both are told, naming the queue, on the later
    # one (the earlier one's warnings may be written already: a nested Stage synthesizes first).
    assert _warnings(first, "dlqInOtherAgeQuery") == []
    on_first, on_second = sorted(_warnings(second, "dlqInOtherAgeQuery"))
    assert "'First/A'" in on_first and "Second/Dlq" in on_first
    assert "'Second/A'" in on_second and "First/Dlq" in on_second


def test_app_scope_and_other_regions_draw_no_such_warning() -> None:
    app = App()
    one = _stack_with_dlq(app, "One")
    elsewhere = _stack_with_dlq(app, "Elsewhere", env={"account": ENV["account"], "region": "us-west-2"})
    scoped = _stack_with_dlq(app, "Scoped", query_scope=QueryScope.APP)
    app.synth()
    for stack in (one, elsewhere, scoped):
        assert _warnings(stack, "accountQueriesRepeated") == []
    # The account-wide age query of One still watches Scoped's dead-letter queue (same account and Region).
    (about_one,) = _warnings(scoped, "dlqInOtherAgeQuery")
    assert "'One/A'" in about_one and "Scoped/Dlq" in about_one
    assert _warnings(elsewhere, "dlqInOtherAgeQuery") == [] and _warnings(one, "dlqInOtherAgeQuery") == []


def test_environment_agnostic_stacks_count_as_one_account_and_region() -> None:
    app = App()
    first, second = _stack_with_dlq(app, "First", env=None), _stack_with_dlq(app, "Second", env=None)
    app.synth()
    repeated = _warnings(first, "accountQueriesRepeated") + _warnings(second, "accountQueriesRepeated")
    assert len(repeated) == 1 and "known at deploy time" in repeated[0]


def test_many_account_wide_tracing_alarms_get_one_warning_each_not_one_per_pair() -> None:
    app = App()
    stacks = [_stack_with_dlq(app, f"S{i}") for i in range(4)]
    app.synth()
    assert [len(_warnings(s, "accountQueriesRepeated")) for s in stacks] == [0, 1, 1, 1]
    # One warning per age query that watches others' dead-letter queues (4), each on the later of a pair.
    assert [len(_warnings(s, "dlqInOtherAgeQuery")) for s in stacks] == [0, 2, 1, 1]


def test_different_alarm_types_and_overlapping_scopes_draw_no_such_warning() -> None:
    app = App()
    functions = Stack(app, "Functions", env=ENV)
    cfn_fn(functions, "Fn")
    TracingAlarms(functions, "A", monitored_scope=functions, mode=AlarmMode.METRICS_INSIGHTS)
    queues = Stack(app, "Queues", env=ENV)
    dlq = sqs.CfnQueue(queues, "Dlq")
    sqs.CfnQueue(queues, "Work", redrive_policy={"deadLetterTargetArn": dlq.attr_arn, "maxReceiveCount": 3})
    TracingAlarms(queues, "A", monitored_scope=queues, mode=AlarmMode.METRICS_INSIGHTS)
    # A second TracingAlarms over the same stack leaves the same dead-letter queue out of its own query.
    TracingAlarms(queues, "Again", monitored_scope=queues, mode=AlarmMode.METRICS_INSIGHTS, alarm_name_prefix="q2")
    app.synth()
    assert _warnings(functions, "accountQueriesRepeated") == []
    (repeated,) = _warnings(queues, "accountQueriesRepeated")  # A and Again, not Functions/A (no shared type)
    assert "'Queues/Again'" in repeated and "'Queues/A'" in repeated and "LAMBDA" not in repeated
    assert _warnings(queues, "dlqInOtherAgeQuery") == [] and _warnings(functions, "dlqInOtherAgeQuery") == []
