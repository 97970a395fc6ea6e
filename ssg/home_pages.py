"""The home page and the list of digests (pure)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ssg import urls
from ssg.content import day, iso, page
from ssg.markup import inline, link, plain, table
from ssg.writer import ContentFile


@dataclass(frozen=True, slots=True)
class DigestRef:
    """A digest as listed on the home page and the digests index."""

    path: str
    title: str
    label: str
    start: int
    end: int
    draft: bool
    counts: tuple[tuple[str, int], ...]


def _rows(here: str, digests: list[DigestRef]) -> list[tuple[str, ...]]:
    rows = []
    for d in sorted(digests, key=lambda d: (d.start, d.path), reverse=True):
        c = dict(d.counts)
        title = link(d.title, urls.relative(here, d.path)) + (" _(draft)_" if d.draft else "")
        rows.append((f"{day(d.start)} – {day(d.end)}", title, str(c.get("series", 0)),
                     str(c.get("patches", 0)), str(c.get("messages", 0))))
    return rows


HEAD = ("Period", "Digest", "New series", "Patches", "Messages")
RECENT = 20
"""Digests listed on the home page and the digests index; the rest are on year pages."""


def _newest(digests: list[DigestRef]) -> list[DigestRef]:
    return sorted(digests, key=lambda d: (d.start, d.path), reverse=True)


def _by_year(digests: list[DigestRef]) -> dict[int, list[DigestRef]]:
    """Digests by the UTC year of their start, newest year first."""
    out: dict[int, list[DigestRef]] = {}
    for d in _newest(digests):
        out.setdefault(urls.year_of(d.start), []).append(d)
    return out


def _year_links(here: str, years: list[int]) -> str:
    return " · ".join(link(str(y), urls.relative(here, urls.digests_year_path(y))) for y in years)


def digests_index(digests: list[DigestRef], list_name: str) -> ContentFile:
    """A table of years (each linked to its year page) and the latest digests."""
    here = f"{urls.DIGESTS}/index.md"
    body = ["# Digests", "", f"{len(digests)} digests of the {inline(list_name or 'list')} list, newest first.", ""]
    if not digests:
        return page(here, {"title": "Digests", "kind": "digests"}, "\n".join(body + ["_No digests yet._"]))
    rows = []
    for year, refs in _by_year(digests).items():
        total = Counter[str]()
        for d in refs:
            total.update(dict(d.counts))
        rows.append((link(str(year), urls.relative(here, urls.digests_year_path(year))), str(len(refs)),
                     str(total["series"]), str(total["patches"]), str(total["messages"])))
    body += ["## Years", "", table(("Year", "Digests", "New series", "Patches", "Messages"), rows, "lrrrr"), ""]
    body += ["## Latest digests", "", table(HEAD, _rows(here, _newest(digests)[:RECENT]), "llrrr")]
    return page(here, {"title": "Digests", "kind": "digests"}, "\n".join(body))


def digests_year_pages(digests: list[DigestRef], list_name: str) -> list[ContentFile]:
    """One page per year listing that year's digests (a new digest changes only its year's page)."""
    out = []
    for year, refs in sorted(_by_year(digests).items()):
        here = urls.digests_year_path(year)
        body = [f"# Digests of {year}", "",
                f"{len(refs)} digests of the {inline(list_name or 'list')} list in {year}, newest first. "
                + link("All years", urls.relative(here, f"{urls.DIGESTS}/index.md")) + ".", "",
                table(HEAD, _rows(here, refs), "llrrr")]
        out.append(page(here, {"title": f"Digests of {year}", "kind": "digests", "year": year}, "\n".join(body)))
    return out


def home_page(digests: list[DigestRef], site_name: str, list_name: str, description: str) -> ContentFile:
    here = "index.md"
    latest = max(digests, key=lambda d: (d.start, d.path), default=None)
    meta = {"title": plain(site_name, 200), "kind": "home",
            "summary": plain(description or f"Digests of the {list_name or 'mailing'} list", 300)}
    if latest:
        meta["date"] = iso(latest.end)
    body = [f"# {inline(site_name)}", ""]
    if description:
        body += [inline(description), ""]
    if latest:
        c = dict(latest.counts)
        body += ["## Latest digest", "", f"**{link(latest.title, urls.relative(here, latest.path))}**"
                 + (" _(draft)_" if latest.draft else ""), "",
                 f"{day(latest.start)} – {day(latest.end)}: {c.get('messages', 0)} messages, "
                 f"{c.get('series', 0)} new series, {c.get('patches', 0)} patches, {c.get('replies', 0)} replies.", ""]
    body += ["## Recent digests", "", table(HEAD, _rows(here, _newest(digests)[:RECENT]), "llrrr")
             if digests else "_No digests yet._", ""]
    if len(digests) > RECENT:
        body += [f"Digests by year: {_year_links(here, list(_by_year(digests)))}; "
                 f"{link('all digests', 'digests/index.md')}.", ""]
    body += ["## Browse", "", f"- {link('Authors', 'authors/index.md')}", f"- {link('Domains', 'domains/index.md')}",
             f"- {link('Digests', 'digests/index.md')}", "- [Atom feed](feed.xml)"]
    return page(here, meta, "\n".join(body))
