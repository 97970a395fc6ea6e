"""Theme lookup: the user's override directory → the chosen theme → the built-in default.

A theme is a directory of Jinja2 templates (``base.html`` and one ``<kind>.html``
per page kind) with static files under ``assets/``.  Templates are looked up in
the chain, first hit wins; an override can still reach the originals through
the prefixes ``default/`` (the built-in theme) and ``theme/`` (the chosen one),
e.g. ``{% extends "default/base.html" %}``.  Assets overlay the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2

from ssg.errors import ConfigError

BUILTIN_DIR = Path(__file__).resolve().parent / "themes"
"""Where the built-in themes live (``default`` is the fallback of every theme)."""
ASSETS = "assets"
"""Sub-directory of a theme whose files are copied to ``site/assets/``."""


@dataclass(frozen=True, slots=True)
class Theme:
    """The resolved template and asset chain of one configuration."""

    dirs: tuple[Path, ...]
    """Existing directories, highest priority first: overrides, theme, built-in default."""
    theme_dir: Path
    """The chosen theme's directory."""
    default_dir: Path
    """The built-in default theme's directory."""

    def environment(self) -> jinja2.Environment:
        """A fresh Jinja2 environment: StrictUndefined, autoescape, the loader chain."""
        chain = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(self.default_dir)),
                                 "theme": jinja2.FileSystemLoader(str(self.theme_dir))}),
        ])
        return jinja2.Environment(loader=chain, undefined=jinja2.StrictUndefined, autoescape=True,
                                  auto_reload=False, trim_blocks=True, lstrip_blocks=True,
                                  cache_size=-1)

    def template_file(self, name: str) -> Path | None:
        """The file a template name resolves to, or None."""
        for d in self.dirs:
            candidate = d / name
            if candidate.is_file():
                return candidate
        return None

    def assets(self) -> dict[str, Path]:
        """Site-relative asset path (``assets/style.css``) → source file, overlays applied."""
        found: dict[str, Path] = {}
        for d in reversed(self.dirs):
            root = d / ASSETS
            if not root.is_dir():
                continue
            for f in sorted(root.rglob("*")):
                if f.is_file() and not any(p.startswith(".") for p in f.relative_to(root).parts):
                    found[f"{ASSETS}/{f.relative_to(root).as_posix()}"] = f
        return dict(sorted(found.items()))

    def owns(self, path: Path) -> bool:
        """Whether a (changed) file belongs to one of the theme directories."""
        path = Path(path).resolve()
        return any(path == d or d in path.parents for d in self.dirs)

    def is_template(self, path: Path) -> bool:
        """A theme file that is a template (not under ``assets/``)."""
        path = Path(path).resolve()
        for d in self.dirs:
            if d in path.parents:
                return path.relative_to(d).parts[0] != ASSETS and path.suffix == ".html"
        return False

    def template_name(self, path: Path) -> str:
        """The loader name of a template file of the chain (``digest.html``)."""
        path = Path(path).resolve()
        for d in self.dirs:
            if d in path.parents:
                return path.relative_to(d).as_posix()
        return ""


def load_theme(config) -> Theme:
    """Resolve ``config.theme``: a built-in name or a directory, plus ``custom_dir``."""
    default_dir = BUILTIN_DIR / "default"
    name = config.theme.name or "default"
    theme_dir = BUILTIN_DIR / name
    if not (theme_dir / "base.html").is_file():
        candidate = config.path(name)
        if not candidate.is_dir():
            raise ConfigError(f"theme {name!r} is neither a built-in theme nor a directory",
                              location="theme.name")
        theme_dir = candidate
    dirs: list[Path] = []
    if config.theme.custom_dir:
        custom = config.path(config.theme.custom_dir)
        if custom.is_dir():
            dirs.append(custom.resolve())
    for d in (theme_dir.resolve(), default_dir.resolve()):
        if d not in dirs:
            dirs.append(d)
    return Theme(dirs=tuple(dirs), theme_dir=theme_dir.resolve(), default_dir=default_dir.resolve())
