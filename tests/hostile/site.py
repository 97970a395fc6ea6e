"""Import + build of hostile messages with the real CLI, in-process, in a directory of its own."""

from __future__ import annotations

import contextlib
import io
import json
import os
import time
from pathlib import Path

from ssg import cli
from tests.hostile import tree_snapshot
from tests.hostile.corpus import mbox

SOURCE_DATE_EPOCH = 1_790_000_000
CONFIG = ('site_name = "Hostile"\nsite_url = "https://example.test/hostile/"\n'
          '[archive]\npath = "inbox"\nlist = "hostile"\nurl = "https://lists.example.test/hostile/"\n'
          '[digest]\nevery = "week"\n')


class Built:
    """One import + build of a set of hostile messages in its own directory."""

    def __init__(self, root: Path, messages: list[bytes]) -> None:
        self.root = root
        self.work = root / "project"
        self.work.mkdir(parents=True)
        (self.work / "hostile.mbox").write_bytes(mbox(messages))
        (self.work / "ssg.toml").write_text(CONFIG)
        self.count = len(messages)
        self.before = tree_snapshot(root.parent, skip=(root.parent / "hostile-sentinel",))
        self.err = io.StringIO()
        old_cwd, old_sde = os.getcwd(), os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(SOURCE_DATE_EPOCH)
        os.chdir(self.work)  # a relative write anywhere would land here and be seen
        t0 = time.monotonic()
        try:
            with contextlib.redirect_stderr(self.err), contextlib.redirect_stdout(self.err):
                self.import_rc = cli.main(["import", str(self.work / "hostile.mbox"), "--to",
                                           str(self.work / "inbox")])
                self.build_rc = cli.main(["build", "-f", str(self.work / "ssg.toml"), "-v"])
        finally:
            self.seconds = time.monotonic() - t0
            os.chdir(old_cwd)
            if old_sde is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = old_sde
        self.after = tree_snapshot(root.parent, skip=(root.parent / "hostile-sentinel",))
        self.site = self.work / "site"
        self.content = self.work / "content"

    def messages(self) -> list[dict]:
        out = []
        for p in sorted((self.content / "digests").glob("*.json")):
            out += json.loads(p.read_text("utf-8"))["messages"]
        return out
