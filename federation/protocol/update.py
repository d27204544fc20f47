"""Verifying a pulled update of one origin's log, before anything is stored (DESIGN §5).

Bytes in, a :class:`VerifiedUpdate` out. The puller feeds batches of wire entries into an
:class:`UpdateVerifier` that starts from the *stored* compact range of the origin; the update
is only accepted if the recomputed root equals the root of the checkpoint that verified under
the origin's pinned key. Each body must hash to its leaf's ``body`` reference and is then
validated by kind: a schema violation does not reject the update (the leaf is part of the
signed log) but keeps the record out of the records view, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import orjson

from federation.protocol import merkle
from federation.protocol.checkpoint import SignedCheckpoint
from federation.protocol.entry import Leaf, Op, parse_leaf
from federation.protocol.errors import MalformedError, RecordError, VerificationError
from federation.protocol.records import RecordSummary, summarize, validate_body


@dataclass(frozen=True, slots=True)
class WireEntry:
    """One NDJSON line of ``/entries``: exact leaf bytes and body bytes (or None)."""

    seq: int
    leaf: bytes
    body: bytes | None


@dataclass(frozen=True, slots=True)
class VerifiedEntry:
    leaf: Leaf
    body: bytes | None
    valid: bool | None
    reason: str | None
    summary: RecordSummary | None


@dataclass(frozen=True)
class VerifiedUpdate:
    """Entries ``[old_size, checkpoint.size)`` of ``origin`` proven to match the checkpoint."""

    origin: str
    old_size: int
    checkpoint: SignedCheckpoint
    entries: tuple[VerifiedEntry, ...]
    nodes: tuple[tuple[merkle.Node, bytes], ...]
    frontier: tuple[bytes, ...]

    @property
    def new_size(self) -> int:
        return self.checkpoint.size


def iter_ndjson_entries(data: bytes, start: int) -> Iterator[WireEntry]:
    """Parse an ``/entries`` response strictly; seqs must run consecutively from ``start``."""
    expected = start
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = orjson.loads(line)
        except orjson.JSONDecodeError as e:
            raise MalformedError(f"entries line {n} is not JSON: {e}") from e
        if not isinstance(obj, dict) or set(obj) != {"seq", "leaf", "body"}:
            raise MalformedError(f"entries line {n} must be an object with seq, leaf and body")
        seq, leaf, body = obj["seq"], obj["leaf"], obj["body"]
        if type(seq) is not int or seq != expected:
            raise MalformedError(f"entries line {n}: expected seq {expected}, got {seq!r}")
        if not isinstance(leaf, str) or not (body is None or isinstance(body, str)):
            raise MalformedError(f"entries line {n}: leaf must be a string, body a string or null")
        expected += 1
        yield WireEntry(seq, leaf.encode(), body.encode() if body is not None else None)


@dataclass
class UpdateVerifier:
    """Incrementally verify entries appended to a stored log, then :meth:`finish`."""

    origin: str
    old_size: int
    old_frontier: tuple[bytes, ...]
    checkpoint: SignedCheckpoint
    _range: merkle.CompactRange = field(init=False)
    _entries: list[VerifiedEntry] = field(init=False, default_factory=list)
    _nodes: list[tuple[merkle.Node, bytes]] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        if self.checkpoint.origin != self.origin:
            raise VerificationError("checkpoint is for another origin")
        if self.checkpoint.size < self.old_size:
            raise VerificationError(
                f"checkpoint size {self.checkpoint.size} is behind the stored size {self.old_size}"
            )
        self._range = merkle.CompactRange(self.old_size, self.old_frontier)

    @property
    def size(self) -> int:
        return self._range.size

    @property
    def remaining(self) -> int:
        return self.checkpoint.size - self._range.size

    def add(self, entry: WireEntry) -> None:
        """Verify one entry; raises a ProtocolError subclass on any mismatch."""
        seq = self._range.size
        if entry.seq != seq:
            raise MalformedError(f"expected entry {seq}, got {entry.seq}")
        if seq >= self.checkpoint.size:
            raise VerificationError(f"entry {seq} is beyond the checkpoint size")
        leaf = parse_leaf(entry.leaf)
        if leaf.seq != seq:
            raise VerificationError(f"leaf at index {seq} claims seq {leaf.seq}")
        valid: bool | None = None
        reason: str | None = None
        summary: RecordSummary | None = None
        body = entry.body
        if body is not None:
            if leaf.op is not Op.PUT:
                raise VerificationError(f"entry {seq}: a {leaf.op.value} entry carries a body")
            if not leaf.matches_body(body):
                raise VerificationError(f"entry {seq}: body does not match the leaf's hash")
            assert leaf.kind is not None
            try:
                model = validate_body(leaf.kind, body)
            except RecordError as e:
                valid, reason = False, str(e)
            else:
                body_id = getattr(model, "id", None)
                if body_id != leaf.id:
                    valid, reason = False, f"body id {body_id!r} differs from leaf id {leaf.id!r}"
                else:
                    valid, summary = True, summarize(leaf.kind, model)
        self._nodes.extend(self._range.append(merkle.leaf_hash(entry.leaf)))
        self._entries.append(VerifiedEntry(leaf, body, valid, reason, summary))

    def finish(self) -> VerifiedUpdate:
        if self._range.size != self.checkpoint.size:
            raise VerificationError(
                f"got {self._range.size} of {self.checkpoint.size} entries (truncated response?)"
            )
        if self._range.root() != self.checkpoint.root:
            raise VerificationError("the entries do not reproduce the signed root")
        return VerifiedUpdate(
            origin=self.origin,
            old_size=self.old_size,
            checkpoint=self.checkpoint,
            entries=tuple(self._entries),
            nodes=tuple(self._nodes),
            frontier=tuple(self._range.hashes),
        )


def root_at_prefix(leaves: list[bytes], size: int) -> bytes:
    """Root of the first ``size`` leaves (used to prove an equivocation from a full log)."""
    return merkle.root_of(merkle.leaf_hash(x) for x in leaves[:size])
