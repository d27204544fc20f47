"""``GET /v1/openapi.json``: the node's HTTP API described in OpenAPI 3.1 (DESIGN §8).

Covered: the feed API (``docs/protocol.md`` §7), the read API and exports (``docs/portal.md``)
and ``/v1/evidence`` (protocol §12.3). Not covered: the admin API, ``/healthz`` and
``/metrics`` (operators' endpoints, ``docs/admin.md`` and ``docs/operator.md``).

The JSON response schemas are generated from the pydantic models below, and record bodies from
the protocol's record models (``federation/protocol/records.py``), with
``ref_template="#/components/schemas/{model}"``. Tests validate real responses of a live node
against this document and fuzz the node from it (``tests/node/test_openapi*.py``), so the
document cannot drift from the handlers. The numeric bounds of parameters are the serving
node's configured limits.
"""

from __future__ import annotations

import functools
import importlib.metadata
from typing import Annotated, Any, Literal

import orjson
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema, models_json_schema

from federation.config import Limits
from federation.node.context import SETTINGS
from federation.protocol import vocab
from federation.protocol.checkpoint import ORIGIN_RE
from federation.protocol.entry import ID_RE
from federation.protocol.records import CaseRecord, ContactRecord, EventRecord

REF = "#/components/schemas/{model}"
OPENAPI_VERSION = "3.1.0"

Kind = Literal["case", "event", "contact"]
Op = Literal["put", "delete"]
Vis = Literal["public", "federation"]
RecordBody = Annotated[CaseRecord | EventRecord | ContactRecord, Field(title="RecordBody")]


class _Model(BaseModel):
    """Responses may grow members; clients ignore those they do not know."""

    model_config = ConfigDict(extra="allow")


# -- feed API (docs/protocol.md §7) --------------------------------------------------------------


class ErrorDetail(_Model):
    code: str = Field(description="machine-readable, stable: bad_request, not_found, …")
    message: str = Field(description="for people; may change")


class Error(_Model):
    """The one error envelope of every endpoint (protocol §7.7)."""

    error: ErrorDetail


class Endpoints(_Model):
    logs: str


class WellKnown(_Model):
    """``/.well-known/federation``: informational; trust comes only from pinned vkeys."""

    protocol: Literal["federation/1"]
    origin: str
    name: str
    country: str
    vkey: str = Field(description="the node's current verifier key (C2SP signed-note vkey)")
    endpoints: Endpoints
    url: str | SkipJsonSchema[None] = Field(
        None, description="the operator's public_url (present only when configured)"
    )


class LogInfo(_Model):
    origin: str
    size: int = Field(ge=0)
    checkpoint: str = Field(description="the signed checkpoint note, with cosignatures")


class Proof(_Model):
    hashes: list[str] = Field(description="base64 SHA-256 hashes, RFC 9162 order")


class EntryLine(_Model):
    """One line of ``application/x-ndjson`` from ``/v1/logs/{origin}/entries``."""

    seq: int = Field(ge=0)
    leaf: str = Field(description="the leaf's exact bytes as a JSON string")
    body: str | None = Field(description="the body's exact bytes as a JSON string, or null")


class EvidenceItem(_Model):
    """One pair of conflicting signed checkpoint notes (protocol §12.3)."""

    origin: str
    notes: list[str] = Field(min_length=2, max_length=2)
    proof: list[str] | None
    detail: str
    sources: list[str]
    found_at: str


# -- read API (docs/portal.md) -------------------------------------------------------------------


class _RecordFields(_Model):
    origin: str
    kind: Kind
    id: str
    seq: int = Field(ge=0)
    op: Op
    updated_at: str | None
    title: dict[str, str]
    country: str | None
    countries: list[str]
    themes: list[str]
    languages: list[str]
    body: RecordBody | None = Field(
        description="the body as published (null for a federation record without the token)"
    )


class RecordItem(_RecordFields):
    """A record as ``/v1/records`` lists it."""

    visibility: Vis


class RecordList(_Model):
    items: list[RecordItem]
    next: str | None = Field(description="cursor of the next page; null: nothing more now")


class RecordDetail(_RecordFields):
    """One record with its provenance (also a deleted one: ``op`` delete, no visibility)."""

    visibility: Vis | None = Field(description="the leaf's vis; null for a deleted record")
    body_text: str | None
    ts: str
    leaf: str
    checkpoint: str
    size: int = Field(ge=0)
    proof: list[str]


class Change(_Model):
    cursor: int = Field(ge=0)
    origin: str
    kind: Kind
    id: str
    seq: int = Field(ge=0)
    op: Op


class Changes(_Model):
    results: list[Change]
    last: int = Field(ge=0)


class JsonLdNode(_Model):
    """A schema.org node of an export; its other members follow the documented mapping."""

    id: str = Field(alias="@id")
    type: Literal["CreativeWork", "Event", "Organization", "Person"] = Field(alias="@type")
    identifier: str


class JsonLdGraph(_Model):
    context: Literal["https://schema.org/"] = Field(alias="@context")
    graph: list[JsonLdNode] = Field(alias="@graph")


MODELS: tuple[type[BaseModel], ...] = (
    Error,
    WellKnown,
    LogInfo,
    Proof,
    EntryLine,
    EvidenceItem,
    RecordList,
    RecordDetail,
    Changes,
    JsonLdGraph,
)


def component_schemas() -> dict[str, Any]:
    """``components.schemas``: the models above and everything they use, by name."""
    _, defs = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    schemas: dict[str, Any] = defs["$defs"]
    return schemas


# -- document ------------------------------------------------------------------------------------


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def _param(
    name: str,
    schema: dict[str, Any],
    description: str,
    *,
    where: str = "query",
    required: bool = False,
) -> dict[str, Any]:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "description": description,
        "schema": schema,
    }


def _int(description: str, lo: int = 0, hi: int = 10**18 - 1, **kw: Any) -> dict[str, Any]:
    return _param("", {"type": "integer", "minimum": lo, "maximum": hi}, description, **kw)


def _named(name: str, p: dict[str, Any]) -> dict[str, Any]:
    return {**p, "name": name}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


def _errors(*statuses: int) -> dict[str, Any]:
    what = {
        304: None,
        400: "malformed, unknown or out-of-range parameter",
        401: "an Authorization header other than the portal token",
        404: "no such origin or record",
        429: "request rate limit exceeded (Retry-After)",
    }
    out: dict[str, Any] = {}
    for status in (*statuses, 429):
        if status == 304:
            out["304"] = {"description": "not modified (If-None-Match named the current ETag)"}
        else:
            out[str(status)] = _json(_ref("Error"), what[status] or "")
    return out


ETAG = _param("If-None-Match", {"type": "string"}, "an ETag of an earlier answer", where="header")


def _filters(origin: str | None) -> list[dict[str, Any]]:
    countries = sorted(vocab.COUNTRY_CODES | vocab.COUNTRY_ALIASES.keys())
    params = [
        _param("origin", {"type": "string"}, "records of this origin (one this node serves)"),
        _param(
            "country",
            {"type": "string", "enum": countries},
            "records mentioning this country (ISO 3166-1 alpha-2; EL is GR)",
        ),
        _param(
            "theme",
            {"type": "string", "enum": sorted(t.value for t in vocab.Theme)},
            "cases filed under this theme",
        ),
        _param(
            "lang",
            {"type": "string", "maxLength": vocab.MAX_LANGUAGE_TAG},
            "records with text in this BCP 47 language (exact tag, any case)",
        ),
        _param(
            "updated_since",
            {"type": "string"},
            "RFC 3339 date-time or full date: records updated at or after it",
        ),
        _param("q", {"type": "string", "maxLength": 500}, "full-text search words"),
    ]
    examples = {
        "origin": origin,
        "lang": "en",
        "updated_since": "2025-01-01T00:00:00Z",
        "q": "social innovation",
    }
    for p in params:
        example = examples.get(p["name"])
        if example is not None:
            p["example"] = example
    return params


def _kind_path(kinds: list[str]) -> dict[str, Any]:
    return _param("kind", {"type": "string", "enum": kinds}, "record kind", where="path")


def build_document(limits: Limits, origin: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a node with these limits (and this origin, given as the
    example of ``{origin}``)."""
    origin_path = _param(
        "origin",
        {"type": "string", "pattern": ORIGIN_RE.pattern},
        "an origin name",
        where="path",
    )
    if origin is not None:
        origin_path["example"] = origin
    filters = _filters(origin)
    kinds = ["case", "event", "contact"]
    portal: list[dict[str, Any]] = [{}, {"portalToken": []}]
    record_params = [
        _named("kind", _param("", {"type": "string", "enum": kinds}, "records of this kind")),
        *filters,
        _named("limit", _int("items per page (default 50)", 1, limits.max_page)),
        _param("cursor", {"type": "string", "maxLength": 200}, "the next value of a page"),
    ]

    def get(
        summary: str,
        responses: dict[str, Any],
        params: list[dict[str, Any]] | None = None,
        *,
        tag: str,
        security: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        op: dict[str, Any] = {
            "summary": summary,
            "operationId": summary.lower().replace(" ", "_").replace(",", ""),
            "tags": [tag],
            "parameters": params or [],
            "responses": responses,
        }
        if security is not None:
            op["security"] = security
        return {"get": op}

    exports = "Filters of /v1/records; streamed; vis federation records only with the token."
    paths = {
        "/.well-known/federation": get(
            "Describe the node",
            {"200": _json(_ref("WellKnown"), "the node"), **_errors()},
            tag="feed",
        ),
        "/v1/logs": get(
            "List served logs",
            {
                "200": _json({"type": "array", "items": _ref("LogInfo")}, "served logs"),
                **_errors(304),
            },
            [ETAG],
            tag="feed",
        ),
        "/v1/logs/{origin}/checkpoint": get(
            "Latest checkpoint",
            {"200": _text("text/plain", "the signed checkpoint note"), **_errors(304, 404)},
            [origin_path, ETAG],
            tag="feed",
        ),
        "/v1/logs/{origin}/entries": get(
            "Log entries",
            {
                "200": {
                    "description": "NDJSON, one EntryLine per line (see components)",
                    "content": {"application/x-ndjson": {"schema": {"type": "string"}}},
                },
                **_errors(400, 404),
            },
            [
                origin_path,
                _named("start", _int("first index (default 0), at most the log size")),
                _named("limit", _int(f"entries (clamped to {limits.max_batch})", 0)),
            ],
            tag="feed",
        ),
        "/v1/logs/{origin}/proof/inclusion": get(
            "Inclusion proof",
            {"200": _json(_ref("Proof"), "the proof"), **_errors(400, 404)},
            [
                origin_path,
                _named("index", _int("leaf index", required=True)),
                _named("size", _int("tree size (default: the log size)")),
            ],
            tag="feed",
        ),
        "/v1/logs/{origin}/proof/consistency": get(
            "Consistency proof",
            {"200": _json(_ref("Proof"), "the proof"), **_errors(400, 404)},
            [
                origin_path,
                _named("from", _int("older tree size", required=True)),
                _named("to", _int("newer tree size (default: the log size)")),
            ],
            tag="feed",
        ),
        "/v1/evidence": get(
            "Equivocation evidence",
            {
                "200": _json({"type": "array", "items": _ref("EvidenceItem")}, "evidence"),
                **_errors(400),
            },
            [_param("origin", {"type": "string"}, "only evidence about this origin")],
            tag="feed",
        ),
        "/v1/records": get(
            "List records",
            {"200": _json(_ref("RecordList"), "a page of records"), **_errors(400, 401)},
            record_params,
            tag="read",
            security=portal,
        ),
        "/v1/records/{origin}/{kind}/{id}": get(
            "Get a record",
            {"200": _json(_ref("RecordDetail"), "the record"), **_errors(400, 401, 404)},
            [
                origin_path,
                _kind_path(kinds),
                _param(
                    "id", {"type": "string", "pattern": ID_RE.pattern}, "record id", where="path"
                ),
            ],
            tag="read",
            security=portal,
        ),
        "/v1/changes": get(
            "Change feed",
            {"200": _json(_ref("Changes"), "changes after since"), **_errors(400)},
            [
                _named("since", _int("the last value of the previous answer (default 0)")),
                _named("limit", _int("most results (default 100)", 1, limits.max_batch)),
                _param(
                    "wait",
                    {"type": "number", "minimum": 0, "maximum": limits.max_wait},
                    "long poll: seconds to wait for a change (up to three decimals)",
                ),
            ],
            tag="read",
        ),
        "/v1/export/events.ics": get(
            "Export events as iCalendar",
            {"200": _text("text/calendar", "RFC 5545 calendar"), **_errors(400, 401)},
            filters,
            tag="export",
            security=portal,
        ),
        "/v1/export/{kind}.csv": get(
            "Export records as CSV",
            {"200": _text("text/csv", "RFC 4180 CSV with a header row"), **_errors(400, 401)},
            [_kind_path(kinds), *filters],
            tag="export",
            security=portal,
        ),
        "/v1/export/{kind}.jsonld": get(
            "Export records as JSON-LD",
            {
                "200": {
                    "description": "a schema.org @graph document",
                    "content": {"application/ld+json": {"schema": _ref("JsonLdGraph")}},
                },
                **_errors(400, 401),
            },
            [_kind_path(kinds), *filters],
            tag="export",
            security=portal,
        ),
        "/v1/openapi.json": get(
            "This document",
            {"200": _json({"type": "object"}, "OpenAPI 3.1"), **_errors()},
            tag="meta",
        ),
    }
    for item in paths.values():
        if item["get"]["tags"] == ["export"]:
            item["get"]["description"] = exports
    try:
        version = importlib.metadata.version("federation")
    except importlib.metadata.PackageNotFoundError:
        version = "0"
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "federation node API",
            "version": version,
            "description": "Feed API (docs/protocol.md §7), read API and exports "
            "(docs/portal.md), equivocation evidence (§12.3). Errors: the Error envelope.",
        },
        "tags": [
            {"name": "feed", "description": "node to node: logs, checkpoints, proofs"},
            {"name": "read", "description": "portals: records, search, change feed"},
            {"name": "export", "description": "iCalendar, CSV, schema.org JSON-LD"},
            {"name": "meta", "description": "this document"},
        ],
        "paths": paths,
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "portalToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "the node's portal_token: vis federation records too",
                }
            },
        },
    }


@functools.lru_cache(maxsize=16)
def document_bytes(limits: Limits, origin: str) -> bytes:
    """The document as served (built once per set of limits)."""
    return orjson.dumps(build_document(limits, origin))


async def openapi_json(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    body = document_bytes(settings.limits, settings.origin)
    resp = web.Response(body=body, content_type="application/json")
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/openapi.json", openapi_json)
