"""Peers that serve bad data are blamed, backed off and leave no trace (DESIGN §5, ADR 0006).

Each misbehaving peer is a small real aiohttp app that relays an honest node's feed and alters
one thing on the way. For every case the pull fails with the reason recorded on the peer
(``last_error``, one failure, a retry time in the future), the puller's store is exactly as it
was (heads, records, raw table rows), no equivocation evidence is stored and the origin is not
frozen — and the honest node still works afterwards.
"""

from __future__ import annotations

import base64
import time
from typing import TYPE_CHECKING

import orjson
import pytest
from aiohttp import web

from federation.cli.samples import sample_origins, sample_records
from federation.config import Limits
from federation.protocol.checkpoint import Checkpoint, parse_checkpoint_text
from federation.protocol.entry import body_ref
from federation.protocol.note import Signer, parse_note
from federation.sync.puller import PullResult

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net, Tamper

ORIGINS = sample_origins()
SOURCE, PULLER = ORIGINS[0], ORIGINS[1]
MAX_RESPONSE = 64 * 1024  # the smallest limit the config allows
PULLER_LIMITS = Limits(max_response_bytes=MAX_RESPONSE)


async def setup(
    net: Net, *, limits: Limits = PULLER_LIMITS, prefix: bool = False
) -> tuple[Member, Member]:
    """The honest source (sample records published) and a puller that trusts it.

    With ``prefix`` the puller already merged part of the source's log from the source
    itself, and the source has grown since.
    """
    source = await net.start(SOURCE)
    puller = await net.start(PULLER, limits=limits)
    await net.trust(puller, source)
    records = sample_records(source.origin)
    if prefix:
        await net.publish(source, records[:3])
        await net.peer(puller, source)
        (result,) = await net.pull(puller, source.url)
        assert result.ok and result.entries == 3, result.error
        await net.publish(source, records[3:])
    else:
        await net.publish(source, records)
    return source, puller


async def pull_bad(
    net: Net, source: Member, puller: Member, tamper: Tamper
) -> tuple[str, PullResult]:
    """Serve ``source`` through ``tamper``, add it as a peer of ``puller`` and pull it once,
    checking that the rejected pull changed nothing in the store."""
    url = await net.serve(net.proxy(source.url, tamper))
    await net.peer(puller, url, source.origin)
    before = await net.snapshot(puller)
    (result,) = await net.pull(puller, url)
    assert await net.snapshot(puller) == before
    return url, result


async def assert_blamed(
    net: Net, source: Member, puller: Member, url: str, result: PullResult, reason: str
) -> None:
    assert result.ok is False
    assert result.reason == reason, result.error
    assert not result.changed()
    peer = await puller.store.peer(url)
    assert peer is not None
    assert peer.failures == 1
    assert peer.last_error is not None and peer.last_error.startswith(f"{reason}: ")
    assert peer.next_attempt > time.time()
    assert peer.last_success is None and peer.etag is None
    assert [r["outcome"] for r in await puller.store.sync_runs(url)] == ["error"]
    assert await puller.store.evidence() == []
    head = await puller.store.head(source.origin)
    assert head is not None and head.state == "active" and head.state_reason is None

    # the honest node still works, and the bad peer's record is left as it was
    await net.peer(puller, source)
    (honest,) = await net.pull(puller, source.url)
    assert honest.ok, honest.error
    mine = await source.store.head(source.origin)
    assert mine is not None
    assert (await net.digest(puller))[source.origin] == (mine.size, mine.root)
    ours, theirs = await puller.store.counts(), await source.store.counts()
    assert ours[source.origin] == theirs[source.origin]
    after = await puller.store.peer(url)
    assert after is not None and after.failures == 1


# -- tampering helpers -------------------------------------------------------------------------


def on(path_suffix: str, alter: Tamper) -> Tamper:
    """Apply ``alter`` only to requests whose path ends with ``path_suffix``."""

    async def tamper(request: web.Request, body: bytes) -> bytes | web.StreamResponse | None:
        if request.path.endswith(path_suffix):
            return await alter(request, body)
        return None

    return tamper


def ndjson(body: bytes) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in body.splitlines() if line.strip()]


def dump_ndjson(lines: list[dict[str, object]]) -> bytes:
    return b"".join(orjson.dumps(x) + b"\n" for x in lines)


def first_with_body(lines: list[dict[str, object]]) -> dict[str, object]:
    return next(x for x in lines if x["body"] is not None)


def alter_text(text: str) -> str:
    """A small change to a body's JSON text that keeps it a valid record (unknown fields are
    kept for forward compatibility), so only the hash can tell."""
    assert text.startswith("{")
    return '{"x_relay_note":"forged on the way",' + text[1:]


# -- the cases ---------------------------------------------------------------------------------


async def test_tampered_body(net: Net) -> None:
    async def alter(request: web.Request, body: bytes) -> bytes:
        lines = ndjson(body)
        entry = first_with_body(lines)
        assert isinstance(entry["body"], str)
        entry["body"] = alter_text(entry["body"])
        return dump_ndjson(lines)

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/entries", alter))
    await assert_blamed(net, source, puller, url, result, "verification_failed")
    assert "body does not match" in (result.error or "")


async def test_tampered_leaf(net: Net) -> None:
    """A forged body with its leaf rewritten to match: every entry checks out on its own,
    but the leaves no longer reproduce the signed root."""

    async def alter(request: web.Request, body: bytes) -> bytes:
        lines = ndjson(body)
        entry = first_with_body(lines)
        assert isinstance(entry["body"], str) and isinstance(entry["leaf"], str)
        forged = alter_text(entry["body"])
        leaf = orjson.loads(entry["leaf"])
        old_ref, new_ref = leaf["body"], body_ref(forged.encode())
        entry["leaf"], entry["body"] = entry["leaf"].replace(old_ref, new_ref), forged
        return dump_ndjson(lines)

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/entries", alter))
    await assert_blamed(net, source, puller, url, result, "verification_failed")
    assert "signed root" in (result.error or "")


async def test_truncated_fewer_entries(net: Net) -> None:
    """Every /entries response loses its last line: the log ends early."""

    async def alter(request: web.Request, body: bytes) -> bytes:
        return dump_ndjson(ndjson(body)[:-1])

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/entries", alter))
    await assert_blamed(net, source, puller, url, result, "truncated")


async def test_truncated_mid_line(net: Net) -> None:
    async def alter(request: web.Request, body: bytes) -> bytes:
        return body[: len(body) - 25]

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/entries", alter))
    await assert_blamed(net, source, puller, url, result, "malformed")


async def test_truncated_connection_closed(net: Net) -> None:
    """The peer promises the whole response (Content-Length) and hangs up half-way."""

    async def alter(request: web.Request, body: bytes) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "application/x-ndjson"})
        resp.content_length = len(body)
        await resp.prepare(request)
        await resp.write(body[: len(body) // 2])
        assert request.transport is not None
        request.transport.close()
        return resp

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/entries", alter))
    await assert_blamed(net, source, puller, url, result, "truncated")


@pytest.mark.parametrize("forgery", ["wrong_key", "altered_root"])
async def test_checkpoint_not_signed_by_the_origin(net: Net, forgery: str) -> None:
    async def alter(request: web.Request, body: bytes) -> bytes:
        logs = orjson.loads(body)
        for item in logs:
            if item["origin"] != SOURCE:
                continue
            note = item["checkpoint"].encode()
            cp = parse_checkpoint_text(parse_note(note).text)
            if forgery == "wrong_key":
                # same origin name, same tree, but a key nobody pinned
                item["checkpoint"] = cp.sign(Signer.generate(SOURCE)).decode()
            else:
                # the origin's signature kept, the root swapped
                text = Checkpoint(cp.origin, cp.size, bytes(32)).text()
                sig = parse_note(note).signatures[0]
                item["checkpoint"] = text + "\n" + sig.line()
        return orjson.dumps(logs)

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/v1/logs", alter))
    await assert_blamed(net, source, puller, url, result, "bad_signature")


async def test_listed_size_differs_from_checkpoint(net: Net) -> None:
    async def alter(request: web.Request, body: bytes) -> bytes:
        logs = orjson.loads(body)
        for item in logs:
            item["size"] += 1
        return orjson.dumps(logs)

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/v1/logs", alter))
    await assert_blamed(net, source, puller, url, result, "bad_data")


@pytest.mark.parametrize("framing", ["content_length", "chunked"])
async def test_oversized_response(net: Net, framing: str) -> None:
    """A valid /v1/logs padded past ``limits.max_response_bytes`` (declared or streamed)."""

    async def alter(request: web.Request, body: bytes) -> bytes | web.StreamResponse:
        padded = body + b" " * (MAX_RESPONSE + 1 - len(body))
        if framing == "content_length":
            return padded
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for i in range(0, len(padded), 8192):
            await resp.write(padded[i : i + 8192])
        await resp.write_eof()
        return resp

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/v1/logs", alter))
    await assert_blamed(net, source, puller, url, result, "oversized")


async def test_peer_that_hangs_times_out(net: Net) -> None:
    release = net.gate()
    limits = Limits(max_response_bytes=MAX_RESPONSE, request_timeout=0.5, connect_timeout=0.5)

    async def alter(request: web.Request, body: bytes) -> bytes:
        await release.wait()
        return body

    source, puller = await setup(net, limits=limits)
    started = time.monotonic()
    url, result = await pull_bad(net, source, puller, on("/v1/logs", alter))
    assert 0.4 < time.monotonic() - started < 5
    release.set()
    await assert_blamed(net, source, puller, url, result, "unavailable")
    assert "timed out" in (result.error or "")


async def test_non_json_logs(net: Net) -> None:
    async def alter(request: web.Request, body: bytes) -> web.Response:
        return web.Response(
            text="<html><body>Service moved</body></html>", content_type="text/html"
        )

    source, puller = await setup(net)
    url, result = await pull_bad(net, source, puller, on("/v1/logs", alter))
    await assert_blamed(net, source, puller, url, result, "malformed")


async def test_bad_consistency_proof_blames_the_peer_not_the_origin(net: Net) -> None:
    """The peer corrupts the proof for an honest log: the diagnosis re-reads the log, finds it
    consistent with what we hold, and blames the peer — the origin is not frozen."""
    seen: list[str] = []

    async def alter(request: web.Request, body: bytes) -> bytes:
        seen.append(request.path_qs)
        data = orjson.loads(body)
        first = bytearray(base64.b64decode(data["hashes"][0]))
        first[0] ^= 1
        data["hashes"][0] = base64.b64encode(bytes(first)).decode()
        return orjson.dumps(data)

    source, puller = await setup(net, prefix=True)
    url, result = await pull_bad(net, source, puller, on("/proof/consistency", alter))
    assert seen == [f"/v1/logs/{SOURCE}/proof/consistency?from=3&to=6"]
    await assert_blamed(net, source, puller, url, result, "bad_proof")
    assert "consistency proof" in (result.error or "")


async def test_failures_accumulate_and_reset_on_success(net: Net) -> None:
    """Backoff state lives in the peers table: failures count up, a good pull resets them."""
    broken = True

    async def alter(request: web.Request, body: bytes) -> bytes | None:
        return b"not json" if broken else None

    source, puller = await setup(net)
    url = await net.serve(net.proxy(source.url, on("/v1/logs", alter)))
    await net.peer(puller, url, source.origin)
    attempts: list[float] = []
    for n in (1, 2, 3):
        (result,) = await net.pull(puller, url)
        assert not result.ok
        peer = await puller.store.peer(url)
        assert peer is not None and peer.failures == n
        attempts.append(peer.next_attempt)
    base = puller.node.settings.sync.backoff_base
    # the third ceiling is 4 x base, and the delay is at least half of it
    assert attempts[2] - time.time() >= 2 * base - 1
    broken = False
    (result,) = await net.pull(puller, url)
    assert result.ok, result.error
    peer = await puller.store.peer(url)
    assert peer is not None
    assert (peer.failures, peer.next_attempt) == (0, 0)
    assert peer.last_success is not None
