"""Erasure travels with the log (DESIGN §3, §12): a ``delete`` or a newer ``put`` makes every
node that merges it drop the older bodies, relays pass it on, and a later pull cannot bring the
data back. Person contacts are ``vis: federation``: their bodies travel only in signed pulls
(protocol §7.8) to nodes the serving node trusts, never to anyone else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from federation.cli.samples import sample_origins, sample_records

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

ORIGINS = sample_origins()


async def line(net: Net) -> list[Member]:
    """A–B–C–D, everyone trusting everyone, peering only with neighbours."""
    members = [await net.start(origin) for origin in ORIGINS[:4]]
    await net.trust_all(members)
    await net.link(members, [(0, 1), (1, 2), (2, 3)])
    return members


def first(records: list[dict[str, Any]], **match: str) -> dict[str, Any]:
    return next(r for r in records if all(r.get(k) == v for k, v in match.items()))


async def test_person_contact_body_travels_only_in_trusted_signed_pulls(net: Net) -> None:
    members = await line(net)
    a, d = members[0], members[-1]
    outsider = await net.start(ORIGINS[4])  # trusts and pulls a and d; nobody trusts it
    await net.trust(outsider, a)
    await net.peer(outsider, a)
    await net.peer(outsider, d)
    person = first(sample_records(a.origin), kind="contact", contact_type="person")
    await net.publish(a, [person])
    await net.converge(members, max_rounds=3)

    mine = await a.store.get_record(a.origin, "contact", person["id"])
    assert mine is not None and mine.vis == "federation" and mine.body is not None
    assert orjson.loads(mine.body)["display_name"] == person["display_name"]
    for m in members[1:]:  # relayed along the line, each hop a signed pull between trusted
        there = await m.store.get_record(a.origin, "contact", person["id"])
        assert there is not None, m.origin
        assert (there.op, there.vis, there.leaf, there.body) == (
            "put",
            "federation",
            mine.leaf,
            mine.body,
        )
    for m in members:  # no node serves it to an anonymous requester
        async with net.session.get(f"{m.url}/v1/logs/{a.origin}/entries") as resp:
            assert resp.status == 200
            lines = [orjson.loads(x) for x in (await resp.read()).splitlines()]
        assert [x["body"] for x in lines if x["seq"] == mine.seq] == [None], m.origin

    # a node that pulls (signed) but is trusted by no one gets the leaf, never the body
    for result in await net.pull(outsider):
        assert result.ok, result.error
    there = await outsider.store.get_record(a.origin, "contact", person["id"])
    assert there is not None and there.leaf == mine.leaf
    assert there.body is None
    assert await outsider.store.body_count(a.origin, "contact", person["id"]) == 0
    assert person["display_name"] not in repr(there)


async def test_delete_erases_on_every_node(net: Net) -> None:
    members = await line(net)
    a = members[0]
    records = sample_records(a.origin)
    person = first(records, kind="contact", contact_type="person")
    case = first(records, kind="case")
    await net.publish(a, [person, case])
    await net.converge(members, max_rounds=3)
    for m in members:
        assert await m.store.body_count(a.origin, "case", case["id"]) == 1

    await a.node.delete("contact", person["id"])
    await a.node.delete("case", case["id"])
    await net.converge(members, max_rounds=3)

    for m in members:
        for kind, rid in (("contact", person["id"]), ("case", case["id"])):
            row = await m.store.get_record(a.origin, kind, rid)
            assert row is not None, (m.origin, kind)
            assert (row.op, row.body, row.vis) == ("delete", None, None)
            assert await m.store.body_count(a.origin, kind, rid) == 0
        assert await m.store.list_records(origin=a.origin) == []
        assert a.origin not in await m.store.counts()

    # the old put leaves are still served (the tree stays verifiable) but without their bodies,
    # so another round of pulls cannot bring the data back
    await net.converge(members, max_rounds=1)
    for m in members:
        assert await m.store.body_count(a.origin, "contact", person["id"]) == 0
        assert await m.store.body_count(a.origin, "case", case["id"]) == 0
        head = await m.store.head(a.origin)
        assert head is not None
        assert [e.body for e in await m.store.entries(head.id, 0, head.size)] == [None] * head.size


async def test_only_the_latest_body_is_kept(net: Net) -> None:
    members = await line(net)
    a, b = members[0], members[1]
    case = first(sample_records(a.origin), kind="case")
    await net.publish(a, [case])
    await net.converge(members, max_rounds=3)

    # version 2 reaches b only; version 3 is published before anyone else saw version 2
    v2 = case | {"title": {**case["title"], "en": case["title"]["en"] + " (2nd edition)"}}
    await net.publish(a, [v2])
    await net.pull(b, a.url)
    assert await b.store.body_count(a.origin, "case", case["id"]) == 1
    v3 = case | {"title": {**case["title"], "en": case["title"]["en"] + " (3rd edition)"}}
    await net.publish(a, [v3])
    await net.converge(members, max_rounds=3)

    latest = await a.store.get_record(a.origin, "case", case["id"])
    assert latest is not None and latest.body is not None
    assert orjson.loads(latest.body)["title"] == v3["title"]
    for m in members:
        row = await m.store.get_record(a.origin, "case", case["id"])
        assert row is not None
        assert (row.seq, row.op, row.body) == (latest.seq, "put", latest.body)
        assert row.title == v3["title"]
        assert await m.store.body_count(a.origin, "case", case["id"]) == 1
        head = await m.store.head(a.origin)
        assert head is not None
        bodies = [e.body for e in await m.store.entries(head.id, 0, head.size)]
        assert bodies[:-1] == [None] * (head.size - 1)
        assert bodies[-1] == latest.body
