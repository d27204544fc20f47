"""RFC 6962 / RFC 9162 Merkle trees: hashing, compact ranges, proof plans and verification.

Pure functions over bytes. Trees are never held in memory as a whole: a stored tree is a set of
*complete subtree* hashes addressed by :class:`Node` ``(level, index)``, covering leaves
``[index * 2**level, (index + 1) * 2**level)``. Proof generation is split in two steps so that a
store can fetch exactly the O(log n) hashes it needs in one query:

1. ``inclusion_plan`` / ``consistency_plan`` / ``root_plan`` say which complete subtrees each
   proof element is made of (pure arithmetic, no hashes);
2. ``assemble`` folds the fetched hashes into the proof (or root).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

from federation.protocol.errors import ProofError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Node(NamedTuple):
    """A complete subtree; level 0 is a leaf. Covers ``[index << level, (index+1) << level)``."""

    level: int
    index: int  # type: ignore[assignment]  # shadows tuple.index on purpose

    @property
    def begin(self) -> int:
        return self.index << self.level

    @property
    def end(self) -> int:
        return (self.index + 1) << self.level


Plan = list[list[Node]]
"""A proof plan: one entry per proof hash, each the left-to-right complete subtrees of a range."""


def _largest_power_of_two_below(n: int) -> int:
    """Largest power of two strictly less than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def range_nodes(begin: int, end: int) -> list[Node]:
    """The maximal aligned complete subtrees covering ``[begin, end)``, left to right."""
    if not 0 <= begin <= end:
        raise ValueError(f"bad range [{begin}, {end})")
    nodes: list[Node] = []
    while begin < end:
        level = (begin & -begin).bit_length() - 1 if begin else (end - begin).bit_length()
        while begin + (1 << level) > end:
            level -= 1
        nodes.append(Node(level, begin >> level))
        begin += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 hash of a range given its complete subtree hashes left to right."""
    if not hashes:
        return EMPTY_ROOT
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def root_plan(size: int) -> list[Node]:
    """The complete subtrees whose fold is the root of a tree of ``size`` leaves."""
    return range_nodes(0, size)


def inclusion_plan(index: int, size: int) -> Plan:
    """Ranges of the RFC 9162 inclusion proof (``PATH``) of leaf ``index`` in tree ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    out: list[tuple[int, int]] = []
    begin, end = 0, size
    while end - begin > 1:
        k = _largest_power_of_two_below(end - begin)
        if index < begin + k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
    return [range_nodes(b, e) for b, e in reversed(out)]


def consistency_plan(size1: int, size2: int) -> Plan:
    """Ranges of the RFC 9162 consistency proof between tree sizes ``size1 <= size2``."""
    if not 0 <= size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    if size1 == 0 or size1 == size2:
        return []
    out: list[tuple[int, int]] = []
    begin, end, m, complete = 0, size2, size1, True
    while True:
        size = end - begin
        if m == size:
            if not complete:
                out.append((begin, end))
            break
        k = _largest_power_of_two_below(size)
        if m <= k:
            out.append((begin + k, end))
            end = begin + k
        else:
            out.append((begin, begin + k))
            begin += k
            m -= k
            complete = False
    return [range_nodes(b, e) for b, e in reversed(out)]


def plan_nodes(plan: Iterable[Iterable[Node]]) -> set[Node]:
    """Every distinct node a plan needs (what a store must fetch)."""
    return {n for group in plan for n in group}


def assemble(plan: Plan, hashes: Mapping[Node, bytes]) -> list[bytes]:
    """Fold fetched subtree hashes into proof hashes. Raises ``KeyError`` if one is missing."""
    return [fold([hashes[n] for n in group]) for group in plan]


class CompactRange:
    """The frontier of a tree ``[0, size)``: one hash per set bit of ``size``.

    Appending a leaf hash returns every complete subtree it completes (the leaf itself at level
    0 included), which is exactly what a store persists so that later roots and proofs cost
    O(log n) reads.
    """

    __slots__ = ("_hashes", "_nodes", "size")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        nodes = range_nodes(0, size)
        if len(nodes) != len(hashes):
            raise ProofError(f"a compact range of size {size} needs {len(nodes)} hashes")
        self.size = size
        self._nodes = nodes
        self._hashes = list(hashes)

    @classmethod
    def plan(cls, size: int) -> list[Node]:
        return range_nodes(0, size)

    @property
    def hashes(self) -> list[bytes]:
        return list(self._hashes)

    def append(self, leaf_hash_: bytes) -> list[tuple[Node, bytes]]:
        new: list[tuple[Node, bytes]] = []
        node = Node(0, self.size)
        h = leaf_hash_
        new.append((node, h))
        nodes, hashes = self._nodes, self._hashes
        while nodes and nodes[-1].level == node.level:
            left = nodes.pop()
            h = node_hash(hashes.pop(), h)
            node = Node(left.level + 1, left.index >> 1)
            new.append((node, h))
        nodes.append(node)
        hashes.append(h)
        self.size += 1
        return new

    def root(self) -> bytes:
        return fold(self._hashes)

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self._hashes)


def root_of(leaf_hashes: Iterable[bytes]) -> bytes:
    """Root of a whole tree given its leaf hashes (for tests and small trees)."""
    cr = CompactRange()
    for h in leaf_hashes:
        cr.append(h)
    return cr.root()


def verify_inclusion(
    leaf_hash_: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2. Raises :class:`ProofError` unless the proof is valid."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    if len(leaf_hash_) != HASH_SIZE or len(root) != HASH_SIZE:
        raise ProofError("leaf hash and root must be SHA-256 hashes")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("proof hash of the wrong length")
    fn, sn, r = index, size - 1, leaf_hash_
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    size1: int, size2: int, proof: Sequence[bytes], root1: bytes, root2: bytes
) -> None:
    """RFC 9162 §2.1.4.2. Raises :class:`ProofError` unless the proof is valid.

    ``size1`` must be at least 1: consistency with the empty tree proves nothing, so callers
    handle an empty old tree themselves (as the transparency-dev vectors require).
    """
    if size1 < 1:
        raise ProofError("consistency with the empty tree proves nothing")
    if size2 < size1:
        raise ProofError(f"size {size2} is smaller than size {size1}")
    if any(len(p) != HASH_SIZE for p in proof):
        raise ProofError("proof hash of the wrong length")
    if size1 == size2:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if root1 != root2:
            raise ProofError("equal sizes but different roots")
        return
    if not proof:
        raise ProofError("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fr, sr = consistency_path_roots(size1, size2, path)
    if fr != root1:
        raise ProofError("consistency proof does not lead to the old root")
    if sr != root2:
        raise ProofError("consistency proof does not lead to the new root")


def consistency_path_roots(size1: int, size2: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Fold a consistency path (RFC 9162 §2.1.4.2 steps 3-6) into (root at size1, at size2).

    ``path`` already starts with the hash of the old tree's largest complete subtree (the
    verifier's step 2, prepending the old root when ``size1`` is a power of two, is the
    caller's). Requires ``1 <= size1 < size2`` and a non-empty path of 32-byte hashes; raises
    :class:`ProofError` when the path has the wrong length for the sizes.
    """
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not (fn & 1 or fn == 0):
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    return fr, sr
