"""Large updates are streamed into one open merge transaction (ADR 0010).

A puller with ``sync.stream_after_bytes = 0`` opens the merge transaction after its first
verified page and writes every further page as it is verified; it commits only once the root
checks out. These tests pull small pages (``limits.max_batch``) so that an update of a few
dozen entries is written in many chunks, and check that:

* the merged store is the one a single-transaction merge gives (records superseded and
  deleted across chunks included, key rotations followed);
* bad bytes in a late page, after several chunks were written, roll everything back;
* an update that takes longer than ``sync.max_stream_seconds`` is rolled back and the peer
  backed off (reason ``too_slow``).

(``test_resume.py`` kills a streaming pull with SIGKILL while its transaction is open.)
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from aiohttp import web

from federation.cli.samples import sample_origins, sample_records
from federation.config import Limits, SyncSettings
from federation.protocol.entry import body_ref
from federation.protocol.note import parse_vkey

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

ORIGINS = sample_origins()
SOURCE, WHOLE, STREAMED = ORIGINS[0], ORIGINS[1], ORIGINS[2]
PAGE = 4  # entries per /entries request of the pullers
STREAM = SyncSettings(stream_after_bytes=0)


def record_state(db: Path) -> list[tuple[Any, ...]]:
    """The records view without its change-feed cursor (a record changed in two chunks of a
    streamed update takes two cursor values; only the later one is kept)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(
            "SELECT origin_id, kind, id, seq, op, vis, ts, valid, reason, country, title, "
            "updated_at, facets FROM records ORDER BY origin_id, kind, id"
        ).fetchall()
    finally:
        conn.close()


def max_change(db: Path) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT max(change) FROM records").fetchone()[0])
    finally:
        conn.close()


def fts_counts(db: Path) -> tuple[int, int]:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        (indexed,) = conn.execute("SELECT count(*) FROM records_fts").fetchone()
        (live,) = conn.execute(
            "SELECT count(*) FROM records WHERE op = 'put' AND valid = 1"
        ).fetchone()
        return int(indexed), int(live)
    finally:
        conn.close()


async def history(net: Net, source: Member) -> list[dict[str, Any]]:
    """Publish a history whose later entries supersede and delete earlier records: the
    samples, then new versions of some, deletes of others, more records."""
    records = sample_records(source.origin, extra=30)
    await net.publish(source, records[:20])
    changed = [{**r, "x_revision": 2} for r in records[2:8]]
    await net.publish(source, changed)
    for r in records[8:11]:
        await source.node.delete(r["kind"], r["id"])
    await net.publish(source, records[20:])
    await net.publish(source, [{**records[3], "x_revision": 3}])
    return records


async def puller(net: Net, origin: str, source: Member, *, stream: bool) -> Member:
    member = await net.start(origin, sync=STREAM if stream else None, limits=Limits(max_batch=PAGE))
    await net.trust(member, source)
    await net.peer(member, source)
    return member


async def test_a_streamed_merge_equals_a_whole_one(net: Net) -> None:
    source = await net.start(SOURCE)
    await history(net, source)
    whole = await puller(net, WHOLE, source, stream=False)
    streamed = await puller(net, STREAMED, source, stream=True)
    for member in (whole, streamed):
        (result,) = await net.pull(member, source.url)
        assert result.ok, result.error
    mine = await source.store.head(SOURCE)
    assert mine is not None and mine.size > 10 * PAGE  # many chunks
    for member in (whole, streamed):
        assert (await net.digest(member))[SOURCE] == (mine.size, mine.root)

    rows_w, content_w = await asyncio.to_thread(_tables, whole)
    rows_s, content_s = await asyncio.to_thread(_tables, streamed)
    for table in ("leaves", "tree", "bodies", "checkpoints"):
        if table == "checkpoints":  # one row each, with its own time and source
            assert rows_w[table] == rows_s[table]
        else:
            assert content_w[table] == content_s[table], table
    assert record_state(whole.store.path) == record_state(streamed.store.path)
    # written in chunks: records changed in two chunks took two change-feed cursors
    assert max_change(streamed.store.path) > max_change(whole.store.path)
    assert await whole.store.counts() == await streamed.store.counts()
    # the search index holds one row per current valid record, in both
    for member in (whole, streamed):
        indexed, live = fts_counts(member.store.path)
        assert indexed == live > 0


def _tables(member: Member) -> tuple[dict[str, int], dict[str, str]]:
    from tests.sync.conftest import table_rows

    return table_rows(member.store.path)


async def test_a_streamed_merge_follows_a_key_rotation(net: Net) -> None:
    source = await net.start(SOURCE)
    records = sample_records(SOURCE, extra=20)
    await net.publish(source, records[:12])
    new = await source.node.rotate_key()
    await net.publish(source, records[12:])
    streamed = await puller(net, STREAMED, source, stream=True)
    (result,) = await net.pull(streamed, source.url)
    assert result.ok, result.error
    keys = {k for k, _state, _ in await streamed.store.origin_keys(SOURCE)}
    assert parse_vkey(new.vkey).key_id.hex() in {parse_vkey(k).key_id.hex() for k in keys}
    mine = await source.store.head(SOURCE)
    assert mine is not None
    assert (await net.digest(streamed))[SOURCE] == (mine.size, mine.root)


async def _pull_through(
    net: Net, source: Member, member: Member, alter: Any
) -> tuple[str, Any, Any]:
    url = await net.serve(net.proxy(source.url, alter))
    await net.peer(member, url, source.origin)
    before = await net.snapshot(member)
    (result,) = await net.pull(member, url)
    return url, result, before


async def test_a_forged_leaf_in_the_last_page_rolls_back_every_written_chunk(net: Net) -> None:
    """Every entry checks out on its own (the forged body matches its rewritten leaf), so the
    chunks before it are written; only the root at the end tells, and all is rolled back."""
    source = await net.start(SOURCE)
    await history(net, source)
    mine = await source.store.head(SOURCE)
    assert mine is not None
    last_page = (mine.size - 1) // PAGE * PAGE

    async def alter(request: web.Request, body: bytes) -> bytes | None:
        if not request.path.endswith("/entries") or int(request.query["start"]) != last_page:
            return None
        lines = [orjson.loads(x) for x in body.splitlines() if x.strip()]
        entry = next(x for x in lines if x["body"] is not None)
        forged = '{"x_relay_note":"forged",' + entry["body"][1:]
        old_ref = orjson.loads(entry["leaf"])["body"]
        entry["leaf"] = entry["leaf"].replace(old_ref, body_ref(forged.encode()))
        entry["body"] = forged
        return b"".join(orjson.dumps(x) + b"\n" for x in lines)

    streamed = await puller(net, STREAMED, source, stream=True)
    url, result, before = await _pull_through(net, source, streamed, alter)
    assert result.ok is False and result.reason == "verification_failed", result.error
    assert "signed root" in (result.error or "")
    assert await net.snapshot(streamed) == before
    peer = await streamed.store.peer(url)
    assert peer is not None and peer.failures == 1

    # the store is usable: the honest source streams the same update in completely
    (honest,) = await net.pull(streamed, source.url)
    assert honest.ok, honest.error
    assert (await net.digest(streamed))[SOURCE] == (mine.size, mine.root)


async def test_a_tampered_body_mid_stream_rolls_back(net: Net) -> None:
    source = await net.start(SOURCE)
    await history(net, source)
    third_page = 3 * PAGE

    async def alter(request: web.Request, body: bytes) -> bytes | None:
        if not request.path.endswith("/entries") or int(request.query["start"]) != third_page:
            return None
        lines = [orjson.loads(x) for x in body.splitlines() if x.strip()]
        entry = next(x for x in lines if x["body"] is not None)
        entry["body"] = '{"x_relay_note":"forged",' + entry["body"][1:]
        return b"".join(orjson.dumps(x) + b"\n" for x in lines)

    streamed = await puller(net, STREAMED, source, stream=True)
    _url, result, before = await _pull_through(net, source, streamed, alter)
    assert result.ok is False and result.reason == "verification_failed", result.error
    assert "body does not match" in (result.error or "")
    assert await net.snapshot(streamed) == before


async def test_a_stream_slower_than_its_limit_is_rolled_back(net: Net) -> None:
    source = await net.start(SOURCE)
    await history(net, source)

    async def slow(request: web.Request, body: bytes) -> None:
        if request.path.endswith("/entries"):
            await asyncio.sleep(0.1)  # every page: the whole update needs more than the limit

    member = await net.start(
        STREAMED,
        sync=SyncSettings(stream_after_bytes=0, max_stream_seconds=0.5),
        limits=Limits(max_batch=PAGE),
    )
    await net.trust(member, source)

    url = await net.serve(net.proxy(source.url, slow))
    await net.peer(member, url, source.origin)
    before = await net.snapshot(member)
    started = time.monotonic()
    (result,) = await net.pull(member, url)
    assert time.monotonic() - started >= 0.5
    assert result.ok is False and result.reason == "too_slow", result.error
    assert "sync.max_stream_seconds" in (result.error or "")
    assert await net.snapshot(member) == before
    peer = await member.store.peer(url)
    assert peer is not None and peer.failures == 1 and peer.next_attempt > time.time()
    assert peer.last_error is not None and peer.last_error.startswith("too_slow: ")
