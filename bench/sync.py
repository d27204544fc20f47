"""Benchmark: a fresh node pulls a whole log from one peer, verified and stored.

    python -m bench.sync [--entries 100000] [--batch 1000] [--repeat 1] [--no-breakdown]

A source node is prepared and served **in a subprocess** (``bench.common``): it publishes
``--entries`` realistic records (``federation.cli.samples.sample_records``: the centre's
hand-written records plus generated cases) and serves them on 127.0.0.1 behind a byte-counting
TCP proxy. This process then creates a fresh node that trusts the source's key, adds the source
as its peer and runs one pull round (``Puller.pull``): list logs, verify the checkpoint, fetch
every entry in batches, hash every leaf and body, validate every body, compare the root with
the signed root and merge everything in one transaction. The clock covers exactly that call.
With the default ``sync.stream_after_bytes`` (16 MiB) an update this large is streamed (ADR
0010): the merge transaction opens once 16 MiB of verified entries are held and takes each
further chunk while the next one is verified; it commits after the root check.

Printed: entries/s (verified and stored), seconds, bytes on the wire (from the proxy, both
directions, as sent, i.e. gzip-compressed) and payload bytes (decoded), and the peak RSS of
this process (``getrusage``; the source's memory is in the other process). ``--repeat N``
times N pulls, each by a fresh node, and reports the best and the median (the machine may be
shared: the 1-minute load average is printed with each pull). The last line says whether the
target of issue 3 is met: at least 20,000 entries/s (the median pull; the only one without
``--repeat``) with a peak RSS under 300 MB (the first pull).

With the breakdown (default), one more fresh node pulls with per-stage timers: the wall time
until the root checked out and the time after it (the last chunk and the commit); the time the
puller waited for entry batches to arrive (the source serving and the transfer, as far as they
did not overlap with verifying the batch before); in the verifying thread, parsing the NDJSON
with leaves, hashes and tree, and validating bodies against the record models (with index
summaries); the root check; the store's streamed chunks (written while later batches are
fetched and verified, so they overlap with those stages) and the last chunk with the commit.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import (
    SourceProcess,
    cpu_seconds,
    current_rss_mb,
    environment,
    load,
    peak_rss_mb,
    settings_for,
)
from federation.config import Home
from federation.node.service import Node, init_home
from federation.sync.scheduler import new_session

PULLER_ORIGIN = "lv.sif.ncc"
TARGET_RATE = 20_000  # entries/s, verified and stored (issue 3)
TARGET_RSS_MB = 300  # peak RSS of the pulling process


class Timers:
    """Seconds per stage, filled by the instrumented run."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.rss_verified = 0.0  # RSS when the root checked out, before the last chunk is stored
        self.verified_at = 0.0  # perf_counter() then

    def add(self, name: str, dt: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + dt


@contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Timers around the store's writes and the verifier's root check; the verifier's
    own per-stage ``stats`` (and the puller's wait for entries) are added when it finishes."""
    from federation.protocol import update
    from federation.store.store import UpdateStream

    saved: list[tuple[Any, str, Any]] = []

    def wrap_async(owner: Any, name: str, stage: str) -> None:
        orig = getattr(owner, name)

        async def timed(*args: Any, **kwargs: Any) -> Any:
            t = time.perf_counter()
            try:
                return await orig(*args, **kwargs)
            finally:
                timers.add(stage, time.perf_counter() - t)

        saved.append((owner, name, orig))
        setattr(owner, name, timed)

    wrap_async(UpdateStream, "write", "store: streamed chunks")
    wrap_async(UpdateStream, "commit", "store: last chunk, commit")
    verifier_cls = update.UpdateVerifier
    orig_finish = verifier_cls.finish

    def finish(self: Any) -> Any:
        t = time.perf_counter()
        try:
            return orig_finish(self)
        finally:
            timers.add("root check", time.perf_counter() - t)
            timers.rss_verified = current_rss_mb()
            timers.verified_at = time.perf_counter()
            for stage, dt in getattr(self, "stats", {}).items():
                timers.add(stage, dt)

    saved.append((verifier_cls, "finish", orig_finish))
    verifier_cls.finish = finish  # type: ignore[method-assign]
    try:
        yield
    finally:
        for owner, name, orig in reversed(saved):
            setattr(owner, name, orig)


@dataclass
class Pull:
    seconds: float
    entries: int
    payload: int  # decoded bytes the client read
    rss_before: float  # MB
    cpu: float  # CPU seconds of this process during the pull (all threads)
    started: float  # perf_counter() when the pull began


async def pull_once(workdir: Path, name: str, source: SourceProcess, batch: int) -> Pull:
    """A fresh node pulls the source's log once."""
    home = Home(workdir / name)
    await init_home(home, settings_for(PULLER_ORIGIN, "LV", batch))
    node = await Node.open(home)
    try:
        origin, url = source.info["origin"], source.info["url"]
        await node.store.add_origin(origin, "trusted", [source.info["vkey"]])
        await node.store.add_peer(url, origin)
        from federation.sync.puller import Puller

        session = new_session(node.settings)
        try:
            puller = Puller(node.store, session, node.settings)
            gc.collect()
            rss_before = current_rss_mb()
            cpu0, t0 = cpu_seconds(), time.perf_counter()
            result = await puller.pull(url)
            seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        finally:
            await session.close()
        if not result.ok:
            raise RuntimeError(f"pull failed: {result.reason}: {result.error}")
        head = await node.store.head(origin)
        assert head is not None and head.size == source.info["size"], "log not fully pulled"
        return Pull(seconds, result.entries, result.nbytes, rss_before, cpu, t0)
    finally:
        await node.close()


async def run(entries: int, batch: int, breakdown: bool, repeat: int) -> dict[str, Any]:
    print(f"bench.sync: {environment()}")
    t = time.perf_counter()
    with SourceProcess(entries, batch=batch) as source, tempfile.TemporaryDirectory() as tmp:
        size = source.info["size"]
        print(
            f"source: {source.info['origin']} with {size} entries, prepared in "
            f"{source.info['prepare_seconds']:.1f} s ({time.perf_counter() - t:.1f} s with "
            "start-up), served by a separate process"
        )
        runs: list[float] = []
        cpus: list[float] = []
        for i in range(repeat):
            source.reset()
            p = await pull_once(Path(tmp), f"fresh{i}", source, batch)
            wire = source.wire()
            runs.append(p.seconds)
            pulled, payload, rss_before = p.entries, p.payload, p.rss_before
            if i == 0:
                peak = peak_rss_mb()  # the process's peak so far is the first pull's
                first_rss_before = rss_before
            print(
                f"pull {i + 1}/{repeat}: {pulled} entries in {p.seconds:.2f} s = "
                f"{pulled / p.seconds:,.0f} entries/s (verified and stored, one pull round; "
                f"{load()}); CPU: puller {p.cpu:.1f} s = {p.cpu / pulled * 1e6:.0f} us/entry, "
                f"source {wire['cpu_ms'] / 1000:.1f} s = {wire['cpu_ms'] * 1e3 / pulled:.0f} "
                "us/entry"
            )
            cpus.append(p.cpu)
        best = min(runs)
        rate = pulled / best if best else float("inf")
        median = pulled / statistics.median(runs)
        if repeat > 1:
            print(f"best {rate:,.0f} entries/s, median {median:,.0f} entries/s")
        print(
            f"bytes: {wire['sent'] + wire['received']:,} on the wire per pull "
            f"({wire['sent']:,} requests + {wire['received']:,} responses, gzip; "
            f"{wire['connections']} connection(s)); {payload:,} payload bytes decoded "
            f"({payload / max(pulled, 1):.0f} B/entry)"
        )
        print(
            f"memory: peak RSS {peak:.0f} MB of the pulling process during the first pull "
            f"(RSS {first_rss_before:.0f} MB just before it)"
            + (
                f"; later pulls start from {rss_before:.0f} MB (memory CPython keeps)"
                if repeat > 1
                else ""
            )
        )
        out: dict[str, Any] = {
            "entries": pulled,
            "seconds": best,
            "rate": rate,
            "median_rate": median,
            "wire_bytes": wire["sent"] + wire["received"],
            "payload_bytes": payload,
            "peak_rss_mb": peak,
            "cpu_us_per_entry": min(cpus) / pulled * 1e6,
        }
        if breakdown:
            timers = Timers()
            with instrumented(timers):
                p2 = await pull_once(Path(tmp), "instrumented", source, batch)
            print(f"breakdown (another fresh node, instrumented, {p2.seconds:.2f} s wall):")
            if timers.verified_at:
                until = timers.verified_at - p2.started
                print(f"  {'wall until the root checked out':<32} {until:7.2f} s")
                print(f"  {'wall after it (last chunk, commit)':<32} {p2.seconds - until:7.2f} s")
            for stage, dt in timers.seconds.items():
                print(f"  {stage:<32} {dt:7.2f} s  {dt / max(pulled, 1) * 1e6:6.1f} us/entry")
            print(
                f"  RSS when the root checked out (before the last chunk is stored): "
                f"{timers.rss_verified:.0f} MB"
            )
            out["breakdown"] = dict(timers.seconds)
        met = median >= TARGET_RATE and peak < TARGET_RSS_MB
        print(
            f"target (issue 3): >= {TARGET_RATE:,} entries/s verified and stored with a peak RSS "
            f"under {TARGET_RSS_MB} MB: {'met' if met else 'NOT met'} "
            f"({median:,.0f} entries/s{' median' if repeat > 1 else ''}, {peak:.0f} MB)"
        )
        out["target_met"] = met
        return out


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m bench.sync", description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000, help="log size (default 100k)")
    parser.add_argument("--batch", type=int, default=1000, help="entries per request")
    parser.add_argument("--repeat", type=int, default=1, help="timed pulls (fresh node each)")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the timed extra pull")
    args = parser.parse_args(argv)
    if args.entries < 1 or args.repeat < 1:
        parser.error("--entries and --repeat must be at least 1")
    return asyncio.run(run(args.entries, args.batch, not args.no_breakdown, args.repeat))


if __name__ == "__main__":
    main()
