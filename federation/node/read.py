"""Read API for portals (DESIGN §8): merged records, one record with its proof, change feed.

- ``GET /v1/records``: live records, filtered (``kind``, ``origin``, ``country``, ``theme``,
  ``lang``, ``updated_since``) and searched (``q``), paged by an opaque ``cursor``;
- ``GET /v1/records/{origin}/{kind}/{id}``: one record with its leaf, the checkpoint this node
  holds for the origin and the leaf's inclusion proof in it;
- ``GET /v1/changes``: the local change feed, with long polling (``wait``).

``vis: federation`` records are for the federation only: a request gets them only with
``Authorization: Bearer <portal_token>``. Without it they are not listed, not searched and
not filtered, and ``/v1/records/{origin}/{kind}/{id}`` gives their provenance but no field
taken from the body. A wrong token is ``401``, not silently public (a misconfigured portal
must hear about it). Every parameter is validated: bad values are ``400 bad_request`` in the
one error envelope, never a ``500``. The semantics are documented in ``docs/portal.md``.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from federation.node.context import NODE, SETTINGS
from federation.node.errors import ApiError, bad_request
from federation.node.feed import SERVED_ROLES, int_param
from federation.protocol import vocab
from federation.protocol.checkpoint import is_valid_origin
from federation.protocol.entry import ID_RE, Kind, Visibility
from federation.store.read import (
    STAGE_CHANGE,
    Position,
    ReadRecord,
    RecordFilter,
    search_terms,
)

DEFAULT_PAGE = 50
DEFAULT_CHANGES = 100
MAX_QUERY_CHARS = 500
POLL_INTERVAL = 0.5
"""Seconds between re-reads of a long poll: catches commits by other processes (CLI)."""

PORTAL_REALM = 'Bearer realm="federation-portal"'
CURSOR_VERSION = 1
_CLOSING = web.AppKey("read_closing", asyncio.Event)
"""Set when the app shuts down: long polls answer at once instead of holding the shutdown."""

_RECORD_PARAMS = frozenset(
    {"kind", "origin", "country", "theme", "lang", "updated_since", "q", "limit", "cursor"}
)
_CHANGES_PARAMS = frozenset({"since", "limit", "wait"})
_THEMES = frozenset(t.value for t in vocab.Theme)
_KINDS = frozenset(k.value for k in Kind)
_WAIT_RE = re.compile(r"^[0-9]{1,7}(?:\.[0-9]{1,3})?$")
_RFC3339_RE = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"(?:[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,9})?(?:[Zz]|[+ -][0-9]{2}:[0-9]{2}))?$"
)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")


# -- access --------------------------------------------------------------------------------------


def portal_access(request: web.Request) -> bool:
    """Whether the request carries the portal token (``federation`` records too).

    No ``Authorization`` header: anonymous (public records). A header with anything but the
    configured token (or any header while no token is configured): ``401``.
    """
    auth = request.headers.get("Authorization")
    if auth is None:
        return False
    expected = request.app[SETTINGS].portal_token.encode()
    scheme, _, token = auth.strip().partition(" ")
    if not expected or scheme.lower() != "bearer":
        raise ApiError(
            401,
            "unauthorized",
            "the read API takes no credentials but the portal token",
            {"WWW-Authenticate": PORTAL_REALM},
        )
    if not hmac.compare_digest(token.strip().encode(), expected):
        raise ApiError(
            401,
            "unauthorized",
            "invalid portal token",
            {"WWW-Authenticate": f'{PORTAL_REALM}, error="invalid_token"'},
        )
    return True


def _json(doc: Any, *, private: bool) -> web.Response:
    resp = web.Response(body=orjson.dumps(doc), content_type="application/json")
    # the answer depends on the token: no shared cache may hand one requester's to another
    resp.headers["Vary"] = "Authorization"
    resp.headers["Cache-Control"] = "private, no-store" if private else "no-cache"
    return resp


# -- parameters ----------------------------------------------------------------------------------


def _params(request: web.Request, allowed: frozenset[str]) -> dict[str, str]:
    """The query parameters, each at most once and all of them known (a typo is not ignored)."""
    out: dict[str, str] = {}
    for name, value in request.query.items():
        if name not in allowed:
            raise bad_request(
                f"unknown query parameter {name!r} (known: {', '.join(sorted(allowed))})"
            )
        if name in out:
            raise bad_request(f"query parameter {name} is given more than once")
        out[name] = value
    return out


def _bounded(request: web.Request, name: str, default: int, cap: int) -> int:
    value = int_param(request, name, default)
    if not 1 <= value <= cap:
        raise bad_request(f"{name} must be between 1 and {cap}, got {value}")
    return value


def _choice(value: str | None, allowed: frozenset[str], name: str) -> str | None:
    if value is not None and value not in allowed:
        raise bad_request(f"unknown {name} {value!r} (one of: {', '.join(sorted(allowed))})")
    return value


def parse_timestamp(value: str) -> str:
    """An RFC 3339 date-time (or full date, meaning midnight UTC) as UTC ``YYYY-MM-DDTHH:MM:SS``.

    A space in place of the ``+`` of an offset is taken as ``+`` (an unencoded ``+`` in a URL
    query arrives as a space). Fractions of a second are dropped: the filter compares seconds.
    """
    if not _RFC3339_RE.fullmatch(value):
        raise bad_request(f"updated_since must be an RFC 3339 date-time, got {value!r}")
    text = value.upper().replace("Z", "+00:00")
    if len(text) > 10 and text[-6] == " ":
        text = text[:-6] + "+" + text[-5:]
    try:
        when = datetime.fromisoformat(text)
    except ValueError as e:
        raise bad_request(f"updated_since is not a real date-time: {value!r}") from e
    if when.tzinfo is None:  # a full date
        when = when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    except (OverflowError, ValueError) as e:
        raise bad_request(f"updated_since is out of range: {value!r}") from e


async def record_filter(request: web.Request, params: dict[str, str], portal: bool) -> RecordFilter:
    kind = _choice(params.get("kind"), _KINDS, "kind")
    theme = _choice(params.get("theme"), _THEMES, "theme")
    origin = params.get("origin")
    if origin is not None:
        head = await request.app[NODE].store.head(origin) if is_valid_origin(origin) else None
        if head is None or head.role not in SERVED_ROLES:
            raise bad_request(f"this node serves no records of origin {origin!r}")
    country = params.get("country")
    if country is not None:
        if not vocab.is_country_code(country):
            raise bad_request(
                f"country must be an ISO 3166-1 alpha-2 code in upper case, got {country!r}"
            )
        country = vocab.COUNTRY_ALIASES.get(country, country)
    lang = params.get("lang")
    if lang is not None:
        if not vocab.is_language_tag(lang):
            raise bad_request(f"lang must be a BCP 47 language tag, got {lang!r}")
        lang = lang.lower()
    since = params.get("updated_since")
    terms: tuple[str, ...] | None = None
    q = params.get("q")
    if q is not None and q.strip():
        if len(q) > MAX_QUERY_CHARS:
            raise bad_request(f"q is longer than {MAX_QUERY_CHARS} characters")
        terms = search_terms(_CONTROL_RE.sub(" ", q))
    return RecordFilter(
        kind=kind,
        origin=origin,
        country=country,
        theme=theme,
        lang=lang,
        updated_since=parse_timestamp(since) if since is not None else None,
        terms=terms,
        public_only=not portal,
    )


# -- cursors -------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    """Strict base64url without padding: one spelling per value (unused bits zero)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text):
        raise ValueError("not base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if _b64(data) != text:
        raise ValueError("not canonical base64url")
    return data


def _cursor_mac(key: bytes, payload: bytes, f: RecordFilter) -> bytes:
    query = orjson.dumps(
        [f.kind, f.origin, f.country, f.theme, f.lang, f.updated_since, f.terms, f.public_only]
    )
    return hmac.new(key, payload + b"\n" + query, hashlib.sha256).digest()[:16]


def encode_cursor(key: bytes, pos: Position, f: RecordFilter) -> str:
    """``base64url(JSON [version, stage, change, horizon]) "." base64url(MAC)``: opaque to
    clients; the MAC (keyed by a secret of this store) also covers the query, so a cursor is
    refused if altered or used with other parameters."""
    payload = orjson.dumps([CURSOR_VERSION, pos.stage, pos.change, pos.horizon])
    return f"{_b64(payload)}.{_b64(_cursor_mac(key, payload, f))}"


def decode_cursor(key: bytes, cursor: str, f: RecordFilter) -> Position:
    bad = bad_request("malformed cursor: pass back the `next` value of the previous page")
    if len(cursor) > 200 or cursor.count(".") != 1:
        raise bad
    try:
        payload, mac = (_unb64(part) for part in cursor.split("."))
    except (ValueError, binascii.Error):
        raise bad from None
    if not hmac.compare_digest(mac, _cursor_mac(key, payload, f)):
        raise bad_request("cursor was altered or belongs to a query with other parameters")
    try:
        version, stage, change, horizon = orjson.loads(payload)
    except (orjson.JSONDecodeError, TypeError, ValueError):
        raise bad from None
    ints = all(type(v) is int and v >= 0 for v in (stage, change, horizon))
    if version != CURSOR_VERSION or not ints or stage > STAGE_CHANGE:
        raise bad
    return Position(stage, change, horizon)


# -- responses -----------------------------------------------------------------------------------


def _item(r: ReadRecord, portal: bool) -> dict[str, Any]:
    """A record as the read API shows it. Without the portal token a ``federation`` record
    shows no field taken from its body."""
    shown = r.vis != Visibility.FEDERATION or portal
    return {
        "origin": r.origin,
        "kind": r.kind,
        "id": r.id,
        "seq": r.seq,
        "op": r.op,
        "visibility": r.vis,
        "updated_at": r.updated_at if shown else None,
        "title": r.title if shown else {},
        "country": r.country if shown else None,
        "countries": r.facet_values("c") if shown else [],
        "themes": r.facet_values("t") if shown else [],
        "languages": [vocab.canonical_tag(t) for t in r.facet_values("l")] if shown else [],
        # the stored bytes as they are (compact JSON, validated when merged): no re-encoding
        "body": orjson.Fragment(r.body) if r.body is not None and shown else None,
    }


# -- handlers ------------------------------------------------------------------------------------


async def list_records(request: web.Request) -> web.Response:
    portal = portal_access(request)
    params = _params(request, _RECORD_PARAMS)
    f = await record_filter(request, params, portal)
    limit = _bounded(request, "limit", DEFAULT_PAGE, request.app[SETTINGS].limits.max_page)
    store = request.app[NODE].store
    key = await store.cursor_key()
    cursor = params.get("cursor")
    after = decode_cursor(key, cursor, f) if cursor is not None else None
    page = await store.read_records(f, after, limit)
    doc = {
        "items": [_item(r, portal) for r in page.items],
        "next": encode_cursor(key, page.next, f) if page.next is not None else None,
    }
    return _json(doc, private=portal)


async def get_record(request: web.Request) -> web.Response:
    portal = portal_access(request)
    origin, kind, rid = (request.match_info[k] for k in ("origin", "kind", "id"))
    if not is_valid_origin(origin):
        raise bad_request(f"invalid origin name {origin!r}")
    _choice(kind, _KINDS, "kind")
    if not ID_RE.fullmatch(rid):
        raise bad_request(f"invalid record id {rid!r}")
    store = request.app[NODE].store
    record = await store.read_record(origin, kind, rid)
    head = await store.head(origin)  # read after the record: its size covers the record's seq
    if record is None or record.leaf is None or head is None or head.checkpoint is None:
        raise ApiError(404, "not_found", f"this node holds no {kind} {rid} of {origin}")
    proof = await store.inclusion_proof(origin, record.seq, head.size)
    item = _item(record, portal)
    shown = record.body if item["body"] is not None else None
    doc = item | {
        # the exact body bytes, for checking them against the leaf's digest
        "body_text": shown.decode() if shown is not None else None,
        "ts": record.ts,
        "leaf": record.leaf.decode(),
        "checkpoint": head.checkpoint.decode(),
        "size": head.size,
        "proof": [base64.b64encode(h).decode() for h in proof],
    }
    return _json(doc, private=portal)


async def changes(request: web.Request) -> web.Response:
    params = _params(request, _CHANGES_PARAMS)
    limits = request.app[SETTINGS].limits
    since = int_param(request, "since", 0)
    limit = _bounded(request, "limit", DEFAULT_CHANGES, limits.max_batch)
    wait = 0.0
    if "wait" in params:
        if not _WAIT_RE.fullmatch(params["wait"]):
            raise bad_request(f"wait must be a number of seconds, got {params['wait']!r}")
        wait = float(params["wait"])
        if wait > limits.max_wait:
            raise bad_request(f"wait must be at most {limits.max_wait:g} seconds")
    store = request.app[NODE].store
    closing = request.app[_CLOSING]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        committed = store.commit_event()  # taken before the read: no commit slips between
        rows = await store.read_changes(since, limit)
        remaining = deadline - loop.time()
        if rows or remaining <= 0 or closing.is_set():
            break
        # woken by a commit of this process; re-read every POLL_INTERVAL for other writers
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(committed.wait(), min(POLL_INTERVAL, remaining))
    doc = {
        "results": [
            {
                "cursor": c.cursor,
                "origin": c.origin,
                "kind": c.kind,
                "id": c.id,
                "seq": c.seq,
                "op": c.op,
            }
            for c in rows
        ],
        "last": rows[-1].cursor if rows else since,
    }
    return _json(doc, private=False)


def add_routes(app: web.Application) -> None:
    app[_CLOSING] = asyncio.Event()

    async def release_long_polls(app: web.Application) -> None:
        app[_CLOSING].set()

    app.on_shutdown.append(release_long_polls)
    app.router.add_get("/v1/records", list_records)
    app.router.add_get("/v1/records/{origin}/{kind}/{id}", get_record)
    app.router.add_get("/v1/changes", changes)
