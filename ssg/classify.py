"""Classification: ``Mail`` → one of ``MESSAGE_CLASSES``, by ordered, named rules.

The rules are data (``RULES``): the first predicate that holds names the class.
Bots come first, before any subject tag is trusted (a kernel test robot subject such
as ``[vhost:vhost 6/6] …: error`` looks like a patch counter).  Then replies (a reply
with a diff is still a reply), pull requests, cover letters, bug reports and
questions (even with a test diff), patches, and everything else is ``other``.

A *naked cover* (no ``0/N`` counter, no diff, the thread root, with same-sender
numbered patches replying to it) can only be recognised with the thread around it:
``naked_covers`` finds them in a first pass, and the result goes into the
``Context`` of the second pass (``classify_all`` does both).

Pure: no I/O, never raises on odd input.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from ssg.model import Mail
from ssg.revisions import person_key

BOT_ADDRESSES = (
    "lkp@intel.com",
    "pr-tracker-bot@kernel.org",
    "tip-bot2@linutronix.de",
    "tipbot@zytor.com",
    "sashiko-bot@kernel.org",
)
"""Sender addresses that only ever send automated mail (lower case)."""

_SYZBOT = re.compile(r"^syzbot[^@]*@(?:[\w-]+\.)*appspotmail\.com$")
_PATCHWORK_BOT = re.compile(r"^patchwork-bot(?:\+[^@]*)?@kernel\.org$")
_TIP_SUBJECT = re.compile(r"^\s*\[tip\s*:[^\]]*\]", re.IGNORECASE)
_STABLE_NOTICE = re.compile(
    r"^\s*(?:FAILED:\s*)?patch\s+[\"'].*[\"']\s+(?:has\s+been\s+added\s+to|failed\s+to\s+apply\s+to)"
    r"\s+(?:the\s+)?\S*-?stable\S*\s+tree|^\s*FAILED:\s+patch\s+.*\bstable\b",
    re.IGNORECASE)
REPORT_TAGS = frozenset({"bug", "report", "bug report", "query", "question", "discussion", "syzbot"})
"""Subject tags (lower case) that mark a report or question, not a submission."""

_AUTO_SUBMITTED = re.compile(r"^auto-(?:generated|replied|notified)", re.IGNORECASE)
_AUTOSEL_TAG = re.compile(r"\[[^][]*\bAUTOSEL\b", re.IGNORECASE)
"""One bracket group naming AUTOSEL; "[" is excluded inside so a run of "[[[[" is linear, not quadratic."""
_QUOTED = re.compile(r"^>", re.MULTILINE)
_REVIEW_TRAILERS = frozenset({"reviewed-by", "acked-by", "tested-by"})


@dataclass(frozen=True, slots=True)
class Context:
    """What classification knows beyond the message itself."""

    bots: tuple[str, ...] = ()
    """Extra bot sender addresses, or ``@domain`` suffixes, lower case (config ``people.bots``)."""
    naked_covers: frozenset[str] = frozenset()
    """Message-ids found to be naked cover letters by the thread pass (``naked_covers``)."""


Rule = tuple[str, str, Callable[[Mail, Context], bool]]
"""(rule name, class it assigns, predicate)."""


# --- bots -------------------------------------------------------------------


def _addresses(mail: Mail) -> tuple[str, ...]:
    """Raw (lower-case) sender addresses to test against bot lists."""
    found = {(mail.from_header.email or "").strip().lower(), (mail.sender.email or "").strip().lower()}
    found.discard("")
    return tuple(sorted(found))


def hint(mail: Mail, name: str) -> str:
    """The value of header hint ``name`` (lower case name), or ``""``."""
    for key, value in mail.hints:
        if key.lower() == name:
            return value.strip()
    return ""


def _is_bot_address(addr: str, extra: Iterable[str]) -> bool:
    if addr in BOT_ADDRESSES or _SYZBOT.match(addr) or _PATCHWORK_BOT.match(addr):
        return True
    for bot in extra:
        bot = bot.strip().lower()
        if bot and (addr == bot or (bot.startswith("@") and addr.endswith(bot))):
            return True
    return False


def is_bot(mail: Mail, context: Context = Context()) -> bool:
    """Automated mail: known bot senders, ``[tip: …]`` commit notices, stable-tree
    notices (``X-stable: commit``, "Patch … has been added to the … stable tree") and
    ``Auto-Submitted`` mail.  AUTOSEL patches (``X-stable: review``) are not bots."""
    if any(_is_bot_address(a, context.bots) for a in _addresses(mail)):
        return True
    raw = mail.subject.raw or ""
    if not mail.subject.is_reply and (_TIP_SUBJECT.match(raw) or _STABLE_NOTICE.match(raw)):
        return True
    if hint(mail, "x-stable").lower() == "commit":
        return True
    return bool(_AUTO_SUBMITTED.match(hint(mail, "auto-submitted")))


def is_autosel(mail: Mail) -> bool:
    """A stable AUTOSEL patch (a real patch, flagged ``autosel`` on its series)."""
    return "AUTOSEL" in mail.subject.keywords or bool(_AUTOSEL_TAG.search(mail.subject.raw or ""))


# --- replies, pulls, covers, patches ----------------------------------------


def _has_review_trailer(mail: Mail) -> bool:
    return any(t.canonical in _REVIEW_TRAILERS for t in (*mail.followups, *mail.trailers))


def is_reply(mail: Mail, context: Context = Context()) -> bool:
    """A reply marker (Re:, AW:, Fwd: …), even with a diff.  Without a marker, a
    threaded mail with no diff is a reply when it quotes (``> `` lines; clients that
    keep the subject) or, without a counter, when it has a review trailer (b4's rule)
    or no subject tag at all."""
    subject = mail.subject
    if subject.is_reply or subject.is_forward:
        return True
    threaded = bool(mail.in_reply_to or mail.references)
    if not threaded or mail.has_diff or mail.pull is not None or mail.message_id in context.naked_covers:
        return False
    if subject.index is not None:
        return subject.index != 0 and bool(_QUOTED.search(mail.text or ""))
    return _has_review_trailer(mail) or not subject.keywords or bool(_QUOTED.search(mail.text or ""))


def is_pull(mail: Mail, context: Context = Context()) -> bool:
    """``PULL``/``GIT PULL`` tag, or a request-pull body under a subject without a
    PATCH tag (a ``[PATCH 0/6]`` cover that also names a branch stays a cover);
    not a numbered mail carrying a diff (``[PULL 3/9]`` with a diff is a patch of
    the pull series)."""
    subject = mail.subject
    if not (subject.is_pull or (mail.pull is not None and not subject.has_patch_tag)):
        return False
    return not (mail.has_diff and (mail.subject.index or 0) >= 1)


def is_cover(mail: Mail, context: Context = Context()) -> bool:
    """An explicit ``0/N`` counter, or a naked cover found by the thread pass."""
    if mail.message_id in context.naked_covers:
        return True
    return mail.subject.index == 0 and mail.subject.subindex == 0


def is_report(mail: Mail, context: Context = Context()) -> bool:
    """A question or bug report that happens to carry a (test) diff: no PATCH tag,
    and a report tag (``[BUG]``, ``[QUERY]``, ``[bug report]`` …) or a title that
    asks a question."""
    subject = mail.subject
    if subject.has_patch_tag or subject.is_pull:
        return False
    if any(p.strip().lower() in REPORT_TAGS for p in subject.prefixes):
        return True
    return (subject.title or "").rstrip().endswith("?")


def is_patch(mail: Mail, context: Context = Context()) -> bool:
    """A (non-reply) mail with a diff; the PATCH tag is not required."""
    return mail.has_diff


def _always(mail: Mail, context: Context = Context()) -> bool:
    return True


RULES: tuple[Rule, ...] = (
    ("bot-sender-or-notice", "bot", is_bot),
    ("reply-marker-or-followup", "reply", is_reply),
    ("pull-request", "pull", is_pull),
    ("cover-letter", "cover", is_cover),
    ("report-or-question", "other", is_report),
    ("patch-with-diff", "patch", is_patch),
    ("anything-else", "other", _always),
)
"""The ordered classification rules: (name, class, predicate)."""


def explain(mail: Mail, context: Context = Context()) -> tuple[str, str]:
    """(rule name, class) of the first rule that holds."""
    for name, cls, predicate in RULES:
        try:
            if predicate(mail, context):
                return name, cls
        except Exception:  # noqa: BLE001 - a rule must never break classification
            continue
    return "anything-else", "other"


def classify(mail: Mail, context: Context = Context()) -> str:
    """The class of ``mail`` (one of ``ssg.model.MESSAGE_CLASSES``)."""
    return explain(mail, context)[1]


# --- the thread pass: naked covers -------------------------------------------


def sender_key(mail: Mail) -> str:
    """Identity key of the un-munged sender (``revisions.person_key``)."""
    return person_key(mail.sender)


def _naked_candidate(mail: Mail, context: Context) -> bool:
    """No counter, no diff, not a reply, pull or bot, and the root of its thread
    (or PATCH-tagged)."""
    s = mail.subject
    if mail.has_diff or s.index is not None or s.is_reply or s.is_forward or mail.synthetic_id:
        return False
    if is_bot(mail, context) or is_pull(mail, context):
        return False
    return not (mail.in_reply_to or mail.references) or s.has_patch_tag


def naked_covers(mails: Sequence[Mail], context: Context = Context()) -> frozenset[str]:
    """Message-ids of naked covers: candidates with a same-sender, numbered patch
    replying directly to them (b4's same-sender root test)."""
    candidates = {m.message_id: m for m in mails if _naked_candidate(m, context)}
    found = set()
    for m in mails:
        parent = candidates.get(m.in_reply_to) if m.in_reply_to else None
        if parent is None or m.message_id == parent.message_id:
            continue
        if (m.subject.index or 0) >= 1 and classify(m, context) == "patch" \
                and sender_key(m) == sender_key(parent):
            found.add(parent.message_id)
    return frozenset(found)


def classify_all(mails: Sequence[Mail], context: Context = Context()) -> tuple[str, ...]:
    """Classes of ``mails`` (same order), with the naked-cover thread pass applied."""
    context = replace(context, naked_covers=context.naked_covers | naked_covers(mails, context))
    return tuple(classify(m, context) for m in mails)
