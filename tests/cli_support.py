"""Running `federation` commands from async tests, against real homes.

The CLI runs in a worker thread (each command calls ``asyncio.run``) while the nodes it talks
to are served on the test's own event loop, on 127.0.0.1 port 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import orjson
from click.testing import CliRunner, Result

from federation.cli.main import cli


async def invoke(home: Any, *args: str) -> Result:
    """Run one `federation` command against ``home`` (a :class:`federation.config.Home`)."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, cli, [*args, "--home", str(home.path)], catch_exceptions=False
    )


async def ok(home: Any, *args: str) -> Result:
    """:func:`invoke`, asserting exit code 0."""
    result = await invoke(home, *args)
    assert result.exit_code == 0, result.output
    return result


async def invoke_json(home: Any, *args: str) -> Any:
    """The parsed ``--json`` output of a command that must succeed."""
    return orjson.loads((await ok(home, *args, "--json")).stdout)


@contextlib.contextmanager
def dead_url() -> Iterator[str]:
    """A loopback URL whose port is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
