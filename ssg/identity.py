"""Who is who: address normalisation, fuzzy equality, ``.mailmap`` and organisations.

Everything here is pure except ``Identities.load``, which reads the configured
``.mailmap`` file.  No function raises on any input string.

Rules (see MAIL-NOTES.md, "Author attribution"):

- ``normalise_email`` is the identity *key* of an address: lower case, no angle
  brackets or whitespace, ``foo+tag@x`` → ``foo@x``.  The subdomain rule
  (``foo@linux.intel.com`` is ``foo@intel.com``) is *not* part of the key, because
  it is not safe for every domain; it only applies in ``same_person``.
- ``same_person`` is b4-style fuzzy equality, made symmetric (as liblore does).
- ``Identities`` applies a git ``.mailmap`` and a small alias map, and maps domains
  to organisations with a parent-domain fallback.
"""

from __future__ import annotations

import functools

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ssg.errors import ConfigError
from ssg.model import Address

_ANGLE_ADDR = re.compile(r"<([^<>]*)>")
_SPACE = re.compile(r"\s+")
_COMMENT = re.compile(r"\s*(?:\([^()]*\)|\[[^\[\]]*\])$")
_MAILMAP_PART = re.compile(r"\s*([^<>#]*?)\s*<([^<>]*)>")
_NOREPLY_LOCAL = re.compile(r"(?:^|[._+-])(?:no-?reply|do-?not-?reply)(?:[._+-]|$)|^mailer-daemon$")
_LIST_LOCAL = re.compile(r"(?:-bounces?|-owner|-request)(?:[+.-]|$)|^owner-")
_LIST_DOMAINS = ("vger.kernel.org", "googlegroups.com")
_RELAY_DOMAINS = ("kernel.org",)


def _extract(addr: str) -> str:
    """The address inside ``<…>`` if present, else the text itself, stripped."""
    match = _ANGLE_ADDR.search(addr)
    text = match.group(1) if match else addr
    return _SPACE.sub("", text).strip("<>").lower()


def normalise_email(addr: str) -> str:
    """Identity key of an address: lower case, bare, ``+tag`` removed from the local part.

    ``" <Foo+lkml@X.org> "`` → ``"foo@x.org"``.  Text without ``@`` is only
    lower-cased and stripped.
    """
    text = _extract(addr)
    local, at, domain = text.rpartition("@")
    if not at:
        return text
    if "+" in local and not local.startswith("+"):
        local = local.partition("+")[0]
    return f"{local}@{domain}"


def _subdomain_of(child: str, parent: str) -> bool:
    """``linux.intel.com`` is a subdomain of ``intel.com`` (parent needs a dot)."""
    return "." in parent and child.endswith("." + parent)


def same_address(a: str, b: str) -> bool:
    """Normalised addresses equal, or equal local parts with one domain under the other."""
    na, nb = normalise_email(a), normalise_email(b)
    if not na or not nb or "@" not in na or "@" not in nb:
        return bool(na) and na == nb
    if na == nb:
        return True
    la, _, da = na.rpartition("@")
    lb, _, db = nb.rpartition("@")
    return la == lb and bool(la) and (_subdomain_of(da, db) or _subdomain_of(db, da))


def subdomain_merges(keys: Iterable[str]) -> dict[str, str]:
    """For a set of identity keys, map each ``foo@sub.example.com`` whose parent
    ``foo@example.com`` is also in the set to its shortest parent present (with at
    least one dot); keys without such a parent are left out.  Order-independent, so stats can merge the
    subdomain rule of ``same_person`` without a hand-written alias."""
    present = {k for k in keys if isinstance(k, str) and "@" in k}
    merges = {}
    for key in present:
        local, _, domain = key.rpartition("@")
        labels = domain.split(".")
        for i in range(len(labels) - 2, 0, -1):
            parent = f"{local}@{'.'.join(labels[i:])}"
            if parent in present:
                merges[key] = parent
                break
    return merges


def normalise_name(name: str) -> str:
    """A display name for comparison: case-folded, quotes dropped, whitespace collapsed,
    ``"Last, First"`` turned into ``"first last"``."""
    text = _SPACE.sub(" ", name.replace('"', " ").replace("'", " ")).strip().casefold()
    if text.count(",") == 1:
        last, _, first = text.partition(",")
        if last.strip() and first.strip():
            text = f"{first.strip()} {last.strip()}"
    return _SPACE.sub(" ", text).strip()


def same_person(a: Address, b: Address) -> bool:
    """b4-style fuzzy equality, symmetric.

    True when the addresses are equal after normalisation, or equal up to a
    subdomain (``foo@linux.intel.com`` ~ ``foo@intel.com``), or when both have the
    same non-empty display name (case, whitespace, quotes and ``Last, First`` order
    ignored; then accents and a trailing ``(comment)`` too).  A display name that is
    itself an address is not used as a name.
    """
    if a.email and b.email and same_address(a.email, b.email):
        return True
    na, nb = normalise_name(a.name), normalise_name(b.name)
    if not na or not nb or "@" in na or "@" in nb:
        return False
    return na == nb or (_folded(na) == _folded(nb) != "")


def _folded(name: str) -> str:
    """A normalised name without accents and without a trailing comment:
    ``Petr Tesařík`` ~ ``Petr Tesarik``, ``Rafael J. Wysocki (Intel)`` and
    ``Yury Norov [NVIDIA]`` ~ the bare name (the same person, another address)."""
    name = _COMMENT.sub("", name)
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).strip()


def is_relay_or_list(addr: str) -> bool:
    """True for addresses that are never a person: the b4 web relay
    (``devnull+…@kernel.org``), list addresses (``…@vger.kernel.org``, ``…@lists.…``,
    ``*-bounces*``, ``*-owner``, ``*-request``) and ``noreply``/mailer-daemon."""
    text = _extract(addr)
    local, at, domain = text.rpartition("@")
    if not at:
        return False
    if local.startswith("devnull") and any(
            domain == d or domain.endswith("." + d) for d in _RELAY_DOMAINS):
        return True
    if any(domain == d or domain.endswith("." + d) for d in _LIST_DOMAINS):
        return True
    if "lists" in domain.split("."):
        return True
    return bool(_NOREPLY_LOCAL.search(local) or _LIST_LOCAL.search(local))


# --- .mailmap ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MailmapEntry:
    """One line of a git ``.mailmap``."""

    proper_name: str
    """Name to show, or empty to keep the mail's name."""
    proper_email: str
    """Address to use (lower case), or empty to keep the mail's address."""
    commit_email: str
    """Address as it appears in mail (normalised), the lookup key."""
    commit_name: str = ""
    """When set, the entry applies only to mail with this name (normalised)."""


def parse_mailmap_line(line: str) -> MailmapEntry | None:
    """Parse one ``.mailmap`` line (all four git forms); None for comments and junk."""
    if line.lstrip().startswith("#"):
        return None
    parts = []
    pos = 0
    while True:
        match = _MAILMAP_PART.match(line, pos)
        if not match:
            break
        parts.append((_SPACE.sub(" ", match.group(1)).strip(), match.group(2).strip().lower()))
        pos = match.end()
    if not parts or len(parts) > 2:
        return None
    (name1, mail1) = parts[0]
    if len(parts) == 1:
        if not name1 or not mail1:
            return None
        return MailmapEntry(name1, "", normalise_email(mail1))
    (name2, mail2) = parts[1]
    if not mail2:
        return None
    return MailmapEntry(name1, mail1, normalise_email(mail2), normalise_name(name2))


def parse_mailmap(text: str) -> tuple[MailmapEntry, ...]:
    """Every valid entry of a ``.mailmap`` text, in file order."""
    entries = (parse_mailmap_line(line) for line in text.splitlines())
    return tuple(e for e in entries if e is not None)


@dataclass(frozen=True, slots=True)
class Identities:
    """Identity resolution for one site: mailmap, aliases and organisations."""

    mailmap: tuple[MailmapEntry, ...] = ()
    """Parsed ``.mailmap`` entries, file order (later lines win, as in git)."""
    aliases: tuple[tuple[str, str], ...] = ()
    """(address, canonical address) pairs, both normalised."""
    organisations: tuple[tuple[str, str], ...] = ()
    """(domain, organisation) pairs, domains lower case."""
    _by_email: dict = field(init=False, repr=False, compare=False, hash=False)
    """Lookup index: commit email → entries (built once, private)."""
    _alias_map: dict = field(init=False, repr=False, compare=False, hash=False)
    _org_map: dict = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        by_email: dict[str, list[MailmapEntry]] = {}
        for entry in self.mailmap:
            by_email.setdefault(entry.commit_email, []).append(entry)
        object.__setattr__(self, "_by_email", {k: tuple(v) for k, v in by_email.items()})
        object.__setattr__(self, "_alias_map", dict(self.aliases))
        object.__setattr__(self, "_org_map", dict(self.organisations))

    @classmethod
    def from_text(cls, mailmap_text: str = "", aliases: object = (),
                  organisations: object = ()) -> Identities:
        """Build from ``.mailmap`` text plus alias and organisation maps
        (dicts or pairs)."""
        return cls(parse_mailmap(mailmap_text or ""), _pairs(aliases, normalise_email),
                   _pairs(organisations, lambda d: _extract(d).lstrip("@.")))

    @classmethod
    def load(cls, people: object) -> Identities:
        """Build from a ``PeopleConfig``; reads its ``mailmap`` file (raises
        ``ConfigError`` if a configured file cannot be read)."""
        path = getattr(people, "mailmap", "") or ""
        text = ""
        if path:
            try:
                text = Path(path).read_text(encoding="utf-8", errors="replace")
            except OSError as exc:
                raise ConfigError(f"cannot read mailmap: {exc.strerror or exc}",
                                  location=str(path)) from None
        return cls.from_text(text, getattr(people, "aliases", ()),
                             getattr(people, "organisations", ()))

    def _mailmap_lookup(self, name: str, email: str) -> MailmapEntry | None:
        key, nname = normalise_email(email), normalise_name(name)
        generic = specific = None
        for entry in self._by_email.get(key, ()):
            if not entry.commit_name:
                generic = entry
            elif entry.commit_name == nname:
                specific = entry
        return specific or generic

    def _apply_mailmap(self, a: Address) -> Address:
        entry = self._mailmap_lookup(a.name, a.email)
        if entry is None:
            return a
        return Address(entry.proper_name or a.name, entry.proper_email or a.email)

    def _alias(self, email: str) -> str:
        table = self._alias_map
        seen = {normalise_email(email)}
        current = email
        while (target := table.get(normalise_email(current))) and target not in seen:
            seen.add(target)
            current = target
        return current

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019 (frozen, hashable instances)
    def canonical(self, a: Address) -> Address:
        """The mailmap- and alias-resolved name and address of ``a`` (memoised)."""
        mapped = self._apply_mailmap(a)
        aliased = self._alias(mapped.email) if mapped.email else ""
        if aliased and aliased != mapped.email:
            mapped = self._apply_mailmap(Address(mapped.name, aliased))
        return Address(_SPACE.sub(" ", mapped.name).strip(), _extract(mapped.email))

    def same(self, a: Address, b: Address) -> bool:
        """Same identity key after mailmap and aliases, or ``same_person`` on the
        canonical forms."""
        key_a, key_b = self.key(a), self.key(b)
        return (bool(key_a) and key_a == key_b) or same_person(self.canonical(a), self.canonical(b))

    @functools.lru_cache(maxsize=1 << 16)  # noqa: B019
    def key(self, a: Address) -> str:
        """Stable identity key: the canonical normalised address (``name:<name>``
        when there is no address)."""
        canon = self.canonical(a)
        email = normalise_email(canon.email)
        return email or ("name:" + normalise_name(canon.name) if canon.name else "")

    def organisation(self, domain: str) -> str:
        """Organisation for a domain (``linux.microsoft.com`` falls back to the
        ``microsoft.com`` entry); the domain itself when unknown."""
        dom = _extract(domain).rpartition("@")[2].strip(".")
        table = self._org_map
        labels = dom.split(".")
        for i in range(len(labels) - 1):
            org = table.get(".".join(labels[i:]))
            if org:
                return org
        return table.get(dom) or dom


def _pairs(value: object, norm) -> tuple[tuple[str, str], ...]:
    """Dict or iterable of pairs → sorted pairs with normalised keys (junk skipped)."""
    items = value.items() if isinstance(value, dict) else value
    out = {}
    try:
        for item in items or ():
            if isinstance(item, (tuple, list)) and len(item) == 2 and all(isinstance(x, str) for x in item):
                key = norm(item[0])
                if key:
                    out[key] = normalise_email(item[1]) if norm is normalise_email else item[1]
    except TypeError:
        return ()
    return tuple(sorted(out.items()))
