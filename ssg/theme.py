"""Theme lookup: the user's override directory → the chosen theme → the built-in default.

A theme is a directory of Jinja2 templates (``base.html`` and one ``<kind>.html``
per page kind) with static files under ``assets/``.  Templates are looked up in
the chain, first hit wins; an override can still reach the originals through
the prefixes ``default/`` (the built-in theme) and ``theme/`` (the chosen one),
e.g. ``{% extends "default/base.html" %}``.  Assets overlay the same way.
"""

from __future__ import annotations

import hashlib
import os
import stat
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ssg.errors import ConfigError, RenderError

BUILTIN_DIR = Path(__file__).resolve().parent / "themes"
"""Where the built-in themes live (``default`` is the fallback of every theme)."""
ASSETS = "assets"
"""Sub-directory of a theme whose files are copied to ``site/assets/``."""


@lru_cache(maxsize=1)
def _bytecode_cache():
    """Jinja's cache of compiled templates in ``private_cache_dir("jinja")``, or None where
    there is none to be had.  Compiling the default theme's templates took ~25 ms of every
    build that renders; loading them from there takes ~2 ms.  Entries are checked against
    the template's source, Jinja's version and Python's."""
    import jinja2

    class Quiet(jinja2.FileSystemBytecodeCache):
        """A cache that cannot be read or written costs only time."""

        def load_bytecode(self, bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # damaged (Jinja unpickles the checksum, unmarshals the code)
                bucket.reset()

        def dump_bytecode(self, bucket) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass
    where = private_cache_dir("jinja")
    return Quiet(where) if where else None


def private_cache_dir(name: str) -> str | None:
    """``$XDG_CACHE_HOME/ssg/<name>`` (default ``~/.cache``), made if missing, when it is a
    directory of this user that no one else may write (made 0700): what ssg may load code
    from, as Python trusts ``__pycache__``.  Never the site's cache_dir, which another
    person's repository may bring.  None when there is no such directory."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    base = base if os.path.isabs(base) else os.path.join(os.path.expanduser("~"), ".cache")
    path = os.path.join(base, "ssg", name)
    try:
        os.makedirs(path, mode=0o700, exist_ok=True)
        found = os.lstat(path)
        if found.st_uid != os.getuid() or not stat.S_ISDIR(found.st_mode):
            return None
        if stat.S_IMODE(found.st_mode) != 0o700:
            os.chmod(path, 0o700)
    except (OSError, AttributeError):  # (no getuid: not a POSIX system)
        return None
    return path if os.path.isabs(path) else None


@dataclass(frozen=True, slots=True)
class Theme:
    """The resolved template and asset chain of one configuration."""

    dirs: tuple[Path, ...]
    """Existing directories, highest priority first: overrides, theme, built-in default."""
    theme_dir: Path
    """The chosen theme's directory."""
    default_dir: Path
    """The built-in default theme's directory."""

    def environment(self):
        """A fresh Jinja2 environment: StrictUndefined, autoescape, the loader chain."""
        import jinja2  # here, so a build with nothing to render never imports it

        chain = jinja2.ChoiceLoader([
            jinja2.FileSystemLoader([str(d) for d in self.dirs]),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(self.default_dir)),
                                 "theme": jinja2.FileSystemLoader(str(self.theme_dir))}),
        ])
        return jinja2.Environment(loader=chain, undefined=jinja2.StrictUndefined, autoescape=True,
                                  auto_reload=False, trim_blocks=True, lstrip_blocks=True,
                                  cache_size=-1, bytecode_cache=_bytecode_cache())

    def compiled(self):
        """``environment()`` with every template of the chain compiled already (one that
        does not compile is left for the renderer to report when a page uses it)."""
        import jinja2

        env = self.environment()
        for name in env.list_templates(extensions=["html"]):
            if not name.startswith(("default/", "theme/")):
                try:
                    env.get_template(name)
                except jinja2.TemplateError:
                    pass
        return env

    def fingerprint(self) -> str:
        """Hash of every template of the chain (names and bytes, in lookup order): what pages depend on."""
        h = hashlib.blake2b(digest_size=16)
        for d in self.dirs:
            for f in sorted(d.rglob("*")):
                rel = f.relative_to(d)
                if f.is_file() and rel.parts[0] != ASSETS and not any(p.startswith(".") for p in rel.parts):
                    h.update(f"{d}\0{rel.as_posix()}\0".encode())
                    h.update(f.read_bytes())
                    h.update(b"\0")
        return h.hexdigest()

    def template_error(self, exc: Exception, page: str) -> RenderError:
        """A Jinja error as a RenderError located at the template file and line."""
        import jinja2
        where = ""
        if isinstance(exc, jinja2.TemplateSyntaxError):
            where = f"{exc.filename or exc.name}:{exc.lineno}"
        else:
            dirs = tuple(str(d) for d in self.dirs)
            for frame in reversed(traceback.extract_tb(exc.__traceback__)):
                if frame.filename.startswith(dirs):
                    where = f"{frame.filename}:{frame.lineno}"
                    break
        return RenderError(f"template error while rendering {page}: {exc}", location=where or page)

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
