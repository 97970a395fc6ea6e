"""File watching for ``ssg serve``: what to watch, and bursts of saves made into one batch.

``watch_targets(config)`` says which directories to watch and what a change under
each one means (a *kind*: content, theme, config, mailmap or archive).  A
``Watcher`` runs a watchdog observer over them, drops noise (editor swap files,
reads, hidden files) and hands the surviving paths to a ``Debouncer``, which calls
back once per burst, after a short quiet period, from its own single thread, so
rebuilds never overlap.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from ssg.config import Config
from ssg.errors import SsgError
from ssg.theme import BUILTIN_DIR, load_theme

KINDS = ("content", "theme", "config", "mailmap", "archive")
"""What a changed path can mean; ``Change.kinds`` holds some of these."""

IGNORED_EVENTS = frozenset({"opened", "closed_no_write"})
"""watchdog event types that are reads, not changes (the renderer's own reads)."""

_EDITOR_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak")
_EDITOR_NAMES = frozenset({"4913", ".DS_Store"})


@dataclass(frozen=True, slots=True)
class Target:
    """One directory to watch and how to read the paths changing under it."""

    path: Path
    """Absolute directory."""
    kind: str
    """One of KINDS."""
    recursive: bool = True
    """Watch the whole tree (content, theme) or only direct entries (config, refs)."""
    names: tuple[str, ...] = ()
    """For a non-recursive target: the only entry names that count (empty: all)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One debounced batch of changes."""

    paths: frozenset[Path]
    """Every changed path (both ends of a move), absolute."""
    kinds: frozenset[str]
    """The kinds of the targets they fell under."""


def theme_dirs(config: Config) -> list[Path]:
    """The theme chain's directories (overrides, theme, built-in default)."""
    try:
        return list(load_theme(config).dirs)
    except SsgError:
        return [BUILTIN_DIR / "default"]


def archive_targets(archive: Path) -> list[Target]:
    """Where a public-inbox archive's refs live: v2 ``git/N.git`` epochs or one bare repo."""
    if not archive.is_dir():
        return []
    if (archive / "git").is_dir():
        repos = sorted(p for p in (archive / "git").glob("*.git") if p.is_dir())
        out = [Target(archive / "git", "archive", recursive=False)]  # a new epoch appears
    else:
        repos, out = [archive], []
    for repo in repos:
        out.append(Target(repo, "archive", recursive=False, names=("packed-refs",)))
        if (repo / "refs").is_dir():
            out.append(Target(repo / "refs", "archive"))
    return out


def watch_targets(config: Config) -> list[Target]:
    """Everything a preview depends on: content, theme, overrides, config, mailmap, archive refs."""
    out = [Target(config.path(config.docs_dir).resolve(), "content")]
    out += [Target(d, "theme") for d in theme_dirs(config)]
    if config.theme.custom_dir:
        out.append(Target(config.path(config.theme.custom_dir).resolve(), "theme"))
    if config.config_file:
        cfg = Path(config.config_file).resolve()
        out.append(Target(cfg.parent, "config", recursive=False, names=(cfg.name,)))
    if config.people.mailmap:
        mm = Path(config.people.mailmap).resolve()
        out.append(Target(mm.parent, "mailmap", recursive=False, names=(mm.name,)))
    if config.archive.path:
        out.extend(archive_targets(Path(config.archive.path)))
    return _existing(out)


def _existing(targets: list[Target]) -> list[Target]:
    """Targets whose directory exists; a missing one is watched for from its nearest parent."""
    out: list[Target] = []
    for t in targets:
        if t.path.is_dir():
            out.append(t)
            continue
        missing = t.path
        while not missing.parent.is_dir() and missing.parent != missing:
            missing = missing.parent
        if missing.parent != missing and t.recursive:
            out.append(Target(missing.parent, t.kind, recursive=False, names=(missing.name,)))
    return list(dict.fromkeys(out))


def is_noise(rel: Path) -> bool:
    """Editor droppings and hidden files (relative to the watched directory)."""
    name = rel.name
    if name in _EDITOR_NAMES or name.endswith(_EDITOR_SUFFIXES) or name.startswith(".#"):
        return True
    return any(part.startswith(".") for part in rel.parts)


def classify(path: Path, targets: list[Target]) -> str | None:
    """The kind of the first target ``path`` falls under, or None for noise and strangers."""
    for t in targets:
        try:
            rel = path.relative_to(t.path)
        except ValueError:
            continue
        if not rel.parts:
            continue
        if not t.recursive and (len(rel.parts) != 1 or (t.names and rel.name not in t.names)):
            continue
        if t.names:
            return t.kind  # a file asked for by name (.mailmap is hidden, and wanted)
        if t.kind == "archive":
            if rel.name.endswith(".lock"):
                continue  # git's own lock files: the rename to the real name follows
            return t.kind
        if not is_noise(rel):
            return t.kind
    return None


class Debouncer:
    """Collects paths and calls ``callback(Change)`` once a burst has been quiet for ``quiet`` s.

    A burst that never quiets down is still flushed after ``max_wait`` seconds.  The
    callback runs in the debouncer's own thread, one batch at a time; paths that
    arrive meanwhile make up the next batch.
    """

    def __init__(self, callback: Callable[[Change], None], *, quiet: float = 0.1,
                 max_wait: float = 2.0) -> None:
        self.callback = callback
        self.quiet = quiet
        self.max_wait = max_wait
        self._cond = threading.Condition()
        self._paths: set[Path] = set()
        self._kinds: set[str] = set()
        self._first = 0.0
        self._last = 0.0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ssg-debounce", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def add(self, path: Path, kind: str) -> None:
        with self._cond:
            now = time.monotonic()
            if not self._paths:
                self._first = now
            self._paths.add(path)
            self._kinds.add(kind)
            self._last = now
            self._cond.notify()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join()

    def _take(self) -> Change | None:
        with self._cond:
            while not self._stopping:
                if not self._paths:
                    self._cond.wait()
                    continue
                now = time.monotonic()
                due = min(self._last + self.quiet, self._first + self.max_wait)
                if now >= due:
                    change = Change(frozenset(self._paths), frozenset(self._kinds))
                    self._paths, self._kinds = set(), set()
                    return change
                self._cond.wait(due - now)
            return None

    def _run(self) -> None:
        while (change := self._take()) is not None:
            try:
                self.callback(change)
            except Exception:  # keep watching whatever a callback does
                traceback.print_exc()


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: "Watcher") -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in IGNORED_EVENTS:
            return
        if event.is_directory and event.event_type == "modified":
            return  # an entry inside changed: that entry has its own event
        for raw in (event.src_path, getattr(event, "dest_path", "")):
            if raw:
                self.watcher.notice(Path(raw if isinstance(raw, str) else raw.decode()))


class Watcher:
    """A watchdog observer over ``targets`` feeding a Debouncer."""

    def __init__(self, targets: list[Target], callback: Callable[[Change], None], *,
                 poll: bool = False, quiet: float = 0.1) -> None:
        self.targets = list(targets)
        self.debouncer = Debouncer(callback, quiet=quiet)
        self.observer = PollingObserver(timeout=0.25) if poll else Observer()
        self.observer.name = "ssg-watch"
        self._handler = _Handler(self)
        self._lock = threading.Lock()

    def notice(self, path: Path) -> None:
        with self._lock:
            kind = classify(path, self.targets)
        if kind is not None:
            self.debouncer.add(path, kind)

    def _schedule(self) -> None:
        for t in self.targets:
            self.observer.schedule(self._handler, str(t.path), recursive=t.recursive)

    def retarget(self, targets: list[Target]) -> None:
        """Watch a new set of directories (after the config changed)."""
        with self._lock:
            self.targets = list(targets)
        self.observer.unschedule_all()
        self._schedule()

    def start(self) -> None:
        self.debouncer.start()
        self._schedule()
        self.observer.start()

    def stop(self) -> None:
        if self.observer.is_alive():
            self.observer.stop()
            self.observer.join()
        self.debouncer.stop()
