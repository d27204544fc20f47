"""Benchmark: how fast a sparse network of nodes converges, and what an idle round costs.

    python -m bench.converge [--nodes 13 27] [--records 1000]

For each network size, real nodes (``federation.cli.localnet.LocalNetwork``: own home, store,
feed API and sync service each, served on 127.0.0.1, all in this one process and event loop)
each publish ``--records`` realistic records (``sample_records``), trust every other origin
and peer sparsely:

* 13 nodes: the seed topology of ``centres.json`` (full mesh inside each consortium, bridges
  LT-LV, LV-EE and LT-SK), the demo network;
* any other size: a ring plus a few chords across it.

Every directed link goes through its own byte-counting TCP proxy, so the bytes each node's
pulls put on the wire (requests and responses, headers included, as sent) are measured, not
estimated. Rounds are driven explicitly: in a round every node pulls each of its peers once,
all nodes concurrently. Printed: rounds and seconds until every node holds every log at the
origin's (size, root); then two rounds without changes: the first one re-reads the log lists
whose ETags the last merges made stale, the second is the steady state (target: one
conditional request per peer, answered 304, under 1 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import CountingProxy, environment, load, peak_rss_mb
from federation.cli.localnet import LocalNetwork, RoundStats, centres_of, seed_topology
from federation.cli.samples import load_centres, sample_origins, sample_records


@dataclass
class CountingRequests(CountingProxy):
    """A :class:`CountingProxy` that also counts the HTTP/1.1 requests sent through it."""

    requests: int = 0
    _tail: bytes = b""

    def count(self, data: bytes, *, up: bool) -> None:
        super().count(data, up=up)
        if up:  # every request line ends with " HTTP/1.1\r\n"; a chunk may split one
            seen = self._tail + data
            self.requests += seen.count(b" HTTP/1.1\r\n") - self._tail.count(b" HTTP/1.1\r\n")
            self._tail = seen[-10:]


@dataclass
class Link:
    """``puller`` pulls from ``peer`` through ``proxy``."""

    puller: str
    peer: str
    proxy: CountingRequests
    requests_before: int = 0


def network(n: int) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]], list[str]]:
    """(centres, links, data origins): who the nodes are, who peers with whom, and whose
    sample records each node publishes."""
    data = load_centres()
    base = [c for c in centres_of(data) if c[0] in set(sample_origins())]
    if n == len(base):
        return base, seed_topology(data), [c[0] for c in base]
    centres, sources = [], []
    for i in range(n):
        origin, country, name = base[i % len(base)]
        k = i // len(base)
        centres.append((origin if k == 0 else f"n{k}.{origin}", country, f"{name} ({k})"))
        sources.append(origin)
    names = [c[0] for c in centres]
    links = [(names[i], names[(i + 1) % n]) for i in range(n)] if n > 2 else []
    if n == 2:
        links = [(names[0], names[1])]
    half = n // 2
    if n >= 6:  # a few chords across the ring
        for i in range(0, half, max(1, n // 6)):
            links.append((names[i], names[i + half]))
    return centres, links, sources


async def run_one(n: int, records: int, max_rounds: int) -> dict[str, Any]:
    centres, links, sources = network(n)
    with tempfile.TemporaryDirectory(prefix="bench-converge-") as tmp:
        t0 = time.perf_counter()
        net = await LocalNetwork.start(Path(tmp), centres)
        proxies: list[Link] = []
        try:
            await net.trust_all()
            for (origin, _, _), source in zip(centres, sources, strict=True):
                k = 0 if origin == source else int(origin.split(".")[0][1:])
                recs = sample_records(source, extra=max(0, records - 1), seed=k)[:records]
                await net[origin].node.publish(recs)
            for a, b in links:
                for puller, peer in ((a, b), (b, a)):
                    target = net[peer].url.rsplit(":", 1)
                    proxy = CountingRequests("127.0.0.1", int(target[1]))
                    port = await proxy.start()
                    await net[puller].store.add_peer(f"http://127.0.0.1:{port}", peer)
                    proxies.append(Link(puller, peer, proxy))
            setup = time.perf_counter() - t0
            degrees = [sum(1 for x in proxies if x.puller == o) for o in net.origins]
            print(
                f"\n{n} nodes, {len(links)} links (peers per node: min {min(degrees)}, "
                f"max {max(degrees)}), {records} records each; set up in {setup:.1f} s"
            )

            def on_round(i: int, stats: RoundStats, digests: dict[str, Any]) -> None:
                done = len(net.complete(digests))
                print(
                    f"  round {i}: {stats.entries:>7} entries merged in {stats.seconds:6.2f} s, "
                    f"{stats.failures} failed pulls, {done}/{n} nodes complete"
                )

            for x in proxies:
                x.proxy.counters.reset()
            rounds, seconds = await net.run_until_converged(max_rounds, on_round=on_round)
            total = sum(x.proxy.counters.sent + x.proxy.counters.received for x in proxies)
            print(
                f"converged: {rounds} rounds, {seconds:.2f} s, {total:,} bytes on the wire "
                f"({load()})"
            )
            idle = []
            for label in ("first round without changes", "steady state, no changes"):
                for x in proxies:
                    x.proxy.counters.reset()
                    x.requests_before = x.proxy.requests
                stats = await net.round()
                idle.append(report_idle(label, net.origins, proxies, stats))
            return {
                "nodes": n,
                "links": len(links),
                "rounds": rounds,
                "seconds": seconds,
                "idle": idle,
            }
        finally:
            await net.close()  # clients first: the proxies then see their connections end
            for x in proxies:
                await x.proxy.close()


def report_idle(
    label: str, origins: list[str], proxies: list[Link], stats: RoundStats
) -> dict[str, float]:
    per_node: list[int] = []
    per_pull: list[int] = []
    requests: list[int] = []
    for origin in origins:
        mine = [x for x in proxies if x.puller == origin]
        nbytes = [x.proxy.counters.sent + x.proxy.counters.received for x in mine]
        per_node.append(sum(nbytes))
        per_pull.extend(nbytes)
        requests.extend(x.proxy.requests - x.requests_before for x in mine)
    results = [r for rs in stats.results.values() for r in rs]
    not_modified = sum(1 for r in results if r.not_modified)
    print(
        f"{label}: {stats.entries} entries, {stats.seconds:.2f} s; per node "
        f"{statistics.mean(per_node):,.0f} B on average (max {max(per_node):,}); per pull "
        f"{statistics.mean(per_pull):,.0f} B (max {max(per_pull):,}), "
        f"{statistics.mean(requests):.2f} requests (max {max(requests)}); "
        f"{not_modified}/{len(results)} pulls answered 304"
    )
    return {
        "bytes_per_node": statistics.mean(per_node),
        "bytes_per_pull_max": float(max(per_pull)),
        "requests_per_pull_max": float(max(requests)),
        "not_modified": not_modified / max(len(results), 1),
    }


async def run(sizes: Sequence[int], records: int, max_rounds: int) -> list[dict[str, Any]]:
    print(f"bench.converge: {environment()}")
    print("all nodes run in this one process (one event loop); rounds are driven explicitly")
    out = [await run_one(n, records, max_rounds) for n in sizes]
    print(f"\npeak RSS of this process (all nodes together): {peak_rss_mb():.0f} MB")
    return out


def main(argv: Sequence[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(prog="python -m bench.converge", description=__doc__)
    parser.add_argument("--nodes", type=int, nargs="+", default=[13, 27], help="network sizes")
    parser.add_argument("--records", type=int, default=1000, help="records per node")
    parser.add_argument("--max-rounds", type=int, default=30)
    args = parser.parse_args(argv)
    return asyncio.run(run(args.nodes, args.records, args.max_rounds))


if __name__ == "__main__":
    main()
