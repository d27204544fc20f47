"""`federation sync` and `federation status` against real nodes served on 127.0.0.1 port 0.

The CLI runs in a worker thread (each command calls ``asyncio.run``) while the peers it pulls
from are served on the test's own event loop; a pull happens when the test runs `sync`.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

from federation.cli.syncing import logs_digest
from federation.config import Home
from federation.node.service import Node
from tests.cli_support import dead_url, invoke, invoke_json, ok

HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
Serve = Callable[[Home], Awaitable[tuple[Node, str]]]
RecordFactory = Callable[..., dict[str, Any]]

STATUS_KEYS = {"origin", "logs", "digest", "peers", "evidence", "pending"}


async def test_sync_pulls_a_trusted_origin_and_summarises(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    lt_node, lt_url = await serve(lt_home)
    await lt_node.publish([make_case(1), make_case(2), make_case(3)])
    await ok(home, "trust", "add", lt_vkey)
    await ok(home, "peers", "add", lt_url)

    synced = await ok(home, "sync")
    lines = synced.stdout.splitlines()
    assert lines[0].startswith(f"ok      {lt_url} (lt.esfa.ncc): 3 entries, ")
    assert "lt.esfa.ncc  updated 0 → 3" in lines[1]
    assert lines[-1] == "pulled 1 peer: 1 ok, 0 failed; 3 new entries"
    assert synced.stderr == ""

    got = await ok(home, "records", "get", "lt.esfa.ncc", "case", make_case(2)["id"])
    record = orjson.loads(got.stdout)
    assert record["origin"] == "lt.esfa.ncc"
    assert record["body"]["title"] == make_case(2)["title"]

    [peer] = await invoke_json(home, "peers", "list")
    assert (peer["failures"], peer["entries_pulled"]) == (0, 3)
    assert peer["last_success"] is not None and peer["bytes_pulled"] > 0

    # a second round is idempotent: nothing new
    again = await ok(home, "sync")
    assert again.stdout.splitlines()[-1] == "pulled 1 peer: 1 ok, 0 failed; 0 new entries"
    report = await invoke_json(home, "sync", "--peer", lt_url + "/")
    assert (report["ok"], report["failed"], report["entries"]) == (1, 0, 0)
    assert [p["url"] for p in report["peers"]] == [lt_url]


async def test_sync_json_reports_old_and_new_sizes(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    lt_node, lt_url = await serve(lt_home)
    await lt_node.publish([make_case(1)])
    await ok(home, "trust", "add", lt_vkey)
    await ok(home, "peers", "add", lt_url)
    await ok(home, "sync")
    await lt_node.publish([make_case(2), make_case(3)])

    report = await invoke_json(home, "sync")
    assert (report["ok"], report["failed"], report["entries"]) == (1, 0, 2)
    assert report["equivocations"] == []
    [peer] = report["peers"]
    assert (peer["ok"], peer["entries"]) == (True, 2)
    updated = {o["origin"]: o for o in peer["origins"]}["lt.esfa.ncc"]
    assert (updated["outcome"], updated["old_size"], updated["new_size"]) == ("updated", 1, 3)


async def test_sync_against_a_dead_port_fails_and_backs_off(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    with dead_url() as url:
        await ok(home, "peers", "add", url)
        before = time.time()
        result = await invoke(home, "sync")
        assert result.exit_code == 1
        assert result.stdout.splitlines()[0].startswith(f"failed  {url}: unavailable: ")
        assert result.stdout.splitlines()[-1] == "pulled 1 peer: 0 ok, 1 failed; 0 new entries"
        assert result.stderr == "federation: 1 of 1 peer(s) failed\n"

        [peer] = await invoke_json(home, "peers", "list")
        assert peer["failures"] == 1
        assert peer["next_attempt"] > before  # backed off: the scheduler waits until then
        assert peer["last_error"].startswith("unavailable: ")
        assert peer["last_success"] is None

        report_result = await invoke(home, "sync", "--json")  # ignores the backoff
        assert report_result.exit_code == 1
        report = orjson.loads(report_result.stdout)
        assert (report["ok"], report["failed"]) == (0, 1)
        assert report["peers"][0]["reason"] == "unavailable"
        [peer] = await invoke_json(home, "peers", "list")
        assert peer["failures"] == 2


async def test_sync_unknown_peer_is_bad_usage(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    result = await invoke(home, "sync", "--peer", "http://127.0.0.1:9")
    assert result.exit_code == 2
    assert "not a configured peer" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_sync_with_no_peers_is_a_no_op(make_home: HomeFactory) -> None:
    home, _ = await make_home()
    result = await ok(home, "sync")
    assert result.stdout == "pulled 0 peers: 0 ok, 0 failed; 0 new entries\n"
    assert "no peers configured" in result.stderr


async def test_status_json_shape_and_equal_digests_once_converged(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory, make_event: RecordFactory
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    fi_home, fi_vkey = await make_home("fi", origin="fi.tem.ncc", country="FI")
    lt_node, lt_url = await serve(lt_home)
    fi_node, fi_url = await serve(fi_home)
    await lt_node.publish([make_case(1), make_case(2), make_event(3)])
    await fi_node.publish([make_case(10, origin_country="FI", countries=["FI"])])

    await ok(lt_home, "trust", "add", fi_vkey)
    await ok(fi_home, "trust", "add", lt_vkey)
    await ok(lt_home, "peers", "add", fi_url)
    await ok(fi_home, "peers", "add", lt_url)

    before = await invoke_json(lt_home, "status")
    assert set(before) == STATUS_KEYS

    await ok(fi_home, "sync")
    await ok(lt_home, "sync")
    lt_status = await invoke_json(lt_home, "status")
    fi_status = await invoke_json(fi_home, "status")

    assert set(lt_status) == set(fi_status) == STATUS_KEYS
    assert (lt_status["origin"], fi_status["origin"]) == ("lt.esfa.ncc", "fi.tem.ncc")
    assert lt_status["logs"].keys() == fi_status["logs"].keys() == {"lt.esfa.ncc", "fi.tem.ncc"}
    for origin in ("lt.esfa.ncc", "fi.tem.ncc"):
        a, b = lt_status["logs"][origin], fi_status["logs"][origin]
        assert (a["size"], a["root"], a["records"]) == (b["size"], b["root"], b["records"])
        assert a["state"] == b["state"] == "active"
    assert lt_status["logs"]["lt.esfa.ncc"]["role"] == "self"
    assert fi_status["logs"]["lt.esfa.ncc"]["role"] == "trusted"
    assert fi_status["logs"]["lt.esfa.ncc"]["records"] == {"case": 2, "event": 1, "contact": 0}
    assert lt_status["logs"]["fi.tem.ncc"]["size"] == 1

    assert lt_status["digest"] == fi_status["digest"]
    assert lt_status["digest"] != before["digest"]
    expected = "".join(
        sorted(
            f"{origin} {log['size']} {log['root']}\n" for origin, log in lt_status["logs"].items()
        )
    )
    assert lt_status["digest"] == hashlib.sha256(expected.encode()).hexdigest()[:16]

    [peer] = lt_status["peers"]
    assert (peer["url"], peer["origin"], peer["failures"]) == (fi_url, "fi.tem.ncc", 0)
    assert (lt_status["evidence"], lt_status["pending"]) == ([], 0)

    human = await ok(lt_home, "status")
    assert f"digest {lt_status['digest']}" in human.stdout
    assert "pending origins: 0" in human.stdout


async def test_status_counts_pending_origins(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory
) -> None:
    ee_home, _ = await make_home("ee", origin="ee.sm.ncc", country="EE")
    home, _ = await make_home()
    ee_node, ee_url = await serve(ee_home)
    await ee_node.publish([make_case(1)])
    await ok(home, "peers", "add", ee_url)
    await ok(home, "sync")
    st = await invoke_json(home, "status")
    assert st["pending"] == 1
    assert list(st["logs"]) == ["lt.esfa.ncc"]  # never merged while untrusted


def test_logs_digest_is_order_independent() -> None:
    a = ("a.example", 3, bytes(32))
    b = ("b.example", 1, bytes(range(32)))
    assert logs_digest([a, b]) == logs_digest([b, a])
    assert logs_digest([a, b]) != logs_digest([a, (b[0], 2, b[2])])
    assert len(logs_digest([])) == 16


async def test_sync_exits_1_on_equivocation_and_status_shows_the_evidence(
    make_home: HomeFactory, serve: Serve, make_case: RecordFactory, tmp_path: Path
) -> None:
    lt_home, lt_vkey = await make_home("lt")
    # a second copy of the same origin and key: it signs a different log of the same size (fork)
    shutil.copytree(lt_home.path, tmp_path / "lt-fork")
    fork_home = Home(tmp_path / "lt-fork")
    home, _ = await make_home("fi", origin="fi.tem.ncc", country="FI")
    lt_node, lt_url = await serve(lt_home)
    fork_node, fork_url = await serve(fork_home)
    await lt_node.publish([make_case(1)])
    await fork_node.publish([make_case(2)])
    await ok(home, "trust", "add", lt_vkey)
    await ok(home, "peers", "add", lt_url)
    await ok(home, "sync")

    await ok(home, "peers", "add", fork_url)
    result = await invoke(home, "sync", "--peer", fork_url)
    assert result.exit_code == 1
    assert "lt.esfa.ncc  EQUIVOCATION" in result.stdout
    assert result.stderr == "federation: equivocation by lt.esfa.ncc; evidence stored\n"

    st = await invoke_json(home, "status")
    [evidence] = st["evidence"]
    assert evidence["origin"] == "lt.esfa.ncc"
    assert evidence["sources"] == ["local", fork_url]
    assert all(note.startswith("lt.esfa.ncc\n1\n") for note in evidence["notes"])
    assert st["logs"]["lt.esfa.ncc"]["state"] == "frozen"
    [listed] = [o for o in await invoke_json(home, "trust", "list") if o["role"] == "trusted"]
    assert listed["state"] == "frozen" and "equivocation" in listed["state_reason"]
    human = await ok(home, "status")
    assert "equivocation evidence" in human.stdout
