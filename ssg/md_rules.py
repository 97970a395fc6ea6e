"""Faster equivalents of hot markdown-it-py rules (same tokens, same HTML).

Each function here reproduces what a built-in rule of markdown-it-py does for a
common, easily recognised input shape and hands every other input to the
built-in rule, so the output is exactly markdown-it's.  The shapes were chosen
from the real content/ profile: links like ``[Name](../authors/a1b2.md)``,
bracketed text that is no link (``[PATCH v2 1/3]``), lore URLs, block rules
tried on lines that cannot start them.  Adapted from markdown-it-py (MIT
licence, © ExecutableBookProjects); ``tests/test_md_rules.py`` compares the
result with plain markdown-it (``md_pipeline.make_markdown(fast=False)``).
"""

from __future__ import annotations

import re
from typing import Callable

from markdown_it import MarkdownIt, rules_block, rules_core
from markdown_it.rules_inline import text as text_rule

_LABEL_END = re.compile(r"[^\[\]\\`<{]*(?:\\.[^\[\]\\`<{]*)*\]", re.S)
"""A link label whose end is its first unescaped ``]`` (no nesting, code, autolink or attrs).

The ``escape`` rule consumes a backslash and the character after it (more for
a hard break, never a ``]``), whatever that character is."""
_PLAIN_DEST = re.compile(r"[^\s()<>\\&\x00-\x1f\x7f]+\)")
"""``dest)``: a destination that ``parseLinkDestination`` takes verbatim (no escapes, entities, parens)."""


def fast_link(original: Callable) -> Callable:
    """The ``link`` rule, short-cutting ``[label](dest)`` and ``[text]`` without references.

    For a label matching ``_LABEL_END`` markdown-it's label parser stops at the
    first ``]``; then either no ``(`` follows (no link unless references exist),
    or a plain destination and ``)`` follow, which the built-in rule turns into
    ``href = normalizeLink(dest)`` with no title.  Anything else goes to
    ``original`` (markdown-it's rule).
    """
    def link(state, silent: bool) -> bool:
        src = state.src
        pos = state.pos
        if src[pos] != "[":
            return False
        maximum = state.posMax
        label = _LABEL_END.match(src, pos + 1, maximum)
        if label is None:
            return original(state, silent)
        label_end = label.end() - 1
        after = label_end + 1
        if after >= maximum or src[after] != "(":
            if "references" in state.env:
                return original(state, silent)
            return False
        dest = _PLAIN_DEST.match(src, after + 1, maximum)
        if dest is None:
            return original(state, silent)
        href = state.md.normalizeLink(src[after + 1:dest.end() - 1])
        if not state.md.validateLink(href):
            return original(state, silent)
        if not silent:
            _push_link(state, pos + 1, label_end, href)
        state.pos = dest.end()
        state.posMax = maximum
        return True
    return link


def _push_link(state, label_start: int, label_end: int, href: str) -> None:
    """The tokens of a link with ``href`` around its tokenized label (as markdown-it's rule)."""
    maximum = state.posMax
    state.pos = label_start
    state.posMax = label_end
    token = state.push("link_open", "a", 1)
    token.attrs = {"href": href}
    parser = state.md.inline
    if parser.terminator_re.search(state.src, label_start, label_end) is None and \
            parser.ruler.getRules("")[0] is text_rule:
        # all of the label is one run for the ``text`` rule: what ``tokenize`` would do
        if label_end > label_start:
            state.append_pending(state.src[label_start:label_end])
            state.pushPending()
    else:
        state.linkLevel += 1
        parser.tokenize(state)
        state.linkLevel -= 1
    state.push("link_close", "a", -1)
    state.posMax = maximum


# --- link normalisation -------------------------------------------------------------

_PLAIN_URL = re.compile(r"https?://[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,3}(?:/[A-Za-z0-9;/:@=+$,\-_.!~*']*)?\Z")
"""An http(s) URL that ``normalizeLink`` returns unchanged: an ASCII lower-case host
(at most 255 characters, nothing to punycode, no port or user) and a path of
characters ``mdurl.encode`` keeps, with no ``%``, ``?`` or ``#``."""


def fast_normalize(original: Callable[[str], str]) -> Callable[[str], str]:
    """``normalizeLink`` answering plain http(s) URLs (mostly unique, so never cached) at once."""
    def normalize_link(url: str) -> str:
        return url if _PLAIN_URL.match(url) else original(url)
    return normalize_link


# --- core rules ---------------------------------------------------------------------

def normalize(state) -> None:
    """markdown-it's ``normalize`` (CR LF and CR → LF, NUL → U+FFFD), skipping the regexes on text without CR or NUL."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


# --- block rules --------------------------------------------------------------------

_FIRST_CHARS = {"fence": (rules_block.fence, "`~"), "blockquote": (rules_block.blockquote, ">"),
                "hr": (rules_block.hr, "*-_"), "list": (rules_block.list_block, "*-+0123456789"),
                "reference": (rules_block.reference, "["), "heading": (rules_block.heading, "#")}
"""Built-in block rules that only match a line starting (after indentation) with one of these."""


def first_char_guard(rule: Callable, chars: str) -> Callable:
    """``rule``, answered "no" at once for a line that does not start with one of ``chars``.

    Block rules are tried at every line, and again for every paragraph line to
    see whether it ends the paragraph; most of those calls fail on the first
    character (after a debug log call).
    """
    def guarded(state, start_line: int, end_line: int, silent: bool) -> bool:
        pos = state.bMarks[start_line] + state.tShift[start_line]
        if pos >= state.eMarks[start_line] or state.src[pos] not in chars:
            return False
        return rule(state, start_line, end_line, silent)
    return guarded


def _guard_block_rules(md: MarkdownIt) -> None:
    ruler = md.block.ruler
    for name, (default, chars) in _FIRST_CHARS.items():
        index = ruler.__find__(name)
        if index >= 0 and ruler.__rules__[index].fn is default:
            ruler.at(name, first_char_guard(default, chars), {"alt": list(ruler.__rules__[index].alt)})


def speed_up(md: MarkdownIt) -> MarkdownIt:
    """Install the faster rules on ``md`` (after its rules and plugins are set up)."""
    link_rule = md.inline.ruler.__rules__[md.inline.ruler.__find__("link")].fn
    md.inline.ruler.at("link", fast_link(link_rule))
    md.normalizeLink = fast_normalize(md.normalizeLink)
    _guard_block_rules(md)
    core = md.core.ruler
    if core.__find__("normalize") >= 0 and core.__rules__[core.__find__("normalize")].fn is rules_core.normalize:
        core.at("normalize", normalize)
    return md
