"""The fast Markdown rules (ssg.md_rules) give exactly plain markdown-it-py's tokens and HTML."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg import md_pipeline, pages, pages_links

FAST = md_pipeline.make_markdown()
PLAIN = md_pipeline.make_markdown(fast=False)


def same(text: str) -> None:
    """Tokens and page facts (rendered body included) agree between the fast and plain pipelines."""
    assert FAST.parse(text) == PLAIN.parse(text)
    assert pages.parse_text(FAST, text) == pages.parse_text(PLAIN, text)


CASES = [
    "[Wei Liu](../authors/aa6dbfc10e35.md) · [details](#s1a2)",
    "[a](b) [a](b) [a](b)",
    "| x | y |\n| --- | --- |\n| [a](b.md) | [a](b.md) |\n| [a](b.md) | c |",
    "[PATCH v2 1/3] not a link, [x] neither",
    "[x]\n\n[x]: /target \"title\"",             # a reference makes `[x]` a link
    "[x][y] [y]\n\n[y]: </a b> 'title'",
    "[a](<b c>) [a](<b>) [a](b \"t\") [a](b 't') [a](b (t))",
    "[a]( b ) [a](\nb\n) [a](b\n\"t\")",
    "[a](b(c)d) [a](b(c) [a](b)c)",
    "[a](b\\)c) [a\\]b](c) [a](b&amp;c) [a](&#x6A;avascript:x)",
    "[a](%20%zz) [a](b c) [a](http://ä.example/ü?x=1#f) [a](mailto:a@b.c)",
    "[a](javascript:alert(1)) [a](JAVASCRIPT:x) [a](data:text/html,x) [a](vbscript:x) [a](file:///x)",
    "[`code]`](x) [<http://a]b>](x) [a {#id}](x) [a]{#i}(x) [a](x){#id .c}",
    "[*em* and **strong**](x) [a\nb](c) [](x) [a]()",
    "[[nested]](x) [a [b](c) d](e) ![img [a](b)](c) ![a](b)",
    "\\[a](b) [a\\](b) `[a](b)` [a] (b)",
    "[Re: \\[PATCH v2 1/3\\] x86: fix](https://lore.kernel.org/linux-hyperv/a.b@c/) [a\\\\](b)",
    "[a\\\nb](c) [a\\](b)] [a\\",
    "a\r\nb\rc\r\n\r\n[x\0y](z\0) \0",
    "## Heading [a](b.md#c) {#hid}\n\ntext [a](b.md)",
    "[a](b) " * 30 + "\n\n" + "[" * 25 + "x](y)" + "]" * 25,
]


@pytest.mark.parametrize("text", CASES)
def test_cases_match_markdown_it(text):
    same(text)
    same("---\ntitle: t\n---\n" + text)


def test_unsafe_link_is_text():
    html = pages.parse_text(FAST, "[a](javascript:x)")["parts"]
    assert html == ["<p>[a](javascript:x)</p>\n"]


def test_link_tokens_and_percent_encoding():
    facts = pages.parse_text(FAST, "[ü](a b.md) [ü](ä.md)")
    assert facts["hrefs"] == ["%C3%A4.md"]
    assert facts["parts"] == ['<p>[ü](a b.md) <a href="', '">ü</a></p>\n']


PIECES = list("[]()<>\\\"' &;#:/.*_`!{}%\nab\tü") + ["javascript:", "&amp;", "%20", "http://x", "[a](b)", "](", "[a", "](b)", "\\]", "\\)", "`]`"]
LINKISH = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(LINKISH)
def test_linkish_inline_matches_markdown_it(text):
    same(text)
    same(f"| {text} | [a](b) |\n| --- | --- |\n| x | {text} |")


@settings(max_examples=100, deadline=None)
@given(LINKISH, LINKISH)
def test_with_references_matches_markdown_it(text, label):
    same(f"{text}\n\n[{label}]: /dest\n\n[x]: /x")


URLISH = st.lists(st.sampled_from(list("aZ09-._~/:@=+$,!*'%?#;&ü[] ") + ["https://", "http://", "HTTPS://", "a.b",
                                                                      ":80", "%20", "%zz", "xn--", "/x@y"]),
                  max_size=30).map("".join)


@settings(max_examples=500, deadline=None)
@given(URLISH)
def test_normalize_link_matches_markdown_it(url):
    assert FAST.normalizeLink(url) == PLAIN.normalizeLink(url)
    assert FAST.normalizeLink("https://" + url) == PLAIN.normalizeLink("https://" + url)


def test_normalize_link_long_host():
    host = ".".join(["a" * 63] * 4)
    for url in (f"https://{host}/x", f"https://{host}a/x", "https://lore.kernel.org/linux-hyperv/a.b@c-d/"):
        assert FAST.normalizeLink(url) == PLAIN.normalizeLink(url)


LINES = ["", "text", "a\r", "\r\n", "\0", "- a", "* b", "+ c", "1. one", "2) two", "  - nested", "    code", "> quote", ">", "> - q",
         "```", "```diff", "~~~", "# h", "## h {#id}", "***", "---", "___", "===", "[x]: /y", "[x]", "[a](b)",
         "| a | b |", "|---|---|", "| [a](b) | c |", "\t- tab", "  > q", "-", "1.", "#", "* * *", " ```text", "\\# no"]
BLOCKISH = st.lists(st.sampled_from(LINES), max_size=14).map("\n".join)


@settings(max_examples=400, deadline=None)
@given(BLOCKISH)
def test_block_structure_matches_markdown_it(text):
    same(text)


HREFISH = st.text(alphabet=st.sampled_from(list("ab./#?%2F0 \t\n\x00é\u00a0:-_")), max_size=14)


@settings(max_examples=2000, deadline=None)
@given(HREFISH)
def test_split_href_matches_urlsplit(href):
    """``pages_links._split`` skips the URL parser only where its answer cannot differ."""
    from urllib.parse import unquote, urlsplit
    if not href or pages_links._SCHEME.match(href) or href.startswith(("//", "/")):
        return  # ``target`` answers these before splitting
    parts = urlsplit(href)
    assert pages_links._split(href) == (unquote(parts.path), unquote(parts.fragment), parts.query)


@pytest.mark.parametrize("href", ["../series/x.md", "#s1a2", "a.md#x?y", "a.md?q#f", "#a%20b", " a.md",
                                  "a\tb.md", "./", "..", "x%2Fy.md", "#", "?", "#a?b"])
def test_split_href_cases(href):
    from urllib.parse import unquote, urlsplit
    parts = urlsplit(href)
    assert pages_links._split(href) == (unquote(parts.path), unquote(parts.fragment), parts.query)
