"""The series page: one posting (version) of a series, from index rows (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssg import urls
from ssg.content import Context, addr, archive_link, day, diffstat_block, iso, page, person_link, present, stat_from_rows, version_label
from ssg.diffstat import sum_diffstats
from ssg.markup import fence, inline, link, plain, table
from ssg.writer import ContentFile


@dataclass(frozen=True, slots=True)
class SeriesPage:
    """Everything the series page shows, gathered from the index."""

    series: dict[str, Any]
    """The series row's data (ids, title, version, patches, submitter…)."""
    messages: tuple[dict[str, Any], ...]
    """Message rows of the series (cover, patches, replies), by date."""
    reviews: tuple[dict[str, Any], ...]
    """Review rows credited on this series."""
    digests: tuple[tuple[str, str], ...]
    """(path, title) of the digests the series appeared in."""
    versions: tuple[tuple[str, str, str], ...]
    """(series id, version, path) of every revision of this series, oldest first (itself included)."""


def _patch_section(here: str, ctx: Context, row: dict[str, Any], expected: int | None) -> list[str]:
    d = row["data"]
    n = d.get("index")
    counter = f"[{n}{'.' + str(d['subindex']) if d.get('subindex') else ''}/{expected}] " if n and expected else ""
    out = [f"### {inline(counter + d['title'])} {{#m{urls.short_hash(row['message_id'], 10)}}}", ""]
    facts = [f"Author: {person_link(here, row['author_key'], addr(d['author']))}", day(row["date"])]
    lore = archive_link(ctx, row["message_id"])
    if lore:
        facts.append(lore)
    out += [" · ".join(facts), ""]
    if d.get("text", "").strip():
        out += [fence(d["text"]), ""]
    trailers = d.get("trailers") or []
    if trailers:
        out += ["Trailers:", ""] + [f"- {inline(t[0])}: {inline(t[1])}" for t in trailers] + [""]
    ds = stat_from_rows(d.get("diffstat") or [])
    if ds.files:
        out += [diffstat_block(ds), ""]
    return out


def _replies(here: str, ctx: Context, replies: list[dict[str, Any]]) -> list[str]:
    out = ["## Replies", ""]
    if not replies:
        return out + ["_No replies on this list yet._", ""]
    rows = []
    for r in replies:
        d = r["data"]
        subject = archive_link(ctx, r["message_id"], plain(d["subject"], 90)) or inline(d["subject"], 90)
        rows.append((day(r["date"]), inline(addr(d["sender"]).display() or "(unknown)"), subject))
    return out + [table(("Date", "From", "Subject"), rows), ""]


def _reviewers(here: str, reviews: tuple[dict[str, Any], ...], titles: dict[str, str]) -> list[str]:
    out = ["## Reviews", ""]
    if not reviews:
        return out + ["_No Reviewed-by, Acked-by or Tested-by given in replies yet._", ""]
    rows = []
    for r in reviews:
        d = r["data"]
        rows.append((person_link(here, r["reviewer_key"], addr(d["reviewer"])), inline(d["trailer"]),
                     inline(titles.get(r["target"], "the series"), 80)))
    return out + [table(("Reviewer", "Tag", "On"), rows), ""]


def series_page(data: SeriesPage, ctx: Context) -> ContentFile:
    s = data.series
    here = s["path"]
    rows = {m["message_id"]: m for m in data.messages}
    patches = [rows[m] for m in s["patches"] if m in rows]
    cover = rows.get(s["cover"]) if s["cover"] else None
    submitter = addr(s["submitter"])
    label = "pull request" if s["kind"] == "pull" else version_label(s["version"])
    meta = {"title": f"{plain(s['title'], 200)} ({label})", "kind": "series", "series_id": s["id"],
            "version": s["version"], "expected": s["expected"], "present": len(patches),
            "date": iso(s["date"]), "summary": plain(f"{s['subject']} — {submitter.display()}", 300)}
    body = [f"# {inline(s['title'])}", "",
            f"**{label}** · {present(len(patches), s['expected'])} patches · from "
            f"{person_link(here, s['submitter_key'], submitter)} · {day(s['date'])}", "",
            f"Subject: {inline(s['subject'])}", ""]
    if s.get("flags"):
        body += ["Flags: " + ", ".join(inline(f) for f in s["flags"]), ""]
    if s.get("missing"):
        body += ["Missing from this list: " + ", ".join(f"{n}/{s['expected']}" for n in s["missing"]), ""]
    if len(data.versions) > 1:
        body += ["Versions: " + " → ".join(
            f"**{version_label(v)}**" if sid == s["id"] else link(version_label(v), urls.relative(here, p))
            for sid, v, p in data.versions), ""]
    if data.digests:
        body += ["Appeared in: " + ", ".join(link(t, urls.relative(here, p)) for p, t in data.digests), ""]
    if cover:
        d = cover["data"]
        body += ["## Cover letter" if s["kind"] != "pull" else "## Pull request", ""]
        lore = archive_link(ctx, cover["message_id"], "message in the archive")
        body += ([lore, ""] if lore else []) + ([fence(d["text"]), ""] if d.get("text", "").strip() else [])
        if d.get("diffstat_text"):
            body += ["Diffstat as sent (covers every patch, including any not on this list):", "",
                     fence(d["diffstat_text"], "diffstat"), ""]
    body += ["## Patches", ""]
    total = sum_diffstats(stat_from_rows(p["data"].get("diffstat") or []) for p in patches)
    if total.files:
        body += ["Combined diffstat of the patches present:", "", diffstat_block(total), ""]
    for p in patches:
        body += _patch_section(here, ctx, p, s["expected"])
    for n in s.get("missing") or []:
        body += [f"### [{n}/{s['expected']}] not on this list", ""]
    titles = {m["message_id"]: m["data"]["title"] for m in data.messages}
    replies = [m for m in data.messages if m["class"] == "reply"]
    body += _reviewers(here, data.reviews, titles) + _replies(here, ctx, replies)
    return page(here, meta, "\n".join(body))
