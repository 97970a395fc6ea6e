"""The preview server's HTTP layer: safe static serving of the built site, the
live-reload long poll, and the error page (used by ``ssg.serve``)."""

from __future__ import annotations

import html
import json
import mimetypes
import socket
import socketserver
import sys
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

if TYPE_CHECKING:
    from ssg.serve import PreviewServer

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
