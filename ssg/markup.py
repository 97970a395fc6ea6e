"""Escaping for every place mail text lands in content/ (pure).

Mail is untrusted: inline text is backslash-escaped so it can never become a
link, image, emphasis, HTML or an attribute block; bodies go into fences longer
than any backtick run they contain; front matter is YAML written by a YAML
dumper (or, where its text is certain, ``front_emit``), never by string formatting.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ssg import front_emit

_MD_SPECIAL = re.compile(r"([\\`*\[\]<>#!|~&{}]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_MD_PLAIN_SPECIALS = "`*[]<>#!|~&{}"
_MD_ANY = re.compile(r"[\\`*\[\]<>#!|~&{}_]")
_MD_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
"""``_MD_SPECIAL`` in two cheaper passes (a backslash added before a special
character never changes whether a neighbouring underscore is at a word edge)."""
_LEADING = re.compile(r"^(?:([-+=>:])|(\d{1,9})([.)]))")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0080-\u009f\u2028\u2029\ufeff]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_SPACE = re.compile(r"\s+")
_TICKS = re.compile(r"`{3,}")
_TILDES = re.compile(r"^ {0,3}~{3,}", re.M)


def visible(text: str) -> str:
    """Replace control characters and bidirectional overrides by visible marks."""
    if text.isascii() and text.isprintable():
        return text
    text = _CONTROL.sub("\ufffd", text)
    return _BIDI.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)


def plain(text: str, limit: int = 0) -> str:
    """One line of visible text: whitespace collapsed, optionally shortened."""
    if text.isascii() and text.isprintable() and "  " not in text:
        text = text.strip(" ")
    else:
        text = _SPACE.sub(" ", visible(text)).strip()
    if limit and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def inline(text: str, limit: int = 0) -> str:
    """Text that shows literally inside a Markdown paragraph, list item or table cell."""
    text = plain(text, limit)
    if _MD_ANY.search(text):
        text = text.replace("\\", "\\\\")  # first: the others add backslashes
        for c in _MD_PLAIN_SPECIALS:
            if c in text:
                text = text.replace(c, "\\" + c)
        if "_" in text:
            text = _MD_UNDERSCORE.sub(r"\\_", text)
    if not text or not (text[0] in "-+=>:" or text[0].isdigit()):
        return text
    return _LEADING.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text, 1)


def link(text: str, target: str) -> str:
    """A Markdown link with escaped text; ``target`` must be our own URL or path."""
    if not target:
        return inline(text)
    safe = target.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")
    return f"[{inline(text)}]({safe})"


def fence(text: str, lang: str = "text") -> str:
    """A fenced block that no line of ``text`` can close."""
    body = visible(text).replace("\r\n", "\n").replace("\r", "\n").rstrip("\n")
    longest = max((len(m.group()) for m in _TICKS.finditer(body)), default=0) if "```" in body else 0
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{lang}\n{body}\n{ticks}"


def table(header: tuple[str, ...], rows: list[tuple[str, ...]], align: str = "",
          optional: tuple[int, ...] = ()) -> str:
    """A GFM table; cells must already be escaped (``inline``/``link``).  A column
    listed in ``optional`` is left out when every row's cell in it is empty (say,
    Organisation when no organisation map is configured)."""
    align = align or "l" * len(header)
    empty = {i for i in optional if not any(r[i] for r in rows)}
    if empty:
        keep = [i for i in range(len(header)) if i not in empty]
        header, align = tuple(header[i] for i in keep), "".join(align[i] for i in keep)
        rows = [tuple(r[i] for i in keep) for r in rows]
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(rule) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


@lru_cache(maxsize=1)
def yaml_dumper() -> type:
    """Safe YAML that never emits aliases (identical values stay literal); libyaml's
    emitter when PyYAML has it.  Imported on first use (see ``front_emit``)."""
    import yaml

    class Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
        def ignore_aliases(self, data: object) -> bool:
            return True
    return Dumper


def yaml_text(meta: dict) -> str:
    """PyYAML's block-style text of ``meta``, as front matter is written."""
    import yaml

    return yaml.dump(meta, Dumper=yaml_dumper(), allow_unicode=True, sort_keys=False,
                     default_flow_style=False, width=1000)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def front_matter(meta: dict) -> str:
    """YAML front matter block for ``meta``; control characters (which YAML
    would not round-trip) are made visible first."""
    clean = _clean(meta)
    text = front_emit.dump(clean)
    return f"---\n{text if text is not None else yaml_text(clean)}---\n"


def address(name: str, email: str, obfuscate: bool = False) -> str:
    """How an address is shown on a page (optionally as ``user at domain``)."""
    if obfuscate and "@" in email:
        local, _, domain = email.rpartition("@")
        email = f"{local} at {domain}"
    return email
