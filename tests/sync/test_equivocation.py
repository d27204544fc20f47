"""An origin that signs two incompatible logs is caught with signed evidence (DESIGN §5).

The fork is real: a node's home (same key) is copied to a second home after a common prefix,
each copy publishes different records, and both are served. A puller that merged copy 1 and
then pulls copy 2 stores both checkpoint notes as evidence, freezes the origin and skips it in
every later pull — whichever copy is bigger (the bigger one goes through the diagnosis that
re-reads the whole log, ``Puller._diagnose``).
"""

from __future__ import annotations

import shutil
from typing import TYPE_CHECKING

import pytest

from federation.cli.samples import sample_origins, sample_records
from federation.config import Home
from federation.node.service import Node
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.note import parse_vkey

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

ORIGINS = sample_origins()
FORKED, PULLER = ORIGINS[0], ORIGINS[1]
COMMON = 2


async def fork(net: Net, n1: int, n2: int) -> tuple[Member, Member]:
    """Two served copies of one origin sharing ``COMMON`` records, then ``n1`` and ``n2``
    different ones."""
    records = sample_records(FORKED, extra=n1 + n2)
    home1 = await net.init(FORKED, dirname="fork-1")
    async with await Node.open(home1) as node:
        await node.publish(records[:COMMON])
    home2 = Home(net.tmp_path / "fork-2")
    shutil.copytree(home1.path, home2.path)
    copy1, copy2 = await net.open(home1), await net.open(home2)
    assert copy1.vkey == copy2.vkey
    await net.publish(copy1, records[COMMON : COMMON + n1])
    await net.publish(copy2, records[COMMON + n1 : COMMON + n1 + n2])
    return copy1, copy2


@pytest.mark.parametrize(
    ("n1", "n2", "detail"),
    [
        pytest.param(2, 2, "same size, different root", id="same-size"),
        pytest.param(1, 3, "fork at size 3", id="copy2-larger"),
        pytest.param(3, 1, "same size, different root", id="copy2-smaller"),
    ],
)
async def test_fork_is_caught_and_the_origin_frozen(
    net: Net, n1: int, n2: int, detail: str
) -> None:
    copy1, copy2 = await fork(net, n1, n2)
    puller = await net.start(PULLER)
    await net.trust(puller, copy1)
    await net.peer(puller, copy1)
    await net.peer(puller, copy2)

    (merged,) = await net.pull(puller, copy1.url)
    assert merged.ok and [o.outcome for o in merged.origins] == ["updated"], merged.error
    held = await puller.store.head(FORKED)
    assert held is not None and held.size == COMMON + n1

    (caught,) = await net.pull(puller, copy2.url)
    assert caught.ok, caught.error  # the peer relayed what the origin signed: not its fault
    assert [(o.origin, o.outcome) for o in caught.origins] == [(FORKED, "equivocation")]
    assert detail in caught.origins[0].detail

    # both notes kept, each validly signed by the origin, and they cannot both be true
    (evidence,) = await puller.store.evidence()
    head1, head2 = await copy1.store.head(FORKED), await copy2.store.head(FORKED)
    assert head1 is not None and head2 is not None
    assert (evidence.origin, evidence.source_a, evidence.source_b) == (FORKED, "local", copy2.url)
    assert (evidence.note_a, evidence.note_b) == (head1.checkpoint, head2.checkpoint)
    assert detail in evidence.detail
    key = [parse_vkey(copy1.vkey)]
    cp_a = open_checkpoint(evidence.note_a, FORKED, key)
    cp_b = open_checkpoint(evidence.note_b, FORKED, key)
    assert (cp_a.size, cp_b.size) == (COMMON + n1, COMMON + n2)
    assert cp_a.root != cp_b.root

    # frozen; the merged log is kept as it was, nothing of copy 2 came in
    frozen = await puller.store.head(FORKED)
    assert frozen is not None
    assert frozen.state == "frozen"
    assert frozen.state_reason is not None and frozen.state_reason.startswith("equivocation")
    assert (frozen.size, frozen.root, frozen.checkpoint) == (held.size, held.root, held.checkpoint)

    # later pulls skip the origin, from either copy, even when it grows
    more = sample_records(FORKED, extra=n1 + n2 + 2)[-2:]
    await net.publish(copy1, more[:1])
    await net.publish(copy2, more[1:])
    before = await net.snapshot(puller)
    for url in (copy1.url, copy2.url):
        (later,) = await net.pull(puller, url)
        assert later.ok, later.error
        assert [(o.origin, o.outcome) for o in later.origins] == [(FORKED, "frozen")]
    assert await net.snapshot(puller) == before
    assert len(await puller.store.evidence()) == 1


async def test_relay_of_a_fork_is_caught_too(net: Net) -> None:
    """The second copy arrives through an honest relay that trusted it: same evidence, and the
    relay (which only passed on what the origin signed) is not blamed."""
    copy1, copy2 = await fork(net, 2, 2)
    relay = await net.start(ORIGINS[2])
    puller = await net.start(PULLER)
    for m in (relay, puller):
        await net.trust(m, copy1)
    await net.trust(puller, relay)
    await net.peer(relay, copy2)
    (r,) = await net.pull(relay)
    assert r.ok and r.entries == COMMON + 2, r.error

    await net.peer(puller, copy1)
    await net.peer(puller, relay)
    (merged,) = await net.pull(puller, copy1.url)
    assert merged.ok, merged.error
    (caught,) = await net.pull(puller, relay.url)
    assert caught.ok, caught.error
    outcomes = {o.origin: o.outcome for o in caught.origins}
    assert outcomes == {FORKED: "equivocation", relay.origin: "unchanged"}
    (evidence,) = await puller.store.evidence(FORKED)
    assert evidence.source_b == relay.url
    peer = await puller.store.peer(relay.url)
    assert peer is not None and peer.failures == 0 and peer.last_error is None
