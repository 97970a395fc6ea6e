"""Series grouping: ``Mail[]`` (+ look-back context) → ``Grouping``.

The steps (MAIL-NOTES "Series grouping"):

1. collapse repeated Message-IDs, build threads (``ssg.threads``) joined to the
   earlier messages in ``prior``, classify (``ssg.classify``, with the naked-cover pass);
2. put every submission (patch, cover, pull) into a *bucket*: a patch continuing an
   earlier series (same Message-ID stem, or numbered and replying into it); an
   unnumbered patch alone; a cover or pull without counter alone (it may adopt
   patches later); else by Message-ID stem (git-send-email, b4), else by
   (thread root, sender, version, expected);
3. split buckets into posting batches: a repeated counter slot or a gap of more than
   ``BATCH_WINDOW`` starts a new batch;
4. a cover or pull adopts a cover-less batch of the same sender replying to it
   (naked covers, ``[GIT PULL]`` + ``[PATCH nn/NN]``, one mis-versioned patch), or
   of the same shape sent within minutes of it, un-threaded, in its thread or
   replying to an absent message (a cover id rewritten by a mail server); cover-less
   partial batches of one thread and shape close in time merge (V8.1 5/9 + 6/9);
5. each batch becomes a ``Series``; ``revisions.mark`` links revisions and flags
   partial rerolls and resends; replies are attributed to the series of their
   nearest ancestor in a series (``threads.nearest_owner``).

Pure, deterministic for any input order, never raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ssg.classify import Context, classify_all, sender_key
from ssg.model import Grouping, Mail
from ssg.revisions import mark, version_key
from ssg.series_records import (MAX_EXPECTED, SUBMISSIONS, _grouping, _nearest_map, _series, attribute,  # noqa: F401
                                counter_key, series_id, slot)
from ssg.threads import ancestors, arrival_key, build, dedupe

BATCH_WINDOW = 3 * 3600
"""Seconds between consecutive messages of one posting batch, at most."""

NEARBY_WINDOW = 30 * 60
"""Seconds after a cover within which un-threaded patches of the same shape join it."""

HEADS = ("cover", "pull")
"""Classes that head (anchor) a series."""

_GSE_ID = re.compile(r"^(\d{14}\.\d+)-\d+-(.+)$")
_GSE_OLD_ID = re.compile(r"^(\d+-\d+)-\d+-(git-send-email-.+)$")
_B4_ID = re.compile(r"^(\d{8}-.+-v\d+(?:\.\d+)?)-\d+-([0-9a-f]+@.+)$")


@dataclass(frozen=True, slots=True)
class PriorMessage:
    """A message from an earlier range (the look-back index), as grouping sees it."""

    message_id: str
    """Message-ID without angle brackets."""
    series_id: str
    """Series it was attributed to, or empty."""
    cls: str
    """Its class (one of ``MESSAGE_CLASSES``)."""
    thread_root: str
    """Root of its thread (may be a ghost)."""
    version: str = "1"
    """Subject version."""
    expected: int | None = None
    """Subject ``N`` of ``n/N``, if any."""
    sender: str = ""
    """Identity key of its sender (``classify.sender_key``)."""
    date: int = 0
    """Date (UTC seconds)."""
    index: int | None = None
    """Subject counter ``n`` of ``n/N`` (0 for a cover), if any."""


def stem(message_id: str) -> str:
    """The posting-batch stem of a tool-made Message-ID (counter removed), or ``""``.

    git-send-email ``YYYYMMDDhhmmss.PID-N-addr``, old ``T-PID-N-git-send-email-addr``;
    b4 ``YYYYMMDD-slug-vN-N-hash@dom``."""
    for pattern, tag in ((_GSE_ID, "gse"), (_GSE_OLD_ID, "gse"), (_B4_ID, "b4")):
        match = pattern.match(message_id or "")
        if match:
            return f"{tag}:{match.group(1)}:{match.group(2)}"
    return ""


class _Batch:
    """A posting batch under construction (internal to one ``group`` call)."""

    __slots__ = ("key", "mails", "continues", "head")

    def __init__(self, key: tuple, mails: list[Mail], cls: Mapping[str, str], continues: str = ""):
        self.key = key
        self.mails = mails
        self.continues = continues
        self.head = next((m for m in sorted(mails, key=counter_key)
                          if cls.get(m.message_id) in HEADS and m.subject.index in (0, None)), None)

    def slots(self) -> set[tuple[int, int]]:
        return {slot(m) for m in self.mails}

    def first(self) -> Mail:
        return min(self.mails, key=counter_key)


class _Grouper:
    """One grouping run: the indexes every step needs."""

    def __init__(self, mails: Sequence[Mail], prior: Mapping[str, PriorMessage], bots: Iterable[str]):
        self.dedup = dedupe(mails)
        self.mails = self.dedup.mails
        self.by_id = {m.message_id: m for m in self.mails}
        self.prior = dict(prior)
        known = {mid: p.thread_root or mid for mid, p in self.prior.items()}
        self.roots = build(self.mails, known).root_map()
        classes = classify_all(self.mails, Context(bots=tuple(sorted(b.lower() for b in bots))))
        self.cls = {m.message_id: c for m, c in zip(self.mails, classes)}
        self.prior_stems = self._prior_stems()
        self.prior_taken: dict[str, set[int | None]] = {}
        for p in self.prior.values():
            self.prior_taken.setdefault(p.series_id, set()).add(p.index)
        self._continues: dict[str, str] = {}

    def _prior_stems(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for mid in sorted(self.prior):
            p = self.prior[mid]
            if p.series_id and p.cls in SUBMISSIONS and stem(mid):
                out.setdefault(stem(mid), p.series_id)
        return out

    def submissions(self) -> list[Mail]:
        return sorted((m for m in self.mails if self.cls[m.message_id] in SUBMISSIONS), key=arrival_key)

    # --- continuation of earlier series ---------------------------------------

    def _compatible(self, mail: Mail, version: str, expected: int | None, sender: str, date: int) -> bool:
        return (sender == sender_key(mail) and version_key(version) == version_key(mail.subject.version)
                and (expected is None or expected == mail.subject.expected)
                and abs(mail.date - date) <= BATCH_WINDOW)

    def continues(self, mail: Mail) -> str:
        """Id of the earlier-range series ``mail`` continues, or empty: same
        Message-ID stem as an earlier submission, or numbered and replying (through
        compatible submissions of this input) to a compatible earlier one."""
        path: list[str] = []
        current: Mail | str = mail
        while isinstance(current, Mail):
            mid = current.message_id
            if mid in self._continues or mid in path:
                current = self._continues.get(mid, "")
                break
            path.append(mid)
            found = self.prior_stems.get(stem(mid), "")
            current = found if found or current.subject.index is None else self._step(current)
        for mid in path:
            self._continues[mid] = current
        return current

    def _step(self, mail: Mail) -> Mail | str:
        """The nearest submission ancestor: a compatible present one (to walk on), or
        the id of a compatible earlier series, or empty."""
        for anc in ancestors(mail):
            present = self.by_id.get(anc)
            if present is not None:
                if self.cls[anc] not in SUBMISSIONS:
                    continue
                s = present.subject
                ok = self._compatible(mail, s.version, s.expected if s.index else None, sender_key(present),
                                      present.date)
                return present if ok else ""
            p = self.prior.get(anc)
            if p is None or not p.series_id or p.cls not in SUBMISSIONS:
                continue
            if not self._compatible(mail, p.version, p.expected if p.index else None, p.sender, p.date):
                return ""
            return "" if mail.subject.index in self.prior_taken.get(p.series_id, ()) else p.series_id
        return ""

    # --- buckets and batches ---------------------------------------------------

    def bucket_key(self, mail: Mail) -> tuple:
        mid, s = mail.message_id, mail.subject
        cont = self.continues(mail)
        if cont:
            return ("continued", cont)
        if s.index is None:
            return ("alone", mid)
        if stem(mid):
            return ("stem", stem(mid), s.expected)
        return ("thread", self.roots.get(mid, mid), sender_key(mail),
                version_key(s.version), s.expected)

    def batches(self) -> list[_Batch]:
        buckets: dict[tuple, list[Mail]] = {}
        for mail in self.submissions():
            buckets.setdefault(self.bucket_key(mail), []).append(mail)
        out: list[_Batch] = []
        for key in sorted(buckets, key=repr):
            cont = key[1] if key[0] == "continued" else ""
            parts = _split(buckets[key])  # a repeated slot in a continuation is a new posting
            out.extend(_Batch(key, part, self.cls, "" if i else cont) for i, part in enumerate(parts))
        return self._adopt(out)

    def _adopt(self, batches: list[_Batch]) -> list[_Batch]:
        heads = {b.head.message_id: b for b in batches if b.head is not None and not b.continues}
        shapes: dict[tuple, list[_Batch]] = {}
        for b in sorted(heads.values(), key=lambda b: arrival_key(b.head)):
            shapes.setdefault(_shape(b.head), []).append(b)
        kept = []
        for batch in sorted(batches, key=lambda b: arrival_key(b.first())):
            target = None if batch.head is not None or batch.continues or batch.key[0] == "alone" \
                else self._adopter(batch, heads) or self._nearby_adopter(batch, shapes)
            if target is None:
                kept.append(batch)
            else:
                target.mails.extend(batch.mails)
        return self._merge_partials(kept)

    def _adopter(self, batch: _Batch, heads: Mapping[str, _Batch]) -> _Batch | None:
        """The cover or pull a cover-less batch replies to, if it may adopt it: same
        sender, same size (or an open cover/pull), no repeated slot, close in time
        (a version that differs from the cover's is a typo only within minutes)."""
        for mail in sorted(batch.mails, key=counter_key):
            head = heads.get(mail.in_reply_to)
            if head is None:
                continue
            anchor = head.head
            same_version = version_key(anchor.subject.version) == version_key(mail.subject.version)
            window = BATCH_WINDOW if same_version or anchor.subject.expected is None else NEARBY_WINDOW
            if (sender_key(anchor) == sender_key(mail)
                    and anchor.subject.expected in (None, mail.subject.expected)
                    and not (head.slots() & batch.slots())
                    and abs(mail.date - anchor.date) <= window):
                return head
        return None

    def _nearby_adopter(self, batch: _Batch, shapes: Mapping[tuple, list[_Batch]]) -> _Batch | None:
        """A cover-less batch joins the nearest same-shape cover (same sender,
        version and size, no repeated slot) sent within ``NEARBY_WINDOW`` before it
        (or after it, when both are in one thread) if its members reply to nothing,
        to each other, to absent messages (a cover whose Message-ID a mail server
        rewrote) or inside the cover's thread (separate git-send-email runs)."""
        own = {m.message_id for m in batch.mails}
        first = batch.first()
        best = None
        for head in shapes.get(_shape(first), ()):
            gap = first.date - head.head.date
            root = self.roots.get(head.head.message_id)
            same_thread = all(self.roots.get(m.message_id) == root for m in batch.mails)
            if not ((-NEARBY_WINDOW if same_thread else -60) <= gap <= NEARBY_WINDOW) \
                    or head.slots() & batch.slots():
                continue
            if all(not m.in_reply_to or m.in_reply_to in own or self._absent(m.in_reply_to)
                   or self.roots.get(m.message_id) == root for m in batch.mails) \
                    and (best is None or abs(gap) < best[0]):
                best = (abs(gap), head)
        return best[1] if best else None

    def _absent(self, message_id: str) -> bool:
        return message_id not in self.by_id and message_id not in self.prior

    def _merge_partials(self, batches: list[_Batch]) -> list[_Batch]:
        """Cover-less batches of one thread, sender, version and size, close in time
        and with no repeated slot, are one posting (partial re-sends such as V8.1 5/9
        and 6/9 sent separately)."""
        kept: list[_Batch] = []
        last: dict[tuple, _Batch] = {}
        for batch in sorted(batches, key=lambda b: (b.first().date, arrival_key(b.first()))):
            first = batch.first()
            if batch.head is not None or batch.continues or batch.key[0] == "alone":
                kept.append(batch)
                continue
            key = (self.roots.get(first.message_id, first.message_id), *_shape(first))
            prev = last.get(key)
            if prev is not None and not (prev.slots() & batch.slots()) \
                    and first.date - max(m.date for m in prev.mails) <= BATCH_WINDOW:
                prev.mails.extend(batch.mails)
                continue
            last[key] = batch
            kept.append(batch)
        return kept


def _shape(mail: Mail) -> tuple:
    """(sender, version, expected): what a cover and its patches share."""
    return (sender_key(mail), version_key(mail.subject.version), mail.subject.expected)


def _split(mails: list[Mail]) -> list[list[Mail]]:
    """Split one bucket into posting batches by repeated slots and time gaps."""
    parts: list[list[Mail]] = []
    current: list[Mail] = []
    taken: set[tuple[int, int]] = set()
    last = None
    for mail in sorted(mails, key=lambda m: (m.date, arrival_key(m))):
        if current and (slot(mail) in taken or mail.date - last > BATCH_WINDOW):
            parts.append(current)
            current, taken = [], set()
        current.append(mail)
        taken.add(slot(mail))
        last = mail.date
    if current:
        parts.append(current)
    return parts


# --- batches → Series ----------------------------------------------------------


def group(mails: Sequence[Mail], prior: Mapping[str, PriorMessage] | None = None,
          bots: Iterable[str] = ()) -> Grouping:
    """Classify ``mails``, group their patches into series and attribute replies.

    ``prior`` maps message-ids of earlier ranges to what is known about them, so
    series and threads that straddle a range boundary are continued, and replies to
    earlier series are attributed to them; ``bots`` are extra bot addresses or
    ``@domain`` suffixes."""
    grouper = _Grouper(mails, prior or {}, bots)
    built = [_series(grouper, b) for b in grouper.batches()]
    built = mark(built, _nearest_map(grouper, built))
    replies = attribute(grouper, built)
    return _grouping(grouper, built, replies)
