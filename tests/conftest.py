"""Shared fixtures for the whole test suite."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, settings

from federation.config import Home, Limits, Settings
from federation.node.app import create_app
from federation.node.service import Node, init_home

# CI runs on a busy 2-core machine: a wall-clock deadline per example would make property
# tests flaky. Hangs are still caught by pytest-timeout; example counts stay per test.
settings.register_profile("federation", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("federation")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data directory (test vectors, centres list).

    ``<repo>/../shared/data`` next to the checkout, or ``$FEDERATION_SHARED_DATA``.
    """
    default = Path(__file__).resolve().parents[1].parent / "shared" / "data"
    if default.is_dir():
        return default
    env = os.environ.get("FEDERATION_SHARED_DATA")
    if env and Path(env).is_dir():
        return Path(env)
    pytest.fail(
        f"shared test data not found: neither {default} exists nor does "
        f"FEDERATION_SHARED_DATA={env!r} point to a directory"
    )


# --- records ------------------------------------------------------------------------------------

ORIGIN = "lt.esfa.ncc"
"""The origin of the node the fixtures create."""

RecordFactory = Callable[..., dict[str, Any]]


def record_id(n: int) -> str:
    """A ULID-shaped record id (26 characters), distinct for every ``n``."""
    return f"01JD8Z6N3Q{n:016d}"


def _case(n: int = 1, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "case",
        "id": record_id(n),
        "origin_country": "LT",
        "original_language": "lt",
        "title": {
            "lt": f"Socialinių inovacijų kompetencijų centras Nr. {n}",
            "en": f"Social innovation competence centre no. {n}",
        },
        "summary": {
            "lt": "Centras padeda savivaldybėms ir NVO kurti ir išbandyti socialines inovacijas.",
            "en": "The centre helps municipalities and NGOs design and test social innovations.",
        },
        "countries": ["LT"],
        "nuts": ["LT011"],
        "level": "national",
        "lead_org": "Europos socialinio fondo agentūra",
        "funding": [
            {
                "fund": "ESF+",
                "programme": "2021–2027 m. Europos Sąjungos fondų investicijų programa",
                "amount": 1_200_000,
                "currency": "EUR",
            }
        ],
        "programming_period": "2021-2027",
        "start": 2023,
        "stage": "implementation",
        "themes": ["social-inclusion", "employment"],
        "sdgs": [1, 8, 10],
    }
    rec.update(fields)
    return rec


def _person(n: int = 1, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "contact",
        "id": record_id(n),
        "origin_country": "LT",
        "original_language": "lt",
        "contact_type": "person",
        "display_name": "Ona Petraitienė",
        "role": "Socialinių inovacijų ekspertė",
        "affiliation": "Europos socialinio fondo agentūra",
        "email": "ona.petraitiene@esfa.lt",
        "languages": ["lt", "en"],
        "lawful_basis": "public-task",
    }
    rec.update(fields)
    return rec


def _event(n: int = 1, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "event",
        "id": record_id(n),
        "origin_country": "LT",
        "original_language": "lt",
        "title": {
            "lt": "Socialinių inovacijų dirbtuvės Vilniuje",
            "en": "Social innovation workshop in Vilnius",
        },
        "event_type": "workshop",
        "start": "2026-03-12T10:00",
        "end": "2026-03-12T16:00",
        "timezone": "Europe/Vilnius",
        "attendance": "offline",
        "location": {"city": "Vilnius", "country": "LT", "nuts": "LT011"},
        "languages": ["lt"],
        "status": "scheduled",
    }
    rec.update(fields)
    return rec


@pytest.fixture
def make_case() -> RecordFactory:
    """``make_case(n, **fields)``: a valid Lithuanian case record input (public)."""
    return _case


@pytest.fixture
def make_person() -> RecordFactory:
    """``make_person(n, **fields)``: a valid person contact (``vis: federation`` by default)."""
    return _person


@pytest.fixture
def make_event() -> RecordFactory:
    """``make_event(n, **fields)``: a valid offline workshop event."""
    return _event


# --- nodes --------------------------------------------------------------------------------------

HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]


@pytest.fixture
def make_home(tmp_path: Path) -> HomeFactory:
    """``await make_home(dirname, origin=..., country=..., limits=...)`` → (Home, vkey)."""

    async def make(
        dirname: str = "lt",
        *,
        origin: str = ORIGIN,
        country: str = "LT",
        name: str = "Lithuanian ESF Agency",
        limits: Limits | None = None,
    ) -> tuple[Home, str]:
        home = Home(tmp_path / dirname)
        settings = Settings(
            origin=origin,
            country=country,
            name=name,
            listen="127.0.0.1:0",
            limits=limits or Limits(),
        )
        signer = await init_home(home, settings)
        return home, signer.vkey

    return make


@pytest.fixture
async def node_home(make_home: HomeFactory) -> tuple[Home, str]:
    """An initialised home of ``lt.esfa.ncc`` (empty signed log) and its vkey."""
    return await make_home()


@pytest.fixture
async def serve_node() -> AsyncIterator[NodeServer]:
    """``await serve_node(home)`` → (open Node, base URL) served on 127.0.0.1, port 0.

    No scheduled pulls run (tests trigger pulls by calling them). Everything started is
    stopped at teardown: the runner first, then the node.
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(home: Home) -> tuple[Node, str]:
            node = await Node.open(home)
            stack.push_async_callback(node.close)
            runner = web.AppRunner(create_app(node, schedule=False), access_log=None)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            return node, f"http://{host}:{port}"

        yield start


@pytest.fixture
async def running_node(node_home: tuple[Home, str], serve_node: NodeServer) -> tuple[Node, str]:
    """The ``node_home`` node, open and served: (Node, base URL)."""
    return await serve_node(node_home[0])


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session, closed at teardown."""
    async with aiohttp.ClientSession() as session:
        yield session
