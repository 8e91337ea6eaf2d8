"""Synth time of alarms on a growing app: the library against the same alarms written by hand, and against
cdk-monitoring-constructs' ``monitor_scope``.

The app: N sets of a REST API (``LambdaRestApi``) -> function, and an SQS queue -> worker function (an
``SqsEventSource``), 8 sets per stack. Every variant is a whole process (import, build, ``app.synth()``), run
interleaved with the others, ``--repeat`` times; each cell is the median wall time (the ratios are also given
for the fastest run of each variant: load on the machine only ever adds time). Variants:

- ``plain``: tracing switched on by hand (the L2s' ``tracing`` props), no alarms;
- ``handwritten``: ``plain`` plus the same 10 alarms per set the library makes, written with L2 ``metric_*()``
  and ``create_alarm`` (Lambda error rate, throttles, p99 duration at 80 % of the timeout; REST 5XX, 4XX rate, p99
  latency; queue age), each notifying one SNS topic per stack on ALARM and OK;
- ``library``: ``XRayTracing.enable(app)`` and one ``TracingAlarms`` per stack (per resource);
- ``library-alarms``: tracing by hand, and one ``TracingAlarms`` per stack: the alarms' own cost;
- ``cdk-monitoring``: tracing by hand, and one ``MonitoringFacade.monitor_scope`` per stack (cdk-monitoring-
  constructs, a benchmark-only dependency: ``pip install -e '.[bench]'``) with Lambda fault rate, throttles count
  and p99 latency, REST 5XX count, 4XX rate and p99 latency, and queue age alarms, dashboards off;
- ``insights``: ``XRayTracing.enable(app)`` and one ``TracingAlarms`` per stack in Metrics Insights mode;
- ``insights-alarms``: tracing by hand, and one ``TracingAlarms`` per stack in Metrics Insights mode.

    python benchmarks/monitoring_scale.py [--sets 24 100] [--repeat 3] [--variants plain library ...]

Prints a Markdown table; the results live in docs/benchmarks.md ("Monitoring").
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PER_STACK = 8
VARIANTS = ("plain", "handwritten", "library", "library-alarms", "cdk-monitoring", "insights", "insights-alarms")
ENV = {"account": "111111111111", "region": "eu-west-1"}


def build(variant: str, sets: int, outdir: str) -> object:
    """The app of ``sets`` sets for ``variant`` (imports here: a child process measures them)."""
    from aws_cdk import App, Duration, Stack
    from aws_cdk import aws_apigateway as apigateway
    from aws_cdk import aws_cloudwatch as cw
    from aws_cdk import aws_cloudwatch_actions as cw_actions
    from aws_cdk import aws_lambda as lambda_
    from aws_cdk import aws_lambda_event_sources as sources
    from aws_cdk import aws_sns as sns
    from aws_cdk import aws_sqs as sqs

    by_hand = variant not in ("library", "insights")
    app = App(outdir=outdir)
    stacks: list[Stack] = []
    parts: list[tuple[Stack, lambda_.Function, apigateway.RestApi, sqs.Queue, lambda_.Function]] = []
    for n in range(sets):
        if n % PER_STACK == 0:
            stacks.append(Stack(app, f"Service{n // PER_STACK}", env=ENV))
        stack = stacks[-1]
        tracing = lambda_.Tracing.ACTIVE if by_hand else None
        code = lambda_.Code.from_inline("def handler(event, context):\n    return {}")
        api_fn = lambda_.Function(stack, f"ApiFn{n}", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                                  code=code, timeout=Duration.seconds(10), tracing=tracing)
        api = apigateway.LambdaRestApi(stack, f"Api{n}", handler=api_fn, rest_api_name=f"api-{n}",
                                       deploy_options=apigateway.StageOptions(tracing_enabled=True)
                                       if by_hand else None)
        queue = sqs.Queue(stack, f"Queue{n}", visibility_timeout=Duration.seconds(60))
        worker = lambda_.Function(stack, f"Worker{n}", runtime=lambda_.Runtime.PYTHON_3_12, handler="index.handler",
                                  code=code, timeout=Duration.seconds(30), tracing=tracing)
        worker.add_event_source(sources.SqsEventSource(queue))
        parts.append((stack, api_fn, api, queue, worker))
    # The library is imported only by the variants that use it, and only the parts they use.
    if not by_hand:
        from constructs_lib import XRayTracing

        XRayTracing.enable(app)
    if variant in ("library", "library-alarms", "insights", "insights-alarms"):
        from constructs_lib import AlarmMode, TracingAlarms
    if variant in ("library", "library-alarms"):
        for stack in stacks:
            TracingAlarms(stack, "Alarms", monitored_scope=stack, service_health_alarm=False)
    elif variant in ("insights", "insights-alarms"):
        for stack in stacks:
            TracingAlarms(stack, "Alarms", monitored_scope=stack, mode=AlarmMode.METRICS_INSIGHTS,
                          service_health_alarm=False)
    elif variant == "handwritten":
        topics = {stack.node.path: sns.Topic(stack, "AlarmTopic") for stack in stacks}
        for stack, api_fn, api, queue, worker in parts:
            action = cw_actions.SnsAction(topics[stack.node.path])

            def alarm(metric: cw.IMetric, id: str, threshold: float, scope: Stack = stack,
                      act: cw_actions.SnsAction = action) -> None:
                created = cw.Alarm(scope, id, metric=metric, threshold=threshold, evaluation_periods=3,
                                   datapoints_to_alarm=2, treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
                                   comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD)
                created.add_alarm_action(act)
                created.add_ok_action(act)

            for fn, timeout in ((api_fn, 10), (worker, 30)):
                name = fn.node.id
                rate = cw.MathExpression(expression="IF(total > 0, part / total, 0)", using_metrics={
                    "part": fn.metric_errors(), "total": fn.metric_invocations()}, period=Duration.minutes(5))
                alarm(rate, f"{name}ErrorRate", 0.01)
                alarm(fn.metric_throttles(), f"{name}Throttles", 1)
                alarm(fn.metric_duration(statistic="p99"), f"{name}Duration", 0.8 * timeout * 1000)
            stage = api.deployment_stage
            alarm(stage.metric_server_error(), f"{api.node.id}5xx", 1)
            alarm(stage.metric_client_error(statistic="Average"), f"{api.node.id}4xxRate", 0.05)
            alarm(stage.metric_latency(statistic="p99"), f"{api.node.id}Latency", 3000)
            alarm(queue.metric_approximate_age_of_oldest_message(), f"{queue.node.id}Age", 300)
    elif variant == "cdk-monitoring":
        import cdk_monitoring_constructs as cmc

        for stack in stacks:
            topic = sns.Topic(stack, "AlarmTopic")
            facade = cmc.MonitoringFacade(
                stack, "Monitoring",
                alarm_factory_defaults=cmc.AlarmFactoryDefaults(
                    actions_enabled=True, alarm_name_prefix=stack.stack_name,
                    action=cmc.SnsAlarmActionStrategy(on_alarm_topic=topic, on_ok_topic=topic)),
                dashboard_factory=cmc.DefaultDashboardFactory(
                    stack, "Dashboards", dashboard_name_prefix=stack.stack_name,
                    create_dashboard=False, create_alarm_dashboard=False,
                    create_summary_dashboard=False))
            facade.monitor_scope(
                stack,
                lambda_=cmc.LambdaFunctionAspectType(props=cmc.LambdaFunctionMonitoringOptions(
                    add_fault_rate_alarm={"Error": cmc.ErrorRateThreshold(max_error_rate=1)},
                    add_throttles_count_alarm={"Error": cmc.ErrorCountThreshold(max_error_count=1)},
                    add_latency_p99_alarm={"Error": cmc.LatencyThreshold(max_latency=Duration.seconds(8))})),
                api_gateway=cmc.ApiGatewayAspectType(props=cmc.ApiGatewayMonitoringOptions(
                    add5_xx_fault_count_alarm={"Error": cmc.ErrorCountThreshold(max_error_count=1)},
                    add4_xx_error_rate_alarm={"Error": cmc.ErrorRateThreshold(max_error_rate=0.05)},
                    add_latency_p99_alarm={"Error": cmc.LatencyThreshold(max_latency=Duration.seconds(3))})),
                sqs=cmc.SqsQueueAspectType(props=cmc.SqsQueueMonitoringOptions(
                    add_queue_max_message_age_alarm={"Error": cmc.MaxMessageAgeThreshold(max_age_in_seconds=300)})),
                **{name: {"enabled": False} for name in (
                    "acm", "app_sync", "dynamo_db", "s3", "sns", "step_functions", "api_gateway_v2")},
            )
    elif variant != "plain":
        raise SystemExit(f"unknown variant {variant!r}; one of {', '.join(VARIANTS)}")
    return app


def child(variant: str, sets: int) -> None:
    calls = [0]
    from jsii._kernel.providers import process  # count every request Python sends to Node (deterministic)

    original = process._NodeProcess.send

    def counting_send(self: object, request: object, response_type: object) -> object:
        calls[0] += 1
        return original(self, request, response_type)  # type: ignore[arg-type]

    process._NodeProcess.send = counting_send  # type: ignore[assignment, method-assign]
    if variant not in ("plain", "handwritten", "cdk-monitoring"):  # only the variants that use the library load it
        from constructs_lib import _pipeline  # a batch of requests is one exchange with Node: counted as one call

        written_together = _pipeline._written_together

        def counting_written_together(process: object, encoded: list[bytes], types: list[type]) -> list[object]:
            calls[0] += 1
            return written_together(process, encoded, types)

        _pipeline._written_together = counting_written_together  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as outdir:
        app = build(variant, sets, outdir)
        assembly = app.synth()  # type: ignore[attr-defined]
        alarms = 0
        for stack in assembly.stacks:
            alarms += sum(1 for r in stack.template.get("Resources", {}).values()
                          if r["Type"] == "AWS::CloudWatch::Alarm")
    print(json.dumps({"alarms": alarms, "calls": calls[0]}))


def measure(variant: str, sets: int) -> tuple[float, float, int, int]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "JSII_DEPRECATED": "quiet", "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, __file__, "--child", variant, "--sets", str(sets)], env=env,
                            capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{variant} at {sets} sets failed:\n{result.stderr[-3000:]}")
    out = json.loads(result.stdout.strip().splitlines()[-1])
    return seconds, cpu, int(out["alarms"]), int(out["calls"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sets", type=int, nargs="+", default=[24, 100])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--child", choices=VARIANTS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.sets[0])
        return
    print("| sets (functions) | " + " | ".join(args.variants) + " |")
    print("|---|" + "---|" * len(args.variants))
    for sets in args.sets:
        times: dict[str, list[float]] = {v: [] for v in args.variants}
        cpus: dict[str, list[float]] = {v: [] for v in args.variants}
        counts: dict[str, int] = {}
        calls: dict[str, int] = {}
        for _ in range(args.repeat):  # interleaved: each round runs every variant once
            for variant in args.variants:
                seconds, cpu, counts[variant], calls[variant] = measure(variant, sets)
                times[variant].append(seconds)
                cpus[variant].append(cpu)
        cells = [f"{statistics.median(times[v]):.1f} s ({counts[v]})" for v in args.variants]
        print(f"| {sets} ({2 * sets}) | " + " | ".join(cells) + " |", flush=True)
        for label, pick in (("median", statistics.median), ("fastest", min)):  # noise only ever adds time
            base = {v: pick(times[v]) for v in args.variants}
            ratios = []
            if "library" in base and "handwritten" in base:
                ratios.append(f"library / handwritten = {base['library'] / base['handwritten']:.2f}")
            if "library" in base and "cdk-monitoring" in base:
                ratios.append(f"library / cdk-monitoring = {base['library'] / base['cdk-monitoring']:.2f}")
            if "insights" in base and "plain" in base:
                ratios.append(f"insights / plain = {base['insights'] / base['plain']:.2f}")
            if "library-alarms" in base and "plain" in base:
                ratios.append(f"alarms alone: {1000 * (base['library-alarms'] - base['plain']) / (2 * sets):.0f} ms "
                              "per function")
            print(f"  {label} of {args.repeat}: " + "; ".join(ratios), file=sys.stderr, flush=True)
        print("  CPU (Python + Node): " + ", ".join(f"{v} {statistics.median(cpus[v]):.1f} s"
                                                     for v in args.variants), file=sys.stderr, flush=True)
        print("  calls into Node: " + ", ".join(f"{v} {calls[v]:,}" for v in args.variants), file=sys.stderr,
              flush=True)


if __name__ == "__main__":
    main()
