"""``federation demo``: the 13 demo centres as real nodes on loopback, end to end.

Starts one node per centre of ``centres.json``, has every admin pin every other centre's key,
peers them per :func:`~federation.cli.localnet.seed_topology` (full mesh inside each
consortium, three bridges), publishes each centre's sample records, then pulls in rounds until
every node holds every log with identical roots. Then it follows one public case from Sofia
to Copenhagen, and one erasure: a Sofia expert who had agreed to a public listing (so her
contact card reached every node) withdraws consent; the ``delete`` crosses five relays and the
card's bytes disappear from every store, Copenhagen's included, while the leaves stay.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import Counter, deque
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import click
import orjson
from rich import box
from rich.console import Console
from rich.table import Table

from federation.cli.common import CliFailure, CliUsage, handle_errors, run
from federation.cli.localnet import (
    ConvergenceError,
    Digest,
    LocalNetwork,
    RoundStats,
    centres_of,
    digest_hash,
    seed_topology,
    shortest_path,
)
from federation.cli.samples import load_centres, sample_records
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.entry import parse_leaf
from federation.protocol.errors import ProtocolError
from federation.protocol.merkle import leaf_hash, verify_inclusion

MAX_ROUNDS = 20
SOURCE = "bg.sofia.ncc"
TARGET = "dk.esia.ncc"
KINDS = ("case", "event", "contact")


def say(text: str = "") -> None:
    click.echo(text)


def _entries(n: int) -> str:
    return f"{n} {'entry' if n == 1 else 'entries'}"


def _diameter(edges: Iterable[tuple[str, str]]) -> int:
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    best = 0
    for start in graph:
        dist = {start: 0}
        queue = deque([start])
        while queue:
            here = queue.popleft()
            for there in graph[here]:
                if there not in dist:
                    dist[there] = dist[here] + 1
                    queue.append(there)
        best = max(best, *dist.values())
    return best


def _kinds(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{counts.get(k, 0)} {k}s" for k in KINDS)


def _round_line(n: int, stats: RoundStats, complete: int, total: int) -> str:
    line = (
        f"  round {n}: {_entries(stats.entries)} pulled, {stats.nbytes:,} bytes, "
        f"{complete}/{total} nodes hold all {total} logs ({stats.seconds:.2f} s)"
    )
    if stats.failures:
        line += f", {stats.failures} failed pulls"
    return line


def _console() -> Console:
    """Rich console; plain text (no colour) and 100 columns when output is not a terminal."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=100)


async def _node_table(net: LocalNetwork, digests: Mapping[str, Digest], width: int) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD,
        title="what every node holds (live records by kind; digest of all (size, root))",
        title_justify="left",
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    table.add_column("node", no_wrap=True, min_width=13)
    table.add_column("cc", no_wrap=True)
    # everything else is narrow: the centre's name gets what is left of the line
    table.add_column("centre", no_wrap=True, overflow="ellipsis", max_width=max(10, width - 61))
    for header in ("logs", *(f"{k}s" for k in KINDS)):
        table.add_column(header, no_wrap=True, justify="right")
    table.add_column("digest", no_wrap=True, min_width=8)
    for origin, n in net.nodes.items():
        by_kind: Counter[str] = Counter()
        for kinds in (await n.store.counts()).values():
            by_kind.update(kinds)
        held = sum(1 for size, _ in digests[origin].values() if size > 0)
        table.add_row(
            origin,
            n.country,
            n.name,
            str(held),
            *(str(by_kind.get(k, 0)) for k in KINDS),
            digest_hash(digests[origin])[:8],
        )
    return table


async def _show_public_case(net: LocalNetwork) -> None:
    """Read one public case of SOURCE at TARGET and verify it against the signed checkpoint."""
    dk = net[TARGET].store
    cases = await dk.list_records(kind="case", origin=SOURCE, limit=1)
    if not cases:
        raise CliFailure(f"{TARGET} holds no case of {SOURCE}")
    row = cases[0]
    say(f"a public case of {SOURCE}, read at {TARGET}:")
    say(f"  {row.kind} {row.id} (seq {row.seq}, vis {row.vis})")
    for lang in ("bg", "en"):
        if lang in row.title:
            say(f"  title [{lang}]: {row.title[lang]}")
    head = await dk.head(SOURCE)
    if head is None or head.checkpoint is None or row.body is None:
        raise CliFailure(f"{TARGET} holds no checkpoint or body of {SOURCE}'s case")
    try:
        cp = open_checkpoint(head.checkpoint, SOURCE, await dk.verifiers(SOURCE))
        proof = await dk.inclusion_proof(SOURCE, row.seq, cp.size)
        verify_inclusion(leaf_hash(row.leaf), row.seq, cp.size, proof, cp.root)
        leaf = parse_leaf(row.leaf)
    except ProtocolError as e:
        raise CliFailure(f"the case does not verify at {TARGET}: {e}") from e
    if not leaf.matches_body(row.body):
        raise CliFailure(f"the case body at {TARGET} does not match its leaf")
    body = orjson.loads(row.body)
    say(
        f"  verified at {TARGET}: {SOURCE}'s signed checkpoint (size {cp.size}), "
        f"inclusion proof of leaf {row.seq} ({len(proof)} hashes), body hash; "
        f"lead organisation: {body.get('lead_org', '?')}"
    )


async def _body_state(net: LocalNetwork, origin: str, kind: str, record_id: str) -> str:
    row = await net[origin].store.get_record(SOURCE, kind, record_id)
    if row is None:
        return "not held"
    bodies = await net[origin].store.body_count(SOURCE, kind, record_id)
    if row.op != "put":
        return f"op {row.op}, {_bodies(bodies)}"
    if row.body is None:
        return f"op put, vis {row.vis}, body withheld (federation visibility)"
    return f"op put, vis {row.vis}, body present ({len(row.body)} bytes)"


def _relay_chain(
    rounds: Iterable[RoundStats], net: LocalNetwork, size: int, target: str
) -> list[str]:
    """The hand-offs that actually carried SOURCE's log at ``size`` to ``target``."""
    got_from: dict[str, str] = {}
    for stats in rounds:
        for node, results in stats.results.items():
            for r in results:
                peer = net.origin_of_url(r.url)
                if node in got_from or peer is None:
                    continue
                if any(
                    o.origin == SOURCE and o.outcome == "updated" and o.new_size >= size
                    for o in r.origins
                ):
                    got_from[node] = peer
    chain = [target]
    while chain[-1] != SOURCE and chain[-1] in got_from and len(chain) <= len(net.nodes):
        chain.append(got_from[chain[-1]])
    return chain[::-1] if chain[-1] == SOURCE else []


def _bodies(n: int) -> str:
    return f"{n} stored {'body' if n == 1 else 'bodies'}"


def _publicly_listed(record: dict[str, Any]) -> dict[str, Any]:
    """The Sofia expert opted in to a public listing, so her card travels to every node."""
    if record["kind"] == "contact" and record.get("contact_type") == "person":
        return {**record, "publication_consent": True}
    return record


async def _erasure(net: LocalNetwork, person_id: str, edges: list[tuple[str, str]]) -> int:
    bg, dk = net[SOURCE], net[TARGET]
    say(
        f"erasure: the person contact {person_id} of {SOURCE}, listed publicly with her "
        "consent, withdraws consent (GDPR Art. 17)"
    )
    say(f"  at {SOURCE}: {await _body_state(net, SOURCE, 'contact', person_id)}")
    say(f"  at {TARGET}: {await _body_state(net, TARGET, 'contact', person_id)}")
    res = await bg.node.delete("contact", person_id)
    size = res.head.size
    say(f"  {SOURCE} publishes `delete contact {person_id}` (its log is now size {size})")
    history: list[RoundStats] = []
    for n in range(1, MAX_ROUNDS + 1):
        stats = await net.round()
        history.append(stats)
        row = await dk.store.get_record(SOURCE, "contact", person_id)
        bodies = await dk.store.body_count(SOURCE, "contact", person_id)
        state = f"op {row.op}" if row else "not held"
        say(
            f"  round {n}: {_entries(stats.entries)} pulled, {stats.nbytes:,} bytes; "
            f"at {TARGET}: {state}, {_bodies(bodies)}"
        )
        if row is not None and row.op == "delete" and bodies == 0:
            break
    else:
        raise CliFailure(f"the delete did not reach {TARGET} within {MAX_ROUNDS} rounds")
    relays = shortest_path(edges, SOURCE, TARGET)[1:-1]
    say(
        f"erasure: {person_id} deleted at {SOURCE} reached {TARGET} after {n} rounds "
        f"(relayed via {', '.join(relays)})"
    )
    chain = _relay_chain(history, net, size, TARGET)
    if chain:
        say(f"  observed hand-offs: {' -> '.join(chain)}")
    return n


async def _demo(root: Path, extra: int) -> None:
    started = time.perf_counter()
    data = load_centres()
    centres = centres_of(data)
    edges = seed_topology(data)
    say(f"federation demo: {len(centres)} centres as real nodes on 127.0.0.1, homes in {root}")
    net = await LocalNetwork.start(root, centres)
    try:
        await net.trust_all()
        say(
            f"  started {len(net.nodes)} nodes; every admin pinned the other "
            f"{len(net.nodes) - 1} centres' verifier keys"
        )
        for a, b in edges:
            await net.peer(a, b)
        say(
            f"  peered {len(edges)} links: full mesh inside each consortium, bridges "
            f"LT-LV, LV-EE, LT-SK (network diameter {_diameter(edges)} hops); "
            f"{SOURCE} and {TARGET} are {len(shortest_path(edges, SOURCE, TARGET)) - 1} hops apart"
        )
        published: dict[str, list[dict[str, Any]]] = {}
        by_kind: Counter[str] = Counter()
        for origin, n in net.nodes.items():
            published[origin] = sample_records(origin, extra=extra)
            if origin == SOURCE:
                published[origin] = [_publicly_listed(r) for r in published[origin]]
            await n.node.publish(published[origin])
            by_kind.update(r["kind"] for r in published[origin])
        total = sum(by_kind.values())
        say(f"  each centre published its own log: {total} records ({_kinds(by_kind)})")
        say()
        say("sync rounds (every node pulls each of its peers once, all nodes at the same time):")

        def progress(n: int, stats: RoundStats, digests: dict[str, Digest]) -> None:
            say(_round_line(n, stats, len(net.complete(digests)), len(net.nodes)))
            for err in stats.errors()[:3]:
                say(f"    failed: {err}")

        try:
            rounds, seconds = await net.run_until_converged(MAX_ROUNDS, on_round=progress)
        except ConvergenceError as e:
            raise CliFailure(str(e)) from e
        digests = await net.digests()
        say()
        console = _console()
        console.print(await _node_table(net, digests, console.width))
        say()
        say(
            f"converged: {len(net.nodes)} nodes hold {len(net.nodes)} logs with identical "
            f"roots after {rounds} rounds in {seconds:.2f} s"
        )
        say()
        await _show_public_case(net)
        say()
        person = next(
            r
            for r in published[SOURCE]
            if r["kind"] == "contact" and r.get("contact_type") == "person"
        )
        erasure_rounds = await _erasure(net, person["id"], edges)
        try:
            settle, _ = await net.run_until_converged(MAX_ROUNDS)
        except ConvergenceError as e:
            raise CliFailure(f"after the erasure: {e}") from e
        left = 0
        deleted = 0
        for n in net.nodes.values():
            left += await n.store.body_count(SOURCE, "contact", person["id"])
            row = await n.store.get_record(SOURCE, "contact", person["id"])
            deleted += row is not None and row.op == "delete"
        if left or deleted != len(net.nodes):
            raise CliFailure(
                f"erasure incomplete: {deleted}/{len(net.nodes)} nodes hold the delete, "
                f"{left} bodies left"
            )
        say(
            f"  after {settle} more round(s): {deleted}/{len(net.nodes)} nodes hold the delete, "
            f"{left} stored bodies of the record anywhere; leaves kept, roots identical again"
        )
        say()
        say("summary:")
        say(
            f"  {len(net.nodes)} nodes, {len(edges)} peer links, {total} records; "
            f"converged in {rounds} rounds ({seconds:.2f} s); "
            f"erasure crossed {len(shortest_path(edges, SOURCE, TARGET)) - 1} hops "
            f"in {erasure_rounds} rounds"
        )
    finally:
        await net.close()
    say(f"  total {time.perf_counter() - started:.2f} s")


@click.command()
@click.option(
    "--keep",
    "keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Create the node homes in DIR and keep them (default: a temporary directory).",
)
@click.option(
    "--extra",
    default=0,
    show_default=True,
    type=click.IntRange(0, 100_000),
    help="Extra generated cases each centre publishes.",
)
@handle_errors
def demo(keep: Path | None, extra: int) -> None:
    """Run the 13 demo centres on loopback: publish, sync until converged, erase.

    Every node is real (own key, store and HTTP feed API on 127.0.0.1); pulls are verified
    against signed checkpoints exactly as between real centres.
    """
    if keep is not None:
        if keep.exists() and any(keep.iterdir()):
            raise CliUsage(f"{keep} is not empty; give --keep a new or empty directory")
        keep.mkdir(parents=True, exist_ok=True)
        root = keep.resolve()
    else:
        root = Path(tempfile.mkdtemp(prefix="federation-demo-"))
    try:
        run(_demo(root, extra))
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            say(
                f"  node homes kept in {root} (try: federation records list --home {root / TARGET})"
            )
    if keep is None:
        say("  temporary node homes removed")


__all__ = ["demo"]
