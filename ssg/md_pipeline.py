"""The Markdown pipeline: markdown-it-py with our plugins and rules, and our fences.

``make_markdown`` builds the one pipeline (CommonMark + tables, front matter, attrs,
anchors, ``{#id}`` headings, links checked and resolved through the render env);
``fence_html`` highlights diff, patch and diffstat fences with Pygments (``md_native``
uses it too).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Callable

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer

from ssg import md_rules
from ssg.lexers import DiffstatLexer, diffstat_html

_HEADING_ID = re.compile(r"^(.*?)[ \t]*\{#([A-Za-z0-9_][\w:.-]*)\}[ \t]*$", re.S)
_LANG = re.compile(r"[^a-z0-9_+-]")
_FORMATTER = HtmlFormatter(nowrap=True)
_LEXERS = {"diffstat": DiffstatLexer(), "diff": DiffLexer(), "patch": DiffLexer()}


def validate_link(url: str) -> bool:
    """markdown-it's check (no javascript:, vbscript:, file:) and no data: at all."""
    probe = url.strip().lower()
    return not probe.startswith(("javascript:", "vbscript:", "file:", "data:"))


def _heading_ids(state) -> None:
    """``## Title {#id}`` → ``<h2 id="id">Title</h2>`` (runs before inline parsing)."""
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and i + 1 < len(tokens):
            m = _HEADING_ID.match(tokens[i + 1].content)
            if m:
                tokens[i + 1].content = m.group(1)
                token.attrSet("id", m.group(2))


@lru_cache(maxsize=8192)
def _highlight(lang: str, code: str) -> str:
    """Pygments HTML of a fence body (the same diffstat shows up on several pages)."""
    return diffstat_html(code) if lang == "diffstat" else highlight(code, _LEXERS[lang], _FORMATTER)


def _fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    return fence_html(token.info, token.content)


def fence_html(info: str, content: str) -> str:
    """A fenced block: Pygments for diff, patch and diffstat, escaped text otherwise."""
    info = unescapeAll(info).strip().split(maxsplit=1)
    lang = _LANG.sub("", info[0].lower()) if info else ""
    lexer = _LEXERS.get(lang)
    cls = f' class="highlight lang-{lang}"' if lexer else (f' class="lang-{lang}"' if lang else "")
    body = _highlight(lang, content) if lexer else escapeHtml(content)
    return f"<pre{cls}><code>{body}</code></pre>\n"


def _with_resolved(attr: str, default):
    def rule(self, tokens, idx, options, env):
        token = tokens[idx]
        resolve = env.get("resolve") if env else None
        orig = token.attrGet(attr)
        if resolve is None or orig is None:
            return default(self, tokens, idx, options, env)
        token.attrSet(attr, resolve(str(orig)))
        try:
            return default(self, tokens, idx, options, env)
        finally:
            token.attrSet(attr, orig)
    return rule


def _at_document_start(rule: Callable) -> Callable:
    """The front matter rule, only where the text starts: the plugin also fires on a first
    list item whose text has ``--`` after its first character (``- a--``) and drops it."""
    def front_matter(state, start_line: int, end_line: int, silent: bool) -> bool:
        if state.bMarks[start_line] + state.tShift[start_line] != 0:
            return False
        return rule(state, start_line, end_line, silent)
    return front_matter


def make_markdown(fast: bool = True) -> MarkdownIt:
    """The one Markdown pipeline: CommonMark + tables, front matter, attrs, anchors, our fences.

    ``fast`` installs ``md_rules`` (same tokens and HTML, less time); without it
    the pipeline is plain markdown-it-py, which the tests use as the reference.
    """
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    md.use(front_matter_plugin).use(attrs_plugin, allowed=("id", "class"))
    front = md.block.ruler.__rules__[md.block.ruler.__find__("front_matter")]
    md.block.ruler.at("front_matter", _at_document_start(front.fn), {"alt": list(front.alt)})
    md.use(anchors_plugin, min_level=1, max_level=6)
    md.core.ruler.after("block", "heading_ids", _heading_ids)
    # html is off: these rules only ever answer "no"; the link normalisers are pure functions
    md.disable(["html_block", "html_inline"])
    md.normalizeLink = lru_cache(maxsize=16384)(md.normalizeLink)
    md.normalizeLinkText = lru_cache(maxsize=16384)(md.normalizeLinkText)
    md.validateLink = validate_link
    md.add_render_rule("fence", _fence)
    md.add_render_rule("link_open", _with_resolved("href", lambda s, t, i, o, e: s.renderToken(t, i, o, e)))
    image_default = md.renderer.rules["image"]
    md.add_render_rule("image", _with_resolved("src", lambda s, t, i, o, e: image_default(t, i, o, e)))
    return md_rules.speed_up(md) if fast else md
