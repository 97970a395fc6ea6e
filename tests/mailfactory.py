"""Build ``Mail`` objects directly, without the mail or subject parsers.

Every ``Subject`` field is filled explicitly; ``raw`` is composed from them for
display only.  People and addresses are fictional.
"""

from __future__ import annotations

import hashlib

from ssg.model import Address, Diffstat, FileStat, Mail, PullRequest, Subject, Trailer

ALICE = Address("Alice Arden", "alice@example.org")
BOB = Address("Bob Brook", "bob@example.net")
CAROL = Address("Carol Crane", "carol@example.com")
DAVE = Address("Dave Dune", "dave@example.org")

T0 = 1_700_000_000
"""A fixed base time (UTC seconds)."""


def subject(title: str, *, keywords: tuple[str, ...] = ("PATCH",), version: str = "1",
            index: int | None = None, expected: int | None = None, subindex: int = 0,
            reply: bool = False, forward: bool = False, prefixes: tuple[str, ...] = (),
            raw: str | None = None) -> Subject:
    """A ``Subject`` with explicit fields; ``raw`` composed as ``Re: [PATCH v2 1/3] title``."""
    if raw is None:
        tags = list(keywords) + list(prefixes)
        if version != "1":
            tags.append(f"v{version}")
        if index is not None:
            counter = f"{index}.{subindex}" if subindex else f"{index}"
            tags.append(f"{counter}/{expected}" if expected is not None else counter)
        raw = (f"[{' '.join(tags)}] " if tags else "") + title
        if forward:
            raw = "Fwd: " + raw
        elif reply:
            raw = "Re: " + raw
    return Subject(raw=raw, title=title, is_reply=reply or forward, is_forward=forward,
                   keywords=tuple(keywords), prefixes=tuple(prefixes), version=version,
                   version_explicit=version != "1", index=index, subindex=subindex,
                   expected=expected)


def _commit(message_id: str, salt: str = "") -> str:
    return hashlib.sha1(f"{message_id}{salt}".encode()).hexdigest()


def mail(message_id: str, subj: Subject | str = "", *, sender: Address = ALICE,
         date: int = T0, arrived: int | None = None, in_reply_to: str = "",
         references: tuple[str, ...] = (), diff: bool = False, text: str = "",
         hints: tuple[tuple[str, str], ...] = (), from_header: Address | None = None,
         author: Address | None = None, followups: tuple[Trailer, ...] = (),
         trailers: tuple[Trailer, ...] = (), change_id: str = "", pull: PullRequest | None = None,
         synthetic: bool = False, commit_salt: str = "") -> Mail:
    """A ``Mail``; ``subj`` may be a plain string (no tags).  ``references`` get
    ``in_reply_to`` appended, as mail.py does."""
    if isinstance(subj, str):
        subj = subject(subj, keywords=())
    refs = tuple(references)
    if in_reply_to and (not refs or refs[-1] != in_reply_to):
        refs = tuple(r for r in refs if r != in_reply_to) + (in_reply_to,)
    stat = Diffstat((FileStat("drivers/foo.c", 3, 1),)) if diff else None
    return Mail(
        message_id=message_id, commit=_commit(message_id, commit_salt), blob=_commit(message_id, "b"),
        epoch=0, subject=subj, date=date, arrived=date if arrived is None else arrived,
        from_header=from_header or sender, sender=sender, author=author or sender,
        in_reply_to=in_reply_to, references=refs, synthetic_id=synthetic, hints=hints,
        text=text, has_diff=diff, diffstat=stat, trailers=trailers, followups=followups,
        change_id=change_id, pull=pull)


def review(name: str = "Bob Brook", email: str = "bob@example.net") -> Trailer:
    """A ``Reviewed-by`` person trailer."""
    person = Address(name, email)
    return Trailer("Reviewed-by", f"{name} <{email}>", "reviewed-by", "person", person)


def series_mails(stem: str, title: str, n: int, *, sender: Address = ALICE, date: int = T0,
                 version: str = "1", cover: bool = True, deep: bool = False,
                 keywords: tuple[str, ...] = ("PATCH",), in_reply_to: str = "",
                 slots: tuple[int, ...] | None = None) -> list[Mail]:
    """A cover ``<stem>-0`` (optional) plus patches ``<stem>-k`` replying to it (or
    to the previous patch when ``deep``), one second apart.  ``slots`` limits which
    patches are present."""
    out: list[Mail] = []
    root = in_reply_to
    if cover:
        out.append(mail(f"{stem}-0", subject(title, keywords=keywords, version=version, index=0,
                                             expected=n), sender=sender, date=date, in_reply_to=in_reply_to))
        root = f"{stem}-0"
    previous = root
    for k in slots or range(1, n + 1):
        parent = previous if deep else root
        out.append(mail(f"{stem}-{k}", subject(f"{title} part {k}", keywords=keywords, version=version,
                                               index=k, expected=n),
                        sender=sender, date=date + k, in_reply_to=parent, diff=True,
                        references=((root,) if root and parent != root else ())))
        previous = f"{stem}-{k}"
    return out


def reply(message_id: str, parent: Mail, *, sender: Address = BOB, date: int | None = None,
          diff: bool = False, followups: tuple[Trailer, ...] = ()) -> Mail:
    """A ``Re:`` reply to ``parent`` (subject fields copied, ``is_reply`` set)."""
    s = parent.subject
    subj = subject(s.title, keywords=s.keywords, version=s.version, index=s.index,
                   expected=s.expected, subindex=s.subindex, reply=True, prefixes=s.prefixes)
    return mail(message_id, subj, sender=sender, date=parent.date + 60 if date is None else date,
                in_reply_to=parent.message_id, references=parent.references, diff=diff,
                followups=followups)
