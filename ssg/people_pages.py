"""Author and domain pages and their indexes (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable

from ssg import urls
from ssg.content import Context, day, domain_link, page, version_label
from ssg.markup import address, inline, link, plain, table
from ssg.model import Address
from ssg.writer import ContentFile


@dataclass(frozen=True, slots=True)
class SeriesRef:
    """A series as listed on a person or domain page."""

    path: str
    title: str
    version: str
    date: int
    present: int
    expected: int | None
    submitter_key: str
    submitter: Address


@dataclass(frozen=True, slots=True)
class PatchRef:
    """A patch (or review) as listed on a person page."""

    series_path: str
    title: str
    date: int
    note: str = ""
    """For reviews: the tag given."""
    who: Address = Address("", "")
    """The patch author or reviewer as they signed this message."""
    patch: str = ""
    """For reviews: the title of the patch reviewed ("" for the whole series)."""


Tally = tuple[tuple[int, ...], ...]
"""(year, how many of each kind of entry) of each year with an entry, newest first."""


def year_counts(*lists: Iterable[Any]) -> Tally:
    """(year, how many of each list's entries are dated in it) of each year (UTC) with an
    entry, newest first; an entry is anything with a ``date`` (a ref, an index row)."""
    n: dict[int, list[int]] = {}
    for i, refs in enumerate(lists):
        for r in refs:
            n.setdefault(urls.year_of(r.date), [0] * len(lists))[i] += 1
    return tuple((y, *n[y]) for y in sorted(n, reverse=True))


@dataclass(frozen=True, slots=True)
class Person:
    """One person across all digests; every list newest first.  The lists may hold
    only some years' entries (those a run shows): ``tally`` then counts every year."""

    key: str
    who: Address
    domains: tuple[str, ...]
    series: tuple[SeriesRef, ...]
    patches: tuple[PatchRef, ...]
    reviews: tuple[PatchRef, ...]
    tally: Tally = ()
    """Every year's counts when the lists are not whole; empty: counted from the lists."""

    @property
    def path(self) -> str:
        return urls.author_path(self.key, self.who.display())

    def counts(self) -> Tally:
        """(year, series, patches, reviews), newest first."""
        return self.tally or year_counts(self.series, self.patches, self.reviews)

    def years(self) -> tuple[int, ...]:
        """Years (UTC) with at least one entry, newest first."""
        return tuple(y for y, *_ in self.counts())

    def totals(self) -> tuple[int, int, int]:
        """Series, patches and reviews of all years."""
        c = self.counts()
        return sum(r[1] for r in c), sum(r[2] for r in c), sum(r[3] for r in c)

    def in_year(self, year: int) -> "Person":
        """The same person with only the entries dated in ``year`` (one of the years the
        lists hold)."""
        def keep(refs):
            return tuple(r for r in refs if urls.year_of(r.date) == year)
        return Person(self.key, self.who, self.domains, keep(self.series), keep(self.patches), keep(self.reviews))

    def signed(self) -> Address:
        """The name and address used most in these entries (a year page shows the
        name of that year, so it never changes with later mail)."""
        names = Counter(_pair(r.submitter) for r in self.series)
        names.update(_pair(r.who) for r in (*self.patches, *self.reviews))
        names.pop(("", ""), None)
        return Address(*min(names, key=lambda n: (-names[n], n))) if names else self.who


def _pair(a: Address) -> tuple[str, str]:
    return (a.name, a.email)


def _series_table(here: str, refs: tuple[SeriesRef, ...], with_submitter: bool) -> str:
    from ssg.content import person_link
    rows = []
    for r in refs:
        count = f"{r.present}/{r.expected}" if r.expected else str(r.present)
        row = [day(r.date), link(r.title, urls.relative(here, r.path)), version_label(r.version), count]
        if with_submitter:
            row.append(person_link(here, r.submitter_key, r.submitter))
        rows.append(tuple(row))
    head = ("Date", "Series", "Version", "Patches") + (("Submitter",) if with_submitter else ())
    return table(head, rows, "lllr" + ("l" if with_submitter else ""))


def _entries(here: str, p: Person, suffix: str) -> list[str]:
    """The Series, Patches and Reviews given sections for ``p``'s entries."""
    body = [f"## Series{suffix}", "", _series_table(here, p.series, False) if p.series else "_None._", ""]
    body += [f"## Patches{suffix}", ""]
    body += [f"- {day(r.date)} {link(r.title, urls.relative(here, r.series_path))}" for r in p.patches] or ["_None._"]
    body += ["", f"## Reviews given{suffix}", ""]
    body += [f"- {day(r.date)} {inline(r.note)} on {link(r.title, urls.relative(here, r.series_path))}"
             + (f": {inline(r.patch)}" if r.patch else "") for r in p.reviews] or ["_None._"]
    return body


def _counts(series: int, patches: int, reviews: int) -> str:
    return (f"**{series}** series submitted · **{patches}** patches authored · "
            f"**{reviews}** reviews given")


def author_page(p: Person, ctx: Context) -> ContentFile:
    """The person's page: all-time summary, a table of years (each linked to its
    year page) and the entries of the latest year."""
    here = p.path
    name = p.who.display() or "(unknown)"
    years = p.years()
    series, patches, reviews = p.totals()
    meta = {"title": plain(name, 200), "kind": "author",
            "summary": plain(f"{name}: {series} series, {patches} patches, {reviews} reviews", 300),
            "counts": {"series": series, "patches": patches, "reviews": reviews}}
    body = [f"# {inline(name)}", ""]
    if p.who.email:
        body += [f"Address: `{inline(address(p.who.name, p.who.email, ctx.obfuscate))}`", ""]
    if p.domains:
        body += ["Domains: " + ", ".join(domain_link(here, d) for d in p.domains), ""]
    body += [_counts(series, patches, reviews) + (f" (since {years[-1]})" if years else ""), ""]
    if not years:
        return page(here, meta, "\n".join(body + _entries(here, p, "")))
    rows = [(link(str(y), urls.relative(here, urls.author_year_path(p.key, y))), str(s), str(n), str(r))
            for y, s, n, r in p.counts()]
    body += ["## Years", "", table(("Year", "Series", "Patches", "Reviews given"), rows, "lrrr"), ""]
    if len(years) > 1:
        body += [f"Entries of {years[0]} below; earlier years on their own pages.", ""]
    body += _entries(here, p.in_year(years[0]), f" in {years[0]}")
    return page(here, meta, "\n".join(body))


def author_year_page(p: Person, year: int) -> ContentFile:
    """One year of a person's series, patches and reviews."""
    q = p.in_year(year)
    here = urls.author_year_path(p.key, year)
    name = q.signed().display() or "(unknown)"
    meta = {"title": plain(f"{name} in {year}", 200), "kind": "author", "year": year, "parent": plain(name, 200),
            "summary": plain(f"{name} in {year}: {len(q.series)} series, {len(q.patches)} patches, "
                             f"{len(q.reviews)} reviews", 300),
            "counts": {"series": len(q.series), "patches": len(q.patches), "reviews": len(q.reviews)}}
    body = [f"# {inline(name)} in {year}", "",
            f"{_counts(*q.totals())} in {year}. " + link("All years", urls.relative(here, p.path)) + ".", ""]
    return page(here, meta, "\n".join(body + _entries(here, q, "")))


def authors_index(people: list[tuple[str, Address, tuple[str, ...], int, int]]) -> ContentFile:
    """(key, who, domains, submissions, reviews) for everyone, busiest first."""
    here = f"{urls.AUTHORS}/index.md"
    rows = []
    for key, who, domains, subs, revs in sorted(people, key=lambda r: (-r[3], -r[4], r[1].display().casefold(), r[0])):
        rows.append((link(who.display() or "(unknown)", urls.relative(here, urls.author_path(key, who.display()))),
                     ", ".join(domain_link(here, d) for d in domains[:3]), str(subs), str(revs)))
    body = ["# Authors", "", f"{len(rows)} people posted patches or reviews.", "",
            table(("Name", "Domains", "Patches and covers", "Reviews"), rows, "llrr") if rows else "_Nobody yet._"]
    return page(here, {"title": "Authors", "kind": "authors"}, "\n".join(body))


@dataclass(frozen=True, slots=True)
class DomainInfo:
    domain: str
    organisation: str
    people: tuple[tuple[str, Address, int], ...]
    """(key, who, submissions) of its people, busiest first."""
    series: tuple[SeriesRef, ...]
    """Newest first; perhaps only some years' (those a run shows): ``tally`` then counts every year."""
    tally: Tally = ()
    """(year, series) of every year with a series, newest first, when ``series`` is not
    whole; empty: counted from ``series``."""

    def counts(self) -> Tally:
        return self.tally or year_counts(self.series)

    def years(self) -> tuple[int, ...]:
        """Years (UTC) with at least one series, newest first."""
        return tuple(y for y, _ in self.counts())

    def series_in(self, year: int) -> tuple[SeriesRef, ...]:
        """The series of ``year`` (one of the years ``series`` holds)."""
        return tuple(r for r in self.series if urls.year_of(r.date) == year)


def domain_page(d: DomainInfo, ctx: Context) -> ContentFile:
    """The domain's page: all-time counts and people, a table of years (each
    linked to its year page) and the series of the latest year."""
    from ssg.content import person_link
    here = urls.domain_path(d.domain)
    total = sum(c for _, _, c in d.people)
    years = d.years()
    counts = d.counts()
    series = sum(n for _, n in counts)
    meta = {"title": plain(d.domain, 200), "kind": "domain", "organisation": plain(d.organisation, 200),
            "summary": plain(f"{d.domain}: {len(d.people)} people, {series} series", 300)}
    body = [f"# {inline(d.domain)}", ""]
    if d.organisation and d.organisation != d.domain:
        body += [f"Organisation: {inline(d.organisation)}", ""]
    body += [f"**{len(d.people)}** people · **{total}** patches and covers · **{series}** series"
             + (f" (since {years[-1]})" if years else ""), ""]
    rows = [(person_link(here, k, w), str(c)) for k, w, c in d.people]
    body += ["## People", "", table(("Name", "Patches and covers"), rows, "lr") if rows else "_None._", ""]
    if not years:
        return page(here, meta, "\n".join(body + ["## Series", "", "_None._"]))
    rows = [(link(str(y), urls.relative(here, urls.domain_year_path(d.domain, y))), str(n)) for y, n in counts]
    body += ["## Years", "", table(("Year", "Series"), rows, "lr"), ""]
    body += [f"## Series in {years[0]}", ""] + (["Earlier years on their own pages (see above).", ""]
                                                  if len(years) > 1 else [])
    body += [_series_table(here, d.series_in(years[0]), True)]
    return page(here, meta, "\n".join(body))


def domain_year_page(d: DomainInfo, year: int) -> ContentFile:
    """One year of a domain's series."""
    here = urls.domain_year_path(d.domain, year)
    refs = d.series_in(year)
    meta = {"title": plain(f"{d.domain} in {year}", 200), "kind": "domain", "year": year,
            "parent": plain(d.domain, 200),
            "summary": plain(f"{d.domain} in {year}: {len(refs)} series", 300)}
    body = [f"# {inline(d.domain)} in {year}", "",
            f"**{len(refs)}** series in {year}. " + link("All years", urls.relative(here, urls.domain_path(d.domain)))
            + ".", "", _series_table(here, refs, True) if refs else "_None._"]
    return page(here, meta, "\n".join(body))


def domains_index(domains: list[tuple[str, str, int, int]]) -> ContentFile:
    """(domain, organisation, people, submissions), busiest first."""
    here = f"{urls.DOMAINS}/index.md"
    rows = [(domain_link(here, d), inline(org if org != d else ""), str(n), str(c))
            for d, org, n, c in sorted(domains, key=lambda r: (-r[3], r[0]))]
    body = ["# Domains", "", f"{len(rows)} email domains, by patches and cover letters sent.", "",
            table(("Domain", "Organisation", "People", "Patches and covers"), rows, "llrr", optional=(1,)) if rows else "_None yet._"]
    return page(here, {"title": "Domains", "kind": "domains"}, "\n".join(body))
