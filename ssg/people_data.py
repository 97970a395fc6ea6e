"""What author and domain pages need from the index (the data edge of ``people_pages``).

A page shows all-time counts and a table of years, and lists the entries of the
latest year; a run makes again only the year pages holding what it changed.  So
the names, domains and each entry's series, digest and date are read as plain
columns (every year is counted from them: ``people_pages.year_counts``), and
titles and other JSON fields only for the entries of the years shown: a run
touching a busy maintainer no longer decodes their whole history.
"""

from __future__ import annotations

import calendar
from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from ssg.index import Index
from ssg.model import Address
from ssg.stats import SUBMISSIONS

SUBMITTED = "class IN (" + ",".join(f"'{c}'" for c in SUBMISSIONS) + ")"
"""SQL: the messages that count as submissions (``stats.SUBMISSIONS``)."""
_LISTED = "EXISTS (SELECT 1 FROM series s WHERE s.id = {}.series_id)"
"""The entry's series has a page (entries of vanished series are not listed)."""


@dataclass(frozen=True, slots=True)
class Dated:
    """An entry as counted (``people_pages.year_counts``): its series, the digest it came in, its date."""

    series_id: str
    digest: str
    date: int


def year_span(years: Iterable[int]) -> tuple[int, int]:
    """The first and last second of these UTC years, as ``urls.year_of`` sees them
    (it clamps to 1970–9999: the span then reaches past them)."""
    years = sorted(years)
    lo = -2 ** 63 if years[0] <= 1970 else calendar.timegm((years[0], 1, 1, 0, 0, 0))
    hi = 2 ** 63 - 1 if years[-1] >= 9999 else calendar.timegm((years[-1] + 1, 1, 1, 0, 0, 0)) - 1
    return lo, hi


def person_dates(idx: Index, key: str) -> tuple[list[Dated], list[Dated], list[Dated]]:
    """The series ``key`` submitted, the patches they authored and the reviews they
    gave, each of a listed series (in no particular order)."""
    series = idx.tuples("SELECT id, digest, date FROM series WHERE submitter_key = ?", (key,))
    patches = idx.tuples("SELECT m.series_id, m.digest, m.date FROM messages m WHERE m.author_key = ?"
                         f" AND m.class = 'patch' AND {_LISTED.format('m')}", (key,))
    reviews = idx.tuples("SELECT r.series_id, r.digest, COALESCE(json_extract(r.data, '$.date'), 0) FROM reviews r"
                         f" WHERE r.reviewer_key = ? AND {_LISTED.format('r')}", (key,))
    return [Dated(*r) for r in series], [Dated(*r) for r in patches], [Dated(*r) for r in reviews]


def person_names(idx: Index, key: str) -> tuple[Address, tuple[str, ...]]:
    """The name and address ``key`` used most (in everything they sent, and the
    trailers they gave), and the domains of the addresses they submitted from."""
    names = Counter({(n, e): c for n, e, c in idx.tuples(
        "SELECT author_name, author_email, COUNT(*) FROM messages WHERE author_key = ? GROUP BY 1, 2", (key,))})
    names += Counter({(n, e): c for n, e, c in idx.tuples(
        "SELECT json_extract(data, '$.reviewer[0]'), json_extract(data, '$.reviewer[1]'), COUNT(*)"
        " FROM reviews WHERE reviewer_key = ? GROUP BY 1, 2", (key,))})
    who = Address(*min(names, key=lambda n: (-names[n], n))) if names else Address("", "")
    emails = idx.tuples(f"SELECT DISTINCT author_email FROM messages WHERE author_key = ? AND {SUBMITTED}", (key,))
    return who, tuple(sorted({Address("", e).domain for e, in emails} - {""}))


def patches_in(idx: Index, key: str, span: tuple[int, int]) -> list[tuple]:
    """``(message_id, series_id, date, author name, author address, title)`` of the
    patches ``key`` authored within ``span``, by date then message-id."""
    return idx.tuples("SELECT message_id, series_id, date, author_name, author_email, json_extract(data, '$.title')"
                      " FROM messages WHERE author_key = ? AND class = 'patch' AND date BETWEEN ? AND ?"
                      " ORDER BY date, message_id", (key, *span))


def reviews_in(idx: Index, key: str, span: tuple[int, int]) -> list[tuple]:
    """``(series_id, date, trailer, reviewer name, reviewer address, reviewed title)``
    of the trailers ``key`` gave within ``span``, by date, message-id and tag.  The
    reviewed title is that of the message replied to, "" when it is a cover or unknown."""
    return idx.tuples("SELECT r.series_id, COALESCE(json_extract(r.data, '$.date'), 0) AS d,"
                      " json_extract(r.data, '$.trailer'), json_extract(r.data, '$.reviewer[0]'),"
                      " json_extract(r.data, '$.reviewer[1]'),"
                      " CASE WHEN t.class = 'cover' THEN '' ELSE COALESCE(json_extract(t.data, '$.title'), '') END"
                      " FROM reviews r LEFT JOIN messages t ON t.message_id = r.target"
                      " WHERE r.reviewer_key = ? AND COALESCE(json_extract(r.data, '$.date'), 0) BETWEEN ? AND ?"
                      " ORDER BY d, r.message_id, r.tag", (key, *span))


def domain_people(idx: Index, domain: str) -> Counter:
    """Person key → submissions from ``domain``."""
    return Counter(dict(idx.tuples("SELECT author_key, COUNT(*) FROM messages WHERE author_domain = ?"
                                   f" AND author_key != '' AND {SUBMITTED} GROUP BY author_key", (domain,))))


def domain_dates(idx: Index, domain: str) -> list[Dated]:
    """The listed series holding submissions from ``domain``: each once per digest
    those submissions came in, dated as the series."""
    return [Dated(*r) for r in idx.tuples(
        "SELECT DISTINCT m.series_id, m.digest, s.date FROM messages m JOIN series s ON s.id = m.series_id"
        f" WHERE m.author_domain = ? AND m.author_key != '' AND m.{SUBMITTED}", (domain,))]
