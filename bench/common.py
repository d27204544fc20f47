"""Shared plumbing of the sync benchmarks: environment banner, RSS, a counting TCP proxy and a
source node that runs in its own process.

The source node (``python -m bench.common source ...``) prepares a home, publishes realistic
records into it, serves it on 127.0.0.1 (port 0) behind a :class:`CountingProxy` and prints one
JSON line ``{"url", "origin", "vkey", "size", "prepare_seconds"}`` on stdout. It then answers
commands read from stdin, one per line: ``stats`` prints the proxy's byte counters and the
process's CPU milliseconds as JSON, ``reset`` zeroes them; end of input stops it. Running the
source in a subprocess keeps its CPU time and memory out of the puller's measurements (the
puller's peak RSS is its own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic
from aiohttp import web

from federation.config import Home, Limits, Settings
from federation.node.app import create_app
from federation.node.service import Node, init_home


def environment() -> str:
    """One line naming what the numbers were measured on (and how busy the machine was)."""
    return (
        f"cpus={os.cpu_count()} python={platform.python_version()} "
        f"sqlite={sqlite3.sqlite_version} pydantic={pydantic.VERSION} "
        f"platform={platform.platform(terse=True)} {load()}"
    )


def load() -> str:
    """The 1-minute load average: other work on the machine skews every number printed."""
    try:
        return f"load1={os.getloadavg()[0]:.2f}"
    except OSError:
        return "load1=?"


def peak_rss_mb() -> float:
    """Peak resident set size of *this* process so far (Linux reports KiB), in MB."""
    kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kib / 1024 if sys.platform != "darwin" else kib / 1024 / 1024


def cpu_seconds() -> float:
    """CPU time (user + system, all threads) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def current_rss_mb() -> float:
    """Current resident set size of this process (Linux /proc), in MB; 0 if unknown."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


# --- counting proxy -----------------------------------------------------------------------------


@dataclass
class Counters:
    """Bytes seen on the wire by a proxy: client→server (requests) and server→client."""

    sent: int = 0  # client to server: request lines, headers, bodies
    received: int = 0  # server to client: status lines, headers, bodies (as sent, e.g. gzip)
    connections: int = 0

    def reset(self) -> None:
        self.sent = self.received = self.connections = 0

    def as_dict(self) -> dict[str, int]:
        return {"sent": self.sent, "received": self.received, "connections": self.connections}


@dataclass
class CountingProxy:
    """A TCP proxy on 127.0.0.1 that forwards to ``target`` and counts every byte both ways."""

    target_host: str
    target_port: int
    counters: Counters = field(default_factory=Counters)
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _tasks: set[asyncio.Future[Any]] = field(default_factory=set)

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def close(self) -> None:
        """Stop accepting, cut every open connection and wait for the pipes to finish."""
        if self._server is None:
            return
        self._server.close()
        for w in list(self._writers):
            w.close()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=5)
        await self._server.wait_closed()
        self._server = None

    def count(self, data: bytes, *, up: bool) -> None:
        """Called for every chunk; ``up`` is client to server."""
        if up:
            self.counters.sent += len(data)
        else:
            self.counters.received += len(data)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.counters.connections += 1
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            self._writers.discard(writer)
            writer.close()
            return
        self._writers.add(up_writer)
        pipes = asyncio.gather(
            self._pipe(reader, up_writer, up=True), self._pipe(up_reader, writer, up=False)
        )
        self._tasks.add(pipes)
        try:
            await pipes
        finally:
            self._tasks.discard(pipes)
            for w in (writer, up_writer):
                self._writers.discard(w)
                w.close()

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, up: bool
    ) -> None:
        try:
            while data := await reader.read(256 * 1024):
                self.count(data, up=up)
                writer.write(data)
                await writer.drain()
            if writer.can_write_eof():
                writer.write_eof()
        except (ConnectionError, OSError, RuntimeError):
            writer.close()


# --- a served node ------------------------------------------------------------------------------


@dataclass
class Served:
    node: Node
    runner: web.AppRunner
    url: str  # the node itself
    port: int

    async def close(self) -> None:
        await self.runner.cleanup()
        await self.node.close()


async def serve(node: Node) -> Served:
    """Serve ``node`` (feed API, no scheduled pulls) on 127.0.0.1, port 0."""
    runner = web.AppRunner(create_app(node, schedule=False), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return Served(node, runner, f"http://{host}:{port}", port)


def settings_for(origin: str, country: str, batch: int) -> Settings:
    return Settings(
        origin=origin,
        country=country,
        name=f"bench {origin}",
        listen="127.0.0.1:0",
        limits=Limits(max_batch=batch),
    )


async def publish_samples(node: Node, entries: int, *, chunk: int = 10_000) -> int:
    """Publish ``entries`` realistic sample records of the node's origin; returns the log size.

    Uses :func:`federation.cli.samples.sample_records` (hand-written records plus generated
    cases) and the node's normal publish path, in chunks so that memory stays flat.
    """
    from federation.cli.samples import sample_records

    records = sample_records(node.origin, extra=max(0, entries - 1))[:entries]
    size = 0
    for i in range(0, len(records), chunk):
        result = await node.publish(records[i : i + chunk])
        size = result.head.size
    return size


# --- the source process -------------------------------------------------------------------------


async def _source(args: argparse.Namespace) -> None:
    home = Home(Path(args.home))
    settings = settings_for(args.origin, args.country, args.batch)
    signer = await init_home(home, settings)
    node = await Node.open(home)
    t0 = time.perf_counter()
    size = await publish_samples(node, args.entries)
    prepare = time.perf_counter() - t0
    served = await serve(node)
    proxy = CountingProxy("127.0.0.1", served.port)
    port = await proxy.start()
    info = {
        "url": f"http://127.0.0.1:{port}",
        "origin": args.origin,
        "vkey": signer.vkey,
        "size": size,
        "prepare_seconds": prepare,
    }
    print(json.dumps(info), flush=True)
    loop = asyncio.get_running_loop()
    cpu_base = cpu_seconds()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = line.strip()
            if cmd == "stats":
                stats = {**proxy.counters.as_dict(), "cpu_ms": (cpu_seconds() - cpu_base) * 1000}
                print(json.dumps(stats), flush=True)
            elif cmd == "reset":
                proxy.counters.reset()
                cpu_base = cpu_seconds()
                print("{}", flush=True)
    finally:
        await proxy.close()
        await served.close()


class SourceProcess:
    """A source node in a subprocess (see the module docstring)."""

    def __init__(
        self,
        entries: int,
        *,
        origin: str = "lt.esfa.ncc",
        country: str = "LT",
        batch: int = 1000,
        workdir: Path | None = None,
    ) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if workdir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="bench-source-")
            workdir = Path(self._tmp.name)
        cmd = [
            sys.executable,
            "-m",
            "bench.common",
            "source",
            "--home",
            str(workdir / "source"),
            "--entries",
            str(entries),
            "--origin",
            origin,
            "--country",
            country,
            "--batch",
            str(batch),
        ]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=Path(__file__).resolve().parents[1],  # where `bench` can be imported from
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            raise RuntimeError(f"source process failed (exit {self.proc.returncode})")
        self.info: dict[str, Any] = json.loads(line)

    def _ask(self, cmd: str) -> dict[str, int]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        answer: dict[str, int] = json.loads(self.proc.stdout.readline())
        return answer

    def wire(self) -> dict[str, int]:
        """Bytes the source's proxy counted, and its CPU time (``cpu_ms``), since reset."""
        return self._ask("stats")

    def reset(self) -> None:
        self._ask("reset")

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> SourceProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.common")
    sub = parser.add_subparsers(dest="command", required=True)
    src = sub.add_parser("source", help="prepare and serve a source node (used by bench.sync)")
    src.add_argument("--home", required=True)
    src.add_argument("--entries", type=int, required=True)
    src.add_argument("--origin", default="lt.esfa.ncc")
    src.add_argument("--country", default="LT")
    src.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args(argv)
    if args.command == "source":
        asyncio.run(_source(args))


if __name__ == "__main__":
    main()
