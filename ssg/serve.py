"""``ssg serve``: build into a temporary directory, serve it under the base path, live reload.

The builder is injected (``builder_factory(config, out_dir)`` returning an object
with ``full()`` and ``update(changed)``, by default ``ssg.render.Renderer``), so
the server is tested with a fake one.  Live reload is a long poll on the same
origin: ``<base>/__ssg__/livereload?epoch=N&error=S`` answers as soon as the build
epoch (the count of *successful* builds) exceeds N, or, when the client passes
``error``, as soon as the error serial differs from S (the page then shows the
error in an overlay without reloading).  The script is injected into HTML as it
is served, never written into the built files.  A failed build keeps the last
good site; HTML requests get an error page (status 500) until a build succeeds.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import shutil
import tempfile
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ssg.config import Config, load
from ssg.errors import SsgError
from ssg.preview_http import (LIVERELOAD, POLL_SECONDS, _HTTPServer,  # noqa: F401 (re-exported)
                              _SCRIPT, inject, resolve)
from ssg.watch import Change, Watcher, watch_targets


def renderer_factory(log: Callable[[str], None]) -> Callable[[Config, Path], Any]:
    """The real renderer as a builder factory (imported late: any builder will do)."""
    def make(config: Config, out_dir: Path) -> Any:
        from ssg.render import Renderer

        return Renderer(config, out_dir, log=log)
    return make


def describe(exc: BaseException) -> str:
    """One message for the terminal and the error page; located errors put file:line first."""
    if isinstance(exc, SsgError):
        return str(exc)
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-6))
    return f"{type(exc).__name__}: {exc}\n\n{tb}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True)
class Status:
    """What the browser needs to know about the builds."""

    epoch: int
    """Successful builds so far (0 until the first one succeeds)."""
    serial: int
    """Bumped by every failed build and by the success that clears an error."""
    error: str | None
    """Message of the last build when it failed, else None."""


class BuildState:
    """Build epoch and error, with a condition the long polls wait on."""

    def __init__(self) -> None:
        self.instance = secrets.token_hex(6)
        self._cond = threading.Condition()
        self._status = Status(0, 0, None)
        self._stopping = False

    @property
    def status(self) -> Status:
        with self._cond:
            return self._status

    def succeeded(self) -> None:
        with self._cond:
            s = self._status
            self._status = Status(s.epoch + 1, s.serial + (s.error is not None), None)
            self._cond.notify_all()

    def failed(self, message: str) -> None:
        with self._cond:
            s = self._status
            self._status = Status(s.epoch, s.serial + 1, message)
            self._cond.notify_all()

    def wait(self, epoch: int, serial: int | None, timeout: float) -> Status:
        """Block until the epoch exceeds ``epoch`` (or the serial differs), or timeout/stop."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._stopping:
                s = self._status
                if s.epoch > epoch or (serial is not None and s.serial != serial):
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            return self._status

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()


class PreviewServer:
    """The preview: a temporary build, an HTTP server thread, a watcher; start() and stop().

    Use as a context manager, or call start() and stop().  ``port=0`` picks a free
    port; ``url`` is the site's address (with the base path).  ``rebuild(change)``
    is what the watcher calls; tests may call it directly.
    """

    def __init__(self, config: Config, *, host: str = "127.0.0.1", port: int = 8000,
                 livereload: bool = True, poll: bool = False,
                 builder_factory: Callable[[Config, Path], Any] | None = None,
                 on_archive_change: Callable[[], None] | None = None,
                 config_loader: Callable[[], Config] | None = None,
                 log: Callable[[str], None] = print, watch: bool = True, quiet: float = 0.1) -> None:
        self.config = config
        self.host, self.port = host, port
        self.livereload = livereload
        self.poll = poll
        self.builder_factory = builder_factory or renderer_factory(log)
        self.on_archive_change = on_archive_change
        self.config_loader = config_loader or (
            (lambda: load(config.config_file)) if config.config_file else None)
        self.log = log
        self.watch = watch
        self.quiet = quiet
        self.poll_seconds = POLL_SECONDS
        self.state = BuildState()
        self.root = Path()
        self.builder: Any = None
        self.watcher: Watcher | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._build_lock = threading.Lock()
        self._pending: set[Path] = set()
        self._need_full = True
        self._stopped = False

    @property
    def base_path(self) -> str:
        return self.config.base_path

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{self.base_path}"

    def __enter__(self) -> "PreviewServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> "PreviewServer":
        """Build once, then serve and watch; returns when the site is reachable."""
        if self._httpd is not None or self._stopped:
            if self._stopped:
                raise RuntimeError("a stopped PreviewServer cannot start again")
            return self
        self.root = Path(tempfile.mkdtemp(prefix="ssg-serve-")).resolve()
        try:
            try:  # bind first: a busy port is reported before a long first build
                self._httpd = _HTTPServer((self.host, self.port), self)
            except OSError as exc:
                raise SsgError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
            self.port = self._httpd.server_address[1]
            if self.watch:  # before the first build, so edits made during it are not lost
                self.watcher = Watcher(watch_targets(self.config), self.rebuild, poll=self.poll, quiet=self.quiet)
                self.watcher.start()
            with self._build_lock:
                self._full()
            self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                            name="ssg-http", daemon=True)
            self._thread.start()
        except BaseException:
            self.stop()
            raise
        if not is_loopback(self.host):
            self.log(f"Warning: listening on {self.host}, reachable from other machines; "
                     "the preview server is meant for 127.0.0.1")
        self.log(f"Serving {self.url}" + (" with live reload" if self.livereload else ""))
        return self

    def stop(self) -> None:
        """Stop watching and serving, join every thread, remove the temporary build."""
        if self._stopped:
            return
        self._stopped = True
        if self.watcher is not None:
            self.watcher.stop()
        self.state.stop()
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
                self._thread.join()
            self._httpd.close_connections()
            self._httpd.server_close()  # joins the request threads
        if self.root != Path() and self.root.name.startswith("ssg-serve-"):
            shutil.rmtree(self.root, ignore_errors=True)

    def decorate(self, body: bytes) -> bytes:
        """HTML as served: with the live-reload script when enabled."""
        if not self.livereload:
            return body
        s = self.state.status
        url = json.dumps(self.base_path + LIVERELOAD).replace("</", "<\\/")
        script = _SCRIPT % {"epoch": s.epoch, "serial": s.serial, "instance": self.state.instance, "url": url[1:-1]}
        return inject(body, script)

    # --- building -------------------------------------------------------------------

    def _run(self, step: Callable[[], Any], what: str) -> bool:
        try:
            if self.builder is None:
                self.builder = self.builder_factory(self.config, self.root)
            report = step()
        except Exception as exc:  # the server never dies because of a build
            message = describe(exc)
            self.state.failed(message)
            self.log(f"Build failed: {message}")
            return False
        self.state.succeeded()
        problems = tuple(getattr(report, "problems", ()) or ())
        seconds = getattr(report, "seconds", None)
        took = f" in {seconds:.2f}s" if isinstance(seconds, (int, float)) else ""
        self.log(f"Built ({what}){took}" + (f", {len(problems)} problem(s)" if problems else ""))
        return True

    def _full(self) -> bool:
        ok = self._run(lambda: self.builder.full(), "full")
        self._need_full = not ok
        if ok:
            self._pending.clear()
        return ok

    def rebuild(self, change: Change) -> bool:
        """React to one debounced batch of changes; True when the site was rebuilt fine."""
        with self._build_lock:
            if self._stopped:
                return False
            kinds = change.kinds
            if kinds & {"archive", "mailmap"} and self.on_archive_change is not None:
                self.log("Archive changed: writing the draft digest")
                try:
                    self.on_archive_change()
                except Exception as exc:
                    self.state.failed(describe(exc))
                    self.log(f"Digest failed: {describe(exc)}")
            if "config" in kinds and self.config_loader is not None:
                try:
                    self.config = self.config_loader()
                except Exception as exc:
                    self.state.failed(describe(exc))
                    self.log(f"Config not reloaded: {describe(exc)}")
                    return False
                self.builder, self._need_full = None, True
            if self._retarget() and "theme" in kinds:
                self.builder, self._need_full = None, True  # a theme directory appeared or went
            paths = {p for p in change.paths if "archive" not in kinds or not _under_archive(p, self.config)}
            if self._need_full:
                return self._full()
            if not paths and not self._pending:
                return self.state.status.error is None
            changed = paths | self._pending
            ok = self._run(lambda: self.builder.update(changed), f"{len(changed)} changed")
            self._pending = set() if ok else changed
            return ok

    def _retarget(self) -> bool:
        """Watch what the (maybe new) config names; True when the watched set changed."""
        if self.watcher is None:
            return False
        targets = watch_targets(self.config)
        if targets == self.watcher.targets:
            return False
        self.watcher.retarget(targets)
        return True


def _under_archive(path: Path, config: Config) -> bool:
    return bool(config.archive.path) and Path(config.archive.path).resolve() in path.parents


def serve(config: Config, *, host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          livereload: bool = True, poll: bool = False,
          builder_factory: Callable[[Config, Path], Any] | None = None,
          on_archive_change: Callable[[], None] | None = None, log: Callable[[str], None] = print,
          config_loader: Callable[[], Config] | None = None,
          stop_event: threading.Event | None = None) -> None:
    """Serve a live preview until Ctrl-C (KeyboardInterrupt) or ``stop_event`` is set."""
    server = PreviewServer(config, host=host, port=port, livereload=livereload, poll=poll,
                           builder_factory=builder_factory, on_archive_change=on_archive_change,
                           config_loader=config_loader, log=log)
    stop_event = stop_event or threading.Event()
    try:
        server.start()
        if open_browser:
            webbrowser.open(server.url)
        while not stop_event.wait(0.5):
            pass
    except KeyboardInterrupt:
        log("Stopping")
    finally:
        server.stop()
