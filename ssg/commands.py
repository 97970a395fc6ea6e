"""One function per command: load config, call the stages, print a summary.

A command missing here is reported by the CLI as not built yet.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Callable

from ssg.errors import ConfigError, RenderError


def _say(args: argparse.Namespace) -> Callable[[str], None]:
    return (lambda _msg: None) if getattr(args, "quiet", False) else (lambda msg: print(msg, file=sys.stderr))


def _config(args: argparse.Namespace):
    from ssg.cli import load_config

    return load_config(args)


def _progress(args: argparse.Namespace) -> Callable[[int, int, str], None] | None:
    if getattr(args, "quiet", False):
        return None
    tty = sys.stderr.isatty()

    def show(n: int, total: int, path: str) -> None:
        if tty:
            print(f"\r[{n}/{total}] {path[:60]:<60}", end="" if n < total else "\n", file=sys.stderr, flush=True)
        elif getattr(args, "verbose", False) or n == total or n % 50 == 0:
            print(f"[{n}/{total}] {path}", file=sys.stderr)
    return show


def _digest(cfg, args: argparse.Namespace, say: Callable[[str], None], tell: int = -1) -> int:
    """The digest command's work; ``tell``: a pipe to name each staged page on (``handoff``)."""
    return _digested(cfg, args, say, tell)[0]


def _digested(cfg, args: argparse.Namespace, say: Callable[[str], None],
              tell: int = -1) -> tuple[int, tuple[str, ...]]:
    """``_digest``, and the content/ paths the run wrote or removed (for ``Ahead.committed``)."""
    from ssg import handoff, pipeline

    t0 = time.perf_counter()
    sender = handoff.Sender(tell) if tell >= 0 else None
    report = pipeline.run(cfg, spec=getattr(args, "rng", None), every=getattr(args, "every", None),
                          force=getattr(args, "force", False), log=say, progress=_progress(args),
                          staged=sender, expect=sender.expect if sender else None)
    for path in report.kept:
        say(f"warning: {path} was edited by hand; not overwritten (use --force)")
    for p in report.problems[:5] if getattr(args, "verbose", False) else ():
        say(f"problem: {p}")
    say(f"digest: {len(report.digests)} range(s), {report.messages} messages, "
        f"{len(report.written)} files written, {report.unchanged} unchanged, {len(report.kept)} kept, "
        f"{report.problem_count} mail problems, {time.perf_counter() - t0:.2f}s")
    return 1 if (cfg.strict and report.kept) else 0, (*report.written, *report.removed)


def cmd_digest(args: argparse.Namespace) -> int:
    cfg = _config(args)
    say = _say(args)
    if args.json:
        if not args.rng:
            raise ConfigError("--json needs --range A..B")
        from ssg import pipeline
        from ssg.assemble import digest_json

        report = pipeline.run(cfg, spec=args.rng, write=False, log=say)
        if report.last is None:
            raise ConfigError(f"range {args.rng} holds no commits")
        json.dump(digest_json(report.last), sys.stdout, ensure_ascii=False, indent=1)
        print()
        return 0
    with _locked(cfg, say):
        return _digest(cfg, args, say)


def _locked(cfg, say: Callable[[str], None]):
    """The site's lock (``ssg.sitelock``): one run at a time writes content/, the index and site/."""
    from ssg import sitelock

    return sitelock.hold(cfg.path(cfg.cache_dir), say)


def cmd_build(args: argparse.Namespace) -> int:
    cfg = _config(args)
    say = _say(args)
    with _locked(cfg, say):
        return _build(cfg, args, say)


def _build(cfg, args: argparse.Namespace, say: Callable[[str], None]) -> int:
    t0 = time.perf_counter()
    _site_is_ours(cfg)
    rc, known = 0, None
    if cfg.archive.path and not args.no_digest:
        from ssg import apart, handoff, pipes, writer

        hear, tell = os.pipe()
        pipes.widen(hear)  # fewer names dropped while the parser falls behind
        # content/ may be looked at while the digest runs unless it first finishes a killed run's batch
        stat_ahead = not (cfg.path(cfg.docs_dir) / writer.TXN_DIR).exists()
        try:  # (forked before the renderer is imported: the child has its own imports to do)
            digest = apart.start(_digested, cfg, args, say, tell, debug=getattr(args, "debug", False))
        finally:
            os.close(tell)  # the digest's copy is the one left: its end is the end of the pipe
        from dataclasses import replace

        from ssg import render_output

        try:  # meanwhile: the last build's state, content/ as it is, and the new pages parsed as they come
            known = render_output.ahead(cfg, staged=handoff.received(hear), late=digest.ended,
                                        stat_content=stat_ahead)
        finally:
            os.close(hear)
            rc, committed = digest.wait()
        known = replace(known, committed=committed)
    from ssg import render

    report = render.build(cfg, strict=cfg.strict, log=say, known=known)
    errors = [p for p in report.problems]
    for p in errors[:20]:
        say(f"{'error' if cfg.strict else 'warning'}: {p}")
    if len(errors) > 20:
        say(f"… and {len(errors) - 20} more problems")
    say(f"build: {report.pages} pages into {cfg.path(cfg.site_dir)} in {time.perf_counter() - t0:.2f}s"
        f" ({len(errors)} problems)")
    if cfg.strict and errors:
        raise RenderError(f"{len(errors)} problem(s) and --strict is on")
    return rc


def _site_is_ours(cfg) -> None:
    """Refuse before any work when site_dir is a directory ssg may not replace (``render_swap.claim``)."""
    from ssg import render_swap

    site = cfg.path(cfg.site_dir).resolve()

    def named() -> str:
        from ssg import render_state

        return str(render_state.read_manifest(cfg.path(cfg.cache_dir) / "render").get("site", ""))
    render_swap.claim(site, named)


def cmd_scan(args: argparse.Namespace) -> int:
    from ssg.scan import scan

    cfg = _config(args)
    result = scan(cfg, args.rng, examples=args.examples, log=_say(args))
    if args.json:
        json.dump(result.as_json(), sys.stdout, indent=1)
        print()
    else:
        print(result.text())
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from ssg.inbox import import_mailbox

    report = import_mailbox(Path(args.source), Path(args.to))
    _say(args)(f"import: {report.added} added, {report.duplicates} duplicates, "
               f"{len(report.problems)} problems into {args.to}")
    return 0


def cmd_init(args: argparse.Namespace) -> int:
    from ssg.scaffold import describe, init_site

    report = init_site(Path(args.dir), list_name=args.list_name or "", archive_url=args.archive_url or "",
                       ci=args.ci or "", force=args.force)
    for line in describe(report):
        print(line)
    return 0 if report.ok else 1


def cmd_fetch(args: argparse.Namespace) -> int:
    from ssg.fetch import fetch_archive

    cfg = _config(args)
    if not cfg.archive.path:
        raise ConfigError("set [archive] path (where the archive is kept) in ssg.toml", location=cfg.config_file)
    report = fetch_archive(cfg.archive.fetch_url, Path(cfg.archive.path), progress=_say(args))
    print(report.summary())
    return 0


def cmd_deploy(args: argparse.Namespace) -> int:
    from ssg import __version__  # noqa: F401  (the message template names it)
    from ssg.deploy import deploy_site

    cfg = _config(args)
    say = _say(args)
    with _locked(cfg, say):  # (no build may swap site/ while it is published)
        if not args.no_build:  # a plain build: deploy's --force is about the push, not hand-edited pages
            _build(cfg, argparse.Namespace(**{**vars(args), "force": False, "no_digest": False}), say)
        report = deploy_site(cfg.path(cfg.site_dir), Path(cfg.root), remote=args.remote or cfg.deploy.remote,
                             branch=args.branch or cfg.deploy.branch, message=args.message or cfg.deploy.message,
                             cname=cfg.cname, force=args.force, no_history=args.no_history, log=say)
    print(f"deploy: {'published ' + report.commit[:12] if report.published else report.reason}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from ssg import serve

    cfg = _config(args)
    host, _, port = args.dev_addr.rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError(f"-a/--dev-addr must be HOST:PORT, got {args.dev_addr!r}")
    say = _say(args)
    on_archive = None
    if cfg.archive.path:
        from ssg import pipeline

        if not getattr(args, "no_digest", False):
            with _locked(cfg, say):
                _digest(cfg, args, say)

        def on_archive() -> None:
            now = _config(args)
            with _locked(now, say):
                pipeline.run(now, log=say)
    serve.serve(cfg, host=host.strip("[]"), port=int(port), open_browser=args.open,
                livereload=not args.no_livereload, poll=args.poll, on_archive_change=on_archive,
                log=say, config_loader=lambda: _config(args))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ssg.export import export

    cfg = _config(args)
    text = export(cfg, args.digest, args.format)
    if args.output:
        Path(args.output).write_text(text, "utf-8")
    else:
        sys.stdout.write(text)
    return 0
