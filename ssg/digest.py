"""One commit range → ``Digest``: the complete model of one digest page (pure).

Everything a digest page, its ``digest.json`` and the newsletter exports show is
decided here; the writers only format it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Mapping, Sequence

from ssg.diffstat import sum_diffstats
from ssg.identity import Identities
from ssg.model import Address, Diffstat, Grouping, Mail, Series
from ssg.stats import Contributor, DomainCount, Review, attributed, top_contributors, top_domains

COUNT_KEYS = ("messages", "patches", "covers", "replies", "pulls", "bots", "other", "series")
_CLASS_COUNT = {"patch": "patches", "cover": "covers", "reply": "replies", "pull": "pulls",
                "bot": "bots", "other": "other"}


@dataclass(frozen=True, slots=True)
class Period:
    """The commit range and time span of one digest."""

    from_commit: str
    """Exclusive start of the range (40 hex), or empty for the archive's beginning."""
    to_commit: str
    """Inclusive end of the range (40 hex)."""
    start: int
    """Arrival time of the first message, or the period start (UTC seconds)."""
    end: int
    """Arrival time of the last message, or the period end (UTC seconds)."""
    label: str = ""
    """Period label (``2026-W28``, ``2026-07-13``, ``2026-07``) or empty for explicit ranges."""
    draft: bool = False
    """The period is still open: more mail may arrive."""
    epochs: tuple[int, ...] = ()
    """Epochs the range touches."""


@dataclass(frozen=True, slots=True)
class PatchView:
    """One patch as a digest or series page shows it."""

    message_id: str
    index: int | None
    subindex: int
    title: str
    subject: str
    author: Address
    """Canonical author (in-body From, else sender)."""
    author_key: str
    diffstat: Diffstat
    date: int


@dataclass(frozen=True, slots=True)
class PreviousView:
    """The revision a series follows."""

    series_id: str
    version: str
    path: str
    """Content path of the previous series page."""
    digest_path: str
    """Content path of the digest it first appeared in, or empty."""
    digest_title: str


@dataclass(frozen=True, slots=True)
class SeriesView:
    """A series as the digest page shows it."""

    series: Series
    path: str
    """Content path of the series page."""
    submitter_key: str
    submitter: Address
    """Canonical submitter."""
    text: str
    """Cover letter, or the single patch's commit message."""
    text_message_id: str
    """Message whose text is shown."""
    diffstat: Diffstat
    """Sum over the patches present."""
    cover_diffstat_text: str
    """The cover letter's own diffstat block (covers patches not on this list too)."""
    patches: tuple[PatchView, ...]
    authors: tuple[tuple[str, Address], ...]
    """(key, address) of distinct patch authors, in patch order."""
    previous: PreviousView | None = None
    new: bool = True
    """First posting in this digest (False for a series continued from an earlier range)."""


@dataclass(frozen=True, slots=True)
class Digest:
    """The complete model of one digest page."""

    list_name: str
    path: str
    """Content path of the digest page."""
    period: Period
    counts: tuple[tuple[str, int], ...]
    """(name, count) in COUNT_KEYS order."""
    top_domains: tuple[DomainCount, ...]
    top_contributors: tuple[Contributor, ...]
    series: tuple[SeriesView, ...]
    """Series posted in the range: new ones first by date, then continued ones."""
    messages: tuple[tuple[str, str, str, str], ...]
    """(message_id, commit, class, series id or "") for every message of the range once."""
    reviews: tuple[Review, ...]
    duplicates: int = 0
    """Repeated deliveries dropped."""
    problems: int = 0
    """Problems recorded while parsing the range."""

    @property
    def title(self) -> str:
        frm = self.period.from_commit[:8] if self.period.from_commit else "the beginning"
        name = self.list_name or "List"
        return f"{name} mailing list update from {frm} to {self.period.to_commit[:8]}"

    def count(self, name: str) -> int:
        return dict(self.counts)[name]


def _patch_view(mail: Mail, series: Series, ids: Identities) -> PatchView:
    author = ids.canonical(mail.author)
    return PatchView(mail.message_id, mail.subject.index, mail.subject.subindex, mail.subject.title,
                     mail.subject.raw, author, ids.key(author), mail.diffstat or Diffstat(), mail.date)


def series_view(series: Series, mails: Mapping[str, Mail], ids: Identities, path: str,
                previous: PreviousView | None = None, new: bool = True) -> SeriesView:
    """Combine a series with its messages into what the pages show."""
    patches = tuple(_patch_view(mails[m], series, ids) for m in series.patches if m in mails)
    cover = mails.get(series.cover) if series.cover else None
    shown = cover or (mails[series.patches[0]] if series.patches and series.patches[0] in mails else None)
    authors: dict[str, Address] = {}
    for p in patches:
        authors.setdefault(p.author_key, p.author)
    submitter = ids.canonical(series.submitter)
    return SeriesView(
        series=series, path=path, submitter_key=ids.key(submitter), submitter=submitter,
        text=shown.text if shown else "", text_message_id=shown.message_id if shown else "",
        diffstat=sum_diffstats(p.diffstat for p in patches),
        cover_diffstat_text=cover.diffstat_text if cover else "",
        patches=patches, authors=tuple(authors.items()), previous=previous, new=new)


def counts(messages: Sequence[tuple[str, str, str, str]], n_series: int) -> tuple[tuple[str, int], ...]:
    c = Counter(_CLASS_COUNT[cls] for _, _, cls, _ in messages)
    c["messages"] = len(messages)
    c["series"] = n_series
    return tuple((k, c.get(k, 0)) for k in COUNT_KEYS)


def build(*, list_name: str, path: str, period: Period, mails: Sequence[Mail], grouping: Grouping,
          ids: Identities, views: Sequence[SeriesView], reviews: Sequence[Review],
          top: int = 15, bots: Sequence[str] = ()) -> Digest:
    """Assemble the digest of one range.

    ``mails`` are the range's own messages (duplicates already dropped by the
    grouping), ``views`` the series posted or continued in the range.
    """
    classes = dict(grouping.classes)
    member = dict(grouping.membership)
    seen: set[str] = set()
    own = []
    for m in mails:
        if m.message_id in classes and m.message_id not in seen:
            seen.add(m.message_id)
            own.append(m)
    messages = tuple((m.message_id, m.commit, classes[m.message_id], member.get(m.message_id, ""))
                     for m in own)
    entries = attributed(own, classes, ids, bots)
    ordered = sorted(views, key=lambda v: (not v.new, v.series.date, v.series.id))
    return Digest(
        list_name=list_name, path=path, period=period,
        counts=counts(messages, sum(1 for v in views if v.new)),
        top_domains=top_domains(entries, ids, top), top_contributors=top_contributors(entries, top),
        series=tuple(ordered), messages=messages, reviews=tuple(reviews),
        duplicates=len(grouping.duplicates),
        problems=sum(len(m.problems) for m in own))
