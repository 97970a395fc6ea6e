"""Newsletter formats of one digest, made from its ``digest.json`` (pure + one reader).

``text`` follows the plain-text digest kernel developers already read (with the
patch list filled in); ``email-html`` is self-contained with inline styles and
absolute links; ``markdown`` is a fragment to paste into a newsletter.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ssg.config import Config
from ssg.errors import ContentError
from ssg.markup import inline, link, plain, visible
from ssg.render import url_of
from ssg.urls import anchor, message_url

RULE = "-" * 70


def find(cfg: Config, which: str) -> Path:
    """The digest.json for 'latest', a label/slug, or a path to the .md/.json."""
    ddir = cfg.path(cfg.docs_dir) / cfg.digest.dir
    candidates = sorted(ddir.glob("*.json")) if ddir.is_dir() else []
    if which == "latest":
        if not candidates:
            raise ContentError("no digests yet: run 'ssg digest' first", location=str(ddir))
        return max(candidates, key=lambda p: (json.loads(p.read_text("utf-8"))["period"]["start"], p.name))
    p = Path(which)
    for option in (p.with_suffix(".json"), ddir / f"{p.name}.json", ddir / p.with_suffix(".json").name):
        if option.is_file():
            return option
    raise ContentError(f"no digest {which!r} (try 'latest' or a name like {candidates[-1].stem if candidates else '2026-W11'})",
                       location=str(ddir))


def _absolute(cfg: Config, content_path: str, fragment: str = "") -> str:
    base = cfg.site_url or ""
    return base + url_of(content_path) + (f"#{fragment}" if fragment else "")


def _person(p: dict[str, str]) -> str:
    return f"{plain(p['name'])} <{plain(p['email'])}>" if p.get("name") else f"<{plain(p['email'])}>"


def _count(s: dict[str, Any]) -> str:
    n = len(s["patches"])
    if s["kind"] == "pull" and not n:
        return "request"
    return f"{n}/{s['expected']}" if s.get("expected") else str(n)


def _label(s: dict[str, Any]) -> str:
    return "pull" if s["kind"] == "pull" else f"v{s['version']}"


def text(cfg: Config, d: dict[str, Any]) -> str:
    out = [plain(d["title"]), ""]
    out += ["Top 15 contributor Email domains (Based on Email Body)", RULE]
    out += [f"{r['count']:>7} {plain(r['domain'])}" for r in d["top_domains"]] + [""]
    out += ["Top 15 contributors (Based on Email Body)", RULE]
    out += [f"{r['count']:>7} {_person(r)}" for r in d["top_contributors"]] + [""]
    out += ["Patch list in this time period", RULE]
    new = [s for s in d["series"] if s.get("new", True)]
    out += [f"{plain(s['title'])} ({_label(s)}, {_count(s)}) — {plain(s['submitter']['name'] or s['submitter']['email'])}"
            for s in new] or ["(none)"]
    out += ["", "Patch Commit Messages", RULE]
    for s in new:
        out += [f"New: {plain(s['title'])}", plain(s["subject"]), f"Author: {_person(s['submitter'])}", ""]
        body = visible(s.get("text", "")).rstrip()  # no terminal escapes or bidi overrides from mail
        if body:
            out += [body, ""]
        stat = s.get("cover_diffstat_text") or s.get("diffstat_text")
        if stat:
            out += [visible(stat).rstrip(), ""]
        out += [RULE]
    return "\n".join(out) + "\n"


def markdown(cfg: Config, d: dict[str, Any]) -> str:
    page = cfg.digest.dir + "/" + d["path"]
    out = [f"### {link(d['title'], _absolute(cfg, page))}", ""]
    c = d["counts"]
    out += [f"{c['messages']} messages, {c['series']} new series, {c['patches']} patches, {c['replies']} replies.", ""]
    tops = ", ".join(f"{inline(r['domain'])} ({r['count']})" for r in d["top_domains"][:5])
    if tops:
        out += [f"Busiest domains: {tops}.", ""]
    for s in (s for s in d["series"] if s.get("new", True)):
        out.append(f"- {link(s['title'], _absolute(cfg, page, anchor(s['id'])))} ({_label(s)}, {_count(s)}) "
                   f"by {inline(s['submitter']['name'] or s['submitter']['email'])}")
    return "\n".join(out) + "\n"


_P = "margin:0 0 12px 0;font:15px/1.5 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328"
_TD = "padding:2px 12px 2px 0;font:14px/1.4 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328"
_A = "color:#0b57d0;text-decoration:underline"


def email_html(cfg: Config, d: dict[str, Any]) -> str:
    e = html.escape
    page = cfg.digest.dir + "/" + d["path"]
    c = d["counts"]
    rows = "".join(f'<tr><td style="{_TD};text-align:right">{r["count"]}</td><td style="{_TD}">{e(plain(r["domain"]))}</td></tr>'
                   for r in d["top_domains"])
    people = "".join(f'<tr><td style="{_TD};text-align:right">{r["count"]}</td><td style="{_TD}">{e(plain(r["name"] or r["email"]))}</td></tr>'
                     for r in d["top_contributors"])
    items = "".join(
        f'<li style="{_P}"><a style="{_A}" href="{e(_absolute(cfg, page, anchor(s["id"])))}">{e(plain(s["title"]))}</a>'
        f' ({e(_label(s))}, {e(_count(s))}) by {e(plain(s["submitter"]["name"] or s["submitter"]["email"]))}'
        + (f' · <a style="{_A}" href="{e(message_url(cfg.archive.url, s["cover"]["message_id"] if s["cover"] else s["patches"][0]["message_id"]))}">archive</a>'
           if cfg.archive.url and (s["cover"] or s["patches"]) else "") + "</li>"
        for s in d["series"] if s.get("new", True))
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + e(plain(d["title"])) + "</title></head>"
        f'<body style="margin:0;padding:24px;background:#ffffff"><div style="max-width:680px">'
        f'<h1 style="font:bold 20px/1.3 -apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1f2328">'
        f'<a style="{_A}" href="{e(_absolute(cfg, page))}">{e(plain(d["title"]))}</a></h1>'
        f'<p style="{_P}">{c["messages"]} messages, {c["series"]} new series, {c["patches"]} patches, {c["replies"]} replies.</p>'
        f'<h2 style="{_P};font-weight:bold">Top contributor domains</h2><table role="presentation">{rows}</table>'
        f'<h2 style="{_P};font-weight:bold">Top contributors</h2><table role="presentation">{people}</table>'
        f'<h2 style="{_P};font-weight:bold">New series</h2><ul style="padding-left:20px">{items or "<li>None.</li>"}</ul>'
        "</div></body></html>\n")


FORMATS = {"text": text, "markdown": markdown, "email-html": email_html}


def export(cfg: Config, which: str, fmt: str) -> str:
    path = find(cfg, which)
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise ContentError(f"cannot read digest data: {exc}", location=str(path)) from None
    data["path"] = path.with_suffix(".md").name
    return FORMATS[fmt](cfg, data)
