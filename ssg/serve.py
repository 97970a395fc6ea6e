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

import html
import ipaddress
import json
import mimetypes
import secrets
import shutil
import sys
import socket
import socketserver
import tempfile
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from ssg.config import Config, load
from ssg.errors import SsgError
from ssg.watch import Change, Watcher, watch_targets

LIVERELOAD = "__ssg__/livereload"
"""Long-poll endpoint, relative to the base path."""
POLL_SECONDS = 25.0
"""How long a long poll waits before answering 'nothing new'."""
SOCKET_TIMEOUT = 10.0
"""Per-connection socket timeout: a client that stops sending is dropped after this."""

_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".json": "application/json",
          ".xml": "application/xml", ".atom": "application/atom+xml", ".svg": "image/svg+xml",
          ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8",
          ".woff2": "font/woff2", ".woff": "font/woff", ".ico": "image/x-icon",
          ".png": "image/png", ".webp": "image/webp", ".jpg": "image/jpeg"}

_SCRIPT = """<script>/* ssg live reload (injected by ssg serve, not part of the site) */
(function () {
  var epoch = %(epoch)d, serial = %(serial)d, instance = "%(instance)s";
  var url = "%(url)s", ctl = null, retry = null;
  function overlay(text) {
    var box = document.getElementById("ssg-build-error");
    if (!text) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("pre"); box.id = "ssg-build-error";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50%%;overflow:auto;" +
        "margin:0;padding:1em;background:#300;color:#fdd;font:13px monospace;z-index:2147483647;" +
        "white-space:pre-wrap";
      document.body.appendChild(box);
    }
    box.textContent = "Build failed (the page shows the last good build):\\n" + text;
  }
  function poll() {
    if (ctl || document.hidden) return;
    clearTimeout(retry);
    ctl = window.AbortController ? new AbortController() : null;
    var q = url + "?epoch=" + epoch + "&error=" + serial + "&instance=" + instance;
    fetch(q, {cache: "no-store", signal: ctl && ctl.signal}).then(function (r) {
      if (!r.ok) throw new Error(r.status);
      return r.json();
    }).then(function (d) {
      ctl = null;
      if (d.instance !== instance || d.epoch > epoch) { location.reload(); return; }
      if (d.serial !== serial) { serial = d.serial; overlay(d.error); }
      poll();
    }).catch(function () { ctl = null; retry = setTimeout(poll, 1000); });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) { if (ctl) { ctl.abort(); ctl = null; } clearTimeout(retry); }
    else poll();
  });
  poll();
})();
</script>"""

_ERROR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Build error · ssg serve</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2em;background:#fff8f8;color:#222}
pre{background:#300;color:#fdd;padding:1em;overflow:auto;white-space:pre-wrap}</style></head>
<body><h1>Build error</h1>
<p>The last build failed; fix the file named below and this page reloads by itself.</p>
<pre id="ssg-error">%(message)s</pre>
</body></html>"""


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


def inject(body: bytes, script: str) -> bytes:
    """Insert ``script`` before the last ``</body>`` (or append it)."""
    at = body.lower().rfind(b"</body>")
    data = script.encode("utf-8")
    return body + data if at < 0 else body[:at] + data + body[at:]


@dataclass(frozen=True, slots=True)
class Resolved:
    """Where a request path leads: a file, a redirect, not found, or a bad request."""

    kind: str
    """``file``, ``redirect``, ``missing``, ``outside`` (not under the base path), ``bad``."""
    file: Path | None = None
    location: str = ""


_BAD_ESCAPES = ("%2f", "%5c", "%00", "%25")
"""Encoded slash, backslash, NUL, and an encoded ``%`` (double encoding): never legitimate here."""


def resolve(root: Path, base: str, target: str) -> Resolved:
    """Map a request target to a file strictly inside ``root`` (already resolved)."""
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    lowered = path.lower()
    if not path.startswith("/") or path.startswith("//") or "\\" in path \
            or any(e in lowered for e in _BAD_ESCAPES):
        return Resolved("bad")
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return Resolved("bad")
    if any(ch < " " or ch in "\x7f\\" for ch in decoded):
        return Resolved("bad")
    if any(seg in (".", "..") for seg in decoded.split("/")):
        return Resolved("bad")
    mount = unquote(base)
    if decoded in ("/", mount.rstrip("/")) and decoded != mount:
        return Resolved("redirect", location=base)
    if not decoded.startswith(mount):
        return Resolved("outside")
    parts = [s for s in decoded[len(mount):].split("/") if s]
    try:
        real = root.joinpath(*parts).resolve()
        if not real.is_relative_to(root):
            return Resolved("missing")
        if real.is_dir():
            if not path.endswith("/"):
                return Resolved("redirect", location=path + "/" + (f"?{query}" if query else ""))
            real = (real / "index.html").resolve()
            if not real.is_relative_to(root):
                return Resolved("missing")
        if real.is_file():
            return Resolved("file", file=real)
    except (OSError, ValueError, RuntimeError):
        return Resolved("bad")
    return Resolved("missing")


class _Handler(BaseHTTPRequestHandler):
    """GET and HEAD over the built site; everything else is 405."""

    server: "_HTTPServer"
    protocol_version = "HTTP/1.0"
    timeout = SOCKET_TIMEOUT
    server_version = "ssg-serve"

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def _not_allowed(self) -> None:
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"405 Method Not Allowed\n", "text/plain; charset=utf-8",
                   extra={"Allow": "GET, HEAD"})

    def do_GET(self) -> None:
        self._serve()

    def do_HEAD(self) -> None:
        self._serve()

    def _send(self, status: int, body: bytes, ctype: str, *, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self) -> None:
        preview = self.server.preview
        base = preview.base_path
        if self.path.partition("?")[0] == base + LIVERELOAD and preview.livereload:
            return self._livereload(self.path.partition("?")[2])
        res = resolve(preview.root, base, self.path)
        if res.kind == "bad":
            return self._send(HTTPStatus.BAD_REQUEST, b"400 Bad Request\n", "text/plain; charset=utf-8")
        if res.kind == "redirect":
            return self._send(HTTPStatus.FOUND, b"", "text/plain", extra={"Location": res.location})
        html_wanted = (res.file.suffix == ".html") if res.file else "text/html" in self.headers.get("Accept", "")
        error = preview.state.status.error
        if error is not None and html_wanted:
            body = (_ERROR_PAGE % {"message": html.escape(error)}).encode("utf-8")
            return self._send(HTTPStatus.INTERNAL_SERVER_ERROR, preview.decorate(body), _TYPES[".html"])
        if res.kind == "outside":
            msg = f"404 Not Found: the site is served under {base}\n".encode("utf-8")
            return self._send(HTTPStatus.NOT_FOUND, msg, "text/plain; charset=utf-8")
        status, file = HTTPStatus.OK, res.file
        if file is None:
            status, file = HTTPStatus.NOT_FOUND, preview.root / "404.html"
            if not file.is_file():
                return self._send(status, b"404 Not Found\n", "text/plain; charset=utf-8")
        try:
            body = file.read_bytes()
        except OSError:  # removed by a rebuild between resolving and reading
            return self._send(HTTPStatus.NOT_FOUND, b"404 Not Found\n", "text/plain; charset=utf-8")
        ctype = _TYPES.get(file.suffix.lower()) or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
        if file.suffix.lower() == ".html":
            body = preview.decorate(body)
        self._send(status, body, ctype)

    def _livereload(self, query: str) -> None:
        state = self.server.preview.state
        q = parse_qs(query)
        try:
            epoch = int(q.get("epoch", ["-1"])[0])
            serial = int(q["error"][0]) if "error" in q else None
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b"400 Bad Request\n", "text/plain; charset=utf-8")
        same = q.get("instance", [state.instance])[0] == state.instance
        timeout = self.server.preview.poll_seconds if same and self.command == "GET" else 0
        s = state.wait(epoch, serial, timeout)
        body = json.dumps({"epoch": s.epoch, "serial": s.serial, "error": s.error,
                           "instance": state.instance}).encode("utf-8")
        self._send(HTTPStatus.OK, body, "application/json")


class _HTTPServer(ThreadingHTTPServer):
    """Threaded server that knows its open connections, so stop() can cut them."""

    daemon_threads = True
    request_queue_size = 512

    def __init__(self, address: tuple[str, int], preview: "PreviewServer") -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.preview = preview
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:  # skip HTTPServer's getfqdn() (a DNS lookup)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away
        super().handle_error(request, client_address)


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
