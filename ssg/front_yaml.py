"""Front matter as ssg writes it, read without a YAML parser where that is certain.

Even with libyaml, PyYAML takes about a tenth of a millisecond a page, a tenth of
what parsing a whole page costs.  The front matter ssg writes (``markup.front_matter``)
is a short block mapping: scalars in plain or single-quoted style, one level of
nested mappings and block lists of scalars.  ``load`` reads exactly that and answers
``None`` for anything else (a double-quoted or folded string, a comment, a float,
a date, deeper nesting, odd spacing, a character YAML refuses), and the caller asks
PyYAML.  Where ``load`` answers, its value is PyYAML's: plain scalars are typed by
PyYAML's own resolver and only str, int (plain decimal), bool and null are taken.
``tests/test_front_yaml.py`` holds the two to the same values.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

_PRINTABLE = re.compile("[\x0a\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]*")
"""Characters PyYAML reads as they are (its reader refuses others); tab, CR, the byte order
mark and the line breaks YAML 1.1 adds (NEL, U+2028, U+2029) are left to it."""
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):(?: (.+))?")
_PLAIN = re.compile(r"[A-Za-z0-9\u00a1-\U0010ffff](?:[A-Za-z0-9 ,.;()/_+=@\u00a1-\U0010ffff-]*"
                    r"[A-Za-z0-9,.;()/_+=@\u00a1-\U0010ffff-])?")
"""A plain scalar that cannot be anything but one: no ``:`` or ``#``, no indicator first, no spaces
at the ends (no-break space is left to PyYAML; ``_PRINTABLE`` has already kept YAML's breaks out)."""
_QUOTED = re.compile(r"'((?:[^']|'')*)'")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_STR, _INT, _BOOL, _NULL = (f"tag:yaml.org,2002:{t}" for t in ("str", "int", "bool", "null"))
_resolve = Resolver().resolve
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}


class _Unsure(Exception):
    """Not plainly the subset: PyYAML decides."""


def load(text: str) -> dict[str, Any] | None:
    """The mapping ``text`` holds, as PyYAML's safe loader gives it, or None when unsure."""
    if not text or not text.endswith("\n") or not _PRINTABLE.fullmatch(text):
        return None
    lines = text[:-1].split("\n")
    try:
        return _mapping(lines)
    except _Unsure:
        return None


def _mapping(lines: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    i, n = 0, len(lines)
    while i < n:
        key, rest = _entry(lines[i])
        i += 1
        if rest is not None:
            out[key] = _scalar(rest)
            continue
        if i < n and lines[i].startswith("- "):
            items = []
            while i < n and lines[i].startswith("- "):
                items.append(_scalar(lines[i][2:]))
                i += 1
            out[key] = items
        elif i < n and lines[i].startswith("  "):
            inner: dict[str, Any] = {}
            while i < n and lines[i].startswith("  "):
                name, value = _entry(lines[i][2:])
                if value is None:
                    raise _Unsure  # deeper nesting
                inner[name] = _scalar(value)
                i += 1
            out[key] = inner
        else:
            raise _Unsure  # an empty value
    return out


def _entry(line: str) -> tuple[str, str | None]:
    m = _KEY.fullmatch(line)
    if m is None or _typed(m.group(1)) is not _AS_STR:
        raise _Unsure
    return m.group(1), m.group(2)


def _scalar(value: str) -> Any:
    if not value:
        raise _Unsure
    if value[0] == "'":
        m = _QUOTED.fullmatch(value)
        if m is None:
            raise _Unsure
        return m.group(1).replace("''", "'")
    typed = _typed(value)
    if typed is _UNSURE:
        raise _Unsure
    return value if typed is _AS_STR else typed


_AS_STR, _UNSURE = object(), object()


@lru_cache(maxsize=4096)
def _typed(value: str) -> Any:
    """A plain scalar's value as PyYAML types it (``_AS_STR``: the text itself), or ``_UNSURE``."""
    if not _PLAIN.fullmatch(value):
        return _UNSURE
    tag = _resolve(ScalarNode, value, (True, False))
    if tag == _STR:
        return _AS_STR
    if tag == _INT and _DECIMAL.fullmatch(value):
        return int(value)
    if tag == _BOOL:
        return _BOOLS[value.lower()]
    if tag == _NULL:
        return None
    return _UNSURE
