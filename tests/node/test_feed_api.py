"""Feed API (DESIGN §4) of a real node on 127.0.0.1:0, through a real HTTP client."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import orjson
import pytest

from federation.config import Home, Limits, dump_settings
from federation.node.service import Node
from federation.protocol import merkle
from federation.protocol.checkpoint import SignedCheckpoint, open_checkpoint
from federation.protocol.entry import Op, parse_leaf
from federation.protocol.note import parse_vkey

ORIGIN = "lt.esfa.ncc"
Factory = Callable[..., dict[str, Any]]
HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]


# --- helpers ------------------------------------------------------------------------------------


def log_url(base: str, tail: str = "", origin: str = ORIGIN) -> str:
    return f"{base}/v1/logs/{origin}{tail}"


async def get_checkpoint(http: aiohttp.ClientSession, base: str, node: Node) -> SignedCheckpoint:
    async with http.get(log_url(base, "/checkpoint")) as resp:
        assert resp.status == 200
        return open_checkpoint(await resp.read(), ORIGIN, [node.signer.verifier])


async def get_entries(
    http: aiohttp.ClientSession, base: str, query: str = ""
) -> list[dict[str, Any]]:
    async with http.get(log_url(base, f"/entries{query}")) as resp:
        assert resp.status == 200, await resp.text()
        assert resp.content_type == "application/x-ndjson"
        raw = await resp.read()
    return parse_ndjson(raw)


def parse_ndjson(raw: bytes) -> list[dict[str, Any]]:
    if not raw:
        return []
    assert raw.endswith(b"\n")
    lines = [orjson.loads(line) for line in raw[:-1].split(b"\n")]
    for line in lines:
        assert set(line) == {"seq", "leaf", "body"}
    return lines


async def get_hashes(http: aiohttp.ClientSession, url: str) -> list[bytes]:
    async with http.get(url) as resp:
        assert resp.status == 200, await resp.text()
        doc = await resp.json()
    assert set(doc) == {"hashes"}
    return [base64.b64decode(h, validate=True) for h in doc["hashes"]]


def check_envelope(status: int, content_type: str, raw: bytes) -> dict[str, str]:
    """The one error shape: exactly ``{"error": {"code": str, "message": str}}``."""
    assert status >= 400
    assert content_type == "application/json"
    doc = orjson.loads(raw)
    assert isinstance(doc, dict) and set(doc) == {"error"}
    err = doc["error"]
    assert isinstance(err, dict) and set(err) == {"code", "message"}
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    return err


# --- discovery ----------------------------------------------------------------------------------


async def test_well_known_describes_the_node(
    running_node: tuple[Node, str], node_home: tuple[Home, str], http: aiohttp.ClientSession
) -> None:
    node, base = running_node
    async with http.get(f"{base}/.well-known/federation") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        doc = await resp.json()
    assert doc["protocol"] == "federation/1"
    assert (doc["origin"], doc["name"], doc["country"]) == (
        ORIGIN,
        "Lithuanian ESF Agency",
        "LT",
    )
    assert doc["vkey"] == node_home[1] == node.signer.vkey
    assert parse_vkey(doc["vkey"]).name == ORIGIN
    assert doc["endpoints"]["logs"] == "/v1/logs"
    assert "url" not in doc  # no public_url configured


async def test_well_known_advertises_the_configured_public_url(
    make_home: HomeFactory, serve_node: NodeServer, http: aiohttp.ClientSession
) -> None:
    home, _ = await make_home()
    settings = home.load().model_copy(update={"public_url": "https://ncc.esfa.lt"})
    home.config_path.write_text(dump_settings(settings), encoding="utf-8")
    _, base = await serve_node(home)
    async with http.get(f"{base}/.well-known/federation") as resp:
        doc = await resp.json()
    assert doc["url"] == "https://ncc.esfa.lt"


async def test_logs_lists_the_own_log_with_a_verifiable_checkpoint_and_an_etag(
    running_node: tuple[Node, str], http: aiohttp.ClientSession, make_case: Factory
) -> None:
    node, base = running_node
    async with http.get(f"{base}/v1/logs") as resp:
        assert resp.status == 200
        assert resp.content_type == "application/json"
        etag = resp.headers["ETag"]
        logs = await resp.json()
    assert isinstance(logs, list) and len(logs) == 1
    assert set(logs[0]) == {"origin", "size", "checkpoint"}
    assert (logs[0]["origin"], logs[0]["size"]) == (ORIGIN, 0)
    cp = open_checkpoint(logs[0]["checkpoint"].encode(), ORIGIN, [node.signer.verifier])
    assert (cp.size, cp.root) == (0, merkle.EMPTY_ROOT)

    async with http.get(f"{base}/v1/logs", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
        assert resp.headers["ETag"] == etag
        assert await resp.read() == b""

    await node.publish([make_case(1), make_case(2)])
    async with http.get(f"{base}/v1/logs", headers={"If-None-Match": etag}) as resp:
        assert resp.status == 200
        new_etag = resp.headers["ETag"]
        logs = await resp.json()
    assert new_etag != etag
    assert logs[0]["size"] == 2
    cp = open_checkpoint(logs[0]["checkpoint"].encode(), ORIGIN, [node.signer.verifier])
    assert cp.size == 2
    async with http.get(f"{base}/v1/logs", headers={"If-None-Match": new_etag}) as resp:
        assert resp.status == 304


async def test_checkpoint_is_text_with_an_etag(
    running_node: tuple[Node, str], http: aiohttp.ClientSession, make_case: Factory
) -> None:
    node, base = running_node
    async with http.get(log_url(base, "/checkpoint")) as resp:
        assert resp.status == 200
        assert resp.content_type == "text/plain"
        etag = resp.headers["ETag"]
        note = await resp.read()
    head = await node.store.head(ORIGIN)
    assert head is not None and note == head.checkpoint
    async with http.get(log_url(base, "/checkpoint"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 304
        assert await resp.read() == b""

    await node.publish([make_case(1)])
    async with http.get(log_url(base, "/checkpoint"), headers={"If-None-Match": etag}) as resp:
        assert resp.status == 200
        assert resp.headers["ETag"] != etag
        cp = open_checkpoint(await resp.read(), ORIGIN, [node.signer.verifier])
    assert cp.size == 1


# --- entries ------------------------------------------------------------------------------------


async def test_entries_are_ndjson_with_leaf_and_body(
    running_node: tuple[Node, str],
    http: aiohttp.ClientSession,
    make_case: Factory,
    make_event: Factory,
) -> None:
    node, base = running_node
    await node.publish([make_case(1), make_event(2), make_case(3)])
    async with http.get(log_url(base, "/entries")) as resp:
        assert resp.headers["X-Log-Size"] == "3"
    lines = await get_entries(http, base)
    assert [line["seq"] for line in lines] == [0, 1, 2]
    head = await node.store.head(ORIGIN)
    assert head is not None
    stored = await node.store.entries(head.id, 0, 3)
    for line, row in zip(lines, stored, strict=True):
        leaf = line["leaf"].encode()
        assert leaf == row.leaf
        parsed = parse_leaf(leaf)
        assert parsed.seq == line["seq"] and parsed.op is Op.PUT
        assert line["body"] is not None
        assert parsed.matches_body(line["body"].encode())
    assert merkle.root_of(merkle.leaf_hash(line["leaf"].encode()) for line in lines) == head.root

    assert [line["seq"] for line in await get_entries(http, base, "?start=1&limit=1")] == [1]
    assert [line["seq"] for line in await get_entries(http, base, "?start=2")] == [2]


async def test_limit_is_clamped_to_max_batch(
    make_home: HomeFactory,
    serve_node: NodeServer,
    http: aiohttp.ClientSession,
    make_case: Factory,
) -> None:
    home, _ = await make_home("small", limits=Limits(max_batch=5))
    node, base = await serve_node(home)
    await node.publish([make_case(i) for i in range(12)])
    assert [e["seq"] for e in await get_entries(http, base, "?limit=100")] == [0, 1, 2, 3, 4]
    assert [e["seq"] for e in await get_entries(http, base)] == [0, 1, 2, 3, 4]
    assert [e["seq"] for e in await get_entries(http, base, "?start=5&limit=3")] == [5, 6, 7]
    assert [e["seq"] for e in await get_entries(http, base, "?start=10&limit=100")] == [10, 11]
    # Paging with the server's cap reaches every entry exactly once.
    seen: list[int] = []
    while len(seen) < 12:
        page = await get_entries(http, base, f"?start={len(seen)}&limit=1000")
        assert 0 < len(page) <= 5
        seen.extend(e["seq"] for e in page)
    assert seen == list(range(12))


async def test_start_at_the_log_size_is_an_empty_page(
    running_node: tuple[Node, str], http: aiohttp.ClientSession, make_case: Factory
) -> None:
    node, base = running_node
    async with http.get(log_url(base, "/entries?start=0")) as resp:
        assert resp.status == 200
        assert await resp.read() == b""
    await node.publish([make_case(1), make_case(2)])
    async with http.get(log_url(base, "/entries?start=2")) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/x-ndjson"
        assert resp.headers["X-Log-Size"] == "2"
        assert await resp.read() == b""


async def test_entries_are_gzipped_when_asked(
    running_node: tuple[Node, str], make_case: Factory
) -> None:
    node, base = running_node
    await node.publish([make_case(i) for i in range(20)])
    url = log_url(base, "/entries")
    async with aiohttp.ClientSession(auto_decompress=False) as raw_http:
        async with raw_http.get(url, headers={"Accept-Encoding": "gzip"}) as resp:
            assert resp.status == 200
            assert resp.headers["Content-Encoding"] == "gzip"
            compressed = await resp.read()
        async with raw_http.get(url, headers={"Accept-Encoding": "identity"}) as resp:
            assert resp.status == 200
            assert "Content-Encoding" not in resp.headers
            plain = await resp.read()
    assert len(compressed) < len(plain)
    assert gzip.decompress(compressed) == plain
    assert [e["seq"] for e in parse_ndjson(plain)] == list(range(20))


async def test_federation_visibility_bodies_are_served_as_null(
    running_node: tuple[Node, str],
    http: aiohttp.ClientSession,
    make_case: Factory,
    make_person: Factory,
) -> None:
    node, base = running_node
    await node.publish(
        [
            make_person(1),
            make_person(2, display_name="Jonas Jonaitis", publication_consent=True),
            make_case(3),
        ]
    )
    lines = await get_entries(http, base)
    leaves = [parse_leaf(e["leaf"].encode()) for e in lines]
    assert [lf.vis.value if lf.vis else None for lf in leaves] == [
        "federation",
        "public",
        "public",
    ]
    assert lines[0]["body"] is None
    assert lines[1]["body"] is not None and leaves[1].matches_body(lines[1]["body"].encode())
    assert lines[2]["body"] is not None
    # The node holds the person's body; it only refuses to serve it to anonymous pullers.
    head = await node.store.head(ORIGIN)
    assert head is not None
    stored = await node.store.entries(head.id, 0, 1)
    assert stored[0].body is not None and leaves[0].matches_body(stored[0].body)
    assert "Petraitien" not in (await _raw_entries(http, base)).decode()


async def _raw_entries(http: aiohttp.ClientSession, base: str) -> bytes:
    async with http.get(log_url(base, "/entries")) as resp:
        return await resp.read()


async def test_superseded_and_deleted_bodies_are_served_as_null(
    running_node: tuple[Node, str], http: aiohttp.ClientSession, make_case: Factory
) -> None:
    node, base = running_node
    await node.publish([make_case(1), make_case(2)])
    await node.publish([make_case(1, title={"lt": "Nauja versija", "en": "New version"})])
    lines = await get_entries(http, base)
    assert [e["body"] is None for e in lines] == [True, False, False]
    assert "Nauja versija" in lines[2]["body"]

    await node.delete("case", make_case(1)["id"])
    lines = await get_entries(http, base)
    assert [e["body"] is None for e in lines] == [True, False, True, True]
    assert parse_leaf(lines[3]["leaf"].encode()).op is Op.DELETE
    # Every leaf is still served, so the log still verifies against the checkpoint.
    cp = await get_checkpoint(http, base, node)
    assert cp.size == 4
    assert merkle.root_of(merkle.leaf_hash(e["leaf"].encode()) for e in lines) == cp.root


# --- proofs -------------------------------------------------------------------------------------


async def test_inclusion_and_consistency_proofs_verify(
    running_node: tuple[Node, str], http: aiohttp.ClientSession, make_case: Factory
) -> None:
    node, base = running_node
    checkpoints: dict[int, SignedCheckpoint] = {}
    n = 0
    for batch in (1, 1, 2, 1, 3, 5):
        await node.publish([make_case(n + i) for i in range(batch)])
        n += batch
        checkpoints[n] = await get_checkpoint(http, base, node)
    leaves = [merkle.leaf_hash(e["leaf"].encode()) for e in await get_entries(http, base)]
    assert len(leaves) == n == 13

    for size, cp in checkpoints.items():
        for index in range(size):
            url = log_url(base, f"/proof/inclusion?index={index}&size={size}")
            proof = await get_hashes(http, url)
            merkle.verify_inclusion(leaves[index], index, size, proof, cp.root)
        for old, old_cp in checkpoints.items():
            if old <= size:
                url = log_url(base, f"/proof/consistency?from={old}&to={size}")
                proof = await get_hashes(http, url)
                merkle.verify_consistency(old, size, proof, old_cp.root, cp.root)

    # size and to default to the current log size
    latest = checkpoints[13]
    proof = await get_hashes(http, log_url(base, "/proof/inclusion?index=7"))
    merkle.verify_inclusion(leaves[7], 7, 13, proof, latest.root)
    proof = await get_hashes(http, log_url(base, "/proof/consistency?from=4"))
    merkle.verify_consistency(4, 13, proof, checkpoints[4].root, latest.root)


# --- errors -------------------------------------------------------------------------------------

BAD_REQUESTS: Sequence[tuple[str, str, int, str]] = [
    ("GET", "/v1/logs/lt.esfa.ncc/entries?start=-1", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?start=abc", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?start=4", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?start=99999999999999999999", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?limit=0", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?limit=", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/entries?limit=1.5", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/inclusion", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/inclusion?index=3&size=3", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/inclusion?index=0&size=0", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/inclusion?index=0&size=4", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/inclusion?index=-1", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/consistency", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/consistency?from=0&to=3", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/consistency?from=1&to=4", 400, "bad_request"),
    ("GET", "/v1/logs/lt.esfa.ncc/proof/consistency?from=3&to=2", 400, "bad_request"),
    ("GET", "/v1/logs/xx.unknown.ncc/checkpoint", 404, "unknown_origin"),
    ("GET", "/v1/logs/xx.unknown.ncc/entries", 404, "unknown_origin"),
    ("GET", "/v1/logs/xx.unknown.ncc/proof/inclusion?index=0", 404, "unknown_origin"),
    ("GET", "/v1/logs/xx.unknown.ncc/proof/consistency?from=1", 404, "unknown_origin"),
    ("GET", "/v1/nothing-here", 404, "not_found"),
    ("GET", "/v1/logs/lt.esfa.ncc/leaves", 404, "not_found"),
    ("POST", "/v1/logs", 405, "method_not_allowed"),
    ("POST", "/v1/logs/lt.esfa.ncc/entries", 405, "method_not_allowed"),
    ("DELETE", "/v1/logs/lt.esfa.ncc/checkpoint", 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "path", "status", "code"), BAD_REQUESTS)
async def test_bad_requests_get_the_error_envelope(
    running_node: tuple[Node, str],
    http: aiohttp.ClientSession,
    make_case: Factory,
    method: str,
    path: str,
    status: int,
    code: str,
) -> None:
    node, base = running_node
    await node.publish([make_case(i) for i in range(3)])
    async with http.request(method, base + path) as resp:
        assert resp.status == status
        err = check_envelope(resp.status, resp.content_type, await resp.read())
        if status == 405:
            assert "GET" in resp.headers["Allow"]
    assert err["code"] == code


async def test_the_error_envelope_is_pinned(
    running_node: tuple[Node, str], http: aiohttp.ClientSession
) -> None:
    _, base = running_node
    async with http.get(log_url(base, "/checkpoint", origin="xx.unknown.ncc")) as resp:
        assert resp.status == 404
        assert resp.content_type == "application/json"
        doc = orjson.loads(await resp.read())
    assert doc == {
        "error": {
            "code": "unknown_origin",
            "message": "this node serves no log of origin 'xx.unknown.ncc'",
        }
    }
    async with http.get(log_url(base, "/entries?start=x")) as resp:
        assert resp.status == 400
        doc = orjson.loads(await resp.read())
    assert list(doc) == ["error"]
    assert list(doc["error"]) == ["code", "message"]
    assert doc["error"]["code"] == "bad_request"
    assert "start" in doc["error"]["message"]


async def test_checkpoint_hash_etag_is_stable_across_requests(
    running_node: tuple[Node, str], http: aiohttp.ClientSession
) -> None:
    _, base = running_node
    tags = []
    for _ in range(2):
        async with http.get(log_url(base, "/checkpoint")) as resp:
            tags.append(resp.headers["ETag"])
            body = await resp.read()
    assert tags[0] == tags[1]
    assert tags[0].startswith('"') and tags[0].endswith('"')  # a strong entity tag
    assert body.startswith(f"{ORIGIN}\n".encode())
