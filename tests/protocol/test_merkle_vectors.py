"""RFC 6962 proof vectors from transparency-dev/merkle, fed as bytes to our verifiers."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest

from federation.protocol.errors import ProofError
from federation.protocol.merkle import (
    EMPTY_ROOT,
    CompactRange,
    Node,
    assemble,
    consistency_plan,
    inclusion_plan,
    leaf_hash,
    plan_nodes,
    root_of,
    verify_consistency,
    verify_inclusion,
)


def _data_dir() -> Path | None:
    """Same lookup as the ``shared_data`` fixture, usable at collection time (never fails)."""
    default = Path(__file__).resolve().parents[2].parent / "shared" / "data"
    if default.is_dir():
        return default
    env = os.environ.get("FEDERATION_SHARED_DATA")
    return Path(env) if env and Path(env).is_dir() else None


def _vector_files(kind: str) -> list[str]:
    base = _data_dir()
    if base is None:
        return []
    root = base / "vectors" / "merkle"
    return sorted(p.relative_to(root).as_posix() for p in (root / kind).rglob("*.json"))


INCLUSION = _vector_files("inclusion")
CONSISTENCY = _vector_files("consistency")


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _proof(value: list[str] | None) -> list[bytes]:
    return [_b64(p) for p in value or []]


def _load(shared_data: Path, rel: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((shared_data / "vectors" / "merkle" / rel).read_text())
    return data


def _leaves(shared_data: Path) -> tuple[list[bytes], list[bytes]]:
    data = json.loads((shared_data / "vectors" / "merkle" / "leaves.json").read_text())
    hashes = [leaf_hash(bytes.fromhex(x)) for x in data["leaf_inputs_hex"]]
    roots = [bytes.fromhex(x) for x in data["roots_by_size_hex"]]
    return hashes, roots


def _tree(leaf_hashes: list[bytes]) -> tuple[dict[Node, bytes], list[bytes]]:
    """Every complete subtree hash a store would persist, and the root after each append."""
    cr = CompactRange()
    nodes: dict[Node, bytes] = {}
    roots = [cr.root()]
    for h in leaf_hashes:
        nodes.update(cr.append(h))
        roots.append(cr.root())
    return nodes, roots


def test_vector_set_is_complete(shared_data: Path) -> None:
    assert _data_dir() == shared_data
    root = shared_data / "vectors" / "merkle"
    on_disk = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.json"))
    collected = sorted([*INCLUSION, *CONSISTENCY, "leaves.json"])
    assert collected == on_disk
    assert len(INCLUSION) > 50
    assert len(CONSISTENCY) > 50


@pytest.mark.parametrize("rel", INCLUSION, ids=INCLUSION)
def test_inclusion_vector(shared_data: Path, rel: str) -> None:
    v = _load(shared_data, rel)
    args = (_b64(v["leafHash"]), v["leafIdx"], v["treeSize"], _proof(v["proof"]), _b64(v["root"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_inclusion(*args)
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("rel", CONSISTENCY, ids=CONSISTENCY)
def test_consistency_vector(shared_data: Path, rel: str) -> None:
    v = _load(shared_data, rel)
    args = (v["size1"], v["size2"], _proof(v["proof"]), _b64(v["root1"]), _b64(v["root2"]))
    if v["wantErr"]:
        with pytest.raises(ProofError):
            verify_consistency(*args)
    else:
        verify_consistency(*args)


def test_roots_of_every_prefix(shared_data: Path) -> None:
    hashes, roots = _leaves(shared_data)
    assert len(roots) == len(hashes) + 1 == 9
    assert roots[0] == EMPTY_ROOT
    _, incremental = _tree(hashes)
    assert incremental == roots
    for n in range(len(hashes) + 1):
        assert root_of(hashes[:n]) == roots[n]


def _happy_paths(shared_data: Path, kind: str) -> list[dict[str, Any]]:
    """The happy-path vectors of the numbered directories (built from ``leaves.json``)."""
    base = shared_data / "vectors" / "merkle" / kind
    found = sorted(base.glob("[0-9]*/happy-path.json"))
    assert found, f"no happy-path vectors under {base}"
    return [json.loads(p.read_text()) for p in found]


def test_generated_inclusion_proofs_match_vectors(shared_data: Path) -> None:
    hashes, roots = _leaves(shared_data)
    wanted = {(v["leafIdx"], v["treeSize"]): v for v in _happy_paths(shared_data, "inclusion")}
    matched = set()
    for size in range(1, len(hashes) + 1):
        nodes, _ = _tree(hashes[:size])
        for index in range(size):
            plan = inclusion_plan(index, size)
            assert plan_nodes(plan) <= nodes.keys()
            proof = assemble(plan, nodes)
            verify_inclusion(hashes[index], index, size, proof, roots[size])
            vector = wanted.get((index, size))
            if vector is not None:
                assert _b64(vector["leafHash"]) == hashes[index]
                assert _b64(vector["root"]) == roots[size]
                assert proof == _proof(vector["proof"])
                matched.add((index, size))
    assert matched == wanted.keys()


def test_generated_consistency_proofs_match_vectors(shared_data: Path) -> None:
    hashes, roots = _leaves(shared_data)
    wanted = {(v["size1"], v["size2"]): v for v in _happy_paths(shared_data, "consistency")}
    matched = set()
    for size2 in range(1, len(hashes) + 1):
        nodes, _ = _tree(hashes[:size2])
        for size1 in range(1, size2 + 1):
            plan = consistency_plan(size1, size2)
            assert plan_nodes(plan) <= nodes.keys()
            proof = assemble(plan, nodes)
            verify_consistency(size1, size2, proof, roots[size1], roots[size2])
            vector = wanted.get((size1, size2))
            if vector is not None:
                assert _b64(vector["root1"]) == roots[size1]
                assert _b64(vector["root2"]) == roots[size2]
                assert proof == _proof(vector["proof"])
                matched.add((size1, size2))
    assert matched == wanted.keys()


def test_plans_reject_impossible_arguments() -> None:
    for index, size in [(0, 0), (-1, 3), (3, 3), (9, 8)]:
        with pytest.raises(ProofError):
            inclusion_plan(index, size)
    for size1, size2 in [(-1, 3), (4, 3)]:
        with pytest.raises(ProofError):
            consistency_plan(size1, size2)
    assert consistency_plan(0, 5) == []
    assert consistency_plan(5, 5) == []
