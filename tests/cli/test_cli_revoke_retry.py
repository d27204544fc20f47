"""`federation trust revoke` and `federation peers retry` against real homes and served nodes.

The CLI runs in a worker thread (each command calls ``asyncio.run``) while the peers it pulls
from are served on the test's own event loop, on 127.0.0.1 port 0.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from click.testing import Result

from federation.config import Home
from federation.node.service import Node
from federation.protocol.note import Signer
from tests.cli_support import dead_url, invoke, invoke_json, ok

HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]
RecordFactory = Callable[..., dict[str, Any]]

LT = "lt.esfa.ncc"
FI = "fi.tem.ncc"


async def failed(home: Home, code: int, needle: str, *args: str) -> Result:
    result = await invoke(home, *args)
    assert result.exit_code == code, result.output
    assert needle in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    return result


def key_id(vkey: str) -> str:
    return vkey.split("+")[1]


# -- trust revoke --------------------------------------------------------------------------------


async def test_a_checkpoint_signed_by_a_revoked_key_is_refused(
    make_home: HomeFactory, serve_node: NodeServer, make_case: RecordFactory
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    home, _ = await make_home("fi", origin=FI, country="FI")
    lt_node, lt_url = await serve_node(lt_home)
    await lt_node.publish([make_case(1)])
    await ok(home, "trust", "add", lt_vkey)
    await ok(home, "peers", "add", lt_url)
    assert (await invoke_json(home, "sync"))["entries"] == 1

    revoked = await ok(home, "trust", "revoke", LT, key_id(lt_vkey))
    assert revoked.stdout.startswith(f"revoked key {key_id(lt_vkey)} of {LT}: ")
    assert "no usable key is left" in revoked.stdout
    [_, lt] = await invoke_json(home, "trust", "list")
    assert lt["keys"] == [{"key_id": key_id(lt_vkey), "state": "revoked", "vkey": lt_vkey}]
    table = await ok(home, "trust", "list")
    assert "(revoked)" in table.stdout and key_id(lt_vkey) in table.stdout

    # the origin publishes more under the revoked key: the pull refuses it and merges nothing
    await lt_node.publish([make_case(2), make_case(3)])
    result = await invoke(home, "sync", "--json")
    assert result.exit_code == 1, result.output
    report = orjson.loads(result.stdout)
    assert (report["ok"], report["failed"], report["entries"]) == (0, 1, 0)
    [peer] = report["peers"]
    assert (peer["ok"], peer["reason"]) == (False, "bad_signature")
    status = await invoke_json(home, "status")
    assert status["logs"][LT]["size"] == 1
    assert status["logs"][LT]["records"]["case"] == 1
    missing = await invoke(home, "records", "get", LT, "case", make_case(2)["id"])
    assert missing.exit_code == 1
    [row] = await invoke_json(home, "peers", "list")
    assert row["last_error"].startswith("bad_signature") and row["failures"] == 1

    # the record merged before the revocation stays
    await ok(home, "records", "get", LT, "case", make_case(1)["id"])


async def test_revoking_one_of_two_keys_keeps_the_other(make_home: HomeFactory) -> None:
    home, _ = await make_home("fi", origin=FI, country="FI")
    _, lt_vkey = await make_home("lt")
    second = Signer.generate(LT)
    await ok(home, "trust", "add", lt_vkey)
    await ok(home, "trust", "add", second.vkey)

    revoked = await ok(home, "trust", "revoke", LT, key_id(lt_vkey).upper())
    assert "1 usable key(s) left" in revoked.stdout
    again = await ok(home, "trust", "revoke", LT, key_id(lt_vkey))
    assert "already revoked" in again.stdout
    [_, lt] = await invoke_json(home, "trust", "list")
    assert {k["key_id"]: k["state"] for k in lt["keys"]} == {
        key_id(lt_vkey): "revoked",
        second.key_id.hex(): "active",
    }

    # a revoked key cannot be pinned again, and the refusal stores nothing
    await failed(home, 1, "revoked", "trust", "add", lt_vkey)
    [_, lt_after] = await invoke_json(home, "trust", "list")
    assert lt_after["keys"] == lt["keys"]


async def test_revoke_unknown_origin_key_or_own_origin_fails(make_home: HomeFactory) -> None:
    home, own_vkey = await make_home("fi", origin=FI, country="FI")
    _, lt_vkey = await make_home("lt")
    await ok(home, "trust", "add", lt_vkey)
    await failed(home, 1, "not a trusted origin", "trust", "revoke", "xx.nowhere.ncc", "00000000")
    await failed(home, 1, "no pinned key 0badc0de", "trust", "revoke", LT, "0badc0de")
    await failed(home, 1, "own origin", "trust", "revoke", FI, key_id(own_vkey))
    usage = await invoke(home, "trust", "revoke", LT)
    assert usage.exit_code == 2
    listed = await invoke_json(home, "trust", "list")
    assert all(k["state"] == "active" for o in listed for k in o["keys"])


# -- peers retry ---------------------------------------------------------------------------------


async def test_peers_retry_clears_the_backoff(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    with dead_url() as url:
        await ok(home, "peers", "add", url)
        synced = await invoke(home, "sync")
        assert synced.exit_code == 1
        [peer] = await invoke_json(home, "peers", "list")
        assert peer["failures"] == 1
        assert peer["next_attempt"] > time.time() and peer["due_in"] > 0

        retried = await ok(home, "peers", "retry", url + "/")
        assert retried.stdout.strip() == (
            f"cleared the backoff of peer {url} (1 failure(s)); it is due now"
        )
        [peer] = await invoke_json(home, "peers", "list")
        assert (peer["failures"], peer["next_attempt"], peer["due_in"]) == (0, 0.0, 0.0)
        assert peer["last_error"] is not None  # the history stays; only the backoff is cleared

        calm = await ok(home, "peers", "retry", url)
        assert "was not backing off" in calm.stdout


async def test_peers_retry_unknown_peer_fails(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    await failed(home, 1, "not a configured peer", "peers", "retry", "http://127.0.0.1:9")
