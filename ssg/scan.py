"""``ssg scan``: read a range, parse every message, report problems and speed."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ssg.archive import Archive
from ssg.config import Config
from ssg.errors import ArchiveError, Problem, printable


@dataclass
class ScanResult:
    """What a scan found (filled while scanning)."""

    archive: str
    spec: str
    messages: int = 0
    deleted: int = 0
    empty: int = 0
    bytes: int = 0
    seconds: float = 0.0
    classes: Counter = field(default_factory=Counter)
    codes: Counter = field(default_factory=Counter)
    examples: dict[str, list[Problem]] = field(default_factory=lambda: defaultdict(list))

    def as_json(self) -> dict[str, Any]:
        return {"archive": self.archive, "range": self.spec or "all", "messages": self.messages,
                "deleted": self.deleted, "empty": self.empty, "bytes": self.bytes,
                "seconds": round(self.seconds, 3),
                "mb_per_s": round(self.bytes / 1e6 / self.seconds, 1) if self.seconds else 0,
                "messages_per_s": round(self.messages / self.seconds) if self.seconds else 0,
                "problems": {c: {"count": n, "examples": [
                    {"message_id": p.message_id, "commit": p.commit, "detail": p.detail}
                    for p in self.examples[c]]} for c, n in sorted(self.codes.items())}}

    def text(self) -> str:
        j = self.as_json()
        lines = [f"archive:  {self.archive}", f"range:    {j['range']}",
                 f"messages: {self.messages} ({self.deleted} deleted, {self.empty} empty/purged), "
                 f"{self.bytes / 1e6:.1f} MB",
                 f"time:     {self.seconds:.2f}s ({j['mb_per_s']} MB/s, {j['messages_per_s']} messages/s read+parse)",
                 f"problems: {sum(self.codes.values())} in {len(self.codes)} kinds"]
        for code, n in sorted(self.codes.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {code:<24} {n:>6}")
            for p in self.examples[code]:
                lines.append(printable(f"      <{p.message_id}> commit {p.commit[:12]}: {p.detail[:100]}"))
        return "\n".join(lines)


def scan(cfg: Config, spec: str | None, *, examples: int = 3,
         log: Callable[[str], None] = print) -> ScanResult:
    from ssg.mail import parse

    if not cfg.archive.path:
        raise ArchiveError("no archive: pass --archive PATH or set [archive] path in ssg.toml")
    result = ScanResult(cfg.archive.path, spec or "")
    t0 = time.perf_counter()
    with Archive.open(Path(cfg.archive.path)) as archive:
        rng = archive.resolve(spec)
        for raw in archive.messages(rng):
            result.messages += 1
            result.bytes += len(raw.data)
            result.deleted += raw.deleted
            if not raw.data:
                result.empty += 1
                _note(result, Problem("empty-blob", "purged (empty) message blob", commit=raw.commit), examples)
                continue
            mail = parse(raw)
            for p in mail.problems:
                _note(result, p, examples)
        for p in archive.problems:
            _note(result, p, examples)
    result.seconds = time.perf_counter() - t0
    return result


def _note(result: ScanResult, p: Problem, examples: int) -> None:
    result.codes[p.code] += 1
    if len(result.examples[p.code]) < examples:
        result.examples[p.code].append(p)
