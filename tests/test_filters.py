"""TraceFilter: the X-Ray guide's examples, near misses, the builder, the classifier and the typing of ``==``.

The example lists are copied from the AWS X-Ray developer guide, not produced by the renderer:
- "Using filter expressions to search for traces in the console" (every example on the page),
- "Configuring groups in the X-Ray console" (the group examples),
- "Cross-account tracing" (the ``id(account.id: ...)`` query),
- "Getting data from AWS X-Ray" (the ``rootcause.json`` filter of "Retrieving and refining root cause analytics").
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from constructs_lib import RootCauseEntity, RootCauseKind
from constructs_lib._validation import XRayValidationError
from constructs_lib.filters import (
    EntityId,
    FilterExpressionError,
    TraceGroupKind,
    classify,
)
from constructs_lib.filters import TraceFilter as F

ROOT = Path(__file__).resolve().parents[1]

# "Using filter expressions to search for traces in the console" (X-Ray developer guide), in page order.
FILTERS_PAGE = [
    "responsetime > 5",
    "duration >= 5 AND duration <= 8",
    "ok",
    "!ok",
    "ok = false",
    'rootcause.fault.entity { last and name = "deserialize" }',
    'rootcause.responsetime.entity { remote and coverage > 0.7 and name = "traces" }',
    # The page's own example leaves `traces` unquoted although the page says string values are always quoted:
    # the parser accepts a plain word there and renders it as written.
    'rootcause.fault.service { inferred and name = traces and type = "AWS::DynamoDB" }',
    'service("data-plane") {root = true and fault = true}',
    "http.status != 200",
    "duration >= 5 AND duration <= 8",
    "ok !partial duration <3",
    "rootcause.fault.service { index > 5 }",
    "rootcause.responsetime.entity { last and coverage > 0.8 }",
    'http.url CONTAINS "/api/game/"',
    'user CONTAINS ""',
    'rootcause.fault.service { name = "Auth" }',
    'rootcause.responsetime.service { last and type = "AWS::DynamoDB" }',
    # (the page's rootcause.fault.exception example is tested below: the page leaves out its closing brace)
    'service("api.example.com") { fault }',
    "service() { fault }",
    'edge("api.example.com", "backend.example.com") { error }',
    'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com")',
    "http.url AND responseTime > 2",
    'annotation.gameid = "817DL6VO"',
    "annotation.age",
    "!annotation.age",
    "annotation.age > 29",
    'group.name = "high_response_time" AND user = "alice"',
    'rootcause.json = #[{ "Services": [ { "Name": "GetWeatherData", "EntityPath": [{ "Name": "GetWeatherData" }, '
    '{ "Name": "get_temperature" } ] }, { "Name": "GetTemperature", "EntityPath": [ { "Name": "GetTemperature" } ] '
    "} ] }]",
    # The id-function section shows templates: `id(name: "service-name", type:"service::type")` on its own is a
    # fragment (rejected alone, see NEAR_MISSES), and its `{ filter }` placeholders are filled with `{ fault }` here.
    'service(id(name: "service-name", type:"service::type")) { fault }',
    'edge(id(name: "service-one", type:"service::type"), id(name: "service-two", type:"service::type")) { fault }',
    'service("random-name") { error }',
    'service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }',
    'service(id(type: "AWS::Lambda::Function")) { error }',
    # The older revision of the same page ("Searching for traces in the AWS X-Ray console with filter expressions").
    'service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"',
    'edge("api.example.com", "backend.example.com") { fault = true }',
]
# "Configuring groups in the X-Ray console".
GROUPS_PAGE = [
    'fault = true AND http.url CONTAINS "example/game" AND responsetime >= 5',
    'service("api.example.com") { fault = true OR responsetime >= 5 }',
]
# "Cross-account tracing" (X and Y stand for account IDs on the page).
CROSS_ACCOUNT_PAGE = ['service(id(account.id:"X")) OR service(id(account.id:"Y"))']
GUIDE_EXAMPLES = FILTERS_PAGE + GROUPS_PAGE + CROSS_ACCOUNT_PAGE


def without_whitespace(text: str) -> str:
    """``text`` with the whitespace outside double-quoted strings removed ("rendered unchanged, whitespace aside")."""
    parts = re.split(r'("(?:[^"\\]|\\.)*")', text)
    return "".join(part if part.startswith('"') else re.sub(r"\s+", "", part) for part in parts)


@pytest.mark.parametrize("text", GUIDE_EXAMPLES)
def test_every_guide_example_is_accepted_and_rendered_back_unchanged(text: str) -> None:
    parsed = F.parse(text)
    assert without_whitespace(str(parsed)) == without_whitespace(text)
    assert F.parse(str(parsed)) == parsed  # what it renders parses to the same tree


def test_the_guide_example_without_its_closing_brace_is_rejected_and_accepted_with_it() -> None:
    # "Using filter expressions...": 'rootcause.fault.exception { last and message = "..." ' has no closing brace
    # on the page; X-Ray would not accept it either. With the brace it is accepted and rendered unchanged.
    as_printed = 'rootcause.fault.exception { last and message = "Access Denied for account_id: 1234567890" '
    with pytest.raises(FilterExpressionError, match=r"unbalanced '\{': it is never closed at position 26"):
        F.parse(as_printed)
    closed = as_printed + "}"
    assert without_whitespace(str(F.parse(closed))) == without_whitespace(closed)


# The builder produces the guide's examples exactly (canonical spelling).
BUILT = [
    ("responsetime > 5", F.response_time() > 5),
    ("duration >= 5 AND duration <= 8", (F.duration() >= 5) & (F.duration() <= 8)),
    (
        'service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"',
        F.service("api.example.com", F.fault().is_true() | (F.response_time() > 2.5))
        & F.annotation("account").equals("12345"),
    ),
    ('edge("api.example.com", "backend.example.com") { fault = true }',
     F.edge("api.example.com", "backend.example.com", F.fault().is_true())),
    (
        'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com")',
        F.http_url().begins_with("http://api.example.com/") & F.http_url().contains("/v2/")
        & ~F.service("api.example.com"),
    ),
    ("service() { fault }", F.service(None, F.fault())),
    ('service(id(name: "random-name", type: "AWS::Lambda::Function")) { error }',
     F.service(F.id(name="random-name", type="AWS::Lambda::Function"), F.error())),
    ('service(id(type: "AWS::Lambda::Function")) { error }', F.service(F.id(type="AWS::Lambda::Function"), F.error())),
    ('service(id(account.id: "X")) OR service(id(account.id: "Y"))',
     F.service(F.id(account_id="X")) | F.service(F.id(account_id="Y"))),
    ("ok = false", F.ok().is_false()),
    ("http.url AND responsetime > 2", F.http_url().is_set() & (F.response_time() > 2)),
    ("!annotation.age", ~F.annotation("age")),
    ('rootcause.fault.service { name = "Auth" }',
     F.root_cause(RootCauseKind.FAULT, RootCauseEntity.SERVICE, F.name().equals("Auth"))),
    ("rootcause.responsetime.entity { last AND coverage > 0.8 }",
     F.root_cause(RootCauseKind.RESPONSE_TIME, RootCauseEntity.ENTITY, F.last() & (F.coverage() > 0.8))),
    ('group.name = "high_response_time" AND user = "alice"',
     F.group_name().equals("high_response_time") & F.user().equals("alice")),
    ('rootcause.json = #[{"Services": [{"Name": "GetTemperature"}]}]',
     F.root_cause_json([{"Services": [{"Name": "GetTemperature"}]}])),
]


@pytest.mark.parametrize(("expected", "built"), BUILT, ids=[e for e, _ in BUILT])
def test_builder_renders_the_guide_examples(expected: str, built: F) -> None:
    assert str(built) == expected
    assert F.parse(expected) == built


# -- near misses: rejected with the position and the reason ------------------------------------------------------
NEAR_MISSES = [
    # text, position, reason
    ('http.url = "abc', 11, "unbalanced quote: the string that starts here is never closed"),
    ("fault AND (error", 10, "unbalanced '(': it is never closed"),
    ("fault) AND error", 5, "unbalanced ')': nothing open to close"),
    ('service("a") { fault', 13, "unbalanced '{': it is never closed"),
    ("http.url = 'abc'", 11, "strings take double quotes"),
    ("annotation[ColdStart] = true", 10, "'[' is not part of the filter language"),
    ("annotation.Cold-Start = true", 0,
     "annotation key must be letters, digits and underscores only, got 'Cold-Start'"),
    ("annotation = 1", 0, "annotation needs a key: annotation.KEY"),
    ("foo = 1", 0, "unknown keyword 'foo'"),
    ("fault AND responsetim > 2", 10, "unknown keyword 'responsetim'"),
    ("rootcause.fault.nothing { name = \"x\" }", 0, "unknown keyword 'rootcause.fault.nothing'"),
    ("rootcause.throttle.service { name = \"x\" }", 0, "unknown keyword 'rootcause.throttle.service'"),
    ('rootcause.responsetime.exception { message = "x" }', 0, "rootcause.responsetime has no exception block"),
    ('rootcause.fault.service', 23, "rootcause.fault.service needs a { filter } block"),
    ("rootcause.fault.entity { coverage > 0.5 }", 25, "coverage applies only to response-time root causes"),
    ("coverage > 0.5", 0, "coverage applies only to response-time root causes"),
    ("rootcause.json = [1]", 17, "'[' is not part of the filter language"),
    ("rootcause.json = #{}", 17, "# starts a JSON array of root causes"),
    ("rootcause.json = #[1]", 17, "# takes a JSON array of root-cause objects"),
    ('rootcause.json = #[{"Services": ]', 32, "the JSON after # is not valid"),
    ("rootcause.json CONTAINS #[{}]", 15, "rootcause.json takes one of = !="),
    ("fault > 2", 6, "fault is a boolean keyword: > does not apply"),
    ("fault = 2", 8, "fault is a boolean keyword: compare it with true or false"),
    ("http.url > 2", 9, "http.url takes one of = != CONTAINS BEGINSWITH ENDSWITH, found '>'"),
    ('responsetime = "x"', 15, "responsetime is a number keyword: = needs a number"),
    ("responsetime", 12, "responsetime is a number keyword: compare it with one of = != < <= > >="),
    ("responsetime > 1e3", 15, "numbers are written without an exponent"),
    ("http.url = true", 11, "http.url is a string keyword: = needs a double-quoted string"),
    ('group.name CONTAINS "x"', 11, "group.name takes = or != and a group name or ARN"),
    ('annotation.age > "x"', 17, "> needs a number"),
    ("annotation.age CONTAINS 3", 24, "CONTAINS needs a double-quoted string"),
    ("annotation.flag CONTAINS true", 25, "CONTAINS does not apply to true/false"),
    ("!responsetime > 2", 0, "! applies to a keyword on its own, service(), edge(), a rootcause block or a "
                             "parenthesized expression, not to a comparison: write !(responsetime > 2)"),
    ("!fault = true", 0, "not to a comparison: write !(fault = true)"),
    ("fault AND error OR throttle", 16, "AND and OR are mixed without parentheses"),
    ("ok !partial OR fault", 12, "AND and OR are mixed without parentheses"),
    ('id(name: "x")', 0, "id(...) names a service: use it inside service(...) or edge(...)"),
    ("service(id()) { fault }", 11, "id() takes name:, type: and account.id:"),
    ('service(id(name: "a", name: "b"))', 22, "id() takes name:, type: and account.id: (each at most once), "
                                             "found again"),
    ('service(id(arn: "a"))', 11, "id() takes name:, type: and account.id:"),
    ("service(id(name: x))", 17, "id() name: needs a double-quoted string"),
    ("service(api)", 8, "expected a double-quoted service name or id(...)"),
    ('edge("a") { fault }', 8, "expected ',', found ')'"),
    ("", 0, "the expression is empty"),
    ("fault AND", 9, "expected a keyword after 'AND', found 'the end'"),
    ("AND fault", 0, "AND needs an expression on its left"),
    ("fault $", 6, "unexpected character '$'"),
    ("()", 1, "expected a keyword, found ')'"),
]


@pytest.mark.parametrize(("text", "position", "reason"), NEAR_MISSES, ids=[t or "<empty>" for t, _, _ in NEAR_MISSES])
def test_near_misses_are_rejected_with_position_and_reason(text: str, position: int, reason: str) -> None:
    with pytest.raises(FilterExpressionError) as caught:
        F.parse(text)
    message = str(caught.value)
    assert message.startswith("TraceFilter.parse: ")
    assert reason in message
    assert f"at position {position} in {text!r}" in message


# -- rendering ---------------------------------------------------------------------------------------------------
def test_spellings_are_kept_and_canonical_form_is_one_spelling() -> None:
    parsed = F.parse('http.url contains "/v2/" and Fault = TRUE and responseTime>2')
    assert str(parsed) == 'http.url contains "/v2/" and Fault = TRUE and responseTime > 2'
    assert parsed.canonical() == 'http.url CONTAINS "/v2/" AND fault = true AND responsetime > 2'
    assert parsed == F.http_url().contains("/v2/") & F.fault().is_true() & (F.response_time() > 2)
    assert F.parse("ok !partial duration <3").canonical() == "ok AND !partial AND duration < 3"
    assert F.parse("duration >= 2.50").canonical() == "duration >= 2.5"


@pytest.mark.parametrize(
    "keyword",
    ["ok", "error", "throttle", "fault", "partial", "inferred", "first", "last", "remote", "root"],
)
def test_boolean_keywords_bare_negated_and_compared(keyword: str) -> None:
    kw = getattr(F, keyword)()
    assert str(kw) == keyword
    assert str(~kw) == f"!{keyword}"
    assert str(kw.negate()) == f"!{keyword}"
    assert str(kw.is_true()) == str(kw.equals(True)) == str(kw == True) == f"{keyword} = true"  # noqa: E712
    assert str(kw.is_false()) == str(kw == False) == f"{keyword} = false"  # noqa: E712
    assert str(kw.not_equals(False)) == str(kw != False) == f"{keyword} != false"  # noqa: E712


@pytest.mark.parametrize(
    ("method", "keyword"),
    [("response_time", "responsetime"), ("duration", "duration"), ("http_status", "http.status"),
     ("index", "index"), ("coverage", "coverage")],
)
def test_number_keywords_take_every_comparison(method: str, keyword: str) -> None:
    kw = getattr(F, method)()
    assert [str(kw == 1), str(kw != 1), str(kw < 1), str(kw <= 1), str(kw > 1.5), str(kw >= 2.0)] == [
        f"{keyword} = 1", f"{keyword} != 1", f"{keyword} < 1", f"{keyword} <= 1", f"{keyword} > 1.5",
        f"{keyword} >= 2",
    ]
    assert str(kw.equals(3)) == f"{keyword} = 3"
    assert str(kw.not_equals(3)) == f"{keyword} != 3"


@pytest.mark.parametrize(
    ("method", "keyword"),
    [("http_url", "http.url"), ("http_method", "http.method"), ("http_useragent", "http.useragent"),
     ("http_clientip", "http.clientip"), ("user", "user"), ("name", "name"), ("type", "type"),
     ("message", "message"), ("availability_zone", "availabilityzone"), ("instance_id", "instance.id"),
     ("resource_arn", "resource.arn")],
)
def test_string_keywords_take_string_operators(method: str, keyword: str) -> None:
    kw = getattr(F, method)()
    assert str(kw == "a") == str(kw.equals("a")) == f'{keyword} = "a"'
    assert str(kw != "a") == str(kw.not_equals("a")) == f'{keyword} != "a"'
    assert str(kw.contains("a")) == f'{keyword} CONTAINS "a"'
    assert str(kw.begins_with("a")) == f'{keyword} BEGINSWITH "a"'
    assert str(kw.ends_with("a")) == f'{keyword} ENDSWITH "a"'
    assert str(kw.is_set()) == keyword
    assert str(~kw.is_set()) == f"!{keyword}"


def test_strings_are_quoted_and_escaped() -> None:
    assert str(F.user() == 'say "hi" \\o/') == r'user = "say \"hi\" \\o/"'
    assert str(F.parse(r'user = "say \"hi\" \\o/"')) == r'user = "say \"hi\" \\o/"'


def test_annotation_comparisons_follow_the_value_type() -> None:
    a = F.annotation("tenant_1")
    assert str(a) == "annotation.tenant_1"
    assert str(a == "eu") == 'annotation.tenant_1 = "eu"'
    assert str(a != 3) == "annotation.tenant_1 != 3"
    assert str(a > 2) == "annotation.tenant_1 > 2"
    assert str(a.is_true()) == "annotation.tenant_1 = true"
    assert str(a.not_equals(False)) == "annotation.tenant_1 != false"
    assert str(a.begins_with("eu-")) == 'annotation.tenant_1 BEGINSWITH "eu-"'
    with pytest.raises(FilterExpressionError, match=re.escape("annotation.tenant_1 > takes a number, got 'x'")):
        _ = a > "x"  # type: ignore[operator]
    with pytest.raises(FilterExpressionError, match="needs a number, got True"):
        _ = a < True
    with pytest.raises(FilterExpressionError, match="CONTAINS takes a string, got 3"):
        a.contains(3)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", ["Cold.Start", "cold-start", "", "ключ"])
def test_annotation_keys_are_letters_digits_underscores(key: str) -> None:
    # "AWS X-Ray segment documents": annotation keys must be alphanumeric (underscore allowed) to work with filters.
    with pytest.raises(FilterExpressionError, match=f"annotation key must be letters, digits and underscores only, "
                       f"got {key!r}"):
        F.annotation(key)


def test_group_keywords_take_equality_only() -> None:
    assert str(F.group_name() == "faults") == 'group.name = "faults"'
    assert str(F.group_arn() != "arn:x") == 'group.arn != "arn:x"'
    with pytest.raises(FilterExpressionError, match=re.escape("group.name takes only = and !=, not CONTAINS")):
        F.group_name().contains("f")
    with pytest.raises(FilterExpressionError, match=re.escape("group.name takes = or !=")):
        F.group_name().is_set()


def test_root_cause_blocks_and_json() -> None:
    f = F.root_cause(RootCauseKind.FAULT, RootCauseEntity.SERVICE, F.name() == "orders")
    assert str(f) == 'rootcause.fault.service { name = "orders" }'
    assert F.parse(str(f)) == f
    assert str(F.root_cause(RootCauseKind.ERROR, RootCauseEntity.EXCEPTION, F.message().contains("x"))) == (
        'rootcause.error.exception { message CONTAINS "x" }')
    with pytest.raises(FilterExpressionError, match="no exception block"):
        F.root_cause(RootCauseKind.RESPONSE_TIME, RootCauseEntity.EXCEPTION, F.name() == "x")
    with pytest.raises(FilterExpressionError, match="coverage applies only to response-time root causes"):
        F.root_cause(RootCauseKind.FAULT, RootCauseEntity.ENTITY, F.coverage() > 0.5)
    with pytest.raises(FilterExpressionError, match="root_cause_json takes a list of root-cause objects"):
        F.root_cause_json({"Services": []})  # type: ignore[arg-type]


def test_parentheses_where_precedence_needs_them_and_always_between_and_and_or() -> None:
    a, b, c = F.fault(), F.error(), F.throttle()
    assert str((a | b) & c) == "(fault OR error) AND throttle"
    assert str(a | (b & c)) == "fault OR (error AND throttle)"  # AND/OR binding is not documented: be explicit
    assert str((a & b) & c) == "fault AND error AND throttle"
    assert str(a & (b & c)) == "fault AND error AND throttle"
    assert str((a | b) | c) == "fault OR error OR throttle"
    assert str(~(a | b)) == "!(fault OR error)"
    assert str(~(F.response_time() > 2)) == "!(responsetime > 2)"
    assert str(~a & b) == "!fault AND error"
    assert str(F.service("s", a | b) & c) == 'service("s") { fault OR error } AND throttle'
    assert str(F.all_of(a, b | c)) == "fault AND (error OR throttle)"
    assert str(F.any_of(a, b & c)) == "fault OR (error AND throttle)"
    assert str(F.response_time() > 0.00001) == "responsetime > 0.00001"  # never exponent notation


def test_parsed_parentheses_are_kept() -> None:
    assert str(F.parse("(fault OR error) AND responsetime > 1")) == "(fault OR error) AND responsetime > 1"
    assert str(F.parse("(fault AND error)")) == "(fault AND error)"
    assert F.parse("(fault AND error)") != F.parse("fault AND error")  # the tree keeps what was written
    assert str(F.parse("!(fault or error)")) == "!(fault or error)"


def test_entity_ids() -> None:
    f = F.edge(EntityId(name="a"), EntityId(name="b", type="AWS::Lambda::Function"), F.error())
    assert str(f) == 'edge(id(name: "a"), id(name: "b", type: "AWS::Lambda::Function")) { error }'
    assert F.parse(str(f)) == f
    assert str(EntityId(type="AWS::EC2::Instance", account_id="111111111111")) == (
        'id(type: "AWS::EC2::Instance", account.id: "111111111111")')
    with pytest.raises(FilterExpressionError, match="id\\(\\) needs at least one of name, type and account_id"):
        EntityId()


def test_keywords_lists_what_is_used() -> None:
    f = F.service("orders-api/prod") & (F.fault() | F.annotation("ColdStart").is_true())
    assert f.keywords() == {"service", "fault", "annotation.ColdStart"}
    assert "responsetime" in F.parse("responseTime > 3").keywords()


# -- the classifier (one, negation-aware) ------------------------------------------------------------------------
@pytest.mark.parametrize(("expression", "kind"), [
    ("fault", TraceGroupKind.FAULT),
    ("fault = true", TraceGroupKind.FAULT),
    ("fault != false", TraceGroupKind.FAULT),
    ("FAULT", TraceGroupKind.FAULT),
    ('service("orders") { fault }', TraceGroupKind.FAULT),
    ('service("?/?") { fault }', TraceGroupKind.FAULT),  # `?` where a CDK token was, inside the quotes
    ('edge("a", "b") { fault = true }', TraceGroupKind.FAULT),
    ("fault OR error", TraceGroupKind.FAULT),
    ("!(fault = false)", TraceGroupKind.FAULT),
    ("!!fault", TraceGroupKind.FAULT),
    ("error", TraceGroupKind.ERROR),
    ("!fault AND error = true", TraceGroupKind.ERROR),
    ("responsetime > 2", TraceGroupKind.SLOW),
    ("duration >= 5 AND http.method = \"POST\"", TraceGroupKind.SLOW),
    ("!(responsetime < 1)", TraceGroupKind.SLOW),
    ("ok AND !(fault) AND responsetime >= 3", TraceGroupKind.SLOW),
    ('service("fault-api") AND annotation.ColdStart = true', None),
    ("fault = false", None),
    ("fault != true", None),
    ("!fault", None),
    ("responsetime < 1", None),
    ("!(responsetime > 2)", None),
    ("annotation.fault = true", None),
    ('group.name = "faults"', None),
    ('rootcause.fault.service { name = "db" }', None),
    ("!(fault OR error)", None),
    ('!service("api") { fault }', None),
    ('service("api") { !fault }', None),
    ('user = "fault"', None),
    ("responsetime > ?", TraceGroupKind.SLOW),  # a deploy-time number: still a lower bound
    ('service("?") { fault } AND annotation.tries > ?', TraceGroupKind.FAULT),
    ("fault AND error OR ?", None),  # does not parse even with a number for `?`: "other"
])
def test_classification_is_negation_aware(expression: str, kind: TraceGroupKind | None) -> None:
    assert classify(expression) is kind
    if not re.search(r"[>=] \?|OR \?", expression):  # a bare `?` is not an expression TraceFilter.parse accepts
        assert F.parse(expression).classify() is kind


def test_classification_of_built_filters() -> None:
    # keywords() would say {"fault", "service"}; the classifier sees the negation.
    negated = ~F.fault() & F.service("api")
    assert negated.keywords() == {"fault", "service"}
    assert negated.classify() is None
    assert classify(F.service("api", F.fault())) is TraceGroupKind.FAULT
    assert (F.error().is_true() | (F.duration() > 3)).classify() is TraceGroupKind.ERROR


# -- operator misuse ---------------------------------------------------------------------------------------------
def test_boolean_keyword_with_a_number_operator_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match="fault is a boolean keyword: > does not apply"):
        _ = F.fault() > 2
    with pytest.raises(FilterExpressionError, match="compare it with True or False, got 2"):
        _ = F.fault() == 2  # type: ignore[call-overload]


def test_string_keyword_with_a_number_operator_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match=re.escape("http.url is a string keyword: > does not apply")):
        _ = F.http_url() > 2
    with pytest.raises(FilterExpressionError, match=re.escape("http.method is a string keyword; = takes a string")):
        _ = F.http_method() == 5  # type: ignore[operator]


def test_number_keyword_with_a_string_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match="responsetime > compares with a finite number, got '2'"):
        _ = F.response_time() > "2"  # type: ignore[operator]
    with pytest.raises(FilterExpressionError, match="got True"):
        _ = F.duration() == True  # noqa: E712
    with pytest.raises(FilterExpressionError, match="finite number, got nan"):
        _ = F.duration() < float("nan")


def test_uncompared_keyword_cannot_be_combined() -> None:
    with pytest.raises(FilterExpressionError, match="responsetime is a number keyword and is not a filter"):
        _ = F.fault() & F.response_time() > 2  # type: ignore[operator]  # Python binds & before >
    with pytest.raises(FilterExpressionError, match="not a filter by itself"):
        _ = ~F.http_url()


def test_python_boolean_operators_are_refused() -> None:
    with pytest.raises(FilterExpressionError, match=re.escape("combine filters with &, | and ~")):
        _ = F.fault() and F.error()
    with pytest.raises(FilterExpressionError, match="only keywords can be compared"):
        _ = (F.fault() & F.error()) == True  # noqa: E712


def test_errors_are_validation_and_type_errors() -> None:
    with pytest.raises(XRayValidationError):
        _ = F.fault() > 1
    with pytest.raises(TypeError):
        _ = F.fault() > 1


def test_filters_compare_and_hash_by_canonical_text() -> None:
    assert (F.fault() & F.error()) == F.parse("fault and error")
    assert len({F.fault(), F.parse("FAULT"), F.parse("fault")}) == 1


# -- typing: `==` is typed precisely, and the documented style lints clean ------------------------------------------
def test_comparison_overloads_return_filters_for_values() -> None:
    from constructs_lib.filters import AnnotationKeyword, BooleanKeyword

    for cls in (BooleanKeyword, AnnotationKeyword):
        returns = {str(typing.get_type_hints(o)["return"]) for o in typing.get_overloads(cls.__eq__)}
        assert returns == {"<class 'constructs_lib.filters.TraceFilter'>", "<class 'bool'>"}, cls


TYPED = '''
from typing_extensions import assert_type
from constructs_lib.filters import TraceFilter

assert_type(TraceFilter.fault() == True, TraceFilter)  # noqa: E712
assert_type(TraceFilter.fault() != False, TraceFilter)  # noqa: E712
assert_type(TraceFilter.annotation("ColdStart") == True, TraceFilter)  # noqa: E712
assert_type(TraceFilter.annotation("tries") >= 3, TraceFilter)
assert_type(TraceFilter.response_time() > 2, TraceFilter)
assert_type(TraceFilter.http_status() == 503, TraceFilter)
assert_type(TraceFilter.http_url() == "/x", TraceFilter)
assert_type(TraceFilter.fault() == TraceFilter.error(), bool)
assert_type(TraceFilter.fault().is_true(), TraceFilter)
assert_type(TraceFilter.annotation("ColdStart").is_true(), TraceFilter)
'''


def test_comparisons_are_typed_under_mypy_strict(tmp_path: Path) -> None:
    """mypy --strict sees ``==`` on a keyword as a TraceFilter, never Any; a wrong expectation fails."""
    snippet = tmp_path / "typed.py"
    snippet.write_text(TYPED + "assert_type(TraceFilter.fault() == True, bool)  # noqa: E712\n")
    sources = [ROOT / "constructs_lib" / name for name in ("filters.py", "_filter_syntax.py", "_validation.py")]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--follow-imports=skip", "--ignore-missing-imports",
         "--no-error-summary", "--cache-dir", str(tmp_path / "cache"), str(snippet), *map(str, sources)],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    ours = [line for line in result.stdout.splitlines() if line.startswith(str(snippet))]
    # Only the deliberately wrong last line is reported: the ten expectations above hold.
    assert len(ours) == 1, result.stdout
    assert f"{snippet}:{TYPED.count(chr(10)) + 1}: error: Expression is of type" in ours[0]


def test_documented_style_is_ruff_clean(tmp_path: Path) -> None:
    """The style the docs show (``.is_true()``) passes ruff's E712; ``== True`` is what E712 flags."""
    good = tmp_path / "good.py"
    good.write_text("from constructs_lib import TraceFilter\n\nf = TraceFilter.annotation(\"ColdStart\").is_true()\n")
    bad = tmp_path / "bad.py"
    bad.write_text("from constructs_lib import TraceFilter\n\nf = TraceFilter.annotation(\"ColdStart\") == True\n")
    ruff = [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E712"]
    assert subprocess.run([*ruff, str(good)], capture_output=True, text=True).returncode == 0
    assert subprocess.run([*ruff, str(bad)], capture_output=True, text=True).returncode == 1
