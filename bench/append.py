"""Publishing and proof benchmark: how fast a node appends to its own log, and what proofs cost.

Run from the repository root::

    python -m bench.append                                  # defaults (a few minutes at most)
    python -m bench.append --records 5000 --proof-leaves 100000   # a quick run

Three measurements, each on real SQLite files in a temporary directory:

1. **Batched publishing**: ``--records`` realistic sample cases (``federation.cli.samples``)
   published in batches of ``--batch`` through the node's own path into a fresh node: validate
   and encode (``Node.prepare``), then append, hash and sign one checkpoint per batch in one
   committed transaction (``Store.append_own``). Reported end to end and split in the two
   steps; ``--repeat`` runs (a fresh node each), the median counts. The clock stops when the
   last batch is committed; the WAL checkpoint a node then runs in the background (once writes
   pause, ``Store._after_commit``) is timed afterwards and reported beside it, also as a rate
   that counts it.
2. **One-by-one publishing**: ``--single`` records, one ``Node.publish`` call each, i.e. one
   transaction, one signed checkpoint and one fsync of the published checkpoint per record.
3. **Proofs over a big log**: a log of ``--proof-leaves`` entries is built directly through
   ``Store.append_own`` in batches of ``--build-batch`` (put leaves with small synthetic bodies,
   no record validation: this part measures the tree, not the schema), then ``--proofs``
   inclusion proofs at random indices and as many consistency proofs between random sizes are
   generated through ``Store.inclusion_proof`` / ``Store.consistency_proof``. Each proof is
   verified afterwards (outside the timer) against the root.

It asserts nothing; the last line says whether the target of issue 2 is met (at least 20,000
entries/s end to end, committed, for 100k records: the median run), and ``main`` returns the
figures as a dict. The machine may be shared: the 1-minute load average is printed with
each run.
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

from bench.common import environment, load, peak_rss_mb
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
TARGET_RATE = 20_000  # entries/s, validated, appended, signed and committed (issue 2)
TARGET_RECORDS = 100_000


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


async def _fresh_node(tmp: Path, name: str) -> Node:
    home = Home(tmp / name)
    settings = Settings(origin=ORIGIN, country="LT", name="bench", listen="127.0.0.1:0")
    await init_home(home, settings)
    return await Node.open(home)


async def _publish(node: Node, chunks: list[list[dict[str, Any]]]) -> dict[str, float]:
    """Validate, then append, batch after batch, the two steps timed apart; then the WAL
    checkpoint (timed apart too)."""
    prepare_s = append_s = 0.0
    for chunk in chunks:
        t = time.perf_counter()
        pubs = node.prepare(chunk)
        t2 = time.perf_counter()
        await node.store.append_own(node.origin, node.signers, pubs)
        prepare_s += t2 - t
        append_s += time.perf_counter() - t2
    t = time.perf_counter()
    frames, copied = await node.store.checkpoint()
    checkpoint_s = time.perf_counter() - t
    assert frames == copied
    return {"prepare_s": prepare_s, "append_s": append_s, "checkpoint_s": checkpoint_s}


async def bench_publish(
    tmp: Path, records: int, batch: int, single: int, repeat: int
) -> dict[str, Any]:
    """Phases 1 and 2: real node homes, sample records, the node's publish path."""
    t0 = time.perf_counter()
    inputs = sample_records(ORIGIN, extra=records + single)
    inputs = [r for r in inputs if r["kind"] == "case"][: records + single]
    gen_s = time.perf_counter() - t0
    if len(inputs) < records + single:
        raise SystemExit(f"sample_records gave only {len(inputs)} cases")
    batched, singles = inputs[:records], inputs[records:]
    chunks = [batched[i : i + batch] for i in range(0, len(batched), batch)]
    print(f"generated {len(inputs):,} sample case records in {gen_s:.1f} s (not counted below)")
    out: dict[str, Any] = {"records": records, "batch": batch, "single": single}

    runs: list[dict[str, float]] = []
    times: list[float] = []
    for n in range(repeat):
        async with await _fresh_node(tmp, f"run-{n}") as node:
            split = await _publish(node, chunks)
            head = await node.store.head(node.origin)
            assert head is not None and head.size == records
            if n == repeat - 1:  # the last node also takes the one-by-one publishes (phase 2)
                for rec in singles:
                    t = time.perf_counter()
                    await node.publish([rec])
                    times.append(time.perf_counter() - t)
                head = await node.store.head(node.origin)
                assert head is not None and head.size == records + single
            db = node.home.db_path(node.settings)
        seconds = split["prepare_s"] + split["append_s"]
        run = {
            **split,
            "seconds": seconds,
            "entries_per_s": _rate(records, seconds),
            "validate_per_s": _rate(records, split["prepare_s"]),
            "append_per_s": _rate(records, split["append_s"]),
            "with_checkpoint_per_s": _rate(records, seconds + split["checkpoint_s"]),
        }
        runs.append(run)
        print(
            f"batched publish: {records:,} records in batches of {batch:,}: "
            f"{seconds:.2f} s = {run['entries_per_s']:,.0f} entries/s end to end, committed "
            f"(validate+encode {run['validate_per_s']:,.0f}/s, "
            f"append+hash+sign {run['append_per_s']:,.0f}/s); then the WAL checkpoint "
            f"{split['checkpoint_s']:.2f} s ({run['with_checkpoint_per_s']:,.0f}/s counting "
            f"it) [{load()}]"
        )
    rates = [r["entries_per_s"] for r in runs]
    out["batched"] = {
        "runs": runs,
        "best_per_s": max(rates),
        "median_per_s": statistics.median(rates),
        # the median run's figures, as the one-run summary
        **sorted(runs, key=lambda r: r["entries_per_s"])[len(runs) // 2],
    }
    if repeat > 1:
        median = statistics.median(rates)
        print(f"batched publish: best {max(rates):,.0f}, median {median:,.0f} entries/s")
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
        results = await bench_publish(tmp, args.records, args.batch, args.single, args.repeat)
        results["proofs"] = await bench_proofs(
            tmp, args.proof_leaves, args.build_batch, args.proofs
        )
    results["total_seconds"] = time.perf_counter() - started
    results["peak_rss_mb"] = peak_rss_mb()
    print(f"total {results['total_seconds']:.1f} s, peak RSS {results['peak_rss_mb']:.0f} MB")
    rate = results["batched"]["median_per_s"]
    met = rate >= TARGET_RATE
    results["target_met"] = met
    scale = "" if args.records >= TARGET_RECORDS else f" (measured at {args.records:,} records)"
    print(
        f"target (issue 2): >= {TARGET_RATE:,} entries/s end to end, committed, for "
        f"{TARGET_RECORDS:,} records in batches of {args.batch:,}: {rate:,.0f}/s "
        f"{'met' if met else 'NOT met'}{scale}"
    )
    return results


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.append", description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=100_000, help="records published in batches")
    p.add_argument("--batch", type=int, default=1000, help="records per batch (transaction)")
    p.add_argument(
        "--repeat", type=int, default=3, help="batched runs (fresh nodes); the median counts"
    )
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
    for name in ("records", "batch", "repeat", "proof_leaves", "build_batch", "proofs"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.single < 0:
        p.error("--single must not be negative")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    return asyncio.run(run(parse_args(argv)))


if __name__ == "__main__":
    main()
