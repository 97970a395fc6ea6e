"""Revisions: link a series to its previous version (v1 → v2 → …).

Three cues, tried in order (MAIL-NOTES "Series grouping", 5):

1. the same b4 ``change-id``;
2. the same normalised title and the same submitter identity, with a lower version;
3. a v(N+1) posted in the thread of vN (its thread root is a message of vN, or the
   same root and the same submitter).

Links only name the previous series; patches are never merged across versions.
``SeriesRecord`` is what a persistent index stores about a series so later ranges can
be linked to it.  Pure; never raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ssg import identity
from ssg.model import Address, Series

_VERSION_PART = re.compile(r"\d+")
_TITLE_NOISE = re.compile(r"^(?:\s*\[[^\]]*\]\s*)+|\s*[\(\[]?\bv\d+(?:\.\d+)*[\)\]]?\s*$", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+")


@dataclass(frozen=True, slots=True)
class SeriesRecord:
    """What the look-back index keeps about one posted series."""

    id: str
    """Series id (``s`` + 12 hex)."""
    title_key: str
    """Normalised title (``title_key``) for matching revisions."""
    submitter: str
    """Identity key of the submitter (normalised address, else ``name:`` + name)."""
    version: str
    """Revision as a string ("1", "8.1")."""
    change_id: str
    """b4 change-id, or empty."""
    date: int
    """Date of the series' earliest message (UTC seconds)."""
    thread_root: str
    """Root message-id of the thread the series was posted in."""
    message_ids: tuple[str, ...] = ()
    """Cover (if any) and patches of the series."""
    expected: int | None = None
    """Announced number of patches, if stated."""


def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a version string: "8.1" → (8, 1); "8" < "8.1" < "9";
    anything without digits counts as version 1."""
    parts = tuple(int(p) for p in _VERSION_PART.findall(version or "")[:4])
    return parts or (1,)


def title_key(title: str) -> str:
    """Lower-case title with bracket prefixes, a trailing ``(vN)`` hint, punctuation
    and extra whitespace removed."""
    text = _TITLE_NOISE.sub("", title or "")
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def person_key(address: Address) -> str:
    """Identity key of an address (normalised e-mail, else ``name:`` + name)."""
    if address.email:
        return identity.normalise_email(address.email)
    return "name:" + identity.normalise_name(address.name)


def record(series: Series) -> SeriesRecord:
    """The index record of a series."""
    ids = ((series.cover,) if series.cover else ()) + tuple(series.patches)
    return SeriesRecord(
        id=series.id, title_key=title_key(series.title), submitter=person_key(series.submitter),
        version=series.version, change_id=series.change_id, date=series.date,
        thread_root=series.thread_root, message_ids=ids, expected=series.expected)


def _newest_below(rec: SeriesRecord, candidates: list[SeriesRecord]) -> str:
    """Id of the highest-version (then latest) candidate, or empty."""
    if not candidates:
        return ""
    best = max(candidates, key=lambda c: (version_key(c.version), c.date, c.id))
    return best.id


def previous_of(rec: SeriesRecord, earlier: Sequence[SeriesRecord]) -> str:
    """Id of the previous revision of ``rec`` among ``earlier``, or empty."""
    mine = version_key(rec.version)
    lower = [e for e in earlier
             if e.id != rec.id and version_key(e.version) < mine and e.date <= rec.date]
    if rec.change_id:
        found = _newest_below(rec, [e for e in lower if e.change_id == rec.change_id])
        if found:
            return found
    if rec.title_key:
        found = _newest_below(rec, [e for e in lower if e.title_key == rec.title_key
                                    and e.submitter == rec.submitter])
        if found:
            return found
    return _newest_below(rec, [e for e in lower if rec.thread_root in e.message_ids or (
        rec.thread_root == e.thread_root and e.submitter == rec.submitter)])


def link_previous(new: Sequence[Series], earlier: Sequence[SeriesRecord]) -> dict[str, str]:
    """Series id → previous series id, for every series of ``new`` that has one."""
    links: dict[str, str] = {}
    pool = list(earlier)
    for series in sorted(new, key=lambda s: (s.date, s.id)):
        found = previous_of(record(series), pool)
        if found:
            links[series.id] = found
    return links
