"""Publishing and proof benchmark: how fast a node appends to its own log, and what proofs cost.

Run from the repository root::

    python -m bench.append                                  # defaults (a few minutes at most)
    python -m bench.append --records 5000 --proof-leaves 100000   # a quick run

Three measurements, each on real SQLite files in a temporary directory:

1. **Batched publishing**: ``--records`` realistic sample cases (``federation.cli.samples``)
   published in batches of ``--batch`` through the node's own path: validate and encode
   (``Node.prepare``), then append, hash and sign one checkpoint per batch
   (``Store.append_own``). Reported end to end and split in the two steps.
2. **One-by-one publishing**: ``--single`` records, one ``Node.publish`` call each, i.e. one
   transaction, one signed checkpoint and one fsync of the published checkpoint per record.
3. **Proofs over a big log**: a log of ``--proof-leaves`` entries is built directly through
   ``Store.append_own`` in batches of ``--build-batch`` (put leaves with small synthetic bodies,
   no record validation: this part measures the tree, not the schema), then ``--proofs``
   inclusion proofs at random indices and as many consistency proofs between random sizes are
   generated through ``Store.inclusion_proof`` / ``Store.consistency_proof``. Each proof is
   verified afterwards (outside the timer) against the root.

It prints figures and asserts nothing; ``main`` also returns them as a dict.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from bench.common import environment, peak_rss_mb
from federation.cli.samples import sample_records
from federation.config import Home, Settings
from federation.node.service import Node, init_home
from federation.protocol import merkle
from federation.protocol.entry import Kind, Op, Visibility
from federation.protocol.note import Signer
from federation.protocol.publish import Publication
from federation.store import Store

ORIGIN = "lt.esfa.ncc"
BIG_ORIGIN = "bench.big.ncc"


def _ms_stats(samples: Sequence[float]) -> dict[str, float]:
    """Mean, median and 99th percentile of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {
        "mean_ms": statistics.fmean(ordered) * 1000,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": p99 * 1000,
    }


def _fmt(stats: dict[str, float]) -> str:
    mean, p50, p99 = stats["mean_ms"], stats["p50_ms"], stats["p99_ms"]
    return f"mean {mean:.3f} ms, p50 {p50:.3f} ms, p99 {p99:.3f} ms"


def _rate(n: int, seconds: float) -> float:
    return n / seconds if seconds > 0 else float("inf")


async def bench_publish(tmp: Path, records: int, batch: int, single: int) -> dict[str, Any]:
    """Phases 1 and 2: a real node home, sample records, the node's publish path."""
    t0 = time.perf_counter()
    inputs = sample_records(ORIGIN, extra=records + single)
    inputs = [r for r in inputs if r["kind"] == "case"][: records + single]
    gen_s = time.perf_counter() - t0
    if len(inputs) < records + single:
        raise SystemExit(f"sample_records gave only {len(inputs)} cases")
    batched, singles = inputs[:records], inputs[records:]
    print(f"generated {len(inputs):,} sample case records in {gen_s:.1f} s (not counted below)")

    home = Home(tmp / "lt")
    settings = Settings(origin=ORIGIN, country="LT", name="bench", listen="127.0.0.1:0")
    await init_home(home, settings)
    out: dict[str, Any] = {"records": records, "batch": batch, "single": single}
    async with await Node.open(home) as node:
        prepare_s = append_s = 0.0
        for i in range(0, len(batched), batch):
            t = time.perf_counter()
            pubs = node.prepare(batched[i : i + batch])
            t2 = time.perf_counter()
            head = await node.store.append_own(node.origin, node.signer, pubs)
            t3 = time.perf_counter()
            prepare_s += t2 - t
            append_s += t3 - t2
        total_s = prepare_s + append_s
        assert head.size == records
        out["batched"] = {
            "seconds": total_s,
            "entries_per_s": _rate(records, total_s),
            "validate_per_s": _rate(records, prepare_s),
            "append_per_s": _rate(records, append_s),
        }
        print(
            f"batched publish: {records:,} records in batches of {batch:,}: {total_s:.1f} s = "
            f"{_rate(records, total_s):,.0f} entries/s end to end "
            f"(validate+encode {_rate(records, prepare_s):,.0f}/s, "
            f"append+hash+sign {_rate(records, append_s):,.0f}/s)"
        )

        times: list[float] = []
        for rec in singles:
            t = time.perf_counter()
            await node.publish([rec])
            times.append(time.perf_counter() - t)
        head_after = await node.store.head(node.origin)
        assert head_after is not None and head_after.size == records + single
        if single:
            single_s = sum(times)
            out["single_publish"] = {
                "seconds": single_s,
                "entries_per_s": _rate(single, single_s),
                **_ms_stats(times),
            }
            print(
                f"one-by-one publish: {single:,} records, one transaction + signed checkpoint "
                f"each: {_rate(single, single_s):,.0f} entries/s ({_fmt(_ms_stats(times))})"
            )
    db = home.db_path(settings)
    print(f"store after phases 1-2: {db.stat().st_size / 1e6:.1f} MB")
    return out


def _synthetic_pubs(start: int, count: int) -> list[Publication]:
    salt = base64.b64encode(bytes(16)).decode()
    pubs = []
    for n in range(start, start + count):
        rid = f"01BENCH{n:019d}"
        body = orjson.dumps({"salt": salt, "id": rid, "n": n})
        pubs.append(Publication(Op.PUT, Kind.CASE, rid, Visibility.PUBLIC, body))
    return pubs


async def bench_proofs(tmp: Path, leaves: int, build_batch: int, proofs: int) -> dict[str, Any]:
    """Phase 3: a big log built through Store.append_own, then timed proofs."""
    signer = Signer.generate(BIG_ORIGIN)
    path = tmp / "big.sqlite"
    out: dict[str, Any] = {"leaves": leaves}
    async with await Store.open(path, published_path=tmp / "big.published") as store:
        await store.add_origin(BIG_ORIGIN, "self", [signer.vkey])
        t0 = time.perf_counter()
        done = 0
        while done < leaves:
            n = min(build_batch, leaves - done)
            await store.append_own(BIG_ORIGIN, signer, _synthetic_pubs(done, n))
            done += n
        build_s = time.perf_counter() - t0
        head = await store.head(BIG_ORIGIN)
        assert head is not None and head.size == leaves
        out["build"] = {"seconds": build_s, "entries_per_s": _rate(leaves, build_s)}
        print(
            f"built a {leaves:,}-leaf log through Store.append_own in batches of "
            f"{build_batch:,}: {build_s:.1f} s = {_rate(leaves, build_s):,.0f} entries/s; "
            f"file {path.stat().st_size / 1e6:.0f} MB"
        )

        rng = random.Random(9162)
        size = head.size
        indices = [rng.randrange(size) for _ in range(proofs)]
        inclusion: list[tuple[int, list[bytes]]] = []
        times: list[float] = []
        for i in indices:
            t = time.perf_counter()
            proof = await store.inclusion_proof(BIG_ORIGIN, i, size)
            times.append(time.perf_counter() - t)
            inclusion.append((i, proof))
        out["inclusion"] = _ms_stats(times)
        print(
            f"inclusion proofs ({proofs:,} random indices, size {size:,}): {_fmt(_ms_stats(times))}"
        )

        pairs = []
        for _ in range(proofs):
            a, b = rng.randint(1, size), rng.randint(1, size)
            pairs.append((min(a, b), max(a, b)))
        consistency: list[tuple[int, int, list[bytes]]] = []
        times = []
        for m, n in pairs:
            t = time.perf_counter()
            proof = await store.consistency_proof(BIG_ORIGIN, m, n)
            times.append(time.perf_counter() - t)
            consistency.append((m, n, proof))
        out["consistency"] = _ms_stats(times)
        print(f"consistency proofs ({proofs:,} random size pairs): {_fmt(_ms_stats(times))}")

        # Every proof must verify (untimed): fast and wrong would be worthless.
        for i, proof in inclusion:
            leaf = await store.leaf_hash(BIG_ORIGIN, i)
            merkle.verify_inclusion(leaf, i, size, proof, head.root)
        roots: dict[int, bytes] = {}
        for m, n, proof in consistency:
            for s in (m, n):
                if s not in roots:
                    roots[s] = await store.root_at(BIG_ORIGIN, s)
            merkle.verify_consistency(m, n, proof, roots[m], roots[n])
        out["verified"] = len(inclusion) + len(consistency)
        print(f"all {out['verified']:,} proofs verified against the stored roots")
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    print(f"bench.append: {environment()}")
    print(f"python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory(prefix="bench-append-") as d:
        tmp = Path(d)
        results = await bench_publish(tmp, args.records, args.batch, args.single)
        results["proofs"] = await bench_proofs(
            tmp, args.proof_leaves, args.build_batch, args.proofs
        )
    results["total_seconds"] = time.perf_counter() - started
    results["peak_rss_mb"] = peak_rss_mb()
    print(f"total {results['total_seconds']:.1f} s, peak RSS {results['peak_rss_mb']:.0f} MB")
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.append", description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=100_000, help="records published in batches")
    p.add_argument("--batch", type=int, default=1000, help="records per publish call")
    p.add_argument(
        "--single",
        type=int,
        default=None,
        help="records published one by one (default 2000, at most --records)",
    )
    p.add_argument("--proof-leaves", type=int, default=1_000_000, help="size of the proof log")
    p.add_argument("--build-batch", type=int, default=50_000, help="entries per append (build)")
    p.add_argument("--proofs", type=int, default=1000, help="proofs of each type to time")
    args = p.parse_args(argv)
    if args.single is None:
        args.single = min(2000, args.records)
    for name in ("records", "batch", "proof_leaves", "build_batch", "proofs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.single < 0:
        p.error("--single must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
