"""ssg.mail.parse on our own fixture mails (one quirk each), hostile bytes, the real archive."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssg.mail import parse
from ssg.model import Address, Mail, RawMessage

MAIL_DIR = Path(__file__).resolve().parent / "data" / "mail"
COMMIT, BLOB = "c" * 40, "b" * 40
AUTHORED, COMMITTED = 1_700_000_001, 1_700_000_100
FIXTURES = sorted(MAIL_DIR.glob("*.eml"))


def raw(data: bytes, **kw) -> RawMessage:
    fields = dict(commit=COMMIT, blob=BLOB, epoch=0, data=data, committed=COMMITTED,
                  authored=AUTHORED)
    fields.update(kw)
    return RawMessage(**fields)


def load(stem: str) -> Mail:
    (path,) = MAIL_DIR.glob(f"{stem}*.eml")
    return parse(raw(path.read_bytes()))


def codes(mail: Mail) -> list[str]:
    return [p.code for p in mail.problems]


def test_there_are_enough_fixtures_with_unique_numbers():
    assert len(FIXTURES) >= 25
    numbers = [p.name[:4] for p in FIXTURES]
    assert len(set(numbers)) == len(numbers)


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_every_fixture_parses_with_a_real_id_and_sender(path):
    mail = parse(raw(path.read_bytes()))
    assert "parse-error" not in codes(mail)
    assert mail.size == len(path.read_bytes())
    assert mail.sender.email or mail.synthetic_id
    assert mail.subject.raw
    assert all(p.message_id == mail.message_id and p.commit == COMMIT for p in mail.problems)


def test_plain_patch():
    m = load("0001")
    assert m.message_id == "20250303100000.1234-2-alice@example.com"
    assert m.subject.raw == "[PATCH v2 1/3] foo: pass flags to foo_init()"
    assert m.date == 1741024800  # 10:00 -0800 = 18:00 UTC
    assert m.in_reply_to == "20250303100000.1234-1-alice@example.com"
    assert m.has_diff and m.diffstat.files[0].path == "drivers/foo/core.c"
    assert (m.diffstat.insertions, m.diffstat.deletions) == (2, 1)
    assert m.diffstat_text.endswith("1 file changed, 2 insertions(+), 1 deletion(-)")
    assert [t.canonical for t in m.trailers] == ["signed-off-by"]
    assert ("x-mailer", "git-send-email 2.43.0") in m.hints
    assert "diff --git" not in m.text and "2.43.0" not in m.text
    assert m.problems == ()


def test_b4_relay_sender_is_x_original_from_and_author_is_in_body():
    m = load("0002")
    assert m.from_header.email == "devnull+carol.fabrikam.com@kernel.org"
    assert m.sender == Address("Carol Fabrikam", "carol@fabrikam.com")
    assert m.author == Address("Carol Fabrikam", "carol@fabrikam.com")
    assert not m.text.startswith("From:")
    assert m.change_id == "20250304-foo-leak-0123456789ab"
    assert m.base_commit == "0123456789abcdef0123456789abcdef01234567"
    assert ("x-original-from", "yes") in m.hints


def test_via_list_munged_sender_comes_from_reply_to_and_footer_is_gone():
    m = load("0003")
    assert m.from_header == Address("Zoë Contoso via Virt", "virt@lists.example.org")
    assert m.sender == Address("Zoë Contoso", "zoe@contoso.com")
    assert m.author == m.sender
    assert "mailing list" not in m.text and "____" not in m.text
    assert [t.person.email for t in m.followups] == ["zoe@contoso.com"]


def test_in_body_from_differs_from_sender():
    m = load("0004")
    assert m.sender == Address("Dave Maintainer", "dave@example.org")
    assert m.author == Address("Erin Example", "erin@example.net")
    assert m.text.startswith("The field has not been used")


def test_no_content_type_8bit_utf8():
    m = load("0005")
    assert "café mode" in m.text and "—" in m.text
    assert m.problems == () and not m.has_diff


def test_base64_body_and_encoded_name():
    m = load("0006")
    assert m.text.startswith("Grüße,")
    assert m.from_header.name == "Günter Contoso"
    assert m.followups[0].canonical == "tested-by"


def test_quoted_printable_soft_breaks_and_latin1_encoded_word():
    m = load("0007")
    assert "soft line break somewhere.\nRené" in m.text
    assert m.from_header.name == "René Example"


def test_unknown_charset_falls_back_and_is_recorded():
    m = load("0008")
    assert m.text == "Naïve text in latin-1."
    assert codes(m) == ["charset"]


def test_attached_patch_gives_diff_author_and_attachment_name():
    m = load("0009")
    assert m.attachments == ("0001-foo-handle-zero-length.patch",)
    assert m.has_diff and m.diffstat.files[0].path == "drivers/foo/core.c"
    assert m.text.startswith("Hi, the patch is attached")
    assert m.author == Address("Ivy Fabrikam", "ivy@fabrikam.com")
    assert m.sender.email == "hank@contoso.com"
    assert [t.person.email for t in m.trailers] == ["ivy@fabrikam.com"]


def test_mailman_footer_after_the_diff_is_not_counted():
    m = load("0010")
    assert m.diffstat.insertions == 2 and m.diffstat.deletions == 1


def test_footer_in_a_separate_part_is_dropped():
    m = load("0011")
    assert m.text == "Acked-by: Kim Contoso <kim@contoso.com>"
    assert m.attachments == ()


def test_missing_message_id_is_synthetic_and_deterministic():
    m = load("0012")
    assert m.synthetic_id and m.message_id == f"synthetic.{BLOB}@ssg.invalid"
    assert codes(m) == ["no-message-id"]
    assert load("0012").message_id == m.message_id


def test_bad_zone_is_treated_as_utc():
    m = load("0013")
    assert m.date == 1742068800  # 2025-03-15 20:00:00 UTC
    assert codes(m) == ["bad-date-zone"]


def test_year_9999_does_not_crash():
    assert load("0014").date == 253402300799


def test_missing_date_uses_the_commit_author_time():
    m = load("0026")
    assert m.date == AUTHORED and codes(m) == ["no-date"]


def test_trailers_after_the_separator_with_trailing_spaces_are_not_in_text():
    m = load("0015")
    assert "Notes:" not in m.text and m.has_diff


def test_dashes_as_decoration_in_a_reply_do_not_split():
    m = load("0016")
    assert "Second point" in m.text
    assert [t.canonical for t in m.followups] == ["reviewed-by"]


def test_trailer_typos_map_to_reviewed_by_but_keep_their_spelling():
    m = load("0017")
    assert [(t.name, t.canonical) for t in m.followups] == [
        ("Reviwed-by", "reviewed-by"), ("Reveiewed-by", "reviewed-by")]


def test_quoted_trailers_are_not_credited_and_strict_followup_rules():
    m = load("0018")
    got = [(t.canonical, t.kind) for t in m.followups]
    assert got == [("acked-by", "person"), ("link", "utility")]
    assert all(t.person is None or t.person.email != "quinn@example.com" for t in m.followups)


def test_wrapped_fixes_and_name_newline_email_are_rejoined():
    m = load("0019")
    by = {t.canonical: t for t in m.trailers}
    assert by["fixes"].value.endswith("wrapped onto a second line\")")
    assert [t.value for t in m.trailers if t.canonical == "fixes"] == [by["fixes"].value]
    assert by["reported-by"].person == Address("Tina Contoso", "tina@contoso.com")
    assert by["cc"].value == "stable@vger.example.org"
    assert "email" not in by and by["signed-off-by"].kind == "person"


def test_rename_only_patch():
    m = load("0020")
    (f,) = m.diffstat.files
    assert (f.status, f.old_path, f.path) == ("R", "include/foo/old.h", "include/foo/new.h")
    assert "rename include/foo/{old.h => new.h} (100%)" in m.diffstat_text


def test_binary_patch():
    (f,) = load("0021").diffstat.files
    assert f.binary and f.status == "A" and f.path == "firmware/foo.bin"


def test_request_pull():
    p = load("0022").pull
    assert p.base == "0123456789abcdef0123456789abcdef01234567"
    assert p.url == "https://git.example.org/pub/scm/linux/kernel/git/wes/foo.git"
    assert p.branch == "tags/foo-fixes-6.15-rc2"
    assert p.tip == "89abcdef0123456789abcdef0123456789abcdef"


def test_quoted_encoded_name_with_backslashes_via_list():
    m = load("0023")
    assert m.from_header.name == "Xavier (Xav) Muñoz via Virt"
    assert m.sender == Address("Xavier (Xav) Muñoz", "xavier.munoz@contoso.com")


def test_reference_cleaning():
    m = load("0024")
    assert m.message_id == "refs-1@example.com"
    assert m.references == ("root-0@example.com", "E5C2A201B1BD", "q-1@fabrikam.com")
    assert m.in_reply_to == "q-1@fabrikam.com"


def test_b4_cover_metadata_ignores_prerequisite_change_id():
    m = load("0025")
    assert m.change_id == "20250301-foo-flags-0123456789ab"
    assert m.base_commit == "89abcdef0123456789abcdef0123456789abcdef"
    assert not m.has_diff and m.diffstat is None
    assert m.diffstat_text.splitlines()[-1] == " 2 files changed, 11 insertions(+), 1 deletion(-)"
    assert m.text == "This series passes flags around."


def test_crlf_and_lone_cr_are_normalised():
    m = load("0027")
    assert "\r" not in m.text and "a lone CR here.\nAnd LF here." in m.text
    assert m.diffstat.insertions == 2


def test_bare_address_sender_takes_the_in_body_name():
    m = load("0028")
    assert m.from_header == Address("", "ben.personal@example.net")
    assert m.sender == Address("Ben Example", "ben.personal@example.net")
    assert m.author == Address("Ben Example", "ben@example.com")


def test_quoted_diff_is_not_a_diff():
    m = load("0029")
    assert not m.has_diff and m.diffstat is None


def test_non_git_diffs_are_counted():
    m = load("0030")
    assert [(f.path, f.insertions, f.deletions) for f in m.diffstat.files] == [
        ("tools/foo/run.sh", 1, 1), ("tools/foo/other.sh", 1, 0)]


def test_multipart_signed_reply():
    m = load("0031")
    assert m.text == "Reviewed-by: Eve Example <eve@example.com>"
    assert m.attachments == ("signature.asc",)


def test_encoded_folded_subject_is_decoded_and_collapsed():
    assert load("0032").subject.raw == "Re: [PATCH] foo: café mode and more"


def test_deleted_flag_and_empty_blob():
    m = parse(raw(b"", deleted=True))
    assert m.deleted and m.synthetic_id and "empty" in codes(m)
    assert m.date == AUTHORED and m.arrived == COMMITTED


def test_megabyte_body_is_parsed():
    hunk = "".join(f"+line {i}\n" for i in range(60000))
    body = (f"From: A <a@example.com>\nSubject: [PATCH] big\nMessage-ID: <big@example.com>\n\n"
            f"Big.\n---\ndiff --git a/big.txt b/big.txt\n--- a/big.txt\n+++ b/big.txt\n"
            f"@@ -0,0 +1,60000 @@\n{hunk}")
    m = parse(raw(body.encode()))
    assert m.diffstat.insertions == 60000


# --- never raise --------------------------------------------------------------

def _mutate(data: bytes, cuts: list[tuple[int, int, bytes]]) -> bytes:
    out = bytearray(data)
    for pos, length, junk in cuts:
        pos %= len(out) + 1
        out[pos:pos + length] = junk
    return bytes(out)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_parse_never_raises_on_arbitrary_bytes(data):
    mail = parse(raw(data))
    assert "parse-error" not in codes(mail)
    assert isinstance(mail.message_id, str) and mail.message_id


HOSTILE = st.sampled_from([b"\n", b"\r\n", b"=?", b"?=", b"=?utf-8?b?", b"=?x?q?=FF", b"<",
                           b">", b"\"", b"\\", b"\xff\xfe", b"\x00", b"--", b"---\n",
                           b"\ndiff --git ", b"\n@@ -1 +1 @@\n", b"Content-Type: multipart/mixed;"
                           b" boundary=x\n", b"\n--x\n", b"charset=y", b"base64", b"-9900"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURES),
       st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 40),
                          st.one_of(HOSTILE, st.binary(max_size=20))), max_size=6))
def test_parse_never_raises_on_mutated_fixtures(path, cuts):
    data = _mutate(path.read_bytes(), cuts)
    mail = parse(raw(data))
    assert "parse-error" not in codes(mail)
    assert parse(raw(data)) == mail  # pure: same bytes, same Mail


# --- the real archive -------------------------------------------------------------

def _real_messages(path: Path) -> list[RawMessage]:
    from ssg.archive import Archive

    with Archive.open(path) as archive:
        return list(archive.messages(archive.resolve(None)))


@pytest.mark.real
@pytest.mark.slow
def test_every_real_message_parses(real_archive, capsys):
    messages = _real_messages(real_archive)
    mails = [parse(m) for m in messages]
    problems = collections.Counter(p.code for m in mails for p in m.problems)
    with capsys.disabled():
        print(f"\n{len(mails)} messages; problems: {dict(problems)}")
    assert problems["parse-error"] == 0
    assert len(mails) == len(messages) > 1000
    assert sum(m.synthetic_id for m in mails) <= problems["no-message-id"] + problems["empty"]
    # sanity on what the archive is known to contain (MAIL-NOTES headline facts)
    assert sum(m.has_diff for m in mails) > len(mails) // 4
    assert sum(m.pull is not None for m in mails) > 10
    assert sum(m.author != m.sender for m in mails) > 100


def test_attribution_block_in_a_reply_is_not_the_author():
    data = (b"From: Mo Example <mo@example.com>\nSubject: Re: [PATCH] x\n"
            b"Message-ID: <attr-1@example.com>\n\nFrom: Ann Example <ann@example.com>\n"
            b"Date: Mon, 3 Mar 2025\n\n> quoted patch text\n\nApplied, thanks.\n")
    m = parse(raw(data))
    assert m.author == m.sender == Address("Mo Example", "mo@example.com")


def test_year_one_and_garbage_dates_do_not_crash():
    for date in (b"Mon, 1 Jan 0001 00:00:00 +0000", b"Tue, 31 Feb 2025 25:61:61 +0000",
                 b"yesterday", b"Mon, 99 Foo 99999999999 00:00 +0000"):
        m = parse(raw(b"From: a@example.com\nMessage-ID: <d@x>\nDate: " + date + b"\n\nx\n"))
        assert isinstance(m.date, int) and "parse-error" not in codes(m)
    m = parse(raw(b"From: a@example.com\nMessage-ID: <d@x>\nDate: yesterday\n\nx\n"))
    assert m.date == AUTHORED and codes(m) == ["bad-date"]


def test_raw_utf8_in_headers_is_decoded():
    m = parse(raw("From: Jörg Example <jorg@example.com>\nSubject: Grüße\n"
                  "Message-ID: <u@example.com>\n\nx\n".encode()))
    assert m.from_header.name == "Jörg Example" and m.subject.raw == "Grüße"


@pytest.mark.parametrize("header", [
    b"Subject: " + b"=?a?q?" * 100_000,
    b"References: " + b"<a" * 200_000,
    b"From: " + b"a" * 500_000 + b"@",
    b"To: " + b"a@" * 300_000 + b"\nReferences: <a@a>",
    b"From: " + b"\"" * 300_000,
    b"Date: " + b"1 " * 300_000,
    b"In-Reply-To: " + b"=?utf-8?b?" * 100_000,
])
def test_huge_hostile_headers_finish(header):
    m = parse(raw(b"Message-ID: <h@example.com>\n" + header + b"\n\nbody\n"))
    assert m.message_id == "h@example.com" and "parse-error" not in codes(m)


def test_a_mail_that_is_only_an_attached_patch():
    m = load("0033")
    assert m.text.startswith("util: fix b\n\nb was wrong.")
    assert m.has_diff and m.attachments == ("fix.diff",)
    assert [t.person.email for t in m.trailers] == ["gus@contoso.com"]


def test_text_plain_attachment_with_a_diff_is_the_diff_and_a_log_is_not():
    m = load("0034")
    assert m.attachments == ("alt.txt", "boot.log")
    assert [(f.path, f.insertions, f.deletions) for f in m.diffstat.files] == [("lib/util.c", 1, 1)]
    assert "Linux version" not in m.text


def test_html_only_mail_has_no_text_and_says_so():
    m = load("0035")
    assert m.text == "" and codes(m) == ["no-text"] and not m.has_diff


def test_parent_falls_back_to_the_last_reference_and_ids_without_brackets():
    m = parse(raw(b"From: a@example.com\nMessage-ID: naked-id@example.com\n"
                  b"In-Reply-To: <n>\nReferences: <r1@example.com>\n <r2@example.com>\n\nx\n"))
    assert m.message_id == "naked-id@example.com" and not m.synthetic_id
    assert m.references == ("r1@example.com", "r2@example.com")
    assert m.in_reply_to == "r2@example.com"


def test_list_address_from_without_via_is_unmunged_by_reply_to():
    m = parse(raw(b"From: Virt List <virt@lists.example.org>\nReply-To: Pia <pia@example.com>\n"
                  b"List-Id: <virt.lists.example.org>\nMessage-ID: <l@x>\n\nx\n"))
    assert m.sender == Address("Pia", "pia@example.com")
    m = parse(raw(b"From: Rex via Virt <virt@lists.example.org>\nMessage-ID: <l@x>\n\nx\n"))
    assert m.sender == Address("Rex", "virt@lists.example.org") and "munged-from" in codes(m)


def test_reply_trailer_below_an_unquoted_diff_counts_but_the_diff_does_not():
    # b4 reads the whole reply: a reviewer who pastes a fix-up diff and then gives
    # the tag must be credited; lines of the diff (context, added) and the
    # signature never are trailers
    m = load("0036")
    assert m.has_diff and m.subject.is_reply
    assert [(t.canonical, t.person) for t in m.followups] == [
        ("reviewed-by", Address("Marta Contoso", "marta@contoso.com"))]
