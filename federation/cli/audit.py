"""`federation audit …`: the auditor commands (DESIGN §8, docs/auditor.md).

``bundle`` writes a self-contained record bundle; ``verify`` checks one offline. ``log``
verifies a whole log against its signed checkpoint (and an earlier one). ``compare`` looks
for split views of one origin across several nodes. ``export-evidence`` writes the
equivocation evidence a node found while pulling; ``verify-evidence`` checks it offline.

Exit status: 0 the check holds, 1 it does not (the failed check is named on stderr), 2 bad
usage. The checks themselves live in ``federation.protocol.audit``; fetching in
``federation.sync.auditor``.
"""

from __future__ import annotations

import asyncio
import base64
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from federation.cli.admin import cell
from federation.cli.common import CliFailure, CliUsage, fail, get_home, handle_errors, home_option
from federation.config import Limits
from federation.node.evidence import evidence_json
from federation.node.service import Node
from federation.protocol import merkle
from federation.protocol.audit import (
    BUNDLE_FORMAT,
    encode_evidence,
    evidence_item,
    verify_bundle,
    verify_evidence,
)
from federation.protocol.checkpoint import SignedCheckpoint, check_origin, open_checkpoint
from federation.protocol.cosignature import WitnessKey, parse_witness_vkey
from federation.protocol.entry import now_ts
from federation.protocol.errors import ProtocolError
from federation.protocol.forkpath import fork_path_from_nodes, fork_plan
from federation.protocol.note import Verifier, parse_vkey
from federation.protocol.update import VerifiedEntries, VerifiedUpdate
from federation.store import EvidenceRow
from federation.sync.auditor import (
    Comparison,
    build_bundle,
    compare_nodes,
    subtree_hashes,
    verify_log,
)
from federation.sync.client import PeerClient
from federation.sync.errors import SyncError

T = TypeVar("T")


# -- option parsing ------------------------------------------------------------------------------


def _vkeys(_ctx: click.Context, _param: click.Parameter, values: Sequence[str]) -> list[Verifier]:
    try:
        return [parse_vkey(v) for v in values]
    except ProtocolError as e:
        raise click.BadParameter(str(e)) from e


def _witnesses(
    _ctx: click.Context, _param: click.Parameter, values: Sequence[str]
) -> list[WitnessKey]:
    try:
        return [parse_witness_vkey(v) for v in values]
    except ProtocolError as e:
        raise click.BadParameter(str(e)) from e


def _origin(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    try:
        return check_origin(value) if value is not None else None
    except ProtocolError as e:
        raise click.BadParameter(str(e)) from e


vkey_option = click.option(
    "--vkey",
    "vkeys",
    multiple=True,
    required=True,
    callback=_vkeys,
    help="The origin's verifier key, as pinned (repeat for several, e.g. across a rotation).",
)


def _read(path: Path) -> bytes:
    try:
        return sys.stdin.buffer.read() if str(path) == "-" else path.read_bytes()
    except OSError as e:
        raise CliUsage(f"cannot read {path}: {e.strerror or e}") from e


def _write(path: Path, data: bytes) -> None:
    if str(path) == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        path.write_bytes(data)
    except OSError as e:
        raise CliUsage(f"cannot write {path}: {e.strerror or e}") from e


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


def _err() -> Console:
    return Console(stderr=True, highlight=False)


def _session_run(fn: Callable[[aiohttp.ClientSession], Awaitable[T]]) -> T:
    """Run ``fn`` with a client session; node failures become a failed check (exit 1)."""

    async def go() -> T:
        async with aiohttp.ClientSession() as session:
            return await fn(session)

    try:
        return asyncio.run(go())
    except SyncError as e:
        raise CliFailure(str(e)) from e


@click.group()
def audit() -> None:
    """Auditor commands: record bundles, whole logs, split views, equivocation evidence.

    Exit status: 0 the check holds, 1 it does not (the failed check is named), 2 bad usage.
    See docs/auditor.md.
    """


# -- bundle / verify -----------------------------------------------------------------------------


@audit.command("bundle")
@click.option("--node", "node_url", required=True, help="Base URL of a node serving ORIGIN.")
@click.option("--scan", is_flag=True, help="Find the record by scanning the log, not by lookup.")
@click.argument("origin", callback=_origin)
@click.argument("kind", type=click.Choice(["case", "event", "contact"]))
@click.argument("record_id", metavar="ID")
@handle_errors
def audit_bundle(node_url: str, scan: bool, origin: str, kind: str, record_id: str) -> None:
    """Write a self-contained bundle of one record to stdout (JSON).

    The bundle holds the record's latest leaf, its body when the node shows it to anonymous
    clients, the node's checkpoint for ORIGIN and the leaf's inclusion proof. Check it offline
    with `federation audit verify`.
    """
    limits = Limits()

    async def go(session: aiohttp.ClientSession) -> Any:
        client = PeerClient(session, node_url, limits)
        return await build_bundle(
            client, origin, kind, record_id, scan=scan, batch=limits.max_batch
        )

    bundle = _session_run(go)
    if bundle is None:
        raise CliFailure(f"{node_url} has no {kind} {record_id} in its log of {origin}")
    _write(Path("-"), bundle.encode() + b"\n")


@audit.command("verify")
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(path_type=Path))
@vkey_option
@click.option(
    "--witness",
    "witnesses",
    multiple=True,
    callback=_witnesses,
    help="A witness's cosigner key (c2sp.org/tlog-cosignature, Ed25519); repeat for several.",
)
@click.option("--quorum", type=click.IntRange(min=1), help="Cosignatures needed (default: all).")
@handle_errors
def audit_verify(
    bundle_path: Path, vkeys: list[Verifier], witnesses: list[WitnessKey], quorum: int | None
) -> None:
    """Verify a record BUNDLE offline ('-' reads stdin): signature, leaf, inclusion, body.

    With --witness keys, also require cosignatures by --quorum of them (default: all).
    """
    if quorum is not None and not witnesses:
        raise CliUsage("--quorum needs --witness keys")
    if quorum is not None and quorum > len(witnesses):
        raise CliUsage(f"--quorum {quorum} exceeds the {len(witnesses)} witness key(s) given")
    result = verify_bundle(_read(bundle_path), vkeys, witnesses=witnesses, quorum=quorum)
    for line in result.passed:
        click.echo(f"ok  {line}")
    if result.failure is not None:
        fail(f"bundle invalid: {result.failure}")
    b = result.bundle
    assert b is not None and result.checkpoint is not None
    click.echo(
        f"valid {BUNDLE_FORMAT}: {b.origin} {b.kind} {b.id} is entry {b.index} of the log "
        f"of size {result.checkpoint.size}"
    )


# -- log -----------------------------------------------------------------------------------------


class _Progress:
    """A rich progress bar on a terminal; otherwise a plain line per tenth of the work."""

    def __init__(self, total: int, label: str) -> None:
        self.total, self.label = total, label
        out = _err()
        self._bar: Progress | None = None
        self._task: Any = None
        self._next = 0
        if out.is_terminal:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=out,
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(label, total=total)

    def update(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done)
        elif done >= self._next or done == self.total:
            click.echo(f"{self.label}: {done:,} of {self.total:,} entries", err=True)
            self._next = done + max(1, self.total // 10)

    def stop(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _counts_table(entries: VerifiedEntries) -> Table:
    counts = Counter(
        (op.value, kind.value if kind is not None else "-")
        for op, kind in zip(entries.ops, entries.kinds, strict=True)
    )
    table = Table(title="entries by op and kind")
    for col in ("op", "kind", "entries"):
        table.add_column(col)
    for (op, kind), n in sorted(counts.items()):
        table.add_row(cell(op), cell(kind), cell(f"{n:,}"))
    return table


def _body_line(entries: VerifiedEntries) -> str:
    present = sum(b is not None for b in entries.bodies)
    invalid = sum(v is False for v in entries.valid)
    return (
        f"bodies: {present:,} served and matching their leaves ({invalid:,} failing their "
        f"schema), {len(entries) - present:,} null (no body, erased or federation-only)"
    )


def _check_earlier(
    earlier: SignedCheckpoint, update: VerifiedUpdate, evidence_out: Path | None, url: str
) -> str:
    """That the verified log extends ``earlier``; else fail (with evidence when asked)."""
    m, cp = earlier.size, update.checkpoint
    if m > cp.size:
        raise CliFailure(
            f"consistency: the node's checkpoint (size {cp.size}) is older than the earlier "
            f"one (size {m}); ask a node that is up to date"
        )
    if m == 0:
        at_m = merkle.EMPTY_ROOT
    else:
        plan = merkle.root_plan(m)
        hashes = subtree_hashes(update.nodes, set(plan))
        at_m = merkle.fold([hashes[node] for node in plan])
    if at_m == earlier.root:
        return f"consistency: the log extends the earlier checkpoint of size {m}"
    if evidence_out is not None:
        if m == cp.size or m == 0:
            proof: list[bytes] = []
        else:
            nodes = subtree_hashes(update.nodes, merkle.plan_nodes(fork_plan(m, cp.size)))
            proof = fork_path_from_nodes(nodes, m, cp.size)
        item = evidence_item(
            cp.origin,
            earlier.note,
            cp.note,
            proof,
            detail=f"the log of size {cp.size} does not extend the checkpoint of size {m}",
            sources=("earlier checkpoint file", url),
            found_at=now_ts(),
        )
        _write(evidence_out, encode_evidence([item]))
    raise CliFailure(
        f"consistency: EQUIVOCATION: the signed log of size {cp.size} has another root at size "
        f"{m} than the earlier checkpoint"
        + (f"; evidence written to {evidence_out}" if evidence_out is not None else "")
    )


@audit.command("log")
@click.option("--node", "node_url", required=True, help="Base URL of a node serving ORIGIN.")
@click.argument("origin", callback=_origin)
@vkey_option
@click.option(
    "--from-checkpoint",
    "earlier_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A checkpoint note seen earlier: the log must extend it.",
)
@click.option(
    "--evidence-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write evidence if the log does not extend --from-checkpoint.",
)
@handle_errors
def audit_log(
    node_url: str,
    origin: str,
    vkeys: list[Verifier],
    earlier_path: Path | None,
    evidence_out: Path | None,
) -> None:
    """Download ORIGIN's whole log from a node and verify every entry against its checkpoint.

    Every leaf is parsed and hashed, every body served checked against its leaf, and the
    recomputed root compared with the signed one. Prints the counts per op and kind.
    """
    earlier: SignedCheckpoint | None = None
    if earlier_path is not None:
        try:
            earlier = open_checkpoint(_read(earlier_path), origin, vkeys)
        except ProtocolError as e:
            raise CliFailure(f"earlier checkpoint {earlier_path}: {e}") from e
    limits = Limits()

    async def go(session: aiohttp.ClientSession) -> VerifiedUpdate:
        client = PeerClient(session, node_url, limits)
        try:
            cp = open_checkpoint(await client.checkpoint(origin), origin, vkeys)
        except ProtocolError as e:
            raise CliFailure(f"checkpoint: {e}") from e
        click.echo(f"checkpoint: {origin} size {cp.size:,}, signature verified", err=True)
        progress = _Progress(cp.size, f"verifying {origin}")
        try:
            return await verify_log(client, cp, batch=limits.max_batch, on_batch=progress.update)
        except (ProtocolError, SyncError) as e:
            raise CliFailure(f"log: {e}") from e
        finally:
            progress.stop()

    update = _session_run(go)
    cp = update.checkpoint
    entries = update.entries
    assert isinstance(entries, VerifiedEntries)
    click.echo(
        f"log: all {cp.size:,} entries of {origin} verified; they reproduce the signed root "
        f"{_b64(cp.root)}"
    )
    click.echo(_body_line(entries))
    if earlier is not None:
        click.echo(_check_earlier(earlier, update, evidence_out, node_url))
    Console(highlight=False).print(_counts_table(entries))


# -- compare -------------------------------------------------------------------------------------


def _print_comparison(result: Comparison) -> None:
    for v in result.views:
        for url in v.urls:
            click.echo(f"{url}  size {v.size:,}  root {_b64(v.checkpoint.root)}")
    for url, why in result.problems:
        click.echo(f"node problem: {url}: {why}", err=True)
    for c in result.conflicts:
        click.echo(
            f"CONFLICT: {', '.join(c.small.urls)} (size {c.small.size:,}) vs "
            f"{', '.join(c.large.urls)} (size {c.large.size:,}): {c.reason}"
        )
        for label, view in (("A", c.small), ("B", c.large)):
            click.echo(f"--- signed note {label} (from {view.urls[0]}) ---")
            click.echo(view.checkpoint.note.decode("utf-8", "replace"), nl=False)
        click.echo("---")


@audit.command("compare")
@click.argument("origin", callback=_origin)
@click.argument("urls", metavar="URL...", nargs=-1, required=True)
@vkey_option
@click.option(
    "--evidence-out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write an evidence file (for `audit verify-evidence`) when checkpoints conflict.",
)
@handle_errors
def audit_compare(
    origin: str, urls: tuple[str, ...], vkeys: list[Verifier], evidence_out: Path | None
) -> None:
    """Compare ORIGIN's checkpoints as several nodes (URL...) show them (split views).

    Every pair must be consistent: same size, same root; different sizes, a consistency proof
    (from the node with the larger tree) that verifies. Two conflicting signed notes are
    printed as evidence. Exit 1 on a conflict or if a node could not be checked.
    """
    limits = Limits()
    unique = list(dict.fromkeys(u.rstrip("/") for u in urls))

    async def go(session: aiohttp.ClientSession) -> Comparison:
        clients = {u: PeerClient(session, u, limits) for u in unique}
        return await compare_nodes(clients, origin, vkeys, batch=limits.max_batch)

    result = _session_run(go)
    _print_comparison(result)
    if result.conflicts and evidence_out is not None:
        items = [
            evidence_item(
                origin,
                c.small.checkpoint.note,
                c.large.checkpoint.note,
                c.proof,
                detail=c.reason,
                sources=(c.small.urls[0], c.large.urls[0]),
                found_at=now_ts(),
            )
            for c in result.conflicts
        ]
        _write(evidence_out, encode_evidence(items))
        click.echo(f"evidence written to {evidence_out}", err=True)
    if result.conflicts:
        fail(f"EQUIVOCATION: {origin} signed {len(result.conflicts)} conflicting pair(s) of notes")
    if result.problems:
        fail(f"{len(result.problems)} node(s) could not be checked")
    sizes = ", ".join(f"{v.size:,}" for v in result.views)
    click.echo(f"consistent: {len(unique)} node(s), checkpoint size(s) {sizes}")


# -- evidence ------------------------------------------------------------------------------------


@audit.command("export-evidence")
@home_option
@click.option("--origin", callback=_origin, help="Only evidence against this origin.")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def audit_export_evidence(home: Path | None, origin: str | None, file: Path) -> None:
    """Write the equivocation evidence this node found while pulling to FILE ('-': stdout).

    The file is what `GET /v1/evidence` serves; anyone can check it offline with
    `federation audit verify-evidence`.
    """

    async def go() -> list[EvidenceRow]:
        async with await Node.open(get_home(home)) as node:
            return await node.store.evidence(origin)

    rows = asyncio.run(go())
    if not rows:
        raise CliFailure(
            "no equivocation evidence in this store" + (f" for {origin}" if origin else "")
        )
    _write(file, encode_evidence([evidence_json(r) for r in rows]))
    if str(file) != "-":
        click.echo(f"wrote {len(rows)} evidence item(s) to {file}", err=True)


@audit.command("verify-evidence")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@vkey_option
@handle_errors
def audit_verify_evidence(file: Path, vkeys: list[Verifier]) -> None:
    """Check an evidence FILE offline: exit 0 if it proves equivocation, 1 if not.

    Each item must hold two checkpoint notes validly signed by the origin (--vkey) that cannot
    both be true: same size with different roots, or a fork path showing the larger tree had
    another root at the smaller size.
    """
    report = verify_evidence(_read(file), vkeys)
    if report.failure is not None:
        fail(f"evidence not proven: {report.failure}")
    for r in report.items:
        who = r.origin or "?"
        if r.proven:
            assert r.sizes is not None
            click.echo(
                f"item {r.index + 1}: {who}: PROVEN equivocation (sizes {r.sizes[0]:,} and "
                f"{r.sizes[1]:,}): {r.reason}"
            )
        else:
            click.echo(f"item {r.index + 1}: {who}: not proven: {r.failure}")
    if not report.proven:
        fail("evidence not proven")
    click.echo(f"proven: {len(report.items)} item(s)")
