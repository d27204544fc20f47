"""Feed API (DESIGN §4): the logs this node serves, for peers, auditors and anyone curious."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence

import orjson
from aiohttp import web

from federation.node.auth import authenticated_origin
from federation.node.context import NODE, SETTINGS
from federation.node.errors import ApiError, bad_request
from federation.protocol.cosignature import parse_signature_line
from federation.protocol.entry import Visibility
from federation.protocol.note import add_signatures
from federation.store import LogHead

SERVED_ROLES = ("self", "trusted")


def int_param(request: web.Request, name: str, default: int | None = None) -> int:
    raw = request.query.get(name)
    if raw is None:
        if default is None:
            raise bad_request(f"query parameter {name} is required")
        return default
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise bad_request(f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


def etagged(
    request: web.Request, body: bytes, content_type: str, etag_of: bytes | None = None
) -> web.Response:
    """``body`` with a strong ETag: the hash of ``etag_of`` (default: of ``body``)."""
    etag = hashlib.sha256(body if etag_of is None else etag_of).hexdigest()[:32]
    if etag in request.headers.get("If-None-Match", "").replace('"', " ").split():
        return web.Response(status=304, headers={"ETag": f'"{etag}"'})
    resp = web.Response(body=body, content_type=content_type, charset="utf-8")
    resp.headers["ETag"] = f'"{etag}"'
    resp.headers["Cache-Control"] = "no-cache"
    return resp


async def served_head(request: web.Request) -> LogHead:
    origin = request.match_info["origin"]
    head = await request.app[NODE].store.head(origin)
    if head is None or head.role not in SERVED_ROLES or head.checkpoint is None:
        raise ApiError(404, "unknown_origin", f"this node serves no log of origin {origin!r}")
    return head


async def well_known(request: web.Request) -> web.Response:
    node = request.app[NODE]
    s = node.settings
    doc = {
        "protocol": "federation/1",
        "origin": s.origin,
        "name": s.name,
        "country": s.country,
        "vkey": node.signer.vkey,
        "endpoints": {"logs": "/v1/logs"},
    }
    if s.public_url:
        doc["url"] = s.public_url
    return web.json_response(doc, dumps=lambda o: orjson.dumps(o).decode())


def cosigned(note: bytes, lines: Sequence[tuple[str, str]]) -> bytes:
    """The checkpoint note with the witness cosignatures ``(witness, line)`` held for it."""
    if not lines:
        return note
    return add_signatures(note, *(parse_signature_line(line) for _, line in lines))


async def list_logs(request: web.Request) -> web.Response:
    """The served logs, each checkpoint with its cosignatures (protocol §6.4).

    The ETag covers the notes and this node's own cosignatures only: the cosignatures it
    collected on its own log change no checkpoint its peers pull, and leaving them out keeps
    a network without news at one 304 per pull (a peer's new cosignature on our log comes with
    the checkpoint it cosigned, or with this node's own next cosignature).
    """
    node = request.app[NODE]
    heads = await node.store.heads(SERVED_ROLES)
    cosigs = await node.store.head_cosignatures()
    full: list[dict[str, object]] = []
    stable: list[dict[str, object]] = []
    for h in heads:
        if h.checkpoint is None:
            continue
        lines = cosigs.get((h.origin, h.size, h.root), [])
        for out, kept in ((full, lines), (stable, [x for x in lines if x[0] == node.origin])):
            note = cosigned(h.checkpoint, kept).decode()
            out.append({"origin": h.origin, "size": h.size, "checkpoint": note})
    return etagged(request, orjson.dumps(full), "application/json", orjson.dumps(stable))


async def checkpoint(request: web.Request) -> web.Response:
    head = await served_head(request)
    assert head.checkpoint is not None
    cosigs = await request.app[NODE].store.head_cosignatures()
    lines = cosigs.get((head.origin, head.size, head.root), [])
    return etagged(request, cosigned(head.checkpoint, lines), "text/plain")


async def entries(request: web.Request) -> web.StreamResponse:
    # ``vis: federation`` bodies only for a verified trusted origin (signed request, §7.8)
    requester = await authenticated_origin(request)
    head = await served_head(request)
    cap = request.app[SETTINGS].limits.max_batch
    start = int_param(request, "start", 0)
    limit = int_param(request, "limit", cap)
    if start > head.size:
        raise bad_request(f"start {start} is beyond the log size {head.size}")
    if limit < 1:
        raise bad_request("limit must be at least 1")
    end = min(head.size, start + min(limit, cap))
    rows = await request.app[NODE].store.entries(head.id, start, end)
    fed_ok = requester is not None
    dumps = orjson.dumps
    lines: list[bytes] = []
    delivered: list[tuple[int, str, str]] = []  # personal data handed out (GDPR Art. 19)
    for r in rows:
        body = r.body
        if body is not None and r.vis == Visibility.FEDERATION:
            if not fed_ok:
                body = None
            elif r.kind is not None and r.id is not None:
                delivered.append((r.seq, r.kind, r.id))
        # byte for byte orjson.dumps({"seq": …, "leaf": …, "body": …}) + newline, built from
        # the two JSON strings alone (half the work of serialising a dict per line)
        lines.append(
            b'{"seq":%d,"leaf":%b,"body":%b}\n'
            % (r.seq, dumps(r.leaf.decode()), b"null" if body is None else dumps(body.decode()))
        )
    if delivered and requester is not None:
        await request.app[NODE].store.log_deliveries(requester, head.id, delivered)
    resp = web.Response(body=b"".join(lines), content_type="application/x-ndjson")
    resp.headers["X-Log-Size"] = str(head.size)
    # the answer depends on who signed: no shared cache may hand one requester's to another
    resp.headers["Vary"] = "Accept-Encoding, Signature, Signature-Input"
    if fed_ok:
        resp.headers["Cache-Control"] = "private, no-store"
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        resp.enable_compression(web.ContentCoding.gzip)
    return resp


def _hashes(hashes: list[bytes]) -> web.Response:
    body = orjson.dumps({"hashes": [base64.b64encode(h).decode() for h in hashes]})
    return web.Response(body=body, content_type="application/json")


async def inclusion_proof(request: web.Request) -> web.Response:
    head = await served_head(request)
    index = int_param(request, "index")
    size = int_param(request, "size", head.size)
    if not 0 < size <= head.size:
        raise bad_request(f"size must be between 1 and the log size {head.size}")
    if index >= size:
        raise bad_request(f"index {index} must be smaller than size {size}")
    return _hashes(await request.app[NODE].store.inclusion_proof(head.origin, index, size))


async def consistency_proof(request: web.Request) -> web.Response:
    head = await served_head(request)
    first = int_param(request, "from")
    second = int_param(request, "to", head.size)
    if not 1 <= first <= second <= head.size:
        raise bad_request(f"need 1 <= from <= to <= {head.size} (the log size)")
    return _hashes(await request.app[NODE].store.consistency_proof(head.origin, first, second))


def add_routes(app: web.Application) -> None:
    app.router.add_get("/.well-known/federation", well_known)
    app.router.add_get("/v1/logs", list_logs)
    app.router.add_get("/v1/logs/{origin}/checkpoint", checkpoint)
    app.router.add_get("/v1/logs/{origin}/entries", entries)
    app.router.add_get("/v1/logs/{origin}/proof/inclusion", inclusion_proof)
    app.router.add_get("/v1/logs/{origin}/proof/consistency", consistency_proof)
