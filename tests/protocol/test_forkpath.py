"""federation.protocol.forkpath: fork paths are RFC 6962 SUBPROOF(m, D[n], false), folded into
both roots; checked against the RFC's own definition and against consistency proofs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.protocol import merkle
from federation.protocol.errors import ProofError
from federation.protocol.forkpath import fork_path_from_leaves, fork_path_from_proof, fork_roots


def test_fork_roots_give_both_roots_for_every_size_pair() -> None:
    hashes = [merkle.leaf_hash(bytes([i])) for i in range(33)]
    for n in range(2, 34):
        for m in range(1, n):
            path = fork_path_from_leaves(hashes, m, n)
            assert fork_roots(m, n, path) == (
                merkle.root_of(hashes[:m]),
                merkle.root_of(hashes[:n]),
            )


@given(st.integers(2, 300).flatmap(lambda n: st.tuples(st.integers(1, n - 1), st.just(n))))
def test_a_fork_path_is_the_consistency_proof_plus_the_old_root_for_powers_of_two(
    sizes: tuple[int, int],
) -> None:
    m, n = sizes
    hashes = [merkle.leaf_hash(i.to_bytes(2, "big")) for i in range(n)]
    plan = merkle.consistency_plan(m, n)
    nodes = {x: merkle.root_of(hashes[x.begin : x.end]) for x in merkle.plan_nodes(plan)}
    proof = merkle.assemble(plan, nodes)
    old, new = merkle.root_of(hashes[:m]), merkle.root_of(hashes)
    merkle.verify_consistency(m, n, proof, old, new)
    path = fork_path_from_leaves(hashes, m, n)
    assert path == fork_path_from_proof(m, proof, old)
    assert fork_roots(m, n, path) == (old, new)


def subproof(m: int, hashes: list[bytes], whole: bool) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b), written from the RFC (leaf hashes in)."""
    n = len(hashes)
    if m == n:
        return [] if whole else [merkle.root_of(hashes)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, hashes[:k], whole), merkle.root_of(hashes[k:])]
    return [*subproof(m - k, hashes[k:], False), merkle.root_of(hashes[:k])]


def test_a_fork_path_is_rfc6962_subproof_with_b_false() -> None:
    """The definition in docs/protocol.md §12.1: SUBPROOF(m, D[n], false)."""
    hashes = [merkle.leaf_hash(bytes([i])) for i in range(40)]
    for n in range(2, 41):
        for m in range(1, n):
            assert fork_path_from_leaves(hashes, m, n) == subproof(m, hashes[:n], False)


@pytest.mark.parametrize(
    ("m", "n", "path", "error"),
    [
        (0, 4, [b"\0" * 32], "1 <= m < n"),
        (4, 4, [b"\0" * 32], "1 <= m < n"),
        (3, 4, [], "empty"),
        (3, 4, [b"\0" * 31], "wrong length"),
        (3, 4, [b"\0" * 32], "too short"),
        (2, 4, [b"\0" * 32] * 3, "too long"),
    ],
)
def test_fork_paths_of_the_wrong_shape_are_refused(
    m: int, n: int, path: list[bytes], error: str
) -> None:
    with pytest.raises(ProofError, match=error):
        fork_roots(m, n, path)
