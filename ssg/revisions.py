"""Revisions: link a series to its previous version (v1 → v2 → …).

Three cues, tried in order (MAIL-NOTES "Series grouping", 5):

1. the same b4 ``change-id``;
2. the same normalised title and the same submitter identity, with a lower version;
3. a v(N+1) posted in the thread of vN (its thread root is a message of vN, or the
   same root and the same submitter);
4. the same normalised title and the same submitter display name (one person
   posting from several addresses).

Links only name the previous series; patches are never merged across versions.
``SeriesRecord`` is what a persistent index stores about a series so later ranges can
be linked to it.  Pure; never raises on odd input.
"""

from __future__ import annotations

import re
from functools import lru_cache
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

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
    submitter_name: str = ""
    """Normalised display name of the submitter (one person, several addresses)."""


@lru_cache(maxsize=4096)
def version_key(version: str) -> tuple[int, ...]:
    """Numeric sort key of a version string: "8.1" → (8, 1); "8" < "8.1" < "9";
    anything without digits counts as version 1."""
    parts = tuple(int(p) for p in _VERSION_PART.findall(version or "")[:4])
    return parts or (1,)


@lru_cache(maxsize=1 << 14)  # each range asks again for the titles of the series it links
def title_key(title: str) -> str:
    """Lower-case title with bracket prefixes, a trailing ``(vN)`` hint, punctuation
    and extra whitespace removed."""
    text = _TITLE_NOISE.sub("", title or "")
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


@lru_cache(maxsize=1 << 14)
def person_key(address: Address) -> str:
    """Identity key of an address (normalised e-mail, else ``name:`` + name)."""
    if address.email:
        return identity.normalise_email(address.email)
    return "name:" + identity.normalise_name(address.name)


@lru_cache(maxsize=1 << 14)
def name_key(address: Address) -> str:
    """Normalised display name, or empty when it is missing or an address."""
    name = identity.normalise_name(address.name)
    return "" if "@" in name else name


def record(series: Series) -> SeriesRecord:
    """The index record of a series."""
    ids = ((series.cover,) if series.cover else ()) + tuple(series.patches)
    return SeriesRecord(
        id=series.id, title_key=title_key(series.title), submitter=person_key(series.submitter),
        version=series.version, change_id=series.change_id, date=series.date,
        thread_root=series.thread_root, message_ids=ids, expected=series.expected,
        submitter_name=name_key(series.submitter))


class _Pool:
    """Earlier records indexed by every cue (so linking is not quadratic)."""

    def __init__(self, earlier: Sequence[SeriesRecord]) -> None:
        self.by_change: dict[str, list[SeriesRecord]] = {}
        self.by_title: dict[tuple[str, str], list[SeriesRecord]] = {}
        self.by_message: dict[str, list[SeriesRecord]] = {}
        self.by_root: dict[tuple[str, str], list[SeriesRecord]] = {}
        self.by_name: dict[tuple[str, str], list[SeriesRecord]] = {}
        for e in earlier:
            if e.change_id:
                self.by_change.setdefault(e.change_id, []).append(e)
            if e.title_key:
                self.by_title.setdefault((e.title_key, e.submitter), []).append(e)
            for mid in e.message_ids:
                self.by_message.setdefault(mid, []).append(e)
            self.by_root.setdefault((e.thread_root, e.submitter), []).append(e)
            if e.title_key and e.submitter_name:
                self.by_name.setdefault((e.title_key, e.submitter_name), []).append(e)

    def previous_of(self, rec: SeriesRecord) -> str:
        mine = version_key(rec.version)

        def best(candidates: Sequence[SeriesRecord]) -> str:
            lower = [e for e in candidates
                     if e.id != rec.id and version_key(e.version) < mine and e.date <= rec.date]
            if not lower:
                return ""
            return max(lower, key=lambda c: (version_key(c.version), c.date, c.id)).id

        if rec.change_id and (found := best(self.by_change.get(rec.change_id, ()))):
            return found
        if rec.title_key and (found := best(self.by_title.get((rec.title_key, rec.submitter), ()))):
            return found
        if (found := best([*self.by_message.get(rec.thread_root, ()),
                           *self.by_root.get((rec.thread_root, rec.submitter), ())])):
            return found
        if rec.title_key and rec.submitter_name:
            return best(self.by_name.get((rec.title_key, rec.submitter_name), ()))
        return ""


def previous_of(rec: SeriesRecord, earlier: Sequence[SeriesRecord]) -> str:
    """Id of the previous revision of ``rec`` among ``earlier``, or empty."""
    return _Pool(earlier).previous_of(rec)


def link_previous(new: Sequence[Series], earlier: Sequence[SeriesRecord]) -> dict[str, str]:
    """Series id → previous series id, for every series of ``new`` that has one."""
    pool = _Pool(earlier)
    links: dict[str, str] = {}
    for series in sorted(new, key=lambda s: (s.date, s.id)):
        found = pool.previous_of(record(series))
        if found:
            links[series.id] = found
    return links


def mark(series: Sequence[Series], nearest: Mapping[str, tuple[str, str, str]]) -> list[Series]:
    """Fill ``previous``, ``reroll_of`` and the flags ``partial-reroll`` and
    ``resend`` of series grouped together.

    ``nearest`` maps a series id to (series id, version, submitter key) of the
    nearest ancestor of its lead message that belongs to another series.  A lower
    version there, by the same submitter, is the previous revision; when the series
    has no cover and is incomplete it is a partial reroll of it.  A series whose
    (title, submitter, version, kind, prefixes) repeats an earlier one is a resend."""
    links = link_previous(series, [record(s) for s in series])
    seen: set[tuple] = set()
    out = []
    for s in sorted(series, key=lambda x: (x.date, x.id)):
        flags, previous, reroll = set(s.flags), links.get(s.id, ""), ""
        target = nearest.get(s.id)
        if target and version_key(target[1]) < version_key(s.version) \
                and target[2] == person_key(s.submitter):
            previous = previous or target[0]
            if not s.cover and "continued" not in flags and s.missing:
                reroll = target[0]
                flags.add("partial-reroll")
        key = (title_key(s.title), person_key(s.submitter), version_key(s.version), s.kind,
               tuple(p.lower() for p in s.prefixes))
        if key in seen:
            flags.add("resend")
        seen.add(key)
        out.append(replace(s, flags=tuple(sorted(flags)), previous=previous, reroll_of=reroll))
    return out
