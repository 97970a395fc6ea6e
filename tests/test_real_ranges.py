"""Hand-checked ranges of the real linux-hyperv archive (skipped without it).

Each case names what a maintainer reading those mails would say; the
expectations were checked by reading the messages in the archive.
"""

from __future__ import annotations

import json

import pytest

from ssg import cli

pytestmark = pytest.mark.real

RELAY_PATCH = "dea3f033296952cac3b3dd37ea12ac502fbb5fcb"  # b4 web-relay patch (hv_balloon SBRM)
COMMA_COVER = "18522a60940883a6d5f0c8ab8f29b420f3a0830c"  # [PATCH net-next,v9 0/2] net: mana: … full-page RX
COMMA_LAST = "f48b8f671eec085714dbd69f025a45a93493725b"  # [PATCH net-next,v9 2/2], arrived after 1/2
TIP_RANGE = "5c5ba5c5654a~300..5c5ba5c5654a"  # mm/hmm lock-drop series posted as v6, v7 and v8


def digest_json(tmp_path, archive, rng, capsys):
    cfg = tmp_path / "ssg.toml"
    cfg.write_text(f'[archive]\npath = "{archive}"\nlist = "linux-hyperv"\n'
                   'url = "https://lore.kernel.org/linux-hyperv/"\n')
    assert cli.main(["digest", "-f", str(cfg), "-q", "--range", rng, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def no_relays_or_bots(data):
    for person in data["top_contributors"]:
        email = person["email"]
        assert "devnull" not in email and not email.endswith("vger.kernel.org"), person
        assert email not in ("lkp@intel.com",) and "bot" not in email.split("@")[0], person


def test_every_message_once_and_no_relay_addresses(tmp_path, real_archive, capsys):
    data = digest_json(tmp_path, real_archive, TIP_RANGE, capsys)
    ids = [m["message_id"] for m in data["messages"]]
    assert len(ids) == len(set(ids)) and data["counts"]["messages"] == len(ids) <= 300
    assert sum(data["counts"][k] for k in ("patches", "covers", "replies", "pulls", "bots", "other")) == len(ids)
    no_relays_or_bots(data)
    in_series = {m["message_id"] for m in data["messages"] if m["series"]}
    for s in data["series"]:
        for p in s["patches"]:
            assert p["message_id"] in in_series


def test_rerolled_series_link_v8_to_v7_to_v6(tmp_path, real_archive, capsys):
    data = digest_json(tmp_path, real_archive, TIP_RANGE, capsys)
    hmm = {s["version"]: s for s in data["series"] if s["title"].startswith("mm/hmm: Add mmap lock-drop support")}
    assert {"6", "7", "8"} <= set(hmm)
    assert hmm["8"]["previous"] == hmm["7"]["id"] and hmm["7"]["previous"] == hmm["6"]["id"]
    assert hmm["8"]["expected"] == 8 and len(hmm["8"]["patches"]) == 8


def test_b4_relay_patch_is_credited_to_the_real_author(tmp_path, real_archive, capsys):
    data = digest_json(tmp_path, real_archive, f"{RELAY_PATCH}~1..{RELAY_PATCH}", capsys)
    (series,) = data["series"]
    (patch,) = series["patches"]
    assert "devnull" not in patch["author"]["email"] and "kernel.org" != patch["author"]["email"].split("@")[1]
    assert "devnull" not in series["submitter"]["email"]
    assert data["top_contributors"][0]["email"] == patch["author"]["email"]


def test_comma_separated_tags_give_version_and_counter(tmp_path, real_archive, capsys):
    data = digest_json(tmp_path, real_archive, f"{COMMA_COVER}~1..{COMMA_LAST}", capsys)
    assert data["messages"][0]["class"] == "cover"
    (s,) = [s for s in data["series"] if s["cover"] and s["cover"]["message_id"] == data["messages"][0]["message_id"]]
    assert s["version"] == "9" and s["expected"] == 2 and [p["index"] for p in s["patches"]] == [1, 2]
    assert s["title"] == "net: mana: add ethtool private flag for full-page RX buffers"
