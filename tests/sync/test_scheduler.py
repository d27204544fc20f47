"""Scheduled pulls (APScheduler wiring) and the pure backoff policy (DESIGN §5 step 6).

Scheduled tests poll the store for an outcome in a bounded loop; nothing here sleeps in place
of triggering a pull that the test itself could call.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import pytest

from federation.cli.samples import sample_origins
from federation.config import SyncSettings
from federation.sync.backoff import backoff_delay

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()
FAST = SyncSettings(interval=0.2, jitter=0, backoff_base=0.2, backoff_cap=2)
DEADLINE = 10.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` every 50 ms until it holds, for at most ``DEADLINE`` seconds."""
    end = time.monotonic() + DEADLINE
    while not await check():
        if time.monotonic() > end:
            raise AssertionError(f"not within {DEADLINE} s: {what}")
        await asyncio.sleep(0.05)


async def test_records_from_a_trusted_peer_arrive_on_schedule(net: Net) -> None:
    source = await net.start(ORIGINS[0])
    records = await net.publish_samples(source)
    puller = await net.start(ORIGINS[1], sync=FAST, schedule=True)
    await net.trust(puller, source)
    await net.peer(puller, source)
    await puller.sync.refresh_jobs()  # rather than waiting for the 10 s refresh job
    assert puller.sync.jobs() == [source.url]

    async def arrived() -> bool:
        return await net.digest(puller) == await net.digest(source) | {
            puller.origin: (await net.digest(puller))[puller.origin]
        }

    await eventually(arrived, "the source's log is merged")
    for rec in records:
        assert await puller.store.get_record(source.origin, rec["kind"], rec["id"]) is not None

    # and later records follow without anyone asking
    more = await net.publish_samples(source, extra=2)
    generated = more[-1]

    async def followed() -> bool:
        row = await puller.store.get_record(source.origin, "case", generated["id"])
        return row is not None

    await eventually(followed, "a later record is merged")
    peer = await puller.store.peer(source.url)
    assert peer is not None and peer.failures == 0 and peer.last_success is not None


async def test_unreachable_peer_backs_off(net: Net) -> None:
    puller = await net.start(ORIGINS[1], sync=FAST, schedule=True)
    url = f"http://127.0.0.1:{net.free_port()}"
    await net.peer(puller, url, ORIGINS[0])
    await puller.sync.refresh_jobs()

    next_attempt: dict[int, float] = {}  # failures -> the retry time then recorded
    observed: dict[int, float] = {}  # failures -> when the test first saw that count

    async def backed_off() -> bool:
        peer = await puller.store.peer(url)
        assert peer is not None
        if peer.failures and peer.failures not in observed:
            observed[peer.failures] = time.time()
            next_attempt[peer.failures] = peer.next_attempt
        return peer.failures >= 4

    await eventually(backed_off, "four failed attempts")
    peer = await puller.store.peer(url)
    assert peer is not None
    assert peer.last_success is None
    assert peer.last_error is not None and peer.last_error.startswith("unavailable: ")
    counts = sorted(next_attempt)
    retries = [next_attempt[n] for n in counts]
    assert retries == sorted(retries) and len(set(retries)) == len(retries)  # moves forward
    for n in counts:
        if n + 1 in observed:  # the scheduler waited for the backoff before trying again
            assert observed[n + 1] >= next_attempt[n]
    runs = await puller.store.sync_runs(url, limit=100)
    assert {r["outcome"] for r in runs} == {"error"}
    assert len(runs) == peer.failures


async def test_jobs_follow_the_peers_table(net: Net) -> None:
    slow = SyncSettings(interval=3600, jitter=0)
    node = await net.start(ORIGINS[0], sync=slow, schedule=True)
    other = await net.start(ORIGINS[1])
    await node.sync.refresh_jobs()
    assert node.sync.jobs() == []

    await net.peer(node, other)
    extra = "http://127.0.0.1:9/feed"
    await net.peer(node, extra)
    await node.sync.refresh_jobs()
    assert node.sync.jobs() == sorted([other.url, extra])

    # new jobs run at once; let those first pulls finish (the next is an hour away), since a
    # read overlapping them on the store's shared reader connection may see an older snapshot
    async def first_pulls_done() -> bool:
        return all(p.last_attempt is not None for p in await node.store.peers())

    await eventually(first_pulls_done, "the first pull of each new peer")
    assert await node.store.remove_peer(extra)
    await node.sync.refresh_jobs()
    assert node.sync.jobs() == [other.url]
    await node.sync.refresh_jobs()  # idempotent
    assert node.sync.jobs() == [other.url]


async def test_no_jobs_without_the_scheduler(net: Net) -> None:
    node = await net.start(ORIGINS[0])
    await net.peer(node, "http://127.0.0.1:9")
    await node.sync.refresh_jobs()
    assert node.sync.scheduler is None
    assert node.sync.jobs() == []


# -- the pure policy ---------------------------------------------------------------------------

BASE, CAP = 5.0, 3600.0


def test_no_delay_without_failures() -> None:
    for failures in (0, -1):
        for rand in (0.0, 0.5, 0.999):
            assert backoff_delay(failures, base=BASE, cap=CAP, rand=rand) == 0.0


def test_ceiling_doubles_up_to_the_cap() -> None:
    ceilings = [backoff_delay(n, base=BASE, cap=CAP, rand=1.0) for n in range(1, 40)]
    assert ceilings[:4] == [5.0, 10.0, 20.0, 40.0]
    assert ceilings == sorted(ceilings)
    assert max(ceilings) == CAP
    assert ceilings[-1] == CAP
    assert backoff_delay(10**6, base=BASE, cap=CAP, rand=1.0) == CAP  # no overflow


@pytest.mark.parametrize("failures", [1, 2, 3, 7, 12, 100])
def test_jitter_stays_in_the_upper_half_of_the_ceiling(failures: int) -> None:
    ceiling = min(CAP, BASE * 2 ** (failures - 1))
    rng = random.Random(failures)
    delays = [backoff_delay(failures, base=BASE, cap=CAP, rand=rng.random()) for _ in range(500)]
    assert all(ceiling / 2 <= d < ceiling for d in delays)
    assert backoff_delay(failures, base=BASE, cap=CAP, rand=0.0) == ceiling / 2
    assert max(delays) - min(delays) > ceiling / 4  # it does spread


def test_delay_is_monotone_in_rand() -> None:
    for failures in (1, 4, 30):
        delays = [backoff_delay(failures, base=BASE, cap=CAP, rand=r / 100) for r in range(100)]
        assert delays == sorted(delays)
