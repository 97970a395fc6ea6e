"""Atom feed and sitemap writers: well-formed, escaped, ordered, no wall-clock time."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ssg.feeds import EPOCH_ZERO, FeedEntry, FeedInfo, SitemapEntry, atom_feed, escape, sitemap, source_date

ATOM = "{http://www.w3.org/2005/Atom}"
INFO = FeedInfo(title="A & B <list>", site_url="https://x.example/s/", feed_url="https://x.example/s/feed.xml",
                author="", subtitle="Sub")


def test_feed_required_elements_and_escaping():
    entries = [FeedEntry("https://x.example/s/a/", "Old <one>", "2026-01-01T00:00:00Z", "s & s", escape("<p>a</p>").encode()),
               FeedEntry("https://x.example/s/b/", "New", "2026-02-01T00:00:00Z")]
    root = ET.fromstring(atom_feed(INFO, entries))
    assert root.find(f"{ATOM}title").text == "A & B <list>"
    assert root.find(f"{ATOM}author/{ATOM}name").text == "A & B <list>"  # falls back to the title
    assert root.find(f"{ATOM}updated").text == "2026-02-01T00:00:00Z"
    got = [(e.find(f"{ATOM}id").text, e.find(f"{ATOM}title").text) for e in root.findall(f"{ATOM}entry")]
    assert got == [("https://x.example/s/b/", "New"), ("https://x.example/s/a/", "Old <one>")]
    old = root.findall(f"{ATOM}entry")[1]
    assert old.find(f"{ATOM}content").get("type") == "html" and old.find(f"{ATOM}content").text == "<p>a</p>"
    assert old.find(f"{ATOM}summary").text == "s & s"


def test_a_body_escaped_ahead_is_written_as_it_is_and_reads_back_as_the_html():
    html = '<p class="x">a &amp; <b>b</b> &lt;script&gt;</p>'
    kept = FeedEntry("https://x.example/s/a/", "A", "2026-01-01T00:00:00Z", content_xml=escape(html).encode())
    assert f"<content type=\"html\">{escape(html)}</content>".encode() in atom_feed(INFO, [kept])
    entry = ET.fromstring(atom_feed(INFO, [kept])).find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}content").text == html


def test_bodies_kept_as_utf8_are_joined_between_their_entries_as_they_are():
    bodies = {"a": "<p>Zoë &amp; Łukasz</p>", "b": "<p>plain</p>", "c": "<p>日本 \u2028</p>"}
    entries = [FeedEntry(f"https://x.example/s/{k}/", f"T{k}", f"2026-01-0{i + 1}T00:00:00Z",
                         "sum" if k != "b" else "", escape(v).encode()) for i, (k, v) in enumerate(bodies.items())]
    entries.append(FeedEntry("https://x.example/s/d/", "No body", "2025-12-01T00:00:00Z", "only a summary"))
    doc = atom_feed(INFO, entries)
    assert doc.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n') and doc.endswith(b"</feed>\n")
    got = [(e.find(f"{ATOM}title").text, getattr(e.find(f"{ATOM}content"), "text", None),
            getattr(e.find(f"{ATOM}summary"), "text", None)) for e in ET.fromstring(doc).findall(f"{ATOM}entry")]
    assert got == [("Tc", bodies["c"], "sum"), ("Tb", bodies["b"], None), ("Ta", bodies["a"], "sum"),
                   ("No body", None, "only a summary")]
    assert doc.count(b"</content>\n  </entry>\n  <entry>\n    <id>") == 3  # one line each, as before


def test_feed_is_order_independent_and_needs_no_clock():
    a = FeedEntry("https://x.example/s/a/", "A", "2026-01-01T00:00:00Z")
    b = FeedEntry("https://x.example/s/b/", "B", "2026-01-01T00:00:00Z")
    assert atom_feed(INFO, [a, b]) == atom_feed(INFO, [b, a])
    empty = ET.fromstring(atom_feed(INFO, []))
    assert empty.find(f"{ATOM}updated").text == EPOCH_ZERO
    again = ET.fromstring(atom_feed(INFO, [], fallback_updated="2026-01-01T00:00:00Z"))
    assert again.find(f"{ATOM}updated").text == "2026-01-01T00:00:00Z"


def test_source_date_epoch():
    assert source_date({"SOURCE_DATE_EPOCH": "1767225600"}) == "2026-01-01T00:00:00Z"
    assert source_date({"SOURCE_DATE_EPOCH": "soon"}) == "" and source_date({}) == ""


def test_sitemap_sorted_and_escaped():
    text = sitemap([SitemapEntry("https://x.example/s/b/?q=1&r=2"), SitemapEntry("https://x.example/s/a/", "2026-01-01T00:00:00Z")])
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring(text.encode())
    assert [u.find(f"{ns}loc").text for u in root] == ["https://x.example/s/a/", "https://x.example/s/b/?q=1&r=2"]
    assert root[0].find(f"{ns}lastmod").text == "2026-01-01T00:00:00Z" and root[1].find(f"{ns}lastmod") is None
