"""A typed builder (and a validating parser) for AWS X-Ray filter expressions.

Filter expressions select traces: trace groups (:class:`~constructs_lib.groups.TraceGroup`) and the console's
search both use them. The builder turns Python operators into the documented grammar, quotes and escapes strings,
and puts parentheses exactly where precedence needs them; ``str(f)`` is the expression X-Ray expects.

Example::

    from constructs_lib.filters import TraceFilter as F

    slow_or_faulty = F.service("orders-api", F.fault() | (F.response_time() > 2.5))
    str(slow_or_faulty)   # 'service("orders-api") { fault OR responsetime > 2.5 }'
    str(F.annotation("ColdStart") == True)                 # 'annotation.ColdStart = true'
    str(~F.partial() & (F.http_url().begins_with("https://")))
    F.parse('service("api") { fault = true }')           # validates a hand-written expression

Python binds ``&`` and ``|`` tighter than comparisons: wrap comparisons in parentheses when combining them
(``F.ok() & (F.duration() < 3)``). A keyword used with an operator its type does not have raises
:class:`FilterExpressionError` (``F.fault() > 2``), as does Python's ``and``/``or``/``not`` on a filter.
"""

from __future__ import annotations

import decimal
import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, NoReturn

from ._validation import XRayValidationError

__all__ = [
    "BOOLEAN_KEYWORDS",
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

BOOLEAN_KEYWORDS = frozenset(
    {"ok", "error", "throttle", "fault", "partial", "inferred", "first", "last", "remote", "root"}
)
NUMBER_KEYWORDS = frozenset({"responsetime", "duration", "http.status", "index", "coverage"})
STRING_KEYWORDS = frozenset(
    {
        "http.url", "http.method", "http.useragent", "http.clientip", "user", "name", "type", "message",
        "availabilityzone", "instance.id", "resource.arn",
    }
)
GROUP_KEYWORDS = frozenset({"group.name", "group.arn"})
ANNOTATION_KEY_PATTERN = r"[A-Za-z0-9_]+"

_NUMBER_OPS = ("=", "!=", "<", "<=", ">", ">=")
_STRING_OPS = ("=", "!=", "CONTAINS", "BEGINSWITH", "ENDSWITH")

# Precedence of a rendered node: higher binds tighter.
_OR, _AND, _NOT, _CMP, _PRIMARY = 1, 2, 3, 4, 5


class FilterExpressionError(XRayValidationError, TypeError):
    """A filter expression that X-Ray would reject: a wrong operator for a keyword, a bad key, a bad string."""


class RootCauseKind(Enum):
    """What a ``rootcause.<kind>.<entity> { ... }`` block looks at."""

    FAULT = "fault"
    ERROR = "error"
    THROTTLE = "throttle"
    RESPONSE_TIME = "responsetime"


class RootCauseEntity(Enum):
    """Which part of the root cause a ``rootcause`` block filters on."""

    SERVICE = "service"
    ENTITY = "entity"
    EXCEPTION = "exception"


def quote(value: str) -> str:
    """``value`` as a double-quoted filter-expression string, with ``\\`` and ``"`` escaped."""
    if not isinstance(value, str):
        raise FilterExpressionError(f"TraceFilter: a string value must be a str, got {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(owner: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FilterExpressionError(f"TraceFilter: {owner} compares with a finite number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Never exponent notation (repr(1e-05) is '1e-05'), which filter expressions do not accept.
    return format(decimal.Decimal(repr(value)), "f") if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class EntityId:
    """``id(name: "...", type: "...")``: a service or edge end chosen by name and type.

    Example::

        TraceFilter.service(EntityId(name="orders", type="AWS::Lambda::Function"), TraceFilter.fault())
    """

    name: str
    type: str | None = None

    def __post_init__(self) -> None:
        quote(self.name)
        if self.type is not None:
            quote(self.type)

    def __str__(self) -> str:
        text = f"id(name: {quote(self.name)}"
        return text + (f", type: {quote(self.type)})" if self.type is not None else ")")


ServiceRef = str | EntityId


def _ref(value: ServiceRef) -> str:
    return str(value) if isinstance(value, EntityId) else quote(value)


class TraceFilter:
    """An X-Ray filter expression. Build one with the class methods and ``&``, ``|``, ``~``.

    ``str(f)`` renders the expression; :meth:`keywords` lists the keywords it uses (handy to tell a fault group
    from a latency group).

    Example::

        f = TraceFilter.service("orders-api") & TraceFilter.fault()
        str(f)   # 'service("orders-api") AND fault'
    """

    __slots__ = ("_keywords", "_prec", "_text")

    def __init__(self, text: str, prec: int, keywords: frozenset[str]) -> None:
        self._text = text
        self._prec = prec
        self._keywords = keywords

    # -- rendering and introspection -----------------------------------------------------------------------
    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"TraceFilter({self._text!r})"

    def __hash__(self) -> int:
        return hash(self._text)

    def __bool__(self) -> NoReturn:
        raise FilterExpressionError(
            f"TraceFilter: {self._text!r} has no truth value; combine filters with &, | and ~, "
            "not Python's and/or/not"
        )

    def keywords(self) -> frozenset[str]:
        """Every keyword the expression uses, e.g. ``{"service", "fault", "annotation.ColdStart"}``.

        Example::

            "fault" in (TraceFilter.fault() & TraceFilter.root()).keywords()   # True
        """
        return self._keywords

    def _wrapped(self, minimum: int) -> str:
        return self._text if self._prec >= minimum else f"({self._text})"

    # -- combinators ---------------------------------------------------------------------------------------
    def __and__(self, other: object) -> TraceFilter:
        return _join("AND", _AND, self, _as_filter(other, "&"))

    def __rand__(self, other: object) -> TraceFilter:
        return _join("AND", _AND, _as_filter(other, "&"), self)

    def __or__(self, other: object) -> TraceFilter:
        return _join("OR", _OR, self, _as_filter(other, "|"))

    def __ror__(self, other: object) -> TraceFilter:
        return _join("OR", _OR, _as_filter(other, "|"), self)

    def __invert__(self) -> TraceFilter:
        return self.negate()

    def negate(self) -> TraceFilter:
        """``!f``: the traces this filter does not select.

        Example::

            str(TraceFilter.partial().negate())   # '!partial'
        """
        return TraceFilter("!" + self._wrapped(_PRIMARY), _NOT, self._keywords)

    @staticmethod
    def all_of(*filters: TraceFilter) -> TraceFilter:
        """All of ``filters`` (``AND``). Example:: ``TraceFilter.all_of(TraceFilter.ok(), ~TraceFilter.partial())``"""
        return _fold("AND", filters)

    @staticmethod
    def any_of(*filters: TraceFilter) -> TraceFilter:
        """Any of ``filters`` (``OR``). Example:: ``TraceFilter.any_of(TraceFilter.fault(), TraceFilter.error())``"""
        return _fold("OR", filters)

    # Comparisons on a compound expression are a mistake: say so rather than return False.
    def __eq__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text == other._text
        if isinstance(other, (bool, int, float, str)):
            _bad_operator(self, "=")
        return NotImplemented

    def __ne__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text != other._text
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
        """``fault``: response status 5XX. Example:: ``TraceFilter.fault() == True``"""
        return BooleanKeyword("fault")

    @staticmethod
    def partial() -> BooleanKeyword:
        """``partial``: the trace has incomplete segments. Example:: ``~TraceFilter.partial()``"""
        return BooleanKeyword("partial")

    @staticmethod
    def inferred() -> BooleanKeyword:
        """``inferred``: an inferred segment (inside ``service``/``edge``). Example:: ``TraceFilter.inferred()``"""
        return BooleanKeyword("inferred")

    @staticmethod
    def first() -> BooleanKeyword:
        """``first``: the first service of the trace. Example:: ``TraceFilter.first()``"""
        return BooleanKeyword("first")

    @staticmethod
    def last() -> BooleanKeyword:
        """``last``: the last service of the trace. Example:: ``TraceFilter.last()``"""
        return BooleanKeyword("last")

    @staticmethod
    def remote() -> BooleanKeyword:
        """``remote``: a remote (downstream) entity. Example:: ``TraceFilter.remote()``"""
        return BooleanKeyword("remote")

    @staticmethod
    def root() -> BooleanKeyword:
        """``root``: the root segment. Example:: ``TraceFilter.root()``"""
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
        """``http.status``. Example:: ``TraceFilter.http_status() == 503``"""
        return NumberKeyword("http.status")

    @staticmethod
    def index() -> NumberKeyword:
        """``index``. Example:: ``TraceFilter.index() == 0``"""
        return NumberKeyword("index")

    @staticmethod
    def coverage() -> NumberKeyword:
        """``coverage``. Example:: ``TraceFilter.coverage() > 0.5``"""
        return NumberKeyword("coverage")

    # -- string keywords -----------------------------------------------------------------------------------
    @staticmethod
    def http_url() -> StringKeyword:
        """``http.url``. Example:: ``TraceFilter.http_url().contains("/v2/")``"""
        return StringKeyword("http.url")

    @staticmethod
    def http_method() -> StringKeyword:
        """``http.method``. Example:: ``TraceFilter.http_method() == "POST"``"""
        return StringKeyword("http.method")

    @staticmethod
    def http_useragent() -> StringKeyword:
        """``http.useragent``. Example:: ``TraceFilter.http_useragent().contains("curl")``"""
        return StringKeyword("http.useragent")

    @staticmethod
    def http_clientip() -> StringKeyword:
        """``http.clientip``. Example:: ``TraceFilter.http_clientip() == "192.0.2.1"``"""
        return StringKeyword("http.clientip")

    @staticmethod
    def user() -> StringKeyword:
        """``user``. Example:: ``TraceFilter.user() == "alice"``"""
        return StringKeyword("user")

    @staticmethod
    def name() -> StringKeyword:
        """``name`` (of a service, entity or exception). Example:: ``TraceFilter.name() == "orders"``"""
        return StringKeyword("name")

    @staticmethod
    def type() -> StringKeyword:
        """``type`` (of a service or entity). Example:: ``TraceFilter.type() == "AWS::Lambda::Function"``"""
        return StringKeyword("type")

    @staticmethod
    def message() -> StringKeyword:
        """``message`` (of an exception). Example:: ``TraceFilter.message().contains("Timeout")``"""
        return StringKeyword("message")

    @staticmethod
    def availability_zone() -> StringKeyword:
        """``availabilityzone``. Example:: ``TraceFilter.availability_zone() == "us-east-1a"``"""
        return StringKeyword("availabilityzone")

    @staticmethod
    def instance_id() -> StringKeyword:
        """``instance.id``. Example:: ``TraceFilter.instance_id() == "i-0123456789abcdef0"``"""
        return StringKeyword("instance.id")

    @staticmethod
    def resource_arn() -> StringKeyword:
        """``resource.arn``. Example:: ``TraceFilter.resource_arn().ends_with(":orders")``"""
        return StringKeyword("resource.arn")

    @staticmethod
    def group_name() -> StringKeyword:
        """``group.name`` (``=`` and ``!=`` only). Example:: ``TraceFilter.group_name() == "faults"``"""
        return StringKeyword("group.name")

    @staticmethod
    def group_arn() -> StringKeyword:
        """``group.arn`` (``=`` and ``!=`` only). Example:: ``TraceFilter.group_arn() == arn``"""
        return StringKeyword("group.arn")

    # -- complex keywords ----------------------------------------------------------------------------------
    @staticmethod
    def annotation(key: str) -> AnnotationKeyword:
        """``annotation.KEY``: bare means "is set"; compare with a bool, a number or a string.

        Example::

            TraceFilter.annotation("ColdStart") == True    # annotation.ColdStart = true
            TraceFilter.annotation("tenant").begins_with("eu-")
        """
        return AnnotationKeyword(key)

    @staticmethod
    def id(*, name: str, type: str | None = None) -> EntityId:
        """``id(name: ..., type: ...)``, for :meth:`service` and :meth:`edge`.

        Example::

            TraceFilter.service(TraceFilter.id(name="orders", type="AWS::Lambda::Function"), TraceFilter.fault())
        """
        return EntityId(name=name, type=type)

    @staticmethod
    def service(name: ServiceRef | None = None, filter: TraceFilter | None = None) -> TraceFilter:
        """``service("name") { filter }``: traces through that service (any service when ``name`` is None).

        Example::

            TraceFilter.service("api.example.com", TraceFilter.fault())   # service("api.example.com") { fault }
        """
        head = f"service({'' if name is None else _ref(name)})"
        return _block(head, "service", filter)

    @staticmethod
    def edge(source: ServiceRef, target: ServiceRef, filter: TraceFilter | None = None) -> TraceFilter:
        """``edge("a", "b") { filter }``: calls from one service to another.

        Example::

            TraceFilter.edge("api.example.com", "backend.example.com", TraceFilter.fault() == True)
        """
        return _block(f"edge({_ref(source)}, {_ref(target)})", "edge", filter)

    @staticmethod
    def root_cause(kind: RootCauseKind, entity: RootCauseEntity, filter: TraceFilter) -> TraceFilter:
        """``rootcause.<kind>.<entity> { filter }``, e.g. traces whose fault's root cause is one service.

        Example::

            TraceFilter.root_cause(RootCauseKind.FAULT, RootCauseEntity.SERVICE, TraceFilter.name() == "orders")
        """
        if not isinstance(kind, RootCauseKind) or not isinstance(entity, RootCauseEntity):
            raise FilterExpressionError(
                f"TraceFilter: root_cause takes a RootCauseKind and a RootCauseEntity, got {kind!r}, {entity!r}"
            )
        if kind is RootCauseKind.RESPONSE_TIME and entity is RootCauseEntity.EXCEPTION:
            raise FilterExpressionError("TraceFilter: rootcause.responsetime has no exception block")
        keyword = f"rootcause.{kind.value}.{entity.value}"
        return _block(keyword, keyword, _as_filter(filter, "root_cause"))

    # -- raw text ------------------------------------------------------------------------------------------
    @staticmethod
    def parse(text: str) -> TraceFilter:
        """Validate a hand-written expression and return it as a :class:`TraceFilter` (rendered canonically).

        Raises :class:`FilterExpressionError` for unbalanced quotes, brackets or parentheses, unknown keywords,
        bad annotation keys and operators that do not fit a keyword.

        Example::

            TraceFilter.parse('responsetime > 5 AND annotation.account = "12345"')
        """
        return _Parser(text).parse()


class BooleanKeyword(TraceFilter):
    """A boolean keyword (``fault``, ``ok``...): bare, negated (``~``), or ``== True`` / ``!= False``."""

    __slots__ = ("keyword",)

    def __init__(self, keyword: str) -> None:
        if keyword not in BOOLEAN_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a boolean keyword")
        super().__init__(keyword, _PRIMARY, frozenset({keyword}))
        self.keyword = keyword

    def _compare(self, op: str, other: object) -> TraceFilter:
        if not isinstance(other, bool):
            raise FilterExpressionError(
                f"TraceFilter: {self.keyword} is a boolean keyword; compare it with True or False, got {other!r}"
            )
        return _comparison(self.keyword, op, "true" if other else "false", self._keywords)

    def __eq__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text == other._text
        return self._compare("=", other)

    def __ne__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text != other._text
        return self._compare("!=", other)

    __hash__ = TraceFilter.__hash__


class AnnotationKeyword(TraceFilter):
    """``annotation.KEY``: bare means the annotation is set; comparisons follow the value's type.

    ``==``/``!=`` take a bool, a number or a string; ``< <= > >=`` take a number; :meth:`contains`,
    :meth:`begins_with`, :meth:`ends_with` take a string.
    """

    __slots__ = ("key",)

    def __init__(self, key: str) -> None:
        if not isinstance(key, str) or re.fullmatch(ANNOTATION_KEY_PATTERN, key) is None:
            raise FilterExpressionError(
                f"TraceFilter: annotation key must be letters, digits and underscores only, got {key!r}"
            )
        keyword = f"annotation.{key}"
        super().__init__(keyword, _PRIMARY, frozenset({keyword}))
        self.key = key

    def _value(self, op: str, other: object) -> str:
        if isinstance(other, bool):
            if op not in ("=", "!="):
                raise FilterExpressionError(f"TraceFilter: {self._text} {op} needs a number, got {other!r}")
            return "true" if other else "false"
        if isinstance(other, (int, float)):
            return _number(self._text, other)
        if isinstance(other, str) and op in ("=", "!="):
            return quote(other)
        raise FilterExpressionError(
            f"TraceFilter: {self._text} {op} takes "
            + ("a bool, a number or a string" if op in ("=", "!=") else "a number")
            + f", got {other!r}"
        )

    def _cmp(self, op: str, other: object) -> TraceFilter:
        return _comparison(self._text, op, self._value(op, other), self._keywords)

    def __eq__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text == other._text
        return self._cmp("=", other)

    def __ne__(self, other: object) -> Any:
        if isinstance(other, TraceFilter):
            return self._text != other._text
        return self._cmp("!=", other)

    def __lt__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp("<", other)

    def __le__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp("<=", other)

    def __gt__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp(">", other)

    def __ge__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp(">=", other)

    def contains(self, value: str) -> TraceFilter:
        """``annotation.KEY CONTAINS "value"``."""
        return _string_op(self._text, "CONTAINS", value, self._keywords)

    def begins_with(self, value: str) -> TraceFilter:
        """``annotation.KEY BEGINSWITH "value"``."""
        return _string_op(self._text, "BEGINSWITH", value, self._keywords)

    def ends_with(self, value: str) -> TraceFilter:
        """``annotation.KEY ENDSWITH "value"``."""
        return _string_op(self._text, "ENDSWITH", value, self._keywords)

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
    """A number keyword (``responsetime``, ``duration``, ``http.status``...): compare with ``== != < <= > >=``."""

    kind = "number"

    def __init__(self, keyword: str) -> None:
        if keyword not in NUMBER_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a number keyword")
        super().__init__(keyword)

    def _cmp(self, op: str, value: object) -> TraceFilter:
        return _comparison(self.keyword, op, _number(f"{self.keyword} {op}", value), frozenset({self.keyword}))

    def __eq__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp("=", other)

    def __ne__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._cmp("!=", other)

    def __lt__(self, other: object) -> TraceFilter:
        return self._cmp("<", other)

    def __le__(self, other: object) -> TraceFilter:
        return self._cmp("<=", other)

    def __gt__(self, other: object) -> TraceFilter:
        return self._cmp(">", other)

    def __ge__(self, other: object) -> TraceFilter:
        return self._cmp(">=", other)

    __hash__ = _Keyword.__hash__


class StringKeyword(_Keyword):
    """A string keyword (``http.url``, ``user``...): ``==``, ``!=``, :meth:`contains`, :meth:`begins_with`,
    :meth:`ends_with`. ``group.name`` and ``group.arn`` take ``==`` and ``!=`` only."""

    kind = "string"

    def __init__(self, keyword: str) -> None:
        if keyword not in STRING_KEYWORDS | GROUP_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {keyword!r} is not a string keyword")
        super().__init__(keyword)

    def _op(self, op: str, value: object) -> TraceFilter:
        if op not in ("=", "!=") and self.keyword in GROUP_KEYWORDS:
            raise FilterExpressionError(f"TraceFilter: {self.keyword} takes only = and !=, not {op}")
        if not isinstance(value, str):
            raise FilterExpressionError(
                f"TraceFilter: {self.keyword} is a string keyword; {op} takes a string, got {value!r}"
            )
        return _string_op(self.keyword, op, value, frozenset({self.keyword}))

    def __eq__(self, other: object) -> TraceFilter:  # type: ignore[override]
        return self._op("=", other)

    def __ne__(self, other: object) -> TraceFilter:  # type: ignore[override]
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


# -- helpers --------------------------------------------------------------------------------------------------
def _comparison(keyword: str, op: str, value: str, keywords: frozenset[str]) -> TraceFilter:
    return TraceFilter(f"{keyword} {op} {value}", _CMP, keywords)


def _string_op(keyword: str, op: str, value: object, keywords: frozenset[str]) -> TraceFilter:
    if not isinstance(value, str):
        raise FilterExpressionError(f"TraceFilter: {keyword} {op} takes a string, got {value!r}")
    return _comparison(keyword, op, quote(value), keywords)


def _block(head: str, keyword: str, inner: TraceFilter | None) -> TraceFilter:
    if inner is None:
        return TraceFilter(head, _PRIMARY, frozenset({keyword}))
    inner = _as_filter(inner, keyword)
    return TraceFilter(f"{head} {{ {inner._text} }}", _PRIMARY, frozenset({keyword}) | inner._keywords)


def _join(word: str, prec: int, left: TraceFilter, right: TraceFilter) -> TraceFilter:
    # AND and OR are associative: a side of the same operator needs no parentheses. The X-Ray guide does not
    # document how AND and OR bind against each other, so a side of the other one is always parenthesized.
    def side(f: TraceFilter) -> str:
        return f"({f._text})" if f._prec in (_AND, _OR) and f._prec != prec else f._wrapped(prec)

    return TraceFilter(f"{side(left)} {word} {side(right)}", prec, left._keywords | right._keywords)


def _fold(word: str, filters: tuple[TraceFilter, ...]) -> TraceFilter:
    if not filters:
        raise FilterExpressionError(f"TraceFilter: {word} needs at least one filter")
    prec = _AND if word == "AND" else _OR
    result = _as_filter(filters[0], word)
    for item in filters[1:]:
        result = _join(word, prec, result, _as_filter(item, word))
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
            "or compare it with == True / == False"
        )
    raise FilterExpressionError(
        f"TraceFilter: {op} does not apply to the expression {node._text!r}; only keywords can be compared"
    )


def _bad_string_operator(keyword: str, op: str) -> NoReturn:
    raise FilterExpressionError(
        f"TraceFilter: {keyword} is a string keyword: {op} does not apply; use ==, !=, contains(), "
        "begins_with() or ends_with()"
    )


# -- parser ---------------------------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"""(?P<ws>\s+)|(?P<number>-?\d+(?:\.\d+)?)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)"""
    r"""|(?P<op>!=|<=|>=|=|<|>|!|\(|\)|\{|\}|\[|\]|,|:)"""
)
_CLOSERS = {")": "(", "}": "{", "]": "["}


@dataclass(frozen=True)
class _Token:
    kind: str  # "string", "number", "ident", "op", "end"
    text: str
    pos: int


class _Parser:
    """Recursive descent over the documented grammar; builds the same objects the builder does."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise FilterExpressionError(f"TraceFilter.parse: the expression must be a string, got {text!r}")
        self.text = text
        self.tokens = self._tokenize()
        self.i = 0

    # -- errors and tokens ---------------------------------------------------------------------------------
    def _fail(self, problem: str, pos: int) -> NoReturn:
        raise FilterExpressionError(f"TraceFilter.parse: {problem} at position {pos} in {self.text!r}")

    def _tokenize(self) -> list[_Token]:
        tokens: list[_Token] = []
        pos, text = 0, self.text
        while pos < len(text):
            if text[pos] == '"':
                start, pos, chars = pos, pos + 1, []
                while True:
                    if pos >= len(text):
                        self._fail("unbalanced quote: the string that starts here is never closed", start)
                    if text[pos] == "\\" and pos + 1 < len(text):
                        chars.append(text[pos + 1])
                        pos += 2
                        continue
                    if text[pos] == '"':
                        pos += 1
                        break
                    chars.append(text[pos])
                    pos += 1
                tokens.append(_Token("string", "".join(chars), start))
                continue
            match = _TOKEN.match(text, pos)
            if match is None:
                self._fail(f"unexpected character {text[pos]!r}", pos)
            kind = match.lastgroup or "ws"
            if kind != "ws":
                tokens.append(_Token(kind, match.group(), pos))
            pos = match.end()
        tokens.append(_Token("end", "", len(text)))
        self._check_brackets(tokens)
        return tokens

    def _check_brackets(self, tokens: list[_Token]) -> None:
        stack: list[_Token] = []
        for token in tokens:
            if token.kind != "op":
                continue
            if token.text in "({[":
                stack.append(token)
            elif token.text in _CLOSERS:
                if not stack or stack[-1].text != _CLOSERS[token.text]:
                    self._fail(f"unbalanced {token.text!r}: nothing open to close", token.pos)
                stack.pop()
        if stack:
            self._fail(f"unbalanced {stack[-1].text!r}: it is never closed", stack[-1].pos)

    @property
    def _peek(self) -> _Token:
        return self.tokens[self.i]

    def _next(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def _expect(self, text: str) -> _Token:
        token = self._next()
        if token.text != text or token.kind not in ("op", "ident"):
            self._fail(f"expected {text!r}, found {token.text or 'the end'!r}", token.pos)
        return token

    def _word(self, token: _Token) -> str | None:
        return token.text.upper() if token.kind == "ident" else None

    # -- grammar -------------------------------------------------------------------------------------------
    def parse(self) -> TraceFilter:
        if self._peek.kind == "end":
            self._fail("the expression is empty", 0)
        result = self._or()
        if self._peek.kind != "end":
            self._fail(f"unexpected {self._peek.text!r}", self._peek.pos)
        return result

    def _or(self) -> TraceFilter:
        result = self._and()
        while self._word(self._peek) == "OR":
            self._next()
            result = result | self._and()
        return result

    def _and(self) -> TraceFilter:
        result = self._unary()
        while True:
            token = self._peek
            word = self._word(token)
            if word == "AND":
                self._next()
            elif word == "OR" or (token.kind != "ident" and not (token.kind == "op" and token.text in ("!", "("))):
                return result
            # juxtaposition is an implicit AND, as in the guide's `ok !partial duration <3`
            result = result & self._unary()

    def _unary(self) -> TraceFilter:
        if self._peek.kind == "op" and self._peek.text == "!":
            self._next()
            return ~self._unary()
        return self._primary()

    def _primary(self) -> TraceFilter:
        token = self._next()
        if token.kind == "op" and token.text == "(":
            inner = self._or()
            self._expect(")")
            return inner
        if token.kind != "ident":
            self._fail(f"expected a keyword, found {token.text or 'the end'!r}", token.pos)
        word = token.text
        if word in ("AND", "OR", "and", "or"):
            self._fail(f"{word} needs an expression on its left", token.pos)
        if word == "service":
            self._expect("(")
            name = None if self._peek.text == ")" and self._peek.kind == "op" else self._ref()
            self._expect(")")
            return TraceFilter.service(name, self._optional_block())
        if word == "edge":
            self._expect("(")
            source = self._ref()
            self._expect(",")
            target = self._ref()
            self._expect(")")
            return TraceFilter.edge(source, target, self._optional_block())
        if word == "id":
            self._fail("id(...) names a service: use it inside service(...) or edge(...)", token.pos)
        if word.startswith("rootcause."):
            return self._root_cause(token)
        if word == "annotation" and self._peek.text == "[":
            self._next()
            key = self._next()
            if key.kind not in ("ident", "number"):
                self._fail("expected an annotation key", key.pos)
            self._expect("]")
            return self._annotation(key.text, key.pos)
        if word.startswith("annotation."):
            return self._annotation(word[len("annotation."):], token.pos)
        if word in BOOLEAN_KEYWORDS:
            keyword = BooleanKeyword(word)
            if self._peek.kind == "op" and self._peek.text in ("=", "!="):
                op = self._next().text
                value = self._next()
                if value.kind != "ident" or value.text.lower() not in ("true", "false"):
                    self._fail(f"{word} is a boolean keyword: compare it with true or false", value.pos)
                flag = value.text.lower() == "true"
                return keyword._compare(op, flag)
            if self._peek.kind == "op" and self._peek.text in ("<", "<=", ">", ">="):
                self._fail(
                    f"{word} is a boolean keyword: {self._peek.text} does not apply (use {word}, !{word}, "
                    f"{word} = true or {word} = false)",
                    self._peek.pos,
                )
            return keyword
        if word in NUMBER_KEYWORDS:
            op = self._operator(word, _NUMBER_OPS)
            value = self._next()
            if value.kind != "number":
                self._fail(f"{word} is a number keyword: {op} needs a number", value.pos)
            return _comparison(word, op, _number(word, _to_number(value.text)), frozenset({word}))
        if word in STRING_KEYWORDS or word in GROUP_KEYWORDS:
            ops = ("=", "!=") if word in GROUP_KEYWORDS else _STRING_OPS
            op = self._operator(word, ops)
            value = self._next()
            if value.kind != "string":
                self._fail(f"{word} is a string keyword: {op} needs a double-quoted string", value.pos)
            return _string_op(word, op, value.text, frozenset({word}))
        known = sorted(BOOLEAN_KEYWORDS | NUMBER_KEYWORDS | STRING_KEYWORDS | GROUP_KEYWORDS)
        self._fail(
            f"unknown keyword {word!r} (known: {', '.join(known)}, annotation.KEY, service(), edge(), "
            "rootcause.*)",
            token.pos,
        )

    def _operator(self, word: str, allowed: tuple[str, ...]) -> str:
        token = self._next()
        op = token.text.upper() if token.kind == "ident" else token.text
        if token.kind not in ("op", "ident") or op not in allowed:
            self._fail(f"{word} takes one of {' '.join(allowed)}, found {token.text or 'the end'!r}", token.pos)
        return op

    def _ref(self) -> ServiceRef:
        token = self._next()
        if token.kind == "string":
            return token.text
        if token.kind == "ident" and token.text == "id":
            self._expect("(")
            fields: dict[str, str] = {}
            while True:
                field = self._next()
                if field.kind != "ident" or field.text not in ("name", "type") or field.text in fields:
                    self._fail("id() takes name: and type:", field.pos)
                self._expect(":")
                value = self._next()
                if value.kind != "string":
                    self._fail(f"id() {field.text}: needs a double-quoted string", value.pos)
                fields[field.text] = value.text
                if self._peek.text != ",":
                    break
                self._next()
            self._expect(")")
            if "name" not in fields:
                self._fail("id() needs name:", token.pos)
            return EntityId(name=fields["name"], type=fields.get("type"))
        self._fail("expected a double-quoted service name or id(...)", token.pos)

    def _optional_block(self) -> TraceFilter | None:
        if not (self._peek.kind == "op" and self._peek.text == "{"):
            return None
        self._next()
        inner = self._or()
        self._expect("}")
        return inner

    def _root_cause(self, token: _Token) -> TraceFilter:
        parts = token.text.split(".")
        kinds = {k.value: k for k in RootCauseKind}
        entities = {e.value: e for e in RootCauseEntity}
        if len(parts) != 3 or parts[1] not in kinds or parts[2] not in entities:
            self._fail(
                f"unknown keyword {token.text!r}: use rootcause.<{'|'.join(kinds)}>.<{'|'.join(entities)}>",
                token.pos,
            )
        if not (self._peek.kind == "op" and self._peek.text == "{"):
            self._fail(f"{token.text} needs a {{ filter }} block", self._peek.pos)
        inner = self._optional_block()
        assert inner is not None
        try:
            return TraceFilter.root_cause(kinds[parts[1]], entities[parts[2]], inner)
        except FilterExpressionError as error:
            self._fail(str(error).removeprefix("TraceFilter: "), token.pos)

    def _annotation(self, key: str, pos: int) -> TraceFilter:
        if re.fullmatch(ANNOTATION_KEY_PATTERN, key) is None:
            self._fail(f"annotation key must be letters, digits and underscores only, got {key!r}", pos)
        keyword = AnnotationKeyword(key)
        token = self._peek
        op = token.text.upper() if token.kind == "ident" else token.text
        if op not in _NUMBER_OPS + _STRING_OPS or token.kind not in ("op", "ident"):
            return keyword
        self._next()
        value = self._next()
        if value.kind == "number":
            number = _to_number(value.text)
            if op in _STRING_OPS[2:]:
                self._fail(f"{op} needs a double-quoted string", value.pos)
            return keyword._cmp(op, number)
        if value.kind == "string":
            if op in ("<", "<=", ">", ">="):
                self._fail(f"{op} needs a number", value.pos)
            return keyword._cmp(op, value.text) if op in ("=", "!=") else _string_op(
                keyword._text, op, value.text, keyword._keywords
            )
        if value.kind == "ident" and value.text.lower() in ("true", "false"):
            if op not in ("=", "!="):
                self._fail(f"{op} does not apply to true/false", value.pos)
            return keyword._cmp(op, value.text.lower() == "true")
        self._fail("expected a value (true, false, a number or a double-quoted string)", value.pos)


def _to_number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


class TraceGroupKind(Enum):
    """What a filter expression selects (see :func:`classify`): it decides a trace group's alarm."""

    FAULT = "fault"
    ERROR = "error"
    SLOW = "slow"


def classify(expression: str | TraceFilter) -> TraceGroupKind | None:
    """The kind of an X-Ray group from its filter expression: ``fault`` → FAULT, ``error`` → ERROR, a
    ``responsetime``/``duration`` greater-than comparison → SLOW (first match in that order), else None.
    Quoted strings are ignored; negated keywords (``!fault``, ``fault = false``) and everything inside a negated
    group (``!(fault OR error)``) do not count, nor do look-alikes such as ``annotation.fault`` or
    ``rootcause.fault.service``.

    Example::

        classify('service("api") { fault = true }')   # TraceGroupKind.FAULT
        classify("responsetime > 2")                   # TraceGroupKind.SLOW
    """
    text = _without_negated_groups(re.sub(r'"(?:[^"\\]|\\.)*"', '""', str(expression)).lower())

    def positive(keyword: str) -> bool:
        for match in re.finditer(rf"(!\s*)?(?<![.\w]){keyword}(?![.\w])(\s*(=|!=)\s*(true|false))?", text):
            negated = bool(match.group(1))
            if match.group(3):
                negated ^= (match.group(3) == "!=") ^ (match.group(4) == "false")
            if not negated:
                return True
        return False

    if positive("fault"):
        return TraceGroupKind.FAULT
    if positive("error"):
        return TraceGroupKind.ERROR
    if re.search(r"(?<![.\w])(responsetime|duration)\s*(>|>=)\s*\d", text):
        return TraceGroupKind.SLOW
    return None


def _without_negated_groups(text: str) -> str:
    """``text`` with the inside of every ``!( ... )`` removed (quoted strings already blanked)."""
    out, index = [], 0
    while (match := re.compile(r"!\s*\(").search(text, index)) is not None:
        out.append(text[index:match.start()])
        depth, position = 1, match.end()
        while position < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[position], 0)
            position += 1
        index = position
    out.append(text[index:])
    return "".join(out)
