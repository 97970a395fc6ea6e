"""``RawMessage`` → ``Mail``: the only module that imports ``email``.

Speed and safety (MAIL-NOTES headline facts 6 and 7): the header block is split by
hand (3× faster than ``email``'s feed parser on ~35 headers a message) and the few
headers we need are decoded with ``email.header``/``email.utils`` under guards.  A
single-part body is taken from the raw bytes after the header block and decoded by
``patchbody`` (transfer encoding, charset chain); only multipart mail goes through
``BytesParser(policy=compat32)``, which never raises while parsing.  ``parse`` never
raises: whatever is odd becomes a ``Problem`` on the returned ``Mail``.
"""

from __future__ import annotations

import calendar
import re
from email import policy
from email.header import decode_header
from email.parser import BytesParser
from email.utils import parseaddr, parsedate_tz

from ssg import patchbody, subject
from ssg.errors import Problem
from ssg.model import Address, Mail, RawMessage

PARSER = BytesParser(policy=policy.compat32)
HEADER_SPLIT_RE = re.compile(r"\n(?![ \t])")
CTYPE_PARAM_RE = re.compile(r";[ \t]*charset[ \t]*=[ \t]*\"?([^\";\s]{1,60})", re.I)
WANTED = frozenset({"message-id", "date", "from", "reply-to", "x-original-from", "subject",
                    "to", "cc", "references", "in-reply-to", "content-type",
                    "content-transfer-encoding", "list-post", "list-id", "x-mailer",
                    "user-agent", "auto-submitted", "x-patchwork-hint", "precedence",
                    "x-mailing-list", "x-loop"})
MSGID_RE = re.compile(r"<([^<>]{1,998})>")
VIA_RE = re.compile(r"\s+via\s+[^<>@]{1,80}\Z", re.I)
SIMPLE_ADDR_RE = re.compile(
    r'(?:"([^"\\]{0,200})" ?|([^"<>()\[\],;:\\@]{0,200}?) ?)<([^<>\s"()\\,;@]{1,200}@[^<>\s"()\\,;]{1,200})>\Z'
    r'|([^\s<>"()\[\],;:\\@]{1,200}@[^\s<>"()\[\],;:\\@]{1,200})\Z')
BARE_ADDR_RE = re.compile(r"[^\s<>\"'(),;:\[\]@]{1,64}@[^\s<>\"'(),;:\[\]]{1,200}")
RELAY_RE = re.compile(r"devnull\+[^@]{0,200}@kernel\.org\Z")
MBOX_FROM_RE = re.compile(r"From [0-9a-f]{40} [^\n]{0,80}\n")
HINTS = ("x-mailer", "user-agent", "x-stable", "auto-submitted", "x-patchwork-hint", "precedence",
         "list-id", "x-mailing-list", "x-loop")
PATCH_TYPES = frozenset({"text/x-patch", "text/x-diff", "application/x-patch",
                         "application/x-diff", "text/x-log"})
MAX_DAY_OFFSET = 24 * 3600
MAX_HEADER = 256 * 1024
"""Longest header value kept (References of a long thread stay well below this)."""
MAX_DECODED = 4096
"""Longest text given to RFC 2047 decoding or address parsing (names, subjects)."""
MAX_TEXT = 256 * 1024
"""Longest message text (cover letter, commit message) kept for pages; a 50 MB body would
otherwise be copied whole into the index, digest.json, the digest, the series page and the feed."""


def parse(raw: RawMessage) -> Mail:
    """Parse one stored message; never raises (odd input becomes ``Mail.problems``)."""
    try:
        return _parse(raw)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raise"
        mid = f"synthetic.{raw.blob}@ssg.invalid"
        nobody = Address("", "")
        return Mail(message_id=mid, commit=raw.commit, blob=raw.blob, epoch=raw.epoch,
                    subject=subject.parse(""), date=raw.authored, arrived=raw.committed,
                    from_header=nobody, sender=nobody, author=nobody, synthetic_id=True,
                    size=len(raw.data), deleted=raw.deleted,
                    problems=(Problem("parse-error", f"{type(exc).__name__}: {exc}",
                                      mid, raw.commit),))


Notes = list[tuple[str, str]]
"""(code, detail) pairs collected while parsing one message."""


def _parse(raw: RawMessage) -> Mail:
    notes: Notes = []
    data = raw.data
    head, body_bytes = _split_head(data)
    headers = _read_headers(head)
    if not head.strip() and not body_bytes.strip():
        notes.append(("empty", "empty (purged) message blob"))
    message_id, synthetic = _message_id(headers.get("message-id", ""), raw.blob)
    if synthetic:
        notes.append(("no-message-id", "no usable Message-ID; using a synthetic id"))
    date = _date(headers.get("date"), raw.authored, notes)
    from_header = _address(headers.get("from", ""))
    if not from_header.email:
        notes.append(("no-from", "no parseable From address"))
    sender = _sender(headers, from_header, notes)
    body, patch_texts, attachments = _body(data, headers, body_bytes, notes)
    info = patchbody.analyse(body, patch_texts)
    # an in-body From counts only on a patch: replies often start with an attribution
    # block ("From: X / Date: …") naming the person quoted, not the author
    author = _author(info.in_body_from if info.diffstat else "", sender)
    if not sender.name and author.name:  # edge case 53: name the bare-address sender
        sender = Address(author.name, sender.email)
        if author.email == sender.email:
            author = sender
    refs, irt = _references(headers, message_id)
    text = _bounded(info.text, notes)
    problems = tuple(Problem(code, detail, message_id, raw.commit)
                     for code, detail in notes)
    return Mail(
        message_id=message_id, commit=raw.commit, blob=raw.blob, epoch=raw.epoch,
        subject=subject.parse(_text_header(headers.get("subject", ""))),
        date=date, arrived=raw.committed, from_header=from_header, sender=sender,
        author=author, in_reply_to=irt, references=refs, synthetic_id=synthetic,
        hints=_hints(headers), text=text, has_diff=info.diffstat is not None,
        diffstat=info.diffstat, diffstat_text=info.diffstat_text, trailers=info.trailers,
        followups=info.followups, change_id=info.change_id, base_commit=info.base_commit,
        pull=info.pull, attachments=attachments, size=len(data), deleted=raw.deleted,
        problems=problems)


def _bounded(text: str, notes: list[tuple[str, str]]) -> str:
    """``text`` cut at a line end near MAX_TEXT, saying how much was left out."""
    if len(text) <= MAX_TEXT:
        return text
    cut = text.rfind("\n", MAX_TEXT // 2, MAX_TEXT)
    cut = cut if cut > 0 else MAX_TEXT
    notes.append(("long-text", f"message text of {len(text)} characters cut to {cut}"))
    return text[:cut].rstrip("\n") + f"\n\n[… {len(text) - cut} more characters not shown: see the archive]\n"


def _split_head(data: bytes) -> tuple[bytes, bytes]:
    """(header block, body) split at the first empty line (LF or CRLF)."""
    if data.startswith((b"\n", b"\r\n")):
        return b"", data[1:] if data[:1] == b"\n" else data[2:]
    i = data.find(b"\n\n")
    if i < 0 or b"\r" in data[:i]:
        j = data.find(b"\r\n\r\n", 0, i if i >= 0 else len(data))
        if j >= 0:
            return data[:j + 2], data[j + 4:]
    if i < 0:
        return data, b""
    return data[:i + 1], data[i + 2:]


def _read_headers(head: bytes) -> dict[str, str]:
    """First value of each wanted header, unfolded (8-bit bytes surrogate-escaped).

    The header block is split here instead of by ``email``'s feed parser (3× faster):
    the archives carry ~35 headers per message (Received…) and we need a few.
    """
    text = head.decode("ascii", "surrogateescape")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    headers: dict[str, str] = {}
    for item in HEADER_SPLIT_RE.split(text):
        name, sep, value = item.partition(":")
        if not sep:
            continue
        name = name.rstrip(" \t").lower()
        if (name in WANTED or name.startswith("x-bot")) and name not in headers:
            headers[name] = value[:MAX_HEADER].replace("\n", "").strip()
    return headers


# --- headers ---------------------------------------------------------------

def _unescape8(value: str) -> str:
    """Header text with raw 8-bit bytes (surrogate-escaped by the parser) decoded."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
        return value  # already text (e.g. an in-body header)
    except UnicodeEncodeError:
        return patchbody.decode_text(value.encode("utf-8", "surrogateescape"), None)[0]


def _decode_words(value: str) -> str:
    """RFC 2047 encoded words decoded; the input unchanged when decoding fails."""
    if "=?" not in value:
        return value
    try:  # decode_header's lazy regex is quadratic on unclosed words: bound its input
        parts = decode_header(value[:MAX_DECODED])
    except Exception:  # noqa: BLE001 - broken base64 in an encoded word
        return value
    return "".join(chunk if isinstance(chunk, str) else patchbody.decode_text(chunk, cs)[0]
                   for chunk, cs in parts)


def _text_header(value: str) -> str:
    """Decoded, unfolded, whitespace-collapsed header text."""
    return " ".join(_decode_words(_unescape8(value[:MAX_DECODED])).split())


def _address(value: str) -> Address:
    """First address of a header, name decoded (quotes and backslashes removed)."""
    value = " ".join(_unescape8(value[:MAX_DECODED]).split())
    if not value:
        return Address("", "")
    m = SIMPLE_ADDR_RE.match(value)
    if m is not None:  # fast path for ``Name <a@b>``, ``"Name" <a@b>`` and ``a@b``
        name, addr = m.group(1) or m.group(2) or "", m.group(3) or m.group(4)
    else:
        try:
            name, addr = parseaddr(value)
        except Exception:  # noqa: BLE001
            name, addr = "", ""
    if "@" not in addr:
        m = BARE_ADDR_RE.search(value)
        addr = m.group(0) if m else addr
        if m and not name:
            name = value[:m.start()].strip(' <"')
    name = " ".join(_decode_words(name).split()).strip('"').strip()
    addr = addr.strip().lower()
    if name.lower() == addr:
        name = ""
    return Address(name=name, email=addr)


def _message_id(value: str, blob: str) -> tuple[str, bool]:
    m = MSGID_RE.search(value)
    mid = m.group(1).strip() if m else (value.split() or [""])[0]
    mid = "".join(mid.split())
    if not mid:
        return f"synthetic.{blob}@ssg.invalid", True
    return mid, False


def _date(value: str | None, fallback: int, notes: Notes) -> int:
    """Date header in UTC epoch seconds; commit time when missing or unparseable."""
    if not value or not value.strip():
        notes.append(("no-date", "no Date header; using the commit time"))
        return fallback
    try:
        parts = parsedate_tz(" ".join(value[:200].split()))
        if parts is None:
            raise ValueError("unparseable")
        offset = parts[9] or 0
        if abs(offset) >= MAX_DAY_OFFSET:
            notes.append(("bad-date-zone", f"zone offset {offset} s treated as UTC"))
            offset = 0
        return calendar.timegm(tuple(parts[:6]) + (0, 0, 0)) - offset
    except Exception:  # noqa: BLE001 - parsedate_tz and timegm raise on odd input
        notes.append(("bad-date", f"unparseable Date {value.strip()[:80]!r}; commit time used"))
        return fallback


def _sender(headers: dict[str, str], from_header: Address, notes: Notes) -> Address:
    """Un-munged sender: X-Original-From, Reply-To for relays and lists, else From."""
    original = headers.get("x-original-from")
    if original:
        addr = _address(original)
        if addr.email:
            return addr
    if not _is_munged(from_header, headers):
        return from_header
    name = VIA_RE.sub("", from_header.name)
    reply = _address(headers.get("reply-to", ""))
    if not reply.email or _is_munged(reply, headers):
        notes.append(("munged-from", "list or relay From without a usable Reply-To"))
        return Address(name, from_header.email)
    return Address(VIA_RE.sub("", reply.name) or name, reply.email)


def _list_address(headers: dict[str, str]) -> str:
    """The list's own address from List-Post or List-Id (``a.b.c`` → ``a@b.c``)."""
    post = headers.get("list-post", "")
    m = re.search(r"mailto:([^>\s]{1,200})", post)
    if m:
        return m.group(1).lower()
    lid = MSGID_RE.search(headers.get("list-id", ""))
    if lid and "." in lid.group(1):
        local, _, domain = lid.group(1).strip().lower().partition(".")
        return f"{local}@{domain}"
    return ""


def _is_munged(addr: Address, headers: dict[str, str]) -> bool:
    if VIA_RE.search(addr.name) or RELAY_RE.match(addr.email):
        return True
    return bool(addr.email) and addr.email == _list_address(headers)


def _author(in_body_from: str, sender: Address) -> Address:
    if not in_body_from:
        return sender
    author = _address(in_body_from)
    if not author.email:
        return sender
    if not author.name and author.email == sender.email:
        return sender
    return author


def _references(headers: dict[str, str], own: str) -> tuple[tuple[str, ...], str]:
    """Cleaned References (In-Reply-To appended) and the parent id."""
    refs_raw = headers.get("references", "")
    irt_raw = headers.get("in-reply-to", "")
    if not refs_raw and not irt_raw:
        return (), ""
    tocc = f"{headers.get('to', '')} {headers.get('cc', '')}".lower()

    def is_recipient(ref: str) -> bool:
        low = ref.lower()
        return low in tocc and low in (a.lower() for a in BARE_ADDR_RE.findall(tocc))

    def clean(value: str) -> list[str]:
        value = _decode_words(value) if "=?" in value else value
        out = []
        for ref in MSGID_RE.findall(value):
            ref = "".join(ref.split()) if " " in ref or "\t" in ref else ref
            if ref and ref != own and ("@" in ref or len(ref) >= 6) and not is_recipient(ref):
                out.append(ref)
        return out

    refs = list(dict.fromkeys(clean(refs_raw)))
    irt = clean(irt_raw)
    parent = irt[0] if irt else ""
    if parent and parent not in refs:
        refs.append(parent)
    return tuple(refs), parent or (refs[-1] if refs else "")


def _hints(headers: dict[str, str]) -> tuple[tuple[str, str], ...]:
    out = [(name, _text_header(headers[name])[:200]) for name in HINTS if name in headers]
    if "x-original-from" in headers:
        out.append(("x-original-from", "yes"))
    out.extend((name, _text_header(value)[:200]) for name, value in headers.items()
               if name.startswith("x-bot"))
    return tuple(out)


# --- body ------------------------------------------------------------------

def _content_type(msg) -> tuple[str, str | None]:
    try:
        return msg.get_content_type(), msg.get_content_charset()
    except Exception:  # noqa: BLE001 - odd parameters in Content-Type
        return "text/plain", None


def _header_content_type(value: str) -> tuple[str, str | None]:
    """(type, charset) from a raw Content-Type value; text/plain when absent or odd."""
    ctype = value.partition(";")[0].strip().lower()
    if "/" not in ctype:
        ctype = "text/plain"
    m = CTYPE_PARAM_RE.search(value)
    return ctype, (m.group(1) if m else None)


def _body(data: bytes, headers: dict[str, str], body_bytes: bytes,
          notes: Notes) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """(prose body, texts of attached patches, attachment names)."""
    ctype, charset = _header_content_type(headers.get("content-type", ""))
    if ctype.startswith("multipart/"):
        return _multipart(data, notes)
    if ctype == "text/html" or (not ctype.startswith("text/") and ctype != "message/rfc822"):
        notes.append(("no-text", f"single-part {ctype[:60]} message has no plain text"))
        return "", (), (ctype,) if ctype != "text/html" else ()
    payload, problem = patchbody.decode_transfer(
        body_bytes, _unescape8(headers.get("content-transfer-encoding", "")))
    if problem:
        notes.append(("bad-transfer-encoding", problem))
    text, problem = patchbody.decode_text(payload, charset)
    if problem:
        notes.append(("charset", problem))
    return patchbody.normalise_newlines(text), (), ()


def _filename(part) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        return ""
    return _text_header(name) if isinstance(name, str) else ""


def _multipart(data: bytes, notes: Notes) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Walk a MIME tree: inline text/plain is prose, diffs in attachments are patches."""
    msg = PARSER.parsebytes(data)
    prose: list[str] = []
    patches: list[str] = []
    names: list[str] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype, charset = _content_type(part)
        name = _filename(part)
        disposition = str(part.get("content-disposition", "")).lower()
        attached = bool(name) or disposition.startswith("attachment")
        if attached:
            names.append(name or ctype)
        if not ctype.startswith("text/") and ctype not in PATCH_TYPES:
            continue
        try:
            payload = part.get_payload(decode=True) or b""
        except Exception:  # noqa: BLE001
            payload = b""
        text, problem = patchbody.decode_text(payload, charset)
        if problem:
            notes.append(("charset", problem))
        text = patchbody.normalise_newlines(text)
        if ctype in PATCH_TYPES or (attached and patchbody.has_diff(text)):
            patches.append(MBOX_FROM_RE.sub("", text, count=1) if text.startswith("From ")
                           else text)
        elif ctype == "text/plain" and not attached and not patchbody.is_footer_only(text):
            prose.append(text)
    if not prose and not patches:
        notes.append(("no-text", "multipart message without a text/plain part"))
    return "\n".join(prose), tuple(patches), tuple(names)
