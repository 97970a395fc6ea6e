"""Every content path, slug and link, in one place.

Slugs are ASCII, derived from content (hashes of message-ids, identity keys and
ranges), stable across rebuilds, collision-free, and never contain an address.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import posixpath
import re
import unicodedata
from urllib.parse import quote

_NON_SLUG = re.compile(r"[^a-z0-9]+")
_NON_DOMAIN = re.compile(r"[^a-z0-9.-]+")
_DOTS = re.compile(r"\.{2,}")

DIGESTS = "digests"
SERIES = "series"
AUTHORS = "authors"
DOMAINS = "domains"


def short_hash(text: str, n: int = 8) -> str:
    """First ``n`` hex digits of the SHA-1 of ``text``."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:n]


def slugify(text: str, limit: int = 50) -> str:
    """ASCII, lower-case, dash-separated; empty when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text[:400]).encode("ascii", "ignore").decode("ascii")
    slug = _NON_SLUG.sub("-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def digest_path(start: str, from_commit: str, to_commit: str, subdir: str = DIGESTS) -> str:
    """``digests/2026-07-13-1a2b3c4d-5e6f7a8b.md`` (start date, range ends)."""
    frm = from_commit[:8] if from_commit else "root"
    return f"{subdir}/{start[:10]}-{frm}-{to_commit[:8]}.md"


def series_path(series_id: str, title: str) -> str:
    """``series/<title-slug>-<id>.md``; the id makes it unique, the title readable."""
    slug = slugify(title, 48)
    return f"{SERIES}/{slug + '-' if slug else ''}{series_id}.md"


def author_path(key: str, name: str = "") -> str:
    """``authors/a<hash of identity key>.md``: depends on the identity only, so
    every link to a person agrees whatever display name is at hand; no address
    appears in the path.  ``name`` is accepted for callers' convenience."""
    return f"{AUTHORS}/a{short_hash(key, 11)}.md"


def author_year_path(key: str, year: int) -> str:
    """``authors/a<hash>/<year>.md``: one year of a person's entries, next to
    (and, as a URL, under) the person's page ``authors/a<hash>.md``."""
    return f"{author_path(key)[:-3]}/{year:04d}.md"


def domain_path(domain: str) -> str:
    """``domains/<domain>.md``; odd or over-long domains get a hash suffix."""
    clean = _DOTS.sub(".", _NON_DOMAIN.sub("-", domain.lower())).strip(".-")[:60]
    if clean != domain.lower() or not clean:
        clean = f"{clean or 'domain'}-{short_hash(domain)}"
    return f"{DOMAINS}/{clean}.md"


def domain_year_path(domain: str, year: int) -> str:
    """``domains/<domain>/<year>.md``: one year of a domain's series."""
    return f"{domain_path(domain)[:-3]}/{year:04d}.md"


def digests_year_path(year: int) -> str:
    """``digests/<year>/index.md`` (URL ``digests/<year>/``): the digests of one
    year, in a folder so that ``digests/*.md`` stays the digests and the index."""
    return f"{DIGESTS}/{year:04d}/index.md"


@functools.lru_cache(maxsize=1 << 14)  # pages ask for the year of the same dates again and again
def year_of(ts: int) -> int:
    """UTC year of a timestamp, clamped like page dates (1970–9999)."""
    ts = min(max(ts, 0), 253402300799)
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).year


def relative(from_path: str, to_path: str) -> str:
    """Relative link from one content file to another (POSIX paths under docs_dir)."""
    here, _, _ = from_path.rpartition("/")
    there, _, name = to_path.rpartition("/")
    if "/" not in here and "/" not in there:  # the generated layout: at most one level
        if here == there:
            return name
        return ("../" if here else "") + to_path
    start = here.split("/") if here else []
    target = to_path.split("/")
    if any(p in ("", ".", "..") for p in (*start, *target)):
        return posixpath.relpath(to_path, here or ".")
    n = 0  # what posixpath.relpath does, without asking for the working directory
    while n < len(start) and n < len(target) and start[n] == target[n]:
        n += 1
    return "/".join([".."] * (len(start) - n) + target[n:]) or "."


def message_url(archive_url: str, message_id: str) -> str:
    """Link to a message on the canonical archive (lore style ``<url>/<id>/``), or empty."""
    if not archive_url or not message_id:
        return ""
    return archive_url + quote(message_id, safe="@!$&'()*+,;=:~-._") + "/"


def anchor(series_id: str) -> str:
    """Stable heading id for a series inside a digest page."""
    return series_id
