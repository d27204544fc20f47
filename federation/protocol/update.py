"""Verifying a pulled update of one origin's log, before anything is stored (DESIGN §5).

Bytes in, a :class:`VerifiedUpdate` out. The puller feeds batches of wire entries into an
:class:`UpdateVerifier` that starts from the *stored* compact range of the origin; the update
is only accepted if the recomputed root equals the root of the checkpoint that verified under
the origin's pinned key. Each body must hash to its leaf's ``body`` reference and is then
validated by kind: a schema violation does not reject the update (the leaf is part of the
signed log) but keeps the record out of the records view, with the reason.

An update can hold a whole log (10⁵ entries and more) until its root is checked, so the
verified entries and tree hashes are kept column-wise (:class:`VerifiedEntries`,
:class:`TreeNodes`): a few list slots and packed bytes per entry instead of several Python
objects, which keeps memory and garbage-collection work proportional to the data itself.
"""

from __future__ import annotations

import json
import time
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from hashlib import sha256
from typing import NamedTuple, overload

import orjson

from federation.protocol import merkle
from federation.protocol.checkpoint import SignedCheckpoint
from federation.protocol.entry import (
    CANONICAL_PUT_RE,
    KINDS,
    MAX_LEAF_BYTES,
    VISIBILITIES,
    Kind,
    Leaf,
    Op,
    Visibility,
    body_ref,
    is_leaf_time,
    parse_leaf,
)
from federation.protocol.errors import (
    MalformedError,
    ProtocolError,
    RecordError,
    VerificationError,
)
from federation.protocol.note import parse_vkey
from federation.protocol.records import (
    RecordSummary,
    SummaryFields,
    summarize_fields,
    validate_body,
)


def title_utf8(title: dict[str, str]) -> bytes:
    """``json.dumps(title, ensure_ascii=False).encode()``, the way stores keep a title map.

    Built from orjson's string encoding, which is json's with ``ensure_ascii=False`` for every
    string (both escape exactly ``"``, ``\\`` and the C0 controls, alike); several times faster.
    """
    dumps = orjson.dumps
    return b"{%b}" % b", ".join([dumps(k) + b": " + dumps(v) for k, v in title.items()])


class CompactSummary(NamedTuple):
    """A :class:`RecordSummary` in a third of the memory, for holding a whole log's worth.

    The title map is kept as its JSON text in UTF-8 (:func:`title_utf8`): one bytes object
    instead of a dict of strs (which most EU languages make two bytes a character).
    """

    title_utf8: bytes
    country: str | None
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    updated_at: str
    start: str | None

    @classmethod
    def of(cls, s: RecordSummary) -> CompactSummary:
        return cls(
            title_utf8(s.title),
            s.country,
            s.countries,
            s.languages,
            s.themes,
            s.updated_at,
            s.start,
        )

    def expand(self) -> RecordSummary:
        return RecordSummary(
            json.loads(self.title_utf8),
            self.country,
            self.countries,
            self.languages,
            self.themes,
            self.updated_at,
            self.start,
        )


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


class VerifiedEntries(Sequence[VerifiedEntry]):
    """Consecutive verified entries, stored column-wise; indexing builds a :class:`VerifiedEntry`.

    The columns are what a store writes (``start + i`` is the seq of row ``i``); ``kinds``,
    ``ids`` and ``vis`` are ``None`` where the leaf has no such field. Key leaves keep their
    ``vkey`` in ``vkeys`` (by row); summaries are kept as :class:`CompactSummary`. Build with
    :meth:`append` or :meth:`of`.
    """

    __slots__ = (
        "_ts_seen",
        "bodies",
        "ids",
        "kinds",
        "leaves",
        "ops",
        "reasons",
        "start",
        "summaries",
        "ts",
        "valid",
        "vis",
        "vkeys",
    )

    def __init__(self, start: int) -> None:
        self.start = start
        self.leaves: list[bytes] = []
        self.ts: list[str] = []
        self.ops: list[Op] = []
        self.kinds: list[Kind | None] = []
        self.ids: list[str | None] = []
        self.vis: list[Visibility | None] = []
        self.bodies: list[bytes | None] = []
        self.valid: list[bool | None] = []
        self.reasons: list[str | None] = []
        self.summaries: list[CompactSummary | None] = []
        self.vkeys: dict[int, str] = {}
        self._ts_seen: dict[str, str] = {}  # one str object per distinct timestamp

    @classmethod
    def of(cls, entries: Iterable[VerifiedEntry]) -> VerifiedEntries:
        """Columns of entries that already exist as objects (consecutive seqs)."""
        out: VerifiedEntries | None = None
        for e in entries:
            if out is None:
                out = cls(e.leaf.seq)
            out.append(e.leaf, e.body)
            out.set_validation(len(out) - 1, e.valid, e.reason, e.summary)
        return out if out is not None else cls(0)

    def append(self, leaf: Leaf, body: bytes | None) -> None:
        if leaf.seq != self.start + len(self.leaves):
            raise ValueError(f"entry {leaf.seq} does not follow {self.start + len(self.leaves)}")
        if leaf.vkey is not None:
            self.vkeys[len(self.leaves)] = leaf.vkey
        self.push(leaf.raw, leaf.ts, leaf.op, leaf.kind, leaf.id, leaf.vis, body)

    def push(
        self,
        raw: bytes,
        ts: str,
        op: Op,
        kind: Kind | None,
        rid: str | None,
        vis: Visibility | None,
        body: bytes | None,
    ) -> None:
        """Append the next row from its parts (the verifier's path; no checks, no vkey)."""
        self.leaves.append(raw)
        self.ts.append(self._ts_seen.setdefault(ts, ts))
        self.ops.append(op)
        self.kinds.append(kind)
        self.ids.append(rid)
        self.vis.append(vis)
        self.bodies.append(body)
        self.valid.append(None)
        self.reasons.append(None)
        self.summaries.append(None)

    def key_changes(self) -> list[tuple[str, str]]:
        """``(vkey, ts)`` of the key-rotation entries among these rows, in log order."""
        return [(vkey, self.ts[i]) for i, vkey in sorted(self.vkeys.items())]

    def set_validation(
        self, i: int, valid: bool | None, reason: str | None, summary: RecordSummary | None
    ) -> None:
        self.valid[i] = valid
        self.reasons[i] = reason
        self.summaries[i] = CompactSummary.of(summary) if summary is not None else None

    def set_valid(self, i: int, fields: SummaryFields) -> None:
        """Row ``i`` holds a valid body with the summary of these fields."""
        title, country, countries, languages, themes, updated_at, start = fields
        self.valid[i] = True
        self.reasons[i] = None
        self.summaries[i] = CompactSummary(
            title_utf8(title), country, countries, languages, themes, updated_at, start
        )

    def leaf(self, i: int) -> Leaf:
        """The parsed leaf of row ``i`` (rebuilt from the columns, not re-parsed)."""
        body = self.bodies[i]
        op = self.ops[i]
        if op is Op.PUT and body is None:
            ref = parse_leaf(self.leaves[i]).body  # the reference is not kept without a body
        else:
            ref = body_ref(body) if body is not None else None  # verified equal to the leaf's
        return Leaf(
            self.leaves[i],
            self.start + i,
            self.ts[i],
            op,
            self.kinds[i],
            self.ids[i],
            ref,
            self.vis[i],
            self.vkeys.get(i),
        )

    def __len__(self) -> int:
        return len(self.leaves)

    @overload
    def __getitem__(self, i: int) -> VerifiedEntry: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[VerifiedEntry]: ...

    def __getitem__(self, i: int | slice) -> VerifiedEntry | Sequence[VerifiedEntry]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        summary = self.summaries[i]
        return VerifiedEntry(
            self.leaf(i),
            self.bodies[i],
            self.valid[i],
            self.reasons[i],
            summary.expand() if summary is not None else None,
        )


class TreeNodes(Sequence[tuple[merkle.Node, bytes]]):
    """Complete-subtree hashes in the order they were completed, packed (48 bytes a node)."""

    __slots__ = ("_hashes", "_indexes", "_levels")

    def __init__(self, nodes: Iterable[tuple[merkle.Node, bytes]] = ()) -> None:
        self._levels = array("B")
        self._indexes = array("q")
        self._hashes = bytearray()
        self.extend(nodes)

    def extend(self, nodes: Iterable[tuple[merkle.Node, bytes]]) -> None:
        for node, h in nodes:
            if len(h) != merkle.HASH_SIZE:
                raise ValueError("tree hashes are SHA-256 hashes")
            self._levels.append(node.level)
            self._indexes.append(node.index)
            self._hashes += h

    def rows(self) -> Iterator[tuple[int, int, bytes]]:
        """``(level, index, hash)`` of every node, without building Node objects."""
        hashes = self._hashes
        for n, (level, index) in enumerate(zip(self._levels, self._indexes, strict=True)):
            yield level, index, bytes(hashes[n * 32 : n * 32 + 32])

    def __len__(self) -> int:
        return len(self._levels)

    @overload
    def __getitem__(self, i: int) -> tuple[merkle.Node, bytes]: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[tuple[merkle.Node, bytes]]: ...

    def __getitem__(
        self, i: int | slice
    ) -> tuple[merkle.Node, bytes] | Sequence[tuple[merkle.Node, bytes]]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        node = merkle.Node(self._levels[i], self._indexes[i])
        return node, bytes(self._hashes[i * 32 : i * 32 + 32])

    def __iter__(self) -> Iterator[tuple[merkle.Node, bytes]]:
        for level, index, h in self.rows():
            yield merkle.Node(level, index), h


@dataclass(frozen=True)
class VerifiedUpdate:
    """Entries ``[old_size, checkpoint.size)`` of ``origin`` proven to match the checkpoint.

    After :meth:`UpdateVerifier.take`, ``entries`` and ``nodes`` hold only the rows verified
    since the last take (``entries.start`` > ``old_size``); the others went to the store
    already.
    """

    origin: str
    old_size: int
    checkpoint: SignedCheckpoint
    entries: Sequence[VerifiedEntry]
    nodes: Sequence[tuple[merkle.Node, bytes]]
    frontier: tuple[bytes, ...]

    @property
    def new_size(self) -> int:
        return self.checkpoint.size

    @property
    def key_changes(self) -> list[tuple[str, str]]:
        """``(vkey, ts)`` of the verified key-rotation entries, in log order."""
        e = self.entries
        if isinstance(e, VerifiedEntries):
            return e.key_changes()
        return [(x.leaf.vkey, x.leaf.ts) for x in e if x.leaf.vkey is not None]


_WIRE_KEYS = frozenset({"seq", "leaf", "body"})


def iter_ndjson_entries(data: bytes, start: int) -> Iterator[WireEntry]:
    """Parse an ``/entries`` response strictly; seqs must run consecutively from ``start``."""
    expected = start
    loads = orjson.loads
    for n, line in enumerate(data.split(b"\n"), start=1):
        if not line or line.isspace():
            continue
        try:
            obj = loads(line)
        except orjson.JSONDecodeError as e:
            raise MalformedError(f"entries line {n} is not JSON: {e}") from e
        if type(obj) is not dict or obj.keys() != _WIRE_KEYS:
            raise MalformedError(f"entries line {n} must be an object with seq, leaf and body")
        seq, leaf, body = obj["seq"], obj["leaf"], obj["body"]
        if type(seq) is not int or seq != expected:
            raise MalformedError(f"entries line {n}: expected seq {expected}, got {seq!r}")
        if type(leaf) is not str or not (body is None or type(body) is str):
            raise MalformedError(f"entries line {n}: leaf must be a string, body a string or null")
        expected += 1
        yield WireEntry(seq, leaf.encode(), body.encode() if body is not None else None)


@dataclass
class UpdateVerifier:
    """Incrementally verify entries appended to a stored log, then :meth:`finish`.

    Feed whole ``/entries`` responses with :meth:`add_page` (the puller's path: the NDJSON is
    parsed and verified in one pass), or parsed entries with :meth:`add_batch` (or
    :meth:`add`); both check and refuse alike. Any error is final: the verifier must then be
    discarded. ``stats`` accumulates the seconds spent per stage.
    """

    origin: str
    old_size: int
    old_frontier: tuple[bytes, ...]
    checkpoint: SignedCheckpoint
    stats: dict[str, float] = field(init=False, default_factory=dict)
    _size: int = field(init=False)
    _stack: list[bytes] = field(init=False)  # the compact range: one hash per set bit of size
    _entries: VerifiedEntries = field(init=False)
    _nodes: TreeNodes = field(init=False, default_factory=TreeNodes)

    def __post_init__(self) -> None:
        if self.checkpoint.origin != self.origin:
            raise VerificationError("checkpoint is for another origin")
        if self.checkpoint.size < self.old_size:
            raise VerificationError(
                f"checkpoint size {self.checkpoint.size} is behind the stored size {self.old_size}"
            )
        self._stack = merkle.CompactRange(self.old_size, self.old_frontier).hashes
        self._size = self.old_size
        self._entries = VerifiedEntries(self.old_size)
        self.stats = {"parse, leaves, hashes": 0.0, "validate bodies": 0.0}

    @property
    def size(self) -> int:
        return self._size

    @property
    def remaining(self) -> int:
        return self.checkpoint.size - self._size

    def add(self, entry: WireEntry) -> None:
        """Verify one entry; raises a ProtocolError subclass on any mismatch."""
        self.add_batch((entry,))

    def add_batch(self, batch: Iterable[WireEntry]) -> None:
        """Verify entries in order; raises a ProtocolError subclass on any mismatch.

        Every leaf is parsed and hashed into the tree, and every body checked against its
        leaf's hash, before the bodies of the batch are validated against the record models
        (which never raises: a schema violation is recorded with the entry).
        """
        t0 = time.perf_counter()
        to_validate: list[tuple[int, Kind, str, bytes]] = []
        try:
            for entry in batch:
                if entry.seq != self._size:
                    raise MalformedError(f"expected entry {self._size}, got {entry.seq}")
                self._verify(entry.leaf, None, entry.body, to_validate)
        finally:
            self._validate_timed(t0, to_validate)

    def add_page(self, data: bytes, limit: int | None = None) -> int:
        """Parse and verify one ``/entries`` response body; returns the entries it held.

        The NDJSON is read as strictly as :func:`iter_ndjson_entries` reads it (one object
        with exactly ``seq``, ``leaf`` and ``body`` per non-blank line, seqs running on from
        :attr:`size`) and each entry is verified as :meth:`add_batch` does, in one pass
        without intermediate objects. Lines after the first ``limit`` entries are not read.
        """
        t0 = time.perf_counter()
        to_validate: list[tuple[int, Kind, str, bytes]] = []
        count = 0
        loads, verify = orjson.loads, self._verify
        try:
            for n, line in enumerate(data.split(b"\n"), start=1):
                if limit is not None and count >= limit:
                    break
                if not line or line.isspace():
                    continue
                try:
                    obj = loads(line)
                except orjson.JSONDecodeError as e:
                    raise MalformedError(f"entries line {n} is not JSON: {e}") from e
                if type(obj) is not dict or obj.keys() != _WIRE_KEYS:
                    raise MalformedError(
                        f"entries line {n} must be an object with seq, leaf and body"
                    )
                seq, leaf, body = obj["seq"], obj["leaf"], obj["body"]
                if type(seq) is not int or seq != self._size:
                    raise MalformedError(
                        f"entries line {n}: expected seq {self._size}, got {seq!r}"
                    )
                if type(leaf) is not str or not (body is None or type(body) is str):
                    raise MalformedError(
                        f"entries line {n}: leaf must be a string, body a string or null"
                    )
                verify(
                    leaf.encode(), leaf, body.encode() if body is not None else None, to_validate
                )
                count += 1
        finally:
            self._validate_timed(t0, to_validate)
        return count

    def _verify(
        self,
        raw: bytes,
        text: str | None,
        body: bytes | None,
        to_validate: list[tuple[int, Kind, str, bytes]],
    ) -> None:
        """Verify the leaf ``raw`` (``text``: its decoded text, if at hand) at index
        :attr:`size` with its ``body``, and append it to the tree and the columns."""
        seq = self._size
        if seq >= self.checkpoint.size:
            raise VerificationError(f"entry {seq} is beyond the checkpoint size")
        entries = self._entries
        if text is None and len(raw) <= MAX_LEAF_BYTES and raw.isascii():
            text = raw.decode("ascii")
        m = CANONICAL_PUT_RE.fullmatch(text) if text is not None else None
        if m is not None and is_leaf_time(m[2]):
            # the canonical put (entry.parse_canonical_leaf), decoded without a Leaf object
            if int(m[1]) != seq:
                raise VerificationError(f"leaf at index {seq} claims seq {m[1]}")
            kind, rid = KINDS[m[3]], m[4]
            if body is not None:
                if sha256(body).hexdigest() != m[5]:
                    raise VerificationError(f"entry {seq}: body does not match the leaf's hash")
                to_validate.append((seq - entries.start, kind, rid, body))
            entries.push(raw, m[2], Op.PUT, kind, rid, VISIBILITIES[m[6]], body)
        else:
            leaf = parse_leaf(raw)
            if leaf.seq != seq:
                raise VerificationError(f"leaf at index {seq} claims seq {leaf.seq}")
            if leaf.vkey is not None:
                self._check_rotation(seq, leaf.vkey)
            if body is not None:
                if leaf.op is not Op.PUT:
                    raise VerificationError(f"entry {seq}: a {leaf.op.value} entry carries a body")
                if not leaf.matches_body(body):
                    raise VerificationError(f"entry {seq}: body does not match the leaf's hash")
                assert leaf.kind is not None and leaf.id is not None  # a put leaf has both
                to_validate.append((seq - entries.start, leaf.kind, leaf.id, body))
            entries.append(leaf, body)
        # the leaf's hash and every complete subtree it completes (merkle.CompactRange.append)
        nodes = self._nodes
        h = sha256(b"\x00" + raw).digest()
        nodes._levels.append(0)
        nodes._indexes.append(seq)
        nodes._hashes += h
        stack, level = self._stack, 0
        while (seq >> level) & 1:
            h = sha256(b"\x01" + stack.pop() + h).digest()
            level += 1
            nodes._levels.append(level)
            nodes._indexes.append(seq >> level)
            nodes._hashes += h
        stack.append(h)
        self._size = seq + 1

    def _check_rotation(self, seq: int, vkey: str) -> None:
        """A ``key`` leaf must name a well-formed Ed25519 key of this same origin."""
        try:
            new = parse_vkey(vkey)
        except ProtocolError as e:
            raise VerificationError(f"entry {seq}: key rotation names a bad key: {e}") from e
        if new.name != self.origin:
            raise VerificationError(
                f"entry {seq}: key rotation names a key of {new.name!r}, not of {self.origin!r}"
            )

    def _validate_timed(self, t0: float, items: list[tuple[int, Kind, str, bytes]]) -> None:
        t1 = time.perf_counter()
        self._validate(items)
        self.stats["parse, leaves, hashes"] += t1 - t0
        self.stats["validate bodies"] += time.perf_counter() - t1

    def _validate(self, items: list[tuple[int, Kind, str, bytes]]) -> None:
        entries = self._entries
        for row, kind, leaf_id, body in items:
            try:
                model = validate_body(kind, body)
            except RecordError as e:
                entries.set_validation(row, False, str(e), None)
                continue
            body_id = getattr(model, "id", None)
            if body_id != leaf_id:
                reason = f"body id {body_id!r} differs from leaf id {leaf_id!r}"
                entries.set_validation(row, False, reason, None)
            else:
                entries.set_valid(row, summarize_fields(kind, model))

    def take(self) -> tuple[VerifiedEntries, TreeNodes]:
        """Hand over the entries and tree hashes verified since the last :meth:`take` (or the
        start) and go on with empty ones at :attr:`size`. For streaming a large update into
        the store's open merge transaction (ADR 0010): the rows are verified against their
        leaves and bodies but the root is not checked yet, so they may only be written where
        nothing commits before :meth:`finish` succeeds. :meth:`finish` then returns only the
        rows verified after the last ``take``."""
        entries, nodes = self._entries, self._nodes
        self._entries, self._nodes = VerifiedEntries(self._size), TreeNodes()
        return entries, nodes

    def finish(self) -> VerifiedUpdate:
        if self._size != self.checkpoint.size:
            raise VerificationError(
                f"got {self._size} of {self.checkpoint.size} entries (truncated response?)"
            )
        if merkle.fold(self._stack) != self.checkpoint.root:
            raise VerificationError("the entries do not reproduce the signed root")
        return VerifiedUpdate(
            origin=self.origin,
            old_size=self.old_size,
            checkpoint=self.checkpoint,
            entries=self._entries,
            nodes=self._nodes,
            frontier=tuple(self._stack),
        )
