"""Per-client request rate limit (DESIGN §4: every limit is a config value with a safe default).

A token bucket per client address: ``burst`` requests at once, refilled at ``rate`` per
second. A request that finds the bucket empty gets 429 ``rate_limited`` with ``Retry-After``.
Memory is bounded: a bucket idle long enough to be full again is the same as no bucket and is
dropped, and at most ``max_clients`` buckets are kept (the least recently seen go first).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware

from federation.config import Limits
from federation.node.errors import ApiError, Handler

MAX_CLIENTS = 10_000
"""Buckets kept at most; beyond that the least recently seen client starts afresh."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Token buckets keyed by client. ``clock`` gives seconds (monotonic by default)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if rate <= 0 or burst <= 0:
            raise ValueError("rate and burst must be positive (use no limiter to turn it off)")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_clients = max(1, max_clients)
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    @classmethod
    def from_limits(
        cls, limits: Limits, clock: Callable[[], float] = time.monotonic
    ) -> RateLimiter | None:
        """The limiter the config asks for, or None when ``rate_per_second`` or burst is 0."""
        if limits.rate_per_second <= 0 or limits.rate_burst <= 0:
            return None
        return cls(limits.rate_per_second, limits.rate_burst, clock=clock)

    def __len__(self) -> int:
        return len(self._buckets)

    def acquire(self, client: str) -> float:
        """Take one token for ``client``: 0.0 if allowed, else the seconds until one is free."""
        now = self.clock()
        self._evict(now)
        bucket = self._buckets.pop(client, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            elapsed = max(0.0, now - bucket.at)
            bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.rate)
            bucket.at = now
        self._buckets[client] = bucket  # most recently seen last
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def _evict(self, now: float) -> None:
        full_after = self.burst / self.rate
        while self._buckets:
            client, oldest = next(iter(self._buckets.items()))
            if now - oldest.at < full_after and len(self._buckets) < self.max_clients:
                break
            del self._buckets[client]


def client_key(request: web.Request) -> str:
    """Who is asking: the peer address of the connection."""
    return request.remote or "unknown"


def rate_limit_middleware(limiter: RateLimiter) -> Middleware:
    """Middleware answering 429 ``rate_limited`` (with ``Retry-After``) to a client over limit."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        wait = limiter.acquire(client_key(request))
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                f"too many requests; retry in {wait:.1f} s",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        return await handler(request)

    return middleware
