"""Identity: normalisation, fuzzy equality, .mailmap, aliases, organisations."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssg.config import PeopleConfig
from ssg.errors import ConfigError
from ssg.identity import (
    Identities,
    is_relay_or_list,
    normalise_email,
    normalise_name,
    parse_mailmap_line,
    same_address,
    same_person,
    subdomain_merges,
)
from ssg.model import Address


@pytest.mark.parametrize("raw, expected", [
    ("foo@example.org", "foo@example.org"),
    ("  Foo@Example.ORG ", "foo@example.org"),
    ("<foo@example.org>", "foo@example.org"),
    ("Foo Bar <Foo@Example.org>", "foo@example.org"),
    ("foo+lkml@example.org", "foo@example.org"),
    ("foo+a+b@example.org", "foo@example.org"),
    ("+weird@example.org", "+weird@example.org"),
    ("foo@linux.intel.com", "foo@linux.intel.com"),   # subdomain rule is not in the key
    ("", ""),
    ("no-at-sign", "no-at-sign"),
    ("<>", ""),
])
def test_normalise_email(raw, expected):
    assert normalise_email(raw) == expected


@pytest.mark.parametrize("a, b, same", [
    ("foo@x.org", "FOO@X.ORG", True),
    ("foo+tag@x.org", "foo@x.org", True),
    ("foo@linux.intel.com", "foo@intel.com", True),
    ("foo@intel.com", "foo@linux.intel.com", True),
    ("haiyangz@linux.microsoft.com", "haiyangz@microsoft.com", True),
    ("foo@intel.com", "bar@intel.com", False),
    ("foo@notintel.com", "foo@intel.com", False),
    ("foo@x.com", "foo@com", False),                   # a bare TLD is not a parent domain
    ("", "", False),
    ("", "foo@x.org", False),
])
def test_same_address(a, b, same):
    assert same_address(a, b) is same
    assert same_address(b, a) is same


@pytest.mark.parametrize("a, b, same", [
    (Address("A One", "a@x.org"), Address("", "A@X.ORG"), True),
    (Address("A One", "a@linux.x.com"), Address("Someone", "a@x.com"), True),
    (Address("Michael Kelley", "m1@outlook.com"), Address("michael  kelley", "m2@gmail.com"), True),
    (Address("Kelley, Michael", "m1@outlook.com"), Address("Michael Kelley", "m2@gmail.com"), True),
    (Address('"Kelley, Michael"', "m1@outlook.com"), Address("Michael Kelley", "m2@gmail.com"), True),
    (Address("A One", "a@x.org"), Address("B Two", "b@x.org"), False),
    (Address("", "a@x.org"), Address("", "b@x.org"), False),
    (Address("a@x.org", "c@y.org"), Address("a@x.org", "d@z.org"), False),  # names that are addresses
    (Address("Dup, Name, Three", "a@x.org"), Address("dup, name, three", "b@y.org"), True),
    # the same person, accents dropped or an affiliation added, from another address
    (Address("Petra Tesařová", "petra@home.example"), Address("Petra Tesarova", "ptesarova@corp.example"), True),
    (Address("Rafael Q. Example (Intel)", "rq@intel.example"), Address("Rafael Q. Example", "rq@kernel.example"), True),
    (Address("Yuri Sample [NVIDIA]", "ys@home.example"), Address("Yuri Sample", "ys@nvidia.example"), True),
    (Address("(Intel)", "a@x.org"), Address("(Intel)", "b@y.org"), True),   # equal names, as before
    (Address("(Intel)", "a@x.org"), Address("(Red Hat)", "b@y.org"), False),  # a comment alone is no name
    (Address("Zoë Example", "a@x.org"), Address("Zoe Sample", "b@y.org"), False),
])
def test_same_person_symmetric(a, b, same):
    assert same_person(a, b) is same
    assert same_person(b, a) is same


def test_normalise_name():
    assert normalise_name("  Last,   First ") == "first last"
    assert normalise_name('"Jane  DOE"') == "jane doe"
    assert normalise_name("") == ""


@pytest.mark.parametrize("addr, relay", [
    ("devnull+jane.example.com@kernel.org", True),
    ("Jane via B4 Relay <devnull+jane.example.com@kernel.org>", True),
    ("linux-hyperv@vger.kernel.org", True),
    ("virtualization@lists.linux-foundation.org", True),
    ("linux-arm-kernel@lists.infradead.org", True),
    ("kvmarm@lists.linux.dev", True),
    ("virtualization-bounces@lists.linux-foundation.org", True),
    ("foo-bounces+bar=x.org@example.org", True),
    ("noreply@example.com", True),
    ("no-reply@example.com", True),
    ("github-noreply@example.com", True),
    ("MAILER-DAEMON@example.com", True),
    ("leon@kernel.org", False),
    ("patchwork-bot+netdevbpf@kernel.org", False),   # a bot, not a relay: classify decides
    ("jane@example.com", False),
    ("listsmith@example.com", False),
    ("", False),
    ("garbage", False),
])
def test_is_relay_or_list(addr, relay):
    assert is_relay_or_list(addr) is relay


MAILMAP = """\
# a comment line
Jane Doe <jane@example.com>
<jane@example.com> <jdoe@old.example.org>   # trailing comment
Joe Developer <joe@example.com> <joe@laptop.example.net>
Other Person <other@example.com> Wrong Name <shared@example.net>
Right Name <right@example.com> Right Name <shared@example.net>
this line is junk
<only-one@example.com>
"""


def test_mailmap_line_forms():
    assert parse_mailmap_line("# c") is None
    assert parse_mailmap_line("") is None
    e = parse_mailmap_line("Jane Doe <Jane@Example.com>")
    assert (e.proper_name, e.proper_email, e.commit_email, e.commit_name) == (
        "Jane Doe", "", "jane@example.com", "")
    e = parse_mailmap_line("<p@x.org> <c@x.org>")
    assert (e.proper_name, e.proper_email, e.commit_email) == ("", "p@x.org", "c@x.org")
    e = parse_mailmap_line("P N <p@x.org> C  N <c@x.org>")
    assert (e.proper_name, e.proper_email, e.commit_email, e.commit_name) == (
        "P N", "p@x.org", "c@x.org", "c n")


def test_mailmap_resolution():
    ids = Identities.from_text(MAILMAP)
    # form 1: name only
    assert ids.canonical(Address("jd", "JANE@example.com")) == Address("Jane Doe", "jane@example.com")
    # form 2: email only, then form 1 does not chain (git semantics)
    assert ids.canonical(Address("J. Doe", "jdoe@old.example.org")) == Address("J. Doe", "jane@example.com")
    # form 3: both
    assert ids.canonical(Address("joe", "joe@laptop.example.net")) == Address(
        "Joe Developer", "joe@example.com")
    # form 4: name-specific entries
    assert ids.canonical(Address("wrong name", "shared@example.net")) == Address(
        "Other Person", "other@example.com")
    assert ids.canonical(Address("Right Name", "shared@example.net")) == Address(
        "Right Name", "right@example.com")
    assert ids.canonical(Address("Third", "shared@example.net")) == Address("Third", "shared@example.net")
    # unknown: unchanged (but bare lower-case)
    assert ids.canonical(Address("X", "x@y.org")) == Address("X", "x@y.org")


def test_key_and_aliases():
    ids = Identities.from_text(
        MAILMAP,
        aliases={"longli@linuxonhyperv.example": "longli@microsoft.example",
                 "a@x.org": "b@x.org", "b@x.org": "a@x.org"},   # a cycle must not hang
    )
    assert ids.key(Address("", "LongLi@LinuxOnHyperV.example")) == "longli@microsoft.example"
    assert ids.key(Address("", "longli+test@microsoft.example")) == "longli@microsoft.example"
    assert ids.key(Address("Joe", "joe@laptop.example.net")) == "joe@example.com"
    assert ids.key(Address("", "a@x.org")) in {"a@x.org", "b@x.org"}
    assert ids.key(Address("Only Name", "")) == "name:only name"
    assert ids.key(Address("", "")) == ""


def test_same_uses_mailmap_and_aliases():
    ids = Identities.from_text("", aliases={"l@home.example": "l@work.example"})
    assert ids.same(Address("", "l@home.example"), Address("", "L@work.example"))
    assert ids.same(Address("", "l@linux.work.example"), Address("", "l@home.example"))
    assert not ids.same(Address("", "a@x.example"), Address("", "b@x.example"))
    assert not ids.same(Address("", ""), Address("", ""))


def test_identities_hashable_and_comparable():
    a = Identities.from_text("A <a@x.org>\n", organisations={"x.org": "X"})
    b = Identities.from_text("A <a@x.org>\n", organisations={"x.org": "X"})
    assert a == b and hash(a) == hash(b)


def test_alias_then_mailmap_name():
    ids = Identities.from_text("Jane Doe <jane@example.com>\n",
                               aliases=(("jd@home.example", "jane@example.com"),))
    assert ids.canonical(Address("", "jd@home.example")) == Address("Jane Doe", "jane@example.com")


def test_organisation_fallback():
    ids = Identities.from_text(organisations={"microsoft.com": "Microsoft", "Intel.com": "Intel"})
    assert ids.organisation("microsoft.com") == "Microsoft"
    assert ids.organisation("linux.microsoft.com") == "Microsoft"
    assert ids.organisation("LINUX.INTEL.COM") == "Intel"
    assert ids.organisation("notmicrosoft.com") == "notmicrosoft.com"
    assert ids.organisation("gmail.com") == "gmail.com"
    assert ids.organisation("") == ""
    assert ids.organisation("com") == "com"


def test_load_from_people_config(tmp_path):
    mm = tmp_path / ".mailmap"
    mm.write_text("Jane Doe <jane@example.com>\n", encoding="utf-8")
    people = PeopleConfig(mailmap=str(mm), organisations=(("example.com", "Example"),),
                          aliases=(("j@old.example", "jane@example.com"),))
    ids = Identities.load(people)
    assert ids.canonical(Address("", "j@old.example")) == Address("Jane Doe", "jane@example.com")
    assert ids.organisation("mail.example.com") == "Example"
    assert Identities.load(PeopleConfig()) == Identities()


def test_load_missing_mailmap_is_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        Identities.load(PeopleConfig(mailmap=str(tmp_path / "nope")))
    assert "nope" in str(info.value)


def test_from_text_tolerates_junk():
    ids = Identities.from_text("<<<>>>\n<a@b> <c@d> <e@f>\n\x00\n", aliases=42, organisations=[("x",)])
    assert ids.aliases == () and ids.organisations == ()
    assert ids.canonical(Address("n", "a@b")) == Address("n", "a@b")


@given(st.text(max_size=200), st.text(max_size=200), st.text(max_size=60), st.text(max_size=60))
def test_never_raises_and_symmetric(e1, e2, n1, n2):
    a, b = Address(n1, e1), Address(n2, e2)
    assert same_person(a, b) == same_person(b, a)
    normalise_email(e1)
    is_relay_or_list(e1)
    ids = Identities.from_text(e1 + "\n" + e2, aliases={e1: e2}, organisations={e2: n1})
    ids.canonical(a)
    ids.key(b)
    ids.organisation(e1)


@given(st.text(max_size=100))
def test_normalise_idempotent(e):
    once = normalise_email(e)
    assert normalise_email(once) == once or "<" in e or ">" in e


def test_subdomain_merges():
    keys = ["h@linux.ms.example", "h@ms.example", "h@a.b.ms.example", "x@linux.ms.example",
            "y@example", "y@sub.example", "junk", ""]
    assert subdomain_merges(keys) == {"h@linux.ms.example": "h@ms.example",
                                      "h@a.b.ms.example": "h@ms.example"}
    assert subdomain_merges(reversed(keys)) == subdomain_merges(keys)
    assert subdomain_merges([]) == {}


@pytest.mark.real
def test_real_authors(real_archive):
    """Every git author of the real archive: no exception, keys are stable, and the
    fuzzy rules join a few addresses without joining everything."""
    import subprocess

    out = subprocess.run(["git", "-C", str(real_archive), "log", "--format=%an%x09%ae"],
                         capture_output=True, check=True).stdout.decode("utf-8", "replace")
    people = {Address(n, e.lower()) for n, _, e in (line.partition("\t") for line in out.splitlines())}
    ids = Identities()
    keys = {ids.key(p) for p in people}
    emails = {p.email for p in people}
    merges = subdomain_merges(keys)
    relays = sum(is_relay_or_list(p.email) for p in people)
    print(f"\n{len(people)} (name, address) pairs, {len(emails)} addresses, {len(keys)} keys, "
          f"{len(merges)} subdomain merges, {relays} relay/list/noreply addresses")
    assert 0.9 * len(emails) <= len(keys) <= len(emails)
    assert len(merges) < 0.05 * len(keys)
    assert relays < 0.01 * len(people)
