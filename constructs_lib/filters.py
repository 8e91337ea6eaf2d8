"""AWS X-Ray filter expressions: a typed builder, a validating parser, one syntax tree and one classifier.

Filter expressions select traces: trace groups (:class:`~constructs_lib.groups.TraceGroup`) and the console's
search both use them. The builder turns Python operators into the documented grammar, quotes and escapes strings,
and puts parentheses exactly where precedence needs them; the parser reads a hand-written expression into the
same tree and renders it back as written. ``str(f)`` is the expression X-Ray receives.

The language is the one the X-Ray developer guide documents ("Using filter expressions to search for traces in the
console", and "Cross-account tracing" for ``id(account.id: ...)``), and nothing else: anything else is a
:class:`FilterExpressionError` that says where and why.

Example::

    from constructs_lib.filters import TraceFilter as F

    slow_or_faulty = F.service("orders-api", F.fault() | (F.response_time() > 2.5))
    str(slow_or_faulty)                       # 'service("orders-api") { fault OR responsetime > 2.5 }'
    str(F.annotation("ColdStart").is_true())  # 'annotation.ColdStart = true'
    str(~F.partial() & F.http_url().begins_with("https://"))
    F.parse('service("api") { fault = true }').classify()   # TraceGroupKind.FAULT

Python binds ``&`` and ``|`` tighter than comparisons: wrap comparisons in parentheses when combining them
(``F.ok() & (F.duration() < 3)``). ``F.fault().is_true()`` and ``F.fault() == True`` build the same filter; the
first needs no ``# noqa: E712``. A keyword used with an operator its type does not have raises
:class:`FilterExpressionError` (``F.fault() > 2``), as does Python's ``and``/``or``/``not`` on a filter.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import NoReturn, overload

from . import _filter_syntax as _s
from ._filter_syntax import (
    ANNOTATION_KEY_PATTERN,
    BOOLEAN_KEYWORDS,
    GROUP_KEYWORDS,
    ID_FIELDS,
    NUMBER_KEYWORDS,
    STRING_KEYWORDS,
    FilterExpressionError,
    RootCauseEntity,
    RootCauseKind,
    TraceGroupKind,
    quote,
)

__all__ = [
    "BOOLEAN_KEYWORDS",
    "GROUP_KEYWORDS",
    "NUMBER_KEYWORDS",
    "STRING_KEYWORDS",
    "AnnotationKeyword",
    "BooleanKeyword",
    "EntityId",
    "FilterExpressionError",
    "NumberKeyword",
    "RootCauseEntity",
    "RootCauseKind",
    "StringKeyword",
    "TraceFilter",
    "TraceGroupKind",
    "classify",
]


# -- the public filter -------------------------------------------------------------------------------------------
class TraceFilter:
    """An X-Ray filter expression: a syntax tree. Build one with the class methods and ``&``, ``|``, ``~``, or
    read one with :meth:`parse`.

    ``str(f)`` renders the expression; :meth:`classify` tells a fault, error or slow filter from the rest;
    :meth:`keywords` lists the keywords it uses. Two filters are equal when they mean the same text once
    spellings are made canonical (``and`` and ``AND``, ``responseTime`` and ``responsetime``).

    Example::

        f = TraceFilter.service("orders-api") & TraceFilter.fault()
        str(f)   # 'service("orders-api") AND fault'
    """

    __slots__ = ("_node",)

    def __init__(self, node: _s.Node) -> None:
        self._node = node

    # -- rendering and introspection -----------------------------------------------------------------------
    def __str__(self) -> str:
        return _s.render(self._node, canonical=False)

    def __repr__(self) -> str:
        return f"TraceFilter({str(self)!r})"

    def canonical(self) -> str:
        """The expression with one spelling per keyword and operator (``and`` → ``AND``, ``responseTime`` →
        ``responsetime``, juxtaposition → ``AND``, unquoted strings quoted).

        Example::

            TraceFilter.parse("ok !partial duration <3").canonical()   # 'ok AND !partial AND duration < 3'
        """
        return _s.render(self._node, canonical=True)

    def __hash__(self) -> int:
        return hash(self.canonical())

    def __bool__(self) -> NoReturn:
        raise FilterExpressionError(
            f"TraceFilter: {str(self)!r} has no truth value; combine filters with &, | and ~, "
            "not Python's and/or/not"
        )

    def keywords(self) -> frozenset[str]:
        """Every keyword the expression uses, e.g. ``{"service", "fault", "annotation.ColdStart"}``. It ignores
        negation: use :meth:`classify` to tell what the filter selects.

        Example::

            "fault" in (TraceFilter.fault() & TraceFilter.root()).keywords()   # True
        """
        return _s.keywords_of(self._node)

    def classify(self) -> TraceGroupKind | None:
        """What the filter selects: FAULT, ERROR, SLOW or None (see :func:`classify`).

        Example::

            (~TraceFilter.fault() & TraceFilter.service("api")).classify()   # None
        """
        return _s.classify_node(self._node)

    # -- combinators ---------------------------------------------------------------------------------------
    def __and__(self, other: TraceFilter) -> TraceFilter:
        return _join("AND", self, _as_filter(other, "&"))

    def __rand__(self, other: TraceFilter) -> TraceFilter:
        return _join("AND", _as_filter(other, "&"), self)

    def __or__(self, other: TraceFilter) -> TraceFilter:
        return _join("OR", self, _as_filter(other, "|"))

    def __ror__(self, other: TraceFilter) -> TraceFilter:
        return _join("OR", _as_filter(other, "|"), self)

    def __invert__(self) -> TraceFilter:
        return self.negate()

    def negate(self) -> TraceFilter:
        """``!f``: the traces this filter does not select (a comparison or a compound is parenthesized).

        Example::

            str(TraceFilter.partial().negate())   # '!partial'
        """
        node = self._node
        if not isinstance(node, (_s.Bare, _s.Block, _s.Paren, _s.Not)):
            node = _s.Paren(node)
        return TraceFilter(_s.Not(node))

    @staticmethod
    def all_of(*filters: TraceFilter) -> TraceFilter:
        """All of ``filters`` (``AND``). Example:: ``TraceFilter.all_of(TraceFilter.ok(), ~TraceFilter.partial())``"""
        return _fold("AND", filters)

    @staticmethod
    def any_of(*filters: TraceFilter) -> TraceFilter:
        """Any of ``filters`` (``OR``). Example:: ``TraceFilter.any_of(TraceFilter.fault(), TraceFilter.error())``"""
        return _fold("OR", filters)

    # Filters compare by meaning; comparing a compound expression with a value is a mistake: say so.
    def __eq__(self, other: object) -> bool:
        if isinstance(other, TraceFilter):
            return self.canonical() == other.canonical()
        if isinstance(other, (bool, int, float, str)):
            _bad_operator(self, "=")
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        if isinstance(other, TraceFilter):
            return self.canonical() != other.canonical()
        if isinstance(other, (bool, int, float, str)):
            _bad_operator(self, "!=")
        return NotImplemented

    def __lt__(self, other: object) -> NoReturn:
        _bad_operator(self, "<")

    def __le__(self, other: object) -> NoReturn:
        _bad_operator(self, "<=")

    def __gt__(self, other: object) -> NoReturn:
        _bad_operator(self, ">")

    def __ge__(self, other: object) -> NoReturn:
        _bad_operator(self, ">=")

    # -- boolean keywords ----------------------------------------------------------------------------------
    @staticmethod
    def ok() -> BooleanKeyword:
        """``ok``: response status 2XX. Example:: ``TraceFilter.ok()``"""
        return BooleanKeyword("ok")

    @staticmethod
    def error() -> BooleanKeyword:
        """``error``: response status 4XX. Example:: ``TraceFilter.error()``"""
        return BooleanKeyword("error")

    @staticmethod
    def throttle() -> BooleanKeyword:
        """``throttle``: response status 429. Example:: ``TraceFilter.throttle()``"""
        return BooleanKeyword("throttle")

    @staticmethod
    def fault() -> BooleanKeyword:
        """``fault``: response status 5XX. Example:: ``TraceFilter.fault().is_true()``"""
        return BooleanKeyword("fault")

    @staticmethod
    def partial() -> BooleanKeyword:
        """``partial``: the trace has incomplete segments. Example:: ``~TraceFilter.partial()``"""
        return BooleanKeyword("partial")

    @staticmethod
    def inferred() -> BooleanKeyword:
        """``inferred``: the request has inferred segments. Example:: ``TraceFilter.inferred()``"""
        return BooleanKeyword("inferred")

    @staticmethod
    def first() -> BooleanKeyword:
        """``first``: the first element of an enumerated list (root causes). Example:: ``TraceFilter.first()``"""
        return BooleanKeyword("first")

    @staticmethod
    def last() -> BooleanKeyword:
        """``last``: the last element of an enumerated list (root causes). Example:: ``TraceFilter.last()``"""
        return BooleanKeyword("last")

    @staticmethod
    def remote() -> BooleanKeyword:
        """``remote``: the root-cause entity is remote. Example:: ``TraceFilter.remote()``"""
        return BooleanKeyword("remote")

    @staticmethod
    def root() -> BooleanKeyword:
        """``root``: the service is the entry point (root segment). Example:: ``TraceFilter.root()``"""
        return BooleanKeyword("root")

    # -- number keywords -----------------------------------------------------------------------------------
    @staticmethod
    def response_time() -> NumberKeyword:
        """``responsetime`` in seconds. Example:: ``TraceFilter.response_time() > 2``"""
        return NumberKeyword("responsetime")

    @staticmethod
    def duration() -> NumberKeyword:
        """``duration``: the whole request in seconds. Example:: ``TraceFilter.duration() >= 5``"""
        return NumberKeyword("duration")

    @staticmethod
    def http_status() -> NumberKeyword:
        """``http.status``. Example:: ``TraceFilter.http_status().equals(503)``"""
        return NumberKeyword("http.status")

    @staticmethod
    def index() -> NumberKeyword:
        """``index``: position in an enumerated list (root causes). Example:: ``TraceFilter.index() > 5``"""
        return NumberKeyword("index")

    @staticmethod
    def coverage() -> NumberKeyword:
        """``coverage``: share of the root segment's response time; only inside
        ``rootcause.responsetime.*`` blocks. Example:: ``TraceFilter.coverage() > 0.5``"""
        return NumberKeyword("coverage")

    # -- string keywords -----------------------------------------------------------------------------------
    @staticmethod
    def http_url() -> StringKeyword:
        """``http.url``. Example:: ``TraceFilter.http_url().contains("/v2/")``"""
        return StringKeyword("http.url")

    @staticmethod
    def http_method() -> StringKeyword:
        """``http.method``. Example:: ``TraceFilter.http_method().equals("POST")``"""
        return StringKeyword("http.method")

    @staticmethod
    def http_useragent() -> StringKeyword:
        """``http.useragent``. Example:: ``TraceFilter.http_useragent().contains("curl")``"""
        return StringKeyword("http.useragent")

    @staticmethod
    def http_clientip() -> StringKeyword:
        """``http.clientip``. Example:: ``TraceFilter.http_clientip().equals("192.0.2.1")``"""
        return StringKeyword("http.clientip")

    @staticmethod
    def user() -> StringKeyword:
        """``user``. Example:: ``TraceFilter.user().equals("alice")``"""
        return StringKeyword("user")

    @staticmethod
    def name() -> StringKeyword:
        """``name`` (of a service or exception). Example:: ``TraceFilter.name().equals("orders")``"""
        return StringKeyword("name")

    @staticmethod
    def type() -> StringKeyword:
        """``type`` (of a service). Example:: ``TraceFilter.type().equals("AWS::Lambda::Function")``"""
        return StringKeyword("type")

    @staticmethod
    def message() -> StringKeyword:
        """``message`` (of an exception). Example:: ``TraceFilter.message().contains("Timeout")``"""
        return StringKeyword("message")

    @staticmethod
    def availability_zone() -> StringKeyword:
        """``availabilityzone``. Example:: ``TraceFilter.availability_zone().equals("us-east-1a")``"""
        return StringKeyword("availabilityzone")

    @staticmethod
    def instance_id() -> StringKeyword:
        """``instance.id``. Example:: ``TraceFilter.instance_id().equals("i-0123456789abcdef0")``"""
        return StringKeyword("instance.id")

    @staticmethod
    def resource_arn() -> StringKeyword:
        """``resource.arn``. Example:: ``TraceFilter.resource_arn().ends_with(":orders")``"""
        return StringKeyword("resource.arn")

    @staticmethod
    def group_name() -> StringKeyword:
        """``group.name``: traces of another group (``=`` and ``!=`` only).
        Example:: ``TraceFilter.group_name().equals("faults")``"""
        return StringKeyword("group.name")

    @staticmethod
    def group_arn() -> StringKeyword:
        """``group.arn`` (``=`` and ``!=`` only).

        Example::

            TraceFilter.group_arn().equals("arn:aws:xray:eu-west-1:111111111111:group/faults/ABC123")
        """
        return StringKeyword("group.arn")

    # -- complex keywords ----------------------------------------------------------------------------------
    @staticmethod
    def annotation(key: str) -> AnnotationKeyword:
        """``annotation.KEY``: bare means "is set"; compare with a bool, a number or a string.

        Example::

            TraceFilter.annotation("ColdStart").is_true()      # annotation.ColdStart = true
            TraceFilter.annotation("tenant").begins_with("eu-")
        """
        return AnnotationKeyword(key)

    @staticmethod
    def id(*, name: str | None = None, type: str | None = None, account_id: str | None = None) -> EntityId:
        """``id(name: ..., type: ..., account.id: ...)`` (any of them, at least one), for :meth:`service` and
        :meth:`edge`.

        Example::

            TraceFilter.service(TraceFilter.id(type="AWS::Lambda::Function"), TraceFilter.error())
        """
        return EntityId(name=name, type=type, account_id=account_id)

    @staticmethod
    def service(name: str | EntityId | None = None, filter: TraceFilter | None = None) -> TraceFilter:
        """``service("name") { filter }``: traces through that service (any service when ``name`` is None).

        Example::

            TraceFilter.service("api.example.com", TraceFilter.fault())   # service("api.example.com") { fault }
        """
        refs: tuple[_s.Ref, ...] = () if name is None else (_ref(name),)
        return TraceFilter(_s.Block(_s.word("service"), refs, _block_inner(filter, "service")))

    @staticmethod
    def edge(source: str | EntityId, target: str | EntityId, filter: TraceFilter | None = None) -> TraceFilter:
        """``edge("a", "b") { filter }``: calls from one service to another.

        Example::

            TraceFilter.edge("api.example.com", "backend.example.com", TraceFilter.fault().is_true())
        """
        return TraceFilter(_s.Block(_s.word("edge"), (_ref(source), _ref(target)), _block_inner(filter, "edge")))

    @staticmethod
    def root_cause(kind: RootCauseKind, entity: RootCauseEntity, filter: TraceFilter) -> TraceFilter:
        """``rootcause.<kind>.<entity> { filter }``, e.g. traces whose fault's root cause is one service.

        Example::

            from constructs_lib import RootCauseEntity, RootCauseKind

            TraceFilter.root_cause(RootCauseKind.FAULT, RootCauseEntity.SERVICE, TraceFilter.name().equals("db"))
        """
        if not isinstance(kind, RootCauseKind) or not isinstance(entity, RootCauseEntity):
            raise FilterExpressionError(
                f"TraceFilter: root_cause takes a RootCauseKind and a RootCauseEntity, got {kind!r}, {entity!r}"
            )
        if kind is RootCauseKind.RESPONSE_TIME and entity is RootCauseEntity.EXCEPTION:
            raise FilterExpressionError("TraceFilter: rootcause.responsetime has no exception block (response-time "
                                        "root causes have no exceptions)")
        inner = _as_filter(filter, "root_cause")._node
        if kind is not RootCauseKind.RESPONSE_TIME and "coverage" in _s.keywords_of(inner):
            raise FilterExpressionError("TraceFilter: coverage applies only to response-time root causes "
                                        "(rootcause.responsetime.*)")
        return TraceFilter(_s.Block(_s.word(f"rootcause.{kind.value}.{entity.value}"), None, inner))

    @staticmethod
    def root_cause_json(root_causes: list[dict[str, object]]) -> TraceFilter:
        """``rootcause.json = #[...]``: traces whose root causes match these (edited) GetTraceSummaries root-cause
        objects; a field left out matches anything.

        Example::

            TraceFilter.root_cause_json([{"Services": [{"Name": "GetWeatherData"}]}])
        """
        if not isinstance(root_causes, list) or not all(isinstance(item, dict) for item in root_causes):
            raise FilterExpressionError(
                f"TraceFilter: root_cause_json takes a list of root-cause objects (dicts), got {root_causes!r}"
            )
        try:
            text = "#" + json.dumps(root_causes, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise FilterExpressionError(f"TraceFilter: root_cause_json needs JSON values: {error}") from None
        return TraceFilter(_s.Compare(_s.word("rootcause.json"), "json", _s.word("="), _s.Value("json", text, text)))

    # -- raw text ------------------------------------------------------------------------------------------
    @staticmethod
    def parse(text: str) -> TraceFilter:
        """Validate a hand-written expression and return it as a :class:`TraceFilter`; ``str()`` renders it as
        written (spellings kept, whitespace normalized), :meth:`canonical` with one spelling per word.

        Raises :class:`FilterExpressionError` with the position and the reason for unbalanced quotes, braces or
        parentheses, unknown keywords, bad annotation keys, operators that do not fit a keyword, and AND and OR
        mixed without parentheses (the guide does not say which binds first).

        Example::

            TraceFilter.parse('responsetime > 5 AND annotation.account = "12345"')
        """
        return TraceFilter(_s.Parser(text).parse())


class BooleanKeyword(TraceFilter):
    """A boolean keyword (``fault``, ``ok``...): bare, negated (``~``), or compared with ``true``/``false``:
    ``.is_true()``, ``.is_false()``, ``.equals(flag)`` (or ``== True``, typed as a :class:`TraceFilter`)."""

    __slots__ = ("keyword",)

    def __init__(self, keyword: str) -> None:
        if keyword not in BOOLEAN_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a boolean keyword")
        super().__init__(_s.Bare(_s.word(keyword), "boolean"))
        self.keyword = keyword

    def _compare(self, op: str, other: object) -> TraceFilter:
        if not isinstance(other, bool):
            raise FilterExpressionError(
                f"TraceFilter: {self.keyword} is a boolean keyword; compare it with True or False, got {other!r}"
            )
        flag = "true" if other else "false"
        return TraceFilter(_s.Compare(_s.word(self.keyword), "boolean", _s.word(op), _s.Value("bool", flag, flag)))

    def is_true(self) -> TraceFilter:
        """``keyword = true``. Example:: ``TraceFilter.fault().is_true()``"""
        return self._compare("=", True)

    def is_false(self) -> TraceFilter:
        """``keyword = false``. Example:: ``TraceFilter.ok().is_false()``"""
        return self._compare("=", False)

    def equals(self, value: bool) -> TraceFilter:
        """``keyword = true|false``. Example:: ``TraceFilter.fault().equals(True)``"""
        return self._compare("=", value)

    def not_equals(self, value: bool) -> TraceFilter:
        """``keyword != true|false``. Example:: ``TraceFilter.fault().not_equals(False)``"""
        return self._compare("!=", value)

    @overload  # type: ignore[override]
    def __eq__(self, other: bool) -> TraceFilter: ...
    @overload
    def __eq__(self, other: TraceFilter) -> bool: ...
    def __eq__(self, other: object) -> TraceFilter | bool:
        if isinstance(other, TraceFilter):
            return self.canonical() == other.canonical()
        return self._compare("=", other)

    @overload  # type: ignore[override]
    def __ne__(self, other: bool) -> TraceFilter: ...
    @overload
    def __ne__(self, other: TraceFilter) -> bool: ...
    def __ne__(self, other: object) -> TraceFilter | bool:
        if isinstance(other, TraceFilter):
            return self.canonical() != other.canonical()
        return self._compare("!=", other)

    __hash__ = TraceFilter.__hash__


class AnnotationKeyword(TraceFilter):
    """``annotation.KEY``: bare means the annotation is set; comparisons follow the value's type.

    ``==``/``!=``/:meth:`equals` take a bool, a number or a string; ``< <= > >=`` take a number;
    :meth:`contains`, :meth:`begins_with`, :meth:`ends_with` take a string; :meth:`is_true` is ``= true``.
    """

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        if not isinstance(key, str) or re.fullmatch(ANNOTATION_KEY_PATTERN, key) is None:
            raise FilterExpressionError(
                f"TraceFilter: annotation key must be letters, digits and underscores only, got {key!r}"
            )
        super().__init__(_s.Bare(_s.word(f"annotation.{key}"), "annotation"))
        self.key = key

    @property
    def _keyword(self) -> str:
        return f"annotation.{self.key}"

    def _value(self, op: str, other: object) -> _s.Value:
        if isinstance(other, bool):
            if op not in _s.EQUALITY_OPS:
                raise FilterExpressionError(f"TraceFilter: {self._keyword} {op} needs a number, got {other!r}")
            flag = "true" if other else "false"
            return _s.Value("bool", flag, flag)
        if isinstance(other, (int, float)):
            text = _s.number_text(self._keyword, other)
            return _s.Value("number", text, text)
        if isinstance(other, str) and op in _s.STRING_OPS:
            return _s.string_value(other)
        raise FilterExpressionError(
            f"TraceFilter: {self._keyword} {op} takes "
            + ("a bool, a number or a string" if op in _s.EQUALITY_OPS else
               "a number" if op in _s.NUMBER_OPS else "a string")
            + f", got {other!r}"
        )

    def _cmp(self, op: str, other: object) -> TraceFilter:
        return TraceFilter(_s.Compare(_s.word(self._keyword), "annotation", _s.word(op), self._value(op, other)))

    def is_true(self) -> TraceFilter:
        """``annotation.KEY = true``. Example:: ``TraceFilter.annotation("ColdStart").is_true()``"""
        return self._cmp("=", True)

    def is_false(self) -> TraceFilter:
        """``annotation.KEY = false``. Example:: ``TraceFilter.annotation("ColdStart").is_false()``"""
        return self._cmp("=", False)

    def equals(self, value: bool | float | str) -> TraceFilter:
        """``annotation.KEY = value``. Example:: ``TraceFilter.annotation("tenant").equals("eu-1")``"""
        return self._cmp("=", value)

    def not_equals(self, value: bool | float | str) -> TraceFilter:
        """``annotation.KEY != value``. Example:: ``TraceFilter.annotation("retries").not_equals(0)``"""
        return self._cmp("!=", value)

    @overload  # type: ignore[override]
    def __eq__(self, other: bool | float | str) -> TraceFilter: ...
    @overload
    def __eq__(self, other: TraceFilter) -> bool: ...
    def __eq__(self, other: object) -> TraceFilter | bool:
        if isinstance(other, TraceFilter):
            return self.canonical() == other.canonical()
        return self._cmp("=", other)

    @overload  # type: ignore[override]
    def __ne__(self, other: bool | float | str) -> TraceFilter: ...
    @overload
    def __ne__(self, other: TraceFilter) -> bool: ...
    def __ne__(self, other: object) -> TraceFilter | bool:
        if isinstance(other, TraceFilter):
            return self.canonical() != other.canonical()
        return self._cmp("!=", other)

    def __lt__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp("<", other)

    def __le__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp("<=", other)

    def __gt__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp(">", other)

    def __ge__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp(">=", other)

    def contains(self, value: str) -> TraceFilter:
        """``annotation.KEY CONTAINS "value"``."""
        return self._cmp("CONTAINS", _require_str(self._keyword, "CONTAINS", value))

    def begins_with(self, value: str) -> TraceFilter:
        """``annotation.KEY BEGINSWITH "value"``."""
        return self._cmp("BEGINSWITH", _require_str(self._keyword, "BEGINSWITH", value))

    def ends_with(self, value: str) -> TraceFilter:
        """``annotation.KEY ENDSWITH "value"``."""
        return self._cmp("ENDSWITH", _require_str(self._keyword, "ENDSWITH", value))

    __hash__ = TraceFilter.__hash__


class _Keyword:
    """A keyword that is not a filter on its own: it must be compared to a value."""

    kind = "keyword"

    def __init__(self, keyword: str) -> None:
        self.keyword = keyword

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.keyword!r})"

    def __hash__(self) -> int:
        return hash(self.keyword)

    def _misuse(self, what: str) -> NoReturn:
        raise FilterExpressionError(
            f"TraceFilter: {self.keyword} is a {self.kind} keyword and is not a filter by itself; {what}"
        )

    def __and__(self, other: object) -> NoReturn:
        self._misuse("compare it first, and wrap the comparison in parentheses: Python's & binds tighter than >")

    __rand__ = __and__

    def __or__(self, other: object) -> NoReturn:
        self._misuse("compare it first, and wrap the comparison in parentheses: Python's | binds tighter than >")

    __ror__ = __or__

    def __invert__(self) -> NoReturn:
        self._misuse("negate a comparison instead: ~(keyword == value)")

    def __bool__(self) -> NoReturn:
        self._misuse("compare it with an operator")


class NumberKeyword(_Keyword):
    """A number keyword (``responsetime``, ``duration``, ``http.status``...): ``== != < <= > >=`` with a number,
    or :meth:`equals` / :meth:`not_equals`."""

    kind = "number"

    def __init__(self, keyword: str) -> None:
        if keyword not in NUMBER_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a number keyword")
        super().__init__(keyword)

    def _cmp(self, op: str, value: object) -> TraceFilter:
        text = _s.number_text(f"{self.keyword} {op}", value)
        return TraceFilter(_s.Compare(_s.word(self.keyword), "number", _s.word(op), _s.Value("number", text, text)))

    def equals(self, value: float) -> TraceFilter:
        """``keyword = value``. Example:: ``TraceFilter.http_status().equals(503)``"""
        return self._cmp("=", value)

    def not_equals(self, value: float) -> TraceFilter:
        """``keyword != value``. Example:: ``TraceFilter.http_status().not_equals(200)``"""
        return self._cmp("!=", value)

    def __eq__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp("=", other)

    def __ne__(self, other: float) -> TraceFilter:  # type: ignore[override]
        return self._cmp("!=", other)

    def __lt__(self, other: float) -> TraceFilter:
        return self._cmp("<", other)

    def __le__(self, other: float) -> TraceFilter:
        return self._cmp("<=", other)

    def __gt__(self, other: float) -> TraceFilter:
        return self._cmp(">", other)

    def __ge__(self, other: float) -> TraceFilter:
        return self._cmp(">=", other)

    __hash__ = _Keyword.__hash__


class StringKeyword(_Keyword):
    """A string keyword (``http.url``, ``user``...): ``==``/:meth:`equals`, ``!=``/:meth:`not_equals`,
    :meth:`contains`, :meth:`begins_with`, :meth:`ends_with`, and :meth:`is_set` (the keyword on its own).
    ``group.name`` and ``group.arn`` take ``=`` and ``!=`` only."""

    kind = "string"

    def __init__(self, keyword: str) -> None:
        if keyword not in STRING_KEYWORDS | GROUP_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a string keyword")
        super().__init__(keyword)

    def _op(self, op: str, value: object) -> TraceFilter:
        group = self.keyword in GROUP_KEYWORDS
        if op not in _s.EQUALITY_OPS and group:
            raise FilterExpressionError(f"TraceFilter: {self.keyword} takes only = and !=, not {op}")
        if not isinstance(value, str):
            raise FilterExpressionError(
                f"TraceFilter: {self.keyword} is a string keyword; {op} takes a string, got {value!r}"
            )
        return TraceFilter(_s.Compare(_s.word(self.keyword), "group" if group else "string", _s.word(op),
                                    _s.string_value(value)))

    def is_set(self) -> TraceFilter:
        """The keyword on its own: the field is set (as in the guide's ``http.url AND responseTime > 2``).

        Example::

            TraceFilter.http_url().is_set() & (TraceFilter.response_time() > 2)
        """
        if self.keyword in GROUP_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {self.keyword} takes = or != and a group name or ARN")
        return TraceFilter(_s.Bare(_s.word(self.keyword), "string"))

    def equals(self, value: str) -> TraceFilter:
        """``keyword = "value"``. Example:: ``TraceFilter.http_method().equals("POST")``"""
        return self._op("=", value)

    def not_equals(self, value: str) -> TraceFilter:
        """``keyword != "value"``. Example:: ``TraceFilter.http_method().not_equals("GET")``"""
        return self._op("!=", value)

    def __eq__(self, other: str) -> TraceFilter:  # type: ignore[override]
        return self._op("=", other)

    def __ne__(self, other: str) -> TraceFilter:  # type: ignore[override]
        return self._op("!=", other)

    def __lt__(self, other: object) -> NoReturn:
        _bad_string_operator(self.keyword, "<")

    def __le__(self, other: object) -> NoReturn:
        _bad_string_operator(self.keyword, "<=")

    def __gt__(self, other: object) -> NoReturn:
        _bad_string_operator(self.keyword, ">")

    def __ge__(self, other: object) -> NoReturn:
        _bad_string_operator(self.keyword, ">=")

    def contains(self, value: str) -> TraceFilter:
        """``keyword CONTAINS "value"``. Example:: ``TraceFilter.http_url().contains("/v2/")``"""
        return self._op("CONTAINS", value)

    def begins_with(self, value: str) -> TraceFilter:
        """``keyword BEGINSWITH "value"``. Example:: ``TraceFilter.http_url().begins_with("https://")``"""
        return self._op("BEGINSWITH", value)

    def ends_with(self, value: str) -> TraceFilter:
        """``keyword ENDSWITH "value"``. Example:: ``TraceFilter.http_url().ends_with("/orders")``"""
        return self._op("ENDSWITH", value)

    __hash__ = _Keyword.__hash__


@dataclass(frozen=True)
class EntityId:
    """``id(name: "...", type: "...", account.id: "...")``: a service or edge end chosen by name, type and/or
    account (at least one). ``id(type: ...)`` alone selects every node of that type.

    Example::

        from constructs_lib.filters import EntityId

        TraceFilter.service(EntityId(name="orders", type="AWS::Lambda::Function"), TraceFilter.fault())
    """

    name: str | None = None
    type: str | None = None
    account_id: str | None = None

    def __post_init__(self) -> None:
        if self.name is None and self.type is None and self.account_id is None:
            raise FilterExpressionError("TraceFilter: id() needs at least one of name, type and account_id")
        for value in (self.name, self.type, self.account_id):
            if value is not None:
                quote(value)

    def _node(self) -> _s.Id:
        values = (self.name, self.type, self.account_id)
        return _s.Id(tuple((_s.word(field), _s.string_value(value))
                         for field, value in zip(ID_FIELDS, values, strict=True) if value is not None))

    def __str__(self) -> str:
        return _s.render_ref(self._node(), canonical=False)


# -- builder helpers ---------------------------------------------------------------------------------------------
def _ref(value: str | EntityId) -> _s.Ref:
    if isinstance(value, EntityId):
        return value._node()
    if not isinstance(value, str):
        raise FilterExpressionError(f"TraceFilter: a service is a name (str) or an EntityId, got {value!r}")
    return _s.string_value(value)


def _block_inner(filter: TraceFilter | None, where: str) -> _s.Node | None:
    return None if filter is None else _as_filter(filter, where)._node


def _require_str(keyword: str, op: str, value: object) -> str:
    if not isinstance(value, str):
        raise FilterExpressionError(f"TraceFilter: {keyword} {op} takes a string, got {value!r}")
    return value


def _join(op: str, left: TraceFilter, right: TraceFilter) -> TraceFilter:
    """``left op right``. A side that is the same chain is flattened (AND and OR are associative); a side that is
    the other one is parenthesized: the X-Ray guide does not document how AND and OR bind against each other."""

    def items(node: _s.Node) -> tuple[tuple[_s.Node, ...], tuple[str, ...]]:
        if isinstance(node, _s.Chain) and node.op == op:
            return node.items, node.separators
        return ((_s.Paren(node) if isinstance(node, _s.Chain) else node),), ()

    left_items, left_seps = items(left._node)
    right_items, right_seps = items(right._node)
    return TraceFilter(_s.Chain(op, left_items + right_items, (*left_seps, op, *right_seps)))


def _fold(op: str, filters: tuple[TraceFilter, ...]) -> TraceFilter:
    if not filters:
        raise FilterExpressionError(f"TraceFilter: {op} needs at least one filter")
    result = _as_filter(filters[0], op)
    for item in filters[1:]:
        result = _join(op, result, _as_filter(item, op))
    return result


def _as_filter(value: object, where: str) -> TraceFilter:
    if isinstance(value, TraceFilter):
        return value
    if isinstance(value, _Keyword):
        value._misuse("compare it first (and wrap the comparison in parentheses)")
    raise FilterExpressionError(f"TraceFilter: {where} takes a TraceFilter, got {value!r}")


def _bad_operator(node: TraceFilter, op: str) -> NoReturn:
    if isinstance(node, BooleanKeyword):
        raise FilterExpressionError(
            f"TraceFilter: {node.keyword} is a boolean keyword: {op} does not apply; use it bare, negated (~), "
            "or .is_true() / .is_false()"
        )
    raise FilterExpressionError(
        f"TraceFilter: {op} does not apply to the expression {str(node)!r}; only keywords can be compared"
    )


def _bad_string_operator(keyword: str, op: str) -> NoReturn:
    raise FilterExpressionError(
        f"TraceFilter: {keyword} is a string keyword: {op} does not apply; use ==, !=, contains(), "
        "begins_with() or ends_with()"
    )


def classify(expression: str | TraceFilter) -> TraceGroupKind | None:
    """The kind of an X-Ray group from its filter expression: FAULT, ERROR or SLOW, or None for anything else.

    The expression is read into the syntax tree, so negation counts: ``fault``, ``fault = true``,
    ``service("api") { fault }`` and ``!(fault = false)`` select faults; ``!fault``, ``fault = false`` and
    ``!(fault OR error)`` do not. A ``responsetime``/``duration`` lower bound (``> 2``, or ``!(< 2)``) is SLOW.
    When several apply, FAULT wins over ERROR over SLOW. Look-alikes do not count: quoted strings,
    ``annotation.fault``, ``group.name = "faults"``, ``rootcause.fault.service { ... }`` (a root-cause block
    describes the entity at fault, not the trace). ``?`` standing for a CDK token is fine, inside a quoted string
    or where a number belongs (``responsetime > ?`` is SLOW); a string that does not parse otherwise is None.

    Example::

        classify('service("api") { fault = true }')   # TraceGroupKind.FAULT
        classify("responsetime > 2")                   # TraceGroupKind.SLOW
        classify("!fault AND error")                   # TraceGroupKind.ERROR
    """
    if isinstance(expression, TraceFilter):
        return _s.classify_node(expression._node)
    try:
        return _s.classify_node(_s.Parser(expression).parse())
    except FilterExpressionError:
        pass
    # A deploy-time number rendered as `?` (``responsetime > ?``): any number keeps the meaning of the comparison.
    parts = re.split(r'("(?:[^"\\]|\\.)*")', expression)
    numbered = "".join(part if part.startswith('"') else part.replace("?", "0") for part in parts)
    try:
        return _s.classify_node(_s.Parser(numbered).parse()) if numbered != expression else None
    except FilterExpressionError:
        return None
