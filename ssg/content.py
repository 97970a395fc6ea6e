"""Digest, series, author, domain and index pages as Markdown (pure).

Every page is a ``ContentFile`` with YAML front matter (see the content/
contract in docs/ARCHITECTURE.md).  Links between pages are relative links to
the ``.md`` files; every field from mail goes through ``ssg.markup``.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any, Sequence

from ssg import urls
from ssg.diffstat import format_diffstat
from ssg.digest import Digest, SeriesView
from ssg.markup import fence, front_matter, inline, link, plain, table
from ssg.model import Address, Diffstat, FileStat
from ssg.writer import ContentFile, seal


@dataclass(frozen=True, slots=True)
class Context:
    """Site-wide facts the pages need."""

    list_name: str
    """List name for titles."""
    archive_url: str
    """Canonical archive URL (with trailing slash) or empty."""
    obfuscate: bool = False
    """Show addresses as ``user at domain``."""


@functools.lru_cache(maxsize=1 << 12)  # a person's page and its year pages show the same dates
def iso(ts: int) -> str:
    """UTC ISO 8601 with a Z, clamped to a representable range."""
    ts = min(max(ts, 0), 253402300799)
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def day(ts: int) -> str:
    return iso(ts)[:10]


def page(path: str, meta: dict[str, Any], body: str) -> ContentFile:
    """Seal front matter and body into a generated content file."""
    return ContentFile(path, seal(front_matter(meta), body.rstrip("\n") + "\n"))


def person_link(here: str, key: str, who: Address) -> str:
    return link(who.display() or "(unknown)", urls.relative(here, urls.author_path(key, who.display())))


def domain_link(here: str, domain: str) -> str:
    return link(domain, urls.relative(here, urls.domain_path(domain))) if domain else "–"


def archive_link(ctx: Context, message_id: str, text: str = "archive") -> str:
    url = urls.message_url(ctx.archive_url, message_id)
    return link(text, url) if url else ""


def version_label(version: str) -> str:
    return f"v{version}"


def present(view_patches: int, expected: int | None) -> str:
    return f"{view_patches}/{expected}" if expected else f"{view_patches}"


def diffstat_block(ds: Diffstat) -> str:
    return fence(format_diffstat(ds), "diffstat") if ds.files else ""


# -- digest page --------------------------------------------------------------

def _counts_line(d: Digest) -> str:
    c = dict(d.counts)
    return (f"**{c['messages']}** messages: **{c['series']}** new series, **{c['patches']}** patches, "
            f"**{c['covers']}** cover letters, **{c['pulls']}** pull requests, **{c['replies']}** replies, "
            f"**{c['bots']}** bot messages, **{c['other']}** other.")


def _top_tables(d: Digest, here: str, top: int) -> list[str]:
    out = [f"## Top {top} contributor email domains (based on email body)", ""]
    rows = [(domain_link(here, r.domain), inline(r.organisation if r.organisation != r.domain else ""),
             str(r.count)) for r in d.top_domains]
    out += [table(("Domain", "Organisation", "Messages"), rows, "llr", optional=(1,)) if rows else "_No submissions._", ""]
    out += [f"## Top {top} contributors (based on email body)", ""]
    rows = [(person_link(here, r.key, Address(r.name, r.email)), domain_link(here, r.email.rpartition("@")[2]),
             str(r.count)) for r in d.top_contributors]
    out += [table(("Contributor", "Domain", "Messages"), rows, "llr") if rows else "_No submissions._", ""]
    return out


def _patch_list(d: Digest, here: str) -> list[str]:
    out = ["## Patch list", ""]
    if not d.series:
        return out + ["_No patches in this period._", ""]
    for v in d.series:
        s = v.series
        tag = "pull" if s.kind == "pull" else version_label(s.version)
        extra = f" · [details](#{urls.anchor(s.id)})" if v.new else " (continued from an earlier digest)"
        out.append(f"- {link(s.title, urls.relative(here, v.path))} — {tag}, "
                   f"{present(len(v.patches), s.expected)} patches, "
                   f"{person_link(here, v.submitter_key, v.submitter)}{extra}")
    return out + [""]


def _series_section(d: Digest, v: SeriesView, here: str, ctx: Context) -> list[str]:
    s = v.series
    out = [f"### {inline(s.title)} {{#{urls.anchor(s.id)}}}", ""]
    facts = [f"**{'Pull request' if s.kind == 'pull' else version_label(s.version)}**",
             f"{present(len(v.patches), s.expected)} patches" + (" (incomplete)" if s.missing else ""),
             f"from {person_link(here, v.submitter_key, v.submitter)}"]
    if v.previous:
        prev = link(version_label(v.previous.version), urls.relative(here, v.previous.path))
        where = (" in " + link(v.previous.digest_title, urls.relative(here, v.previous.digest_path))
                 if v.previous.digest_path and v.previous.digest_path != here else "")
        facts.append(f"previous: {prev}{where}")
    out += [" · ".join(facts), "", f"Subject: {inline(s.subject)}", ""]
    others = [(k, a) for k, a in v.authors if k != v.submitter_key]
    if others:
        out += ["Patch authors: " + ", ".join(person_link(here, k, a) for k, a in v.authors), ""]
    links = [link("series page", urls.relative(here, v.path))]
    lore = archive_link(ctx, s.cover or (s.patches[0] if s.patches else ""), "message in the archive")
    if lore:
        links.append(lore)
    out += [" · ".join(links), ""]
    if v.text.strip():
        out += [fence(v.text), ""]
    if v.diffstat.files:
        out += [diffstat_block(v.diffstat), ""]
    return out


def digest_page(d: Digest, ctx: Context, top: int = 15) -> ContentFile:
    here = d.path
    p = d.period
    meta = {"title": d.title, "kind": "digest", "list": ctx.list_name,
            "range": {"from": p.from_commit, "to": p.to_commit},
            "period": {"start": iso(p.start), "end": iso(p.end), "label": p.label},
            "epochs": list(p.epochs), "date": iso(p.end), "draft": p.draft, "feed": not p.draft,
            "counts": dict(d.counts),
            "summary": plain(f"{d.count('messages')} messages, {d.count('series')} new series, "
                             f"{d.count('patches')} patches, {d.count('replies')} replies "
                             f"from {day(p.start)} to {day(p.end)}.")}
    body = [f"# {inline(d.title)}", ""]
    if p.draft:
        body += ["> **Draft:** this period is still open; more mail may arrive.", ""]
    body += [f"From {day(p.start)} to {day(p.end)} · "
             f"commits `{p.from_commit[:12] or 'root'}..{p.to_commit[:12]}`", "", _counts_line(d), ""]
    body += _top_tables(d, here, top) + _patch_list(d, here)
    body += ["## Series", ""]
    new = [v for v in d.series if v.new]
    if not new:
        body += ["_No new series in this period._", ""]
    for v in new:
        body += _series_section(d, v, here, ctx)
    json_name = here.rsplit("/", 1)[-1][:-3] + ".json"
    body += ["---", "", f"Machine-readable: [{json_name}]({json_name})", ""]
    return page(here, meta, "\n".join(body))


# -- series page (from index rows) -------------------------------------------

def stat_from_rows(rows: Sequence[Sequence[Any]]) -> Diffstat:
    return Diffstat(tuple(FileStat(r[0], r[1], r[2], bool(r[3]), r[4], r[5]) for r in rows))


def addr(pair: Sequence[str]) -> Address:
    return Address(pair[0], pair[1])
