"""Types that cross stage boundaries.

All are frozen, slotted dataclasses; collections inside them are tuples.  No
``email.message.EmailMessage``, no open file and no ``Path`` travels through the
middle of the pipeline.  Times are integer seconds since the epoch, UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import TypeVar

from ssg.errors import Problem


_T = TypeVar("_T")


def _by_fields(cls: type[_T]) -> type[_T]:
    """Pickle instances as ``cls(*field values)``: a tuple taken in C, where the
    dataclass default goes through a Python ``__getstate__``/``__setstate__``
    per object.  Parsed mail crosses from the parse workers in bulk."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    get = attrgetter(*names) if len(names) > 1 else (lambda obj: (getattr(obj, names[0]),))

    def __reduce__(self: object) -> tuple[type, tuple]:
        return type(self), get(self)
    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls



@dataclass(frozen=True, slots=True)
class RawMessage:
    """One message as the archive stores it: the edge between git and parsing."""

    commit: str
    """40-hex id of the archive commit that delivered (or deleted) the message."""
    blob: str
    """40-hex id of the ``m`` (or ``d``) blob."""
    epoch: int
    """Epoch number inside a v2 inbox (0 for v1 or a lone epoch)."""
    data: bytes
    """The raw RFC 5322 message; empty for a purged blob."""
    committed: int
    """Committer time: when the archive received the message (arrival)."""
    authored: int
    """Git author time (seconds are right; the stored zone is not to be trusted)."""
    deleted: bool = False
    """True for a v2 ``d`` commit: ``data`` is the message being removed."""


@_by_fields
@dataclass(frozen=True, slots=True)
class Address:
    """A person or mailbox: display name and address kept separately."""

    name: str
    """Decoded display name, whitespace collapsed; may be empty."""
    email: str
    """Address, lower-cased; may be empty when the header was unparseable."""

    @property
    def domain(self) -> str:
        """The part after the last ``@`` (lower case), or ``""``."""
        return self.email.rpartition("@")[2] if "@" in self.email else ""

    def display(self) -> str:
        """The name if there is one, else the address."""
        return self.name or self.email


@_by_fields
@dataclass(frozen=True, slots=True)
class Subject:
    """A parsed subject line (the ``[PATCH v4 01/11]`` grammar)."""

    raw: str
    """Decoded, unfolded, whitespace-collapsed subject, for display."""
    title: str
    """Subject with reply markers and leading bracket groups removed."""
    is_reply: bool = False
    """A reply marker (Re:, AW:, Fwd: …) was removed."""
    is_forward: bool = False
    """The removed marker was a forward (Fwd:/Fw:)."""
    keywords: tuple[str, ...] = ()
    """Recognised keywords, upper case, in order: PATCH, RFC, RFT, RESEND, PULL, GIT PULL, AUTOSEL…"""
    prefixes: tuple[str, ...] = ()
    """Unclassified bracket tokens (tree/subsystem tags), original order and case."""
    version: str = "1"
    """Revision as a string ("1", "3", "5.1")."""
    version_explicit: bool = False
    """The version came from the brackets (or a trailing vN hint), not the default."""
    index: int | None = None
    """Patch counter (``2`` of ``2/5``); ``0`` for a cover letter; None when absent."""
    subindex: int = 0
    """Inserted-patch part (``5`` of ``34.5/36``); 0 otherwise."""
    expected: int | None = None
    """Total patches announced (``5`` of ``2/5``); None when absent."""

    @property
    def has_patch_tag(self) -> bool:
        return "PATCH" in self.keywords

    @property
    def is_pull(self) -> bool:
        return "PULL" in self.keywords or "GIT PULL" in self.keywords

    @property
    def is_rfc(self) -> bool:
        return "RFC" in self.keywords


@_by_fields
@dataclass(frozen=True, slots=True)
class FileStat:
    """One file of a diffstat, computed from the diff."""

    path: str
    """New path (old path for a deletion)."""
    insertions: int = 0
    deletions: int = 0
    binary: bool = False
    status: str = "M"
    """M modified, A added, D deleted, R renamed, C copied, T mode/type only."""
    old_path: str = ""
    """Source path for renames and copies, else empty."""


@_by_fields
@dataclass(frozen=True, slots=True)
class Diffstat:
    """Files changed by one diff (or the sum over several)."""

    files: tuple[FileStat, ...] = ()

    @property
    def insertions(self) -> int:
        return sum(f.insertions for f in self.files)

    @property
    def deletions(self) -> int:
        return sum(f.deletions for f in self.files)

    @property
    def changed(self) -> int:
        return len(self.files)


@_by_fields
@dataclass(frozen=True, slots=True)
class Trailer:
    """A ``Name: value`` trailer such as ``Reviewed-by: A <a@x>``."""

    name: str
    """As written, e.g. ``Reviwed-by``."""
    value: str
    """Value with any trailing ``# comment`` removed."""
    canonical: str
    """Lower-case normalised name; known typos mapped (``reviewed-by``)."""
    kind: str
    """``person``, ``utility`` or ``unknown``."""
    person: Address | None = None
    """The address in a person trailer."""


@_by_fields
@dataclass(frozen=True, slots=True)
class PullRequest:
    """What a ``git request-pull`` body says."""

    base: str = ""
    """Commit the changes are since (hex)."""
    url: str = ""
    """Repository URL."""
    branch: str = ""
    """Branch or tag to pull."""
    tip: str = ""
    """Commit at the tip (hex), if stated."""


@_by_fields
@dataclass(frozen=True, slots=True)
class Mail:
    """A parsed message: everything later stages need, nothing they don't."""

    message_id: str
    """Message-ID without angle brackets; synthetic (``synthetic.<blob>@ssg.invalid``) if missing."""
    commit: str
    """Archive commit that delivered the message."""
    blob: str
    """Blob id of the stored message."""
    epoch: int
    """Epoch of the commit."""
    subject: Subject
    """Parsed subject."""
    date: int
    """Date header in UTC seconds; commit time when missing or invalid."""
    arrived: int
    """Committer (arrival) time in UTC seconds."""
    from_header: Address
    """The raw From header, decoded (may be a relay or list address)."""
    sender: Address
    """Un-munged sender: X-Original-From, or Reply-To for ``via List``/B4 Relay, else From."""
    author: Address
    """In-body ``From:`` when the first body paragraph is a header block, else ``sender``."""
    in_reply_to: str = ""
    """Parent message-id after cleaning, or empty."""
    references: tuple[str, ...] = ()
    """Cleaned References (oldest first; In-Reply-To last if not already there)."""
    synthetic_id: bool = False
    """The message had no usable Message-ID."""
    hints: tuple[tuple[str, str], ...] = ()
    """Selected headers for classification, lower-case names: x-mailer, auto-submitted, x-patchwork-hint, precedence, list-id…"""
    text: str = ""
    """Message text above the diff split, signature and in-body headers and footers removed."""
    has_diff: bool = False
    """A diff (in the body or an attachment) is present outside quotes."""
    diffstat: Diffstat | None = None
    """Computed from the diff; None without a diff."""
    diffstat_text: str = ""
    """The format-patch diffstat block as sent (for the plain-text export)."""
    trailers: tuple[Trailer, ...] = ()
    """Trailers of the last paragraph of ``text`` (patch/cover style)."""
    followups: tuple[Trailer, ...] = ()
    """Follow-up trailers found anywhere in an unquoted reply body (strict rules)."""
    change_id: str = ""
    """b4 ``change-id:`` from the basement, if any."""
    base_commit: str = ""
    """``base-commit:`` from the basement, if any."""
    pull: PullRequest | None = None
    """Pull-request information, when the body is a request-pull."""
    attachments: tuple[str, ...] = ()
    """File names of attachments, as given (untrusted)."""
    size: int = 0
    """Size of the raw message in bytes."""
    deleted: bool = False
    """This record comes from a v2 ``d`` commit (the message was removed)."""
    problems: tuple[Problem, ...] = field(default=())
    """Everything odd found while parsing, located by message-id and commit."""


# --- the domain core (classification, series, revisions) -------------------

MESSAGE_CLASSES = ("patch", "cover", "reply", "pull", "bot", "other")
"""Every message gets exactly one of these classes."""


@dataclass(frozen=True, slots=True)
class Series:
    """One posting of a series (one version): a cover letter and/or n/N patches."""

    id: str
    """Stable id derived from content: ``s`` + 12 hex of sha1(anchor message-id)."""
    kind: str
    """``patch`` or ``pull``."""
    title: str
    """Title of the cover letter, else of the lowest present patch (never ``(untitled)``)."""
    subject: str
    """Full raw subject of that same message, for display."""
    version: str
    """Revision as a string ("1", "3", "8.1")."""
    expected: int | None
    """Announced number of patches (N of n/N); None when not stated (single patch: 1)."""
    cover: str
    """Message-id of the cover letter (or pull request mail), or empty."""
    patches: tuple[str, ...]
    """Message-ids of the patches present, sorted by counter, arrival breaking ties."""
    submitter: Address
    """Sender of the cover, else of the lowest patch (un-munged)."""
    thread_root: str
    """Message-id of the root of the thread it was posted in (may be a ghost)."""
    date: int
    """Date of the earliest message (UTC seconds)."""
    prefixes: tuple[str, ...] = ()
    """Tree/subsystem tags from the subject (net-next, kvm-unit-tests…)."""
    flags: tuple[str, ...] = ()
    """Sorted markers: rfc, resend, autosel, partial-reroll, incomplete, continued, orphan (a cover with no patch present)…"""
    missing: tuple[int, ...] = ()
    """Patch counters 1..expected with no message present."""
    change_id: str = ""
    """b4 change-id, when a message of the series carries one."""
    previous: str = ""
    """Series id of the previous revision, or empty."""
    reroll_of: str = ""
    """For a partial reroll: the series id whose patches this one replaces."""
    replies: tuple[str, ...] = ()
    """Message-ids of replies in this series' thread attributed to it."""


@dataclass(frozen=True, slots=True)
class Grouping:
    """What classification and grouping make of one set of messages."""

    classes: tuple[tuple[str, str], ...]
    """(message-id, class) for every input message, in input order."""
    series: tuple[Series, ...]
    """Series posted (started or continued) in the input, oldest first."""
    membership: tuple[tuple[str, str], ...]
    """(message-id, series id) for every message attributed to a series (patches, covers, replies)."""
    duplicates: tuple[tuple[str, str, str], ...] = ()
    """(message-id, kept commit, dropped commit) for repeated deliveries."""
    conflicts: tuple[tuple[str, str, str], ...] = ()
    """(message-id, kept commit, dropped commit) where the second copy's content differs."""
