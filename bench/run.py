"""Benchmark harness for issue 8: ssg on the real archive, side by side with its anchors.

    .venv/bin/python bench/run.py [--quick] [--runs N] [--archive PATH] [--workdir DIR]
                                  [--only full,incremental,render,preview,read,parse,mhonarc,profile]

The archive is ``--archive``, else $SSG_REAL_ARCHIVE, else ../shared/archives/linux-hyperv.git
relative to the repository root.  Everything is created under ``--workdir`` (default
bench/results/, gitignored); the figures are printed as a table and written to
``<workdir>/latest.json``.  See bench/README.md for what each figure means.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import anchors  # noqa: E402

PY = sys.executable
SITE_URL = "https://example.org/hyperv/"
SETTLE = 40.0
"""Seconds between deleting the previous full build and timing the next (``Bench._settled``)."""
RESTORE_SETTLE = 2.0
"""Seconds between restoring the saved site and timing a +300-message build (``Bench._restore``)."""
SECTIONS = ("read", "parse", "full", "render", "preview", "profile", "incremental", "mhonarc")


# --- measuring ------------------------------------------------------------------------

def load() -> float:
    return round(os.getloadavg()[0], 2)


def summary(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        p = todo.pop()
        pids.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                todo.extend(int(c) for c in Path(f"/proc/{p}/task/{task}/children").read_text().split())
        except OSError:
            pass
    return pids


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def timed(cmd: list[str], cwd: Path, *, memory: bool = False, check: bool = True) -> dict[str, Any]:
    """Wall seconds, CPU seconds of the whole process tree (user + system, from wait4: the
    children ssg forked and reaped count), max RSS of the biggest process (wait4's ru_maxrss) and, with ``memory``,
    the peak PSS summed over the whole process tree (sampled every 50 ms; forked workers count)."""
    peak = [0]
    done = threading.Event()
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)

        def sample() -> None:
            while not done.wait(0.05):
                peak[0] = max(peak[0], sum(_pss_kb(p) for p in _tree(proc.pid)))

        sampler = threading.Thread(target=sample, daemon=True)
        if memory:
            sampler.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        if memory:
            sampler.join()
        out.seek(0)
        text = out.read().decode(errors="replace")
    res = {"seconds": wall, "maxrss_mb": rusage.ru_maxrss / 1024,
           "cpu_seconds": rusage.ru_utime + rusage.ru_stime,  # (wait4: the process and every child it reaped)
           "tree_pss_mb": peak[0] / 1024 if memory else None, "rc": proc.returncode}
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:5])}… exited {proc.returncode}: {text.strip()[-600:]}")
    return res


def git(git_dir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={git_dir}", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def discard(path: Path) -> None:
    """Move ``path`` into the trash beside it, for ``empty_trash`` once nothing is being timed.

    On a file system like this machine's (ext4 without a journal) creating a file scans past
    every inode freed in the last minute or so (five when not yet written back): right after
    deleting a site of ~24,000 files, staging 150 pages took 0.1 s instead of 5 ms.  A user's
    build follows the last one by minutes or hours, not a deletion of the whole site."""
    if path.exists():
        trash = path.parent / "trash"
        trash.mkdir(exist_ok=True)
        path.rename(trash / f"{path.name}-{os.getpid()}-{time.monotonic_ns()}")


def empty_trash(work: Path) -> None:
    shutil.rmtree(work / "trash", ignore_errors=True)


def site_dir(path: Path, archive: Path | None, *, keep: bool = False) -> Path:
    """A fresh site directory with an ssg.toml (pointing at ``archive`` when given); an old
    one is deleted, or moved to the trash when ``keep`` (``discard``)."""
    if keep:
        discard(path)
    elif path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    toml = f'site_name = "linux-hyperv digest"\nsite_url = "{SITE_URL}"\n'
    if archive is not None:
        toml += (f'[archive]\npath = "{archive}"\nlist = "linux-hyperv"\n'
                 'url = "https://lore.kernel.org/linux-hyperv/"\n[digest]\nevery = "week"\n')
    (path / "ssg.toml").write_text(toml)
    return path


def build(site: Path, *extra: str, memory: bool = False) -> dict[str, Any]:
    return timed([PY, "-m", "ssg", "build", "-q", *extra], site, memory=memory)


def count_html(site: Path) -> int:
    return sum(1 for _ in (site / "site").rglob("*.html"))


# --- sections ---------------------------------------------------------------------------

class Bench:
    def __init__(self, archive: Path, work: Path, runs: int, settle: float = SETTLE) -> None:
        self.archive, self.work, self.runs, self.settle = archive, work, runs, settle
        self.results: dict[str, Any] = {}

    def _settled(self) -> float:
        """Wait until files deleted just before (the previous run's output) no longer slow
        down creating new ones; the seconds waited.  ext4 passes over inodes freed in the
        last ``dirty_expire`` seconds (+5) when it allocates one: right after deleting a
        built site, a full build's ~17,000 new files and folders cost about 1.5–2 s more
        system time.  Timing a build means timing the build, not the cleanup before it."""
        sync = getattr(os, "sync", None)
        if sync:
            sync()
        if self.settle > 0:
            time.sleep(self.settle)
        return self.settle

    def read(self) -> dict[str, Any]:
        """bench/read_archive.py: MB/s streaming every blob through ssg.archive, with one
        ``git cat-file`` per epoch (the default) and with two (``readers=2``; the digest
        half's parse workers each have their own, which is the same shape)."""
        out: dict[str, Any] = {}
        for readers in (1, 2):
            text = subprocess.run([PY, str(ROOT / "bench" / "read_archive.py"), str(self.archive),
                                   "--runs", str(self.runs), "--readers", str(readers)],
                                  check=True, capture_output=True, text=True).stdout
            m = re.search(r"median ([\d.]+) MB/s \(min ([\d.]+), max ([\d.]+)\); median ([\d,]+) msg/s", text)
            c = re.search(r"git cat-file --batch alone: ([\d.]+) s = ([\d.]+) MB/s", text)
            if not m:
                raise RuntimeError(f"unexpected output of read_archive.py: {text[-400:]}")
            key = "" if readers == 1 else "_2readers"
            out[f"mb_per_s{key}"] = {"median": float(m[1]), "min": float(m[2]), "max": float(m[3])}
            out[f"msg_per_s{key}"] = float(m[4].replace(",", ""))
            if c and readers == 1:
                out["cat_file_s"], out["cat_file_mb_per_s"] = float(c[1]), float(c[2])
        out.setdefault("cat_file_s", None)
        out.setdefault("cat_file_mb_per_s", None)
        return out

    def parse(self) -> dict[str, Any]:
        """bench/parse_mail.py: ssg.mail.parse messages per second (one process)."""
        out = subprocess.run([PY, str(ROOT / "bench" / "parse_mail.py"), str(self.archive),
                              "--runs", str(self.runs)], check=True, capture_output=True, text=True).stdout
        m = re.search(r"median ([\d,]+) msgs/s wall, ([\d,]+) msgs/s per CPU second \(wall runs: ([^)]*)\)", out)
        if not m:
            raise RuntimeError(f"unexpected output of parse_mail.py: {out[-400:]}")
        runs = [float(x.replace(",", "")) for x in m[3].split(", ")]
        return {"msg_per_s": summary(runs), "msg_per_cpu_s": float(m[2].replace(",", ""))}

    def full(self) -> dict[str, Any]:
        """Goal 1: the whole archive from scratch (digests, series, people, HTML)."""
        runs = []
        for n in range(self.runs):
            site = site_dir(self.work / "full", self.archive)
            self._settled()
            runs.append(build(site) | {"load": load()})
        site = site_dir(self.work / "full", self.archive)  # memory from one more run: sampling the tree's
        self._settled()  # PSS every 50 ms took ~0.35 s (3-4 %) from a timed full build
        memory = build(site, memory=True) | {"load": load()}
        site = site_dir(self.work / "full", self.archive)  # and once without waiting, for the record
        unsettled = build(site) | {"load": load()}
        pages = count_html(site)
        sample = self.work / "sample-pages"  # keep real pages for the render benchmark
        if sample.exists():
            shutil.rmtree(sample)
        shutil.copytree(site / "content", sample)
        return {"seconds": summary([r["seconds"] for r in runs]),
                "cpu_seconds": summary([r["cpu_seconds"] for r in runs]),
                "tree_pss_mb": summary([memory["tree_pss_mb"]]), "memory_run_s": memory["seconds"],
                "maxrss_mb": summary([r["maxrss_mb"] for r in runs]),
                "pages": pages, "content_files": sum(1 for _ in sample.rglob("*.md")), "detail": runs,
                "settle_seconds": self.settle, "right_after_deleting_s": unsettled["seconds"]}

    def profile(self) -> dict[str, Any]:
        """cProfile of one full build (the main process only: forked workers are not profiled)."""
        import pstats

        site = site_dir(self.work / "profile", self.archive)
        prof = self.work / "full-build.prof"
        res = timed([PY, "-m", "cProfile", "-o", str(prof), "-m", "ssg", "build", "-q"], site)
        text = self.work / "profile.txt"
        with open(text, "w") as fh:
            stats = pstats.Stats(str(prof), stream=fh)
            stats.sort_stats("cumulative").print_stats(25)
            stats.sort_stats("tottime").print_stats(25)
        out = {"seconds_under_profiler": res["seconds"], "file": str(prof), "text": str(text),
               "top_cumulative": _top(prof, "cumtime", 25), "top_tottime": _top(prof, "tottime", 15)}
        rsite = self.work / "render-ssg"
        if (rsite / "site").is_dir():  # the 5,000-page site, already built: a no-change rebuild
            build(rsite, "--no-digest")  # warm: others may have edited ssg/ since (the cache key covers code)
            prof = self.work / "nochange-render.prof"
            res = timed([PY, "-m", "cProfile", "-o", str(prof), "-m", "ssg", "build", "-q", "--no-digest"], rsite)
            out["nochange_render"] = {"seconds_under_profiler": res["seconds"], "file": str(prof),
                                      "top_cumulative": _top(prof, "cumtime", 15),
                                      "top_tottime": _top(prof, "tottime", 10)}
        fsite = self.work / "full"
        if (fsite / "content").is_dir():  # the workers are not profiled above: the real site in one process
            prof, script = self.work / "render-one-process.prof", self.work / "render_one.py"
            script.write_text(_RENDER_ONE)
            out_dir = self.work / "render-one-process-out"
            shutil.rmtree(out_dir, ignore_errors=True)
            res = timed([PY, "-m", "cProfile", "-o", str(prof), str(script), str(out_dir)], fsite)
            out["render_one_process"] = {"seconds_under_profiler": res["seconds"], "file": str(prof),
                                         "top_tottime": _top(prof, "tottime", 15)}
        clone = self.work / "incr-archive.git"
        if clone.is_dir():  # the +300 build at the tip, on a base built with the code as it is now
            tip = git(self.archive, "rev-parse", "HEAD")
            git(clone, "update-ref", "refs/heads/master", git(self.archive, "rev-parse", f"{tip}~300"))
            isite = site_dir(self.work / "incr-profile", clone)
            build(isite)
            git(clone, "update-ref", "refs/heads/master", tip)
            prof = self.work / "incremental-tip.prof"
            res = timed([PY, "-m", "cProfile", "-o", str(prof), "-m", "ssg", "build", "-q"], isite)
            out["incremental_tip"] = {"seconds_under_profiler": res["seconds"], "file": str(prof),
                                      "top_cumulative": _top(prof, "cumtime", 25),
                                      "top_tottime": _top(prof, "tottime", 15)}
        return out

    def incremental(self) -> dict[str, Any]:
        """Goal 2: 300 new messages on a built site, at the tip and half-way through history."""
        clone = self.work / "incr-archive.git"
        if not clone.exists():
            subprocess.run(["git", "clone", "-q", "--bare", "--no-local", str(self.archive), str(clone)],
                           check=True)
        commits = git(self.archive, "rev-list", "--reverse", "--first-parent", "HEAD").split()
        points = {"tip": len(commits) - 1, "half": len(commits) // 2}
        out: dict[str, Any] = {"messages": 300}
        for name, idx in points.items():
            base, new = commits[idx - 300], commits[idx]
            git(clone, "update-ref", "refs/heads/master", base)
            site = site_dir(self.work / f"incr-{name}", clone, keep=True)
            first = build(site)
            snap = self.work / f"incr-{name}-snapshot"  # restored to the same path before each run
            discard(snap)
            shutil.copytree(site, snap, symlinks=True)
            git(clone, "update-ref", "refs/heads/master", new)
            self._settled()  # (files an earlier section deleted)
            runs = []
            for n in range(self.runs):
                self._restore(snap, site)
                runs.append(build(site) | {"load": load()})
            changed = _changed_files(snap / "content", site / "content")
            self._restore(snap, site)  # memory from one more, untimed run: sampling takes CPU from the build
            memory = build(site, memory=True)
            out[name] = {"history_messages": idx + 1, "seconds": summary([r["seconds"] for r in runs]),
                         "cpu_seconds": summary([r["cpu_seconds"] for r in runs]),
                         "tree_pss_mb": summary([memory["tree_pss_mb"]]), "settle_seconds": RESTORE_SETTLE,
                         "base_build_s": first["seconds"], "content_files_changed": changed}
            if name == "tip":  # then `ssg build` again with nothing new: what a polling job pays
                again = [build(site)["seconds"] for _ in range(self.runs)]
                out["nochange_build"] = {"seconds": summary(again)}
        git(clone, "update-ref", "refs/heads/master", commits[-1])
        empty_trash(self.work)
        return out

    @staticmethod
    def _restore(snap: Path, site: Path) -> None:
        """Put the saved site back (the used one moved to the trash: ``discard``), then let the
        file system settle briefly (written back, ``RESTORE_SETTLE`` seconds) so the timed build
        does not pay for the copy."""
        discard(site)
        shutil.copytree(snap, site, symlinks=True)
        os.sync()
        time.sleep(RESTORE_SETTLE)

    def render(self) -> dict[str, Any]:
        """Goal 3: 5,000 copies of one real series page, ssg vs Hugo; then a no-change rebuild.

        Done twice: identical copies (the issue's benchmark), and copies that differ by one
        line, since ssg memoises page parsing by text hash and identical copies only
        exercise its templates and writes."""
        page = _pick_page(self.work)
        front, body = _split_front(page.read_text())
        body = re.sub(r"\]\((?!https?:|mailto:|#)[^)\s]*\.md(#[^)\s]*)?\)", "](p00001.md)", body)
        names = [f"p{i:05d}.md" for i in range(1, 5001)]
        head = page.read_text().split("\n---\n", 1)[0] + "\n---\n"
        out: dict[str, Any] = {"page": page.name, "page_bytes": len((head + body).encode()), "pages": 5000}
        hugo, why = anchors.hugo_binary(self.work)
        for variant in ("identical", "distinct"):
            bodies = [body if variant == "identical" else f"Copy {i} of this page.\n\n{body}"
                      for i in range(1, 5001)]
            out[variant] = self._render_variant(head, front, bodies, names, hugo, why)
        return out

    def _render_variant(self, head: str, front: dict[str, str], bodies: list[str], names: list[str],
                        hugo: Path | None, why: str | None) -> dict[str, Any]:
        site = site_dir(self.work / "render-ssg", None)
        (site / "content" / "pages").mkdir(parents=True)
        for name, body in zip(names, bodies):
            (site / "content" / "pages" / name).write_text(head + body)
        ssg_runs, again = [], []
        self._settled()  # (for what the sections before deleted)
        for n in range(self.runs):
            for junk in ("site", ".ssg-cache"):  # moved aside, not deleted just before (``discard``)
                discard(site / junk)
            ssg_runs.append(build(site, "--no-digest") | {"load": load()})
            again.append(build(site, "--no-digest")["seconds"])
        for junk in ("site", ".ssg-cache"):  # memory from one more run, untimed (as Hugo's runs are not sampled)
            discard(site / junk)
        memory = build(site, "--no-digest", memory=True)
        out: dict[str, Any] = {"ssg_html": count_html(site),
                               "ssg_seconds": summary([r["seconds"] for r in ssg_runs]),
                               "ssg_pages_per_s": summary([5000 / r["seconds"] for r in ssg_runs]),
                               "ssg_tree_pss_mb": summary([memory["tree_pss_mb"]]),
                               "nochange_seconds": summary(again)}
        if hugo is None:
            out["hugo"] = {"installed": False, "reason": why}
            return out
        hsite = self.work / "render-hugo"
        anchors.make_hugo_site(hsite, front, bodies, names)
        version = subprocess.run([str(hugo), "version"], capture_output=True, text=True).stdout.split()[1]
        hugo_runs = []
        self._settled()  # (make_hugo_site deleted the last variant's site)
        for n in range(self.runs):
            discard(hsite / "public")  # as for ssg above: the same file system, the same rule
            discard(hsite / "resources")
            hugo_runs.append(timed([str(hugo), "--quiet", "--source", str(hsite)], hsite)["seconds"])
        html = sum(1 for _ in (hsite / "public" / "pages").rglob("index.html"))
        empty_trash(site)
        empty_trash(hsite)
        out["hugo"] = {"installed": True, "version": version.split("-")[0], "html": html,
                       "seconds": summary(hugo_runs), "pages_per_s": summary([5000 / s for s in hugo_runs])}
        return out

    def preview(self) -> dict[str, Any]:
        """Goal 4: save a .md → live-reload answer (and → text visible in Chromium, if available)."""
        site = self.work / "preview-site"
        if site.exists():
            shutil.rmtree(site)
        site.mkdir(parents=True)
        shutil.copy(ROOT / "ssg.toml", site / "ssg.toml")
        shutil.copytree(ROOT / "examples", site / "examples", ignore=shutil.ignore_patterns("__pycache__"))
        (site / "content").mkdir()
        shutil.copy(ROOT / "content" / "about.md", site / "content" / "about.md")
        build(site)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen([PY, "-m", "ssg", "serve", "-q", "-a", f"127.0.0.1:{port}"], cwd=site,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}/ssg-demo/"
        try:
            _wait_up(base, server)
            page = site / "content" / "about.md"
            original = page.read_text()
            signal, fetched = [], []
            for n in range(max(self.runs, 5)):
                epoch = json.load(urllib.request.urlopen(base + "__ssg__/livereload?epoch=-1", timeout=30))["epoch"]
                got: dict[str, float] = {}
                waiter = threading.Thread(target=_long_poll, args=(base, epoch, got))
                waiter.start()
                time.sleep(0.3)  # the long poll is parked on the server
                marker = f"bench-edit-{secrets.token_hex(4)}"
                t0 = time.perf_counter()
                page.write_text(original + f"\n{marker}\n")
                waiter.join(30)
                if "t" not in got:
                    raise RuntimeError("no live-reload answer within 30 s")
                signal.append(got["t"] - t0)
                body = urllib.request.urlopen(base + "about/", timeout=30).read().decode()
                fetched.append(time.perf_counter() - t0)
                if marker not in body:
                    raise RuntimeError("the reloaded page does not show the edit")
                time.sleep(0.3)
            out = {"signal_seconds": summary(signal), "signal_plus_fetch_seconds": summary(fetched)}
            out["browser"] = _browser_latency(base + "about/", page, original, max(self.runs, 5))
            page.write_text(original)
            return out
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    def mhonarc(self) -> dict[str, Any]:
        """Anchors: MHonArc full conversion and -add of the last 300 messages."""
        binary, why = anchors.mhonarc_binary()
        if binary is None:
            return {"installed": False, "reason": why}
        from ssg.archive import Archive

        with Archive.open(self.archive) as arc:
            msgs = [(m.data, m.committed) for m in arc.messages(arc.resolve(None))]
        all_mbox, head_mbox, tail_mbox = (self.work / f"{n}.mbox" for n in ("all", "head", "tail300"))
        anchors.write_mbox(msgs, all_mbox)
        anchors.write_mbox(msgs[:-300], head_mbox)
        anchors.write_mbox(msgs[-300:], tail_mbox)
        full = []
        out_dir = self.work / "mhonarc-full"
        for n in range(self.runs):
            shutil.rmtree(out_dir, ignore_errors=True)
            out_dir.mkdir()
            full.append(timed(anchors.mhonarc_cmd(binary, out_dir, all_mbox), self.work, memory=True)
                        | {"load": load()})
        pages = sum(1 for _ in out_dir.glob("*.html"))
        snap = self.work / "mhonarc-base"
        shutil.rmtree(snap, ignore_errors=True)
        snap.mkdir()
        timed(anchors.mhonarc_cmd(binary, snap, head_mbox), self.work)
        add = []
        for n in range(self.runs):
            shutil.rmtree(out_dir, ignore_errors=True)
            shutil.copytree(snap, out_dir)
            add.append(timed(anchors.mhonarc_cmd(binary, out_dir, tail_mbox, add=True), self.work)["seconds"])
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "mhonarc"],
                                 capture_output=True, text=True).stdout
        return {"installed": True, "version": version, "messages": len(msgs), "pages": pages,
                "full_seconds": summary([r["seconds"] for r in full]),
                "full_maxrss_mb": summary([r["maxrss_mb"] for r in full]),
                "add300_seconds": summary(add)}


_RENDER_ONE = """import sys
from pathlib import Path
from ssg.config import load
from ssg.render import Renderer
import shutil
cache = sys.argv[1] + "-cache"  # an empty cache: the build's own would answer every page
shutil.rmtree(cache, ignore_errors=True)
config = load(Path("ssg.toml").resolve(), overrides={"cache_dir": cache})
Renderer(config, Path(sys.argv[1]), log=lambda s: None, workers=1).full()
"""


def _top(prof: Path, key: str, n: int) -> list[dict[str, Any]]:
    import pstats

    rows = [{"function": f"{Path(func[0]).name}:{func[1]}({func[2]})", "calls": nc,
             "tottime": round(tt, 3), "cumtime": round(ct, 3)}
            for func, (cc, nc, tt, ct, _) in pstats.Stats(str(prof)).stats.items()]  # type: ignore[attr-defined]
    return sorted(rows, key=lambda r: -r[key])[:n]


def _changed_files(a: Path, b: Path) -> int:
    n = 0
    for path in b.rglob("*"):
        if path.is_file():
            old = a / path.relative_to(b)
            if not old.is_file() or old.read_bytes() != path.read_bytes():
                n += 1
    return n


def _pick_page(work: Path) -> Path:
    """A real series page of median size from the full build (or a quick build of it)."""
    sample = work / "sample-pages" / "series"
    if not sample.is_dir():
        raise RuntimeError("no generated pages yet: run the 'full' section first")
    pages = sorted(sample.glob("*.md"), key=lambda p: (p.stat().st_size, p.name))
    return pages[len(pages) // 2]


def _split_front(text: str) -> tuple[dict[str, str], str]:
    import yaml

    _, head, body = text.split("---\n", 2)
    return {k: str(v) for k, v in (yaml.safe_load(head) or {}).items()}, body


def _wait_up(url: str, proc: subprocess.Popen) -> None:
    for _ in range(600):
        if proc.poll() is not None:
            raise RuntimeError(f"ssg serve exited: {proc.stderr.read().decode(errors='replace')[-400:]}")
        try:
            urllib.request.urlopen(url, timeout=5).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("ssg serve did not come up within 60 s")


def _long_poll(base: str, epoch: int, got: dict[str, float]) -> None:
    try:
        urllib.request.urlopen(f"{base}__ssg__/livereload?epoch={epoch}", timeout=30).read()
        got["t"] = time.perf_counter()
    except OSError:
        pass


def _browser_latency(url: str, page_file: Path, original: str, runs: int) -> dict[str, Any]:
    """Save → new text visible in headless Chromium through the injected live-reload script."""
    chromium = Path("/usr/bin/chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"available": False, "reason": "playwright is not installed"}
    if not chromium.exists():
        return {"available": False, "reason": "no /usr/bin/chromium"}
    times = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=["--no-sandbox"])
        try:
            tab = browser.new_page()
            tab.goto(url)
            for n in range(runs):
                tab.wait_for_timeout(500)  # the page's long poll is parked
                marker = f"bench-browser-{secrets.token_hex(4)}"
                t0 = time.perf_counter()
                page_file.write_text(original + f"\n{marker}\n")
                tab.wait_for_function(f"document.body && document.body.innerText.includes({marker!r})",
                                      timeout=30000, polling=10)
                times.append(time.perf_counter() - t0)
        finally:
            browser.close()
    return {"available": True, "seconds": summary(times)}


# --- report -----------------------------------------------------------------------------

def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "–"
    return f"{v:,.0f}{unit}" if abs(v) >= 100 else f"{v:.2f}{unit}" if abs(v) < 10 else f"{v:.1f}{unit}"


def _mmm(d: dict[str, Any] | None, unit: str = "") -> str:
    if not d:
        return "–"
    return f"{_fmt(d['median'], unit)} ({_fmt(d['min'])}–{_fmt(d['max'])})"


def table(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Rows: figure, ours (median (min–max)), goal and met?, anchor, ratio."""
    rows: list[tuple[str, str, str, str, str]] = []
    A = anchors.ISSUE

    def goal(ok: bool | None, text: str) -> str:
        return f"{text} {'MET' if ok else 'NOT MET' if ok is not None else ''}".strip()

    if "full" in r and "error" not in r["full"]:
        f, mh = r["full"], r.get("mhonarc", {})
        s, mem = f["seconds"]["median"], f["tree_pss_mb"]["median"]
        mh_s = mh.get("full_seconds", {}).get("median") if mh.get("installed") else None
        mh_txt = f"MHonArc {_mmm(mh['full_seconds'], ' s')} here" if mh_s else "MHonArc 67–77 s (issue)"
        rows.append(("1 full build, wall", _mmm(f["seconds"], " s"), goal(s <= 12, "≤ 12 s"),
                     f"{mh_txt}; pi-index 22 s (issue)",
                     f"{(mh_s or 72) / s:.2f}x MHonArc, {22 / s:.2f}x pi-index"))
        mh_mb = mh.get("full_maxrss_mb", {}).get("median") if mh.get("installed") else None
        rows.append(("1 full build, peak PSS (tree)", _mmm(f["tree_pss_mb"], " MB"), goal(mem <= 300, "≤ 300 MB"),
                     f"MHonArc {_fmt(mh_mb or 363, ' MB')}" + (" here" if mh_mb else " (issue)"),
                     f"{(mh_mb or 363) / mem:.2f}x MHonArc's memory"))
        if f.get("right_after_deleting_s"):
            rows.append(("1 full build, right after rm", _fmt(f["right_after_deleting_s"], " s"), "", "",
                         f"one run; the above waited {_fmt(f.get('settle_seconds'), ' s')} after deleting"))
        if "cpu_seconds" in f:
            rows.append(("1 full build, CPU of all processes", _mmm(f["cpu_seconds"], " s"), "", "",
                         f"on {os.cpu_count() or 1} cores no less than "
                         f"{_fmt(f['cpu_seconds']['median'] / (os.cpu_count() or 1), ' s')} wall"))
        rows.append(("1 full build, max RSS 1 proc", _mmm(f["maxrss_mb"], " MB"), "", "", ""))
        rows.append(("1 full build, pages", str(f["pages"]), "", "≈4,800 (issue)", ""))
    if "incremental" in r and "error" not in r["incremental"]:
        inc, mh = r["incremental"], r.get("mhonarc", {})
        mh_add = mh.get("add300_seconds", {}).get("median") if mh.get("installed") else None
        for name in ("tip", "half"):
            s = inc[name]["seconds"]["median"]
            rows.append((f"2 +300 msgs at {name} ({inc[name]['history_messages']:,})", _mmm(inc[name]["seconds"], " s"),
                         goal(s <= 0.5, "≤ 0.5 s"),
                         (f"MHonArc -add {_fmt(mh_add, ' s')} here" if mh_add else "MHonArc -add 3.9 s (issue)")
                         + "; pi-index 0.46–2.0 s (issue)",
                         f"{(mh_add or 3.9) / s:.2f}x MHonArc, {0.46 / s:.2f}x pi-index basic"))
            if "cpu_seconds" in inc[name]:
                cpu = inc[name]["cpu_seconds"]
                rows.append((f"2 +300 at {name}, CPU of all processes", _mmm(cpu, " s"), "", "",
                             f"on {os.cpu_count() or 1} cores no less than {_fmt(cpu['median'] / (os.cpu_count() or 1), ' s')}"
                             " wall, however well the work overlaps"))
        if "nochange_build" in inc:
            nc = inc["nochange_build"]["seconds"]
            rows.append(("3 no-change `ssg build`, real archive", _mmm(nc, " s"), goal(nc["median"] <= 0.2, "≤ 0.2 s"),
                         "digest finds no new mail, render finds site/ as written", ""))
    if "render" in r and "error" not in r["render"]:
        for variant in ("identical", "distinct"):
            rd = r["render"].get(variant)
            if not rd:
                continue
            ours = rd["ssg_pages_per_s"]["median"]
            h = rd.get("hugo", {})
            hugo = h.get("pages_per_s", {}).get("median") if h.get("installed") else None
            rows.append((f"3 render 5,000 {variant} pages", _mmm(rd["ssg_pages_per_s"], " p/s"),
                         goal(ours >= (hugo or A["hugo_pages_per_s"]), "≥ Hugo"),
                         f"Hugo {_mmm(h['pages_per_s'], ' p/s')} here" if hugo else "Hugo 1,200 p/s (issue)",
                         f"{ours / (hugo or A['hugo_pages_per_s']):.2f}x Hugo"))
            nc = rd["nochange_seconds"]["median"]
            rows.append((f"3 no-change rebuild ({variant})", _mmm(rd["nochange_seconds"], " s"),
                         goal(nc <= 0.2, "≤ 0.2 s"), "", ""))
    if "preview" in r and "error" not in r["preview"]:
        pv = r["preview"]
        s = pv["signal_seconds"]["median"]
        rows.append(("4 save → reload signal", _mmm(pv["signal_seconds"], " s"), goal(s <= 0.3, "≤ 0.3 s"), "", ""))
        rows.append(("4 save → signal + page fetched", _mmm(pv["signal_plus_fetch_seconds"], " s"), "", "", ""))
        b = pv.get("browser", {})
        if b.get("available"):
            s = b["seconds"]["median"]
            rows.append(("4 save → text in Chromium", _mmm(b["seconds"], " s"), goal(s <= 0.3, "≤ 0.3 s"), "", ""))
    if "read" in r and "error" not in r["read"]:
        rd = r["read"]
        v = rd["mb_per_s"]["median"]
        rows.append(("5 read raw mail, 1 reader", _mmm(rd["mb_per_s"], " MB/s"), goal(v >= 150, "≥ 150 MB/s"),
                     f"git cat-file alone {_fmt(rd['cat_file_s'], ' s')} here, 1.1 s (issue)",
                     f"{v / rd['cat_file_mb_per_s']:.2f}x cat-file" if rd.get("cat_file_mb_per_s") else ""))
        if "mb_per_s_2readers" in rd:
            v2 = rd["mb_per_s_2readers"]["median"]
            rows.append(("5 read raw mail, 2 readers", _mmm(rd["mb_per_s_2readers"], " MB/s"),
                         goal(v2 >= 150, "≥ 150 MB/s"), "",
                         f"{v2 / rd['cat_file_mb_per_s']:.2f}x cat-file" if rd.get("cat_file_mb_per_s") else ""))
    if "parse" in r and "error" not in r["parse"]:
        rows.append(("5 parse mail (1 process)", _mmm(r["parse"]["msg_per_s"], " msg/s"), "",
                     f"{_fmt(r['parse']['msg_per_cpu_s'])} msg/CPU-s", ""))
    for name, res in r.items():
        if isinstance(res, dict) and "error" in res:
            rows.append((f"{name}: FAILED", res["error"][:70], "", "", ""))
    return rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    head = ("figure", "ssg median (min–max)", "goal", "anchor", "ratio (anchor/ssg time)")
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(5)]
    for row in [head, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "git": subprocess.run(["git", "--version"], capture_output=True, text=True).stdout.strip(),
            "commit": subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                                     capture_output=True, text=True).stdout.strip()}


def default_archive() -> Path:
    env = os.environ.get("SSG_REAL_ARCHIVE")
    return Path(env) if env else ROOT.parent / "shared" / "archives" / "linux-hyperv.git"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--archive", type=Path, default=default_archive())
    ap.add_argument("--workdir", type=Path, default=ROOT / "bench" / "results")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one run of everything")
    ap.add_argument("--settle", type=float, default=SETTLE,
                    help="seconds to wait after deleting the previous full build before timing the next")
    ap.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections: " + ",".join(SECTIONS))
    ap.add_argument("--merge", action="store_true",
                    help="keep the other sections' results from the previous latest.json")
    args = ap.parse_args(argv)
    archive = args.archive.resolve()
    if not archive.exists():
        print(f"bench: no archive at {archive}; pass --archive PATH or set SSG_REAL_ARCHIVE "
              "(a public-inbox inbox or epoch .git)", file=sys.stderr)
        return 2
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(wanted) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if "render" in wanted and "full" not in wanted and not (args.workdir / "work" / "sample-pages").is_dir():
        wanted.insert(0, "full")
    work = args.workdir.resolve()
    (work / "work").mkdir(parents=True, exist_ok=True)
    # ssg's bytecode, written as a regular (non-editable) pip install writes it: with an editable
    # install under PYTHONDONTWRITEBYTECODE every timed command would compile what it imports
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "ssg")], check=False, stdout=subprocess.DEVNULL)
    bench = Bench(archive, work / "work", 1 if args.quick else args.runs, args.settle)
    started = time.time()
    report: dict[str, Any] = {"archive": str(archive), "runs": bench.runs, "machine": machine(),
                              "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                              "load_start": os.getloadavg(), "results": bench.results}
    if args.merge and (work / "latest.json").is_file():
        old = json.loads((work / "latest.json").read_text()).get("results", {})
        bench.results.update({k: v | {"merged_from_previous_run": True} for k, v in old.items() if k not in wanted})
    for name in sorted(wanted, key=SECTIONS.index):
        l0, t0 = load(), time.perf_counter()
        print(f"[{time.strftime('%H:%M:%S')}] {name}… (load {l0})", file=sys.stderr, flush=True)
        try:
            res = getattr(bench, name)()
        except Exception as exc:  # one broken section must not lose the others
            res = {"error": f"{type(exc).__name__}: {exc}"}
        res["load"] = {"start": l0, "end": load()}
        res["section_seconds"] = round(time.perf_counter() - t0, 1)
        bench.results[name] = res
        (work / "latest.json").write_text(json.dumps(report, indent=1, default=str))
    report["load_end"] = os.getloadavg()
    (work / "latest.json").write_text(json.dumps(report, indent=1, default=str))
    m = report["machine"]
    print(f"\nssg {m['commit']} on {m['nproc']} × {m['cpu']}, Python {m['python']}; {bench.runs} run(s) each; "
          f"load {report['load_start'][0]:.1f} → {report['load_end'][0]:.1f}")
    print_table(table(bench.results))
    prof = bench.results.get("profile", {})
    if prof.get("top_cumulative"):
        print(f"\nprofile of one full build ({_fmt(prof['seconds_under_profiler'], ' s')} under cProfile, "
              "main process only), top 25 by cumulative time:")
        print(f"  {'cumtime':>8} {'tottime':>8} {'calls':>9}  function")
        for row in prof["top_cumulative"]:
            print(f"  {row['cumtime']:8.2f} {row['tottime']:8.2f} {row['calls']:9d}  {row['function']}")
        print(f"  (sorted by own time as well: {prof['text']})")
        nc = prof.get("nochange_render")
        if nc:
            print(f"\nprofile of the no-change rebuild of the 5,000 pages "
                  f"({_fmt(nc['seconds_under_profiler'], ' s')} under cProfile), top 10 by own time:")
            for row in nc["top_tottime"]:
                print(f"  {row['cumtime']:8.2f} {row['tottime']:8.2f} {row['calls']:9d}  {row['function']}")
        inc = prof.get("incremental_tip")
        if inc:
            print(f"\nprofile of the +300-message build at the tip "
                  f"({_fmt(inc['seconds_under_profiler'], ' s')} under cProfile), top 15 by own time:")
            for row in inc["top_tottime"]:
                print(f"  {row['cumtime']:8.2f} {row['tottime']:8.2f} {row['calls']:9d}  {row['function']}")
        one = prof.get("render_one_process")
        if one:
            print(f"\nprofile of rendering the full build's content/ in one process (workers=1, "
                  f"{_fmt(one['seconds_under_profiler'], ' s')} under cProfile), top 15 by own time:")
            for row in one["top_tottime"]:
                print(f"  {row['cumtime']:8.2f} {row['tottime']:8.2f} {row['calls']:9d}  {row['function']}")
    print(f"\nJSON: {work / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
