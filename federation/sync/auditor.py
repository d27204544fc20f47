"""The network side of the auditor commands (DESIGN §8): fetch through :class:`PeerClient`.

What is fetched here is checked by the pure core (``federation.protocol.audit``, ``update``,
``merkle``): a record bundle, a whole log against its checkpoint, and the checkpoints one origin
shows to several nodes (split-view detection). Bad data from a node raises
:class:`PeerProtocolError`; an unreachable node :class:`PeerUnavailable`. The *origin* is blamed
only with two notes it signed that cannot both be true, never because a node served bad data
(ADR 0006): a failed consistency proof is settled by re-reading the larger log from leaf 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from federation.protocol import merkle
from federation.protocol.audit import Bundle
from federation.protocol.checkpoint import SignedCheckpoint, open_checkpoint, parse_checkpoint_text
from federation.protocol.entry import Op, parse_leaf
from federation.protocol.errors import ProofError, ProtocolError
from federation.protocol.forkpath import fork_path_from_leaves
from federation.protocol.note import Verifier, parse_note
from federation.protocol.update import UpdateVerifier, VerifiedUpdate, WireEntry
from federation.sync.client import PeerClient
from federation.sync.errors import PeerProtocolError, SyncError

# -- bundles -------------------------------------------------------------------------------------


def _hint_seq(doc: Mapping[str, Any] | None) -> int | None:
    """The index of a record's current leaf from a read-API answer, if it names one."""
    if doc is None:
        return None
    for holder in (doc, doc.get("provenance"), doc.get("record")):
        if isinstance(holder, Mapping):
            for name in ("seq", "index"):
                value = holder.get(name)
                if type(value) is int and value >= 0:
                    return value
    return None


def _is_record_leaf(entry: WireEntry, kind: str, record_id: str) -> bool:
    try:
        leaf = parse_leaf(entry.leaf)
    except ProtocolError:
        return False
    return leaf.op is not Op.KEY and leaf.kind == kind and leaf.id == record_id


async def scan_for_record(
    client: PeerClient, origin: str, kind: str, record_id: str, size: int, batch: int
) -> WireEntry | None:
    """The latest entry of ``kind``/``record_id`` among the first ``size`` entries of the log."""
    found: WireEntry | None = None
    needle = f'"id":"{record_id}"'.encode()
    start = 0
    while start < size:
        got = await client.entries(origin, start, min(batch, size - start))
        if not got:
            raise PeerProtocolError(f"{origin}: no entries from {start} (truncated log?)")
        for entry in got[: size - start]:
            if needle in entry.leaf and _is_record_leaf(entry, kind, record_id):
                found = entry
        start += len(got)
    return found


async def build_bundle(
    client: PeerClient,
    origin: str,
    kind: str,
    record_id: str,
    *,
    scan: bool = False,
    batch: int = 1000,
) -> Bundle | None:
    """A bundle for the latest leaf of a record in the node's current checkpoint, or None.

    The index comes from the node's read API (``GET /v1/records/…``) when it has one and
    ``scan`` is off; otherwise (or when that answer does not check out) from scanning
    ``/entries``. The bundle is checked against the (not yet trusted) checkpoint before it is
    returned, so a node serving inconsistent data is caught here.
    """
    note = await client.checkpoint(origin)
    try:
        cp = parse_checkpoint_text(parse_note(note).text)
    except ProtocolError as e:
        raise PeerProtocolError(f"{origin}: checkpoint: {e}", reason=e.code) from e
    if cp.origin != origin:
        raise PeerProtocolError(f"the checkpoint served for {origin} is for {cp.origin}")
    entry: WireEntry | None = None
    if not scan:
        seq = _hint_seq(await client.record(origin, kind, record_id))
        if seq is not None and seq < cp.size:
            got = await client.entries(origin, seq, 1)
            if got and _is_record_leaf(got[0], kind, record_id):
                entry = got[0]
    if entry is None:
        entry = await scan_for_record(client, origin, kind, record_id, cp.size, batch)
    if entry is None:
        return None
    proof = await client.inclusion(origin, entry.seq, cp.size)
    bundle = Bundle(origin, kind, record_id, entry.seq, entry.leaf, entry.body, note, tuple(proof))
    try:
        merkle.verify_inclusion(merkle.leaf_hash(entry.leaf), entry.seq, cp.size, proof, cp.root)
    except ProofError as e:
        raise PeerProtocolError(f"{origin}: the node's inclusion proof fails: {e}") from e
    if entry.body is not None and not parse_leaf(entry.leaf).matches_body(entry.body):
        raise PeerProtocolError(f"{origin}: the node's body does not match leaf {entry.seq}")
    return bundle


# -- whole logs ----------------------------------------------------------------------------------


async def verify_log(
    client: PeerClient,
    cp: SignedCheckpoint,
    *,
    batch: int = 1000,
    on_batch: Callable[[int], None] | None = None,
) -> VerifiedUpdate:
    """Download every entry below ``cp.size`` and verify it from the empty tree (§10).

    Raises :class:`ProtocolError` (from the verifier) when the entries do not verify, and
    :class:`SyncError` when the node cannot be read. ``on_batch`` gets the entries done so far.
    """
    verifier = UpdateVerifier(cp.origin, 0, (), cp)
    while verifier.size < cp.size:
        start = verifier.size
        got = await client.entries(cp.origin, start, min(batch, cp.size - start))
        if not got:
            raise PeerProtocolError(f"{cp.origin}: no entries from {start} (truncated log?)")
        verifier.add_batch(got[: cp.size - start])
        if on_batch is not None:
            on_batch(verifier.size)
    return verifier.finish()


def subtree_hashes(
    nodes: Sequence[tuple[merkle.Node, bytes]], wanted: set[merkle.Node]
) -> dict[merkle.Node, bytes]:
    """The hashes of ``wanted`` complete subtrees among a verified update's tree nodes."""
    return {node: h for node, h in nodes if node in wanted}


# -- split views ---------------------------------------------------------------------------------


@dataclass
class View:
    """One verified checkpoint of the origin and the nodes that served it."""

    checkpoint: SignedCheckpoint
    urls: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return self.checkpoint.size


@dataclass(frozen=True)
class Conflict:
    """Two checkpoints the origin signed that cannot both be true (``small.size <= large``)."""

    small: View
    large: View
    proof: list[bytes]
    reason: str


@dataclass
class Comparison:
    views: list[View] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (url, what went wrong)


async def compare_nodes(
    clients: Mapping[str, PeerClient],
    origin: str,
    keys: Sequence[Verifier],
    *,
    batch: int = 1000,
) -> Comparison:
    """Gather ``origin``'s checkpoint from every node and check every pair of them.

    Same size: the roots must be equal. Sizes ``m < n``: the consistency proof fetched from
    a node showing ``n`` must verify; if it does not, that node's log is re-read from leaf 0:
    if it reproduces its signed root and its root at ``m`` differs, the origin forked
    (a :class:`Conflict` with the fork path); otherwise the node served bad data.
    """
    out = Comparison()
    by_root: dict[tuple[int, bytes], View] = {}
    for url, client in clients.items():
        try:
            cp = open_checkpoint(await client.checkpoint(origin), origin, keys)
        except (SyncError, ProtocolError) as e:
            out.problems.append((url, f"checkpoint: {e}"))
            continue
        view = by_root.setdefault((cp.size, cp.root), View(cp))
        view.urls.append(url)
    out.views = sorted(by_root.values(), key=lambda v: (v.size, v.urls[0]))
    for i, small in enumerate(out.views):
        for large in out.views[i + 1 :]:
            try:
                conflict = await _compare(clients, small, large, batch)
            except (SyncError, ProtocolError) as e:
                out.problems.append((large.urls[0], str(e)))
                continue
            if conflict is not None:
                out.conflicts.append(conflict)
    return out


async def _compare(
    clients: Mapping[str, PeerClient], small: View, large: View, batch: int
) -> Conflict | None:
    m, n = small.size, large.size
    a, b = small.checkpoint, large.checkpoint
    if m == n:
        return Conflict(small, large, [], f"same size {m}, different roots")
    if m == 0:
        if a.root == merkle.EMPTY_ROOT:
            return None
        return Conflict(small, large, [], "a size-0 checkpoint whose root is not the empty root")
    client = clients[large.urls[0]]
    proof = await client.consistency(b.origin, m, n)
    try:
        merkle.verify_consistency(m, n, proof, a.root, b.root)
    except ProofError as e:
        why = f"consistency proof {m} -> {n}: {e}"
    else:
        return None
    hashes = await _leaf_hashes(client, b, batch)
    if merkle.root_of(hashes) != b.root:
        raise PeerProtocolError(f"{why}; and its entries do not reproduce its own checkpoint")
    if merkle.root_of(hashes[:m]) == a.root:
        raise PeerProtocolError(f"{why}; yet its log extends the size-{m} tree (bad proof)")
    path = fork_path_from_leaves(hashes, m, n)
    return Conflict(small, large, path, f"fork at size {m}: the size-{n} tree has another root")


async def _leaf_hashes(client: PeerClient, cp: SignedCheckpoint, batch: int) -> list[bytes]:
    hashes: list[bytes] = []
    while len(hashes) < cp.size:
        start = len(hashes)
        got = await client.entries(cp.origin, start, min(batch, cp.size - start))
        if not got:
            raise PeerProtocolError(f"{cp.origin}: no entries from {start} (truncated log?)")
        hashes.extend(merkle.leaf_hash(e.leaf) for e in got[: cp.size - start])
    return hashes
