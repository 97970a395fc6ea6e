"""Escaping mail text for Markdown and YAML: nothing from mail becomes markup."""

from __future__ import annotations

import yaml
from hypothesis import given, settings, strategies as st

from ssg.markup import fence, front_matter, inline, plain, visible
from ssg.render import make_markdown

MD = make_markdown()


def rendered_inline(text: str) -> str:
    return MD.render("- " + inline(text))


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_inline_text_never_becomes_markup(text):
    html = rendered_inline(text)
    for tag in ("<a ", "<img", "<em>", "<strong>", "<code>", "<script", "<h1", "<table", "<ol", "<blockquote"):
        assert tag not in html
    assert html.count("<li>") == 1


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_fence_cannot_be_closed_by_its_content(text):
    html = MD.render(fence(text) + "\n\nafter")
    assert html.count("<pre") == 1 and html.rstrip().endswith("<p>after</p>")


@given(st.dictionaries(st.sampled_from(["title", "summary", "x"]), st.text(max_size=100), max_size=3))
@settings(max_examples=300, deadline=None)
def test_front_matter_round_trips(meta):
    block = front_matter(meta)
    assert block.startswith("---\n") and block.endswith("---\n")
    expected = {k: visible(v) for k, v in meta.items()}
    assert (yaml.safe_load(block[4:-4]) or {}) == expected


def test_known_shapes():
    assert inline("[x](javascript:alert(1))") == r"\[x\](javascript:alert(1))"
    assert inline("1. not a list") == r"1\. not a list"
    assert inline("hv_vmbus: _a_") == r"hv_vmbus: \_a\_"
    assert "U+202E" in plain("abc\u202edef")
    assert "\x1b" not in plain("x\x1b[31mred")
    html = rendered_inline("<script>alert(1)</script> {{ 7*7 }} {#id .cls}")
    assert "&lt;script&gt;" in html and "{{ 7*7 }}" in html and 'id="id"' not in html
