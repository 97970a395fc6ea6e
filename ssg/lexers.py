"""Pygments lexers of our own: ``DiffstatLexer`` for ``git diff --stat`` output.

Registered through the ``pygments.lexers`` entry point (see pyproject.toml), so
``pygments.lexers.get_lexer_by_name("diffstat")`` and ``pygmentize -l diffstat``
find it.  Token choice, so that one stylesheet serves diff and diffstat alike:

- file paths: ``Name``; rename braces and arrows (``{a => b}``, ``old => new``,
  ``Bin 0 -> 12 bytes``): ``Operator``
- the ``|`` column: ``Punctuation``; change counts and byte counts: ``Number``
- the bar: ``Generic.Inserted`` for the run of ``+``, ``Generic.Deleted`` for ``-``
- ``Bin`` and ``bytes``: ``Keyword``
- the summary line: ``Generic.Strong`` words, ``Number`` counts, and
  ``Generic.Inserted`` / ``Generic.Deleted`` for ``insertions(+)`` / ``deletions(-)``
- ``create mode 100644 path`` and friends: ``Comment``

``diffstat_html`` gives what ``pygments.highlight`` gives for this lexer and
``HtmlFormatter(nowrap=True)``, line by line and remembering lines it has made
(diffstat lines repeat across pages): highlighting was a fifth of parsing a page.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pygments.lexer import Lexer
from pygments.token import (STANDARD_TYPES, Comment, Generic, Keyword, Name, Number, Operator,
                            Punctuation, Text, Whitespace)

__all__ = ["DiffstatLexer", "diffstat_html"]

_STAT_LINE = re.compile(
    r"^(?P<lead>[ \t]*)(?P<path>\S(?:.*?\S)?)(?P<gap>[ \t]*)(?P<bar>\|)(?P<rest>.*)$")
_COUNT = re.compile(r"^(?P<sp>[ \t]*)(?P<num>\d+)(?P<sp2>[ \t]*)(?P<plus>\+*)(?P<minus>-*)(?P<tail>[ \t]*)$")
_BIN = re.compile(
    r"^(?P<sp>[ \t]*)(?P<bin>Bin)(?P<sp2>[ \t]+)(?P<a>\d+)(?P<sp3>[ \t]*)(?P<arrow>->)"
    r"(?P<sp4>[ \t]*)(?P<b>\d+)(?P<sp5>[ \t]+)(?P<bytes>bytes)(?P<tail>[ \t]*)$")
_SUMMARY = re.compile(r"^[ \t]*\d+ files? changed\b")
_SUMMARY_PART = re.compile(
    r"(?P<num>\d+)|(?P<ins>insertions?\(\+\))|(?P<del>deletions?\(-\))|(?P<ws>[ \t]+)|(?P<word>[^\d\s]+)")
_MODE = re.compile(r"^[ \t]*(create|delete) mode \d+ |^[ \t]*mode change \d+ => \d+ |^[ \t]*rename .* \(\d+%\)$")
_PATH_PART = re.compile(r"(?P<op>=>|[{}])|(?P<ws>[ \t]+)|(?P<text>[^{}= \t]+|=)")


def _path_tokens(start: int, path: str):
    for m in _PATH_PART.finditer(path):
        if m.group("op"):
            yield start + m.start(), Operator, m.group()
        elif m.group("ws"):
            yield start + m.start(), Whitespace, m.group()
        else:
            yield start + m.start(), Name, m.group()


def _groups(start: int, m: re.Match, kinds: dict[str, object]):
    for name, kind in kinds.items():
        if m.group(name):
            yield start + m.start(name), kind, m.group(name)


def _line_tokens(pos: int, line: str):
    """Tokens of one line without its newline."""
    if _SUMMARY.match(line):
        for m in _SUMMARY_PART.finditer(line):
            kind = (Number if m.group("num") else Generic.Inserted if m.group("ins")
                    else Generic.Deleted if m.group("del") else Whitespace if m.group("ws")
                    else Generic.Strong)
            yield pos + m.start(), kind, m.group()
        return
    stat = _STAT_LINE.match(line)
    rest_ok = stat and (_COUNT.match(stat.group("rest")) or _BIN.match(stat.group("rest")))
    if stat and rest_ok:
        yield from _groups(pos, stat, {"lead": Whitespace})
        yield from _path_tokens(pos + stat.start("path"), stat.group("path"))
        yield from _groups(pos, stat, {"gap": Whitespace, "bar": Punctuation})
        rest_at = pos + stat.start("rest")
        count = _COUNT.match(stat.group("rest"))
        if count:
            yield from _groups(rest_at, count, {"sp": Whitespace, "num": Number, "sp2": Whitespace,
                                                "plus": Generic.Inserted, "minus": Generic.Deleted,
                                                "tail": Whitespace})
        else:
            yield from _groups(rest_at, rest_ok, {
                "sp": Whitespace, "bin": Keyword, "sp2": Whitespace, "a": Number, "sp3": Whitespace,
                "arrow": Operator, "sp4": Whitespace, "b": Number, "sp5": Whitespace,
                "bytes": Keyword, "tail": Whitespace})
        return
    body = line.lstrip(" \t")
    lead = len(line) - len(body)
    if lead:
        yield pos, Whitespace, line[:lead]
    if body:
        yield pos + lead, Comment if _MODE.match(line) else Text, body


class DiffstatLexer(Lexer):
    """Lexer for ``git diff --stat`` / ``diffstat`` output, renames and binaries included."""

    name = "Diffstat"
    aliases = ["diffstat"]
    filenames = ["*.diffstat"]
    mimetypes = ["text/x-diffstat"]
    url = "https://git-scm.com/docs/git-diff#Documentation/git-diff.txt---statltwidthgtltname-widthgtltcountgt"

    def get_tokens_unprocessed(self, text: str):
        pos = 0
        for line in text.splitlines(keepends=True):
            body = line.rstrip("\r\n")
            yield from _line_tokens(pos, body)
            if len(line) > len(body):
                yield pos + len(body), Whitespace, line[len(body):]
            pos += len(line)

    @staticmethod
    def analyse_text(text: str) -> float:
        """High when the text ends with a ``N files changed`` summary line."""
        return 0.9 if re.search(r"^\s*\d+ files? changed, ", text, re.M) else 0.0


def diffstat_html(text: str) -> str:
    """``pygments.highlight(text, DiffstatLexer(), HtmlFormatter(nowrap=True))``, faster.

    The lexer's input is prepared as Pygments prepares it (byte order mark dropped, line
    breaks made ``\\n``, blank lines at both ends dropped, one newline at the end).  Each
    line is then formatted alone: HtmlFormatter closes every span at a newline, and the
    lexer's tokens for a line do not depend on the lines around it."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return "".join(map(_line_html, text.split("\n")))


@lru_cache(maxsize=1 << 14)
def _line_html(line: str) -> str:
    """One line's HTML, its newline included: HtmlFormatter's ``_format_lines`` for a token
    stream with no newline but the last (same-class tokens share a span; class "" has none)."""
    out: list[str] = []
    open_ = ""
    for _, kind, value in _LEXER.get_tokens_unprocessed(line + "\n"):
        if value == "\n":
            break
        if not value:
            continue
        span = _span(kind)
        value = value.translate(_ESCAPES)
        if out and span == open_:
            out.append(value)
        else:
            out += [open_ and "</span>", span, value] if out else [span, value]
            open_ = span
    return "".join(out) + (open_ and "</span>" if out else "") + "\n"


@lru_cache(maxsize=None)
def _span(kind) -> str:
    """The opening tag HtmlFormatter writes for a token type (none for plain text)."""
    while kind not in STANDARD_TYPES:
        kind = kind.parent
    return f'<span class="{STANDARD_TYPES[kind]}">' if STANDARD_TYPES[kind] else ""


def _escapes() -> dict[int, str]:
    """How HtmlFormatter escapes text (Pygments 2.21 leaves quotes as they are; 2.17 did not)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    return str.maketrans({c: highlight(c, _LEXER, HtmlFormatter(nowrap=True))[:-1] for c in "&<>\"'"})


_LEXER = DiffstatLexer()
_ESCAPES = _escapes()
