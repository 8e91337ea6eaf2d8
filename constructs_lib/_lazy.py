"""Lazy values computed at synthesis: ``lazy_string(lambda: ...)`` and ``lazy_number(lambda: ...)``.

The alarms and the dashboard use them for values that depend on constructs added later (an alarm-rule that lists
every alarm, a query that lists every resource, a threshold from a function's timeout, a dashboard body).

Example::

    rule = lazy_string(lambda: " OR ".join(names))   # a token now, the joined names at synthesis
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import IStableAnyProducer, IStableNumberProducer, IStableStringProducer, Lazy


@jsii.implements(IStableStringProducer)
class _StringProducer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


@jsii.implements(IStableNumberProducer)
class _NumberProducer:
    def __init__(self, produce: Callable[[], float]) -> None:
        self._produce = produce

    def produce(self) -> float:
        return self._produce()


@jsii.implements(IStableAnyProducer)
class _AnyProducer:
    def __init__(self, produce: Callable[[], Any]) -> None:
        self._produce = produce

    def produce(self) -> Any:
        return self._produce()


def lazy_string(produce: Callable[[], str]) -> str:
    """A string token whose value ``produce()`` returns at synthesis (called once per resolution)."""
    return Lazy.string(_StringProducer(produce))


def lazy_number(produce: Callable[[], float]) -> float:
    """A number token whose value ``produce()`` returns at synthesis."""
    return Lazy.number(_NumberProducer(produce))


def lazy_any(produce: Callable[[], Any]) -> Any:
    """A token for any JSON-able value (e.g. metadata) that ``produce()`` returns at synthesis."""
    return Lazy.any(_AnyProducer(produce))


__all__ = ["lazy_any", "lazy_number", "lazy_string"]
