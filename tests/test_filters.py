"""TraceFilter: rendered expressions, operator/type errors, and the validating parser."""

from __future__ import annotations

import re

import pytest

from constructs_lib._validation import XRayValidationError
from constructs_lib.filters import (
    EntityId,
    FilterExpressionError,
    RootCauseEntity,
    RootCauseKind,
)
from constructs_lib.filters import TraceFilter as F

# The examples of the AWS X-Ray developer guide ("Using filter expressions"), built with the builder.
GUIDE_EXAMPLES = [
    ("responsetime > 5", F.response_time() > 5),
    ("duration >= 5 AND duration <= 8", (F.duration() >= 5) & (F.duration() <= 8)),
    (
        'service("api.example.com") { fault = true OR responsetime > 2.5 } AND annotation.account = "12345"',
        F.service("api.example.com", (F.fault() == True) | (F.response_time() > 2.5))  # noqa: E712
        & (F.annotation("account") == "12345"),
    ),
    (
        'edge("api.example.com", "backend.example.com") { fault = true }',
        F.edge("api.example.com", "backend.example.com", F.fault() == True),  # noqa: E712
    ),
    (
        'http.url BEGINSWITH "http://api.example.com/" AND http.url CONTAINS "/v2/" AND !service("api.example.com")',
        F.http_url().begins_with("http://api.example.com/")
        & F.http_url().contains("/v2/")
        & ~F.service("api.example.com"),
    ),
    ("service() { fault }", F.service(None, F.fault())),
    (
        'service(id(name: "api.example.com", type: "AWS::EC2::Instance")) { fault }',
        F.service(F.id(name="api.example.com", type="AWS::EC2::Instance"), F.fault()),
    ),
]


@pytest.mark.parametrize(("expected", "built"), GUIDE_EXAMPLES, ids=[e for e, _ in GUIDE_EXAMPLES])
def test_guide_examples_render_exactly(expected: str, built: F) -> None:
    assert str(built) == expected


@pytest.mark.parametrize("text", [e for e, _ in GUIDE_EXAMPLES])
def test_guide_examples_parse_and_round_trip(text: str) -> None:
    assert str(F.parse(text)) == text


def test_guide_juxtaposition_example_parses_as_and() -> None:
    # The guide's "ok !partial duration <3": juxtaposed terms are ANDed.
    assert str(F.parse("ok !partial duration <3")) == "ok AND !partial AND duration < 3"
    assert str(F.ok() & ~F.partial() & (F.duration() < 3)) == "ok AND !partial AND duration < 3"


def test_brief_examples() -> None:
    assert str(F.service("orders-api") & F.fault()) == 'service("orders-api") AND fault'
    assert str(F.response_time() > 2) == "responsetime > 2"
    assert str(F.annotation("ColdStart") == True) == "annotation.ColdStart = true"  # noqa: E712


@pytest.mark.parametrize(
    "keyword",
    ["ok", "error", "throttle", "fault", "partial", "inferred", "first", "last", "remote", "root"],
)
def test_boolean_keywords_bare_negated_and_compared(keyword: str) -> None:
    kw = getattr(F, keyword)()
    assert str(kw) == keyword
    assert str(~kw) == f"!{keyword}"
    assert str(kw.negate()) == f"!{keyword}"
    assert str(kw == True) == f"{keyword} = true"  # noqa: E712
    assert str(kw == False) == f"{keyword} = false"  # noqa: E712
    assert str(kw != False) == f"{keyword} != false"  # noqa: E712


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


@pytest.mark.parametrize(
    ("method", "keyword"),
    [("http_url", "http.url"), ("http_method", "http.method"), ("http_useragent", "http.useragent"),
     ("http_clientip", "http.clientip"), ("user", "user"), ("name", "name"), ("type", "type"),
     ("message", "message"), ("availability_zone", "availabilityzone"), ("instance_id", "instance.id"),
     ("resource_arn", "resource.arn")],
)
def test_string_keywords_take_string_operators(method: str, keyword: str) -> None:
    kw = getattr(F, method)()
    assert str(kw == "a") == f'{keyword} = "a"'
    assert str(kw != "a") == f'{keyword} != "a"'
    assert str(kw.contains("a")) == f'{keyword} CONTAINS "a"'
    assert str(kw.begins_with("a")) == f'{keyword} BEGINSWITH "a"'
    assert str(kw.ends_with("a")) == f'{keyword} ENDSWITH "a"'


def test_strings_are_quoted_and_escaped() -> None:
    assert str(F.user() == 'say "hi" \\o/') == r'user = "say \"hi\" \\o/"'
    assert str(F.parse(r'user = "say \"hi\" \\o/"')) == r'user = "say \"hi\" \\o/"'


def test_annotation_comparisons_follow_the_value_type() -> None:
    a = F.annotation("tenant_1")
    assert str(a) == "annotation.tenant_1"
    assert str(a == "eu") == 'annotation.tenant_1 = "eu"'
    assert str(a != 3) == "annotation.tenant_1 != 3"
    assert str(a > 2) == "annotation.tenant_1 > 2"
    assert str(a.begins_with("eu-")) == 'annotation.tenant_1 BEGINSWITH "eu-"'
    with pytest.raises(FilterExpressionError, match=re.escape("annotation.tenant_1 > takes a number, got 'x'")):
        _ = a > "x"
    with pytest.raises(FilterExpressionError, match="needs a number, got True"):
        _ = a < True


@pytest.mark.parametrize("key", ["Cold.Start", "cold-start", "", "ключ"])
def test_annotation_keys_are_letters_digits_underscores(key: str) -> None:
    with pytest.raises(FilterExpressionError, match=f"annotation key must be letters, digits and underscores only, "
                       f"got {key!r}"):
        F.annotation(key)


def test_group_keywords() -> None:
    assert str(F.group_name() == "faults") == 'group.name = "faults"'
    assert str(F.group_arn() != "arn:x") == 'group.arn != "arn:x"'
    with pytest.raises(FilterExpressionError, match=re.escape("group.name takes only = and !=, not CONTAINS")):
        F.group_name().contains("f")


def test_root_cause_blocks() -> None:
    f = F.root_cause(RootCauseKind.FAULT, RootCauseEntity.SERVICE, F.name() == "orders")
    assert str(f) == 'rootcause.fault.service { name = "orders" }'
    assert str(F.parse(str(f))) == str(f)
    with pytest.raises(FilterExpressionError, match="no exception block"):
        F.root_cause(RootCauseKind.RESPONSE_TIME, RootCauseEntity.EXCEPTION, F.name() == "x")


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


def test_parsed_parentheses_are_kept_where_needed() -> None:
    assert str(F.parse("(fault OR error) AND responsetime > 1")) == "(fault OR error) AND responsetime > 1"
    assert str(F.parse("(fault AND error)")) == "fault AND error"
    assert str(F.parse("!(fault or error)")) == "!(fault OR error)"


def test_entity_id_and_edge_with_ids() -> None:
    f = F.edge(EntityId(name="a"), EntityId(name="b", type="AWS::Lambda::Function"), F.error())
    assert str(f) == 'edge(id(name: "a"), id(name: "b", type: "AWS::Lambda::Function")) { error }'
    assert str(F.parse(str(f))) == str(f)


def test_keywords_classify_an_expression() -> None:
    f = F.service("orders-api/prod") & (F.fault() | (F.annotation("ColdStart") == True))  # noqa: E712
    assert f.keywords() == {"service", "fault", "annotation.ColdStart"}
    assert "responsetime" in F.parse("responsetime > 3").keywords()


# -- operator misuse -----------------------------------------------------------------------------------------
def test_boolean_keyword_with_a_number_operator_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match="fault is a boolean keyword: > does not apply"):
        _ = F.fault() > 2
    with pytest.raises(FilterExpressionError, match="compare it with True or False, got 2"):
        _ = F.fault() == 2


def test_string_keyword_with_a_number_operator_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match=re.escape("http.url is a string keyword: > does not apply")):
        _ = F.http_url() > 2
    with pytest.raises(FilterExpressionError, match=re.escape("http.method is a string keyword; = takes a string")):
        _ = F.http_method() == 5


def test_number_keyword_with_a_string_is_an_error() -> None:
    with pytest.raises(FilterExpressionError, match="responsetime > compares with a finite number, got '2'"):
        _ = F.response_time() > "2"
    with pytest.raises(FilterExpressionError, match="got True"):
        _ = F.duration() == True  # noqa: E712
    with pytest.raises(FilterExpressionError, match="finite number, got nan"):
        _ = F.duration() < float("nan")


def test_uncompared_keyword_cannot_be_combined() -> None:
    with pytest.raises(FilterExpressionError, match="responsetime is a number keyword and is not a filter"):
        _ = F.fault() & F.response_time() > 2  # Python binds & before >
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


def test_filters_compare_and_hash_by_text() -> None:
    assert (F.fault() & F.error()) == F.parse("fault AND error")
    assert len({F.fault(), F.parse("fault")}) == 1


# -- parser errors -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('http.url = "abc', "unbalanced quote: the string that starts here is never closed at position 11"),
        ("fault AND (error", "unbalanced '(': it is never closed at position 10"),
        ("fault) AND error", "unbalanced ')': nothing open to close at position 5"),
        ('service("a") { fault', "unbalanced '{': it is never closed at position 13"),
        ("annotation[key = 1", "unbalanced '['"),
        ("(fault]", "unbalanced ']'"),
        ("foo = 1", "unknown keyword 'foo'"),
        ("fault AND responsetim > 2", "unknown keyword 'responsetim'"),
        ("rootcause.fault.nothing { name = \"x\" }", "unknown keyword 'rootcause.fault.nothing'"),
        ("fault > 2", "fault is a boolean keyword: > does not apply"),
        ("fault = 2", "fault is a boolean keyword: compare it with true or false"),
        ("http.url > 2", "http.url takes one of = != CONTAINS BEGINSWITH ENDSWITH, found '>'"),
        ('responsetime = "x"', "responsetime is a number keyword: = needs a number"),
        ("http.url = abc", "http.url is a string keyword: = needs a double-quoted string"),
        ("annotation[Cold.Start]", "annotation key must be letters, digits and underscores only"),
        ("", "the expression is empty"),
        ("fault AND", "expected a keyword, found 'the end'"),
        ("AND fault", "AND needs an expression on its left"),
        ('id(name: "x")', "id(...) names a service"),
        ("fault $", "unexpected character '$'"),
    ],
)
def test_parse_errors_say_what_and_where(text: str, message: str) -> None:
    with pytest.raises(FilterExpressionError, match=re.escape("TraceFilter.parse: ")) as caught:
        F.parse(text)
    assert message in str(caught.value)


def test_parse_accepts_case_insensitive_operators_and_bracket_annotations() -> None:
    parsed = F.parse('http.url contains "/v2/" and fault or error')
    assert str(parsed) == '(http.url CONTAINS "/v2/" AND fault) OR error'
    assert str(F.parse("annotation[ColdStart] = TRUE")) == "annotation.ColdStart = true"
    assert str(F.parse("annotation.ColdStart")) == "annotation.ColdStart"
    assert str(F.parse("annotation.tries >= 3")) == "annotation.tries >= 3"
