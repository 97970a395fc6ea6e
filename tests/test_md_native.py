"""Pages through markdown-it-pyrs (ssg.md_native) give exactly markdown-it-py's page facts, or defer to it."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg import md_guard, md_native, md_pipeline, pages

PLAIN = md_pipeline.make_markdown(fast=False)
FAST = md_pipeline.make_markdown()

pytestmark = pytest.mark.skipif(not md_guard.available(), reason="no markdown-it-pyrs wheel")


def native(text: str) -> bool:
    """Whether the Rust path takes ``text``; when it does, its facts must be markdown-it-py's."""
    found = md_native.parse(pages._normalized(text), md_pipeline.fence_html, md_pipeline.validate_link)
    if found is not None:
        assert pages.parse_text(FAST, text, native=True) == pages.parse_text(PLAIN, text)
    return found is not None


TAKEN = [
    "---\ntitle: T\n---\n# T\n\nSome *text* and **bold** and `code` [a link](../b.md#x).",
    "---\ntitle: T\n---\n```diffstat\n a | 1 +\n```\n",
    "---\ntitle: T\n---\n    indented code\n\nafter",
    "---\ntitle: [broken\n---\nbody",
    "no front matter at all\n",
    "# A\n\n## A\n\n## A\n\n### `code` title *em*\n\n#### ![img](i.png) t",
    "## Series title {#s1a2b3c4}\n\n## Other {#s1a2b3c4}\n\n## s1a2b3c4\n\n# {#only}\n",
    "Setext title {#sid}\n-----\n\nTwo\nlines {#x2}\n===\n",
    "- a\n- b [l](x.md)\n  - c\n  - d\n- e\n\n1. one\n2. two\n\n3) three\n\n0. zero",
    "- a\n\n- b\n\n  para\n\n  > quote [q](q.md)\n\n- ```\n  fence in tight\n  ```\n-\n- > bq\n",
    "- a\n- ```\n  fence in tight\n  ```\n- b\n  # heading in item\n  c\n-\n- [r]: /u\n",
    "- a\n  ```diff\n  +x\n  ```\n- b\n      code\n",
    "> q\n> r  \n> s\\\n> t\n>\n> - x\n\n>\n\n> ```\n> f\n> ```\n",
    "| Period | Digest | N |\n| :--- | :---: | ---: |\n| 1 | [d](d.md) | 3 |\n| 2 | `c|d` | |\n\n| a |\n| - |",
    "| a | b |\n| --- | --- |\n",
    "&amp; &#x41; &copy; &bogus; \\* \\_ <b>not html</b> <http://x.y/z?q=1&r=2> <a@b.example>",
    "![alt *em* **s** [l](x)](img.png \"t&amp;\") [t](u 'title \"q\"') [e]()",
    "![![in &amp; \\* img](i) alt *em* &amp;](x) and x ∓ y",
    "ünïcödé ✓ lines\n\nthen [a link](ü.md) on line 3\n\n| ü | [x](y.md) |\n|---|---|\n| é | [z](w.md) |",
    "[ref]\n\n[ref]: /target \"T\"\n\n[Re: \\[PATCH v2 1/3\\] fix](https://lore.kernel.org/linux-hyperv/a.b@c/)",
    "***\n---\n___\n\n* * *",
    "[a](javascript:x) [b](JAVASCRIPT:y) [c](vbscript:z) [d](file:///e) [f](data:text/html,g) [h](jav&#x61;script:i)",
    "a\r\nb\rc\r\n\r\n[x\0y](z\0) \0",
    "A cut title: paravirt\\_… and **bold** with hv_vmbus_x",
    "~~~python\ncode\n~~~\n\n```  Diff  extra\n-x\n```\n\n```\\*x\n```\n```&amp;\n```\n",
]
DEFERRED = [
    "[a](x){.c} `c`{#i} ![i](s){#x} <http://x>{.y} [r]{.z}\n\n[r]: /r",
    "{x} at the start, then [a](b){.c}",
    "*a_x_* _y_ and x*∓*",
    "[a](data:image/png;base64,AAAA)",
    "[a](dat&#x61;:image/png;base64,AAAA)",
    "# Closed {#id} ##",
    "# Emph {#_a_}",
    "# *not {#x}*",
]


@pytest.mark.parametrize("text", TAKEN)
def test_taken_and_same(text):
    assert native(text)
    assert native("---\ntitle: t\ndate: 2024-01-01\n---\n" + text)


@pytest.mark.parametrize("text", DEFERRED)
def test_deferred_to_markdown_it(text):
    assert not native(text)
    # markdown-it-py still renders it: the facts come from the slow path
    assert pages.parse_text(FAST, text, native=True) == pages.parse_text(PLAIN, text)


def test_links_carry_their_lines():
    text = ("---\ntitle: t\n---\n# [h](h.md)\n\n- [a](a.md)\n- x\n  [b](b.md)\n\n"
            "| c |\n|---|\n| [c](c.md) |\n| [d](d.md) |\n\n> para\n> [e](e.md)")
    assert native(text)
    facts = pages.parse_text(FAST, text, native=True)
    assert facts["links"] == [("h.md", 4), ("a.md", 6), ("b.md", 7), ("c.md", 12), ("d.md", 13), ("e.md", 15)]


def test_heading_ids_and_toc():
    facts = pages.parse_text(FAST, "## A {#a1}\n\n## A\n\n### `x` y\n\n#### deep", native=True)
    assert facts["anchors"] == ["a", "a1", "deep", "x-y"]
    assert [(t["level"], t["id"], t["title"]) for t in facts["toc"]] == [(2, "a1", "A"), (2, "a", "A"), (3, "x-y", "x y")]
    assert facts["parts"][0].startswith('<h2 id="a1">A</h2>')


LINES = ["", "text", "- a", "* b", "1. one", "2) two", "  - nested", "   more", "    code", "> quote", ">", "> - q",
         "```", "```diff", "~~~", "# h", "## h {#id}", "## h {#id} ##", "# {#x}", "***", "---", "===", "[x]: /y",
         "[x]", "[a](b.md)", "| a | b |", "|---|:-:|", "| [a](b) | c |", "-", "1.", "#", " ```text", "\\# no",
         "a  ", "b\\", "![i](s \"t\")", "<http://h>", "&amp;x", "`c`", "*e*", "**s**", "_u_ __v__", "ü",
         "\t- tab", "  1. sub", "     deep", "[r]: /u 'T'", "[r]", "[t][r]", "~~~ diffstat", "```diff x",
         "* * *", "Title\n---", "+ plus", "10. ten", "- [ ] task", "***bold em***", "a_b_c", "\"quoted\" & <tag>",
         "&#0; &#x110000; &nbsp; &ThisIsNotAnEntity;", "  ## indented", "#5 not heading", "1.5 no list", "| x |"]
BLOCKISH = st.lists(st.sampled_from(LINES), max_size=14).map("\n".join)
PIECES = list("[]()<>\\\"' &;#:/.*_`!{}%\nab\tü-|") + ["&amp;", "%20", "http://x", "[a](b)", "](", "[a", "](b)",
                                                      "\\]", "`]`", "{#i}", "\n\n", "\n- ", "\n# ", "\n```\n",
                                                      "**", "__", "***", "![", "](x \"t\")", "<a@b.c>", "&#65;", "\\\n",
                                                      "  \n", "\u00a0", "“", ".", "ä*", "*ä", "_x_", "(", ")"]
INLINE = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(BLOCKISH)
def test_blocks_same_as_markdown_it(text):
    native(text)
    native("---\ntitle: t\n---\n" + text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INLINE, BLOCKISH)
def test_inline_same_as_markdown_it(text, blocks):
    native(text)
    native(f"## {text}")
    native(f"| {text} | [a](b) |\n| --- | --- |\n| x | {text} |")
    native(f"{blocks}\n{text}")


def test_without_the_package_every_page_goes_to_markdown_it(monkeypatch):
    monkeypatch.setattr(md_guard, "markdown_it_pyrs", None)
    text = "---\ntitle: t\n---\n# T\n\n[a](b.md)"
    assert md_native.parse(text, md_pipeline.fence_html, md_pipeline.validate_link) is None
    assert pages.parse_text(FAST, text, native=True) == pages.parse_text(PLAIN, text)


def test_rust_panic_is_a_fallback_and_silent(capfd):
    text = "---\ntitle: t\n---\nA [` lone backtick in brackets\n"
    assert md_guard.tree("[`") is None  # markdown-it-pyrs 0.4 panics on this
    assert pages.parse_text(FAST, text, native=True) == pages.parse_text(PLAIN, text)
    assert capfd.readouterr().err == ""


@pytest.mark.parametrize("md", [PLAIN, FAST], ids=["plain", "fast"])
def test_front_matter_rule_only_at_the_start(md):
    # mdit-py-plugins' rule also fired on a first list item with ``--`` after its first character
    assert md.render("- a--\nb") == "<ul>\n<li>a--\nb</li>\n</ul>\n"
    assert pages.parse_text(md, "---\ntitle: t\n---\nbody")["meta"] == {"title": "t"}


@pytest.mark.real
def test_real_digest_pages_same_and_mostly_native(real_digest_content):
    """Every page a digest of 1,500 real messages makes: the Rust path takes nearly all, with the same facts."""
    texts = [p.read_text("utf-8") for p in sorted(real_digest_content.rglob("*.md"))]
    assert len(texts) > 300
    taken = sum(native(text) for text in texts)
    assert taken >= 0.95 * len(texts)
