"""ssg serve: a real loopback socket on port 0, an injected fake builder, threads joined."""

from __future__ import annotations

import http.client
import json
import os
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssg import config as cfg
from ssg.errors import Problem, RenderError
from ssg.serve import PreviewServer, inject, resolve, serve
from ssg.watch import Change, Debouncer, classify, watch_targets

SCRIPT_MARK = b"ssg live reload"


@dataclass
class Report:
    problems: tuple = ()
    seconds: float = 0.01


class FakeBuilder:
    """Renders content/*.md as trivial HTML; ``fail`` makes the next builds raise it."""

    def __init__(self, config: cfg.Config, out_dir: Path) -> None:
        self.config, self.out = config, out_dir
        self.fail: Exception | None = None
        self.fulls = 0
        self.updates: list[set[Path]] = []

    def _page(self, rel: str, text: str) -> None:
        f = self.out / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(f"<!doctype html><html><head><title>t</title></head><body><p>{text}</p></body></html>")

    def _content(self) -> None:
        docs = self.config.path(self.config.docs_dir)
        for md in sorted(docs.glob("*.md")) if docs.is_dir() else ():
            rel = "index.html" if md.stem == "index" else f"{md.stem}/index.html"
            self._page(rel, md.read_text())

    def full(self) -> Report:
        if self.fail:
            raise self.fail
        self.fulls += 1
        self._page("index.html", "home page")
        self._page("sub/index.html", "sub page")
        self._page("404.html", "site own not found page")
        (self.out / "assets").mkdir(exist_ok=True)
        (self.out / "assets" / "style.css").write_text("body{color:red}")
        self._content()
        return Report(problems=(Problem("bad-link", "missing page", path="content/x.md", line=3),))

    def update(self, changed: set[Path]) -> Report:
        if self.fail:
            raise self.fail
        self.updates.append(set(changed))
        self._content()
        return Report()


@pytest.fixture
def site(tmp_path: Path) -> cfg.Config:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "page.md").write_text("first text")
    (tmp_path / "overrides").mkdir()
    return cfg.build({"site_url": "https://example.org/demo/"}, root=str(tmp_path))


class Harness:
    def __init__(self, config: cfg.Config, **kw) -> None:
        self.builders: list[FakeBuilder] = []
        self.logs: list[str] = []

        def factory(c, out):
            b = FakeBuilder(c, out)
            self.builders.append(b)
            return b

        kw.setdefault("watch", False)
        self.server = PreviewServer(config, port=0, builder_factory=factory, log=self.logs.append, **kw)

    @property
    def builder(self) -> FakeBuilder:
        return self.builders[-1]

    def request(self, method: str, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            return r.status, dict(r.getheaders()), r.read()
        finally:
            conn.close()

    def raw(self, target: bytes) -> tuple[int, bytes]:
        with socket.create_connection(("127.0.0.1", self.server.port), timeout=10) as s:
            s.sendall(b"GET " + target + b" HTTP/1.0\r\nHost: x\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        return int(head.split()[1]), body


@pytest.fixture
def harness(site):
    before = set(threading.enumerate())
    h = Harness(site)
    h.server.start()
    yield h
    h.server.stop()
    left = [t for t in threading.enumerate() if t not in before]
    assert not left, f"threads left behind: {left}"


def change(*paths: Path, kinds=("content",)) -> Change:
    return Change(frozenset(paths), frozenset(kinds))


# --- methods, types, mounting ----------------------------------------------------------


def test_get_and_head(harness):
    status, headers, body = harness.request("GET", "/demo/")
    assert status == 200 and b"home page" in body
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert int(headers["Content-Length"]) == len(body)
    status, headers2, body = harness.request("HEAD", "/demo/")
    assert status == 200 and body == b""
    assert headers2["Content-Length"] == headers["Content-Length"]
    status, headers, body = harness.request("GET", "/demo/assets/style.css")
    assert status == 200 and headers["Content-Type"].startswith("text/css") and body == b"body{color:red}"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "FOO"])
def test_other_methods_are_405(harness, method):
    status, headers, _ = harness.request(method, "/demo/")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_base_path_mount_and_redirects(harness):
    assert harness.server.url.endswith("/demo/")
    for path, where in [("/", "/demo/"), ("/demo", "/demo/"), ("/demo/sub", "/demo/sub/"),
                        ("/demo/sub?x=1", "/demo/sub/?x=1")]:
        status, headers, _ = harness.request("GET", path)
        assert (status, headers["Location"]) == (302, where), path
    status, _, body = harness.request("GET", "/sub/")
    assert status == 404 and b"/demo/" in body
    status, _, body = harness.request("GET", "/demo/sub/")
    assert status == 200 and b"sub page" in body


def test_404_uses_the_site_page(harness):
    status, headers, body = harness.request("GET", "/demo/nope/")
    assert status == 404 and b"site own not found page" in body and SCRIPT_MARK in body


# --- safety -----------------------------------------------------------------------------

TRAVERSALS = [
    b"/demo/../{secret}", b"/demo/%2e%2e/{secret}", b"/demo/%2E%2E/{secret}", b"/demo/.%2e/{secret}",
    b"/demo/%2e%2e%2f{secret}", b"/demo/..%2f{secret}", b"/demo/..%2F{secret}", b"/demo/%252e%252e/{secret}",
    b"/demo/%252e%252e%252f{secret}", b"/demo/..%5c{secret}", b"/demo/..\\{secret}", b"/demo\\..\\{secret}",
    b"/demo/%c0%ae%c0%ae/{secret}", b"/demo/../../../../../../..{root}/{secret}", b"//{root}/{secret}",
    b"/demo//{root}/{secret}", b"/demo/%2f{root}/{secret}", b"/demo/link-out", b"/demo/link-dir/{secret}",
    b"/demo/./../{secret}", b"/demo/%00/../{secret}", b"/demo/\x00/{secret}", b"http://x/demo/../{secret}",
    b"/demo/sub/../../{secret}", b"/demo/%2e%2e%5c{secret}",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_outside_the_site(harness, target):
    root = harness.server.root
    secret = root.parent / f"{root.name}-secret.txt"
    secret.write_text("TOP SECRET CONTENT")
    try:
        os.symlink(secret, root / "link-out")
        os.symlink(root.parent, root / "link-dir")
        raw = target.replace(b"{secret}", secret.name.encode()).replace(b"{root}", str(root.parent).encode())
        status, body = harness.raw(raw)
        assert status in (400, 404), raw
        assert b"TOP SECRET" not in body
    finally:
        secret.unlink()


@pytest.mark.parametrize("target, kind", [
    ("/demo/a/b.html?q=../x", "missing"), ("/demo/%61", "missing"), ("/demo/x%2fy", "bad"),
    ("/demo/%25", "bad"), ("demo/", "bad"), ("/", "redirect"), ("/elsewhere", "outside"),
])
def test_resolve_table(tmp_path, target, kind):
    assert resolve(tmp_path.resolve(), "/demo/", target).kind == kind


def test_resolve_encoded_base(tmp_path):
    (tmp_path / "index.html").write_text("x")
    root = tmp_path.resolve()
    assert resolve(root, "/my%20site/", "/my%20site/").kind == "file"
    assert resolve(root, "/my%20site/", "/my%20site") == resolve(root, "/my%20site/", "/")
    assert resolve(root, "/my%20site/", "/").location == "/my%20site/"


def test_slow_client_blocks_nobody(harness):
    with socket.create_connection(("127.0.0.1", harness.server.port)) as slow:
        slow.sendall(b"GET /demo/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half: ")
        t0 = time.monotonic()
        status, _, body = harness.request("GET", "/demo/sub/")
        assert status == 200 and time.monotonic() - t0 < 1.0
        t0 = time.monotonic()
        harness.server.stop()  # cuts the half-sent request instead of waiting for its timeout
        assert time.monotonic() - t0 < 2.0


def test_200_concurrent_clients(harness):
    deadline = time.monotonic() + 3.0
    paths = ["/demo/", "/demo/sub/", "/demo/assets/style.css", "/demo/page/"]

    def client(i: int) -> tuple[int, int]:
        ok = bad = 0
        n = 0
        while time.monotonic() < deadline and n < 200:
            n += 1
            try:
                status, _, body = harness.request("GET", paths[(i + n) % len(paths)])
                ok += status == 200 and len(body) > 0
                bad += status != 200
            except OSError:
                bad += 1
        return ok, bad

    with ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(client, range(200)))
    ok, bad = sum(r[0] for r in results), sum(r[1] for r in results)
    print(f"\n200 concurrent clients, 3 s: {ok} responses, {bad} errors")
    assert bad == 0 and ok >= 200


# --- live reload --------------------------------------------------------------------------


def test_script_injected_only_when_served(harness):
    _, _, body = harness.request("GET", "/demo/")
    assert SCRIPT_MARK in body and body.index(SCRIPT_MARK) < body.rindex(b"</body>")
    assert SCRIPT_MARK not in (harness.server.root / "index.html").read_bytes()
    _, _, css = harness.request("GET", "/demo/assets/style.css")
    assert SCRIPT_MARK not in css


def test_no_livereload_serves_pages_unmodified(site):
    h = Harness(site, livereload=False)
    with h.server:
        _, _, body = h.request("GET", "/demo/")
        assert body == (h.server.root / "index.html").read_bytes()
        assert h.request("GET", "/demo/__ssg__/livereload?epoch=0")[0] == 404


def test_inject_without_body_tag():
    assert inject(b"<p>x</p>", "<s>") == b"<p>x</p><s>"
    assert inject(b"<BODY>a</BODY>", "<s>") == b"<BODY>a<s></BODY>"


def poll(h: Harness, query: str) -> tuple[dict, float]:
    t0 = time.monotonic()
    status, headers, body = h.request("GET", f"/demo/__ssg__/livereload?{query}")
    assert status == 200 and headers["Content-Type"] == "application/json"
    return json.loads(body), time.monotonic() - t0


def test_long_poll_wakes_on_success_not_on_failure(harness, site):
    s = harness.server
    s.poll_seconds = 1.0
    epoch = s.state.status.epoch
    assert epoch == 1
    data, waited = poll(harness, f"epoch={epoch}")  # nothing happens: times out
    assert data["epoch"] == epoch and waited >= 0.9

    harness.builder.fail = RenderError("boom", location="overrides/base.html:7")
    s.poll_seconds = 30.0
    box = {}
    t = threading.Thread(target=lambda: box.update(r=poll(harness, f"epoch={epoch}")))
    t.start()
    time.sleep(0.2)
    assert not s.rebuild(change(Path(site.root) / "content" / "page.md"))
    t.join(0.5)
    assert t.is_alive(), "a failed build must not wake the reload poll"

    harness.builder.fail = None
    t0 = time.monotonic()
    assert s.rebuild(change(Path(site.root) / "content" / "page.md"))
    t.join(5)
    data, _ = box["r"]
    assert data["epoch"] == epoch + 1 and data["error"] is None
    assert time.monotonic() - t0 < 1.0


def test_long_poll_reports_errors_to_a_client_that_asks(harness, site):
    s = harness.server
    st = s.state.status
    harness.builder.fail = RenderError("unexpected '}'", location="overrides/base.html:3")
    s.rebuild(change(Path(site.root) / "overrides" / "base.html", kinds=("theme",)))
    data, waited = poll(harness, f"epoch={st.epoch}&error={st.serial}")
    assert waited < 1 and data["epoch"] == st.epoch and "overrides/base.html:3" in data["error"]


def test_other_instance_returns_at_once(harness):
    data, waited = poll(harness, "epoch=1&instance=deadbeef")
    assert waited < 1 and data["instance"] != "deadbeef"


def test_error_page_and_recovery(harness, site):
    s = harness.server
    harness.builder.fail = RenderError("unexpected '}' <script>alert(1)</script>",
                                       location="overrides/base.html:3")
    assert not s.rebuild(change(Path(site.root) / "overrides" / "base.html", kinds=("theme",)))
    assert any("overrides/base.html:3" in line for line in harness.logs)
    status, _, body = harness.request("GET", "/demo/", headers={"Accept": "text/html"})
    assert status == 500 and b"overrides/base.html:3: unexpected" in body and SCRIPT_MARK in body
    assert b"<script>alert(1)" not in body and b"&lt;script&gt;alert(1)" in body
    status, _, css = harness.request("GET", "/demo/assets/style.css")
    assert status == 200 and css == b"body{color:red}"  # last good site still served
    status, _, body = harness.request("GET", "/demo/missing/", headers={"Accept": "text/html"})
    assert status == 500

    (Path(site.root) / "content" / "page.md").write_text("fixed text")
    harness.builder.fail = None
    assert s.rebuild(change(Path(site.root) / "overrides" / "base.html", kinds=("theme",)))
    status, _, body = harness.request("GET", "/demo/page/")
    assert status == 200 and b"fixed text" in body
    # the change seen while broken is not forgotten
    assert Path(site.root) / "overrides" / "base.html" in harness.builder.updates[-1]


def test_any_exception_is_a_build_error(harness, site):
    harness.builder.fail = ZeroDivisionError("division by zero")
    assert not harness.server.rebuild(change(Path(site.root) / "content" / "page.md"))
    status, _, body = harness.request("GET", "/demo/")
    assert status == 500 and b"ZeroDivisionError" in body


def test_initial_failure_then_full_build(site):
    h = Harness(site)
    orig = FakeBuilder.full
    calls = []

    def flaky(self):
        calls.append(1)
        if len(calls) == 1:
            raise RenderError("bad front matter", location="content/page.md:2")
        return orig(self)

    FakeBuilder.full = flaky
    try:
        with h.server:
            status, _, body = h.request("GET", "/demo/", headers={"Accept": "text/html"})
            assert status == 500 and b"content/page.md:2" in body
            assert h.server.rebuild(change(Path(site.root) / "content" / "page.md"))
            assert len(calls) == 2 and h.request("GET", "/demo/")[0] == 200
    finally:
        FakeBuilder.full = orig


def test_config_change_reloads_and_builds_fully(site, tmp_path):
    new = cfg.build({"site_url": "https://example.org/other/"}, root=site.root)
    h = Harness(site, config_loader=lambda: new)
    with h.server:
        assert h.server.rebuild(change(tmp_path / "ssg.toml", kinds=("config",)))
        assert len(h.builders) == 2 and h.builder.config is new and h.builder.fulls == 1
        assert h.request("GET", "/other/")[0] == 200 and h.request("GET", "/demo/")[0] == 404


# --- watching -------------------------------------------------------------------------------


def wait_for(pred, timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


@pytest.mark.parametrize("poll_fs", [False, True])
def test_debounce_ten_saves_one_rebuild(site, poll_fs):
    h = Harness(site, watch=True, poll=poll_fs, quiet=0.1 if not poll_fs else 0.6)
    page = Path(site.root) / "content" / "page.md"
    with h.server:
        time.sleep(0.3)
        for i in range(10):
            page.write_text(f"save {i}")
            time.sleep(0.01)
        assert wait_for(lambda: h.builder.updates, 5)
        time.sleep(0.5 if not poll_fs else 1.5)
        assert len(h.builder.updates) == 1 and page in h.builder.updates[0]
        assert b"save 9" in h.request("GET", "/demo/page/")[2]


def test_editor_noise_and_reads_do_not_rebuild(site):
    h = Harness(site, watch=True)
    content = Path(site.root) / "content"
    with h.server:
        time.sleep(0.3)
        (content / ".page.md.swp").write_text("x")
        (content / "page.md~").write_text("x")
        (content / "page.md").read_text()
        time.sleep(0.5)
        assert h.builder.updates == []


def test_debouncer_flushes_a_burst_that_never_quiets():
    got = []
    d = Debouncer(got.append, quiet=0.2, max_wait=0.5)
    d.start()
    try:
        end = time.monotonic() + 1.2
        while time.monotonic() < end:
            d.add(Path("/x"), "content")
            time.sleep(0.05)
        assert 1 <= len(got) <= 3
    finally:
        d.stop()


def make_bare(path: Path) -> Path:
    (path / "refs" / "heads").mkdir(parents=True)
    (path / "objects").mkdir()
    (path / "HEAD").write_text("ref: refs/heads/master\n")
    return path


@pytest.mark.parametrize("layout", ["bare", "v2"])
def test_archive_ref_change_calls_digest_then_rebuilds(tmp_path, layout):
    (tmp_path / "content").mkdir()
    if layout == "bare":
        repo = make_bare(tmp_path / "list.git")
        archive = repo
    else:
        archive = tmp_path / "inbox"
        repo = make_bare(archive / "git" / "0.git")
    config = cfg.build({"site_url": "https://example.org/demo/", "archive": {"path": str(archive)}},
                       root=str(tmp_path))
    calls = []

    def digest():
        calls.append(time.monotonic())
        (tmp_path / "content" / "draft.md").write_text("new digest")

    h = Harness(config, watch=True, on_archive_change=digest)
    with h.server:
        time.sleep(0.3)
        (repo / "objects" / "ab").mkdir()  # objects are not refs: nothing happens
        time.sleep(0.4)
        assert calls == []
        lock = repo / "refs" / "heads" / "master.lock"
        lock.write_text("0" * 40 + "\n")
        os.replace(lock, repo / "refs" / "heads" / "master")
        assert wait_for(lambda: calls, 5)
        assert wait_for(lambda: b"new digest" in h.request("GET", "/demo/draft/")[2], 5)
        packed = repo / "packed-refs"
        packed.write_text("# pack-refs\n")
        assert wait_for(lambda: len(calls) == 2, 5)


def test_watch_targets_and_classify(tmp_path):
    (tmp_path / "content").mkdir()
    (tmp_path / "ssg.toml").write_text('site_url = "https://e.org/x/"\n[people]\nmailmap = "people/.mailmap"\n')
    (tmp_path / "people").mkdir()
    config = cfg.load(tmp_path / "ssg.toml")
    targets = watch_targets(config)
    kinds = {t.kind for t in targets}
    assert {"content", "theme", "config", "mailmap"} <= kinds
    assert classify(tmp_path / "ssg.toml", targets) == "config"
    assert classify(tmp_path / "other.toml", targets) is None
    assert classify(tmp_path / "people" / ".mailmap", targets) == "mailmap"
    assert classify(tmp_path / "content" / "a" / "b.md", targets) == "content"
    assert classify(tmp_path / "content" / ".git" / "x", targets) is None
    # overrides/ does not exist yet: its creation is still seen
    assert classify(tmp_path / "overrides", targets) == "theme"


# --- lifecycle --------------------------------------------------------------------------------


def test_stop_joins_threads_and_removes_temp_dir(site):
    before = set(threading.enumerate())
    h = Harness(site, watch=True)
    h.server.start()
    root = h.server.root
    assert root.is_dir() and root.name.startswith("ssg-serve-")
    waiter = threading.Thread(target=lambda: h.request("GET", "/demo/__ssg__/livereload?epoch=1"))
    waiter.start()
    time.sleep(0.2)
    t0 = time.monotonic()
    h.server.stop()
    waiter.join(5)
    assert time.monotonic() - t0 < 3
    assert not root.exists()
    assert [t for t in threading.enumerate() if t not in before] == []
    h.server.stop()  # idempotent


def test_serve_blocks_until_stop_event(site):
    before = set(threading.enumerate())
    stop = threading.Event()
    logs: list[str] = []
    t = threading.Thread(target=serve, args=(site,), kwargs=dict(
        port=0, builder_factory=FakeBuilder, log=logs.append, stop_event=stop))
    t.start()
    assert wait_for(lambda: any(line.startswith("Serving http://127.0.0.1:") for line in logs))
    stop.set()
    t.join(5)
    assert not t.is_alive()
    assert [x for x in threading.enumerate() if x not in before] == []


def test_warns_on_non_loopback(site):
    h = Harness(site, host="0.0.0.0")
    with h.server:
        assert any("Warning" in line and "0.0.0.0" in line for line in h.logs)


def test_port_in_use_is_a_clear_error(site):
    from ssg.errors import SsgError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        h = Harness(site)
        h.server.port = s.getsockname()[1]
        with pytest.raises(SsgError, match="cannot listen"):
            h.server.start()
        assert not h.server.root.exists()


def test_cli_serve_stops_cleanly_on_ctrl_c(tmp_path):
    """The real command in a subprocess: serves, then SIGINT exits 0 and leaves no temp build."""
    import signal
    import subprocess
    import sys

    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "index.md").write_text("---\ntitle: Home\n---\n# Home\n\nHello.\n")
    (tmp_path / "ssg.toml").write_text('site_name = "T"\nsite_url = "https://example.org/demo/"\n')
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    env = dict(os.environ, TMPDIR=str(tmpdir), PYTHONUNBUFFERED="1", PYTHONFAULTHANDLER="1")
    # default SIGINT in the child: a test run started in the background (``cmd &`` in a script)
    # ignores SIGINT, and an ignored signal stays ignored across exec
    proc = subprocess.Popen([sys.executable, "-m", "ssg", "serve", "-a", "127.0.0.1:0",
                             "-f", str(tmp_path / "ssg.toml")], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = ""
        end = time.monotonic() + 30
        lines = []
        while time.monotonic() < end and not url:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Serving http://"):
                url = line.split()[1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/demo/"), lines
        assert [p.name for p in tmpdir.iterdir()][0].startswith("ssg-serve-")
        host, port = url[7:].split("/")[0].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/demo/")
        r = conn.getresponse()
        body = r.read()
        conn.close()
        assert r.status in (200, 500) and SCRIPT_MARK in body  # 500: the renderer's error page
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(20) == 0
        except subprocess.TimeoutExpired:  # show where it hangs: faulthandler dumps every thread on SIGABRT
            proc.send_signal(signal.SIGABRT)
            rest = proc.communicate(timeout=10)[0]
            pytest.fail(f"serve did not stop on SIGINT within 20 s; its threads:\n{rest[-6000:]}")
        assert list(tmpdir.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_start_twice_is_harmless_and_restart_is_refused(site):
    h = Harness(site)
    with h.server:
        assert h.server.start() is h.server
        assert h.request("GET", "/demo/")[0] == 200
    with pytest.raises(RuntimeError):
        h.server.start()
