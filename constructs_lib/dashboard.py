"""Kept for imports written before the ``constructs_lib.monitoring`` package: ``TracingDashboard`` now lives in
:mod:`constructs_lib.monitoring`.

Example::

    from constructs_lib.monitoring import TracingDashboard
"""

from .monitoring.dashboard import MAX_ALARMS_PER_STATUS_WIDGET, MAX_DASHBOARD_WIDGETS, TracingDashboard

__all__ = ["MAX_ALARMS_PER_STATUS_WIDGET", "MAX_DASHBOARD_WIDGETS", "TracingDashboard"]
