"""Threads: connected components over In-Reply-To and References.

- A referenced but absent message is a *ghost* node, so two patches replying to a
  cover that is not in the range stay together, and a component's root may be a ghost.
- Messages from earlier ranges (a look-back index: message-id → thread root) join
  the graph as nodes linked to their root, so threads straddle range boundaries.
- Repeated Message-IDs are collapsed before threading: the first copy wins; a
  second copy with different content is recorded as a conflict.
- Messages with a synthetic id (no usable Message-ID) are non-threadable: each is a
  thread of its own, and its references are ignored.

Pure; deterministic whatever the input order; never raises on odd input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from ssg.model import Mail


@dataclass(frozen=True, slots=True)
class Dedup:
    """Input messages with repeated Message-IDs collapsed."""

    mails: tuple[Mail, ...]
    """The first copy of every Message-ID, in input order."""
    duplicates: tuple[tuple[str, str, str], ...] = ()
    """(message-id, kept commit, dropped commit) for every repeated delivery."""
    conflicts: tuple[tuple[str, str, str], ...] = ()
    """The subset of ``duplicates`` whose dropped copy has different content."""


@dataclass(frozen=True, slots=True)
class Threads:
    """The thread components of a set of messages."""

    roots: tuple[tuple[str, str], ...]
    """(message-id, thread root) for every present message, sorted by message-id."""
    components: tuple[tuple[str, tuple[str, ...]], ...]
    """(root, present member ids sorted) per component, sorted by root."""
    ghosts: tuple[str, ...] = ()
    """Referenced ids that are neither present nor known from earlier ranges, sorted."""

    def root_map(self) -> dict[str, str]:
        """message-id → thread root, as a dict."""
        return dict(self.roots)


def arrival_key(mail: Mail) -> tuple[int, int, str]:
    """Sort key for "arrival order": arrival time, then date, then message-id."""
    return (mail.arrived, mail.date, mail.message_id)


def fingerprint(mail: Mail) -> tuple:
    """What must be equal for a second delivery to count as the same content."""
    stat = mail.diffstat.files if mail.diffstat is not None else ()
    return (mail.subject.raw, mail.text.strip(), stat, mail.has_diff, mail.from_header.email)


def dedupe(mails: Sequence[Mail]) -> Dedup:
    """Keep the first copy of each Message-ID; record the others."""
    kept: dict[str, Mail] = {}
    duplicates, conflicts = [], []
    for mail in mails:
        first = kept.get(mail.message_id)
        if first is None:
            kept[mail.message_id] = mail
            continue
        record = (mail.message_id, first.commit, mail.commit)
        duplicates.append(record)
        if fingerprint(first) != fingerprint(mail):
            conflicts.append(record)
    return Dedup(tuple(kept.values()), tuple(duplicates), tuple(conflicts))


def chain(mail: Mail) -> tuple[str, ...]:
    """Ancestors oldest first: References, then In-Reply-To if not already last;
    self-references and repeats dropped; empty for a synthetic id."""
    if mail.synthetic_id:
        return ()
    out: list[str] = []
    for ref in (*mail.references, mail.in_reply_to):
        if ref and ref != mail.message_id:
            if ref in out:
                out.remove(ref)
            out.append(ref)
    return tuple(out)


def ancestors(mail: Mail) -> tuple[str, ...]:
    """Ancestors nearest first (In-Reply-To, then References from the newest)."""
    return tuple(reversed(chain(mail)))


class _Union:
    """Union-find over strings (deterministic: the smaller id becomes the parent)."""

    def __init__(self) -> None:
        self.up: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.up.setdefault(x, x)
        root = x
        while self.up[root] != root:
            root = self.up[root]
        while self.up[x] != root:
            self.up[x], x = root, self.up[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            lo, hi = sorted((ra, rb))
            self.up[hi] = lo


def _parents(mails: Sequence[Mail], known: Mapping[str, str]) -> dict[str, str]:
    """Child → parent links: a present mail's own headers win; a ghost gets the
    parent its first (in arrival order) referencing mail lists; an earlier-range
    message points at its thread root."""
    present = {m.message_id for m in mails}
    parent: dict[str, str] = {}
    for mid, root in sorted(known.items()):
        if mid not in present and root and root != mid:
            parent[mid] = root
    for mail in sorted(mails, key=arrival_key):
        refs = chain(mail)
        if refs:
            parent[mail.message_id] = refs[-1]
        for older, newer in zip(refs, refs[1:]):
            if newer not in present and newer not in known:
                parent.setdefault(newer, older)
    return parent


def _tops(nodes: Iterable[str], parent: Mapping[str, str]) -> dict[str, str]:
    """Top of the parent chain of every node (memoised, linear overall); in a cycle,
    the smallest id of the cycle."""
    memo: dict[str, str] = {}
    for start in nodes:
        path: list[str] = []
        index: dict[str, int] = {}
        node = start
        while node not in memo and node in parent and node not in index:
            index[node] = len(path)
            path.append(node)
            node = parent[node]
        if node in memo:
            top = memo[node]
        elif node in index:
            top = min(path[index[node]:])
        else:
            top = node
        for n in path:
            memo[n] = top
        memo.setdefault(start, top)
    return memo


def build(mails: Sequence[Mail], known: Mapping[str, str] | None = None) -> Threads:
    """Thread components of ``mails`` (already de-duplicated), optionally joined to
    earlier messages ``known`` (message-id → thread root)."""
    known = dict(known or {})
    present = {m.message_id: m for m in mails}
    parent = _parents(mails, known)
    union = _Union()
    for mail in mails:
        union.find(mail.message_id)
        if not mail.synthetic_id:
            for ref in chain(mail):
                union.union(mail.message_id, ref)
    for mid, root in known.items():
        if root and (mid in union.up or root in union.up):
            union.union(mid, root)
    votes: dict[str, dict[str, int]] = {}
    tops = _tops(sorted(present), parent)
    for mid in present:
        top = mid if present[mid].synthetic_id else tops[mid]
        comp = votes.setdefault(union.find(mid), {})
        comp[top] = comp.get(top, 0) + 1
    best = {c: min(v, key=lambda r: (-v[r], r not in present, r)) for c, v in votes.items()}
    roots = tuple(sorted((mid, best[union.find(mid)]) for mid in present))
    members: dict[str, list[str]] = {}
    for mid, root in roots:
        members.setdefault(root, []).append(mid)
    ghosts = sorted({n for n in union.up if n not in present and n not in known})
    return Threads(roots, tuple(sorted((r, tuple(ms)) for r, ms in members.items())), tuple(ghosts))


def nearest_owner(mails: Sequence[Mail], targets: Iterable[str], owner: Mapping[str, str]) -> dict[str, str]:
    """For each target message-id, the ``owner`` value of its nearest ancestor that has
    one (walking In-Reply-To, then References from the newest), passing through other
    targets (a reply to a reply inherits its parent's owner even when its own
    References are cut short).  Iterative and cycle-safe; targets without an owned
    ancestor are left out."""
    by_id = {m.message_id: m for m in mails}
    wanted = {t for t in targets if t in by_id}
    found: dict[str, str] = {}
    for start in sorted(wanted):
        stack, on_stack = [start], {start}
        while stack:
            current = stack[-1]
            if current in found:
                stack.pop()
                continue
            result, pending = "", ""
            for anc in ancestors(by_id[current]):
                if owner.get(anc) or found.get(anc):
                    result = owner.get(anc) or found[anc]
                    break
                if anc in wanted and anc not in found and anc not in on_stack:
                    pending = anc
                    break
            if pending:
                stack.append(pending)
                on_stack.add(pending)
                continue
            found[current] = result
            stack.pop()
            on_stack.discard(current)
    return {mid: value for mid, value in found.items() if value}
