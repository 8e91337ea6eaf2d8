"""The service-health roll-up: one composite alarm that is in ALARM when any alarm of a ``TracingAlarms`` is.

A composite alarm's rule may name at most 100 alarms and hold at most 10,240 characters (PutCompositeAlarm's
``AlarmRule``); past either, the roll-up nests: ``<prefix>-service-health-part<N>`` composites of up to 100 alarms
each, and the top composite ORs the parts. Only the top composite notifies.

Example::

    from aws_cdk import aws_cloudwatch as cw
    from constructs_lib.monitoring.health import HealthRollup

    rollup = HealthRollup(stack, prefix="orders", description="Service health", actions=[])
    alarm = cw.CfnAlarm(stack, "A", alarm_name="orders-a", comparison_operator="GreaterThanOrEqualToThreshold",
                        evaluation_periods=1, threshold=1, namespace="AWS/Lambda", metric_name="Errors",
                        period=60, statistic="Sum")
    rollup.add(alarm, "orders-a")
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_cloudwatch as cw
from constructs import Construct

from .._lazy import lazy_string
from .naming import alarm_name

__all__ = ["MAX_ALARMS_PER_COMPOSITE", "MAX_ALARM_RULE_LENGTH", "HealthRollup"]

#: Underlying alarms per composite alarm (CloudWatch allows 100 in one rule).
MAX_ALARMS_PER_COMPOSITE = 100
#: PutCompositeAlarm's ``AlarmRule``: at most 10,240 characters.
MAX_ALARM_RULE_LENGTH = 10240


def _rule(names: Sequence[str]) -> str:
    return " OR ".join(f'ALARM("{n}")' for n in names) or "FALSE"


class HealthRollup:
    """Builds the composite alarms under ``scope`` as alarms are added."""

    def __init__(self, scope: Construct, *, prefix: str, description: str, actions: Sequence[str]) -> None:
        self.scope = scope
        self.prefix = prefix
        self.chunks: list[list[str]] = [[]]
        self.children: list[cw.CfnCompositeAlarm] = []
        self.top = cw.CfnCompositeAlarm(
            scope, "ServiceHealth",
            alarm_name=alarm_name(prefix, "service-health"),
            alarm_description=description,
            alarm_rule=lazy_string(self._top_rule),
            alarm_actions=list(actions) or None,
            ok_actions=list(actions) or None,
        )

    @property
    def all(self) -> list[cw.CfnCompositeAlarm]:
        """The top composite, then its parts."""
        return [self.top, *self.children]

    def opens_part(self, pending: Sequence[str], name: str) -> bool:
        """Whether :meth:`add` of ``name``, after ``pending`` names (added in between, none opening a part), makes
        a new part composite: the alarms made before it can be made together, in the order the template keeps."""
        chunk = [*self.chunks[-1], *pending]
        return len(chunk) >= MAX_ALARMS_PER_COMPOSITE or len(_rule([*chunk, name])) > MAX_ALARM_RULE_LENGTH

    def add(self, alarm: cw.CfnAlarm, name: str) -> None:
        """Roll ``alarm`` (named ``name``) up; the composite that names it depends on it."""
        chunk = self.chunks[-1]
        if len(chunk) >= MAX_ALARMS_PER_COMPOSITE or len(_rule([*chunk, name])) > MAX_ALARM_RULE_LENGTH:
            if not self.children:
                self._child(0)
            self.chunks.append([])
            self._child(len(self.chunks) - 1)
            chunk = self.chunks[-1]
        chunk.append(name)
        (self.children[-1] if self.children else self.top).add_resource_dependency(alarm)

    def _child(self, index: int) -> None:
        child = cw.CfnCompositeAlarm(
            self.scope, f"ServiceHealthPart{index + 1}",
            alarm_name=alarm_name(self.prefix, f"service-health-part{index + 1}"),
            alarm_description=f"Part {index + 1} of the service-health roll-up (no actions; the top alarm notifies).",
            alarm_rule=lazy_string(lambda: _rule(self.chunks[index])),
        )
        if index == 0:  # the alarms so far move from the top composite to the first part
            for dependency in self.top.obtain_dependencies():
                if isinstance(dependency, cw.CfnAlarm):
                    self.top.remove_resource_dependency(dependency)
                    child.add_resource_dependency(dependency)
        self.children.append(child)
        self.top.add_resource_dependency(child)

    def _top_rule(self) -> str:
        if not self.children:
            return _rule(self.chunks[0])
        return _rule([alarm_name(self.prefix, f"service-health-part{i + 1}") for i in range(len(self.children))])
