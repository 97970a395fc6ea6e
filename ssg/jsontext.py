"""Indented JSON text, the same bytes as ``json.dumps(value, ensure_ascii=False,
indent=n)``, several times faster (pure).

The standard library falls back to its pure-Python encoder whenever ``indent``
is set; this writes the same layout with one recursive function and the C string
escaper.  Values it does not know (non-string keys, other types) are handed to
``json.dumps`` itself, so the result is always what the standard library gives.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring
from typing import Any

_FLOAT = float.__repr__
_INT = int.__repr__


class _Unsupported(Exception):
    pass


def dumps(value: Any, indent: int = 1) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=indent)``."""
    out: list[str] = []
    try:
        _emit(value, out, "\n", " " * indent)
    except _Unsupported:
        return json.dumps(value, ensure_ascii=False, indent=indent)
    return "".join(out)


def _emit(o: Any, out: list[str], nl: str, step: str) -> None:
    if isinstance(o, str):
        out.append(encode_basestring(o))
    elif o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, int):
        out.append(_INT(o))
    elif isinstance(o, float):
        if o != o or o in (float("inf"), float("-inf")):
            raise _Unsupported
        out.append(_FLOAT(o))
    elif isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        inner = nl + step
        sep = "{" + inner
        for k, v in o.items():
            if not isinstance(k, str):
                raise _Unsupported
            out.append(sep)
            out.append(encode_basestring(k))
            out.append(": ")
            _emit(v, out, inner, step)
            sep = "," + inner
        out.append(nl + "}")
    elif isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        inner = nl + step
        sep = "[" + inner
        for v in o:
            out.append(sep)
            _emit(v, out, inner, step)
            sep = "," + inner
        out.append(nl + "]")
    else:
        raise _Unsupported
