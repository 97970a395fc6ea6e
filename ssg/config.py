"""One typed configuration, read from ``ssg.toml`` and validated up front.

The schema is declared as data (``SCHEMA``) so that validation, defaults and the
configuration reference in the README all come from the same place.  Every
problem is reported at once, each with its key; unknown keys warn.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from ssg.errors import ConfigError

CONFIG_NAME = "ssg.toml"
EVERY_CHOICES = ("none", "day", "week", "month")


@dataclass(frozen=True, slots=True)
class Key:
    """One configuration key of the schema."""

    name: str
    """Key name inside its table."""
    kind: type
    """Expected Python type (str, int, bool, list, dict)."""
    default: Any
    """Value when the key is absent."""
    doc: str
    """One line for the configuration reference."""
    choices: tuple[str, ...] = ()
    """Allowed values for a string key, if restricted."""


SCHEMA: dict[str, tuple[Key, ...]] = {
    "": (
        Key("site_name", str, "Mailing list digest", "Title shown on every page and in the feed."),
        Key("site_url", str, "", "Public URL of the site (absolute, with trailing slash); gives the base path and absolute links for feeds, sitemap and exports."),
        Key("site_description", str, "", "One sentence for the home page, feed and link previews."),
        Key("site_author", str, "", "Who runs this site (feed author)."),
        Key("copyright", str, "", "Footer text."),
        Key("docs_dir", str, "content", "Where the Markdown content lives (generated and hand-written pages)."),
        Key("site_dir", str, "site", "Where `ssg build` writes the HTML site.  A build replaces it whole,"
            " so it must be a directory of its own (not the project, docs_dir, cache_dir or the archive, nor"
            " holding them); an existing one is replaced only when empty or written by ssg (`.ssg-site`)."),
        Key("cache_dir", str, ".ssg-cache", "Message index and build caches; safe to delete at any time."),
        Key("cname", str, "", "Custom domain for GitHub Pages; written to site/CNAME when set."),
        Key("strict", bool, False, "Treat warnings (unknown keys, broken links) as errors."),
    ),
    "theme": (
        Key("name", str, "default", "Theme to use (a built-in theme name or a directory)."),
        Key("custom_dir", str, "overrides", "Directory whose templates and assets override the theme's."),
    ),
    "archive": (
        Key("path", str, "", "A public-inbox v2 inbox directory (with git/N.git) or a single bare epoch repository."),
        Key("list", str, "", "List name as shown in titles, e.g. `linux-hyperv`."),
        Key("url", str, "", "Canonical archive URL for message links, e.g. `https://lore.kernel.org/linux-hyperv/`."),
        Key("fetch_url", str, "", "Where `ssg fetch` clones epochs from (default: `url`)."),
        Key("mbox", str, "", "An mbox file or Maildir imported into `path` on first use (the bundled example uses this)."),
    ),
    "digest": (
        Key("every", str, "week", "How `ssg digest` cuts new history into digests: none (one digest since the last), day, week or month.", EVERY_CHOICES),
        Key("top", int, 15, "How many domains and contributors the top tables show."),
        Key("since", str, "", "Ignore history before this date (YYYY-MM-DD) when backfilling."),
        Key("dir", str, "digests", "Sub-directory of docs_dir for digest pages."),
    ),
    "people": (
        Key("mailmap", str, "", "A git-format .mailmap file that merges identities."),
        Key("organisations", dict, {}, "Map of email domain to organisation name, e.g. {\"microsoft.com\" = \"Microsoft\"}."),
        Key("aliases", dict, {}, "Extra identity aliases: address = canonical address."),
        Key("bots", list, [], "Extra sender addresses (or @domains) to treat as bots."),
        Key("obfuscate_emails", bool, False, "Show addresses on pages as `name at domain`."),
    ),
    "deploy": (
        Key("remote", str, "origin", "Git remote `ssg deploy` pushes to."),
        Key("branch", str, "gh-pages", "Branch that holds the published site."),
        Key("message", str, "Deployed {sha} with ssg {version}", "Commit message; {sha} and {version} are filled in."),
    ),
}


@dataclass(frozen=True, slots=True)
class ThemeConfig:
    name: str = "default"
    """Theme name or directory."""
    custom_dir: str = "overrides"
    """User override directory (relative to the config file)."""


@dataclass(frozen=True, slots=True)
class ArchiveConfig:
    path: str = ""
    """Inbox or epoch path (absolute after loading, or empty)."""
    list: str = ""
    """List name."""
    url: str = ""
    """Canonical archive URL with trailing slash, or empty."""
    fetch_url: str = ""
    """Remote for ``ssg fetch``."""
    mbox: str = ""
    """mbox/Maildir to import on first use (absolute after loading, or empty)."""


@dataclass(frozen=True, slots=True)
class DigestConfig:
    every: str = "week"
    """none, day, week or month."""
    top: int = 15
    """Rows in the top tables."""
    since: str = ""
    """Lower date bound for backfills (YYYY-MM-DD) or empty."""
    dir: str = "digests"
    """Sub-directory of docs_dir for digests."""


@dataclass(frozen=True, slots=True)
class PeopleConfig:
    mailmap: str = ""
    """Path of a .mailmap (absolute after loading) or empty."""
    organisations: tuple[tuple[str, str], ...] = ()
    """(domain, organisation) pairs, sorted."""
    aliases: tuple[tuple[str, str], ...] = ()
    """(address, canonical address) pairs, lower case, sorted."""
    bots: tuple[str, ...] = ()
    """Extra bot addresses or ``@domain`` suffixes, lower case."""
    obfuscate_emails: bool = False
    """Show addresses as ``name at domain``."""


@dataclass(frozen=True, slots=True)
class DeployConfig:
    remote: str = "origin"
    branch: str = "gh-pages"
    message: str = "Deployed {sha} with ssg {version}"


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration; paths are absolute after ``load``."""

    root: str = "."
    """Directory of the config file; relative paths are resolved against it."""
    config_file: str = ""
    """Path of the file read, or empty when running on defaults."""
    site_name: str = "Mailing list digest"
    site_url: str = ""
    site_description: str = ""
    site_author: str = ""
    copyright: str = ""
    docs_dir: str = "content"
    site_dir: str = "site"
    cache_dir: str = ".ssg-cache"
    cname: str = ""
    strict: bool = False
    theme: ThemeConfig = field(default_factory=ThemeConfig)
    archive: ArchiveConfig = field(default_factory=ArchiveConfig)
    digest: DigestConfig = field(default_factory=DigestConfig)
    people: PeopleConfig = field(default_factory=PeopleConfig)
    deploy: DeployConfig = field(default_factory=DeployConfig)
    warnings: tuple[str, ...] = ()
    """Non-fatal problems found while loading (unknown keys…)."""

    @property
    def base_path(self) -> str:
        """Path part of ``site_url`` with leading and trailing slash (``/`` by default)."""
        from urllib.parse import urlsplit

        path = urlsplit(self.site_url).path if self.site_url else "/"
        path = "/" + path.strip("/") + "/" if path.strip("/") else "/"
        return path

    def path(self, value: str) -> Path:
        """Resolve a configured path against the config file's directory."""
        p = Path(value).expanduser()
        return p if p.is_absolute() else Path(self.root) / p


_SECTIONS = {"theme": ThemeConfig, "archive": ArchiveConfig, "digest": DigestConfig,
             "people": PeopleConfig, "deploy": DeployConfig}


def _check(table: str, data: dict[str, Any], errors: list[str], warnings: list[str]) -> dict[str, Any]:
    """Validate one table against the schema; return the known keys with defaults."""
    keys = {k.name: k for k in SCHEMA[table]}
    out: dict[str, Any] = {}
    for name, value in data.items():
        where = f"{table}.{name}" if table else name
        if name in _SECTIONS and not table:
            continue
        key = keys.get(name)
        if key is None:
            warnings.append(f"{where}: unknown key (ignored)")
            continue
        ok = isinstance(value, key.kind) and not (key.kind is int and isinstance(value, bool))
        if not ok:
            errors.append(f"{where}: expected {key.kind.__name__}, got {type(value).__name__} {value!r}")
            continue
        if key.choices and value not in key.choices:
            errors.append(f"{where}: must be one of {', '.join(key.choices)}, got {value!r}")
            continue
        if key.kind is int and value < 0:
            errors.append(f"{where}: must not be negative")
            continue
        out[name] = value
    for key in SCHEMA[table]:
        out.setdefault(key.name, key.default)
    return out


def _validate_values(flat: dict[str, dict[str, Any]], errors: list[str]) -> None:
    url = flat[""]["site_url"]
    if url and not (url.startswith("http://") or url.startswith("https://")):
        errors.append(f"site_url: must be an absolute http(s) URL, got {url!r}")
    aurl = flat["archive"]["url"]
    if aurl and not (aurl.startswith("http://") or aurl.startswith("https://")):
        errors.append(f"archive.url: must be an absolute http(s) URL, got {aurl!r}")
    since = flat["digest"]["since"]
    if since:
        import datetime as _dt
        try:
            _dt.date.fromisoformat(since)
        except ValueError:
            errors.append(f"digest.since: expected YYYY-MM-DD, got {since!r}")
    for dom, org in flat["people"]["organisations"].items():
        if not isinstance(org, str):
            errors.append(f"people.organisations.{dom}: expected a string organisation name")
    for addr, canon in flat["people"]["aliases"].items():
        if not isinstance(canon, str):
            errors.append(f"people.aliases.{addr}: expected a string address")
    for i, bot in enumerate(flat["people"]["bots"]):
        if not isinstance(bot, str):
            errors.append(f"people.bots[{i}]: expected a string")


def _slash(url: str) -> str:
    return url if not url or url.endswith("/") else url + "/"


def build(data: dict[str, Any], *, root: str = ".", config_file: str = "",
          overrides: dict[str, Any] | None = None) -> Config:
    """Validate a parsed TOML document (plus flat ``overrides``) into a Config.

    ``overrides`` maps dotted keys (``site_url``, ``archive.path``) to values from
    the command line; they win over the file.  Raises ConfigError listing every
    problem at once.
    """
    errors: list[str] = []
    warnings: list[str] = []
    data = dict(data)
    for dotted, value in (overrides or {}).items():
        if value is None:
            continue
        table, _, name = dotted.rpartition(".")
        if table:
            section = data.get(table)
            data[table] = dict(section) if isinstance(section, dict) else {}
            data[table][name] = value
        else:
            data[name] = value
    flat: dict[str, dict[str, Any]] = {"": _check("", data, errors, warnings)}
    for table in _SECTIONS:
        section = data.get(table, {})
        if not isinstance(section, dict):
            errors.append(f"{table}: expected a table, got {type(section).__name__}")
            section = {}
        flat[table] = _check(table, section, errors, warnings)
    _validate_values(flat, errors)
    if errors:
        where = config_file or "configuration"
        raise ConfigError("; ".join(errors), location=where)

    base = Path(root)

    def absolute(value: str) -> str:
        if not value:
            return ""
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else (base / p).resolve())

    arch = flat["archive"]
    people = flat["people"]
    top = flat[""]
    config = Config(
        root=str(base.resolve()),
        config_file=config_file,
        site_name=top["site_name"], site_url=_slash(top["site_url"]),
        site_description=top["site_description"], site_author=top["site_author"],
        copyright=top["copyright"], docs_dir=top["docs_dir"], site_dir=top["site_dir"],
        cache_dir=top["cache_dir"], cname=top["cname"], strict=top["strict"],
        theme=ThemeConfig(**flat["theme"]),
        archive=ArchiveConfig(path=absolute(arch["path"]), list=arch["list"], url=_slash(arch["url"]),
                              fetch_url=arch["fetch_url"] or arch["url"].rstrip("/"),
                              mbox=absolute(arch["mbox"])),
        digest=DigestConfig(**flat["digest"]),
        people=PeopleConfig(
            mailmap=absolute(people["mailmap"]),
            organisations=tuple(sorted((k.lower(), v) for k, v in people["organisations"].items())),
            aliases=tuple(sorted((k.lower(), v.lower()) for k, v in people["aliases"].items())),
            bots=tuple(sorted(b.lower() for b in people["bots"])),
            obfuscate_emails=people["obfuscate_emails"],
        ),
        deploy=DeployConfig(**flat["deploy"]),
        warnings=tuple(warnings),
    )
    clash = site_clash(config)
    if clash:
        raise ConfigError(clash, location=config_file or "configuration")
    return config


def site_clash(config: Config) -> str:
    """Why ``site_dir`` may not be where it is set ('' when it may).  ``ssg build``
    replaces site_dir whole, so it may not be, or hold, the project, docs_dir,
    cache_dir or the archive, nor lie inside docs_dir or the archive."""
    site = config.path(config.site_dir).resolve()
    others = {"the project's directory": Path(config.root).resolve(),
              "docs_dir": config.path(config.docs_dir).resolve(), "cache_dir": config.path(config.cache_dir).resolve()}
    if config.archive.path:
        others["the archive"] = Path(config.archive.path).resolve()
    for what, other in others.items():
        if site == other or site in other.parents:
            how = f"is {what}" if site == other else f"holds {what} ({other})"
            return (f"site_dir {site} {how}, and `ssg build` replaces site_dir whole;"
                    " give the site a directory of its own (the default is \"site\")")
        if other in site.parents and what in ("docs_dir", "the archive"):
            return f"site_dir {site} is inside {what} ({other}); give the site a directory of its own"
    return ""


def find(start: Path) -> Path | None:
    """The nearest ``ssg.toml`` in ``start`` or its parents."""
    for d in (start, *start.parents):
        candidate = d / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def load(path: str | Path | None = None, *, overrides: dict[str, Any] | None = None,
         cwd: Path | None = None) -> Config:
    """Read and validate the configuration.

    With ``path`` None, look for ``ssg.toml`` in the working directory and its
    parents; with no file found, run on defaults rooted at the working directory.
    """
    cwd = cwd or Path.cwd()
    if path is None:
        found = find(cwd)
        if found is None:
            return build({}, root=str(cwd), overrides=overrides)
        path = found
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError("config file not found", location=str(path)) from None
    except OSError as exc:
        raise ConfigError(f"cannot read config: {exc.strerror}", location=str(path)) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError("config is not UTF-8", location=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"invalid TOML: {exc}", location=str(path)) from None
    return build(data, root=str(path.parent), config_file=str(path), overrides=overrides)


def output_key(config: Config) -> str:
    """The configuration as the output depends on it, for cache keys: without the path
    the file was named by and its warnings, so that ``ssg build -f project/ssg.toml``
    from elsewhere finds the caches of ``ssg build`` run in the project."""
    return repr(replace(config, config_file="", warnings=()))


def with_overrides(config: Config, **changes: Any) -> Config:
    """A copy of ``config`` with top-level fields changed."""
    return replace(config, **changes)


def reference_markdown() -> str:
    """The configuration reference, generated from SCHEMA (for the README)."""
    lines = []
    for table, keys in SCHEMA.items():
        lines.append(f"### {'[' + table + ']' if table else 'Top level'}\n")
        lines.append("| key | type | default | meaning |")
        lines.append("|---|---|---|---|")
        for k in keys:
            default = repr(k.default) if not isinstance(k.default, str) else f'"{k.default}"'
            doc = k.doc + (f" One of: {', '.join(k.choices)}." if k.choices else "")
            lines.append(f"| `{k.name}` | {k.kind.__name__} | `{default}` | {doc} |")
        lines.append("")
    return "\n".join(lines)


def reference_document() -> str:
    """docs/configuration.md: the reference with a short introduction."""
    return ("# Configuration reference\n\n"
            "Generated from `SCHEMA` in `ssg/config.py` (a test keeps this file in sync).\n"
            "Paths are relative to the directory of `ssg.toml`.  Unknown keys warn;\n"
            "`--strict` makes warnings fatal.  Command-line flags (`--base-url`, `--strict`)\n"
            "override the file.  A change to `[people]` (or the mailmap file), to `top`, or\n"
            "to the archive's `list` or `url` makes the next run digest the whole archive\n"
            "again, so no page keeps the old setting.\n\n" + reference_markdown())


def field_names(cls: type) -> list[str]:
    return [f.name for f in fields(cls)]
