"""Find every Python example the project shows its users, and run one with its claims checked.

Where examples live:

- fenced ```` ```python ```` blocks in ``README.md`` and ``docs/*.md`` (other fences, ```` ```bash ```` or bare
  ```` ``` ````, are not Python and are not collected);
- in the docstrings of the public API, ``Example::`` blocks (the indented lines after a line that is exactly
  ``Example::``) and inline ``Example:: ``code````. The public API is the module ``constructs_lib`` and its
  submodules whose names do not start with ``_``, and for each, the names it exports (``__all__``, else its public
  names defined in it), wherever they are defined, with their public methods and properties.

A block that is deliberately not runnable (a fragment, pseudo-code) starts with the line ``# not run: <why>``; it
is collected and reported as skipped with that reason.

What an example claims is checked. A top-level expression statement whose trailing comment starts with a Python
literal (``str(f)   # 'fault AND ok'``, ``is_excluded(x)   # True``, ``.total_usd   # 12.46``) or with a dotted name
the example can see (``# TraceGroupKind.FAULT``) must evaluate to it: a float to the literal's decimals, a string
literal compared with ``str(value)``. Prose may follow the literal after ``,`` ``:`` ``;`` or ``(``
(``# True: "/orders/42"``). A ``TraceFilter`` value must render as its comment when the comment is a filter
expression (``F.response_time() > 2   # responsetime > 2``; ``# validates the text`` is prose, no claim).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import io
import math
import pkgutil
import re
import textwrap
import tokenize
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "constructs_lib"
DOCS = ("README.md", "docs/*.md")
NOT_RUN = re.compile(r"#\s*not run\s*:\s*(?P<why>.+)")
_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_PYTHON_FENCES = {"python", "py", "python3"}


@dataclass(frozen=True)
class Example:
    """One example: where it is (``path`` relative to the project, 1-based ``line`` of its first code line), the
    public name whose docstring holds it (``None`` in Markdown), its code, and why it is not run (or ``None``)."""

    path: str
    line: int
    code: str
    owner: str | None = None
    not_run: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}" + (f" ({self.owner})" if self.owner else "")


# -- collecting ----------------------------------------------------------------------------------------------
def collect() -> list[Example]:
    """Every example of the README, docs and public docstrings, in file order."""
    examples: list[Example] = []
    for pattern in DOCS:
        for path in sorted(ROOT.glob(pattern)):
            examples.extend(markdown_examples(path))
    examples.extend(docstring_examples())
    return examples


def markdown_examples(path: Path, *, root: Path = ROOT) -> Iterator[Example]:
    """The fenced Python blocks of one Markdown file (``path`` reported relative to ``root``)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    relative = path.relative_to(root).as_posix()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], opening["indent"]
        language = (opening["info"].split() or [""])[0].lower()
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        if language in _PYTHON_FENCES:
            body = [line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[index + 1:end]]
            yield _example(relative, index + 2, "\n".join(body), None)
        index = end + 1


def docstring_examples() -> Iterator[Example]:
    """The ``Example::`` blocks of the public API's docstrings, each once (re-exports share a docstring)."""
    seen: set[tuple[str, int]] = set()
    for module_name, qualname in public_names():
        module = importlib.import_module(module_name)
        source = inspect.getsourcefile(module)
        if source is None:
            continue
        docstrings = _docstrings(Path(source))
        if qualname not in docstrings:
            continue
        first_line, text = docstrings[qualname]
        relative = Path(source).resolve().relative_to(ROOT).as_posix()
        for offset, code in _literal_blocks(text):
            if (relative, first_line + offset) in seen:
                continue
            seen.add((relative, first_line + offset))
            owner = f"{module_name}.{qualname}" if qualname else module_name
            yield _example(relative, first_line + offset, code, owner)


def public_names() -> list[tuple[str, str]]:
    """``(defining module, qualified name)`` of every public name with its own docstring; ``""`` is the module."""
    package = importlib.import_module(PACKAGE)
    modules: list[ModuleType] = [package] + [  # every public module, subpackages' modules included
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}.")
        if not any(part.startswith("_") for part in info.name.split("."))
    ]
    found: list[tuple[str, str]] = []
    for module in modules:
        found.append((module.__name__, ""))
        exported = getattr(module, "__all__", None)
        names = exported if exported is not None else [
            name for name in vars(module) if not name.startswith("_")
            and getattr(vars(module)[name], "__module__", None) == module.__name__
        ]
        for name in names:
            value = getattr(module, name)
            defined_in = getattr(value, "__module__", "") or ""
            if not (inspect.isclass(value) or inspect.isfunction(value)) or not defined_in.startswith(PACKAGE):
                continue  # constants and re-exported third-party names carry no docstring of ours
            found.append((defined_in, value.__qualname__))
            if inspect.isclass(value):
                for member, attribute in vars(value).items():
                    if member.startswith("_") and member != "__init__":
                        continue
                    if isinstance(attribute, (staticmethod, classmethod, property)) or inspect.isfunction(attribute):
                        found.append((defined_in, f"{value.__qualname__}.{member}"))
    return list(dict.fromkeys(found))


def _docstrings(path: Path) -> dict[str, tuple[int, str]]:
    """Qualified name -> (line of the docstring's opening quotes, raw docstring text), for one source file."""
    return _DOCSTRINGS.setdefault(path, _read_docstrings(path))


_DOCSTRINGS: dict[Path, dict[str, tuple[int, str]]] = {}


def _read_docstrings(path: Path) -> dict[str, tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, tuple[int, str]] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            found[prefix] = (body[0].value.lineno, body[0].value.value)
        for child in body:
            if isinstance(child, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, f"{prefix}.{child.name}" if prefix else child.name)

    visit(tree, "")
    return found


def _literal_blocks(docstring: str) -> Iterator[tuple[int, str]]:
    """``(line offset in the docstring, code)`` of each example: an ``Example::`` literal block (the indented lines
    after a line that is exactly ``Example::``), or inline, ``Example:: ``code``.``"""
    lines = docstring.splitlines()
    index = 0
    while index < len(lines):
        inline = _INLINE.search(lines[index])
        if inline is not None:
            yield index, inline["code"]
        if lines[index].strip() != "Example::":
            index += 1
            continue
        start = index + 1
        while start < len(lines) and not lines[start].strip():
            start += 1
        marker_indent = len(lines[index]) - len(lines[index].lstrip())
        end = start
        while end < len(lines) and (
            not lines[end].strip() or len(lines[end]) - len(lines[end].lstrip()) > marker_indent
        ):
            end += 1
        if start < end:
            yield start, textwrap.dedent("\n".join(lines[start:end])).strip("\n")
        index = end


_INLINE = re.compile(r"Example::\s*``(?P<code>.+?)``")


def _example(path: str, line: int, code: str, owner: str | None) -> Example:
    first = code.strip().splitlines()[0] if code.strip() else ""
    skip = NOT_RUN.fullmatch(first.strip())
    return Example(path=path, line=line, code=code, owner=owner, not_run=skip["why"].strip() if skip else None)


# -- running ---------------------------------------------------------------------------------------------------
class ClaimMismatch(AssertionError):
    """An example's comment claims a value the code does not produce."""


def run(example: Example, namespace: MutableMapping[str, Any]) -> int:
    """Run ``example`` statement by statement in ``namespace``, checking every claim; the number of claims checked.

    Errors point at the documentation line (the code is compiled with the documentation's path and line numbers).
    """
    tree = ast.parse(example.code, filename=example.path)
    ast.increment_lineno(tree, example.line - 1)
    comments = _comments(example.code, example.line)
    checked = 0
    for statement in tree.body:
        comment = comments.get(statement.end_lineno or statement.lineno)
        if isinstance(statement, ast.Expr) and comment is not None:
            value = eval(_compile(ast.Expression(statement.value), example.path, "eval"), namespace)
            if _check_claim(value, comment, namespace, f"{example.path}:{statement.lineno}"):
                checked += 1
            continue
        exec(_compile(ast.Module([statement], type_ignores=[]), example.path, "exec"), namespace)
    return checked


def _compile(node: ast.mod, path: str, mode: str) -> CodeType:
    return compile(ast.fix_missing_locations(node), path, mode)


def _comments(code: str, first_line: int) -> dict[int, str]:
    """Comment text by documentation line number."""
    found: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type == tokenize.COMMENT:
            found[token.start[0] + first_line - 1] = token.string[1:].strip()
    return found


def claimed_value(comment: str, namespace: MutableMapping[str, Any]) -> tuple[bool, Any]:
    """``(True, value)`` when ``comment`` starts with a Python literal, or with a dotted name such as
    ``TraceGroupKind.FAULT`` that the namespace already holds, standing alone or followed by prose after ``,`` ``:``
    ``;`` or ``(``; ``(False, None)`` otherwise (``# 1 + 0.05 x 19`` claims nothing)."""
    try:
        tokens = [t for t in tokenize.generate_tokens(io.StringIO(comment).readline)
                  if t.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.ENDMARKER)]
    except (tokenize.TokenError, SyntaxError):
        return False, None
    if not tokens:
        return False, None
    first = tokens[0]
    dotted = False
    if first.type == tokenize.OP and first.string in "[({":
        depth, end = 0, None
        for token in tokens:
            if token.type == tokenize.OP and token.string in "[({":
                depth += 1
            elif token.type == tokenize.OP and token.string in "])}":
                depth -= 1
                if depth == 0:
                    end = token
                    break
        if end is None:
            return False, None
        stop = end.end[1]
    elif first.type in (tokenize.STRING, tokenize.NUMBER) or (
        first.type == tokenize.NAME and first.string in ("True", "False", "None")
    ):
        stop = first.end[1]
    elif first.type == tokenize.OP and first.string == "-" and len(tokens) > 1 and tokens[1].type == tokenize.NUMBER:
        stop = tokens[1].end[1]
    elif first.type == tokenize.NAME:
        count = 1
        while count + 1 < len(tokens) and tokens[count].string == "." and tokens[count + 1].type == tokenize.NAME:
            count += 2
        if count == 1:
            return False, None
        dotted, stop = True, tokens[count - 1].end[1]
    else:
        return False, None
    text, rest = comment[:stop], comment[stop:]
    if rest.strip() and rest.lstrip()[0] not in ",:;(":
        return False, None
    if dotted:
        head, *attributes = text.split(".")
        if head not in namespace:
            return False, None
        value = namespace[head]
        for attribute in attributes:
            if not hasattr(value, attribute):
                return False, None
            value = getattr(value, attribute)
        return True, value
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return False, None


def _check_claim(value: Any, comment: str, namespace: MutableMapping[str, Any], where: str) -> bool:
    """Check what ``comment`` claims about ``value``; False when it claims nothing checkable."""
    from constructs_lib.filters import TraceFilter

    is_claim, claimed = claimed_value(comment, namespace)
    if is_claim:
        actual: Any = value
        if isinstance(claimed, str):
            actual = value if isinstance(value, str) else str(value)
            ok = actual == claimed
        elif isinstance(claimed, bool) or claimed is None:
            ok = value is claimed
        elif isinstance(claimed, float) and isinstance(value, (int, float)) and not isinstance(value, bool):
            decimals = len(repr(claimed).partition(".")[2]) if "e" not in repr(claimed) else 12
            ok = math.isclose(round(value, decimals), claimed)
        elif isinstance(value, TraceFilter):
            actual, ok = str(value), False
        else:
            ok = bool(value == claimed) and not isinstance(value, bool)
        if not ok:
            raise ClaimMismatch(f"{where}: the comment claims {claimed!r}, the code gives {actual!r}")
        return True
    if isinstance(value, TraceFilter) and _is_filter_expression(comment):
        if str(value) != comment:
            raise ClaimMismatch(f"{where}: the comment shows {comment!r}, the filter renders {str(value)!r}")
        return True
    return False


def _is_filter_expression(text: str) -> bool:
    """True when ``text`` is a filter expression (then a comment shows a rendering), not prose."""
    from constructs_lib.filters import FilterExpressionError, TraceFilter

    try:
        TraceFilter.parse(text)
    except (FilterExpressionError, ValueError):
        return False
    return True
