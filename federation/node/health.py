"""``GET /healthz``: can this node do its job? For load balancers, systemd and monitoring.

The answer is one JSON object::

    {"status": "ok", "origin": "lt.esfa.ncc", "size": 42,
     "store": {"writable": true, "busy": false, "error": null},
     "scheduler": {"enabled": true, "running": true, "jobs": 3},
     "peers": {"configured": 3, "failing": 0},
     "problems": []}

* ``failing``, HTTP 503: the store is not writable (the write probe of
  :meth:`~federation.store.Store.probe_write` failed: read-only or broken database, file
  replaced under the running node) or cannot be read, or scheduled pulls are enabled and
  their scheduler is no longer running. Restart the node (after fixing the cause).
* ``degraded``, HTTP 200: the node works but something needs a look: the store's write lock
  was held by another write for over a second (a long merge or a CLI command), or every
  configured peer's last pull failed.
* ``ok``, HTTP 200.

``problems`` says why in words. ``jobs`` counts the scheduled pull jobs (one per peer).
"""

from __future__ import annotations

import logging
from typing import Any

import orjson
from aiohttp import web

from federation.node.context import NODE, SCHEDULED, SYNC

log = logging.getLogger("federation.http")

PROBE_TIMEOUT = 1.0
"""Seconds the write probe waits for the store's write lock before calling it busy."""


async def collect_health(app: web.Application) -> dict[str, Any]:
    """The ``/healthz`` object of an app (``status`` is ok, degraded or failing)."""
    node = app[NODE]
    store = node.store
    failing: list[str] = []
    degraded: list[str] = []

    probe = await store.probe_write(PROBE_TIMEOUT)
    if not probe.writable:
        failing.append(f"store not writable: {probe.error}")
    elif probe.busy:
        degraded.append(f"store busy: a write held its lock for over {PROBE_TIMEOUT:g} s")

    size: int | None = None
    configured = failing_peers = 0
    try:
        head = await store.head(node.origin)
        size = head.size if head is not None else None
        peers = await store.peers()
    except Exception as e:
        log.exception("healthz: cannot read the store")
        failing.append(f"store not readable: {e}")
    else:
        configured = len(peers)
        failing_peers = sum(1 for p in peers if p.failures > 0)
        if configured and failing_peers == configured:
            degraded.append("every peer's last pull failed")

    enabled = app[SCHEDULED]
    sync = app.get(SYNC)
    running = sync is not None and sync.running
    jobs = len(sync.jobs()) if sync is not None else 0
    if enabled and not running:
        failing.append("scheduled pulls are enabled but the scheduler is not running")

    status = "failing" if failing else "degraded" if degraded else "ok"
    return {
        "status": status,
        "origin": node.origin,
        "size": size,
        "store": {"writable": probe.writable, "busy": probe.busy, "error": probe.error},
        "scheduler": {"enabled": enabled, "running": running, "jobs": jobs},
        "peers": {"configured": configured, "failing": failing_peers},
        "problems": failing + degraded,
    }


async def healthz(request: web.Request) -> web.Response:
    health = await collect_health(request.app)
    return web.Response(
        status=503 if health["status"] == "failing" else 200,
        body=orjson.dumps(health),
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
