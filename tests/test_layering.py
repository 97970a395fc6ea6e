"""Imports go one way: the renderer never sees mail, and only mail.py imports email."""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "ssg"
HTML_HALF = {"render", "theme", "lexers", "feeds", "serve", "preview_http", "watch", "deploy",
             "pages", "pages_links", "md_pipeline", "front_yaml", "md_rules", "render_cache", "render_output",
             "render_swap", "render_workers", "render_update", "render_state", "render_extras"}
DATA_HALF = {"mail", "series", "series_records", "digest", "classify", "threads", "archive", "content",
             "pipeline", "rangework", "assemble", "page_work", "index", "stats", "subject", "patchbody", "trailers", "workers",
             "gitpipe"}
PURE = {"mail", "subject", "classify", "threads", "series", "series_records", "revisions", "stats", "digest", "urls",
        "markup", "content", "series_page", "people_pages", "home_pages", "diffstat", "patchbody", "trailers", "periods",
        "jsontext", "front_emit", "pages_links", "md_pipeline"}


def imports(module: Path) -> set[str]:
    tree = ast.parse(module.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def ssg_imports(module: Path) -> set[str]:
    """ssg modules imported, whether as ``import ssg.x``, ``from ssg.x import y`` or ``from ssg import x``."""
    tree = ast.parse(module.read_text())
    names = {n.split(".")[1] for n in imports(module) if n.startswith("ssg.")}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "ssg":
            names |= {a.name for a in node.names}
    return names


def test_renderer_side_never_imports_the_mail_side():
    for name in HTML_HALF:
        path = PKG / f"{name}.py"
        if path.exists():
            assert not ssg_imports(path) & DATA_HALF, name


def test_only_mail_imports_email():
    for path in PKG.glob("*.py"):
        if path.stem not in ("mail", "inbox"):
            assert not any(n == "email" or n.startswith("email.") for n in imports(path)), path.name


def test_pure_stages_do_no_io():
    banned = {"subprocess", "sqlite3", "os", "shutil", "socket", "http", "urllib.request"}
    for name in PURE:
        path = PKG / f"{name}.py"
        if path.exists():
            assert not imports(path) & banned, (name, imports(path) & banned)
            assert "open(" not in path.read_text(), name
