"""APScheduler 3.x wiring: one interval job per peer, started and stopped with the app.

Each peer gets a job (interval + jitter, ``max_instances=1``, ``coalesce``) that pulls unless
the peer is backing off (backoff state lives in the database, so it survives restarts). A
small refresh job keeps the set of jobs equal to the peers table, so peers added from the CLI
while ``serve`` runs are picked up without a restart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from federation.config import Settings
from federation.protocol.note import Signer
from federation.store import Store
from federation.sync.client import USER_AGENT
from federation.sync.puller import Puller, PullResult

log = logging.getLogger("federation.sync")

REFRESH_SECONDS = 10.0
JOB_PREFIX = "pull:"


def new_session(settings: Settings) -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(
        total=settings.limits.request_timeout, sock_connect=settings.limits.connect_timeout
    )
    return aiohttp.ClientSession(timeout=timeout, headers={"User-Agent": USER_AGENT})


class SyncService:
    """Owns the HTTP session, the puller and (when started) the scheduler."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        session: aiohttp.ClientSession,
        *,
        signer: Signer | None = None,
        observer: Callable[[PullResult], None] | None = None,
    ) -> None:
        """``signer``: the node's key, to sign pulls (protocol §7.8); None pulls anonymously.
        ``observer`` is called with every pull's result (scheduled or not), e.g. for metrics.
        """
        self.store = store
        self.settings = settings
        self.session = session
        self.puller = Puller(store, session, settings, signer=signer, observer=observer)
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.scheduler.add_job(
            self.refresh_jobs,
            IntervalTrigger(seconds=REFRESH_SECONDS),
            id="refresh-peers",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None:
            if self.scheduler.running:  # it may have stopped on its own
                self.scheduler.shutdown(wait=False)
            self.scheduler = None

    @property
    def running(self) -> bool:
        """Whether the scheduler was started and is still running."""
        return self.scheduler is not None and bool(self.scheduler.running)

    def jobs(self) -> list[str]:
        if self.scheduler is None:
            return []
        return sorted(
            j.id[len(JOB_PREFIX) :]
            for j in self.scheduler.get_jobs()
            if j.id.startswith(JOB_PREFIX)
        )

    async def refresh_jobs(self) -> None:
        """Make the scheduled pull jobs match the peers table."""
        if self.scheduler is None:
            return
        wanted = {p.url for p in await self.store.peers()}
        have = set(self.jobs())
        for url in have - wanted:
            self.scheduler.remove_job(JOB_PREFIX + url)
        for url in wanted - have:
            self.scheduler.add_job(
                self.puller.pull_if_due,
                IntervalTrigger(
                    seconds=self.settings.sync.interval, jitter=self.settings.sync.jitter or None
                ),
                args=[url],
                id=JOB_PREFIX + url,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=datetime.now(UTC),
            )
            log.info("scheduled pulls from %s every %.0fs", url, self.settings.sync.interval)

    async def sync_now(self, url: str | None = None) -> list[PullResult]:
        """Pull every peer (or one) now, ignoring backoff."""
        urls = [url] if url else [p.url for p in await self.store.peers()]
        return [await self.puller.pull(u) for u in urls]
