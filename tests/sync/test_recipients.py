"""GDPR Art. 19: a node can name who received a person's data from it (DESIGN §12).

Person contacts are ``vis: federation``: their bodies go only to authenticated trusted origins,
and every such delivery is logged per record, also when a node relays another origin's log.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import orjson
from click.testing import CliRunner

from federation.cli.main import cli
from federation.cli.samples import sample_origins, sample_records

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()


async def test_recipients_are_the_trusted_pullers_including_relays(net: Net) -> None:
    a, b, c, outsider = [await net.start(o) for o in ORIGINS[:4]]
    # a and b trust each other; c trusts a and b and is trusted by b only; outsider trusts a
    for x, y in [(a, b), (b, a), (c, a), (c, b), (b, c), (outsider, a)]:
        await net.trust(x, y)
    await net.peer(b, a)
    await net.peer(outsider, a)
    await net.peer(c, b)  # c gets a's log only through b
    person = next(
        r
        for r in sample_records(a.origin)
        if r["kind"] == "contact" and r.get("contact_type") == "person"
    )
    head = (await a.node.publish(sample_records(a.origin))).head
    for m in (b, outsider, c):
        (result,) = await m.sync.sync_now()
        assert result.ok, result.error

    at_a = await a.store.recipients(a.origin, "contact", person["id"])
    assert [d.recipient for d in at_a] == [b.origin]  # the outsider got null, not the body
    at_b = await b.store.recipients(a.origin, "contact", person["id"])
    assert [d.recipient for d in at_b] == [c.origin]  # b relayed the body to c
    row = await c.store.get_record(a.origin, "contact", person["id"])
    assert row is not None
    assert row.body is not None
    assert at_b[0].seq == row.seq < head.size
    anon = await outsider.store.get_record(a.origin, "contact", person["id"])
    assert anon is not None
    assert anon.body is None
    # a public case is not personal data: not logged
    case = next(r for r in sample_records(a.origin) if r["kind"] == "case")
    assert await a.store.recipients(a.origin, "case", case["id"]) == []

    # the same answer on the command line (a separate process would open the same store)
    runner = CliRunner()
    args = ["records", "recipients", "--home", str(a.home.path), a.origin, "contact"]
    out = await asyncio.to_thread(runner.invoke, cli, [*args, person["id"], "--json"])
    assert out.exit_code == 0, out.output
    lines = [orjson.loads(x) for x in out.stdout.splitlines()]
    assert [(x["recipient"], x["seq"]) for x in lines] == [(b.origin, at_a[0].seq)]
    missing = await asyncio.to_thread(runner.invoke, cli, [*args, "01NOSUCHRECORD0000000000000"])
    assert missing.exit_code == 1
    assert "no contact 01NOSUCHRECORD0000000000000" in missing.stderr
