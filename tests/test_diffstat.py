"""ssg.diffstat: computing, summarising, summing and formatting diffstats."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.diffstat import (compute, format_diffstat, rename_display, sum_diffstats, summary,
                          summary_line, unquote_path)
from ssg.model import Diffstat, FileStat

MODIFY = """diff --git a/drivers/foo.c b/drivers/foo.c
index 1111111..2222222 100644
--- a/drivers/foo.c
+++ b/drivers/foo.c
@@ -1,3 +1,4 @@
 a
-b
+B
+c
 d
"""

CASES = {
    "modify": (MODIFY, [("drivers/foo.c", 2, 1, False, "M", "")]),
    "new-file": ("""diff --git a/new.c b/new.c
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/new.c
@@ -0,0 +1,2 @@
+x
+y
""", [("new.c", 2, 0, False, "A", "")]),
    "deleted-file": ("""diff --git a/old.c b/old.c
deleted file mode 100644
index 1111111..0000000
--- a/old.c
+++ /dev/null
@@ -1,3 +0,0 @@
-x
-y
-z
""", [("old.c", 0, 3, False, "D", "")]),
    "rename-with-hunk": ("""diff --git a/lib/a.c b/lib/b.c
similarity index 90%
rename from lib/a.c
rename to lib/b.c
index 1111111..2222222 100644
--- a/lib/a.c
+++ b/lib/b.c
@@ -1 +1 @@
-old
+new
""", [("lib/b.c", 1, 1, False, "R", "lib/a.c")]),
    "rename-only": ("""diff --git a/lib/a.c b/lib/b.c
similarity index 100%
rename from lib/a.c
rename to lib/b.c
""", [("lib/b.c", 0, 0, False, "R", "lib/a.c")]),
    "copy": ("""diff --git a/lib/a.c b/lib/c.c
similarity index 100%
copy from lib/a.c
copy to lib/c.c
""", [("lib/c.c", 0, 0, False, "C", "lib/a.c")]),
    "mode-only": ("""diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
""", [("run.sh", 0, 0, False, "T", "")]),
    "mode-and-hunk": ("""diff --git a/run.sh b/run.sh
old mode 100644
new mode 100755
index 1111111..2222222
--- a/run.sh
+++ b/run.sh
@@ -1 +1 @@
-a
+b
""", [("run.sh", 1, 1, False, "M", "")]),
    "git-binary-patch": ("""diff --git a/fw.bin b/fw.bin
new file mode 100644
index 0000000..1111111
GIT binary patch
literal 12
TcmZQzKn1Yx00002

literal 0
HcmV?d00001

""", [("fw.bin", 0, 0, True, "A", "")]),
    "binary-files-differ-git": ("""diff --git a/logo.png b/logo.png
index 1111111..2222222 100644
Binary files a/logo.png and b/logo.png differ
""", [("logo.png", 0, 0, True, "M", "")]),
    "binary-files-differ-plain": ("Binary files a/x.bin and b/x.bin differ\n",
                                  [("x.bin", 0, 0, True, "M", "")]),
    "quoted-paths": ('diff --git "a/with space/\\303\\251t\\303\\251.c" '
                     '"b/with space/\\303\\251t\\303\\251.c"\n'
                     'index 1..2 100644\n--- "a/with space/\\303\\251t\\303\\251.c"\n'
                     '+++ "b/with space/\\303\\251t\\303\\251.c"\n@@ -1 +1 @@\n-a\n+b\n',
                     [("with space/été.c", 1, 1, False, "M", "")]),
    "unquoted-space-mode-only": ("""diff --git a/my dir/my file.c b/my dir/my file.c
old mode 100644
new mode 100755
""", [("my dir/my file.c", 0, 0, False, "T", "")]),
    "no-prefix": ("""diff --git drivers/x.c drivers/x.c
index 1..2 100644
--- drivers/x.c
+++ drivers/x.c
@@ -1,2 +1,2 @@
-a
+b
 c
""", [("drivers/x.c", 1, 1, False, "M", "")]),
    "no-newline-at-eof": ("""diff --git a/t.txt b/t.txt
--- a/t.txt
+++ b/t.txt
@@ -1 +1 @@
-a
\\ No newline at end of file
+b
\\ No newline at end of file
""", [("t.txt", 1, 1, False, "M", "")]),
    "diff-u-with-timestamps": ("""--- tools/run.sh.orig	2025-03-30 10:00:00.000000000 +0000
+++ tools/run.sh	2025-03-30 11:00:00.000000000 +0000
@@ -1,2 +1,3 @@
 x
+y
+z
""", [("tools/run.sh", 2, 0, False, "M", "")]),
    "index-format": ("""Index: a/b.c
===================================================================
--- a/b.c
+++ b/b.c
@@ -1 +1 @@
-q
+r
""", [("b.c", 1, 1, False, "M", "")]),
    "quoted-diff-ignored": ("> diff --git a/x b/x\n> --- a/x\n> +++ b/x\n> @@ -1 +1 @@\n> -a\n> +b\n",
                            []),
    "signature-after-hunk-not-counted": (MODIFY + "-- \n2.43.0\n",
                                         [("drivers/foo.c", 2, 1, False, "M", "")]),
    "deleted-line-looks-like-header": ("""diff --git a/doc.txt b/doc.txt
--- a/doc.txt
+++ b/doc.txt
@@ -1,3 +1,2 @@
 title
--- a/x
--- 
""", [("doc.txt", 0, 2, False, "M", "")]),
    "two-files-two-hunks": (MODIFY + """@@ -20,2 +21,3 @@
 e
+f
 g
diff --git a/drivers/bar.c b/drivers/bar.c
--- a/drivers/bar.c
+++ b/drivers/bar.c
@@ -5,3 +5,2 @@
 h
-i
 j
""", [("drivers/foo.c", 3, 1, False, "M", ""), ("drivers/bar.c", 0, 1, False, "M", "")]),
    "blank-context-lines": ("""diff --git a/e.c b/e.c
--- a/e.c
+++ b/e.c
@@ -1,3 +1,3 @@

-x
+y

""", [("e.c", 1, 1, False, "M", "")]),
    "truncated-hunk": ("""diff --git a/t.c b/t.c
--- a/t.c
+++ b/t.c
@@ -1,10 +1,10 @@
-a
+b
base-commit: 0123456
""", [("t.c", 1, 1, False, "M", "")]),
    "wrapped-git-header-and-hunk-context": ("""diff --git a/drivers/x.c
b/drivers/x.c
index 1..2 100644
--- a/drivers/x.c
+++ b/drivers/x.c
@@ -1,2 +1,3 @@ static int f(struct a
*b)
 a
+b
 c
""", [("drivers/x.c", 1, 0, False, "M", "")]),
    "line-wrapped-inside-hunk": ("""diff --git a/y.c b/y.c
--- a/y.c
+++ b/y.c
@@ -1,2 +1,3 @@
 a
+static struct device_attribute
dev_attr[4];
 c
diff --git a/z.c b/z.c
--- a/z.c
+++ b/z.c
@@ -1 +1 @@
-q
+r
""", [("y.c", 1, 0, False, "M", ""), ("z.c", 1, 1, False, "M", "")]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_compute(name):
    text, expected = CASES[name]
    got = [(f.path, f.insertions, f.deletions, f.binary, f.status, f.old_path)
           for f in compute(text).files]
    assert got == expected


def test_compute_prose_only_is_empty():
    assert compute("Hello\n---\nnot a diff\n").files == ()


def test_headers_without_hunks_are_not_changes_but_empty_new_files_are():
    assert compute("Try this:\n--- a/x.c\n+++ b/x.c\nand tell me\n").files == ()
    assert compute("diff --git a/x.c b/x.c\nindex 1..2 100644\n").files == ()
    (f,) = compute("diff --git a/e b/e\nnew file mode 100644\nindex 0000000..e69de29\n").files
    assert (f.path, f.status, f.insertions) == ("e", "A", 0)


def test_unquote_path():
    assert unquote_path('"a/tab\\there"') == "a/tab\there"
    assert unquote_path('"a/q\\"uote"') == 'a/q"uote'
    assert unquote_path("plain") == "plain"


@pytest.mark.parametrize("line,expected", [
    (" 3 files changed, 10 insertions(+), 2 deletions(-)", (3, 10, 2)),
    (" 1 file changed, 1 insertion(+)", (1, 1, 0)),
    (" 1 file changed, 4 deletions(-)", (1, 0, 4)),
    (" 2 files changed, 0 insertions(+), 0 deletions(-)", (2, 0, 0)),
    ("1 file changed, 1 insertion(+), 1 deletion(-)  ", (1, 1, 1)),
    ("> 1 file changed, 1 insertion(+)", None),
    ("nothing changed here", None),
])
def test_summary(line, expected):
    assert summary(f"text\n{line}\nmore") == expected


def test_summary_line_wording_matches_git():
    one = Diffstat((FileStat("a", 1, 1),))
    assert summary_line(one) == " 1 file changed, 1 insertion(+), 1 deletion(-)"
    assert summary_line(Diffstat((FileStat("a", 2, 0), FileStat("b", 3, 0)))) == \
        " 2 files changed, 5 insertions(+)"
    assert summary_line(Diffstat((FileStat("a", 0, 4),))) == " 1 file changed, 4 deletions(-)"
    assert summary_line(Diffstat((FileStat("a", binary=True),))) == \
        " 1 file changed, 0 insertions(+), 0 deletions(-)"


def test_sum_diffstats_is_per_file():
    a = Diffstat((FileStat("x.c", 1, 2), FileStat("y.c", 3, 0)))
    b = Diffstat((FileStat("x.c", 4, 0, status="M"), FileStat("z.c", 1, 0, status="A")))
    total = sum_diffstats([a, None, b])
    assert [(f.path, f.insertions, f.deletions) for f in total.files] == [
        ("x.c", 5, 2), ("y.c", 3, 0), ("z.c", 1, 0)]
    assert (total.insertions, total.deletions, total.changed) == (9, 2, 3)
    assert sum_diffstats([]).files == ()


@pytest.mark.parametrize("old,new,shown", [
    ("drivers/hv/a.c", "drivers/hv/b.c", "drivers/hv/{a.c => b.c}"),
    ("a/x.c", "b/x.c", "{a => b}/x.c"),
    ("include/foo/old.h", "include/bar/old.h", "include/{foo => bar}/old.h"),
    ("x", "y", "x => y"),
])
def test_rename_display(old, new, shown):
    assert rename_display(old, new) == shown


def test_format_diffstat_git_style():
    ds = Diffstat((FileStat("drivers/foo.c", 2, 1), FileStat("fw.bin", binary=True, status="A"),
                   FileStat("lib/b.c", 0, 0, status="R", old_path="lib/a.c")))
    assert format_diffstat(ds).split("\n") == [
        " drivers/foo.c    |   3 ++-",
        " fw.bin           | Bin",
        " lib/{a.c => b.c} |   0",
        " 3 files changed, 2 insertions(+), 1 deletion(-)",
    ]


def test_format_diffstat_scales_bars_and_shortens_names_to_width():
    ds = Diffstat((FileStat("a/" + "very-long-directory-name/" * 5 + "file.c", 900, 100),
                   FileStat("small.c", 1, 0)))
    lines = format_diffstat(ds, width=72).split("\n")
    assert all(len(line) <= 72 for line in lines)
    assert lines[0].lstrip().startswith(".../") and lines[0].endswith("-")
    assert "| 1000 " in lines[0] and lines[1].endswith("| " + "   1 +")


FILESTATS = st.builds(
    FileStat, path=st.text("abc/._-", min_size=1, max_size=60),
    insertions=st.integers(0, 5000), deletions=st.integers(0, 5000), binary=st.booleans())


@settings(max_examples=200, deadline=None)
@given(st.lists(FILESTATS, min_size=1, max_size=8, unique_by=lambda f: f.path),
       st.integers(40, 120))
def test_format_round_trips_through_summary(files, width):
    ds = Diffstat(tuple(f if not f.binary else FileStat(f.path, binary=True) for f in files))
    text = format_diffstat(ds, width=width)
    assert summary(text) == (ds.changed, ds.insertions, ds.deletions)
    assert len(text.split("\n")) == ds.changed + 1


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("+- @\\\n>abdiffgt/\"") +
                                ["diff --git a/x b/x\n", "@@ -1,2 +1 @@\n", "--- a/x\n+++ b/x\n",
                                 "rename from x\n", "GIT binary patch\n", "\n+", "\n-"]),
                max_size=200).map("".join))
def test_compute_never_raises_and_counts_are_bounded(text):
    ds = compute(text)
    assert ds.insertions <= text.count("\n+") + 1
    assert ds.deletions <= text.count("\n-") + 1


def test_format_diffstat_shares_80_columns_like_git_format_patch():
    path = "net/foo/some_transport_driver.c"  # 31 columns
    ds = Diffstat((FileStat(path, 87, 35),))
    line = format_diffstat(ds).split("\n")[0]
    # git gives the graph 80 - 3 (number) - 6 - 31 (name) = 40 columns: 28 '+' and 12 '-'
    assert line == f" {path} | 122 " + "+" * 28 + "-" * 12
    small = format_diffstat(Diffstat((FileStat("a.c", 2, 1),)))
    assert small.split("\n")[0] == " a.c | 3 ++-"
