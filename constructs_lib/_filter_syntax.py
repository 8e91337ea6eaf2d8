"""The syntax tree of X-Ray filter expressions, its renderer, its classifier and its parser.

Private to :mod:`constructs_lib.filters`, which is the public face (``TraceFilter``, ``classify``). Every rule
here comes from the X-Ray developer guide ("Using filter expressions to search for traces in the console"; the
``account.id`` field of ``id()`` from "Cross-account tracing"; annotation keys from "AWS X-Ray segment
documents"). A node renders two ways: as written (parsed spellings kept: ``and``, ``responseTime``,
``contains``, juxtaposed terms) and canonically (one spelling per keyword and operator), which is what equality,
hashing and ``TraceFilter.canonical()`` use.
"""

from __future__ import annotations

import decimal
import json
import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import NoReturn

from ._validation import XRayValidationError

# The keyword tables of "Using filter expressions to search for traces in the console" (X-Ray developer guide).
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
#: Annotation keys a filter can use: "Keys must be alphanumeric in order to work with filters. Underscore is
#: allowed." ("AWS X-Ray segment documents").
ANNOTATION_KEY_PATTERN = r"[A-Za-z0-9_]+"
#: The fields of ``id(...)``: name and type (the filter guide), account.id ("Cross-account tracing").
ID_FIELDS = ("name", "type", "account.id")

NUMBER_OPS = ("=", "!=", "<", "<=", ">", ">=")
STRING_OPS = ("=", "!=", "CONTAINS", "BEGINSWITH", "ENDSWITH")
EQUALITY_OPS = ("=", "!=")



class FilterExpressionError(XRayValidationError, TypeError):
    """A filter expression that X-Ray would reject: a wrong operator for a keyword, a bad key, a bad string."""


class RootCauseKind(Enum):
    """What a ``rootcause.<kind>.<entity> { ... }`` block looks at: the trace summary's fault, error or response
    time root causes (``FaultRootCauses``, ``ErrorRootCauses``, ``ResponseTimeRootCauses`` of GetTraceSummaries)."""

    FAULT = "fault"
    ERROR = "error"
    RESPONSE_TIME = "responsetime"


class RootCauseEntity(Enum):
    """Which part of the root cause a ``rootcause`` block filters on. Response-time root causes have no
    exceptions, so ``rootcause.responsetime.exception`` does not exist."""

    SERVICE = "service"
    ENTITY = "entity"
    EXCEPTION = "exception"


class TraceGroupKind(Enum):
    """What a filter expression selects (see :func:`classify`): it decides a trace group's alarm."""

    FAULT = "fault"
    ERROR = "error"
    SLOW = "slow"


# -- values ------------------------------------------------------------------------------------------------------
def quote(value: str) -> str:
    """``value`` as a double-quoted filter-expression string, with ``\\`` and ``"`` escaped."""
    if not isinstance(value, str):
        raise FilterExpressionError(f"TraceFilter: a string value must be a str, got {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def number_text(owner: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FilterExpressionError(f"TraceFilter: {owner} compares with a finite number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    # Never exponent notation (repr(1e-05) is '1e-05'), which filter expressions do not accept.
    return format(decimal.Decimal(repr(value)), "f") if isinstance(value, float) else str(value)


# -- the syntax tree ---------------------------------------------------------------------------------------------
# Every node renders two ways: as written (parsed spellings kept: `and`, `responseTime`, `contains`) and
# canonically (one spelling per keyword and operator), which is what equality and hashing compare.
@dataclass(frozen=True)
class Word:
    """A keyword or operator: its one spelling, and how it was written."""

    canonical: str
    spelled: str

    def render(self, canonical: bool) -> str:
        return self.canonical if canonical else self.spelled


@dataclass(frozen=True)
class Value:
    """The right-hand side of a comparison. ``kind``: bool, number, string, word (an unquoted string), json."""

    kind: str
    written: str
    canonical: str

    def render(self, canonical: bool) -> str:
        return self.canonical if canonical else self.written


@dataclass(frozen=True)
class Bare:
    """A keyword on its own: a boolean keyword (true), an annotation or a string keyword (is set)."""

    keyword: Word
    kind: str  # boolean, annotation, string


@dataclass(frozen=True)
class Compare:
    keyword: Word
    kind: str  # boolean, number, string, annotation, group, json
    op: Word
    value: Value


@dataclass(frozen=True)
class Not:
    inner: Node


@dataclass(frozen=True)
class Paren:
    inner: Node


@dataclass(frozen=True)
class Chain:
    """``a AND b AND c`` or ``a OR b``; ``separators`` as written (``AND``, ``and``, or ``""`` for juxtaposition)."""

    op: str
    items: tuple[Node, ...]
    separators: tuple[str, ...]


@dataclass(frozen=True)
class Id:
    """``id(name: "...", type: "...", account.id: "...")``, fields in the order written."""

    fields: tuple[tuple[Word, Value], ...]


Ref = Value | Id  # a quoted service name, or id(...)


@dataclass(frozen=True)
class Block:
    """``service(ref) { f }``, ``edge(a, b) { f }`` or ``rootcause.<kind>.<entity> { f }``."""

    keyword: Word
    refs: tuple[Ref, ...] | None  # None for rootcause blocks (no parentheses)
    inner: Node | None


Node = Bare | Compare | Not | Paren | Chain | Block


def render(node: Node, canonical: bool) -> str:
    if isinstance(node, Bare):
        return node.keyword.render(canonical)
    if isinstance(node, Compare):
        return f"{node.keyword.render(canonical)} {node.op.render(canonical)} {node.value.render(canonical)}"
    if isinstance(node, Not):
        return "!" + render(node.inner, canonical)
    if isinstance(node, Paren):
        return "(" + render(node.inner, canonical) + ")"
    if isinstance(node, Chain):
        parts = [render(node.items[0], canonical)]
        for separator, item in zip(node.separators, node.items[1:], strict=True):
            word = node.op if canonical else separator
            parts.append(f"{word} {render(item, canonical)}" if word else render(item, canonical))
        return " ".join(parts)
    head = node.keyword.render(canonical)
    if node.refs is not None:
        head += "(" + ", ".join(render_ref(ref, canonical) for ref in node.refs) + ")"
    return head if node.inner is None else f"{head} {{ {render(node.inner, canonical)} }}"


def render_ref(ref: Ref, canonical: bool) -> str:
    if isinstance(ref, Value):
        return ref.render(canonical)
    fields = ", ".join(f"{name.render(canonical)}: {value.render(canonical)}" for name, value in ref.fields)
    return f"id({fields})"



def keywords_of(node: Node) -> frozenset[str]:
    if isinstance(node, (Bare, Compare)):
        return frozenset({node.keyword.canonical})
    if isinstance(node, (Not, Paren)):
        return keywords_of(node.inner)
    if isinstance(node, Chain):
        return frozenset().union(*(keywords_of(item) for item in node.items))
    inner = keywords_of(node.inner) if node.inner is not None else frozenset()
    return frozenset({node.keyword.canonical}) | inner


def word(text: str) -> Word:
    return Word(text, text)


def string_value(value: str) -> Value:
    text = quote(value)
    return Value("string", text, text)


# -- the classifier ----------------------------------------------------------------------------------------------
_SLOW_KEYWORDS = frozenset({"responsetime", "duration"})
_TRUE_WHEN_POSITIVE = {">": True, ">=": True, "<": False, "<=": False}


def _kinds(node: Node, positive: bool) -> set[TraceGroupKind]:
    """The kinds a node asserts about the traces it selects, under ``positive`` (False inside a negation)."""
    if isinstance(node, Bare):
        if node.kind == "boolean" and positive and node.keyword.canonical in ("fault", "error"):
            return {TraceGroupKind(node.keyword.canonical)}
        return set()
    if isinstance(node, Compare):
        keyword, op = node.keyword.canonical, node.op.canonical
        if node.kind == "boolean" and keyword in ("fault", "error"):
            # fault = true, fault != false: positive; fault = false, fault != true: negative
            holds = (op == "=") == (node.value.canonical == "true")
            return {TraceGroupKind(keyword)} if holds == positive else set()
        if keyword in _SLOW_KEYWORDS and op in _TRUE_WHEN_POSITIVE:
            # responsetime > 2 selects slow traces; so does !(responsetime < 2)
            return {TraceGroupKind.SLOW} if _TRUE_WHEN_POSITIVE[op] == positive else set()
        return set()
    if isinstance(node, Not):
        return _kinds(node.inner, not positive)
    if isinstance(node, Paren):
        return _kinds(node.inner, positive)
    if isinstance(node, Chain):
        return set().union(*(_kinds(item, positive) for item in node.items))
    if node.refs is None:  # rootcause blocks describe root-cause entities, not the trace's own status
        return set()
    return _kinds(node.inner, positive) if node.inner is not None else set()


def classify_node(node: Node) -> TraceGroupKind | None:
    kinds = _kinds(node, True)
    return next((kind for kind in TraceGroupKind if kind in kinds), None)




# -- parser ------------------------------------------------------------------------------------------------------
# Identifiers: keywords (`http.url`, `rootcause.fault.service`) and `annotation.<key>`; the key is taken up to the
# next delimiter so that a bad key (`annotation.Cold-Start`) is reported as one.
_TOKEN = re.compile(
    r"""(?P<ws>\s+)"""
    r"""|(?P<number>-?\d+(?:\.\d+)?)(?P<exponent>[eE][-+]?\d+)?"""
    r"""|(?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[^\s=!<>(){},:"'#]+)*)"""
    r"""|(?P<op>!=|<=|>=|=|<|>|!|\(|\)|\{|\}|,|:)"""
)
_CLOSERS = {")": "(", "}": "{"}
_KNOWN = sorted(BOOLEAN_KEYWORDS | NUMBER_KEYWORDS | STRING_KEYWORDS | GROUP_KEYWORDS)


@dataclass(frozen=True)
class _Token:
    kind: str  # string, number, ident, op, json, end
    text: str  # as written (a string's or JSON's whole source slice)
    pos: int
    value: str = ""  # a string's content (escapes undone)


class Parser:
    """Recursive descent over the documented grammar, building the syntax tree with the spellings kept."""

    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise FilterExpressionError(f"TraceFilter.parse: the expression must be a string, got {text!r}")
        self.text = text
        self.tokens = self._tokenize()
        self.i = 0
        self.root_cause: str | None = None  # the kind of the rootcause block being read

    # -- errors and tokens ---------------------------------------------------------------------------------
    def _fail(self, problem: str, pos: int) -> NoReturn:
        raise FilterExpressionError(f"TraceFilter.parse: {problem} at position {pos} in {self.text!r}")

    def _tokenize(self) -> list[_Token]:
        tokens: list[_Token] = []
        pos, text = 0, self.text
        while pos < len(text):
            char = text[pos]
            if char == '"':
                tokens.append(self._string(pos))
                pos = tokens[-1].pos + len(tokens[-1].text)
                continue
            if char == "'":
                self._fail("strings take double quotes (\"...\"), not single quotes", pos)
            if char in "[]":
                self._fail(f"{char!r} is not part of the filter language (an annotation is annotation.KEY; JSON root "
                           "causes are #[...])", pos)
            if char == "#":
                tokens.append(self._json(pos))
                pos = tokens[-1].pos + len(tokens[-1].text)
                continue
            match = _TOKEN.match(text, pos)
            if match is None:
                self._fail(f"unexpected character {char!r}", pos)
            if match.group("exponent"):
                self._fail("numbers are written without an exponent (1e3 is 1000)", pos)
            kind = match.lastgroup or "ws"
            if kind == "exponent":
                kind = "number"
            if kind != "ws":
                tokens.append(_Token(kind, match.group(), pos))
            pos = match.end()
        tokens.append(_Token("end", "", len(text)))
        self._check_brackets(tokens)
        return tokens

    def _string(self, start: int) -> _Token:
        pos, chars, text = start + 1, [], self.text
        while True:
            if pos >= len(text):
                self._fail("unbalanced quote: the string that starts here is never closed", start)
            if text[pos] == "\\" and pos + 1 < len(text):
                chars.append(text[pos + 1])
                pos += 2
                continue
            if text[pos] == '"':
                return _Token("string", text[start:pos + 1], start, "".join(chars))
            chars.append(text[pos])
            pos += 1

    def _json(self, start: int) -> _Token:
        if not self.text.startswith("#[", start):
            self._fail("# starts a JSON array of root causes: #[{...}]", start)
        try:
            value, end = json.JSONDecoder().raw_decode(self.text, start + 1)
        except json.JSONDecodeError as error:
            self._fail(f"the JSON after # is not valid ({error.msg})", error.pos)
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            self._fail("# takes a JSON array of root-cause objects: #[{...}]", start)
        return _Token("json", self.text[start:end], start)

    def _check_brackets(self, tokens: list[_Token]) -> None:
        stack: list[_Token] = []
        for token in tokens:
            if token.kind != "op":
                continue
            if token.text in "({":
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

    def _is(self, token: _Token, *texts: str) -> bool:
        return token.kind == "op" and token.text in texts

    def _expect(self, text: str) -> _Token:
        token = self._next()
        if not self._is(token, text):
            self._fail(f"expected {text!r}, found {token.text or 'the end'!r}", token.pos)
        return token

    @staticmethod
    def _upper(token: _Token) -> str | None:
        return token.text.upper() if token.kind == "ident" else None

    # -- grammar -------------------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self._peek.kind == "end":
            self._fail("the expression is empty", 0)
        result = self._expression()
        if self._peek.kind != "end":
            self._fail(f"unexpected {self._peek.text!r}", self._peek.pos)
        return result

    def _starts_term(self, token: _Token) -> bool:
        return (token.kind == "ident" and self._upper(token) not in ("AND", "OR")) or self._is(token, "!", "(")

    def _expression(self) -> Node:
        """Terms joined by AND/OR (any case) or by juxtaposition (an implicit AND, as in the guide's
        ``ok !partial duration <3``). Mixing AND and OR needs parentheses."""
        items = [self._unary()]
        separators: list[str] = []
        ops: set[str] = set()
        while True:
            token = self._peek
            word = self._upper(token)
            if word in ("AND", "OR"):
                self._next()
                op, separator = word, token.text
            elif self._starts_term(token):
                op, separator = "AND", ""
            else:
                break
            ops.add(op)
            if len(ops) > 1:
                self._fail("AND and OR are mixed without parentheses (the X-Ray guide does not say which binds "
                           "first): add parentheses", token.pos)
            if self._peek.kind == "end" or self._is(self._peek, ")", "}"):
                self._fail(f"expected a keyword after {separator!r}, found {self._peek.text or 'the end'!r}",
                           self._peek.pos)
            items.append(self._unary())
            separators.append(separator)
        if not separators:
            return items[0]
        return Chain(ops.pop(), tuple(items), tuple(separators))

    def _unary(self) -> Node:
        token = self._peek
        if not self._is(token, "!"):
            return self._primary()
        self._next()
        inner = self._unary()
        if isinstance(inner, Compare):
            self._fail("! applies to a keyword on its own, service(), edge(), a rootcause block or a parenthesized "
                       f"expression, not to a comparison: write !({render(inner, False)})", token.pos)
        return Not(inner)

    def _primary(self) -> Node:
        token = self._next()
        if self._is(token, "("):
            inner = self._expression()
            self._expect(")")
            return Paren(inner)
        if token.kind != "ident":
            self._fail(f"expected a keyword, found {token.text or 'the end'!r}", token.pos)
        spelled, word = token.text, token.text.lower()
        if word in ("and", "or"):
            self._fail(f"{spelled} needs an expression on its left", token.pos)
        if word in ("service", "edge"):
            return self._service_or_edge(token, word)
        if word == "id":
            self._fail("id(...) names a service: use it inside service(...) or edge(...)", token.pos)
        if word.startswith("annotation."):
            return self._annotation(token)
        if word == "annotation":
            self._fail("annotation needs a key: annotation.KEY", token.pos)
        if word == "rootcause.json":
            return self._root_cause_json(token)
        if word.startswith("rootcause."):
            return self._root_cause(token)
        keyword = Word(word, spelled)
        if word in BOOLEAN_KEYWORDS:
            return self._boolean(keyword)
        if word in NUMBER_KEYWORDS:
            return self._number_keyword(keyword, token)
        if word in STRING_KEYWORDS:
            return self._string_keyword(keyword, "string", STRING_OPS)
        if word in GROUP_KEYWORDS:
            if not self._is(self._peek, *EQUALITY_OPS):
                self._fail(f"{spelled} takes = or != and a group name or ARN", self._peek.pos)
            return self._string_keyword(keyword, "group", EQUALITY_OPS)
        self._fail(
            f"unknown keyword {spelled!r} (known: {', '.join(_KNOWN)}, annotation.KEY, service(), edge(), "
            "rootcause.<fault|error|responsetime>.<service|entity|exception> { }, rootcause.json)",
            token.pos,
        )

    # -- keywords ------------------------------------------------------------------------------------------
    def _operator(self, spelled: str, allowed: tuple[str, ...]) -> Word:
        token = self._next()
        op = token.text.upper() if token.kind == "ident" else token.text
        if token.kind not in ("op", "ident") or op not in allowed:
            self._fail(f"{spelled} takes one of {' '.join(allowed)}, found {token.text or 'the end'!r}", token.pos)
        return Word(op, token.text)

    def _peek_operator(self, allowed: tuple[str, ...]) -> bool:
        token = self._peek
        op = token.text.upper() if token.kind == "ident" else token.text
        return token.kind in ("op", "ident") and op in allowed

    def _boolean(self, keyword: Word) -> Node:
        if self._is(self._peek, *EQUALITY_OPS):
            op = self._operator(keyword.spelled, EQUALITY_OPS)
            value = self._next()
            if value.kind != "ident" or value.text.lower() not in ("true", "false"):
                self._fail(f"{keyword.spelled} is a boolean keyword: compare it with true or false", value.pos)
            return Compare(keyword, "boolean", op, Value("bool", value.text, value.text.lower()))
        if self._is(self._peek, "<", "<=", ">", ">="):
            self._fail(
                f"{keyword.spelled} is a boolean keyword: {self._peek.text} does not apply (use {keyword.spelled}, "
                f"!{keyword.spelled}, {keyword.spelled} = true or {keyword.spelled} = false)",
                self._peek.pos,
            )
        return Bare(keyword, "boolean")

    def _number_keyword(self, keyword: Word, token: _Token) -> Node:
        if keyword.canonical == "coverage" and self.root_cause != "responsetime":
            self._fail("coverage applies only to response-time root causes (inside rootcause.responsetime.* "
                       "{ ... })", token.pos)
        if not self._peek_operator(NUMBER_OPS):
            self._fail(f"{keyword.spelled} is a number keyword: compare it with one of {' '.join(NUMBER_OPS)}",
                       self._peek.pos)
        op = self._operator(keyword.spelled, NUMBER_OPS)
        value = self._next()
        if value.kind != "number":
            self._fail(f"{keyword.spelled} is a number keyword: {op.spelled} needs a number", value.pos)
        return Compare(keyword, "number", op, number_value(value.text))

    def _string_keyword(self, keyword: Word, kind: str, allowed: tuple[str, ...]) -> Node:
        if not self._peek_operator(NUMBER_OPS + STRING_OPS):
            return Bare(keyword, kind)  # "is set": the guide's `http.url AND responseTime > 2`
        op = self._operator(keyword.spelled, allowed)
        return Compare(keyword, kind, op, self._string_operand(keyword.spelled, op.spelled))

    def _string_operand(self, spelled: str, op: str) -> Value:
        value = self._next()
        if value.kind == "string":
            return Value("string", value.text, quote(value.value))
        # The guide's own `rootcause.fault.service { inferred and name = traces and ... }` leaves a string
        # unquoted although the same page says values are always quoted: accept a plain word, render it as written.
        if value.kind == "ident" and "." not in value.text and self._upper(value) not in ("AND", "OR", "TRUE", "FALSE"):
            return Value("word", value.text, quote(value.text))
        self._fail(f"{spelled} is a string keyword: {op} needs a double-quoted string", value.pos)

    def _annotation(self, token: _Token) -> Node:
        key = token.text.split(".", 1)[1]
        if re.fullmatch(ANNOTATION_KEY_PATTERN, key) is None:
            self._fail(f"annotation key must be letters, digits and underscores only, got {key!r}", token.pos)
        keyword = Word(f"annotation.{key}", token.text)
        if not self._peek_operator(NUMBER_OPS + STRING_OPS):
            return Bare(keyword, "annotation")
        op = self._operator(token.text, NUMBER_OPS + STRING_OPS)
        value = self._peek
        if value.kind == "number":
            if op.canonical not in NUMBER_OPS:
                self._fail(f"{op.spelled} needs a double-quoted string", value.pos)
            self._next()
            return Compare(keyword, "annotation", op, number_value(value.text))
        if value.kind == "ident" and value.text.lower() in ("true", "false"):
            if op.canonical not in EQUALITY_OPS:
                self._fail(f"{op.spelled} does not apply to true/false", value.pos)
            self._next()
            return Compare(keyword, "annotation", op, Value("bool", value.text, value.text.lower()))
        if value.kind == "string":
            if op.canonical in ("<", "<=", ">", ">="):
                self._fail(f"{op.spelled} needs a number", value.pos)
            self._next()
            return Compare(keyword, "annotation", op, Value("string", value.text, quote(value.value)))
        self._fail("expected a value (true, false, a number or a double-quoted string)", value.pos)

    def _ref(self) -> Ref:
        token = self._next()
        if token.kind == "string":
            return Value("string", token.text, quote(token.value))
        if token.kind == "ident" and token.text.lower() == "id":
            self._expect("(")
            fields: list[tuple[Word, Value]] = []
            seen: set[str] = set()
            while True:
                field = self._next()
                name = field.text.lower()
                if field.kind != "ident" or name not in ID_FIELDS or name in seen:
                    what = "again" if name in seen else f"{field.text or 'the end'!r}"
                    self._fail(f"id() takes name:, type: and account.id: (each at most once), found {what}",
                               field.pos)
                seen.add(name)
                self._expect(":")
                value = self._next()
                if value.kind != "string":
                    self._fail(f"id() {field.text}: needs a double-quoted string", value.pos)
                fields.append((Word(name, field.text), Value("string", value.text, quote(value.value))))
                if not self._is(self._peek, ","):
                    break
                self._next()
            self._expect(")")
            return Id(tuple(fields))
        self._fail("expected a double-quoted service name or id(...)", token.pos)

    def _service_or_edge(self, token: _Token, word: str) -> Node:
        self._expect("(")
        refs: list[Ref] = []
        if word == "service":
            if not self._is(self._peek, ")"):
                refs.append(self._ref())
        else:
            refs.append(self._ref())
            self._expect(",")
            refs.append(self._ref())
        self._expect(")")
        return Block(Word(word, token.text), tuple(refs), self._optional_block())

    def _optional_block(self) -> Node | None:
        if not self._is(self._peek, "{"):
            return None
        self._next()
        inner = self._expression()
        self._expect("}")
        return inner

    def _root_cause(self, token: _Token) -> Node:
        parts = token.text.lower().split(".")
        kinds = {k.value: k for k in RootCauseKind}
        entities = {e.value: e for e in RootCauseEntity}
        if len(parts) != 3 or parts[1] not in kinds or parts[2] not in entities:
            self._fail(
                f"unknown keyword {token.text!r}: use rootcause.<{'|'.join(kinds)}>.<{'|'.join(entities)}> "
                "{ ... } or rootcause.json",
                token.pos,
            )
        if parts[1] == "responsetime" and parts[2] == "exception":
            self._fail("rootcause.responsetime has no exception block (response-time root causes have no "
                       "exceptions)", token.pos)
        if not self._is(self._peek, "{"):
            self._fail(f"{token.text} needs a {{ filter }} block", self._peek.pos)
        outer, self.root_cause = self.root_cause, parts[1]
        inner = self._optional_block()
        self.root_cause = outer
        return Block(Word(".".join(parts), token.text), None, inner)

    def _root_cause_json(self, token: _Token) -> Node:
        op = self._operator(token.text, EQUALITY_OPS)
        value = self._next()
        if value.kind != "json":
            self._fail(f"{token.text} {op.spelled} takes #[...], a JSON array of root causes", value.pos)
        canonical = "#" + json.dumps(json.loads(value.text[1:]))
        return Compare(Word("rootcause.json", token.text), "json", op, Value("json", value.text, canonical))


def number_value(text: str) -> Value:
    return Value("number", text, number_text("a number", float(text) if "." in text else int(text)))
