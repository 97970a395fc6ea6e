"""ssg.front_emit writes ssg's front matter exactly as PyYAML does, or leaves it to PyYAML."""

from __future__ import annotations

import subprocess
import sys

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg import front_emit, markup

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def same(meta: dict) -> bool:
    """Whether the fast path answers for ``meta``; when it does, it is PyYAML's text to the byte."""
    fast = front_emit.dump(meta)
    if fast is not None:
        assert fast == markup.yaml_text(meta), meta
        assert yaml.load(fast, Loader=LOADER) == meta
    return fast is not None


# What ssg writes on its pages (the shapes of content.py's callers), all on the fast path.
TAKEN = [
    {"title": "x86/hyperv: Use per cpu initial stack for vtl context (v2)", "kind": "series",
     "series_id": "sff92d3f98ea1", "version": "2", "expected": 1, "present": 1, "date": "2024-02-02T07:12:37Z",
     "summary": "[PATCH v2] x86/hyperv: Use per cpu initial stack — Saurabh Sengar"},
    {"title": "linux-hyperv mailing list update from a78d7083 to f470839f", "kind": "digest", "list": "linux-hyperv",
     "range": {"from": "356c2dae2d6ed361f4867fb66b14c707177c6b35", "to": "620d1e1c39336b9aa961fa4d2072e788799453a9"},
     "epochs": [0, 1], "period": {"start": "2020-06-01T00:00:00Z", "end": "2020-06-08T00:00:00Z", "label": "2020-W23"},
     "counts": {"messages": 13, "patches": 2, "covers": 0}, "draft": False, "feed": True, "expected": None,
     "ids": ["0a1b2c", "1e5", "7f", "163.com", "1.5", "2.e3"],
     "summary": "13 messages, 3 new series, 2 patches, 8 replies from 2020-06-01 to 2020-06-08."},
    {"title": "Ville Syrjälä in 2022 — 日本語", "kind": "author", "year": 2022, "parent": "Ünïcödé",
     "organisation": "theori.io", "counts": {}, "tags": []},
    {"title": "It's #1: \"quoted\" \\ back", "empty": "", "word": "yes", "say": "Off", "spaced": " x ",
     "colon": "a: b", "dash": "- item", "hash": "#tag", "sharp": "a #b", "ends": "a:", "at": "@x", "ok": "a:b#c",
     "int": "12", "octal": "017", "day": "2024-10-14", "tilde": "~", "merge": "<<", "eq": "=", "yEs": "yEs"},
]
LEFT = [
    {},
    {"ratio": 1.5},
    {"tab": "a\tb"},
    {"line": "a\nb"},
    {"emoji": "😀"},
    {"bom": "\ufeffx"},
    {"sep": "a\u2028b"},
    {"num": "1_000"},
    {"num": "0128"},
    {"num": "-1"},
    {"num": "1.5e+3"},
    {"when": "2024-10-14 07:12:37"},
    {"deep": {"a": {"b": 1}}},
    {"rows": [{"a": 1}]},
    {"rows": [[1]]},
    {"yes": "a key YAML reads as a bool"},
    {"on": 1},
    {"Key-with-dash": 1},
    {1: "not a string key"},
    {"long": "word " * 200},
    {"tuple": (1, 2)},
]


def test_pages_ssg_writes_take_the_fast_path() -> None:
    for meta in TAKEN:
        assert same(meta), meta


def test_other_values_are_left_to_pyyaml() -> None:
    for meta in LEFT:
        assert front_emit.dump(meta) is None, meta
        markup.front_matter(meta)  # and PyYAML still writes them


def test_front_matter_uses_the_fast_text_and_reads_back() -> None:
    for meta in TAKEN + LEFT:
        block = markup.front_matter(meta)
        assert block.startswith("---\n") and block.endswith("---\n")
        inner = block[4:-4]
        assert inner == markup.yaml_text(markup._clean(meta)), meta
        if meta and "tuple" not in meta:
            assert yaml.load(inner, Loader=LOADER) == markup._clean(meta)


def test_assembling_pages_does_not_import_pyyaml() -> None:
    """The point of the module: the digest's page assembly never loads PyYAML for ssg's pages."""
    code = ("import sys\nfrom ssg import content, markup\n"
            "markup.front_matter({'title': 'a: b', 'kind': 'series', 'version': '2', 'tags': ['x'],"
            " 'range': {'from': 'a', 'to': 'b'}})\n"
            "print('yaml' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


EDGES = list("#,[]{}&*!|>'\"%@`?:-.~<=+ _/\\0123456789aZyYnNoOtTfF\t\n\xa0\x85é日\u2028\u2029\ufeff\ufffe\ufffd") + [
    "😀", "---", "...", ": ", " #", "yes", "No", "TRUE", "null", "Off", "2024-10-14", "T07:12:37Z", "-W", "0x", "0b", "e+", "E-", "2024-1-2 ", "5.10"]
TEXT = st.lists(st.sampled_from(EDGES) | st.text(max_size=3), max_size=8).map("".join)
KEYS = st.sampled_from(["title", "kind", "a_b", "_x", "from", "to", "x1", "Title2"]) | st.sampled_from(
    ["on", "yes", "null", "A-B", "", "1"]) | st.text(max_size=4)
SCALAR = TEXT | TEXT | st.integers(-10**20, 10**20) | st.booleans() | st.none() | st.floats(allow_nan=False)
VALUE = SCALAR | st.lists(SCALAR, max_size=3) | st.dictionaries(KEYS, SCALAR | st.lists(SCALAR, max_size=2),
                                                                max_size=3)


@settings(max_examples=3000, deadline=None)
@given(TEXT)
def test_generated_strings_match_pyyaml_whenever_taken(text: str) -> None:
    same({"title": text})
    same({"tags": [text, "x"]})
    same({"range": {"from": text}})


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, VALUE, max_size=5))
def test_generated_values_match_pyyaml_whenever_taken(meta: dict) -> None:
    same(meta)


@settings(max_examples=800, deadline=None)
@given(TEXT, st.integers(0, 1200))
def test_strings_near_the_width_match_pyyaml(text: str, pad: int) -> None:
    same({"title": "w" * pad + " " + text + " x"})
    same({"tags": ["v " * (pad // 2) + text]})
