"""The aiohttp application factory."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

from federation.node import admin, evidence, export, feed, health, openapi, read
from federation.node.context import METRICS, NODE, REQUEST_AUTH, SCHEDULED, SETTINGS, SYNC
from federation.node.errors import error_middleware
from federation.node.explorer import setup as setup_explorer
from federation.node.limits import RateLimiter, rate_limit_middleware
from federation.node.metrics import NodeMetrics, metrics_handler, metrics_middleware
from federation.node.service import Node
from federation.sync.scheduler import SyncService, new_session
from federation.sync.signing import ReplayGuard


def create_app(
    node: Node,
    *,
    schedule: bool | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> web.Application:
    """Build the node's HTTP app: feed API (DESIGN §4), admin API (DESIGN §6, when an admin
    token is configured) and the sync service (DESIGN §5).

    The caller owns ``node``'s lifetime. The sync service (HTTP client session, puller and,
    when ``schedule`` — default ``settings.sync.enabled`` — the APScheduler jobs) starts and
    stops with the app. ``clock`` drives the per-client request rate limit.
    ``/healthz`` and ``/metrics`` (Prometheus, this app's own registry) are always served.
    """
    metrics = NodeMetrics(node.origin)
    middlewares: list[Middleware] = [metrics_middleware(metrics), error_middleware]
    limiter = RateLimiter.from_limits(node.settings.limits, clock)
    if limiter is not None:
        middlewares.append(rate_limit_middleware(limiter))
    app = web.Application(
        middlewares=middlewares,
        client_max_size=node.settings.limits.max_request_bytes,
    )
    app[NODE] = node
    app[SETTINGS] = node.settings
    app[REQUEST_AUTH] = ReplayGuard(node.settings.limits.signature_window)
    app[METRICS] = metrics
    feed.add_routes(app)
    admin.add_routes(app)
    evidence.add_routes(app)
    health.add_routes(app)
    read.add_routes(app)  # portal read API (DESIGN §8)
    setup_explorer(app)  # the web explorer: /, /records/…, /network (HTML)
    export.add_routes(app)  # iCalendar, CSV, JSON-LD exports of the read API
    openapi.add_routes(app)  # GET /v1/openapi.json
    app.router.add_get("/metrics", metrics_handler(metrics, node.store))
    run_scheduler = node.settings.sync.enabled if schedule is None else schedule
    app[SCHEDULED] = run_scheduler

    async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
        session = new_session(node.settings)
        service = SyncService(
            node.store, node.settings, session, signer=node.signer, observer=metrics.observe_pull
        )
        app[SYNC] = service
        if run_scheduler:
            await service.start()
        try:
            yield
        finally:
            await service.stop()
            await session.close()

    app.cleanup_ctx.append(sync_ctx)
    return app
