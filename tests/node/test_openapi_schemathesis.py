"""Fuzz a live node from its own ``GET /v1/openapi.json`` with schemathesis.

A real node (``lt.esfa.ncc`` with the demo's Lithuanian sample records, a cancelled event, a
deleted case and a portal token) is served on 127.0.0.1 from a background thread with its own
event loop, exactly as ``federation serve`` builds it. Schemathesis loads the document from the
node and, for every operation, sends a bounded number of generated requests, valid and invalid
(derandomized: the same requests on every run). Each answer must not be a server error and must
conform to the document (status code listed, media type and JSON body matching the schema).
The node's request rate limit is off (so every request reaches a handler) and its long-poll
limit is short (``/v1/changes?wait`` up to 0.5 s), which the document states.
"""

from __future__ import annotations

import asyncio
import threading
import urllib.request
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import orjson
import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from federation.cli.samples import sample_records
from federation.config import Home, Limits, Settings
from federation.node.app import create_app
from federation.node.openapi import build_document
from federation.node.service import Node, init_home

TOKEN = "portal-token-for-schemathesis-0123"
LIMITS = Limits(rate_per_second=0, rate_burst=0, max_wait=0.5)
EXAMPLES = 25
T = TypeVar("T")


class LiveNode:
    """A node served from a thread of its own, so that schemathesis' blocking client can call
    it from the test thread."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="live-node", daemon=True)
        self.node: Node | None = None
        self.runner: web.AppRunner | None = None
        self.url = ""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    async def _start(self) -> str:
        home = Home(self.tmp / "lt")
        await init_home(
            home,
            Settings(
                origin="lt.esfa.ncc",
                country="LT",
                name="Europos socialinio fondo agentūra",
                listen="127.0.0.1:0",
                portal_token=TOKEN,
                limits=LIMITS,
            ),
        )
        node = self.node = await Node.open(home)
        records = sample_records(node.origin, extra=6)
        event = next(r for r in records if r["kind"] == "event")
        records.append({**event, "id": "01JSCHEMATHESIS00000000001", "status": "cancelled"})
        await node.publish(records)
        case = next(r for r in records if r["kind"] == "case")
        await node.delete("case", case["id"])
        self.runner = web.AppRunner(create_app(node, schedule=False), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    async def _stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()
        if self.node is not None:
            await self.node.close()

    def __enter__(self) -> LiveNode:
        self.thread.start()
        try:
            self.url = self.run(self._start())
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.run(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
            self.loop.close()


@pytest.fixture(scope="module")
def live_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with LiveNode(tmp_path_factory.mktemp("schemathesis")) as live:
        yield live.url


schema = schemathesis.openapi.from_dict(build_document(LIMITS, "lt.esfa.ncc"))
"""The document the node serves (built by the same code from the same limits: the schemathesis
plugin cannot load it lazily from a fixture under this pytest version)."""


def test_the_node_serves_the_fuzzed_document(live_node: str) -> None:
    with urllib.request.urlopen(f"{live_node}/v1/openapi.json", timeout=10) as resp:
        assert orjson.loads(resp.read()) == orjson.loads(orjson.dumps(schema.raw_schema))


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_and_never_fails(case: schemathesis.Case[Any], live_node: str) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}):
        response = case.call(base_url=live_node, headers=headers, timeout=10)
        case.validate_response(
            response,
            checks=[
                not_a_server_error,
                status_code_conformance,
                content_type_conformance,
                response_schema_conformance,
            ],
        )
