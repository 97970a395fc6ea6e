"""Series grouping, second half: posting batches → ``Series`` records, reply
attribution and the final ``Grouping`` (pure; used by ``ssg.series.group``)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ssg.classify import is_autosel
from ssg.model import Grouping, Mail, Series
from ssg.revisions import person_key, version_key
from ssg.threads import ancestors, arrival_key, nearest_owner

if TYPE_CHECKING:
    from ssg.series import _Batch, _Grouper

SUBMISSIONS = ("patch", "cover", "pull")
"""Classes that belong to a series as its own messages."""

MAX_EXPECTED = 2000
"""Larger announced counts are taken as garbage: no missing slots are listed."""

def slot(mail: Mail) -> tuple[int, int]:
    """Counter position (index, subindex); an unnumbered patch is slot 1, an
    unnumbered cover or pull slot 0."""
    index = mail.subject.index
    if index is None:
        return (1 if mail.has_diff else 0, 0)
    return (index, mail.subject.subindex)


def counter_key(mail: Mail) -> tuple:
    """Patches sort by counter, arrival breaking ties."""
    return (slot(mail), arrival_key(mail))

def series_id(anchor_message_id: str) -> str:
    """``s`` + the first 12 hex digits of sha1(anchor message-id)."""
    return "s" + hashlib.sha1(anchor_message_id.encode("utf-8", "replace")).hexdigest()[:12]


def _most_common(values: Iterable, key=None):
    counts: dict = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    if not counts:
        return None
    return max(counts, key=lambda v: (counts[v], key(v) if key else v))


def _version(head: Mail | None, patches: Sequence[Mail]) -> str:
    """The batch's version by vote: explicit versions of the patches, the cover's
    counting one and a half (a typo on one patch or on the cover is outvoted)."""
    votes: dict[str, float] = {}
    for p in patches:
        if p.subject.version_explicit:
            votes[p.subject.version] = votes.get(p.subject.version, 0) + 1
    if head is not None and head.subject.version_explicit:
        votes[head.subject.version] = votes.get(head.subject.version, 0) + 1.5
    if not votes:
        return (head or patches[0]).subject.version
    return max(votes, key=lambda v: (votes[v], version_key(v), v))


def _expected(head: Mail | None, patches: Sequence[Mail]) -> int | None:
    if head is not None and head.subject.expected is not None:
        return head.subject.expected
    found = _most_common(p.subject.expected for p in patches if p.subject.expected is not None)
    if found is None and patches and all(p.subject.index is None for p in patches):
        return 1
    return found


def _missing(expected: int | None, patches: Sequence[Mail], taken: Iterable[int | None]) -> tuple[int, ...]:
    if not expected or expected > MAX_EXPECTED:
        return ()
    present = {slot(p)[0] for p in patches if slot(p)[1] == 0} | set(taken)
    return tuple(i for i in range(1, expected + 1) if i not in present)


def _title(lead: Mail) -> str:
    return lead.subject.title.strip() or lead.subject.raw.strip() or f"<{lead.message_id}>"


def _flags(batch: _Batch, patches: Sequence[Mail], missing: Sequence[int], expected) -> set[str]:
    flags = set()
    if any(m.subject.is_rfc for m in batch.mails):
        flags.add("rfc")
    if any("RESEND" in m.subject.keywords for m in batch.mails):
        flags.add("resend")
    if any(is_autosel(m) for m in batch.mails):
        flags.add("autosel")
    if missing:
        flags.add("incomplete")
    if batch.continues:
        flags.add("continued")
    if batch.head is not None and not patches and expected:
        flags.add("orphan")
    return flags


def _series(grouper: _Grouper, batch: _Batch) -> Series:
    head = batch.head
    patches = sorted((m for m in batch.mails if m is not head), key=counter_key)
    lead = head if head is not None else patches[0]
    expected = _expected(head, patches)
    taken = grouper.prior_taken.get(batch.continues, ()) if batch.continues else ()
    missing = _missing(expected, patches, taken)
    pull = (head is not None and grouper.cls[head.message_id] == "pull") or any(
        m.subject.is_pull for m in batch.mails)
    return Series(
        id=batch.continues or series_id(lead.message_id), kind="pull" if pull else "patch",
        title=_title(lead), subject=lead.subject.raw or _title(lead),
        version=_version(head, patches), expected=expected,
        cover=head.message_id if head is not None else "",
        patches=tuple(p.message_id for p in patches), submitter=lead.sender,
        thread_root=grouper.roots.get(lead.message_id, lead.message_id),
        date=min(m.date for m in batch.mails), prefixes=tuple(lead.subject.prefixes),
        flags=tuple(sorted(_flags(batch, patches, missing, expected))), missing=missing,
        change_id=next((m.change_id for m in [lead, *patches] if m.change_id), ""))


# --- relations between series, replies ------------------------------------------


def _own(series: Series) -> tuple[str, ...]:
    return ((series.cover,) if series.cover else ()) + series.patches


def _nearest(grouper: _Grouper, mail: Mail, owner: Mapping[str, Series], me: str) -> tuple | None:
    """(series id, version, sender key) of the nearest ancestor submission in
    another series (this input or earlier ranges), or None."""
    for anc in ancestors(mail):
        other = owner.get(anc)
        if other is not None:
            if other.id == me:
                continue
            return (other.id, other.version, person_key(other.submitter))
        p = grouper.prior.get(anc)
        if p is not None and p.series_id and p.cls in SUBMISSIONS and p.series_id != me:
            return (p.series_id, p.version, p.sender)
    return None


def _nearest_map(grouper: _Grouper, built: Sequence[Series]) -> dict[str, tuple[str, str, str]]:
    owner = {mid: s for s in built for mid in _own(s)}
    out = {}
    for s in built:
        found = _nearest(grouper, grouper.by_id[s.cover or s.patches[0]], owner, s.id)
        if found:
            out[s.id] = found
    return out


def attribute(grouper: _Grouper, built: Sequence[Series]) -> dict[str, str]:
    """Reply message-id → series id of its nearest ancestor in a series (this input
    or an earlier range)."""
    owner = {mid: p.series_id for mid, p in grouper.prior.items() if p.series_id}
    owner.update((mid, s.id) for s in built for mid in _own(s))
    replies = [m.message_id for m in grouper.mails if grouper.cls[m.message_id] == "reply"]
    return nearest_owner(grouper.mails, replies, owner)


def _grouping(grouper: _Grouper, built: Sequence[Series], replies: Mapping[str, str]) -> Grouping:
    by_series: dict[str, list[Mail]] = {}
    for mid, sid in replies.items():
        by_series.setdefault(sid, []).append(grouper.by_id[mid])
    series = tuple(sorted(
        (replace(s, replies=tuple(m.message_id for m in sorted(by_series.get(s.id, ()), key=arrival_key)))
         for s in built), key=lambda x: (x.date, x.id)))
    owner = {mid: s.id for s in built for mid in _own(s)}
    ids = [m.message_id for m in grouper.mails]
    return Grouping(
        classes=tuple((mid, grouper.cls[mid]) for mid in ids),
        series=series,
        membership=tuple((mid, owner.get(mid) or replies[mid]) for mid in ids
                         if mid in owner or mid in replies),
        duplicates=grouper.dedup.duplicates, conflicts=grouper.dedup.conflicts)
