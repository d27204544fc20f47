"""Property tests for the Merkle core: generated proofs verify, any flipped bit fails."""

from __future__ import annotations

import hashlib
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.protocol.errors import ProofError
from federation.protocol.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    assemble,
    consistency_plan,
    fold,
    inclusion_plan,
    leaf_hash,
    node_hash,
    plan_nodes,
    range_nodes,
    root_of,
    root_plan,
    verify_consistency,
    verify_inclusion,
)

MAX_LEAVES = 300


def _mth(leaves: list[bytes]) -> bytes:
    """Reference RFC 6962 Merkle tree hash over leaf hashes, straight from the definition."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(_mth(leaves[:k]), _mth(leaves[k:]))


def _leaf_hashes(n: int, seed: int) -> list[bytes]:
    return [leaf_hash(hashlib.sha256(f"{seed}:{i}".encode()).digest()) for i in range(n)]


class Tree:
    """A tree as a store keeps it: every complete subtree hash, plus the root of every prefix."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.leaves = leaves
        self.nodes: dict[Node, bytes] = {}
        self.roots = [EMPTY_ROOT]
        cr = CompactRange()
        for h in leaves:
            self.nodes.update(cr.append(h))
            self.roots.append(cr.root())

    def inclusion(self, index: int, size: int) -> list[bytes]:
        plan = inclusion_plan(index, size)
        assert plan_nodes(plan) <= self.nodes.keys()
        return assemble(plan, self.nodes)

    def consistency(self, size1: int, size2: int) -> list[bytes]:
        plan = consistency_plan(size1, size2)
        assert plan_nodes(plan) <= self.nodes.keys()
        return assemble(plan, self.nodes)


def _bit_flips(value: bytes) -> list[bytes]:
    out = []
    for i in range(len(value)):
        for bit in range(8):
            b = bytearray(value)
            b[i] ^= 1 << bit
            out.append(bytes(b))
    return out


def _shape(index: int, size: int) -> tuple[bool, ...]:
    """For each proof hash of ``index`` in ``size``: is the sibling on the left?"""
    return tuple(group[0].begin < index for group in inclusion_plan(index, size))


trees = st.tuples(st.integers(1, MAX_LEAVES), st.integers(0, 2**32))


@st.composite
def tree_and_index(draw: st.DrawFn) -> tuple[Tree, int]:
    n, seed = draw(trees)
    return Tree(_leaf_hashes(n, seed)), draw(st.integers(0, n - 1))


@st.composite
def tree_and_sizes(draw: st.DrawFn) -> tuple[Tree, int, int]:
    n, seed = draw(trees)
    size2 = draw(st.integers(1, n))
    size1 = draw(st.integers(1, size2))
    return Tree(_leaf_hashes(n, seed)), size1, size2


@settings(max_examples=40, deadline=None)
@given(tree_and_index())
def test_inclusion_proof_verifies_and_every_bit_matters(case: tuple[Tree, int]) -> None:
    tree, index = case
    size = len(tree.leaves)
    leaf, root = tree.leaves[index], tree.roots[size]
    proof = tree.inclusion(index, size)
    assert len(proof) <= size.bit_length()
    verify_inclusion(leaf, index, size, proof, root)

    for i, p in enumerate(proof):
        for flipped in _bit_flips(p):
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, size, [*proof[:i], flipped, *proof[i + 1 :]], root)
    for flipped in _bit_flips(leaf):
        with pytest.raises(ProofError):
            verify_inclusion(flipped, index, size, proof, root)
    for flipped in _bit_flips(root):
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof, flipped)


@settings(max_examples=60, deadline=None)
@given(tree_and_index(), st.data())
def test_inclusion_proof_fails_for_wrong_index_or_size(
    case: tuple[Tree, int], data: st.DataObject
) -> None:
    tree, index = case
    size = len(tree.leaves)
    leaf, root = tree.leaves[index], tree.roots[size]
    proof = tree.inclusion(index, size)

    other_indices = {index - 1, index + 1, index ^ 1, data.draw(st.integers(0, size - 1))}
    for other in sorted(other_indices - {index}):
        with pytest.raises(ProofError):
            verify_inclusion(leaf, other, size, proof, root)

    # A proof only encodes the left/right path, so a wrong size is caught exactly when it
    # changes that path (the size itself is authenticated by the signed checkpoint).
    other_sizes = {size - 1, size + 1, 2 * size, data.draw(st.integers(1, 2 * MAX_LEAVES))}
    for other in sorted(other_sizes - {size}):
        if not 0 <= index < other or _shape(index, other) != _shape(index, size):
            with pytest.raises(ProofError):
                verify_inclusion(leaf, index, other, proof, root)
        else:
            verify_inclusion(leaf, index, other, proof, root)

    if proof:
        with pytest.raises(ProofError):
            verify_inclusion(leaf, index, size, proof[:-1], root)
    with pytest.raises(ProofError):
        verify_inclusion(leaf, index, size, [*proof, root], root)


@settings(max_examples=40, deadline=None)
@given(tree_and_sizes())
def test_consistency_proof_verifies_and_every_bit_matters(case: tuple[Tree, int, int]) -> None:
    tree, size1, size2 = case
    root1, root2 = tree.roots[size1], tree.roots[size2]
    proof = tree.consistency(size1, size2)
    verify_consistency(size1, size2, proof, root1, root2)

    for i, p in enumerate(proof):
        for flipped in _bit_flips(p):
            with pytest.raises(ProofError):
                verify_consistency(
                    size1, size2, [*proof[:i], flipped, *proof[i + 1 :]], root1, root2
                )
    for flipped in _bit_flips(root1):
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, flipped, root2)
    for flipped in _bit_flips(root2):
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof, root1, flipped)
    if proof:
        with pytest.raises(ProofError):
            verify_consistency(size1, size2, proof[:-1], root1, root2)
    with pytest.raises(ProofError):
        verify_consistency(size1, size2, [*proof, root2], root1, root2)


@settings(max_examples=300)
@given(st.integers(0, 2**40), st.integers(0, 2**40))
def test_range_nodes_cover_range_with_maximal_aligned_subtrees(a: int, b: int) -> None:
    begin, end = min(a, b), max(a, b)
    nodes = range_nodes(begin, end)
    pos = begin
    for node in nodes:
        assert node.level >= 0
        assert node.begin == pos  # contiguous, and aligned by construction of Node
        assert node.begin % (1 << node.level) == 0
        pos = node.end
    assert pos == end
    assert len(nodes) <= 2 * max(1, (end - begin).bit_length())
    for left, right in itertools.pairwise(nodes):
        # two equal siblings side by side would form a larger complete subtree
        assert not (left.level == right.level and left.index % 2 == 0)
    # levels rise then fall: one climb from begin, one descent to end
    levels = [n.level for n in nodes]
    peak = levels.index(max(levels)) if levels else 0
    assert levels[:peak] == sorted(levels[:peak])
    assert levels[peak:] == sorted(levels[peak:], reverse=True)


def test_range_nodes_rejects_bad_ranges() -> None:
    with pytest.raises(ValueError, match="bad range"):
        range_nodes(3, 2)
    with pytest.raises(ValueError, match="bad range"):
        range_nodes(-1, 2)
    assert range_nodes(5, 5) == []


@settings(max_examples=30, deadline=None)
@given(trees)
def test_compact_range_matches_reference_root(case: tuple[int, int]) -> None:
    n, seed = case
    leaves = _leaf_hashes(n, seed)
    cr = CompactRange()
    assert cr.root() == EMPTY_ROOT
    for i, h in enumerate(leaves):
        new = cr.append(h)
        assert new[0] == (Node(0, i), h)
        assert [node.level for node, _ in new] == list(range(len(new)))
        assert cr.size == i + 1
        assert len(cr.hashes) == bin(cr.size).count("1")
        assert cr.root() == _mth(leaves[: i + 1])
    assert root_of(leaves) == _mth(leaves)
    assert fold(cr.hashes) == cr.root()


@settings(max_examples=30, deadline=None)
@given(trees, st.data())
def test_every_appended_node_hashes_its_range(case: tuple[int, int], data: st.DataObject) -> None:
    n, seed = case
    tree = Tree(_leaf_hashes(n, seed))
    for node, h in tree.nodes.items():
        assert node.end <= n
        assert h == _mth(tree.leaves[node.begin : node.end])
    # Every range a plan asks for is a subtree of the RFC 6962 recursion, so folding its
    # complete subtrees gives that subtree's hash.
    size = data.draw(st.integers(1, n))
    index = data.draw(st.integers(0, size - 1))
    size1 = data.draw(st.integers(1, size))
    groups = [*inclusion_plan(index, size), *consistency_plan(size1, size), root_plan(size)]
    for group in groups:
        b, e = group[0].begin, group[-1].end
        assert group == range_nodes(b, e)
        assert fold([tree.nodes[x] for x in group]) == _mth(tree.leaves[b:e])


@settings(max_examples=30, deadline=None)
@given(trees, st.data())
def test_compact_range_restored_from_hashes_continues_identically(
    case: tuple[int, int], data: st.DataObject
) -> None:
    n, seed = case
    leaves = _leaf_hashes(n, seed)
    cut = data.draw(st.integers(0, n))
    original = CompactRange()
    for h in leaves[:cut]:
        original.append(h)
    restored = CompactRange(original.size, original.hashes)
    copied = original.copy()
    assert restored.root() == copied.root() == original.root()
    for h in leaves[cut:]:
        expected = original.append(h)
        assert restored.append(h) == expected
        assert copied.append(h) == expected
    assert restored.hashes == copied.hashes == original.hashes
    assert restored.root() == original.root() == _mth(leaves)


def test_compact_range_rejects_wrong_hash_count() -> None:
    with pytest.raises(ProofError):
        CompactRange(3, [EMPTY_ROOT])
    with pytest.raises(ProofError):
        CompactRange(0, [EMPTY_ROOT])
    assert CompactRange.plan(6) == [Node(2, 0), Node(1, 2)]
