"""The bundled example archive (examples/demo-list.mbox) and its generator.

These tests check the corpus itself, with the standard library only, so they
stay independent of the ssg modules that parse it: it is valid mboxrd, it is
what examples/make_demo.py writes (byte for byte), every diffstat matches its
diff, and every scenario listed in examples/README.md is there.
"""

from __future__ import annotations

import email
import email.policy
import mailbox
import re
import subprocess
import sys
from collections import Counter, defaultdict
from email.header import decode_header, make_header
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MBOX = ROOT / "examples" / "demo-list.mbox"
SCRIPT = ROOT / "examples" / "make_demo.py"

FROM_LINE = b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"

# Message-IDs other tests can rely on (see examples/README.md).
DUPLICATE_ID = "<20260314000032.6120-3-kenji.sato@mail.example.net>"
S1_COVER = "<20260302081200.41877-1-zoe.angstrom@contoso.com>"
S2_COVERS = {
    1: "<20260304-vmbus-ack-batch-v1-0-1eedb767a618@fabrikam.com>",
    2: "<20260311-vmbus-ack-batch-v2-0-22e3b9a624d3@fabrikam.com>",
    3: "<20260318-vmbus-ack-batch-v3-0-4ff0b1a84899@fabrikam.com>",
}
S2_CHANGE_ID = "20260303-vmbus-ack-batch-5d0c71a2e9f4"
RELAY_COVER = "<20260310-dvnet-xdp-stats-v1-0-c4af708b354e@example.com>"
BEHALF = "<20260310153044.70321-1-marcus.oduya@northwind.example>"
VIA_LIST = "<20260312101406.5518-1-sofia.marchetti@inbox.example.org>"
VIA_LIST_REVIEW = "<d51b1f6b-21f1-56ea-c641-176930d62e82@northwind.example>"
INCOMPLETE_COVER = "<20260323120000.52019-1-ingrid.solberg@fabrikam.com>"
V3_6_OF_6 = "<20260316023006.22871-7-li.ming@northwind.example>"
V4_6_OF_6 = "<20260319060240.23990-1-li.ming@northwind.example>"
FIXUP_REPLY = "<ATgldKTPbUyKc3Id@mo-devbox>"
QUOTED_RB_REPLY = "<ae360ba6-5e21-4b7d-a0c3-c8b346f1f12c@fabrikam.com>"
COVER_ACK = "<PIIS9Y57Ydaf0Mz6@mo-devbox>"
OUT_OF_ORDER_COVER = "<20260317090510.31502-1-hannah.lindqvist@mail.example.net>"
GHOST_PARENT = "<aZ9rT2mXq4LkPw0e@mo-devbox>"

FORBIDDEN = ("vger.kernel.org", "lfdr" ".de", "microsoft.com", "linux.microsoft.com",
             "lore.kernel.org")


# ----------------------------------------------------------------- helpers

def _messages() -> list[email.message.Message]:
    return list(mailbox.mbox(str(MBOX)))


@pytest.fixture(scope="module")
def msgs() -> list[email.message.Message]:
    return _messages()


@pytest.fixture(scope="module")
def by_id(msgs) -> dict[str, email.message.Message]:
    out: dict[str, email.message.Message] = {}
    for m in msgs:
        out.setdefault(m["Message-ID"].strip(), m)
    return out


def hdr(m: email.message.Message, name: str) -> str:
    v = m.get(name)
    if v is None:
        return ""
    return re.sub(r"\s+", " ", str(make_header(decode_header(str(v))))).strip()


def text_of(m: email.message.Message) -> str:
    """Decoded text of every text/plain part, mboxrd-unescaped."""
    out = []
    for part in m.walk():
        if part.is_multipart():
            continue
        if part.get_content_type() != "text/plain":
            continue
        raw = part.get_payload(decode=True) or b""
        cs = part.get_content_charset() or "utf-8"
        out.append(raw.decode(cs, errors="replace"))
    text = "\n".join(out)
    return re.sub(r"(?m)^>(>*From )", r"\1", text)


def unquoted_diff(text: str) -> str:
    i = text.find("\ndiff --git ")
    return "" if i < 0 else text[i + 1:]


HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def count_diff(diff: str) -> dict[str, list[int]]:
    """Per-file (added, removed) from a git diff; checks every hunk header."""
    stats: dict[str, list[int]] = {}
    lines = diff.split("\n")
    i = 0
    cur = None
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("diff --git "):
            cur = ln.split(" b/", 1)[1]
            stats[cur] = [0, 0]
        elif (mh := HUNK.match(ln)) and cur is not None:
            old = int(mh.group(2) or 1)
            new = int(mh.group(4) or 1)
            i += 1
            while old > 0 or new > 0:
                body = lines[i]
                tag = body[:1]
                if tag == "+":
                    stats[cur][0] += 1
                    new -= 1
                elif tag == "-":
                    stats[cur][1] += 1
                    old -= 1
                elif tag == " ":
                    old -= 1
                    new -= 1
                elif body.startswith("\\"):
                    pass
                else:
                    raise AssertionError(f"hunk in {cur} ends early at {body!r}")
                i += 1
            assert old == 0 and new == 0, f"hunk header of {cur} disagrees with its lines"
            continue
        i += 1
    return stats


STAT_LINE = re.compile(r"^ (\S.*?)\s+\|\s+(\d+)(?: ([+-]*))?$")
SUMMARY = re.compile(r"^ (\d+) files? changed(?:, (\d+) insertions?\(\+\))?(?:, (\d+) deletions?\(-\))?$")


def parse_diffstat(text: str) -> tuple[dict[str, int], tuple[int, int, int]] | None:
    """The first diffstat block: ({path: changed lines}, (files, ins, del))."""
    lines = text.split("\n")
    for k, ln in enumerate(lines):
        ms = SUMMARY.match(ln)
        if not ms:
            continue
        rows: dict[str, int] = {}
        j = k - 1
        while j >= 0 and (mr := STAT_LINE.match(lines[j])):
            rows[mr.group(1)] = int(mr.group(2))
            j -= 1
        return rows, (int(ms.group(1)), int(ms.group(2) or 0), int(ms.group(3) or 0))
    return None


def counter_of(subject: str) -> tuple[int, int] | None:
    m = re.match(r"^\[[^\]]*?[ ,](\d+)/(\d+)\]", subject)
    return (int(m.group(1)), int(m.group(2))) if m else None


# ----------------------------------------------------------------- structure

def test_mboxrd_framing():
    data = MBOX.read_bytes()
    assert data.startswith(FROM_LINE)
    n = data.count(b"\n" + FROM_LINE) + 1
    assert 80 <= n <= 110
    # every separator is the mboxrd one and is preceded by a blank line
    for m in re.finditer(rb"(?m)^From .*\n", data):
        assert m.group(0) == FROM_LINE
        assert m.start() == 0 or data[m.start() - 2:m.start()] == b"\n\n"
    # bodies contain escaped From_ lines (the corpus has some on purpose)
    assert re.search(rb"(?m)^>From ", data)
    assert b"\r" not in data and b"\0" not in data
    data.decode("utf-8")


def test_message_count_and_required_headers(msgs):
    assert 80 <= len(msgs) <= 110
    for m in msgs:
        for name in ("Message-ID", "Date", "From", "Subject"):
            assert m[name], f"{m['Message-ID']} lacks {name}"
        assert email.utils.parsedate_to_datetime(m["Date"]).tzinfo is not None


def test_dates_span_four_weeks_with_several_zones(msgs):
    dates = [email.utils.parsedate_to_datetime(m["Date"]) for m in msgs]
    first = min(dates, key=lambda d: d.timestamp())
    last = max(dates, key=lambda d: d.timestamp())
    assert str(first.date()) == "2026-03-02" and str(last.date()) <= "2026-03-29"
    zones = {m["Date"].split()[-1] for m in msgs}
    assert {"-0700", "-0800", "+0100", "+0200", "+0800", "+0530", "+0900"} <= zones
    # every ISO week of March 2-29 has traffic
    weeks = Counter(d.isocalendar()[1] for d in dates)
    assert sorted(weeks) == [10, 11, 12, 13]
    assert all(c >= 10 for c in weeks.values())


def test_duplicate_delivery(msgs):
    ids = Counter(m["Message-ID"].strip() for m in msgs)
    dups = [k for k, c in ids.items() if c > 1]
    assert dups == [DUPLICATE_ID]
    copies = [m.as_bytes() for m in msgs if m["Message-ID"].strip() == DUPLICATE_ID]
    assert copies[0] == copies[1]


def test_regenerates_byte_identically(tmp_path):
    out = tmp_path / "demo.mbox"
    subprocess.run([sys.executable, str(SCRIPT), "-o", str(out)], check=True,
                   capture_output=True)
    assert out.read_bytes() == MBOX.read_bytes()


def test_no_real_archive_addresses():
    data = MBOX.read_bytes().lower() + SCRIPT.read_bytes().lower()
    for bad in FORBIDDEN:
        assert bad.encode() not in data, bad
    # kernel.org appears only as the b4 relay and the patchwork bot identity
    for m in re.finditer(rb"[\w.+-]+@kernel\.org", MBOX.read_bytes()):
        assert m.group(0) in (b"devnull+rafael.quintero.example.com@kernel.org",
                              b"patchwork-bot+demovirt@kernel.org"), m.group(0)


def test_threading_references_exist_or_are_known_ghosts(msgs, by_id):
    ghosts = set()
    for m in msgs:
        for ref in re.findall(r"<[^>]+>", m.get("References", "") + m.get("In-Reply-To", "")):
            if ref not in by_id:
                ghosts.add(ref)
    # only the reply to a message posted before the archive starts has ghosts
    assert GHOST_PARENT in ghosts
    assert all("2026022" in g or g == GHOST_PARENT for g in ghosts), ghosts


# ----------------------------------------------------------------- diffs

def test_every_diffstat_matches_its_diff(msgs):
    checked = 0
    for m in msgs:
        text = text_of(m)
        diff = unquoted_diff(text)
        stat = parse_diffstat(text)
        if stat is not None:
            rows, (nfiles, ins, dels) = stat
            assert nfiles == len(rows), m["Subject"]
            # the summary adds up (patches, covers and pull requests alike)
            assert sum(rows.values()) == ins + dels, m["Subject"]
        if not diff:
            continue
        counted = count_diff(diff)           # also validates every hunk header
        if stat is None:
            assert hdr(m, "Subject").lower().startswith("re:"), "only replies carry bare diffs"
            continue
        rows, (nfiles, ins, dels) = stat
        assert set(rows) == set(counted), m["Subject"]
        for path, (a, d) in counted.items():
            assert rows[path] == a + d, (m["Subject"], path)
        assert ins == sum(a for a, _ in counted.values())
        assert dels == sum(d for _, d in counted.values())
        checked += 1
    assert checked >= 40


def test_cover_diffstat_is_the_sum_of_a_complete_series(msgs, by_id):
    patches: dict[str, dict[int, dict[str, list[int]]]] = defaultdict(dict)
    for m in msgs:
        subj = hdr(m, "Subject")
        c = counter_of(subj)
        irt = (m.get("In-Reply-To") or "").strip()
        if c and c[0] > 0 and irt in by_id and not subj.lower().startswith("re"):
            patches[irt][c[0]] = count_diff(unquoted_diff(text_of(m)))
    complete = 0
    for cover_id, got in patches.items():
        cover = by_id[cover_id]
        c = counter_of(hdr(cover, "Subject"))
        if c is None or c[0] != 0 or sorted(got) != list(range(1, c[1] + 1)):
            continue
        total: dict[str, int] = defaultdict(int)
        for per_file in got.values():
            for path, (a, d) in per_file.items():
                total[path] += a + d
        rows, _ = parse_diffstat(text_of(cover))
        assert rows == dict(total), hdr(cover, "Subject")
        complete += 1
    assert complete >= 8


def test_quoted_diffs_are_not_counted(by_id):
    text = text_of(by_id[V3_6_OF_6])
    assert parse_diffstat(text) is not None
    reply = [m for m in by_id.values() if (m.get("In-Reply-To") or "").strip() == V3_6_OF_6
             and hdr(m, "Subject").startswith("Re:")]
    assert reply and not unquoted_diff(text_of(reply[0]))
    assert "> +" in text_of(reply[0])


# ----------------------------------------------------------------- scenarios

def subjects(msgs) -> list[str]:
    return [hdr(m, "Subject") for m in msgs]


def test_scenario_complete_series(msgs, by_id):
    cover = by_id[S1_COVER]
    assert hdr(cover, "Subject") == "[PATCH 0/4] vmbus: rework channel offer handling"
    kids = [m for m in msgs if (m.get("In-Reply-To") or "").strip() == S1_COVER
            and hdr(m, "Subject").startswith("[PATCH ")]
    assert sorted(counter_of(hdr(k, "Subject"))[0] for k in kids) == [1, 2, 3, 4]
    assert "base-commit: " in text_of(cover)


def test_scenario_rerolled_series(by_id):
    for v, mid in S2_COVERS.items():
        body = text_of(by_id[mid])
        assert f"change-id: {S2_CHANGE_ID}" in body
        assert ("v%d " % v if v > 1 else "PATCH 0/3") in hdr(by_id[mid], "Subject")
        if v > 1:
            assert f"Changes in v{v}:" in body
            assert f"Link to v{v - 1}: https://lists.example.org/r/{S2_COVERS[v - 1][1:-1]}" in body
        assert f"-v{v}-0-" in mid


def test_scenario_b4_relay(msgs, by_id):
    relay = [m for m in msgs if "via B4 Relay" in hdr(m, "From")]
    assert len(relay) == 3
    for m in relay:
        assert m["From"].endswith("<devnull+rafael.quintero.example.com@kernel.org>")
        assert m["X-Original-From"] == "Rafael Quintero <rafael.quintero@example.com>"
        assert "rafael.quintero@example.com" in m["Reply-To"]
        body = text_of(m)
        if "diff --git" in body:
            assert body.startswith("From: Rafael Quintero <rafael.quintero@example.com>\n\n")
    assert by_id[RELAY_COVER] in relay


def test_scenario_sent_on_behalf(by_id):
    m = by_id[BEHALF]
    assert "marcus.oduya@northwind.example" in m["From"]
    assert text_of(m).startswith("From: Noor Haddad <noor.haddad@contoso.com>\n\n")


def test_scenario_mailman_munged_sender(by_id):
    m = by_id[VIA_LIST]
    assert m["From"] == '"Sofia Marchetti via Demo-virt" <demo-virt@lists.example.org>'
    assert m["Reply-To"] == "Sofia Marchetti <sofia.marchetti@inbox.example.org>"
    assert text_of(m).rstrip().endswith("https://lists.example.org/mailman/listinfo/demo-virt")
    assert "Content-Type" not in m
    r = by_id[VIA_LIST_REVIEW]
    assert "=?UTF-8?q?" in r["From"] and hdr(r, "From").startswith("Tomás Ferreira via Demo-virt")
    assert r.get_content_type() == "multipart/mixed"
    parts = [p for p in r.walk() if not p.is_multipart()]
    assert parts[0]["Content-Transfer-Encoding"] == "base64"
    assert "Demo-virt mailing list" in parts[1].get_payload()
    assert "Reviewed-by: Tomás Ferreira <tomas.ferreira@northwind.example>" in text_of(r)


def test_scenario_pull_requests(msgs):
    pulls = [m for m in msgs if hdr(m, "Subject").startswith("[GIT PULL]")]
    assert len(pulls) == 2
    for m in pulls:
        body = text_of(m)
        assert "diff --git" not in body
        assert re.search(r"The following changes since commit [0-9a-f]{40}:", body)
        assert re.search(r"^  https://git\.example\.org/\S+ tags/\S+$", body, re.M)
        assert re.search(r"for you to fetch changes up to [0-9a-f]{40}:", body)


def test_scenario_trailers_and_markers(msgs, by_id):
    subs = subjects(msgs)
    assert any(s.startswith("Re: ") for s in subs)
    assert any(s.startswith("RE: ") for s in subs)
    assert any(s.startswith("AW: ") for s in subs)
    bodies = "\n".join(text_of(m) for m in msgs)
    assert re.search(r"(?m)^Reviewed-by: ", bodies)
    assert re.search(r"(?m)^Tested-by: ", bodies)
    ack = by_id[COVER_ACK]
    assert counter_of(hdr(ack, "Subject").removeprefix("Re: ")) == (0, 4)
    assert "\nAcked-by: Marcus Oduya <marcus.oduya@northwind.example>\n" in text_of(ack)
    quoted = text_of(by_id[QUOTED_RB_REPLY])
    assert "> Reviewed-by: Zoë Ångström" in quoted
    assert not re.search(r"(?m)^Reviewed-by:", quoted)


def test_scenario_bots(msgs):
    robot = [m for m in msgs if "build-robot@ci.example.org" in m["From"]]
    assert len(robot) == 2
    assert any(re.match(r"\[demo:for-next 3/5\] \S+\.c:\d+:\d+: error: ", hdr(m, "Subject"))
               for m in robot)
    pw = [m for m in msgs if "patchwork-bot+demovirt@kernel.org" in m["From"]]
    assert len(pw) == 3 and all("was applied to" in text_of(m) for m in pw)


def test_scenario_incomplete_series(msgs, by_id):
    cover = by_id[INCOMPLETE_COVER]
    assert hdr(cover, "Subject").startswith("[PATCH 00/12] ")
    kids = [hdr(m, "Subject")[:15] for m in msgs
            if (m.get("In-Reply-To") or "").strip() == INCOMPLETE_COVER and hdr(m, "Subject").startswith("[PATCH")]
    assert kids == ["[PATCH 03/12] v", "[PATCH 07/12] d", "[PATCH 12/12] g"]
    rows, (nfiles, _, _) = parse_diffstat(text_of(cover))
    assert nfiles == 12


def test_scenario_subject_shapes(msgs, by_id):
    subs = subjects(msgs)
    for prefix in ("[PATCH] ", "[PATCH net-next] ", "[PATCH RESEND] ", "[PATCH v2,2/3] ",
                   "[RFC PATCH 0/2] ", "[PATCH v4 6/6] ", "[PATCH net-next v2] ", "[PATCH v2] "):
        assert any(s.startswith(prefix) for s in subs), prefix
    v4 = by_id[V4_6_OF_6]
    assert v4["In-Reply-To"].strip() == V3_6_OF_6
    fix = by_id[FIXUP_REPLY]
    assert hdr(fix, "Subject").startswith("Re: [PATCH 2/3] ")
    assert unquoted_diff(text_of(fix)) and parse_diffstat(text_of(fix)) is None


def test_scenario_out_of_order_arrival(msgs):
    order = [counter_of(hdr(m, "Subject")) for m in msgs
             if m["Message-ID"].strip().startswith("<20260317090")]
    assert [c[0] for c in order] == [2, 0, 3, 1]


def test_scenario_encodings(msgs):
    cte = Counter((m.get("Content-Transfer-Encoding") or "").lower() for m in msgs)
    assert cte["base64"] >= 1 and cte["quoted-printable"] >= 1 and cte["8bit"] >= 1
    assert any("Content-Type" not in m for m in msgs)
    assert any(m.get_content_charset() == "iso-8859-1" for m in msgs)
    froms = [m["From"] for m in msgs]
    assert any("=?UTF-8?B?" in f for f in froms) and any("=?UTF-8?q?" in f for f in froms)
    names = {hdr(m, "From").split(" <")[0] for m in msgs}
    assert {"Zoë Ångström", "Jiří Novák", "李明"} <= names
    # a sender without display name
    assert "wenwu.k@mail.example.net" in froms
    for m in msgs:
        assert text_of(m)  # every body decodes


def test_scenario_other_mail(msgs):
    subs = subjects(msgs)
    assert "Urgent: unclaimed consignment awaiting your confirmation" in subs
    disc = [s for s in subs if "channel rescind during hibernation" in s]
    assert len(disc) == 4 and not any("[" in s for s in disc)
