"""``ssg init``: the scaffold files, the config they load into, the Pages workflow."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from ssg import config
from ssg.errors import ConfigError
from ssg.scaffold import WORKFLOW_PATH, describe, init_site

BASE_FILES = ("ssg.toml", "content/index.md", "overrides/README.txt", ".gitignore")


def test_init_writes_the_scaffold_and_config_loads_without_warnings(tmp_path: Path) -> None:
    site = tmp_path / "site-src"
    report = init_site(site, list_name="linux-hyperv", archive_url="https://lore.kernel.org/linux-hyperv")
    assert report.created == BASE_FILES
    assert report.skipped == () and report.ok
    assert not (site / WORKFLOW_PATH).exists()
    assert (site / "overrides").is_dir()
    cfg = config.load(site / "ssg.toml")
    assert cfg.warnings == ()
    assert cfg.site_name == "linux-hyperv digest"
    assert cfg.archive.list == "linux-hyperv"
    assert cfg.archive.url == "https://lore.kernel.org/linux-hyperv/"
    assert cfg.archive.fetch_url == "https://lore.kernel.org/linux-hyperv"
    assert cfg.archive.path == str((site / "archive").resolve())
    assert cfg.deploy.branch == "gh-pages" and cfg.deploy.remote == "origin"
    assert cfg.theme.custom_dir == "overrides"


def test_defaults_without_list_or_url_load_too(tmp_path: Path) -> None:
    init_site(tmp_path)
    cfg = config.load(tmp_path / "ssg.toml")
    assert cfg.warnings == ()
    assert cfg.archive.url == "" and cfg.archive.list == ""
    assert cfg.site_name == "Mailing list digest"


def test_every_schema_key_is_in_the_commented_config(tmp_path: Path) -> None:
    init_site(tmp_path, list_name="kvm")
    text = (tmp_path / "ssg.toml").read_text()
    for table, keys in config.SCHEMA.items():
        for key in keys:
            if key.kind is dict:
                assert f"[{table}.{key.name}]" in text, key.name
            else:
                assert re.search(rf"^(# )?{key.name} = ", text, re.M), f"{table}.{key.name}"
        if table:
            assert f"[{table}]" in text


def test_commented_examples_are_valid_when_uncommented(tmp_path: Path) -> None:
    init_site(tmp_path, list_name="kvm")
    path = tmp_path / "ssg.toml"
    text = path.read_text()
    example = re.compile(r'^# (\[[\w.]+\]|[\w"@.-]+ = .*)$')
    path.write_text("\n".join(line[2:] if example.match(line) else line for line in text.splitlines()))
    cfg = config.load(path)
    assert cfg.warnings == ()
    assert cfg.cname == "digest.example.org"
    assert cfg.archive.url == "https://lore.kernel.org/kvm/"
    assert dict(cfg.people.organisations)["microsoft.com"] == "Microsoft"
    assert cfg.people.aliases and cfg.people.bots


def test_index_page_front_matter(tmp_path: Path) -> None:
    init_site(tmp_path, list_name="netdev")
    text = (tmp_path / "content/index.md").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta == {"title": "netdev digest", "kind": "home"}
    assert "\n# netdev digest\n" in text


def test_awkward_list_names_are_quoted(tmp_path: Path) -> None:
    name = 'odd "list" \\ name: #1'
    init_site(tmp_path, list_name=name)
    assert config.load(tmp_path / "ssg.toml").archive.list == name
    meta = yaml.safe_load((tmp_path / "content/index.md").read_text().split("---\n")[1])
    assert meta["title"] == f"{name} digest"


def test_gitignore_lists_generated_directories(tmp_path: Path) -> None:
    init_site(tmp_path)
    lines = (tmp_path / ".gitignore").read_text().splitlines()
    for entry in ("site/", ".ssg-cache/", "archive/"):
        assert entry in lines


def test_existing_files_are_skipped_unless_forced(tmp_path: Path) -> None:
    (tmp_path / "ssg.toml").write_text('site_name = "mine"\n')
    report = init_site(tmp_path, list_name="kvm")
    assert report.skipped == ("ssg.toml",)
    assert not report.ok
    assert set(report.created) == set(BASE_FILES) - {"ssg.toml"}
    assert (tmp_path / "ssg.toml").read_text() == 'site_name = "mine"\n'
    assert any("skipped ssg.toml" in line and "--force" in line for line in describe(report))

    again = init_site(tmp_path, list_name="kvm")
    assert again.created == () and set(again.skipped) == set(BASE_FILES)

    forced = init_site(tmp_path, list_name="kvm", force=True)
    assert forced.created == BASE_FILES and forced.ok
    assert config.load(tmp_path / "ssg.toml").archive.list == "kvm"


def test_bad_input_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="http"):
        init_site(tmp_path / "a", archive_url="lore.kernel.org/kvm")
    assert not (tmp_path / "a").exists()
    with pytest.raises(ConfigError, match="ci"):
        init_site(tmp_path / "b", ci="gitlab")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        init_site(tmp_path / "file")
    (tmp_path / "c" / "ssg.toml").mkdir(parents=True)
    with pytest.raises(ConfigError, match="is a directory"):
        init_site(tmp_path / "c")
    assert not (tmp_path / "c" / ".gitignore").exists()


# --- the GitHub Actions workflow -------------------------------------------------

@pytest.fixture
def workflow(tmp_path: Path) -> dict:
    report = init_site(tmp_path, list_name="kvm", ci="github")
    assert WORKFLOW_PATH in report.created
    return yaml.safe_load((tmp_path / WORKFLOW_PATH).read_text())


def _step_index(steps: list[dict], pred) -> int:
    found = [i for i, step in enumerate(steps) if pred(step)]
    assert len(found) == 1, found
    return found[0]


def _uses(name: str):
    return lambda step: step.get("uses", "").split("@")[0] == name


def _runs(fragment: str):
    return lambda step: fragment in step.get("run", "")


def test_workflow_triggers_permissions_concurrency(workflow: dict) -> None:
    on = workflow[True]  # YAML 1.1 reads the key `on` as a boolean
    assert set(on) == {"schedule", "workflow_dispatch"}
    cron = on["schedule"][0]["cron"]
    assert len(cron.split()) == 5 and cron.split()[2:] == ["*", "*", "*"]  # daily
    assert workflow["permissions"] == {"contents": "write", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"]["group"] == "pages"


def test_workflow_build_steps_in_order(workflow: dict) -> None:
    steps = workflow["jobs"]["build"]["steps"]
    checkout = _step_index(steps, _uses("actions/checkout"))
    assert steps[checkout]["with"]["fetch-depth"] == 0
    python = _step_index(steps, _uses("actions/setup-python"))
    major, minor = map(int, str(steps[python]["with"]["python-version"]).split(".")[:2])
    assert (major, minor) >= (3, 11)
    install = _step_index(steps, _runs("pip install"))
    assert workflow["env"]["SSG_PACKAGE"] == "ssg-mail"
    cache = _step_index(steps, _uses("actions/cache"))
    assert "archive" in steps[cache]["with"]["path"].split()
    fetch = _step_index(steps, _runs("ssg fetch"))
    pages = _step_index(steps, _uses("actions/configure-pages"))
    assert steps[pages]["id"] == "pages"
    build = _step_index(steps, _runs("ssg build"))
    assert '--base-url "${{ steps.pages.outputs.base_url }}/"' in steps[build]["run"]
    commit = _step_index(steps, _runs("git add content"))
    script = steps[commit]["run"]
    assert "git diff --cached --quiet" in script and "git push" in script
    upload = _step_index(steps, _uses("actions/upload-pages-artifact"))
    assert steps[upload]["with"]["path"] == "site"
    assert checkout < python < install < cache < fetch < pages < build < commit < upload


def test_workflow_deploy_job(workflow: dict) -> None:
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    step = deploy["steps"][_step_index(deploy["steps"], _uses("actions/deploy-pages"))]
    assert step["id"] == "deployment"
    assert deploy["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_workflow_commit_step_commits_only_changes(workflow: dict, tmp_path: Path) -> None:
    """Run the workflow's own commit script in a clone of a local bare repository."""
    steps = workflow["jobs"]["build"]["steps"]
    script = steps[_step_index(steps, _runs("git add content"))]["run"]
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True, env=env)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "-q", remote.as_uri(), str(work)], check=True, env=env,
                   capture_output=True)
    (work / "content").mkdir()
    (work / "content/index.md").write_text("home\n")
    ident = {"GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.org",
             "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "add", "."], cwd=work, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "init"], cwd=work, check=True, env={**env, **ident})
    subprocess.run(["git", "push", "-q", "-u", "origin", "main"], cwd=work, check=True, env=env,
                   capture_output=True)

    def run() -> None:
        subprocess.run(["bash", "-e", "-c", script], cwd=work, check=True, env=env, capture_output=True)

    run()  # nothing changed: no commit
    assert _git("rev-list", "--count", "main", cwd=remote).strip() == "1"
    (work / "content/digests").mkdir()
    (work / "content/digests/2026-w01.md").write_text("digest\n")
    run()
    assert _git("rev-list", "--count", "main", cwd=remote).strip() == "2"
    assert "content/digests/2026-w01.md" in _git("ls-tree", "-r", "--name-only", "main", cwd=remote)
    assert _git("log", "-1", "--format=%an", "main", cwd=remote).strip() == "github-actions[bot]"
