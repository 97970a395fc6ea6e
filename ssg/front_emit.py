"""Front matter written without a YAML emitter where the text is certain (pure).

``markup.front_matter`` writes YAML with PyYAML (libyaml's emitter when built
with it).  Importing PyYAML costs a 300-message build about 12 ms and each page
about 0.1 ms more, in the process that assembles pages.  The front matter ssg
writes is a short block mapping of scalars, with one level of nested mappings and
block lists of scalars; ``dump`` writes exactly what PyYAML writes for that, and
answers ``None`` for anything else (a float, deeper nesting, a string with a tab,
a line break or a character YAML escapes, a very long line, a string whose type
only PyYAML's resolver can tell), and the caller asks PyYAML.

The rules are YAML's (libyaml's scalar analysis): a string is written plain unless
it is empty, starts or ends with a space, starts with an indicator (``#,[]{}&*!|>'"%@```,
``---``, ``...``, or ``?``, ``:``, ``-`` before a space or the end), holds ``: `` or
`` #`` or ends with ``:``, or would read back as something else (a bool, null,
number or date); then it is single-quoted, ``'`` doubled.  ``tests/test_front_emit.py``
holds ``dump`` to PyYAML's output on generated values.
"""

from __future__ import annotations

import re
from typing import Any

_SAFE = re.compile("[\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")
"""Characters every emitter writes as they are: printable, no tab, no line break
(U+2028, U+2029 are breaks), no byte order mark, nothing outside the BMP."""
_FIRST = frozenset("#,[]{}&*!|>'\"%@`")
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")
_WORDS = frozenset({"yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
                    "on", "On", "ON", "off", "Off", "OFF", "null", "Null", "NULL", "~", "<<", "="})
"""Plain scalars YAML 1.1 reads as a bool, null, merge key or value key."""
_NUMBER_LIKE = frozenset("-+.0123456789")
"""First characters of what may read as a number or a date: only the shapes below are decided here."""
_NOT_STR = re.compile(r"0|[1-9][0-9]*|0[0-7]+|[0-9]+\.[0-9]+"
                      r"|[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}Z)?")
"""A decimal or octal int, a decimal fraction, a date, or a UTC time as ssg writes it: read back as no string."""
_STR = re.compile(r"[0-9]{4}-W[0-9]{2}|(?!0[bBxX])[0-9][0-9A-Za-z.]*[A-Za-z][0-9A-Za-z.]*|(?![0-9]{4}-)[0-9].* .*")
"""Read back as a string: an ISO week label; letters, digits and dots that are no ``0b``/``0x``
int and no float (a commit id, a domain); a space where no date begins (a digest's summary)."""
_WIDTH = 900
"""Longest line written here; PyYAML breaks longer ones (at width 1000)."""


def dump(meta: dict[str, Any]) -> str | None:
    """PyYAML's block-style text of ``meta`` (as ``markup.front_matter`` calls it), or None."""
    if not isinstance(meta, dict) or not meta:
        return None
    out: list[str] = []
    for key, value in meta.items():
        if not _fits(key, value, out, ""):
            return None
    return "\n".join(out) + "\n"


def _fits(key: Any, value: Any, out: list[str], indent: str) -> bool:
    """Append ``key: value`` (a nested mapping only at the top level); False: not certain."""
    if not isinstance(key, str) or not _KEY.fullmatch(key) or key in _WORDS:
        return False
    head = f"{indent}{key}:"
    if isinstance(value, dict):
        if not value:
            out.append(head + " {}")
            return True
        if indent:
            return False
        out.append(head)
        return all(_fits(k, v, out, "  ") for k, v in value.items())
    if isinstance(value, list):
        if not value:
            out.append(head + " []")
            return True
        out.append(head)
        for item in value:
            text = _scalar(item, len(indent) + 2)
            if text is None:
                return False
            out.append(f"{indent}- {text}")
        return True
    text = _scalar(value, len(head) + 1)
    if text is None:
        return False
    out.append(f"{head} {text}")
    return True


def _scalar(value: Any, column: int) -> str | None:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is int:
        return str(value)
    if type(value) is not str or column + len(value) > _WIDTH or not _SAFE.fullmatch(value):
        return None
    plain = _plain(value)
    if plain is None:
        return None
    return value if plain else "'" + value.replace("'", "''") + "'"


def _plain(text: str) -> bool | None:
    """Whether PyYAML writes ``text`` (safe characters only) plain; None: not certain."""
    if not text or text[0] == " " or text[-1] == " " or text[0] in _FIRST:
        return False
    if text.startswith(("---", "...")) or (text[0] in "?:-" and text[1:2] in ("", " ")):
        return False
    if text[-1] == ":" or ": " in text or " #" in text:
        return False
    if text in _WORDS or _NOT_STR.fullmatch(text):
        return False
    return True if text[0] not in _NUMBER_LIKE or _STR.fullmatch(text) else None
