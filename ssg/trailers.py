"""Trailers: the ``Name: value`` lines of a patch's last paragraph, and the
stricter follow-up trailers of a reply (MAIL-NOTES "Trailers in a patch" and
"Follow-up trailers").  Pure.

Trailer typos decision (edge case 64): the name is kept as written, ``canonical``
maps known misspellings (``Reviwed-by``, ``Reveiewed-by`` …) to the real name, so
statistics count them and displays can still show what was written.
"""

from __future__ import annotations

import itertools
import re

from ssg.model import Address, Trailer

TRAILER_RE = re.compile(r"[ \t]{0,8}(\w[^\s:]{1,60}):[ \t]+(\S.{0,2000})\Z", re.S)
FOLLOWUP_RE = re.compile(r"\n[ \t]{0,4}([A-Za-z][A-Za-z0-9-]{1,40}):[ \t]+(\S[^\n]{0,1000})(?=\n)")
BASEMENT_FOLLOWUP_RE = re.compile(r"\n([A-Za-z][A-Za-z0-9-]{1,40}):[ \t]+(\S[^\n]{0,1000})(?=\n)")
"""A follow-up trailer below a reply's diff: in column 0, where no line of a diff's
content (`` ``, ``+``, ``-``, ``\\``) can be."""
ANGLE_ADDR_RE = re.compile(r"<[ \t]{0,8}([^<>\s@]{1,200}@[^<>\s]{1,200})[ \t]{0,8}>")  # (``< a@b >`` too)
BARE_ADDR_RE = re.compile(r"[^\s<>\"'(),;:\[\]@]{1,64}@[^\s<>\"'(),;:\[\]]{1,200}")
MAILTO_RE = re.compile(r"<mailto:[^<>\s]{0,300}>")
COMMENT_RE = re.compile(r"[ \t]+#.{0,500}\Z", re.S)
HEX_RE = re.compile(r"[0-9a-fA-F]{6,64}\b")

IGNORED = frozenset({"phone", "mail", "email", "e-mail", "prerequisite-message-id",
                     "from", "subject", "date", "http", "https"})
UTILITY = frozenset({"fixes", "link", "buglink", "closes", "obsoleted-by", "message-id",
                     "change-id", "base-commit", "based-on"})
FOLLOWUP_DROP = frozenset({"from", "author", "cc", "to", "date", "subject", "subscribe",
                           "unsubscribe", "base-commit", "change-id", "message-id",
                           "in-reply-to", "references", "reply-to", "sent", "received"})
FOLLOWUP_NONPERSON = frozenset({"link", "buglink", "closes", "fixes", "obsoleted-by"})
LINK_NAMES = frozenset({"link", "buglink", "closes"})
TYPOS = {"reviwed-by": "reviewed-by", "reveiewed-by": "reviewed-by",
         "reviewd-by": "reviewed-by", "revieved-by": "reviewed-by",
         "rewieved-by": "reviewed-by", "reviewed-off-by": "reviewed-by",
         "signed-of-by": "signed-off-by", "singed-off-by": "signed-off-by",
         "signed-off-off": "signed-off-by", "acked-off-by": "acked-by",
         "tested-off-by": "tested-by", "reported-and-tested-by": "reported-and-tested-by"}
KNOWN = frozenset({"signed-off-by", "reviewed-by", "acked-by", "tested-by", "reported-by",
                   "suggested-by", "co-developed-by", "cc", "fixes", "link", "closes"})


def parse_address(value: str) -> Address | None:
    """The first address in a trailer value, with the text before it as the name."""
    value = MAILTO_RE.sub("", value)
    m = ANGLE_ADDR_RE.search(value)
    if m is not None:
        name = value[:m.start()].strip().strip('"').strip()
        return Address(name=" ".join(name.split()), email=m.group(1).lower())
    m = BARE_ADDR_RE.search(value)
    if m is not None:  # (``Name (addr)``, or ``Name <addr`` with no closing bracket)
        name = value[:m.start()].rstrip(" \t<([").strip().strip('"').strip()
        return Address(name=" ".join(name.split()), email=m.group(0).lower())
    return None


def canonical_name(name: str) -> str:
    """Lower-case trailer name with known misspellings corrected."""
    low = name.lower()
    return TYPOS.get(low, low)


def make_trailer(name: str, value: str) -> Trailer | None:
    """A Trailer with its kind, or None for an ignored name or an invalid Fixes."""
    canon = canonical_name(name)
    if canon in IGNORED:
        return None
    value = COMMENT_RE.sub("", value).strip()
    if canon == "fixes" and HEX_RE.match(value) is None:
        return None
    if canon in UTILITY or "://" in value:
        return Trailer(name=name, value=value, canonical=canon, kind="utility")
    person = parse_address(value)
    if person is not None:
        return Trailer(name=name, value=MAILTO_RE.sub("", value).strip(), canonical=canon,
                       kind="person", person=person)
    return Trailer(name=name, value=value, canonical=canon, kind="unknown")


def _open_fixes(name: str, value: str) -> bool:
    """A ``Fixes: sha ("title…`` whose parenthesis is still open (wrapped title)."""
    return name.lower() == "fixes" and value.count("(") > value.count(")")


def _plainly_a_trailer(m: re.Match) -> bool:
    """A line that starts a trailer even below a ``Fixes:`` whose title never closes
    its parenthesis: a well-known name, or a value with an address."""
    return canonical_name(m.group(1)) in KNOWN or "@" in m.group(2)


def _continues(value: str, line: str) -> bool:
    """A non-trailer ``line`` wraps the trailer before it: indented, or ``<email>``."""
    return line[:1] in (" ", "\t") or (line.lstrip()[:1] == "<" and "@" not in value)


def parse_trailers(message: str) -> tuple[Trailer, ...]:
    """Trailers of the last paragraph of a patch or cover message.

    A paragraph that also holds prose lines only counts when one of its trailers is a
    person or a well-known name (so ``Note: …`` at the end of prose is not a trailer).
    """
    text = message.rstrip()
    para = text[text.rfind("\n\n") + 2:] if "\n\n" in text else text
    if len(para) > 20000 or ":" not in para:
        return ()
    items: list[list[str]] = []
    prose = last_was_trailer = False
    for line in para.split("\n"):
        stripped = line.strip()
        if not stripped or stripped[0] in "[#":
            continue  # extra information or a comment attached to the trailer above
        m = TRAILER_RE.match(line)
        if m is not None and last_was_trailer and _open_fixes(*items[-1]) and not _plainly_a_trailer(m):
            m = None  # the wrapped title goes on (``x86/hyperv: fix …``)
        if m is None and last_was_trailer and (_open_fixes(*items[-1]) or
                                               _continues(items[-1][1], line)):
            items[-1][1] = items[-1][1].rstrip() + " " + stripped
            continue
        last_was_trailer = m is not None
        if m is None:
            prose = True
        else:
            items.append([m.group(1), m.group(2)])
    found = [t for t in (make_trailer(n, v) for n, v in items) if t is not None]
    if prose and not any(t.kind == "person" or t.canonical in KNOWN for t in found):
        return ()
    return tuple(found)


def parse_followups(text: str, basement: str = "") -> tuple[Trailer, ...]:
    """Follow-up trailers on unquoted lines of a reply, with b4's stricter rules.
    Like b4, the whole reply counts: a reviewer's trailer below an unquoted diff
    (a suggested fix, then "with that: Reviewed-by: …") is in ``basement``."""
    found = []
    matches = FOLLOWUP_RE.finditer(f"\n{text}\n")
    if basement:
        matches = itertools.chain(matches, BASEMENT_FOLLOWUP_RE.finditer(f"\n{basement}\n"))
    for m in matches:
        name, value = m.group(1), m.group(2).strip()
        canon = canonical_name(name)
        if canon in FOLLOWUP_DROP:
            continue
        if "://" in value and canon not in LINK_NAMES:
            continue
        t = make_trailer(name, value)
        if t is None:
            continue
        if t.kind != "person" and canon not in FOLLOWUP_NONPERSON:
            continue
        found.append(t)
    return tuple(found)
