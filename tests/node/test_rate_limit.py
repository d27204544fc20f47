"""Per-client request rate limit: a token bucket per remote address, driven by an injected clock.

The served tests use a real node on 127.0.0.1:0. A second client is a connection from another
loopback address (127.0.0.2: all of 127.0.0.0/8 is loopback on Linux), so the server really
sees two different remote addresses.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import aiohttp
import orjson
import pytest
from aiohttp import web

from federation.config import Home, Limits, Settings
from federation.node.app import create_app
from federation.node.limits import RateLimiter
from federation.node.service import Node, init_home

RATE = 2.0
BURST = 5


class FakeClock:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


Served = tuple[str, str, FakeClock]


@pytest.fixture
async def limited(tmp_path: Path) -> AsyncIterator[Callable[..., Awaitable[Served]]]:
    """``await limited(rate=..., burst=...)`` → (base URL, admin token, clock) of a served node."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(rate: float = RATE, burst: int = BURST) -> Served:
            home = Home(tmp_path / f"node{rate}-{burst}")
            token = secrets.token_urlsafe(32)
            limits = Limits(rate_per_second=rate, rate_burst=burst)
            settings = Settings(
                origin="lt.esfa.ncc",
                country="LT",
                listen="127.0.0.1:0",
                admin_token=token,
                limits=limits,
            )
            await init_home(home, settings)
            node = await Node.open(home)
            stack.push_async_callback(node.close)
            clock = FakeClock()
            app = create_app(node, schedule=False, clock=clock)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            return f"http://{host}:{port}", token, clock

        yield start


@pytest.fixture
async def other_client() -> AsyncIterator[aiohttp.ClientSession]:
    """A client whose connections come from 127.0.0.2 (another remote address)."""
    connector = aiohttp.TCPConnector(local_addr=("127.0.0.2", 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        yield session


async def get(
    http: aiohttp.ClientSession, url: str, headers: Mapping[str, str] | None = None
) -> tuple[int, bytes, str | None]:
    async with http.get(url, headers=headers) as resp:
        return resp.status, await resp.read(), resp.headers.get("Retry-After")


async def spend(http: aiohttp.ClientSession, url: str, n: int) -> None:
    for _ in range(n):
        status, body, _ = await get(http, url)
        assert status == 200, body


def assert_limited(status: int, body: bytes, retry_after: str | None) -> int:
    assert status == 429
    assert orjson.loads(body)["error"]["code"] == "rate_limited"
    assert retry_after is not None and retry_after.isdigit()
    return int(retry_after)


async def test_429_after_the_burst_then_the_bucket_refills(
    limited: Callable[..., Awaitable[Served]], http: aiohttp.ClientSession
) -> None:
    base, _, clock = await limited()
    url = base + "/v1/logs"
    await spend(http, url, BURST)
    assert assert_limited(*await get(http, url)) == 1  # one token comes back in 0.5 s
    assert assert_limited(*await get(http, url)) == 1  # refused requests cost nothing

    clock.advance(1 / RATE)  # exactly one token
    await spend(http, url, 1)
    assert_limited(*await get(http, url))

    clock.advance(3600)  # refilled to the burst, never beyond it
    await spend(http, url, BURST)
    assert_limited(*await get(http, url))


async def test_other_clients_are_unaffected(
    limited: Callable[..., Awaitable[Served]],
    http: aiohttp.ClientSession,
    other_client: aiohttp.ClientSession,
) -> None:
    base, _, _ = await limited()
    url = base + "/v1/logs"
    await spend(http, url, BURST)
    assert_limited(*await get(http, url))
    await spend(other_client, url, BURST)
    assert_limited(*await get(other_client, url))


async def test_the_admin_api_is_limited_too(
    limited: Callable[..., Awaitable[Served]], http: aiohttp.ClientSession
) -> None:
    base, token, clock = await limited()
    auth = {"Authorization": f"Bearer {token}"}
    for _ in range(BURST):
        status, body, _ = await get(http, base + "/admin/status", headers=auth)
        assert status == 200, body
    assert_limited(*await get(http, base + "/admin/status", headers=auth))
    # feed and admin share the client's bucket, and a guessed token costs a token too
    assert_limited(*await get(http, base + "/v1/logs"))
    clock.advance(1 / RATE)
    status, _, _ = await get(http, base + "/admin/status")
    assert status == 401
    assert_limited(*await get(http, base + "/admin/status", headers=auth))


async def test_zero_turns_the_limit_off(
    limited: Callable[..., Awaitable[Served]], http: aiohttp.ClientSession
) -> None:
    base, _, _ = await limited(rate=0.0, burst=BURST)
    await spend(http, base + "/v1/logs", 3 * BURST)
    assert RateLimiter.from_limits(Limits(rate_per_second=0)) is None
    assert RateLimiter.from_limits(Limits(rate_burst=0)) is None
    assert RateLimiter.from_limits(Limits()) is not None


# --- the limiter itself -------------------------------------------------------------------------


def test_retry_after_is_the_time_until_the_next_token() -> None:
    clock = FakeClock()
    limiter = RateLimiter(0.5, 2, clock=clock)
    assert [limiter.acquire("a") for _ in range(2)] == [0.0, 0.0]
    assert limiter.acquire("a") == pytest.approx(2.0)
    clock.advance(1.5)
    assert limiter.acquire("a") == pytest.approx(0.5)
    clock.advance(0.5)
    assert limiter.acquire("a") == 0.0
    assert limiter.acquire("b") == 0.0  # another client has its own bucket


def test_idle_clients_are_forgotten() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 10, clock=clock)
    for n in range(100):
        limiter.acquire(f"10.0.0.{n}")
    assert len(limiter) == 100
    clock.advance(10)  # every bucket is full again: same as no bucket
    limiter.acquire("10.0.1.1")
    assert len(limiter) == 1


def test_memory_is_bounded_under_many_clients() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 3, clock=clock, max_clients=50)
    for n in range(1000):
        limiter.acquire(f"client-{n}")
        assert len(limiter) <= 50
    # a client that stays busy keeps its (empty) bucket while others come and go
    busy = RateLimiter(1.0, 3, clock=clock, max_clients=50)
    for _ in range(3):
        busy.acquire("busy")
    for n in range(20):
        busy.acquire(f"client-{n}")
    assert busy.acquire("busy") > 0


def test_rate_and_burst_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(0, 1)
    with pytest.raises(ValueError, match="positive"):
        RateLimiter(1, 0)
