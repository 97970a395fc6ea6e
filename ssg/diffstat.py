"""Diff text → ``Diffstat``; the format-patch summary line; git-style display.

Pure.  ``compute`` reads git diffs (new/deleted files, renames and copies without
hunks, mode-only changes, binary patches, quoted paths, ``--no-prefix``) and
non-git ``diff -u`` / ``Index:`` patches.  Hunks are bounded by the counts in their
``@@`` header, so a deleted line that looks like ``--- a/x`` is still a deletion and
text after the last hunk (a signature, ``base-commit:``) is never counted.  Quoted
(``> ``) lines never start a file, so quoted diffs in replies are not counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ssg.model import Diffstat, FileStat

HUNK_RE = re.compile(r"@@ -\d{1,10}(?:,(\d{1,10}))? \+\d{1,10}(?:,(\d{1,10}))? @@")
SUMMARY_RE = re.compile(
    r"\n ?(\d{1,7}) files? changed"
    r"(?:, (\d{1,9}) insertions?\(\+\))?(?:, (\d{1,9}) deletions?\(-\))?[ \t]*(?=\n)")
"""Summary line; search ``"\\n" + text + "\\n"`` (a literal first char scans fast)."""
OCTAL_ESCAPE_RE = re.compile(r"\\([0-7]{3}|.)")
C_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "a": "\a", "b": "\b",
             "f": "\f", "r": "\r", "v": "\v"}
DEV_NULL = "/dev/null"
HUNK_BREAKS = ("diff ", "@@ ", "Index: ", "GIT binary patch", "Binary files ", "base-commit:",
               "change-id:", "prerequisite-")


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of a path (``"a/with space\\303\\251"``)."""
    if len(text) < 2 or not (text.startswith('"') and text.endswith('"')):
        return text
    raw = bytearray()
    pos, inner = 0, text[1:-1]
    for m in OCTAL_ESCAPE_RE.finditer(inner):
        raw += inner[pos:m.start()].encode("utf-8", "surrogateescape")
        esc = m.group(1)
        if len(esc) == 3:
            raw.append(int(esc, 8) & 0xFF)
        else:
            raw += C_ESCAPES.get(esc, esc).encode("utf-8", "surrogateescape")
        pos = m.end()
    raw += inner[pos:].encode("utf-8", "surrogateescape")
    return raw.decode("utf-8", "replace")


def _first_path(text: str) -> tuple[str, str]:
    """Split one (maybe quoted) path off the front of ``text``: (path, rest)."""
    if text.startswith('"'):
        i = 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                return unquote_path(text[:i + 1]), text[i + 1:].lstrip(" ")
            i += 1
        return unquote_path(text + '"'), ""
    return text, ""


def _strip_prefix(path: str, prefix: str) -> str:
    return path[len(prefix):] if prefix and path.startswith(prefix) else path


def _git_header_paths(rest: str) -> tuple[str, str]:
    """Old and new path from the text after ``diff --git `` (prefixes kept)."""
    if rest.startswith('"'):
        old, tail = _first_path(rest)
        new = unquote_path(tail) if tail.startswith('"') else tail
        return old, new
    if rest.endswith('"'):
        i = rest.rfind(' "')
        return rest[:i], unquote_path(rest[i + 1:])
    # unquoted: "a/X b/X" (or "X X" without prefixes); prefer the split with equal halves
    half = (len(rest) - 1) // 2
    old, new = rest[:half], rest[half + 1:]
    if rest[half:half + 1] == " " and old.partition("/")[2] == new.partition("/")[2]:
        return old, new
    if old == new:
        return old, new
    i = rest.find(" b/")
    if i > 0:
        return rest[:i], rest[i + 1:]
    return rest.partition(" ")[0], rest.partition(" ")[2]


def _side_path(text: str) -> str:
    """Path of a ``---``/``+++`` line: unquoted, a ``diff -u`` timestamp removed."""
    text = text.rstrip("\n")
    if text.startswith('"'):
        return _first_path(text)[0]
    return text.split("\t", 1)[0].rstrip(" ") if "\t" in text else text.rstrip(" ")


class _File:
    """Mutable accumulator for one file while scanning (never leaves this module)."""

    __slots__ = ("old", "new", "ins", "dels", "binary", "status", "git", "prefixed", "hunks")

    def __init__(self, old: str = "", new: str = "", git: bool = False,
                 prefixed: bool = True) -> None:
        self.old, self.new, self.ins, self.dels = old, new, 0, 0
        self.binary, self.status, self.git, self.prefixed = False, "M", git, prefixed
        self.hunks = 0

    def is_change(self) -> bool:
        """False for a header with nothing under it (prose that merely looks like a diff)."""
        return bool(self.hunks or self.binary or self.status != "M" or
                    (self.git and self.old == DEV_NULL) or (self.git and self.new == DEV_NULL))

    def freeze(self) -> FileStat:
        strip_a = "a/" if self.prefixed else ""
        strip_b = "b/" if self.prefixed else ""
        old = _strip_prefix(self.old, strip_a) if self.old != DEV_NULL else ""
        new = _strip_prefix(self.new, strip_b) if self.new != DEV_NULL else ""
        status = self.status
        if status == "M" and not old and new:
            status = "A"
        elif status == "M" and old and not new:
            status = "D"
        path = new or old
        old_path = old if status in ("R", "C") and old != new else ""
        if status in ("R", "C") and not old_path:
            status = "M"
        return FileStat(path=path, insertions=self.ins, deletions=self.dels,
                        binary=self.binary, status=status, old_path=old_path)


def _git_extended(f: _File, line: str) -> None:
    """Apply one extended header line of a git diff to ``f``."""
    if line.startswith("new file mode"):
        f.status, f.old = "A", DEV_NULL
    elif line.startswith("deleted file mode"):
        f.status, f.new = "D", DEV_NULL
    elif line.startswith(("rename from ", "copy from ")):
        f.old = ("a/" if f.prefixed else "") + unquote_path(line.split(" ", 2)[2])
        f.status = "R" if line[0] == "r" else "C"
    elif line.startswith(("rename to ", "copy to ")):
        f.new = ("b/" if f.prefixed else "") + unquote_path(line.split(" ", 2)[2])
    elif line.startswith("new mode") and f.status == "M":
        f.status = "T"
    elif line.startswith(("GIT binary patch", "Binary files ")):
        f.binary = True
        if f.status == "T":
            f.status = "M"


def compute(diff_text: str) -> Diffstat:
    """Per-file insertions/deletions of every unquoted diff in ``diff_text``."""
    files: list[_File] = []
    cur: _File | None = None
    lines = diff_text.split("\n")
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        i += 1
        head = line[:4]
        if head == "@@ -" and cur is not None:
            m = HUNK_RE.match(line)
            if m is None:
                continue
            if cur.status == "T":
                cur.status = "M"
            cur.hunks += 1
            i = _count_hunk(cur, lines, i, int(m.group(1) or 1), int(m.group(2) or 1))
        elif head == "diff" and line.startswith("diff --git "):
            old, new = _git_header_paths(line[11:])
            cur = _File(old, new, git=True,
                        prefixed=old.startswith("a/") and new.startswith("b/"))
            files.append(cur)
        elif head == "--- " and i < n and lines[i].startswith("+++ "):
            old, new = _side_path(line[4:]), _side_path(lines[i][4:])
            i += 1
            if cur is not None and cur.git and not cur.ins and not cur.dels and not cur.binary:
                _take_side_paths(cur, old, new)
                continue
            prefixed = (old.startswith("a/") or old == DEV_NULL) and \
                (new.startswith("b/") or new == DEV_NULL)
            cur = _File(old, new, git=False, prefixed=prefixed)
            files.append(cur)
        elif cur is not None and cur.git and head in ("new ", "dele", "rena", "copy",
                                                      "GIT ", "Bina", "old ", "simi"):
            _git_extended(cur, line)
        elif head == "Bina" and line.startswith("Binary files ") and line.endswith(" differ"):
            cur = _binary_files_line(line)
            files.append(cur)
    return Diffstat(files=tuple(f.freeze() for f in files if f.is_change()))


def _take_side_paths(f: _File, old: str, new: str) -> None:
    """``---``/``+++`` paths of a git diff win over its header (which mailers wrap)."""
    if f.status in ("R", "C") and old != DEV_NULL and new != DEV_NULL:
        return
    f.prefixed = (old.startswith("a/") or old == DEV_NULL) and \
        (new.startswith("b/") or new == DEV_NULL)
    f.old, f.new = old, new


def _binary_files_line(line: str) -> _File:
    """A non-git ``Binary files A and B differ`` line."""
    body = line[len("Binary files "):-len(" differ")]
    old, _, new = body.partition(" and ")
    f = _File(old, new, git=False, prefixed=old.startswith("a/") and new.startswith("b/"))
    f.binary = True
    return f


def _count_hunk(f: _File, lines: list[str], i: int, old_n: int, new_n: int) -> int:
    """Count one hunk's lines into ``f``; return the index after the hunk."""
    n = len(lines)
    while i < n and (old_n > 0 or new_n > 0):
        line = lines[i]
        c = line[:1]
        if c == "+":
            f.ins += 1
            new_n -= 1
        elif c == "-":
            f.dels += 1
            old_n -= 1
        elif c == " " or c == "":
            old_n -= 1
            new_n -= 1
        elif line.startswith(HUNK_BREAKS):
            break  # a truncated hunk: the next file or hunk starts here
        # else: a line wrapped by a mail client; skip it and keep counting
        i += 1
    while i < n and lines[i][:1] == "\\":
        i += 1
    return i


def summary(text: str) -> tuple[int, int, int] | None:
    """(files, insertions, deletions) of the first format-patch summary line, or None."""
    m = SUMMARY_RE.search(f"\n{text}\n") if "changed" in text else None
    if m is None:
        return None
    return int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)


def sum_diffstats(stats: Iterable[Diffstat | None]) -> Diffstat:
    """Per-file sum of several diffstats, files in order of first appearance."""
    merged: dict[str, FileStat] = {}
    for ds in stats:
        for f in ds.files if ds is not None else ():
            prev = merged.get(f.path)
            if prev is None:
                merged[f.path] = f
                continue
            merged[f.path] = FileStat(
                path=f.path, insertions=prev.insertions + f.insertions,
                deletions=prev.deletions + f.deletions, binary=prev.binary or f.binary,
                status=prev.status if prev.status != "M" else f.status,
                old_path=prev.old_path or f.old_path)
    return Diffstat(files=tuple(merged.values()))


def rename_display(old: str, new: str) -> str:
    """Git's ``dir/{old => new}`` form: common leading and trailing directories kept."""
    pfx = 0
    for i in range(min(len(old), len(new))):
        if old[i] != new[i]:
            break
        if old[i] == "/":
            pfx = i + 1
    sfx = 0
    for i in range(1, min(len(old), len(new)) - pfx + 1):
        if old[-i] != new[-i]:
            break
        if old[-i] == "/":
            sfx = i
    if not pfx and not sfx:
        return f"{old} => {new}"
    end_old, end_new = len(old) - sfx, len(new) - sfx
    return f"{old[:pfx]}{{{old[pfx:end_old]} => {new[pfx:end_new]}}}{old[end_old:]}"


def summary_line(ds: Diffstat) -> str:
    """`` N files changed, X insertions(+), Y deletions(-)`` as git words it."""
    files, ins, dels = ds.changed, ds.insertions, ds.deletions
    text = f" {files} file{'' if files == 1 else 's'} changed"
    if ins or not dels:
        text += f", {ins} insertion{'' if ins == 1 else 's'}(+)"
    if dels or not ins:
        text += f", {dels} deletion{'' if dels == 1 else 's'}(-)"
    return text


def _shorten(name: str, width: int) -> str:
    """``.../tail`` of a path too long for ``width`` columns (cut at a slash)."""
    if len(name) <= width:
        return name
    tail = name[len(name) - max(width - 3, 0):]
    slash = tail.find("/")
    return "..." + (tail[slash:] if slash >= 0 else tail)


def _columns(names: list[str], most: int, num_w: int, width: int) -> tuple[int, int]:
    """(name width, graph width) the way git shares ``width`` columns out."""
    name_w, graph_w = max(len(n) for n in names), most
    if name_w + num_w + 6 + graph_w > width:
        graph_w = min(graph_w, max(width * 3 // 8 - num_w - 6, 6))
        if name_w > width - num_w - 6 - graph_w:
            name_w = max(width - num_w - 6 - graph_w, 0)
        else:
            graph_w = width - num_w - 6 - name_w
    return name_w, graph_w


def _scale(n: int, graph_w: int, most: int) -> int:
    """Scale a count so the biggest change fills the graph; any change shows one mark."""
    return 1 + n * (graph_w - 1) // most if n else 0


def _bar(f: FileStat, graph_w: int, most: int) -> str:
    plus, minus = f.insertions, f.deletions
    if most > graph_w:
        total = max(_scale(plus + minus, graph_w, most), 2 if plus and minus else 0)
        if plus < minus:
            plus = _scale(plus, graph_w, most)
            minus = total - plus
        else:
            minus = _scale(minus, graph_w, most)
            plus = total - minus
    return "+" * plus + "-" * minus


def format_diffstat(ds: Diffstat, width: int = 80) -> str:
    """Git-style diffstat lines plus the summary line (no trailing newline).

    Column sharing and bar scaling follow what ``git format-patch`` prints at 80
    columns, so a computed diffstat reads like the one sent.  Binary files show
    ``Bin`` (byte sizes are not kept in ``FileStat``).
    """
    if not ds.files:
        return summary_line(ds)
    names = [rename_display(f.old_path, f.path) if f.old_path else f.path for f in ds.files]
    most = max((f.insertions + f.deletions for f in ds.files if not f.binary), default=0)
    num_w = max(len(str(most)), 3 if any(f.binary for f in ds.files) else 1)
    name_w, graph_w = _columns(names, most, num_w, width)
    lines = []
    for f, name in zip(ds.files, names):
        shown = _shorten(name, name_w)
        count = "Bin" if f.binary else str(f.insertions + f.deletions)
        bar = "" if f.binary else _bar(f, graph_w, most)
        lines.append(f" {shown:<{name_w}} | {count:>{num_w}} {bar}".rstrip())
    lines.append(summary_line(ds))
    return "\n".join(lines)
