"""Author and domain pages and their indexes (pure)."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class Person:
    """One person across all digests."""

    key: str
    who: Address
    domains: tuple[str, ...]
    series: tuple[SeriesRef, ...]
    patches: tuple[PatchRef, ...]
    reviews: tuple[PatchRef, ...]

    @property
    def path(self) -> str:
        return urls.author_path(self.key, self.who.display())


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


def author_page(p: Person, ctx: Context) -> ContentFile:
    here = p.path
    name = p.who.display() or "(unknown)"
    meta = {"title": plain(name, 200), "kind": "author",
            "summary": plain(f"{name}: {len(p.series)} series, {len(p.patches)} patches, "
                             f"{len(p.reviews)} reviews", 300),
            "counts": {"series": len(p.series), "patches": len(p.patches), "reviews": len(p.reviews)}}
    body = [f"# {inline(name)}", ""]
    if p.who.email:
        body += [f"Address: `{inline(address(p.who.name, p.who.email, ctx.obfuscate))}`", ""]
    if p.domains:
        body += ["Domains: " + ", ".join(domain_link(here, d) for d in p.domains), ""]
    body += [f"**{len(p.series)}** series submitted · **{len(p.patches)}** patches authored · "
             f"**{len(p.reviews)}** reviews given", ""]
    body += ["## Series", "", _series_table(here, p.series, False) if p.series else "_None._", ""]
    body += ["## Patches", ""]
    body += [f"- {day(r.date)} {link(r.title, urls.relative(here, r.series_path))}" for r in p.patches] or ["_None._"]
    body += ["", "## Reviews given", ""]
    body += [f"- {day(r.date)} {inline(r.note)} on {link(r.title, urls.relative(here, r.series_path))}"
             for r in p.reviews] or ["_None._"]
    return page(here, meta, "\n".join(body))


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


def domain_page(d: DomainInfo, ctx: Context) -> ContentFile:
    from ssg.content import person_link
    here = urls.domain_path(d.domain)
    total = sum(c for _, _, c in d.people)
    meta = {"title": plain(d.domain, 200), "kind": "domain", "organisation": plain(d.organisation, 200),
            "summary": plain(f"{d.domain}: {len(d.people)} people, {len(d.series)} series", 300)}
    body = [f"# {inline(d.domain)}", ""]
    if d.organisation and d.organisation != d.domain:
        body += [f"Organisation: {inline(d.organisation)}", ""]
    body += [f"**{len(d.people)}** people · **{total}** patches and covers · **{len(d.series)}** series", ""]
    rows = [(person_link(here, k, w), str(c)) for k, w, c in d.people]
    body += ["## People", "", table(("Name", "Patches and covers"), rows, "lr") if rows else "_None._", ""]
    body += ["## Series", "", _series_table(here, d.series, True) if d.series else "_None._"]
    return page(here, meta, "\n".join(body))


def domains_index(domains: list[tuple[str, str, int, int]]) -> ContentFile:
    """(domain, organisation, people, submissions), busiest first."""
    here = f"{urls.DOMAINS}/index.md"
    rows = [(domain_link(here, d), inline(org if org != d else ""), str(n), str(c))
            for d, org, n, c in sorted(domains, key=lambda r: (-r[3], r[0]))]
    body = ["# Domains", "", f"{len(rows)} email domains, by patches and cover letters sent.", "",
            table(("Domain", "Organisation", "People", "Patches and covers"), rows, "llrr") if rows else "_None yet._"]
    return page(here, {"title": "Domains", "kind": "domains"}, "\n".join(body))
