"""CloudWatch Metrics Insights queries, rendered in the documented grammar only.

The grammar (CloudWatch user guide, "Query components and syntax in CloudWatch Metrics Insights")::

    SELECT FUNCTION(metricName) FROM namespace | SCHEMA(...)
    [ WHERE labelKey OPERATOR labelValue [AND ... ] ]
    [ GROUP BY labelKey [ , ... ] ] [ ORDER BY FUNCTION() [ DESC | ASC ] ] [ LIMIT number ]

``WHERE`` takes ``=``, ``!=`` and ``AND``: there is no ``OR``, so a query cannot list several resources; it
selects every resource of a kind (grouped by the resource's dimension, one time series each) minus any it names
with ``!=``. Limits (CloudWatch user guide, "Metrics Insights quotas"; PutMetricAlarm's ``Expression``): at most
500 time series (``LIMIT`` 1 to 500) and 2,048 characters.

Example::

    from constructs_lib.monitoring import InsightsQuery

    query = InsightsQuery(namespace="AWS/Lambda", metric_name="Errors", dimensions=("FunctionName",))
    str(query)   # SELECT SUM(Errors) FROM SCHEMA("AWS/Lambda", FunctionName) GROUP BY FunctionName
                 #   ORDER BY MAX() DESC LIMIT 100
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from .._validation import XRayValidationError, check_number, is_token

__all__ = ["MAX_QUERY_LENGTH", "MAX_TIME_SERIES", "Condition", "InsightsFunction", "InsightsQuery", "Operator"]

#: PutMetricAlarm's ``MetricDataQuery.Expression``: at most 2,048 characters.
MAX_QUERY_LENGTH = 2048
#: "A single query can return no more than 500 time series" (Metrics Insights quotas).
MAX_TIME_SERIES = 500

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: Reserved keywords that would need quoting as identifiers (a subset is enough: we quote anything unusual).
_RESERVED = frozenset({"SELECT", "FROM", "WHERE", "GROUP", "BY", "ORDER", "LIMIT", "AND", "OR", "ASC", "DESC",
                       "SCHEMA", "AVG", "COUNT", "MAX", "MIN", "SUM", "NOT", "IN", "LIKE", "AS", "TRUE", "FALSE"})


class InsightsFunction(Enum):
    """The aggregate functions Metrics Insights offers (no percentiles)."""

    AVG = "AVG"
    COUNT = "COUNT"
    MAX = "MAX"
    MIN = "MIN"
    SUM = "SUM"


class Operator(Enum):
    """The ``WHERE`` operators Metrics Insights documents."""

    EQUALS = "="
    NOT_EQUALS = "!="


@dataclass(frozen=True)
class Condition:
    """``<label_key> <operator> '<value>'`` in a ``WHERE`` clause (conditions are joined with ``AND``)."""

    label_key: str
    operator: Operator
    value: str

    def __str__(self) -> str:
        return f"{quote_identifier(self.label_key)} {self.operator.value} '{quote_value(self.value)}'"


@dataclass(frozen=True)
class InsightsQuery:
    """A Metrics Insights query: ``function(metric_name)`` over ``SCHEMA(namespace, dimensions...)``, one time
    series per combination of ``group_by`` (the dimensions, by default), worst first, at most ``limit`` of them.

    Example::

        from constructs_lib.monitoring import Condition, InsightsQuery, Operator

        InsightsQuery(namespace="AWS/ApiGateway", metric_name="5XXError", dimensions=("ApiName", "Stage"),
                      conditions=(Condition("Stage", Operator.NOT_EQUALS, "test"),), limit=50)
    """

    namespace: str
    metric_name: str
    dimensions: tuple[str, ...]
    function: InsightsFunction = InsightsFunction.SUM
    conditions: tuple[Condition, ...] = ()
    group_by: tuple[str, ...] | None = None
    order: InsightsFunction = InsightsFunction.MAX
    descending: bool = True
    limit: int = 100

    def __post_init__(self) -> None:
        check_number("InsightsQuery", "limit", self.limit, minimum=1, maximum=MAX_TIME_SERIES, integer=True)
        if not self.dimensions:
            raise XRayValidationError("InsightsQuery: dimensions must name at least one dimension, got ()")
        for condition in self.conditions:
            if not isinstance(condition, Condition):
                raise XRayValidationError(f"InsightsQuery: conditions must be Conditions, got {condition!r}")
        keys = self.group_by if self.group_by is not None else self.dimensions
        if not keys:
            raise XRayValidationError("InsightsQuery: group_by must name at least one label key, got ()")

    @property
    def grouping(self) -> tuple[str, ...]:
        """The ``GROUP BY`` label keys."""
        return self.group_by if self.group_by is not None else self.dimensions

    def __str__(self) -> str:
        schema = ", ".join([f'"{quote_value_double(self.namespace)}"',
                            *(quote_identifier(d) for d in self.dimensions)])
        text = f"SELECT {self.function.value}({quote_identifier(self.metric_name)}) FROM SCHEMA({schema})"
        if self.conditions:
            text += " WHERE " + " AND ".join(str(c) for c in self.conditions)
        text += " GROUP BY " + ", ".join(quote_identifier(k) for k in self.grouping)
        text += f" ORDER BY {self.order.value}() {'DESC' if self.descending else 'ASC'} LIMIT {self.limit}"
        return text

    def max_length(self, *, token_length: int = 256) -> int:
        """The longest the query can render, counting each unresolved value as ``token_length`` characters."""
        text = str(self)
        for marker in re.findall(r"\$\{Token\[[^\]]*\]\}", text):
            text = text.replace(marker, "x" * token_length, 1)
        return len(text)

    def check_length(self, *, token_length: int = 256) -> None:
        """Raise :class:`XRayValidationError` when the query can pass 2,048 characters."""
        length = self.max_length(token_length=token_length)
        if length > MAX_QUERY_LENGTH:
            raise XRayValidationError(
                f"InsightsQuery: the query must be at most {MAX_QUERY_LENGTH} characters, got {length}: {self}")

    def with_conditions(self, conditions: Sequence[Condition]) -> InsightsQuery:
        """The same query with other ``WHERE`` conditions."""
        return InsightsQuery(namespace=self.namespace, metric_name=self.metric_name, dimensions=self.dimensions,
                             function=self.function, conditions=tuple(conditions), group_by=self.group_by,
                             order=self.order, descending=self.descending, limit=self.limit)

    def with_limit(self, limit: int) -> InsightsQuery:
        """The same query returning at most ``limit`` time series."""
        return InsightsQuery(namespace=self.namespace, metric_name=self.metric_name, dimensions=self.dimensions,
                             function=self.function, conditions=self.conditions, group_by=self.group_by,
                             order=self.order, descending=self.descending, limit=limit)


def quote_identifier(name: str) -> str:
    """A metric name or label key as Metrics Insights reads it: bare when it is letters, digits and ``_`` (not
    starting with a digit, not a keyword), else in double quotes with ``"`` and ``'`` escaped by a backslash."""
    if _IDENTIFIER.fullmatch(name) and name.upper() not in _RESERVED:
        return name
    return f'"{quote_value_double(name)}"'


def quote_value_double(text: str) -> str:
    """Escape ``"`` and ``'`` with a backslash (inside double quotes)."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'")


def quote_value(value: str) -> str:
    """A label value for single quotes: ``'`` (and ``\\``) escaped with a backslash; tokens are left as they are."""
    if is_token(value):
        return value
    return value.replace("\\", "\\\\").replace("'", "\\'")
