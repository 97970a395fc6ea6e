"""Fuzzing with hypothesis: the mail parser, the subject grammar, the diffstat parser and
the Markdown escaping never raise and keep their invariants.

Profiles live in tests/hostile/__init__.py: ``ci`` (default, a few hundred examples
per property) and ``deep`` (10,000+): ``HYPOTHESIS_PROFILE=deep pytest tests/test_fuzz.py``.
Every failure found becomes a regular test at the bottom of this file.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from ssg import diffstat, markup, subject
from ssg.mail import parse
from ssg.model import Diffstat, Mail, RawMessage, Subject
from ssg.render import make_markdown
from tests.hostile import PROFILE

FUZZ = settings.get_profile(PROFILE)
"""Applied to each property here (not loaded globally, so other modules keep their own settings)."""

MAIL_DIR = Path(__file__).parent / "data" / "mail"
FIXTURES = [p.read_bytes() for p in sorted(MAIL_DIR.glob("*.eml"))]
MD = make_markdown()
TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")

# text that looks like mail and Markdown: the characters that matter, plus anything
nasty = st.lists(st.sampled_from(list("[]()<>!`*_#&\\|{}:;-=+.~\"' \t\n\r/@") +
                                         ["javascript:", "data:", "<script>", "PATCH", "Re:", "v2", "1/3",
                                          "\u202e", "\u200b", "\x00", "\x1b", "```", "---", "{{", "{%", "&amp;",
                                          "http://", "a", "Z", "9", "é", "\ud7ff", "\U0001f600"]), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=200), nasty)


def raw(data: bytes) -> RawMessage:
    return RawMessage(commit="c" * 40, blob="b" * 40, epoch=0, data=data, committed=1_780_000_000,
                      authored=1_780_000_000)


def check_mail(mail: Mail, data: bytes) -> None:
    assert isinstance(mail, Mail)
    internal = [p for p in mail.problems if p.code == "parse-error"]
    assert not internal, internal  # the catch-all fallback hides a crash of the parser
    assert mail.message_id and mail.size == len(data)
    assert isinstance(mail.subject, Subject) and isinstance(mail.text, str)


# --- mail -------------------------------------------------------------------------------

@FUZZ
@given(st.binary(max_size=2000))
def test_mail_parse_never_raises_on_bytes(data):
    check_mail(parse(raw(data)), data)


header_names = st.sampled_from(["From", "To", "Cc", "Subject", "Date", "Message-ID", "References",
                                "In-Reply-To", "Content-Type", "Content-Transfer-Encoding", "Reply-To",
                                "X-Original-From", "List-Id", "MIME-Version", "Content-Disposition"])


@FUZZ
@given(st.lists(st.tuples(header_names, any_text), max_size=12), any_text,
       st.sampled_from([b"\n", b"\r\n", b"\r"]))
def test_mail_parse_never_raises_on_header_soup(headers, body, eol):
    data = eol.join(f"{k}: {v}".encode("utf-8", "surrogatepass") for k, v in headers) + eol * 2 + \
        body.encode("utf-8", "surrogatepass")
    check_mail(parse(raw(data)), data)


@st.composite
def mutated_fixture(draw):
    data = bytearray(draw(st.sampled_from(FIXTURES)))
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "dup", "truncate", "splice"]))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(at, len(data) - 1)] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b"\n", b"\r\n", b"\x00", b"\xff", b"=?utf-8?q?=0A?=", b"--",
                                                b"boundary=", b"\n\n", b"Content-Type: multipart/mixed\n",
                                                b"base64", b"=", b"diff --git a/x b/x\n", b"@@ -1 +1 @@\n",
                                                b"---\n", b" | 99 +-\n", b"<", b">", b"[PATCH 1/0]"]))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "dup":
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
        elif op == "truncate":
            del data[at:]
        elif op == "splice":
            other = draw(st.sampled_from(FIXTURES))
            start = draw(st.integers(0, len(other)))
            data[at:at] = other[start:start + draw(st.integers(1, 400))]
    return bytes(data)


@FUZZ
@given(mutated_fixture())
def test_mail_parse_never_raises_on_mutated_fixtures(data):
    check_mail(parse(raw(data)), data)


# --- subject ----------------------------------------------------------------------------

@FUZZ
@given(any_text)
@example("[PATCH v" + "9" * 5000 + "]")
@example("Re: " * 2000)
def test_subject_parse_never_raises(text):
    s = subject.parse(text)
    assert isinstance(s, Subject)
    assert s.title in s.raw
    assert s.index is None or s.index >= 0
    assert s.expected is None or s.expected >= 0
    assert isinstance(s.version, str) and s.version
    subject.version_key(s.version)


@FUZZ
@given(st.lists(st.sampled_from(["Re:", "RE:", "Fwd:", "AW:", "[", "]", "PATCH", "v2", "RFC", "1/3", "0/0",
                                 "net-next", ",", " ", "(v3)", "[EXTERNAL]", "10.5/12"]), max_size=30))
def test_subject_parse_on_grammar_shaped_soup(tokens):
    test_subject_parse_never_raises.hypothesis.inner_test("".join(tokens))


# --- diffstat ---------------------------------------------------------------------------

diff_lines = st.lists(st.one_of(
    st.sampled_from(["diff --git a/x b/x", "diff --git a/\"q\\tx\" b/\"q\\tx\"", "--- a/x", "+++ b/x",
                     "--- /dev/null", "+++ /dev/null", "@@ -1 +1 @@", "@@ -1,3 +1,2 @@ f",
                     "@@ -0,0 +1,99999999999 @@", "+a", "-b", " c", "\\ No newline at end of file",
                     "Binary files a/x and b/y differ", "GIT binary patch", "literal 0",
                     "rename from a", "rename to b", "similarity index 90%", "new file mode 100644",
                     "deleted file mode 100644", "old mode 100644", "new mode 100755", "index 1..2 100644",
                     "copy from x", "copy to y", "", "-- ", "2.40.0"]),
    any_text.map(lambda t: t.replace("\n", " "))), max_size=40)


@FUZZ
@given(diff_lines)
def test_diffstat_compute_never_raises(lines):
    ds = diffstat.compute("\n".join(lines))
    assert isinstance(ds, Diffstat)
    for f in ds.files:
        assert f.insertions >= 0 and f.deletions >= 0 and isinstance(f.path, str)
    diffstat.format_diffstat(ds)
    diffstat.summary_line(ds)


@FUZZ
@given(any_text)
def test_diffstat_summary_never_raises(text):
    diffstat.summary(text)
    diffstat.compute(text)


# --- Markdown escaping --------------------------------------------------------------------

def body_of(rendered: str) -> str:
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n"), rendered
    return rendered[3:-5]


@FUZZ
@given(any_text)
@example("1. item")
@example("- [x](javascript:alert(1))")
@example("<javascript:alert(1)>")
@example("&#106;avascript:alert(1)")
@example("a {#id .cls onclick=x}")
@example("![i](data:text/html,x)")
@example("\\")
def test_inline_renders_as_literal_text_without_links_or_tags(text):
    escaped = markup.inline(text)
    shown = markup.plain(text)
    assume(shown)
    rendered = MD.render(escaped)
    inner = body_of(rendered)
    assert not TAG.search(inner.replace("<br />", "")), rendered
    assert html.unescape(inner) == shown


@FUZZ
@given(any_text)
@example("x](javascript:alert(1)")
@example("]]]]")
def test_link_text_never_changes_the_target_or_adds_tags(text):
    assume(markup.plain(text))
    rendered = MD.render(markup.link(text, "../series/a b(1).md"))
    inner = body_of(rendered)
    assert inner.startswith('<a href="../series/a%20b%281%29.md">') and inner.endswith("</a>"), rendered
    assert inner.count("<a ") == 1 and not TAG.search(inner[inner.index(">") + 1:-4])
    assert html.unescape(inner[inner.index(">") + 1:-4]) == markup.plain(text)


@FUZZ
@given(st.lists(st.tuples(any_text, any_text, any_text), min_size=1, max_size=5))
@example([("a | b", "c\\|d", "`|`")])
def test_table_cells_never_split_or_inject(rows):
    table = markup.table(("A", "B", "C"), [tuple(markup.inline(c) for c in row) for row in rows])
    rendered = MD.render(table + "\n")
    assert rendered.count("<tr>") == len(rows) + 1, rendered
    assert rendered.count("<td>") + rendered.count("<td ") == 3 * len(rows), rendered
    tags = {m.group(2).lower() for m in TAG.finditer(rendered)}
    assert tags <= {"table", "thead", "tbody", "tr", "th", "td"}, tags


@FUZZ
@given(any_text, st.sampled_from(["text", "diff", "diffstat", ""]))
@example("```\n<script>x</script>\n```", "text")
@example("~~~\n", "text")
def test_fence_holds_any_text(text, lang):
    block = markup.fence(text, lang or "text")
    rendered = MD.render(block + "\n\nafter\n")
    assert rendered.count("<pre") == 1 and rendered.endswith("<p>after</p>\n"), rendered
    code = rendered[rendered.index("<code>") + 6:rendered.index("</code></pre>")]
    assert not re.search(r"<(?!/?span\b)", code), code
    expected = markup.visible(text).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    plain = html.unescape(re.sub(r"</?span[^>]*>", "", code)).rstrip("\n")
    if lang in ("diff", "diffstat"):  # Pygments drops leading blank lines (stripnl): cosmetic
        plain, expected = plain.lstrip("\n"), expected.lstrip("\n")
    assert plain == expected


yaml_values = st.recursive(st.one_of(any_text, st.integers(), st.booleans(), st.none()),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                               st.text(alphabet="abcdefgh_", min_size=1, max_size=6), inner, max_size=4),
                           max_leaves=12)


def cleaned(value):
    if isinstance(value, str):
        return markup.visible(value)
    if isinstance(value, dict):
        return {k: cleaned(v) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v) for v in value]
    return value


@FUZZ
@given(st.dictionaries(st.text(alphabet="abcdefgh_", min_size=1, max_size=8), yaml_values, max_size=6)
       .map(lambda d: {"title": "t", **d}))
def test_front_matter_round_trips_and_stays_one_block(meta):
    block = markup.front_matter(meta)
    assert block.startswith("---\n") and block.endswith("---\n")
    inner = block[4:-4]
    assert "\n---\n" not in "\n" + inner and "\n...\n" not in "\n" + inner
    assert yaml.safe_load(inner) == cleaned(meta)
    tokens = MD.parse(block + "body\n")
    assert tokens[0].type == "front_matter"


# --- failures found by fuzzing, kept as regular tests -------------------------------------------

def test_fence_keeps_leading_blank_lines_of_plain_text():
    """Found by fuzzing: highlighted fences lose leading blank lines (Pygments' stripnl); plain ones keep them."""
    rendered = MD.render(markup.fence("\n0", "text"))
    assert rendered == '<pre class="lang-text"><code>\n0\n</code></pre>\n'


def test_whitespace_only_inline_text_is_empty_and_control_characters_stay_visible():
    assert markup.plain("\t\n ") == "" and markup.inline(" \n") == ""
    assert markup.inline(" \r\n") == "\ufffd" and markup.inline("\x1b[2J") == "\ufffd\\[2J"
