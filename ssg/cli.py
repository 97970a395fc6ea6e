"""Command line: argparse, and a dozen lines per command wiring the stages.

Stage modules are imported inside each command so that start-up stays fast.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import Callable

from ssg import __version__
from ssg import errors
from ssg.errors import ConfigError, NotBuiltYet, SsgError

COMMANDS: dict[str, str] = {
    "init": "scaffold a site: ssg.toml, content/, overrides/, .gitignore, optional Pages workflow",
    "digest": "write Markdown digests for new ranges into content/",
    "build": "digest (when an archive is configured) and render content/ to site/",
    "serve": "build into a temporary directory and serve it with live reload",
    "deploy": "build and publish site/ to a gh-pages branch (alias: gh-deploy)",
    "fetch": "clone or update the configured public-inbox epochs with git",
    "import": "turn an mbox or Maildir into a public-inbox v2 archive",
    "export": "export a digest for newsletters: text, email-html or markdown",
    "scan": "read an archive range and report messages, problems and throughput",
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-f", "--config", metavar="FILE", help="config file (default: ./ssg.toml or a parent's)")
    p.add_argument("--base-url", metavar="URL", help="override site_url")
    p.add_argument("--strict", action="store_true", default=None, help="treat warnings as errors")
    p.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    p.add_argument("-v", "--verbose", action="store_true", help="print more detail")
    p.add_argument("--debug", action="store_true", help="show tracebacks")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ssg", description="Static site generator for mailing-list archives.",
        epilog="Run 'ssg COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"ssg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help=COMMANDS["init"])
    p.add_argument("dir", nargs="?", default=".")
    p.add_argument("--list", dest="list_name", metavar="NAME")
    p.add_argument("--archive-url", metavar="URL")
    p.add_argument("--ci", choices=["github"])
    p.add_argument("--force", action="store_true", help="overwrite existing files")
    _common(p)

    p = sub.add_parser("digest", help=COMMANDS["digest"])
    p.add_argument("--range", dest="rng", metavar="A..B", help="one explicit commit range")
    p.add_argument("--every", choices=["none", "day", "week", "month"], help="cut history into periods")
    p.add_argument("--json", action="store_true", help="print digest.json for --range instead of writing")
    p.add_argument("--force", action="store_true", help="overwrite hand-edited pages")
    _common(p)

    p = sub.add_parser("build", help=COMMANDS["build"])
    p.add_argument("--no-digest", action="store_true", help="only render content/")
    p.add_argument("--every", choices=["none", "day", "week", "month"])
    p.add_argument("--force", action="store_true", help="overwrite hand-edited pages")
    _common(p)

    p = sub.add_parser("serve", help=COMMANDS["serve"])
    p.add_argument("-a", "--dev-addr", metavar="HOST:PORT", default="127.0.0.1:8000")
    p.add_argument("--open", action="store_true", help="open a browser")
    p.add_argument("--no-livereload", action="store_true")
    p.add_argument("--poll", action="store_true", help="poll the file system (network file systems)")
    _common(p)

    p = sub.add_parser("deploy", aliases=["gh-deploy"], help=COMMANDS["deploy"])
    p.add_argument("-r", "--remote")
    p.add_argument("-b", "--branch")
    p.add_argument("-m", "--message")
    p.add_argument("--force", action="store_true", help="force-push")
    p.add_argument("--no-history", action="store_true", help="replace the branch with one commit")
    p.add_argument("--no-build", action="store_true", help="publish site/ as it is")
    _common(p)

    p = sub.add_parser("fetch", help=COMMANDS["fetch"])
    _common(p)

    p = sub.add_parser("import", help=COMMANDS["import"])
    p.add_argument("source", help="mbox file or Maildir directory")
    p.add_argument("--to", required=True, metavar="DIR", help="public-inbox v2 inbox directory")
    _common(p)

    p = sub.add_parser("export", help=COMMANDS["export"])
    p.add_argument("digest", help="digest file, slug, or 'latest'")
    p.add_argument("--format", choices=["text", "email-html", "markdown"], default="text")
    p.add_argument("-o", "--output", metavar="FILE")
    _common(p)

    p = sub.add_parser("scan", help=COMMANDS["scan"])
    p.add_argument("--archive", metavar="PATH")
    p.add_argument("--range", dest="rng", metavar="A..B")
    p.add_argument("--json", action="store_true")
    p.add_argument("--examples", type=int, default=3, help="examples shown per problem code")
    _common(p)
    return parser


def load_config(args: argparse.Namespace):
    from ssg import config

    overrides = {"site_url": getattr(args, "base_url", None), "strict": getattr(args, "strict", None)}
    if getattr(args, "command", "") == "scan" and getattr(args, "archive", None):
        overrides["archive.path"] = args.archive
    cfg = config.load(args.config, overrides=overrides)
    for w in cfg.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if cfg.warnings and cfg.strict:
        raise ConfigError(f"{len(cfg.warnings)} warning(s) and --strict is on", location=cfg.config_file)
    return cfg


def _not_built(name: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise NotBuiltYet(f"'ssg {name}' is not built yet ({issue})")
    return run


def _handlers() -> dict[str, Callable[[argparse.Namespace], int]]:
    from ssg import commands

    return {name: getattr(commands, "cmd_" + name.replace("-", "_"), None)
            or _not_built(name, "see the project's open issues") for name in
            tuple(COMMANDS)}


GC_THRESHOLDS = (100_000, 50, 1_000)
"""Cyclic GC runs after 100,000 allocations instead of 700: a build allocates millions of
short-lived tokens and rows with few cycles, and the default spends ~13% of the render's
CPU scanning them (bench/README.md)."""


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    name = "deploy" if args.command == "gh-deploy" else args.command
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _handlers()[name](args)
    except NotBuiltYet as exc:
        print(f"ssg: {exc}", file=sys.stderr)
        return 3
    except SsgError as exc:
        if args.debug:
            raise
        print(f"ssg: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ssg: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a full disk, a read-only directory: one line, not a traceback
        told = errors.environmental(exc)
        if told is None or args.debug:
            raise
        print(f"ssg: error: {told}", file=sys.stderr)
        return 1


def run() -> None:
    """The ``ssg`` program: ``main``, then out without tearing the heap down.

    A build leaves a large heap behind (the renderer's state of every page); the
    interpreter freeing it object by object took ≈0.03 s of a 300-message build.
    Everything ssg writes is closed or committed by the time ``main`` returns and its
    child processes have been waited for, so only the standard streams need a flush.
    An exception still leaves the ordinary way (with its traceback)."""
    rc = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more to say
            pass
    os._exit(rc if isinstance(rc, int) else 1)
