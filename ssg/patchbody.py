"""Body text of a mail → its parts: in-body headers, message, basement, trailers.

Pure and ``email``-free.  Rules follow MAIL-NOTES "Diffstat and trailers":

- the signature is cut at the last ``\\n-- \\n``;
- the split is the first line that is ``---`` plus optional whitespace, but only when
  the body has a diff or a diffstat; failing that, just before the first ``diff `` or
  ``--- a/`` line.  Below the split is the *basement* (diffstat, diff, base-commit…);
- the first paragraph is an in-body header block when every line is ``Name: value``
  and one of the names is From, Subject or Date;
- trailers are read from the last paragraph of the message; follow-up trailers are
  read from every unquoted line of a reply with stricter rules (``ssg.trailers``).
"""

from __future__ import annotations

import binascii
import codecs
import re
from dataclasses import dataclass

from ssg.diffstat import SUMMARY_RE, compute, sum_diffstats
from ssg.model import Diffstat, PullRequest, Trailer
from ssg.trailers import parse_followups, parse_trailers

SIGNATURE_SEP = "\n-- \n"
# Line-start patterns begin with a literal "\n" and are searched in "\n" + text + "\n":
# sre then scans for the literal quickly instead of trying ``^`` at every offset.
SPLIT_LINE_RE = re.compile(r"\n---[ \t]*(?=\n)")
DIFF_START_RE = re.compile(r"\n(?:diff --git |diff -[a-zA-Z]|Index: \S|--- a/)")
HAS_DIFF_RE = re.compile(r"\n(?:diff --git |Index: \S|--- \S[^\n]{0,400}\n\+\+\+ \S)")
HEADER_LINE_RE = re.compile(r"([A-Za-z][A-Za-z0-9-]{0,40}):[ \t]*(.{0,4000})\Z", re.S)
CHANGE_ID_RE = re.compile(r"^change-id:[ \t]*(\S{1,200})[ \t]*$", re.M)
BASE_COMMIT_RE = re.compile(r"^base-commit:[ \t]*([0-9a-fA-F]{7,64})[ \t]*$", re.M)
STAT_LINE_RE = re.compile(r" [^\n]{1,300}\|[ \t]{0,8}(?:\d{1,9}[ \t]{0,2}[+-]{0,300}"
                          r"|Bin[^\n]{0,80})[ \t]*\Z")
STAT_TAIL_RE = re.compile(r" (?:create|delete) mode |\s(?:rename|copy|mode change) ")
PULL_BASE_RE = re.compile(r"^The following changes since commit ([0-9a-fA-F]{7,64})", re.M)
PULL_URL_RE = re.compile(r"^are available in the [Gg]it repository at:?[ \t]*\n"
                         r"(?:[ \t]*\n){0,2}[ \t]{0,16}(\S{1,500})(?:[ \t]{1,8}(\S{1,300}))?",
                         re.M)
PULL_TIP_RE = re.compile(r"^for you to fetch changes up to ([0-9a-fA-F]{7,64})", re.M)
FOOTER_RULE_RE = re.compile(r"_{20,}[ \t]*\Z")
FALLBACK_CHARSETS = ("utf-8", "cp1252")
BLOCKED_CODECS = frozenset({"punycode", "idna", "unicode-escape", "raw-unicode-escape"})

IN_BODY_KEYS = frozenset({"from", "subject", "date"})
def _codec(charset: str | None) -> str | None:
    """A usable text codec name for a declared charset, or None."""
    if not charset:
        return None
    try:
        info = codecs.lookup(charset.strip().strip("\"'").lower())
    except (LookupError, ValueError, TypeError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in BLOCKED_CODECS:
        return None
    return info.name


def decode_text(data: bytes, charset: str | None) -> tuple[str, str]:
    """(text, problem) decoded with the chain declared → utf-8 → cp1252 → latin-1."""
    problem = ""
    codec = _codec(charset)
    if charset and codec is None:
        problem = f"unknown charset {charset.strip()[:40]!r}"
    elif codec and codec not in ("ascii", "utf-8"):
        try:
            return data.decode(codec), ""
        except Exception:  # noqa: BLE001 - codecs raise more than UnicodeDecodeError
            problem = f"text is not valid {codec}"
    for name in FALLBACK_CHARSETS:
        try:
            return data.decode(name), problem
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), problem


def decode_transfer(payload: bytes, cte: str) -> tuple[bytes, str]:
    """(bytes, problem): base64 or quoted-printable undone, leniently."""
    cte = cte.strip().lower()
    try:
        if cte == "base64":
            try:
                return binascii.a2b_base64(payload), ""
            except binascii.Error:
                clean = payload.translate(None, b" \t\r\n")
                return binascii.a2b_base64(clean[:len(clean) // 4 * 4]), "base64 padding"
        if cte == "quoted-printable":
            return binascii.a2b_qp(payload), ""
    except (binascii.Error, ValueError) as exc:
        return payload, f"{cte}: {exc}"
    return payload, ""


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR to LF; NUL characters removed."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\x00", "") if "\x00" in text else text


@dataclass(frozen=True, slots=True)
class BodyParts:
    """A body split the way git-am and b4 read it."""

    headers: tuple[tuple[str, str], ...]
    """In-body header block (name as written, value), or empty."""
    message: str
    """Text between the in-body headers and the split: prose, commit message, trailers."""
    basement: str
    """Everything below the split: diffstat, diff, base-commit, change-id; may be empty."""
    signature: str
    """Text after the last ``-- `` line, or empty."""


@dataclass(frozen=True, slots=True)
class BodyInfo:
    """What the decoded body (and any attached patches) of one mail says."""

    text: str
    """Message text above the split, in-body headers, signature and footer removed."""
    in_body_from: str
    """Raw value of the in-body ``From:`` (prose first, else the attached patch), or empty."""
    diffstat: Diffstat | None
    """Computed from the unquoted diff(s); None when there is no diff."""
    diffstat_text: str
    """The format-patch diffstat block as sent, or empty."""
    trailers: tuple[Trailer, ...]
    """Trailers of the message's last paragraph (else of the attached patch's message)."""
    followups: tuple[Trailer, ...]
    """Follow-up trailers on unquoted lines of the message text (strict rules)."""
    change_id: str
    """``change-id:`` from the basement, or empty."""
    base_commit: str
    """``base-commit:`` from the basement, or empty."""
    pull: PullRequest | None
    """What a request-pull body says, or None."""


def strip_footer(text: str) -> tuple[str, bool]:
    """Remove a trailing Mailman footer (rule of underscores + ``… mailing list``)."""
    tail_start = max(len(text) - 2000, 0)
    i = text.rfind("\n__________", tail_start)
    start = i + 1 if i >= 0 else (0 if text.startswith("__________") else -1)
    if start < 0:
        return text, False
    lines = text[start:].split("\n", 4)
    if not FOOTER_RULE_RE.match(lines[0]) or len(lines) < 2:
        return text, False
    if not any("mailing list" in ln or "listinfo" in ln for ln in lines[1:4]):
        return text, False
    return text[:start].rstrip() + ("\n" if start else ""), True


def is_footer_only(text: str) -> bool:
    """True for a separate MIME part that holds nothing but a Mailman footer."""
    stripped, found = strip_footer(text.strip("\n"))
    return found and not stripped.strip()


def split_signature(text: str) -> tuple[str, str]:
    """(body, signature) at the last ``-- `` line, unless a diff follows it."""
    i = text.rfind(SIGNATURE_SEP)
    if i < 0:
        return text, ""
    sig = text[i + len(SIGNATURE_SEP):]
    if "\n@@ -" in sig or sig.startswith("@@ -") or "\ndiff --git " in sig:
        return text, ""
    return text[:i + 1], sig


def has_diff(text: str) -> bool:
    """An unquoted diff (git, ``diff -u`` or ``Index:``) appears in ``text``."""
    return HAS_DIFF_RE.search(f"\n{text}\n") is not None or "\nGIT binary patch\n" in text


def split_point(text: str) -> int:
    """Offset where the basement starts, or -1 when the body has none."""
    padded = f"\n{text}\n"  # a match at padded[i] ("\n") is a line starting at text[i]
    diff = DIFF_START_RE.search(padded)
    if diff is None and ("changed" not in text or SUMMARY_RE.search(padded) is None):
        return -1
    sep = SPLIT_LINE_RE.search(padded, 0, diff.start() + 1 if diff is not None else len(padded))
    if sep is not None:
        return sep.start()
    return diff.start() if diff is not None else -1


def _in_body_headers(text: str) -> tuple[tuple[tuple[str, str], ...], str]:
    """(headers, rest) when the first paragraph is a header block naming From/Subject/Date."""
    body = text.lstrip("\n")
    para, sep, rest = body.partition("\n\n")
    if not para or len(para) > 4000:
        return (), text
    headers = []
    for line in para.split("\n"):
        m = HEADER_LINE_RE.match(line)
        if m is None:
            return (), text
        headers.append((m.group(1), m.group(2).strip()))
    if not any(name.lower() in IN_BODY_KEYS for name, _ in headers):
        return (), text
    return tuple(headers), rest if sep else ""


def split_body(text: str) -> BodyParts:
    """Signature, basement, in-body headers and message of a decoded body."""
    body, sig = split_signature(text)
    at = split_point(body)
    above, below = (body, "") if at < 0 else (body[:at], body[at:])
    headers, message = _in_body_headers(above)
    return BodyParts(headers=headers, message=message.strip("\n"), basement=below,
                     signature=sig)


def basement_ids(text: str) -> tuple[str, str]:
    """(change-id, base-commit) from basement lines (never ``prerequisite-change-id``)."""
    cid = CHANGE_ID_RE.search(text) if "change-id:" in text else None
    base = BASE_COMMIT_RE.search(text) if "base-commit:" in text else None
    return (cid.group(1) if cid else ""), (base.group(1).lower() if base else "")


def diffstat_block(basement: str) -> str:
    """The format-patch diffstat lines and summary, as sent, or empty."""
    if "changed" not in basement:
        return ""
    padded = f"\n{basement}\n"
    end = DIFF_START_RE.search(padded)
    head = padded[:end.start() + 1] if end else padded
    m = SUMMARY_RE.search(head)
    if m is None:
        return ""
    before = head[1:m.start()].split("\n")
    start = len(before)
    while start > 0 and STAT_LINE_RE.match(before[start - 1]):
        start -= 1
    tail = []
    for line in head[m.end() + 1:].split("\n"):
        if not STAT_TAIL_RE.match(line):
            break
        tail.append(line)
    return "\n".join(before[start:] + [m.group(0).strip("\n").rstrip()] + tail)


def parse_pull(text: str) -> PullRequest | None:
    """What a ``git request-pull`` body says, or None when it is not one."""
    base = PULL_BASE_RE.search(text)
    url = PULL_URL_RE.search(text)
    if base is None and url is None:
        return None
    tip = PULL_TIP_RE.search(text)
    branch = url.group(2) if url and url.group(2) else ""
    return PullRequest(base=base.group(1).lower() if base else "",
                       url=url.group(1) if url else "", branch=branch,
                       tip=tip.group(1).lower() if tip else "")


def _metadata(basements: list[str], message: str) -> tuple[str, str]:
    """change-id and base-commit from the basement, else below a ``---`` line."""
    text = "".join(basements)
    if not text:
        sep = SPLIT_LINE_RE.search(f"\n{message}\n")
        text = message[sep.start():] if sep else ""
    return basement_ids(text) if text else ("", "")


def analyse(body: str, patches: tuple[str, ...] = ()) -> BodyInfo:
    """Everything the body says; ``patches`` are attached patch texts (diff source)."""
    body, _ = strip_footer(body)
    parts = split_body(body)
    headers, message = parts.headers, parts.message
    stats: list[Diffstat] = [compute(parts.basement)] if parts.basement else []
    basements = [parts.basement] if parts.basement else []
    att_message = ""
    for text in patches:
        att = split_body(text)
        stats.append(compute(att.basement or text))
        basements.append(att.basement)
        headers = headers or att.headers
        att_message = att_message or att.message
    diffstat = stats[0] if len(stats) == 1 else sum_diffstats(stats)
    change_id, base_commit = _metadata(basements, message)
    pull = None
    if "since commit" in body or "repository at" in body:
        pull = parse_pull(body)
    if not message.strip() and att_message:
        message = att_message  # nothing but an attached patch: its commit message is the text
    trailers = parse_trailers(message)
    if not trailers and att_message:
        trailers = parse_trailers(att_message)
    return BodyInfo(
        text=message, in_body_from=next((v for k, v in headers if k.lower() == "from"), ""),
        diffstat=diffstat if diffstat.files else None,
        diffstat_text=next((b for b in map(diffstat_block, basements) if b), ""),
        trailers=trailers, followups=parse_followups(message, parts.basement), change_id=change_id,
        base_commit=base_commit, pull=pull)
