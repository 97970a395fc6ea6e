"""The home page and the list of digests (pure)."""

from __future__ import annotations

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


def digests_index(digests: list[DigestRef], list_name: str) -> ContentFile:
    here = f"{urls.DIGESTS}/index.md"
    body = ["# Digests", "", f"{len(digests)} digests of the {inline(list_name or 'list')} list, newest first.", "",
            table(HEAD, _rows(here, digests), "llrrr") if digests else "_No digests yet._"]
    return page(here, {"title": "Digests", "kind": "digests"}, "\n".join(body))


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
    body += ["## All digests", "", table(HEAD, _rows(here, digests), "llrrr") if digests else "_No digests yet._", ""]
    body += ["## Browse", "", f"- {link('Authors', 'authors/index.md')}", f"- {link('Domains', 'domains/index.md')}",
             f"- {link('Digests', 'digests/index.md')}", "- [Atom feed](feed.xml)"]
    return page(here, meta, "\n".join(body))
