"""Origins seen at a peer but not trusted are listed as pending and never merged (DESIGN §6)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from federation.cli.samples import sample_origins

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()


async def test_untrusted_origin_is_pending_until_trusted(net: Net) -> None:
    a = await net.start(ORIGINS[0])
    b = await net.start(ORIGINS[1])
    records = await net.publish_samples(a)
    await net.peer(b, a)

    (first,) = await net.pull(b)
    assert first.ok, first.error
    assert [(o.origin, o.outcome) for o in first.origins] == [(a.origin, "pending")]
    assert [(p.origin, p.url) for p in await b.store.pending()] == [(a.origin, a.url)]
    assert await b.store.head(a.origin) is None
    assert await b.store.get_record(a.origin, records[0]["kind"], records[0]["id"]) is None

    # the admin trusts the origin; a's list did not change, but the next pull must merge it
    await net.trust(b, a)
    (second,) = await net.pull(b)
    assert second.ok, second.error
    assert [(o.origin, o.outcome) for o in second.origins] == [(a.origin, "updated")]
    assert await net.digest(b) == await net.digest(a) | {b.origin: (await net.digest(b))[b.origin]}
    assert await b.store.pending() == []


async def test_pending_shows_the_key_the_peers_descriptor_offered(net: Net) -> None:
    """``peers add`` asks the peer who it is; its vkey is shown for its pending origin only."""
    from federation.node.admin_ops import add_peer

    a, b, c = [await net.start(o) for o in ORIGINS[:3]]
    await net.trust(b, c)
    await net.trust(a, c)  # a relays c's log; c's key is not a's own
    await net.peer(a, c)
    await net.publish_samples(c)
    await net.pull(a)
    added = await add_peer(b.store, b.node.settings, net.session, a.url)
    assert added.added
    (result,) = await net.pull(b)
    assert result.ok, result.error
    pending = {p.origin: p.vkey for p in await b.store.pending()}
    # a's own origin: the key a's descriptor offered; nothing is trusted because of it
    assert pending == {a.origin: a.vkey}
    assert await b.store.head(a.origin) is None
    assert await b.store.verifiers(a.origin) == []
