"""One range: group its mail with look-back context, link revisions, count, and
record everything in the index.  Returns the range's ``Digest``."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from ssg import revisions, urls
from ssg.config import Config
from ssg.digest import Digest, Period, PreviousView, build, series_view
from ssg.identity import Identities
from ssg.index import Index
from ssg.model import Mail, Series
from ssg.series import PriorMessage, group
from ssg.stats import Review, reviews, submission_author

if TYPE_CHECKING:
    from ssg.pipeline import Touched

SUBMISSION = ("patch", "cover", "pull")
PRIOR_FIELDS = ("version", "expected", "sender_id", "index")
"""The ``data`` fields of earlier messages that grouping needs."""


def _prior(idx: Index, mails: Sequence[Mail]) -> dict[str, PriorMessage]:
    own = {m.message_id for m in mails}
    refs = {r for m in mails for r in (*m.references, m.in_reply_to) if r and r not in own}
    rows = (idx.message_tuples("message_id", refs, PRIOR_FIELDS)
            + idx.message_tuples("thread_root", refs, PRIOR_FIELDS))
    return {mid: PriorMessage(message_id=mid, series_id=sid, cls=cls, thread_root=root, version=version,
                              expected=expected, sender=sender, date=date, index=index)
            for mid, sid, cls, root, date, version, expected, sender, index in rows}


_RECORD_FIELDS = tuple(f.name for f in dataclasses.fields(revisions.SeriesRecord))


def _series_row(s: Series, path: str, digest: str, ids: Identities) -> dict[str, Any]:
    who = ids.canonical(s.submitter)
    data = {f.name: getattr(s, f.name) for f in dataclasses.fields(Series)}
    data["submitter"] = [who.name, who.email]
    data["submitter_key"] = ids.key(who)
    data["path"] = path
    rec = revisions.record(s)
    data["record"] = {name: getattr(rec, name) for name in _RECORD_FIELDS}  # flat: no deep copy
    return {"id": s.id, "path": path, "digest": digest, "title_key": rec.title_key, "change_id": s.change_id,
            "submitter_key": ids.key(who), "date": s.date, "data": data}


def _as_series(data: dict[str, Any]) -> Series:
    from ssg.model import Address

    fields = {f.name: data[f.name] for f in dataclasses.fields(Series) if f.name in data}
    fields["submitter"] = Address(*data["submitter"])
    for name in ("patches", "prefixes", "flags", "missing", "replies"):
        fields[name] = tuple(fields.get(name) or ())
    return Series(**fields)


def _record(row: dict[str, Any]) -> revisions.SeriesRecord:
    rec = dict(row["data"]["record"])
    rec["message_ids"] = tuple(rec.get("message_ids") or ())
    return revisions.SeriesRecord(**rec)


def _merge(old: Series, new: Series, slots: Mapping[str, tuple[int, int, int]]) -> Series:
    """A series continued in a later range: the union of its messages."""
    patches = sorted(set(old.patches) | set(new.patches), key=lambda m: (*slots.get(m, (0, 0, 0)), m))
    cover = old.cover or new.cover
    expected = old.expected or new.expected
    have = {slots.get(m, (0, 0, 0))[0] for m in patches}
    missing = tuple(n for n in range(1, (expected or 0) + 1) if n not in have)
    flags = set(old.flags) | set(new.flags)
    flags.discard("incomplete") if not missing else flags.add("incomplete")
    use = new if (new.cover and not old.cover) else old
    return dataclasses.replace(old, patches=tuple(patches), cover=cover, expected=expected, missing=missing,
                               flags=tuple(sorted(flags)), title=use.title, subject=use.subject,
                               replies=tuple(sorted(set(old.replies) | set(new.replies))),
                               change_id=old.change_id or new.change_id)


def _candidates(idx: Index, new: Sequence[Series]) -> list[revisions.SeriesRecord]:
    keys = {revisions.title_key(s.title) for s in new}
    rows = (idx.series_where("title_key", keys, ("record",))
            + idx.series_where("change_id", {s.change_id for s in new}, ("record",)))
    roots = idx.messages_where("message_id", {s.thread_root for s in new}, ())
    rows += idx.series_where("id", {r["series_id"] for r in roots if r["series_id"]}, ("record",))
    seen, out = set(), []
    for r in rows:
        if r["id"] not in seen:
            seen.add(r["id"])
            out.append(_record(r))
    return out


def _message_row(m: Mail, cls: str, series_id: str, digest: str, root: str, ids: Identities) -> dict[str, Any]:
    author = ids.canonical(submission_author(m, cls))
    sender = ids.canonical(m.sender)
    s = m.subject
    data: dict[str, Any] = {
        "subject": s.raw, "title": s.title, "version": s.version, "index": s.index, "subindex": s.subindex,
        "expected": s.expected, "author": [author.name, author.email], "sender": [sender.name, sender.email],
        "sender_id": revisions.person_key(m.sender), "commit": m.commit}
    if cls in SUBMISSION:
        data["text"] = m.text
        data["trailers"] = [[t.name, t.value] for t in m.trailers]
        data["diffstat"] = [[f.path, f.insertions, f.deletions, f.binary, f.status, f.old_path]
                            for f in (m.diffstat.files if m.diffstat else ())]
        if cls == "cover":
            data["diffstat_text"] = m.diffstat_text
    return {"message_id": m.message_id, "commit": m.commit, "class": cls, "series_id": series_id,
            "digest": digest, "date": m.date, "thread_root": root,
            "author_key": ids.key(author) if cls in SUBMISSION else "", "sender_key": ids.key(sender),
            "author_name": author.name if cls in SUBMISSION else "",
            "author_email": author.email if cls in SUBMISSION else "",
            "author_domain": author.domain if cls in SUBMISSION else "",
            "data": data}


def _previous_view(idx: Index, sid: str) -> PreviousView | None:
    rows = idx.series_where("id", [sid], ("version",))
    if not rows:
        return None
    row = rows[0]
    found = idx.digest(row["digest"]) if row["digest"] else None
    data = found["data"] if found else {}
    title = data.get("label") or data.get("title") or "an earlier digest"
    return PreviousView(sid, row["data"]["version"], row["path"], row["digest"], title)


def _roots(mails: Sequence[Mail], prior: Mapping[str, PriorMessage]) -> dict[str, str]:
    """Thread root per message: the oldest reference (a ghost if absent)."""
    out = {}
    for m in mails:
        first = m.references[0] if m.references else (m.in_reply_to or m.message_id)
        p = prior.get(first)
        out[m.message_id] = p.thread_root if p and p.thread_root else first
    return out


def process_range(cfg: Config, idx: Index, ids: Identities, path: str, period: Period,
                  mails: Sequence[Mail], touched: "Touched") -> Digest:
    """Group one range, record it in the index, and build its Digest."""
    deleted = [m for m in mails if m.deleted]
    if deleted:
        gone = idx.messages_where("message_id", [m.message_id for m in deleted], ())
        touched.series.update(r["series_id"] for r in gone if r["series_id"])
        touched.redo.update(r["digest"] for r in gone if r["digest"] != path)
        touched.authors.update(r["author_key"] for r in gone if r["author_key"])
        touched.collect = True
        idx.mark_deleted((m.message_id, m.commit) for m in deleted)
    dead = idx.deleted_among(m.message_id for m in mails if not m.deleted)
    live = [m for m in mails if not m.deleted and m.size > 0 and m.message_id not in dead]
    prior = _prior(idx, live)
    grouping = group(live, prior, bots=cfg.people.bots)
    classes = dict(grouping.classes)
    member = dict(grouping.membership)
    by_id: dict[str, Mail] = {}
    for m in live:
        by_id.setdefault(m.message_id, m)
    slots = {m.message_id: (m.subject.index or 0, m.subject.subindex, m.date) for m in live}
    stored = {r["id"]: r for r in idx.series_where("id", [s.id for s in grouping.series])}
    for r in idx.messages_where("series_id", stored, ("index", "subindex")):
        d = r["data"]
        slots.setdefault(r["message_id"], (d.get("index") or 0, d.get("subindex") or 0, r["date"]))
    fresh = [s for s in grouping.series if s.id not in stored]
    earlier = _candidates(idx, fresh) + [revisions.record(s) for s in fresh]  # v1 and v2 may share a range
    links = revisions.link_previous(fresh, earlier) if fresh else {}
    views, rows = [], []
    for s in grouping.series:
        if s.id in stored:
            merged, spath, new = _merge(_as_series(stored[s.id]["data"]), s, slots), stored[s.id]["path"], False
            first = stored[s.id]["digest"]
        else:
            merged = dataclasses.replace(s, previous=links.get(s.id, ""))
            spath, new, first = urls.series_path(s.id, s.title), True, path
        prev = _previous_view(idx, merged.previous) if merged.previous and new else None
        views.append(series_view(merged, by_id, ids, spath, prev, new))
        rows.append(_series_row(merged, spath, first, ids))
        if merged.previous:
            touched.series.add(merged.previous)
    revs = reviews(by_id.values(), classes, ids)
    digest = build(list_name=cfg.archive.list, path=path, period=period, mails=list(by_id.values()),
                   grouping=grouping, ids=ids, views=views, reviews=revs, top=cfg.digest.top,
                   bots=cfg.people.bots)
    _store(idx, ids, digest, grouping, by_id, rows, revs, member, _roots(list(by_id.values()), prior))
    _touch(touched, digest, rows, revs, by_id, classes, ids)
    return digest


def _store(idx: Index, ids: Identities, digest: Digest, grouping: Any, by_id: Mapping[str, Mail],
           series_rows: list[dict[str, Any]], revs: Iterable[Review], member: Mapping[str, str],
           roots: Mapping[str, str]) -> None:
    classes = dict(grouping.classes)
    idx.put_messages(_message_row(m, classes[mid], member.get(mid, ""), digest.path, roots.get(mid, mid), ids)
                     for mid, m in by_id.items() if mid in classes)
    idx.put_series(series_rows)
    idx.link_series_digest((r["id"], digest.path) for r in series_rows)
    idx.put_reviews({"message_id": r.message_id, "target": r.target, "tag": r.tag, "reviewer_key": r.key,
                     "series_id": member.get(r.message_id, ""), "digest": digest.path,
                     "data": {"reviewer": [r.reviewer.name, r.reviewer.email], "trailer": r.tag.capitalize(),
                              "date": by_id[r.message_id].date if r.message_id in by_id else 0}}
                    for r in revs)
    p = digest.period
    idx.put_digest({"path": digest.path, "from_commit": p.from_commit, "to_commit": p.to_commit,
                    "start": p.start, "end": p.end, "draft": int(p.draft),
                    "data": {"title": digest.title, "label": p.label, "counts": dict(digest.counts)}})


def _touch(touched: "Touched", digest: Digest, rows: list[dict[str, Any]], revs: Iterable[Review],
           by_id: Mapping[str, Mail], classes: Mapping[str, str], ids: Identities) -> None:
    touched.digests[digest.path] = digest
    touched.series.update(r["id"] for r in rows)
    for r in rows:
        touched.authors.add(r["submitter_key"])
    for r in revs:
        touched.authors.add(r.key)
    touched.series.update(sid for _, _, _, sid in digest.messages if sid)
    for mid, m in by_id.items():
        cls = classes.get(mid, "")
        if cls in SUBMISSION:
            who = ids.canonical(submission_author(m, cls))
            touched.authors.add(ids.key(who))
            if who.domain:
                touched.domains.add(who.domain)
