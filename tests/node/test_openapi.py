"""``GET /v1/openapi.json``: the document covers every public route, and real responses of a
live node (the network of ``tests/node/test_read_api.py``) validate against its schemas.

Responses are validated with ``jsonschema_rs`` (JSON Schema 2020-12, the dialect of OpenAPI
3.1) against the schema the document gives for that path, status and media type, so a handler
that changes its answer without the document (or the reverse) fails here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import jsonschema_rs
import orjson
import pytest

from federation.config import Limits
from federation.node.openapi import build_document
from tests.node.test_read_api import PORTAL, Net, net

__all__ = ["net"]  # the fixture

API = ("/v1/", "/.well-known/")
"""The HTTP API; the HTML explorer (``/``, ``/records/…``) is for people, not clients."""
UNDOCUMENTED = ("/v1/admin",)
"""The admin API, documented in docs/admin.md (like /healthz and /metrics, docs/operator.md)."""


class Api:
    """The live node's document and a checker of responses against it."""

    def __init__(self, doc: dict[str, Any], http: aiohttp.ClientSession, base: str) -> None:
        self.doc, self.http, self.base = doc, http, base

    def schema(self, path: str, status: int, media: str) -> dict[str, Any]:
        response = self.doc["paths"][path]["get"]["responses"][str(status)]
        schema: dict[str, Any] = response["content"][media]["schema"]
        return schema

    def validator(self, schema: Mapping[str, Any]) -> Any:
        root = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            **schema,
        }
        return jsonschema_rs.Draft202012Validator(root)

    def validate(self, path: str, status: int, media: str, instance: Any) -> None:
        errors = [
            e.message
            for e in self.validator(self.schema(path, status, media)).iter_errors(instance)
        ]
        assert not errors, (path, status, errors[:5])

    async def check(
        self,
        template: str,
        url: str,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        status: int = 200,
    ) -> Any:
        """GET ``url`` (a path of ``template``) and validate the JSON answer; return it."""
        async with self.http.get(self.base + url, params=params, headers=headers) as resp:
            raw = await resp.read()
            assert resp.status == status, raw
            media = resp.content_type
        doc = orjson.loads(raw)
        self.validate(template, status, media, doc)
        return doc


@pytest.fixture
async def api(net: Net, http: aiohttp.ClientSession) -> Api:
    async with http.get(f"{net.a.url}/v1/openapi.json") as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        doc = await resp.json()
    return Api(doc, http, net.a.url)


def test_the_document_is_built_from_the_models_and_the_limits() -> None:
    doc = build_document(Limits(max_page=77, max_batch=123))
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    # record bodies come from the protocol's models, responses from the node's
    assert {"CaseRecord", "EventRecord", "OrganisationContact", "PersonContact"} <= set(schemas)
    assert {"RecordList", "RecordDetail", "Changes", "Error", "Proof", "LogInfo"} <= set(schemas)
    assert "title" in schemas["CaseRecord"]["required"]
    params = {p["name"]: p for p in doc["paths"]["/v1/records"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 77
    params = {p["name"]: p for p in doc["paths"]["/v1/changes"]["get"]["parameters"]}
    assert params["limit"]["schema"]["maximum"] == 123
    assert orjson.dumps(doc)  # plain JSON all through


async def test_every_public_route_is_documented(net: Net, api: Api) -> None:
    routes = set()
    for resource in net.a.app.router.resources():
        path = resource.canonical
        if not path.startswith(API) or path.startswith(UNDOCUMENTED):
            continue
        if any(r.method == "GET" for r in resource):
            routes.add(path)
    assert routes == set(api.doc["paths"])
    for path, item in api.doc["paths"].items():
        op = item["get"]
        assert op["operationId"] and op["responses"]["200"], path
        assert "429" in op["responses"], path  # the rate limit applies everywhere
        for p in op["parameters"]:
            if p["in"] == "path":
                assert "{" + p["name"] + "}" in path and p["required"]


async def test_feed_responses_match_the_document(net: Net, api: Api) -> None:
    well_known = await api.check("/.well-known/federation", "/.well-known/federation")
    assert well_known["origin"] == "lt.esfa.ncc"
    logs = await api.check("/v1/logs", "/v1/logs")
    assert {log["origin"] for log in logs} == {"lt.esfa.ncc", "be.esf.ncc", "fi.esf.ncc"}
    entry_line = api.validator({"$ref": "#/components/schemas/EntryLine"})
    for log in logs:
        origin, size = log["origin"], log["size"]
        async with api.http.get(f"{api.base}/v1/logs/{origin}/entries") as resp:
            assert (
                resp.content_type
                in api.doc["paths"]["/v1/logs/{origin}/entries"]["get"]["responses"]["200"][
                    "content"
                ]
            )
            lines = (await resp.read()).splitlines()
        assert len(lines) == size
        for line in lines:
            assert entry_line.is_valid(orjson.loads(line)), line
        async with api.http.get(f"{api.base}/v1/logs/{origin}/checkpoint") as resp:
            assert resp.content_type == "text/plain"
            assert (await resp.text()).startswith(origin + "\n")
        t = "/v1/logs/{origin}/proof/inclusion"
        proof = await api.check(t, f"/v1/logs/{origin}/proof/inclusion", {"index": "1"})
        assert proof["hashes"]
        t = "/v1/logs/{origin}/proof/consistency"
        await api.check(t, f"/v1/logs/{origin}/proof/consistency", {"from": "2"})
        await api.check(t, f"/v1/logs/{origin}/proof/consistency", {"from": "0"}, status=400)
    await api.check("/v1/logs/{origin}/checkpoint", "/v1/logs/xx.none/checkpoint", status=404)
    assert await api.check("/v1/evidence", "/v1/evidence") == []
    # equivocation evidence as the node serves it
    store = net.a.node.store
    head = await store.head("be.esf.ncc")
    assert head is not None and head.checkpoint is not None
    await store.add_evidence(
        "be.esf.ncc", head.checkpoint, net.b.url, head.checkpoint, "local", "test", [b"\x01" * 32]
    )
    evidence = await api.check("/v1/evidence", "/v1/evidence")
    assert len(evidence) == 1 and evidence[0]["origin"] == "be.esf.ncc"
    await api.check("/v1/evidence", "/v1/evidence", {"origin": "NOT VALID"}, status=400)


async def test_read_responses_match_the_document(net: Net, api: Api) -> None:
    seen: list[dict[str, Any]] = []
    for headers in (None, PORTAL):
        cursor = None
        while True:
            params = {"limit": "4"} | ({"cursor": cursor} if cursor else {})
            page = await api.check("/v1/records", "/v1/records", params, headers)
            seen += page["items"]
            cursor = page["next"]
            if cursor is None:
                break
    kinds = {(i["kind"], (i["body"] or {}).get("contact_type")) for i in seen}
    assert kinds == {
        ("case", None),
        ("event", None),
        ("contact", "organisation"),
        ("contact", "person"),
    }
    template = "/v1/records/{origin}/{kind}/{id}"
    for item in seen:
        path = f"/v1/records/{item['origin']}/{item['kind']}/{item['id']}"
        for headers in (None, PORTAL):
            await api.check(template, path, headers=headers)
    deleted = next(i for i in seen if i["origin"] == "lt.esfa.ncc" and i["kind"] == "case")
    await net.a.delete(("lt.esfa.ncc", "case", deleted["id"]))
    detail = await api.check(template, f"/v1/records/lt.esfa.ncc/case/{deleted['id']}")
    assert detail["op"] == "delete" and detail["body"] is None
    changes = await api.check("/v1/changes", "/v1/changes", {"limit": "1000"})
    assert changes["results"][-1]["op"] == "delete"
    # errors: the envelope, with the statuses the document lists
    await api.check("/v1/records", "/v1/records", {"country": "lt"}, status=400)
    await api.check("/v1/records", "/v1/records", headers={"Authorization": "Bearer x"}, status=401)
    await api.check(template, "/v1/records/lt.esfa.ncc/case/NOPE", status=404)
    await api.check("/v1/changes", "/v1/changes", {"wait": "inf"}, status=400)


async def test_export_responses_match_the_document(net: Net, api: Api) -> None:
    for kind in ("case", "event", "contact"):
        graph = await api.check(
            "/v1/export/{kind}.jsonld", f"/v1/export/{kind}.jsonld", headers=PORTAL
        )
        assert graph["@graph"]
        await api.check(
            "/v1/export/{kind}.csv", f"/v1/export/{kind}.csv", {"q": "x" * 501}, status=400
        )
    await api.check("/v1/export/events.ics", "/v1/export/events.ics", {"x": "1"}, status=400)
    async with api.http.get(f"{api.base}/v1/export/events.ics") as resp:
        responses = api.doc["paths"]["/v1/export/events.ics"]["get"]["responses"]
        assert resp.content_type in responses["200"]["content"]
    async with api.http.get(f"{api.base}/v1/export/case.csv") as resp:
        responses = api.doc["paths"]["/v1/export/{kind}.csv"]["get"]["responses"]
        assert resp.content_type in responses["200"]["content"]


async def test_the_schemas_catch_a_drifted_response(net: Net, api: Api) -> None:
    """The check above is not vacuous: answers that break the contract are refused."""
    page = await api.check("/v1/records", "/v1/records", {"kind": "case", "limit": "1"})
    item = page["items"][0]
    broken_body = {**item, "body": {k: v for k, v in item["body"].items() if k != "title"}}
    for bad in (
        {"items": [broken_body], "next": None},  # a case body without its required title
        {"items": [{**item, "seq": "2"}], "next": None},
        {"items": [{**item, "kind": "cases"}], "next": None},
        {"items": [item]},  # no next
    ):
        schema = api.schema("/v1/records", 200, "application/json")
        assert not api.validator(schema).is_valid(bad)
    assert not api.validator(api.schema("/v1/changes", 400, "application/json")).is_valid(
        {"error": "bad"}
    )
