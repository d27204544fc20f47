"""Shared CLI plumbing: the --home option, error-to-exit-code mapping, input reading."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, NoReturn, ParamSpec, TypeVar

import click
import orjson

from federation.config import ConfigError, Home
from federation.node.admin_ops import AdminError
from federation.node.service import PublishError
from federation.protocol.errors import ProtocolError
from federation.store import ForkRisk, StoreError, UnknownOrigin

P = ParamSpec("P")
T = TypeVar("T")

EXIT_FAILED = 1
EXIT_USAGE = 2


class CliFailure(Exception):
    """A failed check: exit status 1 with the message on stderr."""


class CliUsage(Exception):
    """Bad usage: exit status 2 with the message on stderr."""


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    click.echo(f"federation: {message}", err=True)
    sys.exit(code)


def handle_errors(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn every expected failure into a one-line reason and an exit status."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except (ConfigError, CliUsage) as e:
            fail(str(e), EXIT_USAGE)
        except AdminError as e:
            fail(e.message, EXIT_USAGE if e.usage else EXIT_FAILED)
        except PublishError as e:
            for index, err in e.problems[1:]:
                click.echo(f"federation: record {index + 1}: {err}", err=True)
            fail(str(e))
        except (CliFailure, ProtocolError, ForkRisk, UnknownOrigin, StoreError) as e:
            fail(str(e))

    return wrapper


def home_option(fn: Callable[P, T]) -> Callable[P, T]:
    return click.option(
        "--home",
        "home",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="FEDERATION_HOME",
        help="Node home directory (default: $FEDERATION_HOME).",
    )(fn)


def get_home(home: Path | None) -> Home:
    return Home(home)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def read_records(path: Path) -> list[dict[str, Any]]:
    """Records from a JSON object, a JSON array, or NDJSON (one object per line); '-' = stdin."""
    try:
        data = sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as e:
        raise CliUsage(f"cannot read {path}: {e.strerror or e}") from e
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CliFailure(f"{path}: not UTF-8 (byte {e.start}); records are UTF-8 JSON") from e
    try:
        obj = orjson.loads(data)
    except orjson.JSONDecodeError:
        obj = None
        items: list[Any] = []
        for n, line in enumerate(data.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as e:
                raise CliFailure(f"{path}:{n}: not JSON: {e}") from e
    else:
        items = obj if isinstance(obj, list) else [obj]
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise CliFailure(f"{path}: record {n} is not a JSON object")
    return items


@contextlib.contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on a terminal; plain start/finish lines (to stderr) otherwise.

    Yields ``advance(n)``.
    """
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        with Progress(
            f"[bold]{label}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as progress:
            task = progress.add_task(label, total=total)
            yield lambda n: progress.advance(task, n)
        return
    done = 0

    def advance(n: int) -> None:
        nonlocal done
        done += n

    click.echo(f"{label}: {total} ...", err=True)
    yield advance
    click.echo(f"{label}: {done}/{total} done", err=True)
