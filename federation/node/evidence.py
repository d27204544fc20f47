"""``GET /v1/evidence``: the equivocation evidence this node holds, for anyone to check.

The answer is an evidence file (protocol §12.3): a JSON array with one item per pair of
conflicting signed checkpoint notes the node found while pulling, each with the fork path that
makes notes of two sizes checkable offline (``federation audit verify-evidence``). Public: the
notes are what origins signed and published; the sources are the node URLs they came from.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from federation.node.context import NODE
from federation.node.errors import bad_request
from federation.protocol.audit import encode_evidence, evidence_item
from federation.protocol.checkpoint import is_valid_origin
from federation.store import EvidenceRow


def evidence_json(row: EvidenceRow) -> dict[str, Any]:
    """One stored evidence row as an evidence-file item."""
    return evidence_item(
        row.origin,
        row.note_a,
        row.note_b,
        row.proof,
        detail=row.detail,
        sources=(row.source_a, row.source_b),
        found_at=row.found_at,
    )


async def list_evidence(request: web.Request) -> web.Response:
    origin = request.query.get("origin")
    if origin is not None and not is_valid_origin(origin):
        raise bad_request(f"origin {origin!r} is not a valid origin name")
    rows = await request.app[NODE].store.evidence(origin)
    body = encode_evidence([evidence_json(r) for r in rows])
    resp = web.Response(body=body, content_type="application/json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/evidence", list_evidence)
