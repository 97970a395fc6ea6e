"""DiffstatLexer: registration through the entry point, token kinds, round trips."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import Comment, Error, Generic, Keyword, Name, Number, Operator, Punctuation

from ssg.lexers import DiffstatLexer, diffstat_html

VENV_BIN = Path(sys.executable).parent


def kinds(text: str) -> list[tuple[object, str]]:
    return [(k, v) for k, v in DiffstatLexer().get_tokens(text) if v.strip()]


def test_found_by_pygments_through_the_entry_point():
    assert isinstance(get_lexer_by_name("diffstat"), DiffstatLexer)
    assert isinstance(get_lexer_for_filename("x.diffstat"), DiffstatLexer)


def test_pygmentize_knows_the_lexer():
    exe = VENV_BIN / "pygmentize"
    if not exe.exists():
        pytest.skip(f"pygmentize not found next to {sys.executable}")
    out = subprocess.run([str(exe), "-l", "diffstat", "-f", "html"], input=" a.c | 2 +-\n",
                         capture_output=True, text=True, check=True).stdout
    assert '<span class="gi">+</span><span class="gd">-</span>' in out


@pytest.mark.parametrize("line, expected", [
    (" drivers/hv/vmbus_drv.c | 12 ++++++------",
     [(Name, "drivers/hv/vmbus_drv.c"), (Punctuation, "|"), (Number, "12"),
      (Generic.Inserted, "++++++"), (Generic.Deleted, "------")]),
    (" a.c | 3 +++", [(Name, "a.c"), (Punctuation, "|"), (Number, "3"), (Generic.Inserted, "+++")]),
    (" a.c | 2 --", [(Name, "a.c"), (Punctuation, "|"), (Number, "2"), (Generic.Deleted, "--")]),
    (" a.c | 0", [(Name, "a.c"), (Punctuation, "|"), (Number, "0")]),
    (" fw/blob.bin | Bin 0 -> 123 bytes",
     [(Name, "fw/blob.bin"), (Punctuation, "|"), (Keyword, "Bin"), (Number, "0"), (Operator, "->"),
      (Number, "123"), (Keyword, "bytes")]),
    (" net/{old => new}/x.c | 4 ++--",
     [(Name, "net/"), (Operator, "{"), (Name, "old"), (Operator, "=>"), (Name, "new"), (Operator, "}"),
      (Name, "/x.c"), (Punctuation, "|"), (Number, "4"), (Generic.Inserted, "++"), (Generic.Deleted, "--")]),
    (" old.c => new.c | 1 +",
     [(Name, "old.c"), (Operator, "=>"), (Name, "new.c"), (Punctuation, "|"), (Number, "1"),
      (Generic.Inserted, "+")]),
    (" 3 files changed, 10 insertions(+), 2 deletions(-)",
     [(Number, "3"), (Generic.Strong, "files"), (Generic.Strong, "changed,"), (Number, "10"),
      (Generic.Inserted, "insertions(+)"), (Generic.Strong, ","), (Number, "2"),
      (Generic.Deleted, "deletions(-)")]),
    (" 1 file changed, 1 insertion(+)", [(Number, "1"), (Generic.Strong, "file"),
                                         (Generic.Strong, "changed,"), (Number, "1"),
                                         (Generic.Inserted, "insertion(+)")]),
    (" create mode 100644 include/linux/new.h", [(Comment, "create mode 100644 include/linux/new.h")]),
])
def test_token_kinds(line, expected):
    assert kinds(line + "\n") == expected


@given(st.text(alphabet=st.sampled_from(list(" \t\n|+-{}=>Bin0123456789abc./()%,")), max_size=200))
def test_any_text_round_trips_without_errors(text):
    tokens = list(DiffstatLexer().get_tokens_unprocessed(text))
    assert "".join(v for _, _, v in tokens) == text
    assert all(k is not Error for _, k, _ in tokens)
    positions = [i for i, _, _ in tokens]
    assert positions == sorted(positions)


def pygments_html(text: str) -> str:
    return highlight(text, DiffstatLexer(), HtmlFormatter(nowrap=True))


@pytest.mark.parametrize("text", [
    "", "\n\n", " a.c | 2 +-\n", "\n\n drivers/hv/{a => b}.c | 12 ++++++------\n\n\n",
    " 2 files changed, 3 insertions(+), 1 deletion(-)\n create mode 100644 include/x.h\n",
    " fw.bin | Bin 0 -> 12 bytes\r\n a&b<c>\"'.c | 1 +\r last line without newline",
    "\ufeff x | 3 ++-\n", "\tx\x0cy | 1 +\x85z\u2028 | 2 --\n \n\t\n",
])
def test_diffstat_html_is_what_pygments_makes(text):
    assert diffstat_html(text) == pygments_html(text)


@given(st.text(alphabet=st.sampled_from(list(" \t\n\r\x0c\x85\u2028\ufeff|+-{}=>Bin0123456789abc./()%,&<>\"'")),
               max_size=200))
def test_diffstat_html_is_what_pygments_makes_for_any_text(text):
    assert diffstat_html(text) == pygments_html(text)


def test_analyse_text_recognises_a_diffstat():
    assert DiffstatLexer.analyse_text(" a | 1 +\n 1 file changed, 1 insertion(+)\n") > 0.5
    assert DiffstatLexer.analyse_text("hello world\n") == 0.0
