"""The subject grammar: table-driven over the shapes of MAIL-NOTES.md, properties,
hostile input, and (marked ``real``) every subject of the real archive."""

from __future__ import annotations

import re
import subprocess
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.subject import is_patch_typo, parse, tokenise, version_key

# (subject, expected fields).  Fields not named are not checked; "title" is "x"
# unless given.  Titles are invented; the shapes come from MAIL-NOTES.md.
CASES = [
    # edge cases 3-7: counters, versions, case of the tag
    ("[PATCH] x", dict(keywords=("PATCH",), index=None, expected=None, version="1",
                       version_explicit=False)),
    ("[PATCH 1/1] x", dict(index=1, expected=1)),
    ("[PATCH 0/1] x", dict(index=0, expected=1)),
    ("[PATCHv3 2/5] x", dict(keywords=("PATCH",), version="3", version_explicit=True,
                             index=2, expected=5)),
    ("[PATCH V3 0/6] x", dict(version="3", index=0, expected=6)),
    ("[patch V2 1/3] x", dict(keywords=("PATCH",), version="2", index=1, expected=3)),
    ("[Patch v2 1/3] x", dict(keywords=("PATCH",), version="2", index=1, expected=3)),
    # 8-10: commas and spaced counters
    ("[PATCH net-next,v9 2/2] x", dict(version="9", index=2, expected=2, prefixes=("net-next",))),
    ("[PATCH v6,19/24] x", dict(version="6", index=19, expected=24)),
    ("[PATCH 1 / 3] x", dict(index=1, expected=3)),
    ("[PATCH net-next, v2, 3/4] x", dict(version="2", index=3, expected=4, prefixes=("net-next",))),
    # 11-12: inserted patches and point versions
    ("[PATCH 34.5/36] x", dict(index=34, subindex=5, expected=36)),
    ("[RFC v5.1 1/8] x", dict(keywords=("RFC",), version="5.1", index=1, expected=8)),
    ("[PATCH v7.2 39/74] x", dict(version="7.2", index=39, expected=74)),
    ("[PATCH V8.1 5/9] x", dict(version="8.1", index=5, expected=9)),          # 74
    ("[PATCHv3.1 2/4] x", dict(version="3.1", index=2, expected=4)),
    ("[PATCH v4A 01/15] x", dict(version="4a", index=1, expected=15)),
    # 13: any token order
    ("[PATCH 1/3 v2] x", dict(version="2", index=1, expected=3)),
    ("[PATCH 0/2 V3 net] x", dict(version="3", index=0, expected=2, prefixes=("net",))),
    ("[PATCH 2/7 RESEND] x", dict(keywords=("PATCH", "RESEND"), index=2, expected=7)),
    # 14-16: several leading groups, tree tags anywhere
    ("[PATCH v2] [1/3] x", dict(version="2", index=1, expected=3)),
    ("[PATCH][kvmtool] x", dict(keywords=("PATCH",), prefixes=("kvmtool",))),
    ("[RFC PATCH v1 30/30] [DONOTMERGE] Re-enable warnings",
     dict(keywords=("RFC", "PATCH"), prefixes=("DONOTMERGE",), title="Re-enable warnings",
          version="1", version_explicit=True, index=30, expected=30, is_reply=False)),
    ("[kvm-unit-tests PATCH v3 2/4] x", dict(prefixes=("kvm-unit-tests",), version="3", index=2)),
    ("[PATCH kvm-unit-tests] x", dict(prefixes=("kvm-unit-tests",), keywords=("PATCH",))),
    ("[PATCH] [v2] x", dict(version="2")),
    ("[PATCH v2][PATCH net] x", dict(keywords=("PATCH",), version="2", prefixes=("net",))),
    # 17: stable backports
    ("[PATCH AUTOSEL 6.6 21/31] x", dict(keywords=("PATCH", "AUTOSEL"), prefixes=("6.6",),
                                         index=21, expected=31)),
    ("[PATCH 5.4.y] x", dict(prefixes=("5.4.y",))),
    ("[PATCH for-stable-4.19] x", dict(prefixes=("for-stable-4.19",))),
    ("[PATCH stable-4.{4, 9}] x", dict(prefixes=("stable-4.{4, 9}",))),
    # 18-20: replies and forwards, brackets still parsed
    ("Re: Re: [PATCH v2 1/3] x", dict(is_reply=True, version="2", index=1, expected=3)),
    ("RE: [EXTERNAL] Re: [PATCH 2/3] x", dict(is_reply=True, keywords=("PATCH",), index=2)),
    ("AW: [PATCH] x", dict(is_reply=True, keywords=("PATCH",))),
    ("Aw: Re: [PATCH] x", dict(is_reply=True)),
    ("Sv: [PATCH] x", dict(is_reply=True)),
    ("SV: [PATCH] x", dict(is_reply=True)),
    ("Antw: [PATCH] x", dict(is_reply=True)),
    ("Re[2]: [PATCH] x", dict(is_reply=True, keywords=("PATCH",))),
    ("Re:[PATCH] x", dict(is_reply=True)),
    ("回复: [PATCH] x", dict(is_reply=True)),
    ("答复：[PATCH] x", dict(is_reply=True)),
    ("Ynt: [PATCH] x", dict(is_reply=True)),
    ("Re: x", dict(is_reply=True, keywords=(), title="x")),
    ("Re: (subset) [PATCH 0/5] x", dict(is_reply=True, index=0, expected=5)),
    ("(subset) x", dict(is_reply=False, title="(subset) x")),
    ("[EXTERNAL] Re: [PATCH] x", dict(is_reply=True, keywords=("PATCH",))),
    ("Fwd: [PATCH 1/2] x", dict(is_reply=True, is_forward=True, index=1, expected=2)),
    ("Fw: x", dict(is_reply=True, is_forward=True)),
    ("Re: Fwd: x", dict(is_reply=True, is_forward=True)),
    ("Xy: [PATCH] x", dict(is_reply=True)),                   # any 2-3 letters before [
    ("RFC: [PATCH] x", dict(is_reply=False, title="RFC: [PATCH] x")),
    ("Re-enable x", dict(is_reply=False, title="Re-enable x")),
    ("Resend: x", dict(is_reply=False, title="Resend: x")),
    # the rest of the vocabulary
    ("[RFC PATCH] x", dict(keywords=("RFC", "PATCH"))),
    ("[PATCH RFC] x", dict(keywords=("PATCH", "RFC"))),
    ("[RFC/RFT PATCH] x", dict(keywords=("RFC", "RFT", "PATCH"))),
    ("[RFT PATCH] x", dict(keywords=("RFT", "PATCH"))),
    ("[RESEND TRIVIAL] x", dict(keywords=("RESEND", "TRIVIAL"))),
    ("[PATCH][REPOST] x", dict(keywords=("PATCH", "RESEND"))),
    ("[GIT PULL] x", dict(keywords=("GIT PULL",))),
    ("[git pull v2] x", dict(keywords=("GIT PULL",), version="2")),
    ("[PULL 0/3] x", dict(keywords=("PULL",), index=0, expected=3)),
    ("[PULL kvm-unit-tests 37/39] x", dict(keywords=("PULL",), prefixes=("kvm-unit-tests",),
                                           index=37, expected=39)),
    ("[tip: timers/core] clocksource: x", dict(prefixes=("tip: timers/core",), keywords=(),
                                               title="clocksource: x")),
    ("[tip:irq/core] x", dict(prefixes=("tip:irq/core",))),
    ("[EXTERNAL] [PATCH net] x", dict(keywords=("PATCH",), prefixes=("net",))),
    ("[External] x", dict(keywords=(), prefixes=())),
    ("[QUERY] x", dict(prefixes=("QUERY",), keywords=())),
    ("[Bug] x", dict(prefixes=("Bug",))),
    ("[PATCH 0/3 net-next] x", dict(prefixes=("net-next",), index=0)),
    ("[PATCH hyperv-next v2 00/12] x", dict(prefixes=("hyperv-next",), index=0, expected=12)),
    ("[PATCH 000/491] x", dict(index=0, expected=491)),
    ("[PATCH 2 of 5] x", dict(index=2, expected=5)),
    ("[PATCH -next] x", dict(prefixes=("-next",))),
    ("[vhost:vhost 6/6] x", dict(prefixes=("vhost:vhost",), index=6, expected=6)),
    # typos: a separate, weaker keyword
    ("[PATHC v2] x", dict(keywords=("PATCH?",), version="2")),
    ("[RFC FATCH] x", dict(keywords=("RFC", "PATCH?"))),
    ("[PPATCH net v3] x", dict(keywords=("PATCH?",), prefixes=("net",), version="3")),
    ("[BATCH] x", dict(keywords=(), prefixes=("BATCH",))),
    # version hint in the title
    ("[PATCH] x (v3)", dict(title="x (v3)", version="3", version_explicit=True)),
    ("do something v2", dict(title="do something v2", version="2", version_explicit=True)),
    ("[PATCH v4] x v3", dict(title="x v3", version="4")),
    ("[GIT PULL] next for v6.12", dict(title="next for v6.12", version="1", version_explicit=False)),
    ("x (v3", dict(title="x (v3", version="1", version_explicit=False)),
    ("xv3", dict(title="xv3", version="1", version_explicit=False)),
    # garbage and degenerate input
    ("", dict(raw="", title="", keywords=(), is_reply=False)),
    ("   ", dict(raw="", title="")),
    ("Re:", dict(raw="Re:", title="", is_reply=True)),
    ("[PATCH v3 00/10]", dict(title="", index=0, expected=10)),
    ("[]", dict(title="", prefixes=())),
    ("[[[", dict(title="[[[")),
    ("]]] x", dict(title="]]] x")),
    ("[PATCH x", dict(title="[PATCH x", keywords=())),
    ("during 0;136;0c0;136;0c system crash.", dict(title="during 0;136;0c0;136;0c system crash.")),
    ("\x1b[31m[PATCH] x", dict(title="\x1b[31m[PATCH] x")),
    ("  [PATCH\tv2   1/2]\n\t x  y ", dict(raw="[PATCH v2 1/2] x y", title="x y", version="2")),
    ("[PATCH " + "9" * 50 + "/3] x", dict(index=None)),
    ("[PATCH v" + "9" * 50 + "] x", dict(version="1", version_explicit=False)),
]


@pytest.mark.parametrize("subject, fields", CASES, ids=[c[0][:40] for c in CASES])
def test_grammar(subject, fields):
    parsed = parse(subject)
    expected = {"title": "x", **fields}
    got = {name: getattr(parsed, name) for name in expected}
    assert got == expected


def test_defaults():
    parsed = parse("plain discussion")
    assert (parsed.version, parsed.version_explicit, parsed.index, parsed.subindex,
            parsed.expected, parsed.keywords, parsed.prefixes) == ("1", False, None, 0, None, (), ())
    assert not parsed.has_patch_tag and not parsed.is_pull and not parsed.is_rfc


def test_model_properties():
    assert parse("[GIT PULL] x").is_pull
    assert parse("[PULL 1/2] x").is_pull
    assert parse("[RFC PATCH] x").is_rfc and parse("[RFC PATCH] x").has_patch_tag
    assert not parse("[PATHC] x").has_patch_tag


def test_later_versions_and_counters_become_prefixes():
    parsed = parse("[PATCH v2 1/3] [v3] [2/4] x")
    assert (parsed.version, parsed.index, parsed.expected) == ("2", 1, 3)
    assert parsed.prefixes == ("v3", "2/4")


def test_none_and_non_string_do_not_raise():
    assert parse(None).raw == ""  # type: ignore[arg-type]


@pytest.mark.parametrize("content, tokens", [
    ("PATCH net-next,v9 2/2", ["PATCH", "net-next", "v9", "2/2"]),
    ("PATCHv3 1 / 2", ["PATCH", "v3", "1/2"]),
    ("RFCv2 3 of 4", ["RFC", "v2", "3/4"]),
    ("PATCH stable-4.{4, 9}", ["PATCH", "stable-4.{4, 9}"]),
    (" , ,, ", []),
])
def test_tokenise(content, tokens):
    assert tokenise(content) == tokens


@pytest.mark.parametrize("word, typo", [
    ("PATHC", True), ("FATCH", True), ("PPATCH", True), ("PATCHI", True), ("PACH", True),
    ("patc", True), ("PATCH", False), ("MATCH", False), ("BATCH", False), ("PATCHES", False),
    ("XX", False), ("", False), ("PTAHC", False),
])
def test_is_patch_typo(word, typo):
    assert is_patch_typo(word) is typo


def test_version_key_sorts_numerically():
    versions = ["10", "2", "4.1", "1", "4", "4a", "junk"]
    assert sorted(versions, key=version_key) == ["junk", "1", "2", "4", "4a", "4.1", "10"]


# --- properties --------------------------------------------------------------

_ALPHABET = st.sampled_from(list("[]{}/,.:：  \t\nvVRrEeAaWwPpTtCcHhGgIiLlFfOo0123456789xy回复") + [
    "Re:", "RE: ", "Fwd:", "[PATCH", "PATCH", "v2", "1/3", " / ", " of ", "[EXTERNAL]", "\x1b",
    "GIT", "PULL", "RFC/RFT", "tip:", "]"])
_SUBJECTS = st.one_of(st.text(max_size=300), st.lists(_ALPHABET, max_size=80).map("".join))


@settings(max_examples=500, deadline=None)
@given(_SUBJECTS)
def test_never_raises_and_raw_is_collapsed(subject):
    parsed = parse(subject)
    assert parsed.raw == " ".join(subject.split())
    assert parsed.raw.endswith(parsed.title)
    assert parsed.title == parsed.title.strip()
    assert parsed.index is None or parsed.expected is not None
    assert version_key(parsed.version)[0] >= 0
    assert parse(parsed.raw) == parsed


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_title_survives_brackets_and_markers(title):
    title = " ".join(title.split())
    if title[:1] in "[" or re.match(r"(?i)\w{1,8}\s*[:：]|\S{0,3}\[", title) or not title:
        return
    parsed = parse(f"Re: [PATCH v2 1/2] {title}")
    assert parsed.title == title
    assert (parsed.is_reply, parsed.index, parsed.expected) == (True, 1, 2)


_HOSTILE_UNITS = ["[", "]", "[]", "[EXTERNAL] ", "[X] Re: ", "Re: ", "Re[1]: ", "{", "{a ",
                  "1 / ", "1 of ", ",", "v1 ", "PATCHv1", "PATHC ", "ab:", "回复：", "\x1b[0;1c",
                  "x v", "(v1"]


@pytest.mark.parametrize("unit", _HOSTILE_UNITS)
def test_hostile_input_is_linear(unit):
    """10,000+ character garbage parses quickly, and 4x the input costs about 4x
    the time (a quadratic parser would take 16x); the bounds are generous."""
    def cost(text: str) -> float:
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            parse(text)
            best = min(best, time.perf_counter() - start)
        return best

    small = (unit * (10_000 // len(unit) + 1))
    for wrap in (lambda s: s, lambda s: "[PATCH " + s + "] x", lambda s: "Re: [" + s):
        t1, t4 = cost(wrap(small)), cost(wrap(small * 4))
        assert t4 < 2.0
        assert t4 < 12 * t1 + 0.05


# --- the real archive --------------------------------------------------------

_LOOKS_COUNTED = re.compile(r"^(?:\S{1,6}:\s*)*\[[^\]]*\b\d{1,4}\s*/\s*\d{1,4}\b")


@pytest.mark.real
def test_every_real_subject(real_archive):
    out = subprocess.run(["git", "-C", str(real_archive), "log", "--format=%s"],
                         capture_output=True, check=True).stdout
    subjects = out.decode("utf-8", errors="replace").split("\n")[:-1]
    assert len(subjects) > 1000
    parsed = [parse(s) for s in subjects]
    counted = [p for s, p in zip(subjects, parsed) if _LOOKS_COUNTED.match(s)]
    with_index = sum(p.index is not None and p.expected is not None for p in counted)
    tagged = [p for s, p in zip(subjects, parsed) if re.search(r"(?i)\[[^\]]*\bpatch", s)]
    replies = sum(p.is_reply for p in parsed)
    explicit = sum(p.version_explicit for p in parsed)
    print(f"\n{len(subjects)} subjects: {len(counted)} look like [… n/N], {with_index} parsed "
          f"with index; {sum(p.has_patch_tag for p in tagged)}/{len(tagged)} PATCH-tagged; "
          f"{replies} replies; {explicit} explicit versions; "
          f"{sum('PATCH?' in p.keywords for p in parsed)} PATCH typos")
    assert with_index >= 0.99 * len(counted)
    assert sum(p.has_patch_tag for p in tagged) >= 0.98 * len(tagged)
    assert all(p.raw.endswith(p.title) for p in parsed)
    assert 0.3 * len(parsed) < replies < 0.8 * len(parsed)
    assert all(p.index is None or p.expected is not None for p in parsed)
