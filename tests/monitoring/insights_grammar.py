"""The Metrics Insights query grammar, written from the CloudWatch documentation (not from our renderer).

Sources (CloudWatch user guide):
- "Query components and syntax in CloudWatch Metrics Insights"::

      SELECT FUNCTION(metricName)
      FROM namespace | SCHEMA(...)
      [ WHERE labelKey OPERATOR labelValue [AND ... ] ]
      [ GROUP BY labelKey [ , ... ] ]
      [ ORDER BY FUNCTION() [ DESC | ASC ] ]
      [ LIMIT number ]

  FUNCTION is one of AVG, COUNT, MAX, MIN, SUM; keywords are not case sensitive. SCHEMA's first argument is the
  namespace, the others label keys. WHERE operators: ``=``, ``!=``, ``AND``. Label values are always in single
  quotes; namespaces, metric names and label keys with characters other than letters, numbers and ``_`` (or that
  are keywords) are in double quotes; a quotation mark inside either is escaped with a backslash. LIMIT is at
  most 500.
- "Metrics Insights quotas": a query returns at most 500 time series.
- PutMetricAlarm's ``MetricDataQuery.Expression``: 1 to 2,048 characters.
- "Create an alarm based on a Multi Time Series Metrics Insights query": a multi-time-series alarm query has
  ``GROUP BY`` and ``ORDER BY`` (``... GROUP BY InstanceId ORDER BY MAX() DESC``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

FUNCTIONS = {"AVG", "COUNT", "MAX", "MIN", "SUM"}
KEYWORDS = {"SELECT", "FROM", "SCHEMA", "WHERE", "AND", "GROUP", "BY", "ORDER", "ASC", "DESC", "LIMIT", *FUNCTIONS}
MAX_LENGTH = 2048
MAX_LIMIT = 500

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<dq>"(?:[^"\\]|\\.)*")
  | (?P<sq>'(?:[^'\\]|\\.)*')
  | (?P<op>!=|=)
  | (?P<punct>[(),])
  | (?P<number>\d+)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)


class QueryError(ValueError):
    """The text is not a query the documented grammar accepts."""


@dataclass
class ParsedQuery:
    function: str
    metric: str
    namespace: str
    schema_keys: list[str] = field(default_factory=list)
    conditions: list[tuple[str, str, str]] = field(default_factory=list)
    group_by: list[str] = field(default_factory=list)
    order_by: str | None = None
    limit: int | None = None


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise QueryError(f"unexpected character {text[position]!r} at {position}")
        kind = match.lastgroup
        assert kind is not None
        if kind != "ws":
            out.append((kind, match.group()))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token and token[0] == "word" and token[1].upper() == word:
            self.index += 1
            return True
        return False

    def expect_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise QueryError(f"expected {word}, got {self.peek()}")

    def expect(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise QueryError(f"expected {value or kind}, got {token}")
        self.index += 1
        return token[1]

    def name(self) -> str:
        """A metric name, namespace or label key: a bare identifier (not a keyword) or a double-quoted one."""
        token = self.peek()
        if token is None:
            raise QueryError("expected a name, got the end")
        if token[0] == "dq":
            self.index += 1
            return token[1]
        if token[0] == "word" and token[1].upper() not in KEYWORDS:
            self.index += 1
            return token[1]
        raise QueryError(f"expected a name, got {token}")

    def function(self) -> str:
        token = self.peek()
        if token is None or token[0] != "word" or token[1].upper() not in FUNCTIONS:
            raise QueryError(f"expected one of {sorted(FUNCTIONS)}, got {token}")
        self.index += 1
        return token[1].upper()


def parse(text: str) -> ParsedQuery:
    """Parse ``text``; raise :class:`QueryError` for anything outside the documented grammar and limits."""
    if not 1 <= len(text) <= MAX_LENGTH:
        raise QueryError(f"a query is 1 to {MAX_LENGTH} characters, got {len(text)}")
    p = _Parser(text)
    p.expect_keyword("SELECT")
    function = p.function()
    p.expect("punct", "(")
    metric = p.name()
    p.expect("punct", ")")
    p.expect_keyword("FROM")
    schema_keys: list[str] = []
    if p.keyword("SCHEMA"):
        p.expect("punct", "(")
        namespace = p.name()
        while p.peek() == ("punct", ","):
            p.index += 1
            schema_keys.append(p.name())
        p.expect("punct", ")")
    else:
        namespace = p.name()
    query = ParsedQuery(function=function, metric=metric, namespace=namespace, schema_keys=schema_keys)
    if p.keyword("WHERE"):
        while True:
            key = p.name()
            operator = p.expect("op")
            value = p.expect("sq")
            query.conditions.append((key, operator, value))
            if not p.keyword("AND"):
                break
    if p.keyword("GROUP"):
        p.expect_keyword("BY")
        query.group_by.append(p.name())
        while p.peek() == ("punct", ","):
            p.index += 1
            query.group_by.append(p.name())
    if p.keyword("ORDER"):
        p.expect_keyword("BY")
        query.order_by = p.function()
        p.expect("punct", "(")
        p.expect("punct", ")")
        if not p.keyword("DESC"):
            p.keyword("ASC")
    if p.keyword("LIMIT"):
        query.limit = int(p.expect("number"))
        if not 1 <= query.limit <= MAX_LIMIT:
            raise QueryError(f"LIMIT is at most {MAX_LIMIT}, got {query.limit}")
    if p.peek() is not None:
        raise QueryError(f"unexpected {p.peek()} after the query")
    return query


def parse_multi_time_series(text: str) -> ParsedQuery:
    """A query for an alarm with one contributor per resource: it must have GROUP BY and ORDER BY."""
    query = parse(text)
    if not query.group_by or query.order_by is None:
        raise QueryError("a multi-time-series alarm query needs GROUP BY and ORDER BY")
    return query
