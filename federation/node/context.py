"""Typed application keys (no global service locator)."""

from __future__ import annotations

from aiohttp import web

from federation.config import Settings
from federation.node.metrics import NodeMetrics
from federation.node.service import Node
from federation.sync.scheduler import SyncService
from federation.sync.signing import ReplayGuard

NODE = web.AppKey("node", Node)
SETTINGS = web.AppKey("settings", Settings)
SYNC = web.AppKey("sync", SyncService)
REQUEST_AUTH = web.AppKey("request_auth", ReplayGuard)
"""Signature time window and replay cache of this app (``federation.node.auth``)."""
METRICS = web.AppKey("metrics", NodeMetrics)
"""This app's Prometheus registry and counters (``federation.node.metrics``)."""
SCHEDULED = web.AppKey("scheduled", bool)
"""Whether this app runs scheduled pulls (``/healthz`` fails if their scheduler stops)."""
