"""Records cross a network of real nodes that only pull from their neighbours (DESIGN §1, §5).

Every node trusts every origin but peers only with its neighbours, so records of the far end
arrive by relay. Consequences pinned here: convergence within (diameter) rounds, identical
``{origin: (size, root)}`` digests on every node whatever the order of pulls, idempotent
pulls (a second ``/v1/logs`` is answered 304), and relayed records readable at the far end.
"""

from __future__ import annotations

import random
import shutil
from typing import TYPE_CHECKING, Any

import pytest

from federation.cli.samples import sample_origins, sample_records
from federation.config import Home
from federation.node.service import Node

if TYPE_CHECKING:
    from tests.sync.conftest import Digest, Member, Net

ORIGINS = sample_origins()


def line(n: int) -> list[tuple[int, int]]:
    return [(i, i + 1) for i in range(n - 1)]


def ring(n: int) -> list[tuple[int, int]]:
    return [*line(n), (n - 1, 0)]


TOPOLOGIES = {
    # name: (nodes, edges, diameter)
    "line4": (4, line(4), 3),
    "ring5": (5, ring(5), 2),
}


async def build(net: Net, name: str) -> tuple[list[Member], dict[str, list[dict[str, Any]]], int]:
    """Start a topology: every node publishes its sample records and trusts every origin."""
    n, edges, diameter = TOPOLOGIES[name]
    members = [await net.start(origin) for origin in ORIGINS[:n]]
    published = {m.origin: await net.publish_samples(m) for m in members}
    await net.trust_all(members)
    await net.link(members, edges)
    return members, published, diameter


async def own_digest(members: list[Member]) -> Digest:
    """What every node must end up with: each origin's own head, as its origin has it."""
    out: Digest = {}
    for m in members:
        head = await m.store.head(m.origin)
        assert head is not None
        out[m.origin] = (head.size, head.root)
    return out


@pytest.mark.parametrize("name", sorted(TOPOLOGIES))
async def test_converges_within_diameter_rounds(net: Net, name: str) -> None:
    members, _, diameter = await build(net, name)
    expected = await own_digest(members)
    assert all(size > 1 for size, _ in expected.values())

    rounds = await net.converge(members, max_rounds=diameter + 2)

    assert rounds <= diameter
    for m in members:
        assert await net.digest(m) == expected
        assert await m.store.evidence() == []
        assert await m.store.pending() == []


async def test_relayed_records_are_readable_at_the_far_end(net: Net) -> None:
    members, published, diameter = await build(net, "line4")
    first, last = members[0], members[-1]
    await net.converge(members, max_rounds=diameter)

    # last never talked to first, yet holds first's log under first's own signature
    assert first.url not in {p.url for p in await last.store.peers()}
    mine, relayed = await first.store.head(first.origin), await last.store.head(first.origin)
    assert mine is not None and relayed is not None
    assert relayed.checkpoint == mine.checkpoint
    assert relayed.role == "trusted" and relayed.state == "active"

    for a, b in ((first, last), (last, first)):
        for rec in published[a.origin]:
            here = await a.store.get_record(a.origin, rec["kind"], rec["id"])
            there = await b.store.get_record(a.origin, rec["kind"], rec["id"])
            assert here is not None and there is not None, rec["id"]
            assert (there.seq, there.op, there.vis, there.leaf) == (
                here.seq,
                here.op,
                here.vis,
                here.leaf,
            )
            if here.vis != "public":
                # person contacts: federation-only bodies travel too, because every pull is
                # signed (protocol §7.8) and every node trusts every origin
                assert rec.get("contact_type") == "person"
            assert there.body == here.body is not None
            assert there.valid is True
            assert (there.title, there.country) == (here.title, here.country)
        assert await b.store.counts() == await a.store.counts()


async def test_pulls_are_idempotent(net: Net) -> None:
    members, _, diameter = await build(net, "ring5")
    await net.converge(members, max_rounds=diameter)
    before = [await net.snapshot(m) for m in members]

    # a further round changes nothing (peers' /v1/logs may still differ from our last ETag)
    for m in members:
        for result in await net.pull(m):
            assert result.ok, result.error
            assert not result.changed()
            assert result.entries == 0
            assert {o.outcome for o in result.origins} <= {"unchanged"}
    assert [await net.snapshot(m) for m in members] == before

    # and now every peer's list is exactly what we saw last time: one 304 per peer
    for m in members:
        results = await net.pull(m)
        assert len(results) == 2
        for result in results:
            assert result.ok, result.error
            assert result.not_modified
            assert result.origins == []
    assert [await net.snapshot(m) for m in members] == before
    for m in members:
        for p in await m.store.peers():
            assert p.failures == 0 and p.last_error is None and p.etag


async def make_template(net: Net, n: int) -> tuple[list[Home], Digest]:
    """Homes of ``n`` nodes that published their samples and trust each other (not served)."""
    homes = [await net.init(origin, dirname=f"template/{origin}") for origin in ORIGINS[:n]]
    vkeys: dict[str, str] = {}
    expected: Digest = {}
    for home in homes:
        async with await Node.open(home) as node:
            result = await node.publish(sample_records(node.origin))
            vkeys[node.origin] = node.signer.vkey
            expected[node.origin] = (result.head.size, result.head.root)
    for home in homes:
        async with await Node.open(home) as node:
            for origin, vkey in vkeys.items():
                if origin != node.origin:
                    await node.store.add_origin(origin, "trusted", [vkey])
    return homes, expected


@pytest.mark.parametrize("name", sorted(TOPOLOGIES))
async def test_any_pull_order_gives_identical_stores(net: Net, name: str) -> None:
    n, edges, diameter = TOPOLOGIES[name]
    template, expected = await make_template(net, n)
    finals: list[list[Digest]] = []
    for trial in range(5):
        rng = random.Random(trial)
        homes = []
        for home in template:
            copy = net.tmp_path / f"trial{trial}" / home.path.name
            shutil.copytree(home.path, copy)
            homes.append(Home(copy))
        members = [await net.open(h) for h in homes]
        await net.link(members, edges)
        rounds = await net.converge(members, max_rounds=diameter + 2, rng=rng)
        assert rounds <= diameter
        finals.append([await net.digest(m) for m in members])
    for digests in finals:
        assert digests == [expected] * n
