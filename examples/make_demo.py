#!/usr/bin/env python3
"""Generate examples/demo-list.mbox, the bundled example archive.

Everything in the mailbox is invented: the list ``demo-virt@lists.example.org``,
its people, organisations, code and commits.  The output is deterministic: no
clock, no randomness, no dependence on the environment, so

    python examples/make_demo.py            # rewrites examples/demo-list.mbox
    python examples/make_demo.py -o X.mbox  # writes elsewhere (the tests do this)

produces the same bytes every time.  Standard library only.

The file is mboxrd: every message starts with ``From mboxrd@z Thu Jan  1 00:00:00
1970`` and body lines matching ``^>*From `` get one more ``>``.  Messages are in
arrival order (the time of the list server's ``Received:`` header), which is not
always the order of their ``Date:`` headers.  See examples/README.md for the
scenarios.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import quopri
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

LIST_ADDR = "demo-virt@lists.example.org"
LIST_NAME = "demo-virt"
LIST_ID = "demo-virt.lists.example.org"
ARCHIVE = "https://lists.example.org/demo-virt/"
GIT_VERSION = "2.43.0"
B4_VERSION = "0.14.2"
TREE = "https://git.example.org/pub/scm/linux/kernel/git/moduya/demo-virt.git"


# --------------------------------------------------------------------------
# small deterministic helpers

def hx(seed: str, n: int = 40) -> str:
    """Deterministic hex string (fake object ids, hashes)."""
    out = ""
    i = 0
    while len(out) < n:
        out += hashlib.sha1(f"{seed}/{i}".encode()).hexdigest()
        i += 1
    return out[:n]


def token(seed: str, n: int = 16) -> str:
    """Deterministic mutt/Thunderbird-like token of letters and digits."""
    raw = hashlib.sha256(seed.encode()).digest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % len(alphabet)] for b in raw)[:n]


def q_encode(text: str) -> str:
    """RFC 2047 Q encoding, the way git-send-email writes display names."""
    out = []
    for b in text.encode("utf-8"):
        c = chr(b)
        if c.isascii() and (c.isalnum() or c in "!*+-/"):
            out.append(c)
        elif c == " ":
            out.append("_")
        else:
            out.append(f"={b:02X}")
    return "=?UTF-8?q?" + "".join(out) + "?="


def b_encode(text: str) -> str:
    return "=?UTF-8?B?" + base64.b64encode(text.encode("utf-8")).decode() + "?="


def fold_addrs(name: str, addrs: list[str], width: int = 78) -> str:
    """Fold an address header after commas, never inside one address."""
    lines = [f"{name}: "]
    for i, a in enumerate(addrs):
        piece = a + ("," if i < len(addrs) - 1 else "")
        if len(lines[-1]) + len(piece) > width and lines[-1].strip() != f"{name}:":
            lines[-1] = lines[-1].rstrip(" ")
            lines.append("\t")
        lines[-1] += piece + " "
    return "\n".join(ln.rstrip(" ") for ln in lines)


def fold(name: str, value: str, width: int = 78) -> str:
    """Fold a header at spaces (continuation lines start with one space)."""
    line = f"{name}: "
    out = []
    for word in value.split(" "):
        if len(line) + len(word) > width and line.strip() not in (f"{name}:", ""):
            out.append(line.rstrip(" "))
            line = " "
        line += word + " "
    out.append(line.rstrip(" "))
    return "\n".join(out)


# --------------------------------------------------------------------------
# people

@dataclass(frozen=True)
class Person:
    name: str
    addr: str
    tz: str            # "us", "eu" or a fixed "+hhmm"
    mailer: str        # gse, b4, mutt, thunderbird, outlook
    enc: str = "q"     # RFC 2047 flavour for non-ASCII names: q or b
    host: str = ""     # for Message-IDs of mail clients
    reply_mailer: str = "mutt"   # what a git-send-email user answers mail with

    @property
    def domain(self) -> str:
        return self.addr.split("@", 1)[1]

    def header(self) -> str:
        if not self.name:
            return self.addr
        if self.name.isascii():
            if any(c in self.name for c in ',.()'):
                return f'"{self.name}" <{self.addr}>'
            return f"{self.name} <{self.addr}>"
        enc = q_encode(self.name) if self.enc == "q" else b_encode(self.name)
        return f"{enc} <{self.addr}>"

    def plain(self) -> str:
        return f"{self.name} <{self.addr}>" if self.name else self.addr

    def offset(self, local: datetime) -> timedelta:
        if self.tz == "us":     # Pacific; DST from Sun 8 Mar 2026 02:00 local
            return timedelta(hours=-7 if local >= datetime(2026, 3, 8, 2) else -8)
        if self.tz == "eu":     # Central Europe; DST from Sun 29 Mar 2026 02:00 local
            return timedelta(hours=2 if local >= datetime(2026, 3, 29, 2) else 1)
        sign = -1 if self.tz[0] == "-" else 1
        return sign * timedelta(hours=int(self.tz[1:3]), minutes=int(self.tz[3:5]))


ZOE = Person("Zoë Ångström", "zoe.angstrom@contoso.com", "eu", "gse", host="zoe-laptop.contoso.com")
NOOR = Person("Noor Haddad", "noor.haddad@contoso.com", "+0400", "outlook", host="DXBP281MB0412.contoso.com")
JIRI = Person("Jiří Novák", "jiri.novak@fabrikam.com", "eu", "b4", host="jnovak-t14")
LUKAS = Person("Lukas Becker", "lukas.becker@fabrikam.com", "eu", "outlook", host="FRAP264MB3391.fabrikam.com")
INGRID = Person("Ingrid Solberg", "ingrid.solberg@fabrikam.com", "eu", "gse")
MARCUS = Person("Marcus Oduya", "marcus.oduya@northwind.example", "us", "mutt", host="mo-devbox")
LIMING = Person("李明", "li.ming@northwind.example", "+0800", "gse", enc="b", host="li-ming-ws.northwind.example")
TOMAS = Person("Tomás Ferreira", "tomas.ferreira@northwind.example", "+0000", "thunderbird")
PRIYA = Person("Priya Raman", "priya.raman@example.com", "+0530", "gse")
RAFAEL = Person("Rafael Quintero", "rafael.quintero@example.com", "-0300", "b4")
ELENA = Person("Elena Varga", "elena.varga@example.com", "eu", "mutt", host="varga-ws")
KENJI = Person("Kenji Sato", "kenji.sato@mail.example.net", "+0900", "gse", reply_mailer="gmail")
HANNAH = Person("Hannah Lindqvist", "hannah.lindqvist@mail.example.net", "+0200", "gse",
                reply_mailer="thunderbird")
WENWU = Person("", "wenwu.k@mail.example.net", "+0800", "gse")
SOFIA = Person("Sofia Marchetti", "sofia.marchetti@inbox.example.org", "eu", "gse")
SPAMMER = Person("Mrs. Evelyn Harcourt", "evelyn.harcourt.office@inbox.example.org", "+0000", "webmail")
ROBOT = Person("Build Robot", "build-robot@ci.example.org", "+0800", "robot")
PWBOT = Person("patchwork-bot+demovirt@kernel.org", "patchwork-bot+demovirt@kernel.org", "+0000", "pwbot")

# Names used inside bodies (Signed-off-by etc.)
WEN_WU_NAME = "Wen Wu"


# --------------------------------------------------------------------------
# diffs and diffstats

@dataclass
class Hunk:
    old_start: int
    text: str          # lines with ' ', '+', '-' prefixes; 4 leading spaces after it -> tab
    func: str = ""

    def lines(self) -> list[str]:
        out = []
        for raw in self.text.strip("\n").split("\n"):
            if raw == "":
                raw = " "
            prefix, code = raw[0], raw[1:]
            if prefix not in " +-":
                raise ValueError(f"bad hunk line {raw!r}")
            m = re.match(r"^((?:    )*)", code)
            code = "\t" * (len(m.group(1)) // 4) + code[len(m.group(1)):]
            out.append(prefix + code)
        return out


@dataclass
class FileDiff:
    path: str
    hunks: list[Hunk] = field(default_factory=list)
    new: bool = False
    stat_only: tuple[int, int] | None = None   # for patches that are not in the mailbox

    def counts(self) -> tuple[int, int]:
        if self.stat_only is not None:
            return self.stat_only
        a = d = 0
        for h in self.hunks:
            for ln in h.lines():
                a += ln[0] == "+"
                d += ln[0] == "-"
        return a, d

    def render(self, seed: str) -> str:
        old_id, new_id = hx(seed + self.path + "old", 12), hx(seed + self.path + "new", 12)
        out = [f"diff --git a/{self.path} b/{self.path}"]
        if self.new:
            out += ["new file mode 100644", f"index 000000000000..{new_id}",
                    "--- /dev/null", f"+++ b/{self.path}"]
        else:
            out += [f"index {old_id}..{new_id} 100644",
                    f"--- a/{self.path}", f"+++ b/{self.path}"]
        delta = 0
        for h in self.hunks:
            ls = h.lines()
            nold = sum(1 for x in ls if x[0] in " -")
            nnew = sum(1 for x in ls if x[0] in " +")
            ostart = 0 if self.new else h.old_start
            nstart = 1 if self.new else h.old_start + delta
            delta += nnew - nold

            def rng(start: int, n: int) -> str:
                return f"{start}" if n == 1 else f"{start},{n}"
            head = f"@@ -{rng(ostart, nold)} +{rng(nstart, nnew)} @@"
            if h.func:
                head += " " + h.func
            out.append(head)
            out += ls
        return "\n".join(out)


def scale_linear(it: int, width: int, max_change: int) -> int:
    return 0 if not it else 1 + (it * (width - 1) // max_change)


def diffstat(files: list[FileDiff] | list[tuple[str, int, int]], width: int = 72) -> str:
    """git --stat output; width 72 as in format-patch, 80 for request-pull.

    Graph scaling follows git's show_stats(): the numbers are exact, the
    +/- graph is scaled down when it does not fit.
    """
    rows: dict[str, list[int]] = {}
    for f in files:
        if isinstance(f, FileDiff):
            path, (a, d) = f.path, f.counts()
        else:
            path, a, d = f
        r = rows.setdefault(path, [0, 0])
        r[0] += a
        r[1] += d
    max_len = max(len(p) for p in rows)
    max_change = max(a + d for a, d in rows.values())
    nw = len(str(max_change))
    graph_w = max_change
    name_w = max_len
    if name_w + nw + 6 + graph_w > width:
        if graph_w > width * 3 // 8 - nw - 6:
            graph_w = max(6, width * 3 // 8 - nw - 6)
        if name_w > width - nw - 6 - graph_w:
            name_w = width - nw - 6 - graph_w
        else:
            graph_w = width - nw - 6 - name_w
    assert name_w == max_len, "paths too long for the diffstat width"
    out = []
    for path, (a, d) in sorted(rows.items()):
        ga, gd = a, d
        if graph_w <= max_change:
            total = scale_linear(a + d, graph_w, max_change)
            if total < 2 and a and d:
                total = 2
            if a < d:
                ga = scale_linear(a, graph_w, max_change)
                gd = total - ga
            else:
                gd = scale_linear(d, graph_w, max_change)
                ga = total - gd
        line = f" {path:<{name_w}} | {a + d:>{nw}} {'+' * ga}{'-' * gd}"
        out.append(line.rstrip())
    ta = sum(a for a, _ in rows.values())
    td = sum(d for _, d in rows.values())
    n = len(rows)
    summ = f" {n} file{'s' if n != 1 else ''} changed"
    if ta:
        summ += f", {ta} insertion{'s' if ta != 1 else ''}(+)"
    if td:
        summ += f", {td} deletion{'s' if td != 1 else ''}(-)"
    out.append(summ)
    return "\n".join(out)


@dataclass
class Patch:
    title: str
    message: str                  # commit message body (without trailers)
    trailers: list[str]
    files: list[FileDiff]
    author: Person | None = None  # in-body From when different from the sender
    notes: str = ""               # text between '---' and the diffstat

    def stat_rows(self) -> list[FileDiff]:
        return self.files


def patch_body(p: Patch, seed: str, inbody: Person | None = None, signature: bool = True,
               basement_extra: str = "") -> str:
    parts = []
    if inbody is not None:
        parts.append(f"From: {inbody.plain()}\n")
    parts.append(p.message.strip("\n") + "\n")
    parts.append("\n".join(p.trailers))
    parts.append("---")
    if p.notes:
        parts.append(p.notes.strip("\n") + "\n")
    parts.append(diffstat(p.files) + "\n")
    parts.append("\n".join(f.render(seed) for f in sorted(p.files, key=lambda f: f.path)))
    if basement_extra:
        parts.append("\n" + basement_extra.strip("\n"))
    body = "\n".join(parts) + "\n"
    if signature:
        body += f"-- \n{GIT_VERSION}\n"
    return body


# --------------------------------------------------------------------------
# messages

@dataclass
class Msg:
    key: str
    sender: Person
    local: datetime
    subject: str
    body: str
    msgid: str
    refs: list[str]
    delay: int                         # seconds between Date and list arrival
    to: list[str]
    cc: list[str]
    extra: list[tuple[str, str]]
    encoding: str                      # none | 8bit | 7bit | base64 | qp | mailman-multipart
    from_header: str | None = None
    reply_to: str | None = None
    mailman: bool = False
    mailer: str = ""

    @property
    def utc(self) -> datetime:
        return (self.local - self.sender.offset(self.local)).replace(tzinfo=timezone.utc)

    @property
    def arrival(self) -> datetime:
        return self.utc + timedelta(seconds=self.delay)


def fmt_date(local: datetime, off: timedelta, padded: bool) -> str:
    mins = int(off.total_seconds() // 60)
    sign = "-" if mins < 0 else "+"
    mins = abs(mins)
    day = f"{local.day:02d}" if padded else f"{local.day}"
    return (f"{local:%a}, {day} {local:%b} {local:%Y} {local:%H:%M:%S} "
            f"{sign}{mins // 60:02d}{mins % 60:02d}")


class Mailbox:
    def __init__(self) -> None:
        self.msgs: list[Msg] = []
        self.by_key: dict[str, Msg] = {}
        self.pid = 40000
        self.extra_copies: list[tuple[Msg, int]] = []

    # ---- identifiers
    @staticmethod
    def gse_id(p: Person, local: datetime, n: int, pid: int) -> str:
        utc = (local - p.offset(local))
        return f"<{utc:%Y%m%d%H%M%S}.{pid}-{n}-{p.addr}>"

    @staticmethod
    def b4_id(p: Person, local: datetime, slug: str, ver: int, n: int) -> str:
        return f"<{local:%Y%m%d}-{slug}-v{ver}-{n}-{hx(slug + str(ver), 12)}@{p.domain}>"

    @staticmethod
    def client_id(p: Person, local: datetime, key: str, mailer: str) -> str:
        if mailer == "mutt":
            return f"<{token(key, 16)}@{p.host or p.domain}>"
        if mailer == "outlook":
            return f"<{p.host.split('.')[0]}{hx(key, 12).upper()}@{p.host}>"
        if mailer == "gmail":
            return f"<CA{token(key, 40)}@mail.example.net>"
        if mailer == "thunderbird":
            h = hx(key, 32)
            return f"<{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}@{p.domain}>"
        return f"<{local:%Y%m%d%H%M%S}.{hx(key, 10)}@{p.domain}>"

    # ---- adding
    def add(self, key: str, sender: Person, when: str, subject: str, body: str, *,
            msgid: str | None = None, parent: str | None = None, delay: int = 4,
            to: list[str] | None = None, cc: list[str] | None = None,
            extra: list[tuple[str, str]] | None = None, encoding: str | None = None,
            refs: list[str] | None = None, from_header: str | None = None,
            reply_to: str | None = None, mailman: bool = False, client: str | None = None) -> Msg:
        assert key not in self.by_key, key
        local = datetime.strptime(when, "%Y-%m-%d %H:%M:%S")
        mailer = client or sender.mailer
        if client is None and mailer == "gse" and not subject.startswith("["):
            mailer = sender.reply_mailer
        if msgid is None:
            msgid = self.client_id(sender, local, key, mailer)
        if refs is None:
            refs = []
            if parent is not None:
                par = self.by_key[parent]
                refs = par.refs + [par.msgid]
        if encoding is None:
            nonascii = not body.isascii()
            if mailer == "gse":
                encoding = "8bit" if nonascii else "none"
            else:
                encoding = "8bit" if nonascii else "7bit"
        m = Msg(key, sender, local, subject, body, msgid, refs, delay,
                to if to is not None else [LIST_ADDR], cc or [], extra or [], encoding,
                from_header, reply_to, mailman, mailer)
        self.msgs.append(m)
        self.by_key[key] = m
        return m

    def duplicate(self, key: str, extra_delay: int) -> None:
        """Deliver message `key` a second time, byte-identical, later."""
        self.extra_copies.append((self.by_key[key], extra_delay))

    # ---- rendering
    def render_msg(self, m: Msg, arrival: datetime) -> str:
        p = m.sender
        h: list[str] = []
        mailer = m.mailer
        relay = "smtp.kernel.org" if "B4 Relay" in (m.from_header or "") else f"mx.{p.domain}"
        ip = 2 + int(hx(p.addr, 4), 16) % 250
        net = ("192.0.2", "198.51.100", "203.0.113")[int(hx(p.domain, 2), 16) % 3]
        h.append(f"Received: from {relay} ({relay} [{net}.{ip}])\n"
                 f"\tby lists.example.org (Postfix) with ESMTPS id {token(m.key + 'rcv', 12)}\n"
                 f"\tfor <{LIST_ADDR}>; {fmt_date(arrival.replace(tzinfo=None), timedelta(0), False)} (UTC)")
        date = fmt_date(m.local, p.offset(m.local), mailer in ("gse", "b4", "robot", "pwbot"))
        from_h = m.from_header or p.header()
        refs_h = []
        if m.refs:
            if mailer == "b4":
                refs_h = ["In-Reply-To:\n " + m.refs[-1], "References:\n " + "\n ".join(m.refs)]
            else:
                refs_h = [f"In-Reply-To: {m.refs[-1]}", "References: " + "\n ".join(m.refs)]
        to_h = fold_addrs("To", m.to)
        cc_h = [fold_addrs("Cc", m.cc)] if m.cc else []
        subj = fold("Subject", m.subject)
        if mailer == "b4":
            h += [f"From: {from_h}", f"Date: {date}", subj]
            h += [f"MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
                  f"Content-Transfer-Encoding: {m.encoding}", f"Message-Id: {m.msgid}"]
            h += refs_h + [to_h] + cc_h + [f"X-Mailer: b4 {B4_VERSION}"] + [f"{k}: {v}" for k, v in m.extra]
        else:
            h += [f"From: {from_h}", to_h] + cc_h + [subj, f"Date: {date}", f"Message-ID: {m.msgid}"]
            if mailer == "gse":
                h.append(f"X-Mailer: git-send-email {GIT_VERSION}")
            elif mailer == "mutt":
                h.append("User-Agent: Mutt/2.2.13 (2024-03-09)")
            elif mailer == "thunderbird":
                h.append("User-Agent: Mozilla Thunderbird")
            elif mailer == "outlook":
                h.append("Accept-Language: de-DE, en-US" if p is LUKAS else "Accept-Language: en-US")
            h += refs_h
            if m.reply_to:
                h.append(f"Reply-To: {m.reply_to}")
            h += [f"{k}: {v}" for k, v in m.extra]
            body_hdrs = self.content_headers(m)
            h += body_hdrs
        # what the list server adds
        if m.mailman:
            h += [f'Sender: "Demo-virt" <demo-virt-bounces@lists.example.org>',
                  "Errors-To: demo-virt-bounces@lists.example.org",
                  "X-BeenThere: demo-virt@lists.example.org",
                  "X-Mailman-Version: 2.1.39",
                  "Precedence: list",
                  f"List-Id: Demo virtualization list <{LIST_ID}>",
                  "List-Unsubscribe: <https://lists.example.org/mailman/options/demo-virt>,\n"
                  " <mailto:demo-virt-request@lists.example.org?subject=unsubscribe>",
                  "List-Archive: <https://lists.example.org/pipermail/demo-virt/>",
                  "List-Post: <mailto:demo-virt@lists.example.org>"]
        else:
            h += ["Precedence: bulk", f"X-Mailing-List: {LIST_ADDR}", f"List-Id: <{LIST_ID}>",
                  f"List-Subscribe: <mailto:{LIST_NAME}+subscribe@lists.example.org>",
                  f"List-Unsubscribe: <mailto:{LIST_NAME}+unsubscribe@lists.example.org>"]
        body = self.encode_body(m)
        return "\n".join(h) + "\n\n" + body

    @staticmethod
    def content_headers(m: Msg) -> list[str]:
        e = m.encoding
        if e == "none":          # plain ASCII git-send-email: no Content-Type at all
            return ["MIME-Version: 1.0", "Content-Transfer-Encoding: 8bit"]
        if e == "8bit":
            return ["MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
                    "Content-Transfer-Encoding: 8bit"]
        if e == "7bit":
            return ["MIME-Version: 1.0", "Content-Type: text/plain; charset=us-ascii",
                    "Content-Disposition: inline"]
        if e == "base64":
            return ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"',
                    "Content-Transfer-Encoding: base64"]
        if e == "qp":
            return ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="iso-8859-1"',
                    "Content-Transfer-Encoding: quoted-printable"]
        if e == "mailman-multipart":
            return ["MIME-Version: 1.0",
                    f'Content-Type: multipart/mixed; boundary="{Mailbox.boundary(m)}"']
        raise ValueError(e)

    @staticmethod
    def boundary(m: Msg) -> str:
        return "===============" + str(int(hx(m.key, 12), 16) % 10**19).rjust(19, "0") + "=="

    @staticmethod
    def b64(data: bytes) -> str:
        s = base64.b64encode(data).decode()
        return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"

    def encode_body(self, m: Msg) -> str:
        e = m.encoding
        body = m.body
        if m.mailman and e != "mailman-multipart":
            body = body + MAILMAN_FOOTER
        if e in ("none", "8bit", "7bit"):
            if e != "8bit":
                assert body.isascii(), m.key
            return body
        if e == "base64":
            return self.b64(body.encode("utf-8"))
        if e == "qp":
            return quopri.encodestring(body.encode("iso-8859-1")).decode("ascii")
        if e == "mailman-multipart":
            b = self.boundary(m)
            return (f"--{b}\n"
                    'Content-Type: text/plain; charset="utf-8"\n'
                    "Content-Transfer-Encoding: base64\n"
                    "Content-Disposition: inline\n\n"
                    + self.b64(body.encode("utf-8")) +
                    f"\n--{b}\n"
                    'Content-Type: text/plain; charset="us-ascii"\n'
                    "MIME-Version: 1.0\n"
                    "Content-Transfer-Encoding: 7bit\n"
                    "Content-Disposition: inline\n\n"
                    + MAILMAN_FOOTER.lstrip("\n") +
                    f"\n--{b}--\n")
        raise ValueError(e)

    def mbox(self) -> bytes:
        items = [(m.arrival, i, m) for i, m in enumerate(self.msgs)]
        for j, (m, extra) in enumerate(self.extra_copies):
            items.append((m.arrival + timedelta(seconds=extra), len(self.msgs) + j, m))
        items.sort(key=lambda t: (t[0], t[1]))
        out = []
        for arrival, _, m in items:
            text = self.render_msg(m, m.arrival)
            lines = text.split("\n")
            esc = [(">" + ln) if re.match(r"^>*From ", ln) else ln for ln in lines]
            text = "\n".join(esc)
            if not text.endswith("\n"):
                text += "\n"
            out.append("From mboxrd@z Thu Jan  1 00:00:00 1970\n" + text + "\n")
        return "".join(out).encode("utf-8")


MAILMAN_FOOTER = """
_______________________________________________
Demo-virt mailing list
Demo-virt@lists.example.org
https://lists.example.org/mailman/listinfo/demo-virt
"""


def quote(text: str) -> str:
    return "\n".join(("> " + ln) if ln else ">" for ln in text.strip("\n").split("\n"))


def attribution(m: Msg, style: str) -> str:
    p = m.sender
    who = p.name or p.addr
    if style == "mutt":
        off = fmt_date(m.local, p.offset(m.local), True)[-5:]
        return f"On {m.local:%a, %b %d, %Y at %I:%M:%S%p} {off}, {who} wrote:"
    if style == "thunderbird":
        return f"On {m.local.month}/{m.local.day}/26 {m.local:%H:%M}, {who} wrote:"
    if style == "gmail":
        return f"On {m.local:%a, %b} {m.local.day}, {m.local:%Y} at {m.local:%H:%M}, {p.plain()} wrote:"
    raise ValueError(style)


def cover_body(blurb: str, author_name: str, patches: list[Patch], *, base: str,
               extra_stats: list[tuple[str, int, int]] | None = None, style: str = "gse",
               change_id: str = "", changes: str = "", sender: Person | None = None) -> str:
    files: list = []
    for p in patches:
        files += p.files
    if extra_stats is not None:   # cover of a series whose patches are not all here
        files = extra_stats
    if style == "gse":
        short = "\n".join(f"  {p.title}" for p in patches)
        body = (blurb.strip("\n") + "\n\n" + f"{author_name} ({len(patches)}):\n{short}\n\n"
                + diffstat(files) + "\n\n\n" + f"base-commit: {base}\n" + f"-- \n{GIT_VERSION}\n")
        return body
    # b4
    short = "\n".join(f"      {p.title}" for p in patches)
    body = blurb.strip("\n") + "\n\n"
    if changes:
        body += "---\n" + changes.strip("\n") + "\n\n"
    body += (f"---\n{author_name} ({len(patches)}):\n{short}\n\n" + diffstat(files) + "\n---\n"
             f"base-commit: {base}\nchange-id: {change_id}\n\nBest regards,\n-- \n"
             f"{sender.plain() if sender else author_name}\n\n")
    return body


def sob(p: Person, name: str | None = None) -> str:
    return f"Signed-off-by: {name or p.name} <{p.addr}>"


def rb(p: Person) -> str:
    return f"Reviewed-by: {p.name} <{p.addr}>"


# --------------------------------------------------------------------------
# the corpus

BASE_RC2 = hx("base v7.0-rc2")
BASE_RC4 = hx("base v7.0-rc4")
BASE_NEXT = hx("base demo-virt/for-next 20260316")

STD_CC = ["Marcus Oduya <marcus.oduya@northwind.example>"]


def build() -> Mailbox:
    mb = Mailbox()
    week1(mb)
    week2(mb)
    week3(mb)
    week4(mb)
    return mb


# ---------------------------------------------------------------- week 1

def s1_patches() -> list[Patch]:
    z = ZOE
    p1 = Patch(
        "vmbus: move offer validation into a helper",
        """Channel offers are checked inline in vmbus_process_offer(), which makes
the function long and hard to follow.  Move the checks into
vmbus_validate_offer() so that later patches can extend them without
touching the offer state machine.

No functional change intended.""",
        [sob(z)],
        [FileDiff("drivers/virt/vmbus/channel.c", [Hunk(388, """
     return chan;
 }
 
+static int vmbus_validate_offer(const struct vmbus_offer *offer)
+{
+    if (offer->child_relid >= VMBUS_MAX_RELID)
+        return -EINVAL;
+    return 0;
+}
+
 static int vmbus_process_offer(struct vmbus_offer *offer)
 {
     struct vmbus_channel *chan;
     int ret;
 
-    if (offer->child_relid >= VMBUS_MAX_RELID)
-        return -EINVAL;
+    ret = vmbus_validate_offer(offer);
+    if (ret)
+        return ret;
 
     chan = vmbus_alloc_channel(offer);
""", "static struct vmbus_channel *vmbus_alloc_channel(struct vmbus_offer *offer)")])])
    p2 = Patch(
        "vmbus: reject offers with a zero-length ring",
        """A host that offers a channel with a ring size of zero makes the guest
allocate an empty ring and then divide by its size when computing the
read index.  Refuse such offers up front.""",
        [sob(z)],
        [FileDiff("drivers/virt/vmbus/channel.c", [Hunk(391, """
 {
     if (offer->child_relid >= VMBUS_MAX_RELID)
         return -EINVAL;
+    if (!offer->ring_pages) {
+        pr_warn_ratelimited("vmbus: relid %u offered without a ring\\n",
+                            offer->child_relid);
+        return -EINVAL;
+    }
     return 0;
 }
""", "static int vmbus_validate_offer(const struct vmbus_offer *offer)")])])
    p3 = Patch(
        "vmbus: track offers in an xarray instead of a list",
        """Looking up a channel by relid walks the whole offer list, which shows
up in profiles of guests with many devices.  Keep the offers in an
xarray indexed by relid instead.""",
        [sob(z)],
        [FileDiff("drivers/virt/vmbus/channel.c", [
            Hunk(24, """
 #include "vmbus_private.h"
 
-static LIST_HEAD(vmbus_offers);
-static DEFINE_SPINLOCK(vmbus_offers_lock);
+static DEFINE_XARRAY_ALLOC(vmbus_offers);
 
 struct vmbus_channel *vmbus_find_channel(u32 relid)
 {
-    struct vmbus_channel *chan;
-
-    spin_lock(&vmbus_offers_lock);
-    list_for_each_entry(chan, &vmbus_offers, node)
-        if (chan->relid == relid)
-            goto out;
-    chan = NULL;
-out:
-    spin_unlock(&vmbus_offers_lock);
-    return chan;
+    return xa_load(&vmbus_offers, relid);
 }
"""),
            Hunk(414, """
     if (!chan)
         return -ENOMEM;
 
-    spin_lock(&vmbus_offers_lock);
-    list_add_tail(&chan->node, &vmbus_offers);
-    spin_unlock(&vmbus_offers_lock);
-    return 0;
+    ret = xa_insert(&vmbus_offers, offer->child_relid, chan, GFP_KERNEL);
+    if (ret)
+        vmbus_free_channel(chan);
+    return ret;
 }
""", "static int vmbus_process_offer(struct vmbus_offer *offer)")]),
         FileDiff("drivers/virt/vmbus/vmbus_private.h", [Hunk(57, """
     u32 relid;
     u32 ring_pages;
     void *ring;
-    struct list_head node;
     struct vmbus_device *dev;
 };
""", "struct vmbus_channel {")])])
    p4 = Patch(
        "vmbus: add a debugfs file listing pending offers",
        """When a device does not show up it is useful to see which offers the
host made and which of them are still waiting for a driver.  Add
/sys/kernel/debug/vmbus/offers with one line per offer.""",
        [sob(z)],
        [FileDiff("drivers/virt/vmbus/Makefile", [Hunk(2, """
 obj-$(CONFIG_VMBUS) += vmbus.o
 vmbus-y := vmbus_drv.o channel.o ring.o
+vmbus-$(CONFIG_DEBUG_FS) += debugfs.o
""")]),
         FileDiff("drivers/virt/vmbus/debugfs.c", [Hunk(0, """
+// SPDX-License-Identifier: GPL-2.0
+#include <linux/debugfs.h>
+#include <linux/seq_file.h>
+#include "vmbus_private.h"
+
+static int offers_show(struct seq_file *s, void *unused)
+{
+    struct vmbus_channel *chan;
+    unsigned long relid;
+
+    xa_for_each(&vmbus_offers, relid, chan)
+        seq_printf(s, "%lu %u %s\\n", relid, chan->ring_pages,
+                   chan->dev ? "bound" : "pending");
+    return 0;
+}
+DEFINE_SHOW_ATTRIBUTE(offers);
+
+void vmbus_debugfs_init(void)
+{
+    struct dentry *dir = debugfs_create_dir("vmbus", NULL);
+
+    debugfs_create_file("offers", 0400, dir, NULL, &offers_fops);
+}
""")], new=True)])
    return [p1, p2, p3, p4]


def s2_patches(ver: int) -> list[Patch]:
    """Jiří's batched-ack series, versions 1..3 (b4)."""
    j = JIRI
    helper = "vmbus_ring_ack_batch" if ver == 1 else "vmbus_ring_ack_many"
    tr1 = [sob(j)]
    tr2 = [sob(j)]
    tr3 = [sob(j)]
    if ver == 3:
        tr1 = [rb(ZOE), f"Tested-by: {KENJI.name} <{KENJI.addr}>", sob(j)]
        tr2 = [rb(ZOE), f"Tested-by: {KENJI.name} <{KENJI.addr}>", sob(j)]
        tr3 = [f"Tested-by: {KENJI.name} <{KENJI.addr}>", sob(j)]
    guard = "" if ver == 1 else """
+    if (!n)
+        return;"""
    p1 = Patch(
        f"vmbus: add {helper}() helper",
        f"""Each message read from a channel ring is acknowledged to the host on
its own, which costs one hypercall per message under load.  Add
{helper}() so that callers can acknowledge several messages with a
single update of the read index and a single signal.""",
        tr1,
        [FileDiff("drivers/virt/vmbus/ring.c", [Hunk(201, f"""
     vmbus_signal_host(ring);
 }}
 
+void {helper}(struct vmbus_ring *ring, u32 n)
+{{{guard}
+    ring->read_index = (ring->read_index + n) % ring->size;
+    smp_store_release(&ring->hdr->read_index, ring->read_index);
+    vmbus_signal_host(ring);
+}}
+
 int vmbus_ring_read(struct vmbus_ring *ring, void *buf, u32 len)
 {{
""", "void vmbus_ring_ack(struct vmbus_ring *ring)")]),
         FileDiff("include/linux/vmbus.h", [Hunk(142, f"""
 int vmbus_ring_read(struct vmbus_ring *ring, void *buf, u32 len);
 void vmbus_ring_ack(struct vmbus_ring *ring);
+void {helper}(struct vmbus_ring *ring, u32 n);
 
""")])])
    p2 = Patch(
        "vmbus: use batched acks in the channel callback",
        f"""Drain up to ack_batch messages before acknowledging them with
{helper}().  The default batch size keeps the old behaviour.""",
        tr2,
        [FileDiff("drivers/virt/vmbus/channel.c", [Hunk(512, f"""
 static void vmbus_channel_cb(struct vmbus_channel *chan)
 {{
-    while (vmbus_ring_read(&chan->in, chan->buf, chan->buf_len) > 0) {{
+    u32 done = 0;
+
+    while (vmbus_ring_read(&chan->in, chan->buf, chan->buf_len) > 0) {{
         chan->handler(chan, chan->buf);
-        vmbus_ring_ack(&chan->in);
+        if (++done == chan->ack_batch) {{
+            {helper}(&chan->in, done);
+            done = 0;
+        }}
     }}
+    {helper}(&chan->in, done);
 }}
""")])])
    if ver == 1:
        p3 = Patch(
            "vmbus: expose the batch size as a module parameter",
            """Let administrators tune the batch size with vmbus.ack_batch= on the
kernel command line.""",
            tr3,
            [FileDiff("drivers/virt/vmbus/vmbus_drv.c", [Hunk(33, """
 #include "vmbus_private.h"
 
+static unsigned int ack_batch = 1;
+module_param(ack_batch, uint, 0444);
+MODULE_PARM_DESC(ack_batch, "Messages acknowledged per host signal");
+
 static int vmbus_probe(struct device *dev)
""")])])
    else:
        p3 = Patch(
            "vmbus: expose the batch size in sysfs",
            """Let administrators tune the batch size per channel through a new
ack_batch attribute instead of one global module parameter.""",
            tr3,
            [FileDiff("drivers/virt/vmbus/vmbus_drv.c", [Hunk(118, """
 static DEVICE_ATTR_RO(ring_pages);
 
+static ssize_t ack_batch_store(struct device *dev, struct device_attribute *attr,
+                   const char *buf, size_t count)
+{
+    struct vmbus_channel *chan = dev_to_vmbus(dev)->channel;
+    u32 val;
+
+    if (kstrtou32(buf, 0, &val) || !val || val > 64)
+        return -EINVAL;
+    WRITE_ONCE(chan->ack_batch, val);
+    return count;
+}
+static DEVICE_ATTR_WO(ack_batch);
+
 static struct attribute *vmbus_dev_attrs[] = {
     &dev_attr_ring_pages.attr,
+    &dev_attr_ack_batch.attr,
     NULL,
""", "static ssize_t ring_pages_show(struct device *dev,")])])
    return [p1, p2, p3]


S2_SLUG = "vmbus-ack-batch"
S2_CHANGE_ID = "20260303-vmbus-ack-batch-5d0c71a2e9f4"


def s2_series(mb: Mailbox, ver: int, when: list[str], prev_cover: str | None) -> str:
    j = JIRI
    patches = s2_patches(ver)
    vtag = "" if ver == 1 else f" v{ver}"
    blurb = """Under network load a vmbus channel spends a noticeable share of its time
signalling the host once per message it consumed.  This series lets the
channel callback acknowledge messages in batches.

Patch 1 adds the ring helper, patch 2 uses it in the channel callback and
patch 3 makes the batch size configurable.  With a batch of 16 the number
of host signals in an iperf run drops by about 90%, and throughput on a
4-vCPU guest goes up by 6-8%."""
    changes = ""
    if ver == 2:
        changes = f"""Changes in v2:
- Rename the helper to vmbus_ring_ack_many() (Zoë)
- Return early for n == 0
- Replace the module parameter by a per-channel sysfs attribute
- Link to v1: https://lists.example.org/r/{mb.b4_id(j, datetime(2026, 3, 4), S2_SLUG, 1, 0)[1:-1]}"""
    if ver == 3:
        changes = f"""Changes in v3:
- Rebase on demo-virt/for-next
- Collect Reviewed-by and Tested-by tags
- Link to v2: https://lists.example.org/r/{mb.b4_id(j, datetime(2026, 3, 11), S2_SLUG, 2, 0)[1:-1]}

Changes in v2:
- Rename the helper to vmbus_ring_ack_many() (Zoë)
- Return early for n == 0
- Replace the module parameter by a per-channel sysfs attribute
- Link to v1: https://lists.example.org/r/{mb.b4_id(j, datetime(2026, 3, 4), S2_SLUG, 1, 0)[1:-1]}"""
    base = BASE_RC2 if ver < 3 else BASE_NEXT
    cc = STD_CC + [ZOE.header()]
    day = datetime.strptime(when[0], "%Y-%m-%d %H:%M:%S")
    ckey = f"s2v{ver}-0"
    mb.add(ckey, j, when[0], f"[PATCH{vtag} 0/3] vmbus: batch interrupt acknowledgements",
           cover_body(blurb, j.name, patches, base=base, style="b4", change_id=S2_CHANGE_ID,
                      changes=changes, sender=j),
           msgid=mb.b4_id(j, day, S2_SLUG, ver, 0), cc=cc)
    for i, p in enumerate(patches, 1):
        mb.add(f"s2v{ver}-{i}", j, when[i], f"[PATCH{vtag} {i}/3] {p.title}",
               patch_body(p, f"s2v{ver}-{i}"), msgid=mb.b4_id(j, day, S2_SLUG, ver, i),
               parent=ckey, cc=cc)
    return ckey


def week1(mb: Mailbox) -> None:
    # --- a reply to a message that is not in the archive (posted before it starts)
    mb.add("ghost-reply", HANNAH, "2026-03-02 08:41:10",
           "Re: [PATCH v5 2/2] vmbus: honour the host's preferred NUMA node",
           f"""On Fri, Feb 27, 2026 at 04:12:55PM -0800, Marcus Oduya wrote:
> On Thu, Feb 26, 2026 at 11:03:20AM +0200, Hannah Lindqvist wrote:
>> Channels are now allocated on the node the host asks for, falling back
>> to the local node when the hint is out of range.
>
> Looks fine to me, but please double check the hot-add path.

I did: hot-added memory nodes are only used once they are online, and the
fallback covers the window before that.  No change needed for v6, I think.

Thanks,
Hannah
""", refs=["<20260226090320.7781-1-hannah.lindqvist@mail.example.net>",
           "<20260226090320.7781-3-hannah.lindqvist@mail.example.net>",
           "<aZ9rT2mXq4LkPw0e@mo-devbox>"],
           cc=STD_CC, client="thunderbird", delay=7)

    # --- Scenario 1: complete 0/4 series, git-send-email, replies to the cover
    pats = s1_patches()
    pid = 41877
    t0 = datetime(2026, 3, 2, 9, 12, 0)
    blurb = """This series cleans up how the vmbus driver handles channel offers from
the host.  The validation of an offer moves into a helper (patch 1), which
then learns to reject offers without a ring (patch 2).  Patch 3 replaces
the linear offer list by an xarray, and patch 4 adds a debugfs file that
lists the offers and whether a driver has bound to them.

Tested on a guest with 64 synthetic devices; relid lookups no longer show
up in perf.

Zoë"""
    cover = mb.add("s1-0", ZOE, f"{t0:%Y-%m-%d %H:%M:%S}",
                   "[PATCH 0/4] vmbus: rework channel offer handling",
                   cover_body(blurb, ZOE.name, pats, base=BASE_RC2),
                   msgid=mb.gse_id(ZOE, t0, 1, pid), cc=STD_CC, delay=3)
    for i, p in enumerate(pats, 1):
        t = t0 + timedelta(seconds=i)
        mb.add(f"s1-{i}", ZOE, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH {i}/4] {p.title}",
               patch_body(p, f"s1-{i}"), msgid=mb.gse_id(ZOE, t, i + 1, pid),
               parent="s1-0", cc=STD_CC, delay=3 + i)

    # --- Scenario 10: single [PATCH], no cover (Priya), later applied and pulled
    priya1 = Patch(
        "vmbus: fix off-by-one in the ring wraparound check",
        """vmbus_ring_avail() treats a write index equal to the ring size as
valid, so a full ring is reported as having one free slot and the
next write overwrites the oldest unread message.  Compare with >=.""",
        ["Fixes: " + hx("fixes priya", 12) + ' ("vmbus: add ring buffer accounting")', sob(PRIYA)],
        [FileDiff("drivers/virt/vmbus/ring.c", [Hunk(88, """
 static u32 vmbus_ring_avail(const struct vmbus_ring *ring)
 {
-    if (ring->write_index > ring->size)
+    if (ring->write_index >= ring->size)
         return 0;
     return ring->size - ring->write_index;
 }
""")])])
    mb.add("priya-1", PRIYA, "2026-03-03 10:47:31", f"[PATCH] {priya1.title}",
           patch_body(priya1, "priya-1"), msgid=mb.gse_id(PRIYA, datetime(2026, 3, 3, 10, 47, 31), 1, 12208),
           cc=STD_CC)

    # replies to scenario 1
    mb.add("s1-ack", MARCUS, "2026-03-02 22:05:40", "Re: [PATCH 0/4] vmbus: rework channel offer handling",
           f"""{attribution(mb.by_key['s1-0'], 'mutt')}
> This series cleans up how the vmbus driver handles channel offers from
> the host.  The validation of an offer moves into a helper (patch 1), which
> then learns to reject offers without a ring (patch 2).

Nice cleanup, thanks.  For the whole series:

Acked-by: Marcus Oduya <marcus.oduya@northwind.example>

I'll queue it for for-next once Jiří had a look at patch 2.
""", parent="s1-0", cc=[ZOE.header()], encoding="8bit")
    mb.add("s1-rb2", JIRI, "2026-03-03 09:15:02", "Re: [PATCH 2/4] vmbus: reject offers with a zero-length ring",
           f"""On 02. 03. 26 9:12, Zoë Ångström wrote:
> A host that offers a channel with a ring size of zero makes the guest
> allocate an empty ring and then divide by its size when computing the
> read index.  Refuse such offers up front.

Good catch, this can be triggered by a misbehaving host.

Reviewed-by: Jiří Novák <jiri.novak@fabrikam.com>

-- 
Jiří
""", parent="s1-2", cc=[ZOE.header(), STD_CC[0]], encoding="8bit",
           client="thunderbird", msgid=f"<{hx('s1-rb2', 8)}-{hx('s1-rb2x', 4)}-4c1e-9a55-{hx('s1-rb2y', 12)}@fabrikam.com>")
    mb.add("s1-q3", LIMING, "2026-03-03 17:30:12", "Re: [PATCH 3/4] vmbus: track offers in an xarray instead of a list",
           """Hi Zoë,

On Mon, Mar 02, 2026 at 09:12:03AM +0100, Zoë Ångström wrote:
> -    spin_lock(&vmbus_offers_lock);
> -    list_add_tail(&chan->node, &vmbus_offers);
> -    spin_unlock(&vmbus_offers_lock);
> -    return 0;
> +    ret = xa_insert(&vmbus_offers, offer->child_relid, chan, GFP_KERNEL);

This is called from the offer work item, so GFP_KERNEL is fine, but is
vmbus_find_channel() ever called from the interrupt path?  xa_load() is
RCU-safe, yet the channel could be freed under the caller without the
spinlock that used to be held.

Ming
""", parent="s1-3", cc=[ZOE.header(), STD_CC[0]], encoding="8bit",
           msgid=f"<{hx('s1-q3', 20)}@li-ming-ws.northwind.example>", delay=12)
    mb.add("s1-a3", ZOE, "2026-03-04 08:02:44", "Re: [PATCH 3/4] vmbus: track offers in an xarray instead of a list",
           f"""On Tue, Mar 03, 2026 at 05:30:12PM +0800, 李明 wrote:
> This is called from the offer work item, so GFP_KERNEL is fine, but is
> vmbus_find_channel() ever called from the interrupt path?  xa_load() is
> RCU-safe, yet the channel could be freed under the caller without the
> spinlock that used to be held.

Channels are freed with kfree_rcu() since the rescind rework, and the only
interrupt-side caller runs under rcu_read_lock(), so this is safe.  I'll
add a sentence about it to the commit message if I have to resend.

Zoë
""", parent="s1-q3", cc=[LIMING.header(), STD_CC[0]],
           msgid=f"<{hx('s1-a3', 16)}@zoe-laptop.contoso.com>")

    # --- Scenario 2, v1 (b4)
    s2_series(mb, 1, ["2026-03-04 14:20:11", "2026-03-04 14:20:12", "2026-03-04 14:20:13",
                      "2026-03-04 14:20:14"], None)

    # --- Marcus picks up Priya's fix
    mb.add("priya-1-applied", MARCUS, "2026-03-04 07:55:19", "Re: [PATCH] vmbus: fix off-by-one in the ring wraparound check",
           f"""{attribution(mb.by_key['priya-1'], 'mutt')}
> vmbus_ring_avail() treats a write index equal to the ring size as
> valid, so a full ring is reported as having one free slot and the
> next write overwrites the oldest unread message.  Compare with >=.

Applied to demo-virt-fixes, thanks.
""", parent="priya-1", cc=[PRIYA.header()])

    # review of v1 with a request for changes
    mb.add("s2v1-rev", ZOE, "2026-03-05 11:03:27", "Re: [PATCH 1/3] vmbus: add vmbus_ring_ack_batch() helper",
           """On Wed, Mar 04, 2026 at 02:20:12PM +0100, Jiří Novák wrote:
> +void vmbus_ring_ack_batch(struct vmbus_ring *ring, u32 n)
> +{
> +    ring->read_index = (ring->read_index + n) % ring->size;

When the loop in patch 2 ends right after a full batch, this is called
with n == 0 and signals the host for nothing.  Please return early in that
case.  Also, "batch" reads like the function collects messages; maybe
vmbus_ring_ack_many()?

Zoë
""", parent="s2v1-1", cc=[JIRI.header(), STD_CC[0]], msgid=f"<{hx('s2v1-rev', 16)}@zoe-laptop.contoso.com>")
    mb.add("s2v1-reply", JIRI, "2026-03-05 13:44:50", "Re: [PATCH 1/3] vmbus: add vmbus_ring_ack_batch() helper",
           """On 05. 03. 26 11:03, Zoë Ångström wrote:
> When the loop in patch 2 ends right after a full batch, this is called
> with n == 0 and signals the host for nothing.  Please return early in that
> case.  Also, "batch" reads like the function collects messages; maybe
> vmbus_ring_ack_many()?

Agreed on both.  Marcus also asked off-list for a per-channel knob rather
than the module parameter, so v2 will change patch 3 as well.

-- 
Jiří
""", parent="s2v1-rev", cc=[ZOE.header(), STD_CC[0]], client="thunderbird",
           msgid=f"<{hx('s2v1-reply', 8)}-0b7e-4d2a-8c11-{hx('s2v1-replyz', 12)}@fabrikam.com>")

    # --- Scenario 10: [PATCH net-next] single patch (Kenji)
    kenji1 = kenji_patch(1)
    mb.add("kenji-1", KENJI, "2026-03-05 23:10:05", f"[PATCH net-next] {kenji1.title}",
           patch_body(kenji1, "kenji-1"), msgid=mb.gse_id(KENJI, datetime(2026, 3, 5, 23, 10, 5), 1, 3344),
           cc=["netdev@lists.example.org", STD_CC[0]])

    # --- Scenario 12: discussion without patches
    mb.add("disc-1", HANNAH, "2026-03-05 15:22:40",
           "vmbus: expected behaviour of channel rescind during hibernation?",
           """Hi all,

While testing hibernation on a guest with a passthrough NIC I noticed that
the host can rescind a channel after the guest has frozen its devices but
before the image is written.  The rescind work then runs on resume and
tears down a device that the restored kernel believes is still present.

Is the guest expected to handle rescinds that arrive while frozen, or is
the host supposed to hold them back until the guest has resumed?  I could
not find anything about it in the protocol notes.

Thanks,
Hannah
""", msgid=f"<{hx('disc-1', 8)}-{hx('disc-1b', 4)}-4f0a-b3c2-{hx('disc-1c', 12)}@mail.example.net>",
           cc=STD_CC, client="thunderbird", encoding="7bit")
    mb.add("disc-2", MARCUS, "2026-03-05 09:48:03",
           "Re: vmbus: expected behaviour of channel rescind during hibernation?",
           f"""{attribution(mb.by_key['disc-1'], 'mutt')}
> Is the guest expected to handle rescinds that arrive while frozen, or is
> the host supposed to hold them back until the guest has resumed?

From what I remember of the discussion when rescind support went in, the
host makes no promise here, so the guest has to cope.

---

Some background, since this comes up every few months: the rescind message
is queued like any other channel message, and the queue is only drained
after thaw.  The fix is probably to mark channels rescinded while frozen
and skip them in the restore path.

Marcus
""", parent="disc-1", cc=[HANNAH.header()], delay=20)
    mb.add("disc-3", LIMING, "2026-03-06 10:15:37",
           "Re: vmbus: expected behaviour of channel rescind during hibernation?",
           f"""{attribution(mb.by_key['disc-2'], 'mutt')}
> The fix is probably to mark channels rescinded while frozen
> and skip them in the restore path.

We carry something like that in our product kernel.  I can clean it up
and post it next week if nobody else is working on it.

Ming
""", parent="disc-2", cc=[HANNAH.header(), STD_CC[0]],
           msgid=f"<{hx('disc-3', 20)}@li-ming-ws.northwind.example>")

    # --- AW: reply in quoted-printable latin-1 with a Reviewed-by (Lukas)
    mb.add("kenji-1-aw", LUKAS, "2026-03-06 09:31:18", f"AW: [PATCH net-next] {kenji1.title}",
           f"""Hi Kenji,

the new counter is what we need for our monitoring, thanks.  One nit: the
string should probably be "rx_queue_%u_drops" to match the other per-queue
statistics, but that can be a follow-up.

Reviewed-by: Lukas Becker <lukas.becker@fabrikam.com>

Mit freundlichen Grüßen
Lukas Becker

-----Ursprüngliche Nachricht-----
Von: Kenji Sato <kenji.sato@mail.example.net>
Gesendet: Donnerstag, 5. März 2026 15:10
An: demo-virt@lists.example.org
Betreff: [PATCH net-next] {kenji1.title}

{kenji1.message.strip()}
""", parent="kenji-1", cc=[KENJI.header()], encoding="qp",
           extra=[("Content-Language", "de-DE")])

    # --- Scenario 6: [GIT PULL] without diff
    mb.add("pull-1", MARCUS, "2026-03-06 12:40:09", "[GIT PULL] demo-virt fixes for v7.0-rc3",
           pull_body("fixes", priya1), to=[ELENA.header()],
           cc=[f"Demo virtualization list <{LIST_ADDR}>", PRIYA.plain()])
    mb.add("pull-1-reply", ELENA, "2026-03-07 10:02:55", "Re: [GIT PULL] demo-virt fixes for v7.0-rc3",
           f"""{attribution(mb.by_key['pull-1'], 'mutt')}
> are available in the Git repository at:
>
>   {TREE} tags/demo-virt-fixes-signed-20260306

Pulled, thanks.

Elena
""", parent="pull-1", to=[MARCUS.header()], cc=[LIST_ADDR])

    # --- Scenario 10/53: [PATCH] from a sender without display name, in-body From
    wen = wen_patch()
    mb.add("wen-1", WENWU, "2026-03-07 16:20:45", f"[PATCH] {wen.title}",
           patch_body(wen, "wen-1", inbody=Person(WEN_WU_NAME, WENWU.addr, "+0800", "gse")),
           msgid=mb.gse_id(WENWU, datetime(2026, 3, 7, 16, 20, 45), 1, 9920), cc=STD_CC)


def kenji_patch(ver: int) -> Patch:
    name = "rx_drops_q%u" if ver == 1 else "rx_queue_%u_drops"
    notes = "" if ver == 1 else """v2:
- rename the counter to rx_queue_%u_drops (Lukas)
- v1: https://lists.example.org/demo-virt/""" + Mailbox.gse_id(KENJI, datetime(2026, 3, 5, 23, 10, 5), 1, 3344)[1:-1] + "/"
    return Patch(
        "dvnet: report per-queue rx drops through ethtool",
        """The driver counts dropped rx buffers per queue but only reports the
sum.  Export the per-queue values as ethtool statistics so that an
unbalanced RSS configuration can be spotted from user space.""",
        [sob(KENJI)],
        [FileDiff("drivers/net/dvnet/ethtool.c", [Hunk(61, f"""
         for (i = 0; i < priv->num_rx_queues; i++) {{
             ethtool_sprintf(&data, "rx_queue_%u_packets", i);
             ethtool_sprintf(&data, "rx_queue_%u_bytes", i);
+            ethtool_sprintf(&data, "{name}", i);
         }}
""", "static void dvnet_get_strings(struct net_device *ndev, u32 sset, u8 *data)"),
            Hunk(97, """
     for (i = 0; i < priv->num_rx_queues; i++) {
         *data++ = priv->rxq[i].stats.packets;
         *data++ = priv->rxq[i].stats.bytes;
+        *data++ = priv->rxq[i].stats.drops;
     }
""", "static void dvnet_get_ethtool_stats(struct net_device *ndev,")]),
         FileDiff("drivers/net/dvnet/dvnet.h", [Hunk(40, """
 
-#define DVNET_STATS_PER_RXQ    2
+#define DVNET_STATS_PER_RXQ    3
 #define DVNET_STATS_PER_TXQ    2
""")])],
        notes=notes)


def wen_patch() -> Patch:
    return Patch(
        "x86/dvirt: fix kernel-doc of dvirt_hypercall()",
        """The kernel-doc comment still documents the removed @flags argument
and not the @out argument that replaced it, which makes W=1 builds
warn.""",
        [f"Signed-off-by: {WEN_WU_NAME} <{WENWU.addr}>"],
        [FileDiff("arch/x86/kernel/dvirt.c", [Hunk(71, """
 /**
  * dvirt_hypercall() - issue a hypercall to the demo hypervisor
  * @code: hypercall number
  * @in: physical address of the input page
- * @flags: reserved, must be zero
+ * @out: physical address of the output page
  *
  * Return: the hypervisor status code
""")])])


def pull_body(kind: str, *patches: Patch) -> str:
    files: list = []
    for p in patches:
        files += p.files
    base_title, base_date = ("Linux 7.0-rc2", "Sun Mar 1 15:21:07 2026 -0800") if kind == "fixes" \
        else ("Linux 7.0-rc4", "Sun Mar 15 14:48:30 2026 -0700")
    tip = patches[-1]
    tip_date = "Wed Mar 4 07:52:10 2026 -0800" if kind == "fixes" else "Thu Mar 26 09:14:27 2026 -0700"
    tag = "demo-virt-fixes-signed-20260306" if kind == "fixes" else "demo-virt-fixes-signed-20260327"
    base = BASE_RC2 if kind == "fixes" else BASE_RC4
    by_author: dict[str, list[str]] = {}
    for p in patches:
        by_author.setdefault((p.author or PRIYA).name, []).append(p.title)
    short = "\n".join(f"{a} ({len(t)}):\n" + "\n".join(f"      {x}" for x in t) for a, t in by_author.items())
    summary = ("\n".join(f" - {p.title.split(': ', 1)[1].capitalize()}" for p in patches))
    return f"""Hi Elena,

please pull the following fixes for the demo virtualization drivers.

The following changes since commit {base}:

  {base_title} ({base_date})

are available in the Git repository at:

  {TREE} tags/{tag}

for you to fetch changes up to {hx('tip ' + kind)}:

  {tip.title} ({tip_date})

----------------------------------------------------------------
demo-virt fixes for the current cycle:

{summary}

----------------------------------------------------------------
{short}

{diffstat(files, 80)}
"""


# ---------------------------------------------------------------- week 2

def week2(mb: Mailbox) -> None:
    # patchwork-bot: scenario 1 applied
    s1 = mb.by_key["s1-0"]
    mb.add("pw-s1", PWBOT, "2026-03-09 18:10:03", "Re: [PATCH 0/4] vmbus: rework channel offer handling",
           f"""Hello:

This series was applied to demo-virt/for-next.git (for-next)
by Marcus Oduya <marcus.oduya@northwind.example>:

On Mon,  2 Mar 2026 09:12:00 +0100 you wrote:
> This series cleans up how the vmbus driver handles channel offers from
> the host.  The validation of an offer moves into a helper (patch 1), which
> then learns to reject offers without a ring (patch 2).  Patch 3 replaces
> the linear offer list by an xarray, and patch 4 adds a debugfs file that
> lists the offers and whether a driver has bound to them.
>
> [...]

Here is the summary with links:
""" + "\n".join(
               f"  - [{i}/4] {p.title}\n    https://git.example.org/moduya/demo-virt/c/{hx('s1 applied' + str(i), 12)}"
               for i, p in enumerate(s1_patches(), 1)) + """

You are awesome, thank you!
-- 
Deet-doot-dot, I am a bot.
https://patchwork.example.org/lists/demo-virt/
""", parent="s1-0", to=[ZOE.header()], cc=[LIST_ADDR, STD_CC[0]],
           msgid=f"<{hx('pw-s1', 20)}@patchwork.example.org>", encoding="8bit")

    # Scenario 4: a patch sent by the maintainer on behalf of someone else
    noor = Patch(
        "vmbus: remove the unused VMBUS_LEGACY_TIMEOUT define",
        """The last user of VMBUS_LEGACY_TIMEOUT went away together with the
protocol 1.0 support.  Remove the define.""",
        [sob(NOOR), sob(MARCUS)],
        [FileDiff("drivers/virt/vmbus/vmbus_private.h", [Hunk(19, """
 #define VMBUS_MAX_RELID        2048
-#define VMBUS_LEGACY_TIMEOUT    (5 * HZ)
 #define VMBUS_CONNECT_TIMEOUT    (10 * HZ)
""")])], author=NOOR,
        notes="Noor's mail setup mangles patches, so I'm sending this one for her.")
    mb.add("behalf-1", MARCUS, "2026-03-10 08:30:44", f"[PATCH] {noor.title}",
           patch_body(noor, "behalf-1", inbody=NOOR),
           msgid=mb.gse_id(MARCUS, datetime(2026, 3, 10, 8, 30, 44), 1, 70321),
           cc=[NOOR.header()], client="gse")

    # Scenario 3: b4 relay series
    relay_series(mb)

    # Scenario 2, v2
    s2_series(mb, 2, ["2026-03-11 10:05:40", "2026-03-11 10:05:41", "2026-03-11 10:05:42",
                      "2026-03-11 10:05:43"], "s2v1-0")

    # spam
    mb.add("spam-1", SPAMMER, "2026-03-11 03:17:52", "Urgent: unclaimed consignment awaiting your confirmation",
           """Dear Beneficiary,

I am writing to inform you that a consignment box registered in your name
has been held at our logistics office for several weeks.  To release it,
kindly reply with your full name, home address and a telephone number so
that our agent can arrange the delivery.

This matter is strictly confidential.

Yours faithfully,
Mrs. Evelyn Harcourt
Head of Client Relations
""", msgid=f"<{hx('spam-1', 24)}@webmail.inbox.example.org>", to=["undisclosed-recipients:;"],
           encoding="7bit", extra=[("X-Priority", "1 (Highest)")])

    # Scenario 5: Mailman "via Demo-virt" munged sender, footer appended
    sofia = sofia_patch(1)
    mb.add("via-1", SOFIA, "2026-03-12 11:14:06", f"[PATCH] {sofia.title}",
           patch_body(sofia, "via-1"),
           msgid=mb.gse_id(SOFIA, datetime(2026, 3, 12, 11, 14, 6), 1, 5518),
           from_header=f'"Sofia Marchetti via Demo-virt" <{LIST_ADDR}>',
           reply_to=SOFIA.plain(), mailman=True, cc=STD_CC)

    # replies to v2
    mb.add("s2v2-tb", KENJI, "2026-03-12 20:41:09", "Re: [PATCH v2 0/3] vmbus: batch interrupt acknowledgements",
           f"""{attribution(mb.by_key['s2v2-0'], 'gmail')}
> Under network load a vmbus channel spends a noticeable share of its time
> signalling the host once per message it consumed.  This series lets the
> channel callback acknowledge messages in batches.

Ran it on our 16-vCPU test guests with ack_batch set to 8 and 16 for a
day of mixed traffic, no problems and fewer exits.

Tested-by: Kenji Sato <kenji.sato@mail.example.net>
""", parent="s2v2-0", cc=[JIRI.header()], msgid=f"<CA{token('s2v2-tb', 40)}@mail.example.net>",
           encoding="8bit")
    mb.add("s2v2-rb", ZOE, "2026-03-12 14:02:33", "Re: [PATCH v2 1/3] vmbus: add vmbus_ring_ack_many() helper",
           """On Wed, Mar 11, 2026 at 10:05:41AM +0100, Jiří Novák wrote:
> Each message read from a channel ring is acknowledged to the host on
> its own, which costs one hypercall per message under load.

Thanks for the changes.

Reviewed-by: Zoë Ångström <zoe.angstrom@contoso.com>
""", parent="s2v2-1", cc=[JIRI.header(), STD_CC[0]], msgid=f"<{hx('s2v2-rb', 16)}@zoe-laptop.contoso.com>")
    # the quoted Reviewed-by must not count for Jiří
    mb.add("s2v2-thanks", JIRI, "2026-03-12 15:20:18", "Re: [PATCH v2 1/3] vmbus: add vmbus_ring_ack_many() helper",
           """On 12. 03. 26 14:02, Zoë Ångström wrote:
> Thanks for the changes.
>
> Reviewed-by: Zoë Ångström <zoe.angstrom@contoso.com>

Thank you!  I'll collect it when I send v3.

-- 
Jiří
""", parent="s2v2-rb", cc=[ZOE.header(), STD_CC[0]], client="thunderbird",
           msgid=f"<{hx('s2v2-thanks', 8)}-5e21-4b7d-a0c3-{hx('s2v2-thanksz', 12)}@fabrikam.com>")
    # RE: reply, Outlook, base64 body
    mb.add("s2v2-re", NOOR, "2026-03-13 10:12:55", "RE: [PATCH v2 3/3] vmbus: expose the batch size in sysfs",
           """> +    if (kstrtou32(buf, 0, &val) || !val || val > 64)
> +        return -EINVAL;

Why 64?  Our storage channels use rings of 256 pages and could take
larger batches.  Not a blocker, a comment explaining the limit would do.

Noor

> -----Original Message-----
> From: Jiří Novák <jiri.novak@fabrikam.com>
> Sent: Wednesday, March 11, 2026 1:05 PM
> To: demo-virt@lists.example.org
> Subject: [PATCH v2 3/3] vmbus: expose the batch size in sysfs
>
> Let administrators tune the batch size per channel through a new
> ack_batch attribute instead of one global module parameter.
""", parent="s2v2-3", cc=[JIRI.header()], encoding="base64")

    # Build robot report with a counter-looking subject (not a patch)
    mb.add("robot-1", ROBOT, "2026-03-13 06:44:21",
           "[demo:for-next 3/5] drivers/virt/vmbus/debugfs.c:11:9: error: implicit declaration of function 'xa_for_each'",
           robot_body(), msgid=f"<{token('robot-1', 8)}-lkp@ci.example.org>",
           to=[ZOE.header()], cc=["oe-build-reports@ci.example.org", LIST_ADDR, STD_CC[0]], encoding="8bit")

    # Tomás via Demo-virt: multipart (base64 + separate footer part), Reviewed-by
    mb.add("via-1-rb", TOMAS, "2026-03-13 17:05:12", f"Re: [PATCH] {sofia.title}",
           f"""{attribution(mb.by_key['via-1'], 'thunderbird').replace('Sofia Marchetti', 'Sofia Marchetti via Demo-virt')}
> If virtio_demo_probe() fails after the virtqueues were set up, the
> error path frees vdev->priv and then calls virtio_demo_remove(),
> which frees it again.

Confirmed with KASAN on my test machine; with the patch the splat is gone.

Reviewed-by: Tomás Ferreira <tomas.ferreira@northwind.example>

-- 
Tomás
""", parent="via-1", from_header=f'{q_encode("Tomás Ferreira via Demo-virt")} <{LIST_ADDR}>',
           reply_to=TOMAS.header(), mailman=True, encoding="mailman-multipart")

    # Scenario 10: comma-tagged [PATCH v2,n/3] series; 2/3 is delivered twice
    comma_series(mb)

    # Lukas: another AW: ... no; a plain discussion reply to the hibernation thread
    mb.add("disc-4", HANNAH, "2026-03-14 19:30:00",
           "Re: vmbus: expected behaviour of channel rescind during hibernation?",
           """On 6.3.2026 4.15, 李明 wrote:
> We carry something like that in our product kernel.  I can clean it up
> and post it next week if nobody else is working on it.

Yes please, I'm happy to test it on the passthrough setup.

Hannah
""", parent="disc-3", cc=[LIMING.header(), STD_CC[0]], client="thunderbird",
           msgid=f"<{hx('disc-4', 8)}-{hx('disc-4b', 4)}-4a9c-8f01-{hx('disc-4c', 12)}@mail.example.net>",
           encoding="8bit")


def sofia_patch(ver: int) -> Patch:
    tr = [sob(SOFIA)] if ver == 1 else [rb(TOMAS), sob(SOFIA)]
    return Patch(
        "virtio_demo: avoid double free on probe failure",
        """If virtio_demo_probe() fails after the virtqueues were set up, the
error path frees vdev->priv and then calls virtio_demo_remove(),
which frees it again.  Let the remove path do the freeing and drop
the kfree() from the error path.""",
        tr,
        [FileDiff("drivers/virtio/virtio_demo.c", [Hunk(214, """
     return 0;
 
 err_vqs:
-    kfree(vdev->priv);
     virtio_demo_remove(vdev);
     return err;
 }
""", "static int virtio_demo_probe(struct virtio_device *vdev)")])],
        notes="" if ver == 1 else "v2: no code change, resent with Tomás's tag and a clearer changelog")


def relay_series(mb: Mailbox) -> None:
    r = RAFAEL
    slug = "dvnet-xdp-stats"
    day = datetime(2026, 3, 10)
    relay_from = f"Rafael Quintero via B4 Relay <devnull+rafael.quintero.example.com@kernel.org>"
    change = "20260309-dvnet-xdp-stats-8a1f3c5e7b20"
    p1 = Patch(
        "dvnet: count XDP_REDIRECT per rx queue",
        """XDP programs that redirect frames are invisible in the queue
statistics: the frames are neither passed up nor dropped.  Count them
per rx queue.""",
        [sob(r)],
        [FileDiff("drivers/net/dvnet/xdp.c", [Hunk(143, """
     case XDP_REDIRECT:
         err = xdp_do_redirect(rxq->ndev, &xdp, prog);
-        if (!err)
+        if (!err) {
+            u64_stats_update_begin(&rxq->stats.syncp);
+            rxq->stats.xdp_redirect++;
+            u64_stats_update_end(&rxq->stats.syncp);
             return DVNET_XDP_REDIR;
+        }
         break;
""", "static u32 dvnet_run_xdp(struct dvnet_rxq *rxq, struct xdp_buff *xdp)")]),
         FileDiff("drivers/net/dvnet/dvnet.h", [Hunk(52, """
     u64 bytes;
     u64 drops;
+    u64 xdp_redirect;
     struct u64_stats_sync syncp;
 };
""", "struct dvnet_rxq_stats {")])])
    p2 = Patch(
        "dvnet: report XDP redirect counters through ethtool",
        """Add rx_queue_%u_xdp_redirect to the ethtool statistics.""",
        [sob(r)],
        [FileDiff("drivers/net/dvnet/ethtool.c", [Hunk(64, """
             ethtool_sprintf(&data, "rx_queue_%u_bytes", i);
+            ethtool_sprintf(&data, "rx_queue_%u_xdp_redirect", i);
         }
""", "static void dvnet_get_strings(struct net_device *ndev, u32 sset, u8 *data)"),
            Hunk(99, """
         *data++ = priv->rxq[i].stats.bytes;
+        *data++ = priv->rxq[i].stats.xdp_redirect;
     }
""", "static void dvnet_get_ethtool_stats(struct net_device *ndev,")])])
    blurb = """Frames redirected by an XDP program currently disappear from the
driver's statistics.  Count them per rx queue and report them through
ethtool, so that users can tell XDP redirects from drops."""
    extra = [("X-Endpoint-Received", "by B4 Relay for rafael.quintero@example.com/default with auth_id=4127"),
             ("X-Original-From", r.plain()), ("Reply-To", f"<{r.addr}>")]
    cc = ["netdev@lists.example.org", KENJI.header(), STD_CC[0]]
    mb.add("relay-0", r, "2026-03-10 16:02:18", f"[PATCH net-next 0/2] dvnet: per-queue XDP redirect statistics",
           cover_body(blurb, r.name, [p1, p2], base=BASE_RC2, style="b4", change_id=change, sender=r),
           msgid=mb.b4_id(r, day, slug, 1, 0), from_header=relay_from, cc=cc, extra=list(extra), delay=9)
    for i, p in enumerate([p1, p2], 1):
        mb.add(f"relay-{i}", r, f"2026-03-10 16:02:{18 + i}", f"[PATCH net-next {i}/2] {p.title}",
               patch_body(p, f"relay-{i}", inbody=r), msgid=mb.b4_id(r, day, slug, 1, i),
               from_header=relay_from, parent="relay-0", cc=cc, extra=list(extra), delay=9 + i)
    mb.add("relay-ack", MARCUS, "2026-03-11 08:12:40", f"Re: [PATCH net-next 1/2] {p1.title}",
           f"""On Tue, Mar 10, 2026 at 04:02:19PM -0300, Rafael Quintero wrote:
> +            u64_stats_update_begin(&rxq->stats.syncp);
> +            rxq->stats.xdp_redirect++;
> +            u64_stats_update_end(&rxq->stats.syncp);

Fine with me from the vmbus side; the netdev folks will take it.

Acked-by: Marcus Oduya <marcus.oduya@northwind.example>
""", parent="relay-1", cc=[r.plain(), "netdev@lists.example.org"])


def comma_series(mb: Mailbox) -> None:
    k = KENJI
    pid = 6120
    t0 = datetime(2026, 3, 14, 9, 0, 30)
    pats = [
        Patch("selftests: vmbus: add a ring wraparound test",
              """Exercise the ring with writes that end exactly at the ring size,
which is the case fixed in the current -rc.""",
              [sob(k)],
              [FileDiff("tools/testing/selftests/vmbus/ring_test.c", [Hunk(0, """
+// SPDX-License-Identifier: GPL-2.0
+#include "../kselftest_harness.h"
+#include "ring_util.h"
+
+TEST(wraparound_full)
+{
+    struct test_ring *r = test_ring_new(4);
+
+    ASSERT_EQ(0, test_ring_fill(r, 4));
+    ASSERT_EQ(0, test_ring_avail(r));
+    test_ring_free(r);
+}
+
+TEST_HARNESS_MAIN
""")], new=True)]),
        Patch("selftests: vmbus: build the ring test",
              "Hook the new test into the selftests Makefile.",
              [sob(k)],
              [FileDiff("tools/testing/selftests/vmbus/Makefile", [Hunk(1, """
 CFLAGS += -Wall -O2 -I../../../../include
-TEST_GEN_PROGS := offer_test
+TEST_GEN_PROGS := offer_test ring_test
""")])]),
        Patch("selftests: vmbus: add the tests to the CI config",
              "Enable the vmbus selftests in the default kselftest config fragment.",
              [sob(k)],
              [FileDiff("tools/testing/selftests/vmbus/config", [Hunk(1, """
 CONFIG_VMBUS=y
+CONFIG_VMBUS_RING_SELFTEST=y
""")])]),
    ]
    blurb = """Two small selftests for the ring code, plus the build and config glue.

v2:
- drop the flaky timing test (Marcus)
- rebase on v7.0-rc3"""
    mb.add("comma-0", k, f"{t0:%Y-%m-%d %H:%M:%S}", "[PATCH v2,0/3] selftests: vmbus: ring wraparound tests",
           cover_body(blurb, k.name, pats, base=BASE_RC2), msgid=mb.gse_id(k, t0, 1, pid), cc=STD_CC)
    for i, p in enumerate(pats, 1):
        t = t0 + timedelta(seconds=i)
        mb.add(f"comma-{i}", k, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH v2,{i}/3] {p.title}",
               patch_body(p, f"comma-{i}"), msgid=mb.gse_id(k, t, i + 1, pid), parent="comma-0", cc=STD_CC)
    mb.duplicate("comma-2", 3 * 3600 + 17)


def robot_body() -> str:
    head = hx("robot head")
    commit = hx("robot commit")
    return f"""tree:   {TREE} for-next
head:   {head}
commit: {commit} [3/5] vmbus: add a debugfs file listing pending offers
config: x86_64-randconfig-004-20260313 (https://ci.example.org/builds/20260313/config)
compiler: gcc-13 (Debian 13.2.0-25) 13.2.0
reproduce: (https://ci.example.org/builds/20260313/reproduce)

If you fix the issue in a separate patch/commit (i.e. not just a new version of
the same patch/commit), kindly add following tags
| Reported-by: Build Robot <build-robot@ci.example.org>
| Closes: https://ci.example.org/r/202603130612.Xk2vQ9pL-lkp@ci.example.org/

All errors (new ones prefixed by >>):

   drivers/virt/vmbus/debugfs.c: In function 'offers_show':
>> drivers/virt/vmbus/debugfs.c:11:9: error: implicit declaration of function 'xa_for_each' [-Werror=implicit-function-declaration]
      11 |         xa_for_each(&vmbus_offers, relid, chan)
         |         ^~~~~~~~~~~
   cc1: some warnings being treated as errors


vim +/xa_for_each +11 drivers/virt/vmbus/debugfs.c

     5	
     6	static int offers_show(struct seq_file *s, void *unused)
     7	{{
     8		struct vmbus_channel *chan;
     9		unsigned long relid;
    10	
  > 11		xa_for_each(&vmbus_offers, relid, chan)
    12			seq_printf(s, "%lu %u %s\\n", relid, chan->ring_pages,
    13				   chan->dev ? "bound" : "pending");

-- 
Build Robot
https://ci.example.org/build-robot
"""


# ---------------------------------------------------------------- week 3

def liming_patches(ver: int) -> list[Patch]:
    lm = LIMING
    me = "Li Ming"
    titles = [
        ("x86/dvirt: add the flush-TLB hypercall definitions", "arch/x86/include/asm/dvirt.h", 30, """
 #define DVIRT_HC_SEND_IPI        0x0002
+#define DVIRT_HC_FLUSH_TLB        0x0003
+#define DVIRT_HC_FLUSH_TLB_ALL    0x0004
"""),
        ("x86/dvirt: detect the paravirt TLB flush feature", "arch/x86/kernel/dvirt.c", 120, """
     if (features & DVIRT_F_IPI)
         dvirt_setup_ipi();
+    if (features & DVIRT_F_FLUSH_TLB)
+        static_branch_enable(&dvirt_pv_flush);
"""),
        ("x86/dvirt: add a paravirt flush_tlb_multi()", "arch/x86/kernel/dvirt.c", 160, """
 DEFINE_STATIC_KEY_FALSE(dvirt_pv_flush);
 
+static void dvirt_flush_tlb_multi(const struct cpumask *cpus,
+                  const struct flush_tlb_info *info)
+{
+    if (dvirt_hypercall(DVIRT_HC_FLUSH_TLB, __pa(cpus), 0))
+        native_flush_tlb_multi(cpus, info);
+}
+
"""),
        ("x86/dvirt: install the paravirt TLB flush op", "arch/x86/kernel/dvirt.c", 188, """
     dvirt_setup_clock();
-    dvirt_setup_ipi();
+    if (!dvirt_setup_ipi() && static_branch_likely(&dvirt_pv_flush))
+        pv_ops.mmu.flush_tlb_multi = dvirt_flush_tlb_multi;
 }
"""),
        ("x86/dvirt: add a kernel parameter to disable the PV flush", "Documentation/admin-guide/kernel-parameters.txt", 1402, """
     dvirt_noipi    [X86,DVIRT] Do not use the IPI hypercall.
+
+    dvirt_noflush    [X86,DVIRT] Do not use the TLB flush hypercall.
"""),
    ]
    out = []
    for t, path, line, hunk in titles:
        out.append(Patch(t, f"""Part of the paravirt TLB flush support: {t.split(': ', 1)[1]}.

This is needed so that remote TLB flushes in guests with many vCPUs no
longer send an IPI to every vCPU, most of which are not running.""",
                         [sob(lm, me)], [FileDiff(path, [Hunk(line, hunk)])]))
    # patch 6: the one that gets rerolled
    if ver == 3:
        h6 = """
 static int dvirt_flush_stats_show(struct seq_file *s, void *unused)
 {
+    seq_printf(s, "pv_flushes: %llu\\n", atomic64_read(&dvirt_flushes));
+    seq_printf(s, "fallbacks: %llu\\n", atomic64_read(&dvirt_fallbacks));
     return 0;
 }
"""
    else:
        h6 = """
 static int dvirt_flush_stats_show(struct seq_file *s, void *unused)
 {
+    if (!static_branch_likely(&dvirt_pv_flush))
+        return -ENODEV;
+    seq_printf(s, "pv_flushes: %llu\\n", atomic64_read(&dvirt_flushes));
+    seq_printf(s, "fallbacks: %llu\\n", atomic64_read(&dvirt_fallbacks));
     return 0;
 }
"""
    out.append(Patch("x86/dvirt: report PV flush statistics in debugfs",
                     """Show how many remote flushes went through the hypercall and how many
fell back to IPIs, to make it easy to check that the feature is in use."""
                     + ("" if ver == 3 else """

Return -ENODEV when the feature is disabled instead of printing zeros."""),
                     [sob(lm, me)] if ver == 3 else [rb(MARCUS), sob(lm, me)],
                     [FileDiff("arch/x86/kernel/dvirt_debugfs.c", [Hunk(40, h6)])],
                     notes="" if ver == 3 else """v4: fail with -ENODEV when the PV flush is disabled (Marcus)
    resending only this patch; patches 1-5 of v3 are unchanged"""))
    return out


def week3(mb: Mailbox) -> None:
    # Li Ming v3 0/6 + 6 patches, git-send-email
    lm = LIMING
    pats = liming_patches(3)
    pid = 22871
    t0 = datetime(2026, 3, 16, 10, 30, 0)
    blurb = """Remote TLB flushes in large guests send an IPI to every vCPU in the mm's
cpumask, even to vCPUs that are not running.  The demo hypervisor has a
hypercall that flushes on behalf of the guest; this series uses it.

Changes since v2:
- split the feature detection out of patch 2
- add the debugfs statistics (patch 6)

Changes since v1:
- use a static branch instead of checking the feature bit on every flush

Li Ming"""
    mb.add("lm-0", lm, f"{t0:%Y-%m-%d %H:%M:%S}", "[PATCH v3 0/6] x86/dvirt: paravirt remote TLB flush",
           cover_body(blurb, "Li Ming", pats, base=BASE_NEXT), msgid=mb.gse_id(lm, t0, 1, pid),
           cc=STD_CC + ["x86@lists.example.org"])
    for i, p in enumerate(pats, 1):
        t = t0 + timedelta(seconds=i)
        mb.add(f"lm-{i}", lm, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH v3 {i}/6] {p.title}",
               patch_body(p, f"lm-{i}"), msgid=mb.gse_id(lm, t, i + 1, pid), parent="lm-0",
               cc=STD_CC + ["x86@lists.example.org"], delay=5)
    mb.add("lm-rb1", KENJI, "2026-03-16 22:18:07", f"Re: [PATCH v3 1/6] {pats[0].title}",
           f"""{attribution(mb.by_key['lm-1'], 'gmail')}
> +#define DVIRT_HC_FLUSH_TLB        0x0003
> +#define DVIRT_HC_FLUSH_TLB_ALL    0x0004

Matches the hypervisor interface document, rev. 3.

Reviewed-by: Kenji Sato <kenji.sato@mail.example.net>
""", parent="lm-1", cc=[lm.header()], msgid=f"<CA{token('lm-rb1', 40)}@mail.example.net>", encoding="8bit")
    mb.add("lm-6-rev", MARCUS, "2026-03-17 09:40:26", f"Re: [PATCH v3 6/6] {pats[5].title}",
           f"""{attribution(mb.by_key['lm-6'], 'mutt')}
> +    seq_printf(s, "pv_flushes: %llu\\n", atomic64_read(&dvirt_flushes));
> +    seq_printf(s, "fallbacks: %llu\\n", atomic64_read(&dvirt_fallbacks));

When the feature is disabled this prints two zeros, which looks like the
feature is in use but idle.  Please fail the read instead.  Patches 1-5
look good to me; no need to resend them for this.
""", parent="lm-6", cc=[lm.header()], encoding="8bit")

    # Hannah: 3-patch series arriving out of counter order (2, 0, 3, 1)
    h = HANNAH
    pid = 31502
    t0 = datetime(2026, 3, 17, 11, 5, 10)
    hp = hannah_patches()
    delays = {0: 95, 1: 240, 2: 30, 3: 100}
    mb.add("oo-0", h, f"{t0:%Y-%m-%d %H:%M:%S}", "[PATCH 0/3] vmbus: handle rescinds that arrive while frozen",
           cover_body("""As discussed in the hibernation thread, rescind messages can arrive after
the guest froze its devices.  Queue them while frozen and process them
after thaw, skipping channels that were rescinded in the meantime.

Hannah""", h.name, hp, base=BASE_NEXT), msgid=mb.gse_id(h, t0, 1, pid), cc=STD_CC + [LIMING.header()],
           delay=delays[0])
    for i, p in enumerate(hp, 1):
        t = t0 + timedelta(seconds=i)
        mb.add(f"oo-{i}", h, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH {i}/3] {p.title}",
               patch_body(p, f"oo-{i}"), msgid=mb.gse_id(h, t, i + 1, pid), parent="oo-0",
               cc=STD_CC + [LIMING.header()], delay=delays[i])
    # a review whose trailer is misspelt (kept as written; b4 accepts any Name:)
    mb.add("oo-typo", PRIYA, "2026-03-17 19:02:11", f"Re: [PATCH 1/3] {hp[0].title}",
           f"""{attribution(mb.by_key['oo-1'], 'mutt')}
> Set a flag between freeze and thaw so that message handlers can tell.

Reviwed-by: Priya Raman <priya.raman@example.com>
""", parent="oo-1", cc=[h.header(), STD_CC[0]], msgid=f"<{token('oo-typo', 16)}@priya-x1.example.com>")
    # patch in reply: Re: [PATCH 2/3] with a fixup diff
    mb.add("oo-fixup", MARCUS, "2026-03-18 07:12:51", f"Re: [PATCH 2/3] {hp[1].title}",
           f"""{attribution(mb.by_key['oo-2'], 'mutt')}
> +    if (READ_ONCE(vmbus_frozen)) {{
> +        list_add_tail(&msg->node, &vmbus_deferred_rescinds);
> +        return;
> +    }}

This races with thaw: the list is walked without the lock.  Something like
this on top (untested):

diff --git a/drivers/virt/vmbus/channel.c b/drivers/virt/vmbus/channel.c
--- a/drivers/virt/vmbus/channel.c
+++ b/drivers/virt/vmbus/channel.c
@@ -601,6 +601,8 @@ static void vmbus_onoffer_rescind(struct vmbus_msg *msg)
 {{
 	if (READ_ONCE(vmbus_frozen)) {{
+		spin_lock(&vmbus_deferred_lock);
 		list_add_tail(&msg->node, &vmbus_deferred_rescinds);
+		spin_unlock(&vmbus_deferred_lock);
 		return;
 	}}
 	vmbus_do_rescind(msg);

Marcus
""", parent="oo-2", cc=[h.header(), LIMING.header()])
    mb.add("oo-fixup-reply", h, "2026-03-18 18:40:02", f"Re: [PATCH 2/3] {hp[1].title}",
           """On 18.3.2026 16.12, Marcus Oduya wrote:
> This races with thaw: the list is walked without the lock.  Something like
> this on top (untested):

Right, thanks.  I'll fold it in and send v2 after more testing.

Hannah
""", parent="oo-fixup", cc=[STD_CC[0], LIMING.header()], client="thunderbird",
           msgid=f"<{hx('oofr', 8)}-{hx('oofr2', 4)}-41de-93b0-{hx('oofr3', 12)}@mail.example.net>", encoding="7bit")

    # Scenario 2, v3
    s2_series(mb, 3, ["2026-03-18 09:00:05", "2026-03-18 09:00:06", "2026-03-18 09:00:07",
                      "2026-03-18 09:00:08"], "s2v2-0")

    # [PATCH v4 6/6] partial reroll in reply to v3 6/6
    v4 = liming_patches(4)[5]
    t = datetime(2026, 3, 19, 14, 2, 40)
    mb.add("lm-v4-6", lm, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH v4 6/6] {v4.title}",
           patch_body(v4, "lm-v4-6"), msgid=mb.gse_id(lm, t, 1, 23990), parent="lm-6",
           cc=STD_CC + ["x86@lists.example.org"])

    # [RFC PATCH 0/2] (Priya) + discussion
    rfc_series(mb)

    # patchwork-bot: v3 applied
    mb.add("pw-s2", PWBOT, "2026-03-20 17:31:44", "Re: [PATCH v3 0/3] vmbus: batch interrupt acknowledgements",
           """Hello:

This series was applied to demo-virt/for-next.git (for-next)
by Marcus Oduya <marcus.oduya@northwind.example>:

On Wed, 18 Mar 2026 09:00:05 +0100 you wrote:
> Under network load a vmbus channel spends a noticeable share of its time
> signalling the host once per message it consumed.  This series lets the
> channel callback acknowledge messages in batches.
>
> [...]

Here is the summary with links:
""" + "\n".join(f"  - [v3,{i}/3] {p.title}\n    https://git.example.org/moduya/demo-virt/c/{hx('s2 applied' + str(i), 12)}"
                for i, p in enumerate(s2_patches(3), 1)) + """

You are awesome, thank you!
-- 
Deet-doot-dot, I am a bot.
https://patchwork.example.org/lists/demo-virt/
""", parent="s2v3-0", to=[JIRI.header()], cc=[LIST_ADDR, STD_CC[0]],
           msgid=f"<{hx('pw-s2', 20)}@patchwork.example.org>", encoding="8bit")

    # [PATCH RESEND] of Wen Wu's patch
    wen = wen_patch()
    t = datetime(2026, 3, 21, 9, 12, 3)
    mb.add("wen-resend", WENWU, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH RESEND] {wen.title}",
           patch_body(wen, "wen-1", inbody=Person(WEN_WU_NAME, WENWU.addr, "+0800", "gse")),
           msgid=mb.gse_id(WENWU, t, 1, 18213), cc=STD_CC)


def hannah_patches() -> list[Patch]:
    h = HANNAH
    return [
        Patch("vmbus: track whether the bus is frozen",
              "Set a flag between freeze and thaw so that message handlers can tell.",
              [sob(h)],
              [FileDiff("drivers/virt/vmbus/vmbus_drv.c", [Hunk(301, """
 static int vmbus_bus_suspend(struct device *dev)
 {
+    WRITE_ONCE(vmbus_frozen, true);
     return vmbus_for_each_channel(vmbus_channel_suspend);
 }
"""), Hunk(312, """
 static int vmbus_bus_resume(struct device *dev)
 {
+    WRITE_ONCE(vmbus_frozen, false);
     return vmbus_for_each_channel(vmbus_channel_resume);
 }
""")])]),
        Patch("vmbus: defer rescinds while frozen",
              """A rescind that arrives while the bus is frozen tears down a device the
restored kernel still expects.  Queue such rescinds and replay them on
thaw.""",
              [sob(h)],
              [FileDiff("drivers/virt/vmbus/channel.c", [Hunk(601, """
 {
+    if (READ_ONCE(vmbus_frozen)) {
+        list_add_tail(&msg->node, &vmbus_deferred_rescinds);
+        return;
+    }
     vmbus_do_rescind(msg);
 }
""", "static void vmbus_onoffer_rescind(struct vmbus_msg *msg)")]),
               FileDiff("drivers/virt/vmbus/vmbus_private.h", [Hunk(88, """
 extern struct workqueue_struct *vmbus_wq;
+extern bool vmbus_frozen;
+extern struct list_head vmbus_deferred_rescinds;
""")])]),
        Patch("vmbus: replay deferred rescinds after thaw",
              "Process the queued rescinds once all channels have resumed.",
              [sob(h)],
              [FileDiff("drivers/virt/vmbus/vmbus_drv.c", [Hunk(313, """
 {
     WRITE_ONCE(vmbus_frozen, false);
-    return vmbus_for_each_channel(vmbus_channel_resume);
+    ret = vmbus_for_each_channel(vmbus_channel_resume);
+    vmbus_replay_rescinds();
+    return ret;
 }
""", "static int vmbus_bus_resume(struct device *dev)")])]),
    ]


def rfc_series(mb: Mailbox) -> None:
    p = PRIYA
    pid = 7731
    t0 = datetime(2026, 3, 19, 18, 45, 0)
    pats = [
        Patch("vmbus: add a hook for encrypting channel rings",
              """Confidential guests have to share ring pages with the host explicitly.
Add an optional per-bus hook that is called for each ring before it is
handed to the host.  This is only a sketch of the interface.""",
              [sob(p)],
              [FileDiff("include/linux/vmbus.h", [Hunk(60, """
 struct vmbus_bus_ops {
     int (*post_msg)(void *msg, size_t len);
+    int (*share_ring)(struct vmbus_ring *ring);
+    void (*unshare_ring)(struct vmbus_ring *ring);
 };
""")])]),
        Patch("vmbus: call the ring sharing hook",
              "Call the new hooks when a channel is opened and closed.",
              [sob(p)],
              [FileDiff("drivers/virt/vmbus/channel.c", [Hunk(455, """
     if (ret)
         goto err_free;
+    if (bus_ops->share_ring) {
+        ret = bus_ops->share_ring(&chan->in);
+        if (ret)
+            goto err_free;
+    }
     return 0;
""", "int vmbus_open(struct vmbus_channel *chan, u32 ring_pages)")])]),
    ]
    mb.add("rfc-0", p, f"{t0:%Y-%m-%d %H:%M:%S}", "[RFC PATCH 0/2] vmbus: sketch of a ring sharing hook for confidential guests",
           cover_body("""This is an RFC to agree on the interface before the implementation for
our confidential guest platform is ready.  The hook is called for every
ring page set; the platform decides how to make the pages visible to the
host.  Comments on the naming and on where the hook should live are very
welcome.""", p.name, pats, base=BASE_NEXT), msgid=mb.gse_id(p, t0, 1, pid), cc=STD_CC + [ZOE.header()])
    for i, pt in enumerate(pats, 1):
        t = t0 + timedelta(seconds=i)
        mb.add(f"rfc-{i}", p, f"{t:%Y-%m-%d %H:%M:%S}", f"[RFC PATCH {i}/2] {pt.title}",
               patch_body(pt, f"rfc-{i}"), msgid=mb.gse_id(p, t, i + 1, pid), parent="rfc-0",
               cc=STD_CC + [ZOE.header()])
    mb.add("rfc-disc", ZOE, "2026-03-20 10:25:14", "Re: [RFC PATCH 0/2] vmbus: sketch of a ring sharing hook for confidential guests",
           """On Thu, Mar 19, 2026 at 06:45:00PM +0530, Priya Raman wrote:
> Comments on the naming and on where the hook should live are very
> welcome.

I'd rather not have a per-bus ops structure grow a third hook for this.
The DMA API already knows how to make pages shared on these platforms;
could the ring allocation simply use dma_alloc_pages() with the bus
device and let the platform code do the rest?

From a quick look that would also cover the GPADL buffers, which this
RFC does not handle yet.

Zoë
""", parent="rfc-0", cc=[PRIYA.header(), STD_CC[0]], msgid=f"<{hx('rfc-disc', 16)}@zoe-laptop.contoso.com>")


# ---------------------------------------------------------------- week 4

def week4(mb: Mailbox) -> None:
    # Scenario 9: incomplete [PATCH 00/12]: cover + 03/12, 07/12, 12/12
    ing = INGRID
    pid = 52019
    t0 = datetime(2026, 3, 23, 13, 0, 0)
    drivers = ["drivers/block/blkdemo.c", "drivers/crypto/demo-aes.c", "drivers/virt/vmbus/channel.c",
               "drivers/gpu/drm/demo/demo_drv.c", "drivers/net/ethernet/acme/acme_main.c",
               "drivers/scsi/demoscsi.c", "drivers/net/dvnet/main.c", "drivers/pci/controller/pci-demo.c",
               "drivers/input/misc/demo-keys.c", "drivers/iio/adc/demo-adc.c", "drivers/tty/serial/demo_uart.c",
               "include/linux/interrupt.h"]
    subsys = ["blkdemo", "crypto: demo-aes", "vmbus", "drm/demo", "net: acme", "scsi: demoscsi",
              "dvnet", "PCI: demo", "Input: demo-keys", "iio: adc: demo", "serial: demo",
              "genirq"]
    full: list[Patch] = []
    for i, (path, sub) in enumerate(zip(drivers, subsys), 1):
        if i == 12:
            title = "genirq: remove irq_set_affinity_hint_legacy()"
        else:
            title = f"{sub}: use irq_set_affinity_and_hint()"
        if i == 3:
            files = [FileDiff(path, [Hunk(702, """
     for (i = 0; i < nvec; i++) {
         cpu = cpumask_local_spread(i, numa_node);
-        irq_set_affinity_hint_legacy(irqs[i], cpumask_of(cpu));
+        irq_set_affinity_and_hint(irqs[i], cpumask_of(cpu));
     }
""", "static void vmbus_spread_irqs(int *irqs, int nvec, int numa_node)")])]
        elif i == 7:
            files = [FileDiff(path, [Hunk(1290, """
     for (q = 0; q < priv->num_rx_queues; q++)
-        irq_set_affinity_hint_legacy(priv->rxq[q].irq, &priv->rxq[q].mask);
+        irq_set_affinity_and_hint(priv->rxq[q].irq, &priv->rxq[q].mask);
""", "static void dvnet_set_irq_affinity(struct dvnet_priv *priv)"),
                Hunk(1332, """
     for (q = 0; q < priv->num_rx_queues; q++)
-        irq_set_affinity_hint_legacy(priv->rxq[q].irq, NULL);
+        irq_set_affinity_and_hint(priv->rxq[q].irq, NULL);
""", "static void dvnet_clear_irq_affinity(struct dvnet_priv *priv)")])]
        elif i == 12:
            files = [FileDiff(path, [Hunk(341, """
-/* Deprecated: use irq_set_affinity_and_hint() */
-static inline int
-irq_set_affinity_hint_legacy(unsigned int irq, const struct cpumask *m)
-{
-    return irq_set_affinity_and_hint(irq, m);
-}
-
 static inline int irq_update_affinity_hint(unsigned int irq,
""")])]
        else:
            n = 1 + (i % 3)
            files = [FileDiff(path, stat_only=(n, n))]
        full.append(Patch(title, """irq_set_affinity_hint_legacy() is a wrapper kept for the conversion
to irq_set_affinity_and_hint().  Call the new function directly, so
that the wrapper can be removed at the end of the series.""" if i != 12 else
                          """All users are converted, remove the wrapper.""",
                          [sob(ing)], files))
    stats = [(f.path, *f.counts()) for p in full for f in p.files]
    blurb = """irq_set_affinity_hint_legacy() was added as a stop-gap two cycles ago.
This series converts the remaining users and removes it.  The patches
are independent and can go through the subsystem trees; patch 12 has to
wait until all of them have landed.

Only the cover letter and the patches touching virtualization drivers
are sent to demo-virt."""
    mb.add("inc-0", ing, f"{t0:%Y-%m-%d %H:%M:%S}",
           "[PATCH 00/12] treewide: convert the remaining irq_set_affinity_hint_legacy() users",
           cover_body(blurb, ing.name, full, base=BASE_NEXT, extra_stats=stats),
           msgid=mb.gse_id(ing, t0, 1, pid), cc=STD_CC + ["linux-kernel@lists.example.org"])
    for i in (3, 7, 12):
        p = full[i - 1]
        t = t0 + timedelta(seconds=i)
        mb.add(f"inc-{i}", ing, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH {i:02d}/12] {p.title}",
               patch_body(p, f"inc-{i}"), msgid=mb.gse_id(ing, t, i + 1, pid), parent="inc-0",
               cc=STD_CC + ["linux-kernel@lists.example.org"])
    mb.add("inc-ack", MARCUS, "2026-03-24 08:55:30", f"Re: [PATCH 03/12] {full[2].title}",
           f"""{attribution(mb.by_key['inc-3'], 'mutt')}
> -        irq_set_affinity_hint_legacy(irqs[i], cpumask_of(cpu));
> +        irq_set_affinity_and_hint(irqs[i], cpumask_of(cpu));

Acked-by: Marcus Oduya <marcus.oduya@northwind.example>

Feel free to take it through the irq tree together with patch 12.
""", parent="inc-3", cc=[ing.header(), "linux-kernel@lists.example.org"])

    # Kenji: [PATCH net-next v2] (new thread), review, applied
    k2 = kenji_patch(2)
    t = datetime(2026, 3, 24, 21, 33, 9)
    mb.add("kenji-2", KENJI, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH net-next v2] {k2.title}",
           patch_body(k2, "kenji-2"), msgid=mb.gse_id(KENJI, t, 1, 8121),
           cc=["netdev@lists.example.org", STD_CC[0], LUKAS.header()])
    mb.add("kenji-2-rb", ZOE, "2026-03-25 09:10:41", f"Re: [PATCH net-next v2] {k2.title}",
           """On Tue, Mar 24, 2026 at 09:33:09PM +0900, Kenji Sato wrote:
> The driver counts dropped rx buffers per queue but only reports the
> sum.

Reviewed-by: Zoë Ångström <zoe.angstrom@contoso.com>
""", parent="kenji-2", cc=[KENJI.header(), "netdev@lists.example.org"],
           msgid=f"<{hx('kenji-2-rb', 16)}@zoe-laptop.contoso.com>")

    # Build robot: a report in reply to the v4 6/6 patch
    mb.add("robot-2", ROBOT, "2026-03-25 04:20:17", f"Re: [PATCH v4 6/6] {liming_patches(4)[5].title}",
           """Hi Li,

Build Robot noticed the following build warnings:

[auto build test WARNING on demo-virt/for-next]
[also build test WARNING on linus/master v7.0-rc5]

url:    https://ci.example.org/builds/20260324-dvirt-flush-v4
base:   """ + TREE + """ for-next
patch link:    https://lists.example.org/demo-virt/""" + mb.by_key["lm-v4-6"].msgid[1:-1] + """/
config: i386-allmodconfig (https://ci.example.org/builds/20260325/config)

If you fix the issue in a separate patch/commit (i.e. not just a new version of
the same patch/commit), kindly add following tags
| Reported-by: Build Robot <build-robot@ci.example.org>
| Closes: https://ci.example.org/r/202603250411.Mw8cT1zQ-lkp@ci.example.org/

All warnings (new ones prefixed by >>):

>> arch/x86/kernel/dvirt_debugfs.c:44:35: warning: format '%llu' expects argument of type 'long long unsigned int', but argument 3 has type 's64' {aka 'long long int'} [-Wformat=]

-- 
Build Robot
https://ci.example.org/build-robot
""", parent="lm-v4-6", to=[LIMING.header()], cc=["oe-build-reports@ci.example.org", LIST_ADDR],
           msgid=f"<{token('robot-2', 8)}-lkp@ci.example.org>", encoding="8bit")
    mb.add("robot-2-reply", LIMING, "2026-03-25 13:02:58", f"Re: [PATCH v4 6/6] {liming_patches(4)[5].title}",
           """On Wed, Mar 25, 2026 at 04:20:17AM +0800, Build Robot wrote:
> >> arch/x86/kernel/dvirt_debugfs.c:44:35: warning: format '%llu' expects argument of type 'long long unsigned int', but argument 3 has type 's64' {aka 'long long int'} [-Wformat=]

Oops, %lld it is.  Will fix in v5.

Ming
""", parent="robot-2", cc=[STD_CC[0]], msgid=f"<{hx('robot-2-reply', 20)}@li-ming-ws.northwind.example>")

    # Sofia via Demo-virt again: [PATCH v2] carrying the collected tag
    s2 = sofia_patch(2)
    t = datetime(2026, 3, 25, 16, 48, 30)
    mb.add("via-2", SOFIA, f"{t:%Y-%m-%d %H:%M:%S}", f"[PATCH v2] {s2.title}",
           patch_body(s2, "via-2"), msgid=mb.gse_id(SOFIA, t, 1, 6004),
           from_header=f'"Sofia Marchetti via Demo-virt" <{LIST_ADDR}>',
           reply_to=SOFIA.plain(), mailman=True, cc=STD_CC)

    mb.add("pw-kenji", PWBOT, "2026-03-26 02:40:11", f"Re: [PATCH net-next v2] {k2.title}",
           f"""Hello:

This patch was applied to demo-virt/for-next.git (for-next)
by Marcus Oduya <marcus.oduya@northwind.example>:

On Tue, 24 Mar 2026 21:33:09 +0900 you wrote:
> The driver counts dropped rx buffers per queue but only reports the
> sum.  Export the per-queue values as ethtool statistics so that an
> unbalanced RSS configuration can be spotted from user space.

Here is the summary with links:
  - [net-next,v2] {k2.title}
    https://git.example.org/moduya/demo-virt/c/{hx('kenji applied', 12)}

You are awesome, thank you!
-- 
Deet-doot-dot, I am a bot.
https://patchwork.example.org/lists/demo-virt/
""", parent="kenji-2", to=[KENJI.header()], cc=[LIST_ADDR], msgid=f"<{hx('pw-kenji', 20)}@patchwork.example.org>",
           encoding="8bit")

    # An announcement ("other") with one reply
    mb.add("ann-1", ELENA, "2026-03-26 11:00:00", "Demo virtualization BoF at Example Systems Conference, call for topics",
           """Hi everyone,

We have a birds-of-a-feather slot at the Example Systems Conference in
May.  If you have a topic you would like to discuss in person (the
rescind-while-frozen problem and ring sharing for confidential guests
both come to mind), reply here with a line or two before April 10.

Elena
""", cc=["virt-announce@lists.example.org"], encoding="7bit")
    mb.add("ann-2", HANNAH, "2026-03-26 14:37:21",
           "Re: Demo virtualization BoF at Example Systems Conference, call for topics",
           """On 26.3.2026 12.00, Elena Varga wrote:
> If you have a topic you would like to discuss in person, reply here
> with a line or two before April 10.

Hibernation and device hotplug would be mine; I'll bring numbers.

Hannah
""", parent="ann-1", client="thunderbird",
           msgid=f"<{hx('ann-2', 8)}-{hx('ann-2b', 4)}-4e0c-a7d1-{hx('ann-2c', 12)}@mail.example.net>",
           encoding="7bit")

    # second pull request
    pat = sofia_patch(2)
    pat.author = SOFIA
    mb.add("pull-2", MARCUS, "2026-03-27 13:15:42", "[GIT PULL] demo-virt fixes for v7.0-rc6",
           pull_body("fixes2", pat), to=[ELENA.header()],
           cc=[f"Demo virtualization list <{LIST_ADDR}>", SOFIA.plain()])

    # a late reply with Reviewed-by to the RFC patch 2 (discussion continues)
    mb.add("rfc-2-rev", HANNAH, "2026-03-28 10:05:33", "Re: [RFC PATCH 2/2] vmbus: call the ring sharing hook",
           """On 19.3.2026 15.15, Priya Raman wrote:
> +    if (bus_ops->share_ring) {
> +        ret = bus_ops->share_ring(&chan->in);

Only the inbound ring is shared here; the outbound one needs the same
treatment, and the close path has to call unshare_ring() before the pages
are freed.

Hannah
""", parent="rfc-2", cc=[PRIYA.header(), STD_CC[0]], client="thunderbird",
           msgid=f"<{hx('rfc-2-rev', 8)}-{hx('rfc-2-revb', 4)}-4b2e-9c3f-{hx('rfc-2-revc', 12)}@mail.example.net>",
           encoding="7bit")


# --------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default=str(Path(__file__).resolve().parent / "demo-list.mbox"),
                    help="where to write the mbox (default: examples/demo-list.mbox)")
    args = ap.parse_args(argv)
    data = build().mbox()
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}: {data.count(b'From mboxrd@z ')} messages, {len(data)} bytes",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
