"""`federation trust …` and `federation peers …` against real homes and real served nodes.

The CLI runs in a worker thread (each command calls ``asyncio.run``) while the peers it talks
to are served on the test's own event loop, on 127.0.0.1 port 0.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from federation.config import Home
from federation.node.service import Node
from federation.protocol.note import Signer
from tests.cli_support import dead_url, invoke, invoke_json

HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
Serve = Callable[[Home], Awaitable[tuple[Node, str]]]
RecordFactory = Callable[..., dict[str, Any]]


def other_key(vkey: str) -> str:
    """A well-formed vkey of the same name whose key ID does not match its key."""
    name, key_id, blob = vkey.split("+", 2)
    wrong = f"{(int(key_id, 16) ^ 1):08x}"
    return f"{name}+{wrong}+{blob}"


# -- trust -----------------------------------------------------------------------------------------


async def test_trust_add_list_remove(make_home: HomeFactory) -> None:
    home, own_vkey = await make_home("fi", origin="fi.tem.ncc", country="FI")
    _, lt_vkey = await make_home("lt")
    lt_key_id = lt_vkey.split("+")[1]

    added = await invoke(home, "trust", "add", lt_vkey)
    assert added.exit_code == 0, added.output
    assert added.stdout.strip() == f"trusted lt.esfa.ncc key {lt_key_id}"

    again = await invoke(home, "trust", "add", lt_vkey)
    assert again.exit_code == 0
    assert "already trusted" in again.stdout

    listed = await invoke_json(home, "trust", "list")
    assert [(o["origin"], o["role"]) for o in listed] == [
        ("fi.tem.ncc", "self"),
        ("lt.esfa.ncc", "trusted"),
    ]
    lt = listed[1]
    assert lt["keys"] == [{"key_id": lt_key_id, "state": "active", "vkey": lt_vkey}]
    assert (lt["state"], lt["size"], lt["updated_at"]) == ("active", 0, None)
    assert listed[0]["keys"][0]["vkey"] == own_vkey

    table = await invoke(home, "trust", "list")
    assert table.exit_code == 0
    assert "self" in table.stdout and "trusted" in table.stdout

    # a second key of the same origin (e.g. announced for a rotation) is pinned too
    second = Signer.generate("lt.esfa.ncc")
    added2 = await invoke(home, "trust", "add", second.vkey)
    assert added2.exit_code == 0
    assert added2.stdout.startswith(f"trusted lt.esfa.ncc key {second.key_id.hex()}")
    listed = await invoke_json(home, "trust", "list")
    assert {k["key_id"] for k in listed[1]["keys"]} == {lt_key_id, second.key_id.hex()}

    removed = await invoke(home, "trust", "remove", "lt.esfa.ncc")
    assert removed.exit_code == 0, removed.output
    assert removed.stdout.startswith("removed lt.esfa.ncc")
    assert [o["origin"] for o in await invoke_json(home, "trust", "list")] == ["fi.tem.ncc"]
    everything = await invoke_json(home, "trust", "list", "--all")
    assert [(o["origin"], o["role"]) for o in everything] == [
        ("fi.tem.ncc", "self"),
        ("lt.esfa.ncc", "removed"),
    ]

    # trusting again re-activates it with the keys it had
    assert (await invoke(home, "trust", "add", lt_vkey)).exit_code == 0
    assert len((await invoke_json(home, "trust", "list"))[1]["keys"]) == 2


async def test_trust_remove_unknown_or_self_fails(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    unknown = await invoke(home, "trust", "remove", "xx.nowhere.ncc")
    assert unknown.exit_code == 1
    assert "xx.nowhere.ncc is not a trusted origin" in unknown.stderr
    own = await invoke(home, "trust", "remove", "lt.esfa.ncc")
    assert own.exit_code == 1
    assert "own origin" in own.stderr


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("garbage", "name+keyid+base64key"),
        ("wrong-key-id", "does not match the key"),
        ("not-an-origin", "invalid origin"),
        ("truncated", "verifier key"),
    ],
)
async def test_trust_add_bad_vkey_fails_and_stores_nothing(
    make_home: HomeFactory, case: str, reason: str
) -> None:
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    good = Signer.generate("lt.esfa.ncc").vkey
    vkey = {
        "garbage": "not a key",
        "wrong-key-id": other_key(good),
        "not-an-origin": Signer.generate("Not_An_Origin").vkey,
        "truncated": good[:-8],
    }[case]
    result = await invoke(home, "trust", "add", vkey)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("federation: invalid verifier key")
    assert reason in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert [o["origin"] for o in await invoke_json(home, "trust", "list", "--all")] == [
        "fi.tem.ncc"
    ]


async def test_trust_add_own_origin_is_refused(make_home: HomeFactory) -> None:
    home, vkey = await make_home()
    result = await invoke(home, "trust", "add", vkey)
    assert result.exit_code == 1
    assert "own origin" in result.stderr
    assert [o["role"] for o in await invoke_json(home, "trust", "list", "--all")] == ["self"]


async def test_no_home_is_bad_usage(tmp_path: Path) -> None:
    result = await invoke(Home(tmp_path / "missing"), "trust", "list")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr


async def test_trust_pending_after_sync_from_peer_with_untrusted_origin(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory
) -> None:
    ee_home, ee_vkey = await make_home("ee", origin="ee.sm.ncc", country="EE")
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    ee_node, ee_url = await serve(ee_home)
    await ee_node.publish([make_case(1), make_case(2)])

    assert await invoke_json(home, "trust", "pending") == []
    assert (await invoke(home, "peers", "add", ee_url)).exit_code == 0
    synced = await invoke(home, "sync")
    assert synced.exit_code == 0, synced.output
    assert "ee.sm.ncc  pending" in synced.stdout

    pending = await invoke_json(home, "trust", "pending")
    assert len(pending) == 1
    p = pending[0]
    assert (p["origin"], p["size"]) == ("ee.sm.ncc", 2)
    assert [s["url"] for s in p["seen_at"]] == [ee_url]
    assert p["first_seen"] <= p["last_seen"]
    table = await invoke(home, "trust", "pending")
    assert table.exit_code == 0
    assert "ee.sm.ncc" in table.stdout

    # nothing of it was merged; once trusted it is no longer pending and the next sync merges it
    assert (await invoke(home, "records", "get", "ee.sm.ncc", "case", make_case(1)["id"])).exit_code
    assert (await invoke(home, "trust", "add", ee_vkey)).exit_code == 0
    assert await invoke_json(home, "trust", "pending") == []
    assert (await invoke(home, "sync")).exit_code == 0
    got = await invoke(home, "records", "get", "ee.sm.ncc", "case", make_case(1)["id"])
    assert got.exit_code == 0, got.output


# -- peers -----------------------------------------------------------------------------------------


async def test_peers_add_shows_well_known_then_list_and_remove(
    make_home: HomeFactory, serve: Serve
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    _, lt_url = await serve(lt_home)

    added = await invoke(home, "peers", "add", lt_url + "/")
    assert added.exit_code == 0, added.output
    out = added.stdout
    assert f"added peer {lt_url}\n" in out
    for shown in ("lt.esfa.ncc", "Lithuanian ESF Agency", "LT", lt_vkey):
        assert shown in out
    assert f"federation trust add {lt_vkey}" in added.stderr  # a hint, not trust

    again = await invoke(home, "peers", "add", lt_url)
    assert again.exit_code == 0
    assert "already configured" in again.stdout

    [peer] = await invoke_json(home, "peers", "list")
    assert peer["url"] == lt_url  # normalised: no trailing slash
    assert peer["origin"] == "lt.esfa.ncc"
    assert (peer["failures"], peer["next_attempt"], peer["due_in"]) == (0, 0.0, 0.0)
    assert (peer["last_success"], peer["last_error"]) == (None, None)
    table = await invoke(home, "peers", "list")
    assert table.exit_code == 0
    assert "now" in table.stdout

    removed = await invoke(home, "peers", "remove", lt_url + "/")
    assert removed.exit_code == 0
    assert await invoke_json(home, "peers", "list") == []
    gone = await invoke(home, "peers", "remove", lt_url)
    assert gone.exit_code == 1
    assert "not a configured peer" in gone.stderr


async def test_peers_add_unreachable_warns_but_adds(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    with dead_url() as url:
        result = await invoke(home, "peers", "add", url)
    assert result.exit_code == 0, result.output
    assert "warning: cannot reach" in result.stderr
    assert f"added peer {url}" in result.stdout
    [peer] = await invoke_json(home, "peers", "list")
    assert (peer["url"], peer["origin"], peer["failures"]) == (url, None, 0)


@pytest.mark.parametrize(
    "url",
    ["ftp://node.example.eu", "node.example.eu", "http://", "http://h/?x=1", "http://u:p@h"],
)
async def test_peers_add_bad_url_is_bad_usage(make_home: HomeFactory, url: str) -> None:
    home, _ = await make_home()
    result = await invoke(home, "peers", "add", url)
    assert result.exit_code == 2
    assert result.stderr.startswith("federation: ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert await invoke_json(home, "peers", "list") == []
