"""Escaping mail text for Markdown and YAML: nothing from mail becomes markup."""

from __future__ import annotations

import yaml
from hypothesis import given, settings, strategies as st

from ssg.markup import fence, front_matter, inline, plain, table, visible
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


# The escaping functions have fast paths; they must agree with the plain regex definitions.
import re as _re  # noqa: E402

from hypothesis import given as _given, strategies as _st  # noqa: E402

from ssg import markup as _markup  # noqa: E402


def _reference_inline(text: str, limit: int = 0) -> str:
    text = _markup._CONTROL.sub("\ufffd", text)
    text = _markup._BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)
    text = _markup._SPACE.sub(" ", text).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    text = _markup._MD_SPECIAL.sub(r"\\\1", text)
    return _markup._LEADING.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3),
                                text, 1)


_tricky = _st.text(alphabet=_st.sampled_from(list("ab1_ \t\n\\`*[]<>#!|~&{}-+=:.)9٣²\x00\x7f\u202e\u2028\xa0é")))


@_given(_tricky | _st.text(), _st.sampled_from([0, 5, 90]))
def test_inline_fast_paths_match_the_regex_definition(text, limit):
    assert _markup.inline(text, limit) == _reference_inline(text, limit)


def test_an_optional_column_is_left_out_only_when_it_is_empty_in_every_row():
    head, align = ("Domain", "Organisation", "Messages"), "llr"
    assert table(head, [("a.org", "", "2"), ("b.org", "", "1")], align, optional=(1,)) == \
        "| Domain | Messages |\n| --- | ---: |\n| a.org | 2 |\n| b.org | 1 |"
    kept = table(head, [("a.org", "", "2"), ("b.org", "B", "1")], align, optional=(1,))
    assert kept.splitlines()[0] == "| Domain | Organisation | Messages |" and "| a.org |  | 2 |" in kept
    assert table(head, [("a.org", "", "2")], align).splitlines()[0] == "| Domain | Organisation | Messages |"
