"""The subject grammar: ``Re: [PATCH net-next,v9 2/5] title`` → ``Subject``.

Implements MAIL-NOTES.md, "Recommended grammar":

1. Collapse whitespace (the caller decodes and unfolds; ``raw`` keeps the result).
2. Remove reply/forward markers repeatedly (``Re:``, ``RE:``, ``Re[2]:``, ``AW:``,
   ``Sv:``, ``Antw:``, ``回复:``, ``Fwd:``…, and any 2–3 letters plus a colon right
   before ``[``), b4's ``(subset)`` after a marker, and a bracket group
   (``[EXTERNAL]``) when a marker follows it.
3. Consume every leading bracket group; tokenise each on whitespace *and* commas,
   after ``PATCHv3`` → ``PATCH v3``, ``1 / 3`` → ``1/3`` and ``1 of 3`` → ``1/3``.
   A ``[tip: x/y]`` group (tip-bot) is kept whole as one prefix.
4. Classify tokens in any order: keywords (below), versions ``vN``, ``vN.M`` and
   ``vNa`` (kept as strings "N", "N.M", "Na"), counters ``N/M`` and ``N.M/T``
   (index N, subindex M).  The first version and counter win; later ones are kept
   as prefixes.
5. Without a version in the brackets, a trailing ``vN`` or ``(vN)`` in the title is
   the version hint (the title is left as written).
6. Every other token is a prefix (tree/subsystem tag), in original order and case.

Keywords (upper case, first occurrence, in order): ``PATCH`` (any case; also
PATCHES/PATCHSET), ``RFC``, ``RFT`` (``RFC/RFT`` is split), ``RESEND`` (also
REPOST), ``TRIVIAL``, ``AUTOSEL``, ``PULL``, ``GIT PULL``.  Mail-gateway tags
(``EXTERNAL``, ``EXT``, added by a corporate relay, not by the author) are dropped:
they are neither keywords nor prefixes.  A token within Damerau edit distance 1 of PATCH
(``PATHC``, ``FATCH``, ``PPATCH``) gives the separate keyword ``PATCH?``: it is not
``PATCH`` (``has_patch_tag`` stays False), and the classifier may trust it only for
a non-reply that carries a diff (MAIL-NOTES step 4).

Every regex is a module constant with bounded or disjoint repetition, so hostile
subjects parse in linear time; ``parse`` never raises on any string.
"""

from __future__ import annotations

import re

from ssg.model import Subject

_REPLY_WORDS = ("re", "aw", "sv", "svar", "vs", "antw", "antwort", "odp", "ynt", "rif",
                "res", "απ", "отв", "回复", "答复", "回覆", "答覆", "返信")
_FORWARD_WORDS = ("fwd", "fw", "wg", "转发", "轉寄", "転送")
_MARKER = re.compile(
    r"(?i)(" + "|".join(sorted(_REPLY_WORDS + _FORWARD_WORDS, key=len, reverse=True)) + r")"
    r"(?:\[\d{1,6}\]|\(\d{1,6}\)|\^\d{1,6})?\s{0,3}[:：]\s*")
_SHORT_MARKER = re.compile(r"([^\W\d_]{2,3})\s?[:：]\s*(?=\[)")
_SUBSET = re.compile(r"\((?:subset|partial)\)\s*", re.IGNORECASE)
_NOT_MARKERS = frozenset({"rfc", "rft", "bug", "fyi"})
_GROUP = re.compile(r"\[([^\[\]]*)\]\s*")
_TIP = re.compile(r"(?i)\s*tip\s?:")
_KEYWORD_V = re.compile(r"(?i)\b(patch|rfc|rft|resend)(v\d)")
_SPACED_SLASH = re.compile(r"(\d)\s{1,3}/\s{0,3}(\d)|(\d)/\s{1,3}(\d)")
_OF = re.compile(r"(?i)\b(\d{1,6})\s{1,3}of\s{1,3}(\d{1,6})\b")
_TOKEN = re.compile(r"(?:[^\s,{]|\{[^{}]{0,40}\})+|\{")
_VERSION = re.compile(r"[vV](\d{1,5})(?:\.(\d{1,5}))?([a-zA-Z]?)")
_COUNTER = re.compile(r"(\d{1,6})(?:\.(\d{1,6}))?/(\d{1,6})")
_TRAILING_VERSION = re.compile(r"(?:^|\s)(\(?)[vV](\d{1,5})(\)?)$")
_SPACE = re.compile(r"\s+")
_VERSION_STRING = re.compile(r"(\d{1,9})(?:\.(\d{1,9}))?([a-z]?)")

_KEYWORDS = {
    "PATCH": "PATCH", "PATCHES": "PATCH", "PATCHSET": "PATCH",
    "RFC": "RFC", "RFT": "RFT", "RESEND": "RESEND", "REPOST": "RESEND",
    "TRIVIAL": "TRIVIAL", "AUTOSEL": "AUTOSEL", "PULL": "PULL",
}
_GATEWAY_TAGS = frozenset({"EXTERNAL", "EXT"})
_NOT_TYPOS = frozenset({"MATCH", "BATCH", "LATCH", "CATCH", "WATCH", "HATCH", "PITCH",
                        "PATCHY", "PATCHED"})


def parse(raw: str) -> Subject:
    """Parse a decoded subject line.  Never raises; linear in the input length."""
    text = _SPACE.sub(" ", raw if isinstance(raw, str) else "").strip()
    pos, is_reply, is_forward = _strip_markers(text, 0)
    state = _State()
    while match := _GROUP.match(text, pos):
        _take_group(match.group(1), state)
        pos = match.end()
    title = text[pos:].strip()
    version, explicit = state.version, state.version is not None
    if version is None:
        version, explicit = _trailing_version(title)
    return Subject(
        raw=text, title=title, is_reply=is_reply, is_forward=is_forward,
        keywords=tuple(state.keywords), prefixes=tuple(state.prefixes),
        version=version, version_explicit=explicit,
        index=state.index, subindex=state.subindex, expected=state.expected)


def _strip_markers(text: str, pos: int) -> tuple[int, bool, bool]:
    """Skip reply/forward markers (and gateway groups followed by one) from ``pos``."""
    is_reply = is_forward = False
    while True:
        match = _MARKER.match(text, pos)
        if match:
            is_reply = True
            is_forward = is_forward or match.group(1).lower() in _FORWARD_WORDS
            pos = match.end()
            continue
        match = _SUBSET.match(text, pos) if is_reply else None
        if match:
            pos = match.end()
            continue
        match = _SHORT_MARKER.match(text, pos)
        if match and match.group(1).lower() not in _NOT_MARKERS:
            is_reply, pos = True, match.end()
            continue
        group = _GROUP.match(text, pos)
        if group and (_MARKER.match(text, group.end()) or _short_marker_at(text, group.end())):
            pos = group.end()
            continue
        return pos, is_reply, is_forward


def _short_marker_at(text: str, pos: int) -> bool:
    match = _SHORT_MARKER.match(text, pos)
    return bool(match) and match.group(1).lower() not in _NOT_MARKERS


class _State:
    """What the bracket groups said so far (internal, never leaves this module)."""

    __slots__ = ("keywords", "prefixes", "version", "index", "subindex", "expected")

    def __init__(self) -> None:
        self.keywords: list[str] = []
        self.prefixes: list[str] = []
        self.version: str | None = None
        self.index: int | None = None
        self.subindex = 0
        self.expected: int | None = None

    def keyword(self, word: str) -> None:
        if word not in self.keywords:
            self.keywords.append(word)


def tokenise(content: str) -> list[str]:
    """Tokens of one bracket group: split on whitespace and commas (not inside
    ``{…}``), after normalising ``PATCHvN``, ``N / M`` and ``N of M``."""
    content = _KEYWORD_V.sub(r"\1 \2", content)
    content = _SPACED_SLASH.sub(lambda m: f"{m.group(1) or m.group(3)}/{m.group(2) or m.group(4)}",
                                content)
    content = _OF.sub(r"\1/\2", content)
    return _TOKEN.findall(content)


def _take_group(content: str, state: _State) -> None:
    if _TIP.match(content):
        state.prefixes.append(_SPACE.sub(" ", content).strip())
        return
    tokens = tokenise(content)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.upper() == "GIT" and i + 1 < len(tokens) and tokens[i + 1].upper() == "PULL":
            state.keyword("GIT PULL")
            i += 2
            continue
        _take_token(token, state)
        i += 1


def _take_token(token: str, state: _State) -> None:
    upper = token.upper()
    if upper in _GATEWAY_TAGS:
        return
    if upper in _KEYWORDS:
        state.keyword(_KEYWORDS[upper])
    elif "/" in token and all(p.upper() in _KEYWORDS for p in token.split("/")):
        for part in token.split("/"):
            state.keyword(_KEYWORDS[part.upper()])
    elif (match := _VERSION.fullmatch(token)) and state.version is None:
        state.version = _version_string(match)
    elif (match := _COUNTER.fullmatch(token)) and state.index is None:
        state.index = int(match.group(1))
        state.subindex = int(match.group(2) or 0)
        state.expected = int(match.group(3))
    elif is_patch_typo(upper):
        state.keyword("PATCH?")
    else:
        state.prefixes.append(token)


def _version_string(match: re.Match[str]) -> str:
    major, minor, letter = match.group(1), match.group(2), match.group(3)
    text = str(int(major))
    if minor is not None:
        text += "." + str(int(minor))
    return text + letter.lower()


def _trailing_version(title: str) -> tuple[str, bool]:
    """The ``vN``/``(vN)`` hint at the end of a title: ``("N", True)`` or ``("1", False)``.

    Only whole numbers: a trailing ``v6.12`` is nearly always a kernel release
    ("Hyper-V next for v6.12"), not a revision."""
    match = _TRAILING_VERSION.search(title[-16:])
    if not match or bool(match.group(1)) != bool(match.group(3)):
        return "1", False
    return str(int(match.group(2))), True


def is_patch_typo(word: str) -> bool:
    """A word within Damerau edit distance 1 of ``PATCH`` (but not PATCH itself,
    nor an English word such as MATCH or BATCH)."""
    word = word.upper()
    if word == "PATCH" or word in _NOT_TYPOS or not 4 <= len(word) <= 6:
        return False
    return _within_one(word, "PATCH")


def _within_one(a: str, b: str) -> bool:
    """Optimal-string-alignment distance of ``a`` and ``b`` is at most 1."""
    if a == b:
        return True
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (len(diff) == 2 and diff[1] == diff[0] + 1
                and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    if abs(len(a) - len(b)) != 1:
        return False
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def version_key(version: str) -> tuple[int, int, str]:
    """Sort key for version strings, numeric: "2" < "4" < "4a" < "4.1" < "10"."""
    match = _VERSION_STRING.fullmatch(version or "")
    if not match:
        return (0, 0, version or "")
    return (int(match.group(1)), int(match.group(2) or 0), match.group(3))
