"""Contributors, domains and reviews for a set of classified messages (pure).

Counting follows the reference digest ("based on email body"): cover letters,
patches and pull requests count for their author, where a patch's author is its
in-body ``From:`` and a cover's is its (un-munged) sender.  Relay, list and bot
addresses are never counted as people.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from ssg.identity import Identities, is_relay_or_list, same_person
from ssg.model import Address, Mail

SUBMISSIONS = ("patch", "cover", "pull")
REVIEW_TAGS = ("reviewed-by", "acked-by", "tested-by")


@dataclass(frozen=True, slots=True)
class Contributor:
    """One person's count in a range."""

    key: str
    """Identity key (canonical normalised address)."""
    name: str
    """Display name (most used, mailmap-resolved); the address when none."""
    email: str
    """Canonical address."""
    count: int
    """Submissions (patches, covers, pulls) authored."""


@dataclass(frozen=True, slots=True)
class DomainCount:
    """One email domain's count in a range."""

    domain: str
    """Lower-case domain of the canonical address."""
    organisation: str
    """Organisation from the configured map, else the domain."""
    count: int
    """Submissions authored from this domain."""


@dataclass(frozen=True, slots=True)
class Review:
    """A Reviewed-by/Acked-by/Tested-by given in a reply, credited to its sender."""

    message_id: str
    """The reply that carries the trailer."""
    target: str
    """The message it replied to (a patch, or the cover: then it covers every patch)."""
    tag: str
    """``reviewed-by``, ``acked-by`` or ``tested-by``."""
    reviewer: Address
    """Canonical identity of the reviewer."""
    key: str
    """Identity key of the reviewer."""


def submission_author(mail: Mail, cls: str) -> Address:
    """Who a submission counts for: in-body author for patches, sender otherwise."""
    return mail.author if cls == "patch" else mail.sender


def is_person(address: Address, bots: Sequence[str] = ()) -> bool:
    """False for empty, relay, list and configured bot addresses."""
    email = address.email
    if not email or "@" not in email or is_relay_or_list(email):
        return False
    return not any(email == b or (b.startswith("@") and email.endswith(b)) for b in bots)


def attributed(mails: Iterable[Mail], classes: Mapping[str, str], ids: Identities,
               bots: Sequence[str] = ()) -> list[tuple[str, Address]]:
    """(identity key, canonical address) for each counted submission."""
    out = []
    for mail in mails:
        cls = classes.get(mail.message_id, "")
        if cls not in SUBMISSIONS:
            continue
        who = ids.canonical(submission_author(mail, cls))
        if is_person(who, bots):
            out.append((ids.key(who), who))
    return out


def _names(entries: Iterable[tuple[str, Address]]) -> dict[str, Address]:
    """Most used display name per key (ties: alphabetical), with its address."""
    names: dict[str, Counter] = defaultdict(Counter)
    emails: dict[str, str] = {}
    for key, who in entries:
        names[key][who.name] += 1
        emails.setdefault(key, who.email)
    best = {}
    for key, counter in names.items():
        named = [(-c, n) for n, c in counter.items() if n]
        name = min(named)[1] if named else ""
        best[key] = Address(name, emails[key])
    return best


def top_contributors(entries: Sequence[tuple[str, Address]], n: int = 15) -> tuple[Contributor, ...]:
    """The ``n`` most active people; ties broken by name, then key."""
    counts = Counter(key for key, _ in entries)
    names = _names(entries)
    rows = [Contributor(k, names[k].name or names[k].email, names[k].email, c) for k, c in counts.items()]
    rows.sort(key=lambda r: (-r.count, r.name.casefold(), r.key))
    return tuple(rows[:n] if n else rows)


def top_domains(entries: Sequence[tuple[str, Address]], ids: Identities, n: int = 15) -> tuple[DomainCount, ...]:
    """The ``n`` busiest domains; ties broken by domain name."""
    counts = Counter(who.domain for _, who in entries if who.domain)
    rows = [DomainCount(d, ids.organisation(d), c) for d, c in counts.items()]
    rows.sort(key=lambda r: (-r.count, r.domain))
    return tuple(rows[:n] if n else rows)


def reviews(mails: Iterable[Mail], classes: Mapping[str, str], ids: Identities) -> tuple[Review, ...]:
    """Review trailers from replies, credited only when the trailer names the sender."""
    out = []
    for mail in mails:
        if classes.get(mail.message_id) != "reply":
            continue
        for trailer in mail.followups:
            if trailer.canonical not in REVIEW_TAGS or trailer.person is None:
                continue
            if not same_person(trailer.person, mail.sender):
                continue
            who = ids.canonical(mail.sender if not mail.sender.name else trailer.person)
            who = Address(who.name or trailer.person.name, who.email or trailer.person.email)
            out.append(Review(mail.message_id, mail.in_reply_to, trailer.canonical, who, ids.key(who)))
    out.sort(key=lambda r: (r.message_id, r.tag, r.key))
    return tuple(out)
