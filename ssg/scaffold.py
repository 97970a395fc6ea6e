"""``ssg init``: scaffold a new digest site from the templates in ``ssg/data/scaffold``.

Writes a commented ``ssg.toml``, ``content/index.md``, ``overrides/README.txt``,
``.gitignore`` and, with ``ci="github"``, ``.github/workflows/pages.yml``.  An
existing file is never overwritten unless ``force`` is given; it is reported in
``InitReport.skipped`` so the caller can say so and exit non-zero.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from string import Template

from ssg.errors import ConfigError

CI_CHOICES = ("", "github")
WORKFLOW_PATH = ".github/workflows/pages.yml"


@dataclass(frozen=True, slots=True)
class InitReport:
    """What ``init_site`` did."""

    root: str
    """The site directory (absolute)."""
    created: tuple[str, ...]
    """Files written, relative to ``root`` with ``/`` separators, in writing order."""
    skipped: tuple[str, ...]
    """Files that already existed and were left alone (no ``force``)."""

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.skipped


def _template(name: str) -> str:
    return resources.files("ssg").joinpath("data", "scaffold", name).read_text(encoding="utf-8")


def _quoted(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML and YAML double-quoted strings)."""
    return json.dumps(text, ensure_ascii=False)


def _check_url(archive_url: str) -> str:
    if not archive_url:
        return ""
    if not archive_url.startswith(("http://", "https://")):
        raise ConfigError(f"--archive-url must be an absolute http(s) URL, got {archive_url!r}")
    return archive_url if archive_url.endswith("/") else archive_url + "/"


def render_files(*, list_name: str = "", archive_url: str = "", ci: str = "") -> dict[str, str]:
    """The scaffold as {relative path: text}, without touching the disk."""
    if ci not in CI_CHOICES:
        raise ConfigError(f"--ci must be one of: github, got {ci!r}")
    url = _check_url(archive_url)
    list_name = list_name.strip()
    title = f"{list_name} digest" if list_name else "Mailing list digest"
    if url:
        url_line = f"url = {_quoted(url)}"
    else:
        example = list_name or "LIST"
        url_line = f'# url = "https://lore.kernel.org/{example}/"'
    files = {
        "ssg.toml": Template(_template("ssg.toml")).substitute(
            site_name=_quoted(title), list=_quoted(list_name), url_line=url_line),
        "content/index.md": Template(_template("index.md")).substitute(
            title=_quoted(title), heading=title,
            list_text=f"the {list_name} mailing list" if list_name else "the mailing list"),
        "overrides/README.txt": _template("overrides-README.txt"),
        ".gitignore": _template("gitignore.txt"),
    }
    if ci == "github":
        files[WORKFLOW_PATH] = _template("pages.yml")
    return files


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def init_site(target: Path, *, list_name: str = "", archive_url: str = "", ci: str = "",
              force: bool = False) -> InitReport:
    """Scaffold a site in ``target`` (created if missing).

    Existing files are skipped (listed in the report) unless ``force``.  Raises
    ConfigError for a bad ``archive_url``/``ci`` or a ``target`` that is a file,
    before anything is written.
    """
    target = Path(target)
    files = render_files(list_name=list_name, archive_url=archive_url, ci=ci)
    if target.exists() and not target.is_dir():
        raise ConfigError("exists and is not a directory; choose another place for the site",
                          location=str(target))
    for rel in files:
        if (target / rel).is_dir():
            raise ConfigError(f"{rel} is a directory; move it away first", location=str(target))
    created: list[str] = []
    skipped: list[str] = []
    for rel, text in files.items():
        path = target / rel
        if path.exists() and not force:
            skipped.append(rel)
            continue
        _write_atomic(path, text)
        created.append(rel)
    return InitReport(root=str(target.resolve()), created=tuple(created), skipped=tuple(skipped))


def describe(report: InitReport) -> list[str]:
    """Human-readable lines for the CLI: one per file, then what to do next."""
    lines = [f"created {rel}" for rel in report.created]
    lines += [f"skipped {rel} (exists; use --force to overwrite)" for rel in report.skipped]
    if report.created:
        where = "" if Path(report.root) == Path.cwd().resolve() else f"cd {report.root}, "
        lines.append(f"next: {where}check ssg.toml ([archive] url and list), then run "
                     "'ssg fetch', 'ssg build' and 'ssg serve'")
    return lines
