"""Page bodies through markdown-it-pyrs, the Rust port of markdown-it, when the text allows.

markdown-it-py spends most of a build tokenizing in pure Python.  markdown-it-pyrs
(same maintainers, Rust) builds the syntax tree of a page about ten times faster.
``parse`` turns that tree into exactly what ``pages.parse_text`` makes with
markdown-it-py: the same body HTML (our fences, ``{#id}`` heading ids, GitHub-style
heading anchors, link targets left as holes), the same anchors, links with their
lines, and table of contents.  Text ``md_guard`` does not trust it with, and whatever
the tree cannot reproduce exactly (link schemes we refuse; a ``{#`` in a heading that
is not a plain trailing id; emphasis delimiters left unpaired or next to non-ASCII;
a node we do not know), makes ``parse`` answer None, and the caller uses
markdown-it-py.  ``tests/test_md_native.py`` holds the two paths to the same output
on generated and real pages.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from markdown_it.common.utils import escapeHtml
from mdit_py_plugins.anchors.index import slugify, unique_slug

from ssg import md_guard

_FREE_UNDERSCORE = re.compile(r"(?<!\w)_|_(?!\w)")
"""An ``_`` not inside a word: left in a text node, a delimiter the parsers may pair differently."""
_HEADING_ID = re.compile(r"[ \t]*\{#([A-Za-z0-9_][\w:.-]*)\}[ \t]*$")
_INLINE = frozenset({"text", "text_special", "softbreak", "hardbreak", "em", "strong", "code_inline",
                     "link", "image", "autolink"})
_OWN_RULE = frozenset({"fence", "code_block"})
"""Blocks markdown-it renders with their own rule, not ``renderToken`` (no newline after a hidden token)."""
_ALIGN = {"left": ' style="text-align:left"', "right": ' style="text-align:right"',
          "center": ' style="text-align:center"'}


class _Unsupported(Exception):
    """The page uses something only markdown-it-py renders exactly."""


def parse(text: str, fence: Callable[[str, str], str], valid_link: Callable[[str], bool]) -> dict[str, Any] | None:
    """Front matter text, body parts and hrefs, anchors, links, toc of ``text``; None: use markdown-it-py.

    ``text`` is already normalised (LF line ends, no NUL); ``fence(info, content)``
    is the HTML of a fenced block; ``valid_link(url)`` is markdown-it-py's link check
    (markdown-it-pyrs lets some links through that it refuses, ``data:`` images).
    """
    if not md_guard.available() or not md_guard.plain_enough(text):
        return None
    tree = md_guard.tree(text)
    if tree is None:
        return None
    try:
        return _Walk(text, fence, valid_link).run(tree)
    except _Unsupported:
        return None


def _content(node) -> list:
    """A container's children without link reference definitions (markdown-it makes no token of them)."""
    return [child for child in node.children if child.name != "definition"]


def _text(node) -> str:
    """A text node's content; a delimiter left in it is where the two parsers may pair differently."""
    content = node.meta["content"]
    if "*" in content or ("_" in content and _FREE_UNDERSCORE.search(content)):
        raise _Unsupported("emphasis left open")
    return content


def _text_of(nodes, breaks: bool, nested: bool = False) -> str:
    """Text of inline nodes as markdown-it-py joins it: heading titles (no breaks, no images) or image
    alts; inside an image in an alt (``nested``) escapes and entities are left out, as it does."""
    out = []
    for child in nodes:
        name = child.name
        if name == "text":
            out.append(_text(child))
        elif name == "text_special":
            if not nested:
                out.append(child.meta["content"])
        elif name == "code_inline":
            out.append("".join(c.meta["content"] for c in child.children))
        elif name in ("softbreak", "hardbreak"):
            if breaks:
                out.append("\n")
        elif name != "image" or breaks:
            out.append(_text_of(child.children, breaks, nested or name == "image"))
    return "".join(out)


class _Walk:
    """One page's tree → HTML pieces (``None`` marks a link hole) and facts."""

    def __init__(self, text: str, fence: Callable[[str, str], str], valid_link: Callable[[str], bool]) -> None:
        self.data = text.encode("utf-8")
        self.fence = fence
        self.valid_link = valid_link
        self.out: list[Any] = []
        self.hrefs: list[str] = []
        self.links: list[tuple[str, int]] = []
        self.headings: list[tuple[int, str, str, int]] = []
        """(index in ``out``, explicit id or "", title, level) of each heading."""
        self.front: str | None = None
        self._pos = 0
        self._line = 1

    def line(self, offset: int) -> int:
        """1-based line of a byte offset (counted on from the last one asked)."""
        if offset < self._pos:
            self._pos, self._line = 0, 1
        self._line += self.data.count(b"\n", self._pos, offset)
        self._pos = offset
        return self._line

    def run(self, root) -> dict[str, Any]:
        children = _content(root)
        if children and children[0].name == "front_matter":
            self.front = children[0].meta["content"]
            children = children[1:]
            if children and children[0].name not in _OWN_RULE:
                self.out.append("\n")  # markdown-it's newline after a hidden token
        self.blocks(children)
        anchors, toc = self._ids()
        parts, part = [], []
        for piece in self.out:
            if piece is None:
                parts.append("".join(part))
                part = []
            else:
                part.append(piece)
        parts.append("".join(part))
        return {"front": self.front, "anchors": sorted(anchors), "links": self.links, "toc": toc,
                "parts": parts, "hrefs": self.hrefs}

    def _ids(self) -> tuple[set[str], list[dict[str, Any]]]:
        """Heading ids as the anchors plugin gives them: explicit ones reserved first, then slugs."""
        slugs = {given for _, given, _, _ in self.headings if given}
        anchors, toc = set(), []
        for index, given, title, level in self.headings:
            slug = given or unique_slug(slugify(title), slugs)
            self.out[index] = f'<h{level} id="{escapeHtml(slug)}">'
            if slug:
                anchors.add(slug)
                if level in (2, 3):
                    toc.append({"level": level, "id": slug, "title": title})
        return anchors, toc

    # --- blocks ---------------------------------------------------------------

    def blocks(self, nodes) -> None:
        for node in nodes:
            self.block(node)

    def block(self, node) -> None:
        name = node.name
        out = self.out
        if name == "paragraph":
            out.append("<p>")
            self.inline(node.children, self.line(node.srcmap[0]))
            out.append("</p>\n")
        elif name in ("heading", "lheading"):
            self.heading(node)
        elif name in _OWN_RULE and node.srcmap[1] == len(self.data) and not self.data.endswith(b"\n"):
            raise _Unsupported("code at the end without a line end")  # markdown-it-pyrs adds one
        elif name == "fence":
            meta = node.meta
            out.append(self.fence(meta.get("info", ""), meta["content"]))
        elif name == "code_block":
            out.append(f"<pre><code>{escapeHtml(node.meta['content'])}</code></pre>\n")
        elif name in ("bullet_list", "ordered_list"):
            self.list(node)
        elif name == "blockquote":
            children = _content(node)
            out.append("<blockquote>\n" if children else "<blockquote>")
            self.blocks(children)
            out.append("</blockquote>\n")
        elif name == "hr":
            out.append("<hr />\n")
        elif name == "table":
            self.table(node)
        else:
            raise _Unsupported(name)

    def heading(self, node) -> None:
        level = node.meta["level"]
        children = list(node.children)
        given = ""
        start, end = node.srcmap
        raw = self.data[start:end]
        if b"{#" in raw:
            last = children[-1] if children else None
            found = _HEADING_ID.search(last.meta["content"]) if last is not None and last.name == "text" else None
            if found is not None and found.start() and not found.group(0)[0] in " \t":
                found = None  # ``x{#id}``: without the id, ``x`` may parse differently (``__{#i}``)
            if node.name == "lheading":
                raw = raw[:raw.rstrip().rfind(b"\n")]
            if found is None or not raw.rstrip(b" \t\n").endswith(found.group(0).strip(" \t").encode()):
                raise _Unsupported("heading id")
            given = found.group(1)
            rest = last.meta["content"][:found.start()]
            children[-1] = rest
        index = len(self.out)
        self.out.append("")  # the opening tag, once ``_ids`` knows every heading's id
        line = self.line(start)
        title = []
        for child in children:
            if isinstance(child, str):
                if child:
                    self.out.append(escapeHtml(child))
                    title.append(child)
            else:
                self.inline((child,), line)
                title.append(_text_of((child,), False))
        self.headings.append((index, given, "".join(title), level))
        self.out.append(f"</h{level}>\n")

    def list(self, node) -> None:
        out = self.out
        if node.name == "bullet_list":
            out.append("<ul>\n")
            close = "</ul>\n"
        else:
            start = node.meta.get("start", 1)
            out.append(f'<ol start="{start}">\n' if start != 1 else "<ol>\n")
            close = "</ol>\n"
        for item in node.children:
            if item.name != "list_item":
                raise _Unsupported(item.name)
            self.item(item)
        out.append(close)

    def item(self, node) -> None:
        """A list item; inline children directly in it are a tight list's hidden paragraph."""
        out = self.out
        children = _content(node)
        if not children:
            out.append("<li></li>\n")
            return
        out.append("<li>" if children[0].name in _INLINE else "<li>\n")
        run: list = []
        after_hidden = False
        for child in children:
            if child.name in _INLINE:
                run.append(child)
                continue
            if run:
                self.inline(run, self.line(run[0].srcmap[0]))
                run = []
                after_hidden = True
            if after_hidden and child.name not in _OWN_RULE:
                out.append("\n")
                after_hidden = False
            self.block(child)
        if run:
            self.inline(run, self.line(run[0].srcmap[0]))
        out.append("</li>\n")

    def table(self, node) -> None:
        out = self.out
        start, end = node.srcmap
        if any(not line.lstrip().startswith(b"|") for line in self.data[start:end].split(b"\n") if line.strip()):
            raise _Unsupported("table line without a leading pipe")  # the parsers start and end these differently
        aligns = node.meta.get("alignments") or []
        out.append("<table>\n")
        for section in node.children:
            name = section.name
            if name not in ("thead", "tbody"):
                raise _Unsupported(name)
            cell = "th" if name == "thead" else "td"
            out.append(f"<{name}>\n")
            for row in section.children:
                line = self.line(row.srcmap[0])
                out.append("<tr>\n")
                for i, td in enumerate(row.children):
                    style = _ALIGN.get(aligns[i], "") if i < len(aligns) else ""
                    out.append(f"<{cell}{style}>")
                    self.inline(td.children, line)
                    out.append(f"</{cell}>\n")
                out.append("</tr>\n")
            out.append(f"</{name}>\n")
        out.append("</table>\n")

    # --- inline ---------------------------------------------------------------

    def inline(self, nodes, line: int) -> None:
        out = self.out
        for node in nodes:
            name = node.name
            if name == "text":
                out.append(escapeHtml(_text(node)))
            elif name == "text_special":
                out.append(escapeHtml(node.meta["content"]))
            elif name == "softbreak":
                out.append("\n")
            elif name == "hardbreak":
                out.append("<br />\n")
            elif name == "em" or name == "strong":
                self._flanks(node)
                tag = "em" if name == "em" else "strong"
                out.append(f"<{tag}>")
                self.inline(node.children, line)
                out.append(f"</{tag}>")
            elif name == "code_inline":
                start, end = node.srcmap
                if b"\n" in self.data[start:end]:
                    raise _Unsupported("code span over lines")  # the parsers keep different spaces
                out.append(f"<code>{escapeHtml(''.join(c.meta['content'] for c in node.children))}</code>")
            elif name == "link" or name == "autolink":
                meta = node.meta
                if name == "autolink" and ("%" in meta["url"] or "xn--" in meta["url"].lower()):
                    raise _Unsupported("autolink text")  # markdown-it-py shows it decoded
                self._hole(meta["url"], line, '<a href="')
                title = meta.get("title")
                out.append(f'" title="{escapeHtml(title)}">' if title else '">')
                self.inline(node.children, line)
                out.append("</a>")
            elif name == "image":
                meta = node.meta
                self._hole(meta["url"], line, '<img src="')
                title = meta.get("title")
                out.append(f'" alt="{escapeHtml(_text_of(node.children, True))}"')
                out.append(f' title="{escapeHtml(title)}" />' if title else " />")
            else:
                raise _Unsupported(name)

    def _flanks(self, node) -> None:
        """Emphasis with a non-ASCII character next to a delimiter goes to markdown-it-py.

        markdown-it-py counts Unicode symbols as punctuation when it decides whether a
        ``*`` or ``_`` run can open or close (CommonMark 0.31), markdown-it-pyrs does
        not, so ``x*∓*`` is emphasis for one only.  Delimiters the tree left unpaired
        are caught as text (``_text``)."""
        start, end = node.srcmap
        size = len(node.meta.get("marker", "*")) * (2 if node.name == "strong" else 1)
        data = self.data
        for at in (start - 1, start + size, end - size - 1, end):
            if 0 <= at < len(data) and data[at] >= 0x80:
                raise _Unsupported("non-ASCII next to an emphasis delimiter")

    def _hole(self, url: str, line: int, before: str) -> None:
        if not self.valid_link(url) or "%0A" in url:
            raise _Unsupported(url)  # markdown-it-py keeps it as text
        self.out.append(before)
        self.out.append(None)
        self.hrefs.append(url)
        self.links.append((url, line))

