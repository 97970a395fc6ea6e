"""ssg.front_yaml reads ssg's own front matter exactly as PyYAML does, or leaves it to PyYAML."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg import front_yaml, markup, pages

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def same(text: str) -> bool:
    """Whether the fast path answers for ``text``; when it does, PyYAML must read the same value."""
    fast = front_yaml.load(text)
    if fast is not None:
        assert yaml.load(text, Loader=LOADER) == fast, text
        assert pages._front_matter(text) == (fast, [])
    return fast is not None


def dumped(meta: dict) -> str:
    """The YAML text between the markers of what ssg writes for ``meta``."""
    return markup.front_matter(meta)[4:-4]


TAKEN = [
    "title: 'ACPI: Drop parent (v1)'\nkind: series\nversion: '1'\nexpected: 5\n",
    "range:\n  from: 4093eed9af\n  to: 6a91881d\nepochs:\n- 0\n- 1\ndraft: false\nfeed: true\n",
    "summary: 20 messages, 7 new series, 8 patches from 2024-10-14 to 2024-10-21.\n",
    "title: 'It''s #1: \"quoted\" \\\\ back'\nempty: ''\nnothing: null\nyes_key: yes\nsay: Off\n",
    "title: 'Ünïcödé — 日本語 😀'\nn: 0\nbig: 123456789012345678901234567890\n",
    "title: Ville Syrjälä in 2022 — 日本語 😀\nparent: Ünïcödé\n",
]
LEFT = [
    "",
    "title: \"double quoted\"\n",
    "title: x # comment\n",
    "date: 2024-10-14\n",
    "ratio: 1.5\n",
    "octal: 010\n",
    "under: 1_000\n",
    "hex: 0x1f\n",
    "sexagesimal: 1:30\n",
    "yes: key that is a bool\n",
    "null: key that is null\n",
    "title: >\n  folded\n",
    "title: |\n  literal\n",
    "deep:\n  a:\n    b: 1\n",
    "empty:\nnext: 1\n",
    "list:\n  - indented\n",
    "flow: [a, b]\n",
    "flow: {a: 1}\n",
    "anchor: &a x\nalias: *a\n",
    "tagged: !!str 1\n",
    "title: 'unterminated\n",
    "title: trailing space \n",
    "title:  two spaces\n",
    "title: tab\there\n",
    "title: 'line\u2028break'\n",
    "title: 'next\x85line'\n",
    "\ufefftitle: bom\n",
    "title: x\n---\nother: y\n",
    "title: no final newline",
    "- a list\n- at the top\n",
    "  indented: key\n",
    "key: - dash\n",
    "key: @at\n",
]


@pytest.mark.parametrize("text", TAKEN)
def test_taken_and_same(text):
    assert same(text)


@pytest.mark.parametrize("text", LEFT)
def test_left_to_pyyaml(text):
    assert front_yaml.load(text) is None


def test_an_invalid_mapping_still_gets_pyyamls_problem():
    meta, problems = pages._front_matter("title: [broken\n")
    assert meta == {} and problems and problems[0][0] == "front-matter"


def test_what_ssg_writes_for_a_series_is_taken():
    meta = {"title": "x86/hyperv: Fix 'quotes' & <tags> (v3)", "kind": "series", "series_id": "s1a2b3",
            "version": "3", "expected": 12, "present": 12, "date": "2024-01-02T03:04:05Z",
            "summary": "[PATCH v3 0/12] x86/hyperv: Fix — Jane Doe", "ssg_hash": "0123abcd",
            "range": {"from": "a" * 40, "to": "b" * 40}, "epochs": [0, 1], "draft": False}
    assert same(dumped(meta))


SCALARS = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.text("ab :#'\"-\\,.01yesnoNULLtrue~@&*!|>%[]{}\t", max_size=12),
    st.sampled_from(["yes", "No", "ON", "off", "null", "~", "true", "0", "007", "1.5", "1e5", "2024-01-02",
                     "0x1f", "1_0", "12:30", ".inf", "-", "=", "<<", "a: b", "a #b", " lead", "trail "]),
    st.integers(min_value=-10**20, max_value=10**20),
    st.booleans(),
    st.none(),
)
KEYS = st.one_of(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True),
                 st.sampled_from(["yes", "null", "on", "1", "a b", "x:y"]))
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(KEYS, SCALARS, max_size=3))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_written_front_matter_reads_the_same(meta):
    same(dumped(meta))


LINES = st.lists(st.one_of(
    st.sampled_from(["title: x", "n: 1", "k:", "- a", "- 'b'", "  a: 1", "  b:", "    c: 2", "- ", "a: 'x''y'",
                     "x: yes", "y: ~", "z: 'q", "# c", "", " ", "---", "...", "k: v # c", "k: 'a' b", "- - a"]),
    st.from_regex(r"[a-z]{1,3}: [a-zA-Z0-9 ,.'#:\-]{0,10}", fullmatch=True),
    st.from_regex(r"(  |- )?[a-z]{1,3}:? ?'?[a-z '\-]{0,6}'?", fullmatch=True),
), max_size=8)


@settings(max_examples=3000, deadline=None)
@given(LINES)
def test_any_text_it_answers_is_read_the_same(lines):
    text = "\n".join(lines) + "\n"
    fast = front_yaml.load(text)
    if fast is not None:
        assert yaml.load(text, Loader=LOADER) == fast, text


@pytest.mark.real
def test_real_pages_are_read_the_same_and_mostly_fast(real_digest_content):
    """Every page a digest of 1,500 real messages makes: nearly all front matter is taken, with PyYAML's values."""
    fronts = []
    for path in sorted(real_digest_content.rglob("*.md")):
        text = path.read_text("utf-8")
        assert text.startswith("---\n")
        fronts.append(text[4:text.index("\n---\n", 3) + 1])
    assert len(fronts) > 300
    taken = sum(same(front) for front in fronts)
    assert taken >= 0.95 * len(fronts)
