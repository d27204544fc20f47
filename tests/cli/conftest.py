"""Fixtures of the CLI tests (the shared ones live in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from federation.config import Home
from federation.node.service import Node

Serve = Callable[[Home], Awaitable[tuple[Node, str]]]


@pytest.fixture
def serve(serve_node: Serve) -> Serve:
    """``await serve(home)`` → (open Node, base URL): the shared ``serve_node`` fixture."""
    return serve_node
