"""`federation demo` end to end, and the demo topology it peers."""

from __future__ import annotations

import re
from collections import deque
from pathlib import Path

from click.testing import CliRunner

from federation.cli.localnet import BRIDGES, seed_topology, shortest_path
from federation.cli.main import cli
from federation.cli.samples import load_centres

ORIGINS = [node["origin"] for node in load_centres()["nodes"]]


def _components(nodes: list[str], edges: list[tuple[str, str]]) -> int:
    graph: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        graph[a].add(b)
        graph[b].add(a)
    seen: set[str] = set()
    parts = 0
    for start in nodes:
        if start in seen:
            continue
        parts += 1
        queue = deque([start])
        seen.add(start)
        while queue:
            for nxt in graph[queue.popleft()]:
                if nxt not in seen:
                    seen.add(nxt)
                    queue.append(nxt)
    return parts


def test_seed_topology_meshes_consortia_and_bridges_them() -> None:
    data = load_centres()
    edges = seed_topology(data)
    pairs = {frozenset(e) for e in edges}
    assert len(pairs) == len(edges) == 6 + 6 + 6 + len(BRIDGES) == 21
    assert all(a != b and a in ORIGINS and b in ORIGINS for a, b in edges)
    by_country = {n["country"]: n["origin"] for n in data["nodes"]}
    # the ESIA mesh skips UK, which has no node
    esia = [by_country[c] for c in ("DE", "EE", "PL", "DK")]
    assert {frozenset((a, b)) for a in esia for b in esia if a != b} <= pairs
    for ca, cb in (("LT", "LV"), ("LV", "EE"), ("LT", "SK")):
        assert frozenset((by_country[ca], by_country[cb])) in pairs
    # BG reaches DK only through relays
    assert frozenset(("bg.sofia.ncc", "dk.esia.ncc")) not in pairs
    assert _components(ORIGINS, edges) == 1
    assert shortest_path(edges, "bg.sofia.ncc", "dk.esia.ncc") == [
        "bg.sofia.ncc",
        "sk.nkcsi.ncc",
        "lt.esfa.ncc",
        "lv.sif.ncc",
        "ee.kusk.ncc",
        "dk.esia.ncc",
    ]


def test_shortest_path_without_a_route() -> None:
    assert shortest_path([("a", "b")], "a", "c") == []
    assert shortest_path([("a", "b")], "a", "a") == ["a"]


def test_demo_converges_and_erases(tmp_path: Path) -> None:
    keep = tmp_path / "net"
    result = CliRunner().invoke(cli, ["demo", "--keep", str(keep)])
    out = result.output
    assert result.exit_code == 0, out
    assert re.search(
        r"converged: 13 nodes hold 13 logs with identical roots after \d+ rounds in [\d.]+ s", out
    )
    for origin in ORIGINS:
        assert origin in out
    assert re.search(
        r"erasure: [0-9A-Z]{26} deleted at bg\.sofia\.ncc reached dk\.esia\.ncc after \d+ rounds "
        r"\(relayed via sk\.nkcsi\.ncc, lt\.esfa\.ncc, lv\.sif\.ncc, ee\.kusk\.ncc\)",
        out,
    )
    # the publicly listed expert's card reached Copenhagen, and the erasure removed it there
    assert re.search(r"at dk\.esia\.ncc: op put, vis public, body present \(\d+ bytes\)", out)
    assert re.search(r"at dk\.esia\.ncc: op delete, 0 stored bodies", out)
    assert "title [bg]:" in out
    assert "title [en]:" in out
    assert "13/13 nodes hold the delete, 0 stored bodies" in out
    # --keep leaves every node's home behind
    assert sorted(p.name for p in keep.iterdir()) == sorted(ORIGINS)


def test_demo_refuses_a_non_empty_keep_dir(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("x")
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path)])
    assert result.exit_code == 2
    assert "not empty" in result.output
