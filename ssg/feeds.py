"""Atom feed (RFC 4287) and sitemap.xml, as pure functions from view data to text.

Every URL handed in must already be absolute; every date is an RFC 3339 string
(``2026-03-02T00:00:00Z``).  No wall-clock time is read here: the feed's own
``updated`` is the newest entry's date, or the caller's ``fallback_updated``
(from ``SOURCE_DATE_EPOCH``) when there is no entry.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

EPOCH_ZERO = "1970-01-01T00:00:00Z"


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One Atom entry: a page with ``feed: true``."""

    url: str
    """Absolute URL of the page (also its Atom id)."""
    title: str
    """Plain-text title."""
    updated: str
    """RFC 3339 date, e.g. ``2026-03-02T00:00:00Z``."""
    summary: str = ""
    """Plain-text summary, or empty."""
    content_xml: bytes = b""
    """Full HTML body with absolute URLs, already escaped as XML character data
    (``escape``) and encoded as UTF-8, or empty: a site keeps it so between builds,
    since escaping the bodies of a feed of weekly digests (megabytes) took longer
    than the rest of it, and joins it as it is (each copy of megabytes of non-ASCII
    text, or encoding it, costs milliseconds)."""


@dataclass(frozen=True, slots=True)
class FeedInfo:
    """Feed-level data."""

    title: str
    """Site name."""
    site_url: str
    """Absolute site URL with trailing slash (the feed's id and alternate link)."""
    feed_url: str
    """Absolute URL of feed.xml itself (rel=self)."""
    author: str
    """Feed author name (RFC 4287 needs one); the site name when not configured."""
    subtitle: str = ""
    """Site description, or empty."""


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    """One ``<url>`` of sitemap.xml."""

    url: str
    """Absolute URL."""
    lastmod: str = ""
    """RFC 3339 date or empty."""


def source_date(env: dict[str, str] | None = None) -> str:
    """``SOURCE_DATE_EPOCH`` as an RFC 3339 UTC string, or empty when unset or invalid."""
    raw = (env if env is not None else os.environ).get("SOURCE_DATE_EPOCH", "").strip()
    if not raw.isdigit():
        return ""
    moment = dt.datetime.fromtimestamp(int(raw), tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def sorted_entries(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Newest first; ties broken by URL so the order never depends on input order."""
    by_url = sorted(entries, key=lambda e: e.url)
    return sorted(by_url, key=lambda e: e.updated, reverse=True)


def escape(text: str) -> str:
    """XML character data (``xml.sax.saxutils.escape``'s rule; that module imports
    urllib.request).  Chained ``replace`` runs in C; ``str.translate`` with a dict
    goes through Python for every character of a feed's page bodies."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its double quotes, whitespace kept as character references."""
    text = escape(text).replace('"', "&quot;")
    return '"' + text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;") + '"'


def atom_feed(info: FeedInfo, entries: Sequence[FeedEntry], *, fallback_updated: str = "") -> bytes:
    """The Atom document, UTF-8: feed id/title/updated/author/links, one entry per page.
    The entries' bodies are copied once, into the result."""
    ordered = sorted_entries(entries)
    updated = ordered[0].updated if ordered else (fallback_updated or EPOCH_ZERO)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <id>{escape(info.site_url)}</id>",
        f"  <title>{escape(info.title)}</title>",
    ]
    if info.subtitle:
        out.append(f"  <subtitle>{escape(info.subtitle)}</subtitle>")
    out += [
        f"  <updated>{escape(updated)}</updated>",
        f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(info.feed_url)}/>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(info.site_url)}/>",
        f"  <author><name>{escape(info.author or info.title)}</name></author>",
        "  <generator>ssg</generator>",
    ]
    chunks: list[bytes] = []
    for entry in ordered:
        out += [
            "  <entry>",
            f"    <id>{escape(entry.url)}</id>",
            f"    <title>{escape(entry.title)}</title>",
            f"    <updated>{escape(entry.updated)}</updated>",
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(entry.url)}/>",
        ]
        if entry.summary:
            out.append(f"    <summary>{escape(entry.summary)}</summary>")
        if entry.content_xml:
            chunks += ["\n".join(out).encode() + b'\n    <content type="html">', entry.content_xml, b"</content>\n"]
            out = []
        out.append("  </entry>")
    out.append("</feed>")
    return b"".join([*chunks, "\n".join(out).encode(), b"\n"])


def sitemap(entries: Sequence[SitemapEntry]) -> str:
    """sitemaps.org 0.9 document, URLs sorted."""
    out = ['<?xml version="1.0" encoding="utf-8"?>',
           '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for entry in sorted(entries, key=lambda e: e.url):
        lastmod = f"<lastmod>{escape(entry.lastmod)}</lastmod>" if entry.lastmod else ""
        out.append(f"  <url><loc>{escape(entry.url)}</loc>{lastmod}</url>")
    out.append("</urlset>")
    return "\n".join(out) + "\n"


def feed_entries(site_url: str, public: Sequence, limit: int) -> list[FeedEntry]:
    """The newest ``limit`` entries (without bodies) of the pages with ``feed: true``."""
    fallback = source_date() or EPOCH_ZERO
    entries = [FeedEntry(url=site_url + p.url, title=p.meta["title"], updated=p.date or fallback,
                         summary=str(p.meta.get("summary") or "")) for p in public if p.meta.get("feed")]
    return sorted_entries(entries)[:limit]


def site_files(config, public: Sequence, body_of: Callable[[str], bytes], limit: int) -> dict[str, bytes]:
    """The site-level files: ``.nojekyll``, ``CNAME``, and with a site URL ``sitemap.xml`` and ``feed.xml``.

    ``public`` are the pages (``src``, ``url``, ``meta``, ``date``) that are not drafts;
    ``body_of(src)`` gives a page body with absolute URLs, escaped as XML character
    data (``escape``) and encoded as UTF-8, asked only for the newest ``limit`` feed entries.
    """
    c = config
    files = {".nojekyll": b""}
    if c.cname:
        files["CNAME"] = (c.cname.strip() + "\n").encode()
    if not c.site_url:
        return files
    files["sitemap.xml"] = sitemap([SitemapEntry(c.site_url + p.url, p.date) for p in public]).encode()
    by_url = {c.site_url + p.url: p.src for p in public}
    entries = [replace(e, content_xml=body_of(by_url[e.url])) for e in feed_entries(c.site_url, public, limit)]
    info = FeedInfo(title=c.site_name, site_url=c.site_url, feed_url=c.site_url + "feed.xml",
                    author=c.site_author or c.site_name, subtitle=c.site_description)
    files["feed.xml"] = atom_feed(info, entries, fallback_updated=source_date())
    return files
