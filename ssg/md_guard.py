"""What markdown-it-pyrs is given, and how its failures are kept in.

``md_native`` trusts markdown-it-pyrs only with text in which none of the
constructs appear on which it was seen to differ from markdown-it-py (the
reference): ``plain_enough`` looks for them with cheap scans.  ``tree`` builds
the syntax tree and turns a Rust panic into None, its message kept off stderr.
Without the package (no wheel for the platform) ``available`` is false and every
page goes to markdown-it-py.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

try:
    import markdown_it_pyrs
except ImportError:  # pragma: no cover - no wheel for this platform
    markdown_it_pyrs = None

RULES = ("blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
         "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline",
         "table", "front_matter")
"""CommonMark without raw HTML (html is off in ``md_pipeline.make_markdown``), tables, front matter."""
_QUOTE_LINE = re.compile(r"\n[ \t]*>")
_LAZY = re.compile(r"^[ \t]*>[^\n]*\n(?![ \t]*(?:>|\n|$))", re.M)
"""A quote line followed by an unquoted one: lazy continuation, where the two parsers disagree on lists."""
_CODE_IN_LABEL = re.compile(r"\[[^\]\n]*`")
"""A backtick inside brackets: markdown-it-pyrs pairs code spans in link labels differently (or panics)."""
_DELIMITER_ROW = re.compile(r"\n[ \t]*[-:][-:| \t]*(?=\n|\Z)")
"""A line that could be a table delimiter row without a leading pipe."""
_ODD_SPACE = "\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007" \
             "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
"""Whitespace that Python's ``str.strip`` removes and markdown-it-pyrs keeps (markdown-it-py strips lines with it)."""
_parser = None


def available() -> bool:
    return markdown_it_pyrs is not None


def _md():
    global _parser
    if _parser is None:
        _parser = markdown_it_pyrs.MarkdownIt("zero").enable_many(list(RULES))
    return _parser


def plain_enough(text: str) -> bool:
    """No construct (found in the text) on which the two parsers are known to differ."""
    brace = text.find("{")
    while brace >= 0:
        if brace and text[brace - 1] in ")`>]":
            return False  # attributes after an inline element (attrs plugin)
        brace = text.find("{", brace + 1)
    if ">" in text and (text.lstrip(" \t").startswith(">") or _QUOTE_LINE.search(text)) and _LAZY.search(text):
        return False
    if "`" in text and _CODE_IN_LABEL.search(text):
        return False
    if "|" in text:
        for row in _DELIMITER_ROW.finditer(text):
            if "|" in text[text.rfind("\n", 0, row.start()) + 1:row.start()]:
                return False  # a table for one parser, not for the other
    return text.isascii() or not any(space in text for space in _ODD_SPACE)


def tree(text: str):
    """The syntax tree, or None when markdown-it-pyrs panics (it does on ``[`` then a lone backtick).

    A panic arrives as pyo3's PanicException (a BaseException); Rust prints its
    message on file descriptor 2 first, so that is pointed at /dev/null meanwhile.
    """
    saved = os.dup(2)
    try:
        os.dup2(_devnull(), 2)
        try:
            return _md().tree(text)
        finally:
            os.dup2(saved, 2)
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":
            raise
        return None
    finally:
        os.close(saved)


@lru_cache(maxsize=1)
def _devnull() -> int:
    return os.open(os.devnull, os.O_WRONLY)
