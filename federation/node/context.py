"""Typed application keys (no global service locator)."""

from __future__ import annotations

from aiohttp import web

from federation.config import Settings
from federation.node.service import Node
from federation.sync.scheduler import SyncService

NODE = web.AppKey("node", Node)
SETTINGS = web.AppKey("settings", Settings)
SYNC = web.AppKey("sync", SyncService)
