"""The aiohttp application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from federation.node import feed
from federation.node.context import NODE, SETTINGS, SYNC
from federation.node.errors import error_middleware
from federation.node.service import Node
from federation.sync.scheduler import SyncService, new_session


def create_app(node: Node, *, schedule: bool | None = None) -> web.Application:
    """Build the node's HTTP app: feed API (DESIGN §4) and the sync service (DESIGN §5).

    The caller owns ``node``'s lifetime. The sync service (HTTP client session, puller and,
    when ``schedule`` — default ``settings.sync.enabled`` — the APScheduler jobs) starts and
    stops with the app.
    """
    app = web.Application(
        middlewares=[error_middleware],
        client_max_size=node.settings.limits.max_request_bytes,
    )
    app[NODE] = node
    app[SETTINGS] = node.settings
    feed.add_routes(app)
    run_scheduler = node.settings.sync.enabled if schedule is None else schedule

    async def sync_ctx(app: web.Application) -> AsyncIterator[None]:
        session = new_session(node.settings)
        service = SyncService(node.store, node.settings, session)
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
