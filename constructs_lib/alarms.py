"""Kept for imports written before the ``constructs_lib.monitoring`` package: ``TracingAlarms`` and its value
types now live in :mod:`constructs_lib.monitoring`.

Example::

    from constructs_lib.monitoring import TracingAlarms
"""

from .filters import TraceGroupKind
from .monitoring.alarms import CreatedAlarm, TracingAlarms
from .monitoring.specs import (
    DEFAULT_SPECS,
    AlarmMode,
    AlarmOverride,
    AlarmSpec,
    AlarmType,
    QueryScope,
    ResourceOverride,
    TraceGroupTarget,
    default_spec,
)

__all__ = [
    "DEFAULT_SPECS",
    "AlarmMode",
    "AlarmOverride",
    "AlarmSpec",
    "AlarmType",
    "CreatedAlarm",
    "QueryScope",
    "ResourceOverride",
    "TraceGroupKind",
    "TraceGroupTarget",
    "TracingAlarms",
    "default_spec",
]
