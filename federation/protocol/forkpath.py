"""Fork paths: what a larger tree's root was at a smaller size (docs/protocol.md §12.1).

Two checkpoints of sizes ``m < n`` are incompatible when the size-``n`` tree had another root at
size ``m`` than the size-``m`` checkpoint says. A *fork path* from ``m`` to ``n`` is RFC 6962
``SUBPROOF(m, D[n], false)``: the consistency proof ``PROOF(m, D[n])`` of the larger tree,
preceded by ``MTH(D[0:m])`` when ``m`` is a power of two (the RFC leaves that hash out because a
client holding the old root knows it; an auditor does not trust the old root, it tests it).
:func:`fork_roots` folds a fork path into both roots. Pure functions over hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from federation.protocol import merkle
from federation.protocol.errors import ProofError


def _is_power_of_two(m: int) -> bool:
    return m > 0 and m & (m - 1) == 0


def fork_plan(m: int, n: int) -> merkle.Plan:
    """Which complete subtrees each hash of the fork path from ``m`` to ``n`` is made of."""
    if not 1 <= m < n:
        raise ProofError(f"a fork path needs 1 <= m < n, got m={m}, n={n}")
    plan = merkle.consistency_plan(m, n)
    return [merkle.range_nodes(0, m), *plan] if _is_power_of_two(m) else plan


def fork_path(m: int, n: int, subtree: Callable[[merkle.Node], bytes]) -> list[bytes]:
    """The fork path from ``m`` to ``n``, given the hash of any complete subtree of tree ``n``."""
    return [merkle.fold([subtree(node) for node in group]) for group in fork_plan(m, n)]


def fork_path_from_leaves(leaf_hashes: Sequence[bytes], m: int, n: int) -> list[bytes]:
    """The fork path from ``m`` to ``n`` of the tree over ``leaf_hashes[:n]``."""
    if len(leaf_hashes) < n:
        raise ProofError(f"{len(leaf_hashes)} leaf hashes do not make a tree of size {n}")
    return fork_path(m, n, lambda node: merkle.root_of(leaf_hashes[node.begin : node.end]))


def fork_path_from_nodes(nodes: Mapping[merkle.Node, bytes], m: int, n: int) -> list[bytes]:
    """The fork path from ``m`` to ``n`` given every complete subtree hash of tree ``n``."""
    return fork_path(m, n, nodes.__getitem__)


def fork_path_from_proof(m: int, proof: Sequence[bytes], prefix_root: bytes) -> list[bytes]:
    """A fork path from an RFC 9162 consistency proof ``PROOF(m, D[n])`` and ``MTH(D[0:m])``."""
    return [prefix_root, *proof] if _is_power_of_two(m) else list(proof)


def fork_roots(m: int, n: int, path: Sequence[bytes]) -> tuple[bytes, bytes]:
    """Fold a fork path from ``m`` to ``n`` into (root at ``m``, root at ``n``).

    RFC 9162 §2.1.4.2 without its step "if m is a power of two, prepend the old root": the
    path carries that hash itself. If the root at ``n`` is a root the origin signed, then the
    root at ``m`` is the root the origin's tree had at size ``m`` (as the hashes are bound to
    their positions in tree ``n``). Raises :class:`ProofError` for a path of the wrong shape.
    """
    if not 1 <= m < n:
        raise ProofError(f"a fork path needs 1 <= m < n, got m={m}, n={n}")
    if not path:
        raise ProofError("the fork path is empty")
    if any(len(h) != merkle.HASH_SIZE for h in path):
        raise ProofError("fork path hash of the wrong length")
    try:
        return merkle.consistency_path_roots(m, n, path)
    except ProofError as e:
        raise ProofError(str(e).replace("consistency proof", "the fork path")) from e
