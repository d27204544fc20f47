"""``GET /healthz`` and ``GET /metrics`` of real nodes on 127.0.0.1:0, after real pulls.

Store failure used here, and why: the tests run as root, so a read-only file or directory
(chmod) does not stop SQLite from writing. What does happen to operators is the database
file being replaced under a running node — a backup restored by copying over it, a file
moved away — after which every write goes to a file nobody reads. The health check compares
the file at the store's path with the one it opened, so the test does exactly that: it
replaces the file with a copy (the inode changes), sees 503, then puts the original back
(same inode) and sees 200 again. A competing writer that holds the database lock (another
process's open write transaction, here a plain ``sqlite3`` connection) makes the node
``degraded``, not ``failing``: the lock is released when that write ends.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from federation.config import Home
from federation.node.app import create_app
from federation.node.context import SYNC
from federation.node.service import Node
from federation.protocol.note import Signer
from federation.sync.puller import PullResult

LT, LV, EE = "lt.esfa.ncc", "lv.sif.ncc", "ee.kusk.ncc"
RecordFactory = Callable[..., dict[str, Any]]
HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
HTTP = "federation_http_requests_total"
ENTRIES = "/v1/logs/{origin}/entries"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@dataclass
class Served:
    node: Node
    app: web.Application
    url: str

    async def pull(self, url: str) -> PullResult:
        (result,) = await self.app[SYNC].sync_now(url)
        return result


class Servers:
    """Serves nodes (as ``federation serve`` does) and plain apps; all stopped at teardown."""

    def __init__(self, stack: contextlib.AsyncExitStack) -> None:
        self.stack = stack

    async def app(self, app: web.Application) -> str:
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self.stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def __call__(self, home: Home, *, schedule: bool = False) -> Served:
        node = await Node.open(home)
        self.stack.push_async_callback(node.close)
        app = create_app(node, schedule=schedule)
        return Served(node, app, await self.app(app))


@pytest.fixture
async def serve() -> AsyncIterator[Servers]:
    """``await serve(home, schedule=False)`` → the node open and served on 127.0.0.1:0."""
    async with contextlib.AsyncExitStack() as stack:
        yield Servers(stack)


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


async def get_json(http: aiohttp.ClientSession, url: str) -> tuple[int, dict[str, Any]]:
    async with http.get(url) as resp:
        assert resp.content_type == "application/json"
        return resp.status, orjson.loads(await resp.read())


async def scrape(http: aiohttp.ClientSession, base: str) -> Samples:
    """Every sample of ``/metrics``, parsed by prometheus_client's own parser."""
    async with http.get(base + "/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        text = await resp.text()
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def with_name(samples: Samples, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (n, labels), v in samples.items() if n == name}


# --- /healthz -----------------------------------------------------------------------------------


async def test_healthz_is_ok_on_a_fresh_node(
    node_home: tuple[Home, str], serve: Servers, http: aiohttp.ClientSession
) -> None:
    served = await serve(node_home[0])
    status, body = await get_json(http, served.url + "/healthz")
    assert status == 200
    assert body == {
        "status": "ok",
        "origin": LT,
        "size": 0,
        "store": {"writable": True, "busy": False, "error": None},
        "scheduler": {"enabled": False, "running": False, "jobs": 0},
        "peers": {"configured": 0, "failing": 0},
        "problems": [],
    }


async def test_healthz_fails_when_the_store_file_is_replaced_under_the_node(
    node_home: tuple[Home, str], serve: Servers, http: aiohttp.ClientSession
) -> None:
    home = node_home[0]
    served = await serve(home)
    db = served.node.store.path
    original = db.with_name("original.sqlite")
    os.link(db, original)  # keeps the opened file (its inode) to put back afterwards
    copy = db.with_name("restored.sqlite")
    shutil.copyfile(db, copy)
    os.replace(copy, db)  # "restore a backup" over the live file

    status, body = await get_json(http, served.url + "/healthz")
    assert status == 503
    assert body["status"] == "failing"
    assert body["store"]["writable"] is False
    assert "replaced" in body["store"]["error"]
    assert any("store not writable" in p for p in body["problems"])

    os.replace(original, db)
    status, body = await get_json(http, served.url + "/healthz")
    assert (status, body["status"], body["store"]["writable"]) == (200, "ok", True)


async def test_healthz_is_degraded_while_another_process_holds_the_write_lock(
    node_home: tuple[Home, str], serve: Servers, http: aiohttp.ClientSession
) -> None:
    served = await serve(node_home[0])
    other = sqlite3.connect(served.node.store.path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # e.g. a CLI import in the middle of its transaction
        status, body = await get_json(http, served.url + "/healthz")
        assert (status, body["status"]) == (200, "degraded")
        assert body["store"] == {"writable": True, "busy": True, "error": None}
        other.execute("ROLLBACK")
    finally:
        other.close()
    status, body = await get_json(http, served.url + "/healthz")
    assert (status, body["status"]) == (200, "ok")


async def test_healthz_fails_when_the_enabled_scheduler_died(
    node_home: tuple[Home, str], serve: Servers, http: aiohttp.ClientSession
) -> None:
    served = await serve(node_home[0], schedule=True)
    status, body = await get_json(http, served.url + "/healthz")
    assert status == 200
    assert body["scheduler"] == {"enabled": True, "running": True, "jobs": 0}

    scheduler = served.app[SYNC].scheduler
    assert scheduler is not None
    scheduler.shutdown(wait=False)
    status, body = await get_json(http, served.url + "/healthz")
    assert (status, body["status"]) == (503, "failing")
    assert body["scheduler"]["running"] is False
    assert body["problems"] == ["scheduled pulls are enabled but the scheduler is not running"]


# --- /metrics -----------------------------------------------------------------------------------


@dataclass
class Pair:
    source: Served  # lt.esfa.ncc, publishes
    puller: Served  # lv.sif.ncc, trusts and pulls the source


@pytest.fixture
async def pair(make_home: HomeFactory, serve: Servers, make_case: RecordFactory) -> Pair:
    lt_home, lt_vkey = await make_home("lt", origin=LT, country="LT")
    lv_home, _ = await make_home("lv", origin=LV, country="LV")
    source, puller = await serve(lt_home), await serve(lv_home)
    await source.node.publish([make_case(n) for n in range(1, 4)])
    await puller.node.store.add_origin(LT, "trusted", [lt_vkey])
    await puller.node.store.add_peer(source.url, LT)
    return Pair(source, puller)


async def test_metrics_count_pulls_by_outcome_and_failures_by_reason(
    pair: Pair,
    make_home: HomeFactory,
    serve: Servers,
    http: aiohttp.ClientSession,
) -> None:
    source, puller = pair.source, pair.puller
    ok = await puller.pull(source.url)
    assert ok.ok and ok.entries == 3

    # an unreachable peer: nothing listens on that port
    dead = f"http://127.0.0.1:{free_port()}"
    await puller.node.store.add_peer(dead, "lt.gone.ncc")
    failed = await puller.pull(dead)
    assert (failed.ok, failed.reason) == (False, "unavailable")

    # a peer whose checkpoints are not signed by the key pinned here
    ee_home, _ = await make_home("ee", origin=EE, country="EE")
    forger = await serve(ee_home)
    await puller.node.store.add_origin(EE, "trusted", [Signer.generate(EE).vkey])
    await puller.node.store.add_peer(forger.url, EE)
    forged = await puller.pull(forger.url)
    assert not forged.ok and forged.reason == "bad_signature", forged.error

    m = await scrape(http, puller.url)
    assert value(m, "federation_pulls_total", peer=source.url, outcome="ok") == 1
    assert value(m, "federation_pulls_total", peer=dead, outcome="failed") == 1
    assert value(m, "federation_pulls_total", peer=forger.url, outcome="failed") == 1
    assert with_name(m, "federation_pull_failures_total") == {
        frozenset({("reason", "unavailable")}): 1,
        frozenset({("reason", "bad_signature")}): 1,
    }
    assert value(m, "federation_pulled_entries_total", peer=source.url) == 3
    assert value(m, "federation_pulled_bytes_total", peer=source.url) == ok.nbytes > 0
    assert value(m, "federation_pull_duration_seconds_count", peer=source.url) == 1
    assert value(m, "federation_log_entries", origin=LT, role="trusted") == 3
    assert value(m, "federation_log_entries", origin=LV, role="self") == 0
    assert value(m, "federation_peer_consecutive_failures", peer=dead) == 1
    assert value(m, "federation_peer_consecutive_failures", peer=source.url) == 0
    assert value(m, "federation_peer_last_success_timestamp_seconds", peer=source.url) > 0
    assert value(m, "federation_node_info", origin=LV, version=_version(m)) == 1
    assert value(m, "federation_store_up") == 1

    # a second pull with nothing new counts as ok again and merges nothing
    assert (await puller.pull(source.url)).ok
    m = await scrape(http, puller.url)
    assert value(m, "federation_pulls_total", peer=source.url, outcome="ok") == 2
    assert value(m, "federation_pulled_entries_total", peer=source.url) == 3


def _version(samples: Samples) -> str:
    (labels,) = with_name(samples, "federation_node_info")
    return dict(labels)["version"]


async def test_metrics_show_the_lag_behind_a_peer_that_is_ahead(
    pair: Pair, make_case: RecordFactory, serve: Servers, http: aiohttp.ClientSession
) -> None:
    source, puller = pair.source, pair.puller
    assert (await puller.pull(source.url)).ok
    m = await scrape(http, puller.url)
    assert value(m, "federation_sync_lag_entries", origin=LT) == 0

    await source.node.publish([make_case(n) for n in range(4, 9)])  # the source is now 8

    # a relay that lists the source's log (so its signed size is seen) but serves nothing else:
    # the pull verifies the checkpoint, then fails; we stay at 3 and know the peer has 8
    async def relay(request: web.Request) -> web.StreamResponse:
        if request.path != "/v1/logs":
            raise web.HTTPServiceUnavailable()
        async with aiohttp.ClientSession() as s, s.get(source.url + "/v1/logs") as resp:
            return web.Response(body=await resp.read(), content_type="application/json")

    app = web.Application()
    app.router.add_get("/{tail:.*}", relay)
    relay_url = await serve.app(app)
    await puller.node.store.add_peer(relay_url, LT)
    result = await puller.pull(relay_url)
    assert (result.ok, result.reason) == (False, "unavailable")
    m = await scrape(http, puller.url)
    assert value(m, "federation_log_entries", origin=LT, role="trusted") == 3
    assert value(m, "federation_sync_lag_entries", origin=LT) == 5

    assert (await puller.pull(source.url)).ok  # caught up from the source itself
    m = await scrape(http, puller.url)
    assert value(m, "federation_sync_lag_entries", origin=LT) == 0


async def test_metrics_count_http_requests_by_route_not_by_raw_path(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    source, puller = pair.source, pair.puller
    assert (await puller.pull(source.url)).ok  # /v1/logs, /entries from the puller
    for path in ("/v1/logs/xx.nowhere.ncc/checkpoint", "/v1/logs/yy.nowhere.ncc/checkpoint"):
        async with http.get(source.url + path) as resp:
            assert resp.status == 404
    async with http.get(source.url + "/no/such/thing") as resp:
        assert resp.status == 404

    first = await scrape(http, source.url)
    requests = {
        (d["route"], d["method"], d["status"]): v
        for d, v in ((dict(labels), v) for labels, v in with_name(first, HTTP).items())
    }
    routes = {route for route, _, _ in requests}
    assert not any("nowhere" in r or "such" in r for r in routes), routes
    assert requests[("/v1/logs", "GET", "200")] == 1
    assert requests[(ENTRIES, "GET", "200")] == 1
    assert requests[("/v1/logs/{origin}/checkpoint", "GET", "404")] == 2
    assert requests[("unmatched", "GET", "404")] == 1
    count = "federation_http_request_duration_seconds_count"
    assert value(first, count, route=ENTRIES, method="GET") == 1

    second = await scrape(http, source.url)  # the first scrape is counted by now
    scrapes = {"route": "/metrics", "method": "GET", "status": "200"}
    assert value(second, HTTP, **scrapes) == value(first, HTTP, **scrapes) + 1

    # each app has its own registry: the source pulled nothing, the puller served no entries
    assert with_name(second, "federation_pulls_total") == {}
    theirs = await scrape(http, puller.url)
    assert value(theirs, HTTP, route=ENTRIES, method="GET", status="200") == 0


async def test_metrics_show_equivocation_evidence_and_frozen_origins(
    pair: Pair, http: aiohttp.ClientSession
) -> None:
    source, puller = pair.source, pair.puller
    assert (await puller.pull(source.url)).ok
    m = await scrape(http, puller.url)
    assert value(m, "federation_equivocation_evidence", origin=LT) == 0
    assert value(m, "federation_origin_frozen", origin=LT) == 0

    head = await puller.node.store.head(LT)
    assert head is not None and head.checkpoint is not None
    await puller.node.store.add_evidence(
        LT, head.checkpoint, "local", head.checkpoint, source.url, "test"
    )
    m = await scrape(http, puller.url)
    assert value(m, "federation_equivocation_evidence", origin=LT) == 1
    assert value(m, "federation_origin_frozen", origin=LT) == 1
