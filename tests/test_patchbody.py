"""ssg.patchbody: splitting bodies, trailers, follow-ups, footers, metadata, pulls."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg import patchbody as pb
from ssg import trailers as tr
from ssg.model import Address

DIFF = """diff --git a/x.c b/x.c
--- a/x.c
+++ b/x.c
@@ -1 +1 @@
-a
+b
"""
STAT = " x.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n"


def test_signature_is_cut_at_the_last_marker():
    body, sig = pb.split_signature("text\n-- \nfirst\n-- \nName\n")
    assert body == "text\n-- \nfirst\n" and sig == "Name\n"


def test_signature_marker_followed_by_a_diff_is_not_a_signature():
    text = "msg\n-- \n" + DIFF
    assert pb.split_signature(text) == (text, "")


@pytest.mark.parametrize("body,split_at", [
    ("msg\n---\n" + STAT + "\n" + DIFF, "---\n"),
    ("msg\n---  \t\n" + STAT + "\n" + DIFF, "---  \t\n"),          # trailing whitespace
    ("msg\n" + DIFF, "diff --git"),                                # no separator
    ("msg\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n", "--- a/x.c"),
    ("cover\n---\n" + STAT, "---\n"),                              # diffstat only
    ("first\n---\nsecond\n", None),                                 # decoration, no diff
    ("first\n----\n" + DIFF, "diff --git"),                         # four dashes: no split
    ("> diff --git a/x b/x\n> --- a/x\n---\nreply\n", None),        # quoted diff only
    ("msg\n" + DIFF + "---\n", "diff --git"),                         # '---' after the diff
])
def test_split_point(body, split_at):
    at = pb.split_point(body)
    if split_at is None:
        assert at == -1
    else:
        assert body[at:].startswith(split_at)


def test_split_body_in_body_headers_message_and_basement():
    parts = pb.split_body("\nFrom: Ann <ann@example.com>\nSubject: x\n\nMessage.\n\n"
                          "Signed-off-by: Ann <ann@example.com>\n---\n" + STAT + "\n" + DIFF +
                          "-- \n2.43.0\n")
    assert parts.headers == (("From", "Ann <ann@example.com>"), ("Subject", "x"))
    assert parts.message == "Message.\n\nSigned-off-by: Ann <ann@example.com>"
    assert parts.basement.startswith("---\n x.c | 2 +-")
    assert parts.signature == "2.43.0\n"


@pytest.mark.parametrize("first", [
    "Fixes: 0123456789ab (\"x: y\")",        # a trailer-only message is not a header block
    "From: Ann <ann@example.com>\nnot a header line",
    "Note: something",
])
def test_first_paragraph_is_headers_only_when_it_looks_like_mail_headers(first):
    parts = pb.split_body(first + "\n\nrest\n")
    assert parts.headers == ()
    assert parts.message.startswith(first.split("\n")[0])


def test_trailer_kinds_comments_and_extra_lines():
    ts = tr.parse_trailers(
        "Intro.\n\nLink: https://example.org/r/1\nCc: stable@vger.example.org # 6.1+\n"
        "[ann: fixed a typo]\n  Acked-by: Bo <bo@example.com>\n"
        "Signed-off-by: Ann <ann@example.com<mailto:ann@example.com>>\nFoo-by: someone\n"
        "Phone: +1 555 0100\n# a comment line\n")
    got = [(t.name, t.canonical, t.kind, t.value) for t in ts]
    assert got == [
        ("Link", "link", "utility", "https://example.org/r/1"),
        ("Cc", "cc", "person", "stable@vger.example.org"),
        ("Acked-by", "acked-by", "person", "Bo <bo@example.com>"),
        ("Signed-off-by", "signed-off-by", "person", "Ann <ann@example.com>"),
        ("Foo-by", "foo-by", "unknown", "someone"),
    ]
    assert ts[3].person == Address("Ann", "ann@example.com")


def test_fixes_needs_a_sha_and_wrapped_fixes_is_rejoined():
    ts = tr.parse_trailers("Fixes: abcdef123456 (\"net: a long\n  title: wrapped\")\n"
                           "Fixes: see above\nSigned-off-by: A <a@example.com>")
    assert [(t.canonical, t.value) for t in ts] == [
        ("fixes", 'abcdef123456 ("net: a long title: wrapped")'),
        ("signed-off-by", "A <a@example.com>")]


def test_name_then_email_on_the_next_line_is_rejoined():
    (t,) = tr.parse_trailers("Reviewed-by: Long Name\n<long.name@example.com>")
    assert t.person == Address("Long Name", "long.name@example.com")


def test_prose_paragraph_ending_in_a_colon_line_has_no_trailers():
    assert tr.parse_trailers("This is prose.\nNote: not a trailer") == ()
    assert tr.parse_trailers("Only prose here.") == ()


@pytest.mark.parametrize("name,canonical", [
    ("Reviwed-by", "reviewed-by"), ("Reveiewed-by", "reviewed-by"),
    ("Signed-of-by", "signed-off-by"), ("REVIEWED-BY", "reviewed-by"),
    ("Tested-by", "tested-by"),
])
def test_trailer_typos_are_mapped_once(name, canonical):
    assert tr.canonical_name(name) == canonical


def test_followups_are_strict():
    text = ("> Reviewed-by: Quoted <q@example.com>\nLooks good.\n"
            "Reviewed-by: Ann <ann@example.com>\n"
            "Tested-by: works for me\n"                 # no address: dropped
            "Tested-by: https://ci.example.org/1\n"     # URL outside link trailers: dropped
            "Link: https://lore.example.org/r/1\n"
            "Fixes: 0123456789ab (\"x\")\n"
            "From: Someone <someone@example.com>\n"     # header-ish names dropped
            "Cc: Other <other@example.com>\n"
            "Rëviewed-by: Non Ascii <n@example.com>\n"  # non-ASCII name: dropped
            "Acked-by: Bo <bo@example.com>")
    got = [(t.canonical, t.kind) for t in tr.parse_followups(text)]
    assert got == [("reviewed-by", "person"), ("link", "utility"), ("fixes", "utility"),
                   ("acked-by", "person")]


@pytest.mark.parametrize("footer", [
    "_______________________________________________\nVirt mailing list\n"
    "virt@lists.example.org\nhttps://lists.example.org/mailman/listinfo/virt\n",
    "_______________________________________________\nkvm mailing list -- kvm@lists.example.org\n"
    "To unsubscribe send an email to kvm-leave@lists.example.org\n",
])
def test_mailman_footers_are_stripped(footer):
    text, found = pb.strip_footer("Body text.\n" + footer)
    assert found and text == "Body text.\n"
    assert pb.is_footer_only(footer) and not pb.is_footer_only("Hi\n" + footer)


def test_a_rule_of_underscores_without_list_text_is_kept():
    text = "Body\n____________________________\nsignature art\n"
    assert pb.strip_footer(text) == (text, False)


def test_basement_ids_ignore_prerequisite_change_id():
    text = ("prerequisite-change-id: 20250101-other-0000\nbase-commit: ABCDEF1234567\n"
            "change-id: 20250301-this-1111\n")
    assert pb.basement_ids(text) == ("20250301-this-1111", "abcdef1234567")
    assert pb.basement_ids("prerequisite-change-id: x\n") == ("", "")


def test_diffstat_block_as_sent():
    basement = "---\nnotes\n\n x.c | 2 +-\n y.bin | Bin 0 -> 3 bytes\n 2 files changed, " \
               "1 insertion(+), 1 deletion(-)\n create mode 100644 y.bin\n\n" + DIFF
    assert pb.diffstat_block(basement) == (
        " x.c | 2 +-\n y.bin | Bin 0 -> 3 bytes\n"
        " 2 files changed, 1 insertion(+), 1 deletion(-)\n create mode 100644 y.bin")
    assert pb.diffstat_block("---\n" + DIFF) == ""


def test_request_pull_and_quoted_request_pull():
    body = ("The following changes since commit 0123456789abcdef:\n\n  title\n\n"
            "are available in the Git repository at:\n\n  git://git.example.org/x.git for-linus\n\n"
            "for you to fetch changes up to fedcba9876543210:\n")
    pr = pb.parse_pull(body)
    assert (pr.base, pr.url, pr.branch, pr.tip) == (
        "0123456789abcdef", "git://git.example.org/x.git", "for-linus", "fedcba9876543210")
    quoted = "\n".join("> " + line for line in body.split("\n"))
    assert pb.parse_pull(quoted) is None


def test_analyse_takes_the_diff_from_an_attached_patch():
    patch = ("From: Ivy <ivy@example.com>\nSubject: [PATCH] x\n\nFix x.\n\n"
             "Signed-off-by: Ivy <ivy@example.com>\n---\n" + STAT + "\n" + DIFF)
    info = pb.analyse("Please see the attachment.\n", (patch,))
    assert info.text == "Please see the attachment."
    assert info.in_body_from == "Ivy <ivy@example.com>"
    assert info.diffstat.files[0].path == "x.c"
    assert info.diffstat_text.endswith("1 deletion(-)")
    assert [t.canonical for t in info.trailers] == ["signed-off-by"]


def test_analyse_of_a_reply_with_a_quoted_patch_has_no_diff():
    info = pb.analyse("On Mon, A wrote:\n" + "".join("> " + l + "\n" for l in DIFF.split("\n")))
    assert info.diffstat is None and info.trailers == ()


@pytest.mark.parametrize("hostile", [
    "a: " * 70000,
    ("x" * 5000 + "\n") * 40,
    "\n" * 200000,
    "--- a/" * 40000,
    "Fixes: (" * 30000,
    ("Reviewed-by: " + "<" * 3000 + "\n") * 30,
    "_" * 200000,
    "@@ -1 +1 @@\n" * 20000,
    "diff --git " + "a/ b/" * 40000,
])
def test_hostile_big_inputs_finish(hostile):
    pb.analyse(hostile)
    tr.parse_followups(hostile)
    tr.parse_trailers(hostile)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\n", "---", "-- ", " ", "> ", "From: A <a@b.c>", "x",
                                 "Reviewed-by: ", "<a@b.c>", "diff --git a/x b/x", "@@ -1 +1 @@",
                                 "+", "-", "Fixes: 0123456 (", ")", "[x]", "# c", "base-commit: ",
                                 "1 file changed", "The following changes since commit ",
                                 "_" * 30, "mailing list", "\t", "é"]), max_size=80)
       .map("".join))
def test_analyse_never_raises(text):
    info = pb.analyse(text)
    assert isinstance(info.text, str)
    assert all(t.kind in ("person", "utility", "unknown") for t in info.trailers + info.followups)


@pytest.mark.parametrize("data,charset,text,problem", [
    ("café".encode(), None, "café", ""),
    ("café".encode(), "us-ascii", "café", ""),                     # mislabelled utf-8
    ("café".encode("latin-1"), "iso-8859-1", "café", ""),
    ("café".encode("latin-1"), "utf-8", "café", ""),               # cp1252 fallback
    ("café".encode("latin-1"), "y", "café", "unknown charset 'y'"),
    (b"abc", "unknown-8bit", "abc", "unknown charset 'unknown-8bit'"),
    (b"\x81\x8d\x8f", "utf-8", "\x81\x8d\x8f", ""),                 # latin-1 last resort
    (b"abc", "base64", "abc", "unknown charset 'base64'"),         # bytes codec refused
    (b"xn--abc", "punycode", "xn--abc", "unknown charset 'punycode'"),
    ("€".encode("iso-8859-15"), "iso-8859-15", "€", ""),             # declared wins
    ("€".encode("cp1252"), None, "€", ""),                          # cp1252 fallback
])
def test_decode_text_chain(data, charset, text, problem):
    assert pb.decode_text(data, charset) == (text, problem)


def test_decode_transfer():
    assert pb.decode_transfer(b"aGVsbG8=\n", "base64") == (b"hello", "")
    assert pb.decode_transfer(b"aGVsbG8\n", " Base64 ")[0] == b"hel"      # bad padding
    assert pb.decode_transfer(b"caf=C3=A9 soft=\nbreak", "quoted-printable") == (
        "café softbreak".encode(), "")
    assert pb.decode_transfer(b"as is", "8bit") == (b"as is", "")


def test_normalise_newlines():
    assert pb.normalise_newlines("a\r\nb\rc\nd\x00") == "a\nb\nc\nd"


def test_an_address_with_spaces_inside_its_angle_brackets_is_not_part_of_the_name():
    t = tr.make_trailer("Acked-by", "Bal Example < Bal.Example@microchip.example >")
    assert t.person == Address("Bal Example", "bal.example@microchip.example")
    for value in ("Jo Example (jo@corp.example)", "Jo Example <jo@corp.example", "Jo Example [jo@corp.example]"):
        assert tr.make_trailer("Reviewed-by", value).person == Address("Jo Example", "jo@corp.example")


def test_a_fixes_title_left_unclosed_does_not_swallow_the_trailers_below_it():
    text = ("Fix the thing.\n\n"
            "Fixes: 0123456789ab (\"x86/hyperv: report crash data\"\n"
            "Fixes: 89abcdef0123 (\"drivers: hv: log when enabling\n"
            "  x86/hyperv: the title goes on\n"
            "Cc: Ann Example <ann@example.com>\n"
            "Tested-by: Bo Example <bo@example.com>\n"
            "Signed-off-by: Cy Example <cy@example.com>")
    got = [(t.canonical, t.value) for t in tr.parse_trailers(text)]
    assert [c for c, _ in got] == ["fixes", "fixes", "cc", "tested-by", "signed-off-by"]
    assert got[1][1] == '89abcdef0123 ("drivers: hv: log when enabling x86/hyperv: the title goes on'
