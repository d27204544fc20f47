"""Admin HTTP API (DESIGN §6): peers, trusted origins, sync and status under ``/admin/``.

Served only when the config has an ``admin_token`` (else every ``/admin`` path is 404). Every
request is checked before its body is read: it must come from a loopback address (unless
``admin_remote = true``) and carry ``Authorization: Bearer <admin_token>``. JSON in, JSON out;
errors in the one envelope. The operations are those of ``federation trust`` / ``peers`` /
``sync`` / ``status`` (``node/admin_ops.py``, ``node/status.py``), so both give one result.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import time
from collections.abc import Mapping
from typing import Any, Protocol

import orjson
from aiohttp import web

from federation.config import Settings
from federation.node import admin_ops as ops
from federation.node.context import NODE, SETTINGS, SYNC
from federation.node.errors import ApiError, Handler, bad_request
from federation.node.status import collect_status, status_json

PREFIX = "/admin"
REALM = 'Bearer realm="federation-admin"'


# -- access --------------------------------------------------------------------------------------


class AdminRequest(Protocol):
    """What the access check reads from a request (a ``web.Request`` has both)."""

    @property
    def remote(self) -> str | None: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def is_loopback(remote: str | None) -> bool:
    """Whether a peer address is loopback: 127.0.0.0/8, ::1 or ::ffff:127.x.y.z."""
    if not remote:
        return False
    try:
        ip = ipaddress.ip_address(remote.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def check_access(request: AdminRequest, settings: Settings) -> None:
    """Raise 404 (admin API off), 403 (not loopback) or 401 (no or wrong bearer token)."""
    if not settings.admin_token:
        raise ApiError(404, "not_found", "the admin API is disabled (no admin_token)")
    if not settings.admin_remote and not is_loopback(request.remote):
        raise ApiError(
            403, "forbidden", "the admin API answers loopback clients only (see admin_remote)"
        )
    auth = request.headers.get("Authorization", "")
    if not auth:
        raise ApiError(
            401, "unauthorized", "a bearer token is required", {"WWW-Authenticate": REALM}
        )
    scheme, _, token = auth.strip().partition(" ")
    expected = settings.admin_token.encode()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.strip().encode(), expected):
        raise ApiError(
            401,
            "unauthorized",
            "invalid bearer token",
            {"WWW-Authenticate": f'{REALM}, error="invalid_token"'},
        )


def guarded(handler: Handler) -> Handler:
    """The handler behind the access check; admin refusals become the error envelope."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        check_access(request, request.app[SETTINGS])
        try:
            return await handler(request)
        except ops.AdminError as e:
            raise ApiError(e.status, e.code, e.message) from e

    return wrapper


# -- JSON in and out -----------------------------------------------------------------------------


def reply(obj: Any, status: int = 200) -> web.Response:
    return web.Response(status=status, body=orjson.dumps(obj), content_type="application/json")


async def json_body(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object (413 past ``limits.max_request_bytes``, 400 if not one)."""
    raw = await request.read()
    if not raw.strip():
        if optional:
            return {}
        raise bad_request("a JSON object body is required")
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise bad_request(f"the body is not JSON: {e}") from e
    if not isinstance(doc, dict):
        raise bad_request("the body must be a JSON object")
    return doc


def text_field(doc: Mapping[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"field {name!r} (a non-empty string) is required")
    return value


# -- handlers ------------------------------------------------------------------------------------


async def list_peers(request: web.Request) -> web.Response:
    now = time.time()
    return reply([ops.peer_json(p, now) for p in await request.app[NODE].store.peers()])


async def add_peer(request: web.Request) -> web.Response:
    url = text_field(await json_body(request), "url")
    node = request.app[NODE]
    added = await ops.add_peer(node.store, node.settings, request.app[SYNC].session, url)
    return reply(added.json(), 201 if added.added else 200)


async def remove_peer(request: web.Request) -> web.Response:
    url = request.query.get("url")
    if not url:
        raise bad_request("query parameter url is required")
    return reply((await ops.remove_peer(request.app[NODE].store, url)).json())


async def retry_peer(request: web.Request) -> web.Response:
    url = text_field(await json_body(request), "url")
    return reply((await ops.retry_peer(request.app[NODE].store, url)).json())


async def list_trust(request: web.Request) -> web.Response:
    show_all = request.query.get("all", "").lower() in ("1", "true", "yes")
    rows = await ops.trust_list(request.app[NODE].store, include_removed=show_all)
    return reply([ops.origin_json(o) for o in rows])


async def add_trust(request: web.Request) -> web.Response:
    vkey = text_field(await json_body(request), "vkey")
    node = request.app[NODE]
    done = await ops.trust_add(node.store, node.origin, vkey)
    return reply(done.json(), 201 if done.data["added"] else 200)


async def remove_trust(request: web.Request) -> web.Response:
    origin = request.match_info["origin"]
    return reply((await ops.trust_remove(request.app[NODE].store, origin)).json())


async def revoke_key(request: web.Request) -> web.Response:
    key_id = text_field(await json_body(request), "key_id")
    origin = request.match_info["origin"]
    return reply((await ops.trust_revoke(request.app[NODE].store, origin, key_id)).json())


async def pending(request: web.Request) -> web.Response:
    return reply(await ops.trust_pending(request.app[NODE].store))


async def sync(request: web.Request) -> web.Response:
    doc = await json_body(request, optional=True)
    url: str | None = None
    if doc.get("url") is not None:
        url = await ops.check_peer(request.app[NODE].store, text_field(doc, "url"))
    results = await request.app[SYNC].sync_now(url)
    return reply(ops.sync_report(results))


async def status(request: web.Request) -> web.Response:
    node = request.app[NODE]
    return reply(status_json(await collect_status(node.store, node.origin), time.time()))


def add_routes(app: web.Application) -> None:
    """Add the admin routes, each behind :func:`check_access` — if an admin token is set."""
    if not app[SETTINGS].admin_token:
        return
    routes: list[tuple[str, str, Handler]] = [
        ("GET", "/peers", list_peers),
        ("POST", "/peers", add_peer),
        ("DELETE", "/peers", remove_peer),
        ("POST", "/peers/retry", retry_peer),
        ("GET", "/trust", list_trust),
        ("POST", "/trust", add_trust),
        ("GET", "/trust/pending", pending),
        ("DELETE", "/trust/{origin}", remove_trust),
        ("POST", "/trust/{origin}/revoke", revoke_key),
        ("POST", "/sync", sync),
        ("GET", "/status", status),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, PREFIX + path, guarded(handler))
