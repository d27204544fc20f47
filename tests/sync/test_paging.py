"""How a pull pages through a peer's log (DESIGN §4: the server caps ``limit``).

The puller asks for its own ``max_batch`` and requests the next page before it has verified
the current one. A peer that caps pages lower than that answers short pages, which are valid:
the puller carries on from where the page ended, asking for the peer's page size from then on,
and merges the whole log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from federation.cli.samples import sample_origins, sample_records
from federation.config import Limits

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()
SOURCE, PULLER = ORIGINS[0], ORIGINS[1]


async def test_a_peer_with_smaller_pages_is_followed(net: Net) -> None:
    source = await net.start(SOURCE, limits=Limits(max_batch=4))
    puller = await net.start(PULLER, limits=Limits(max_batch=10))
    await net.trust(puller, source)
    records = sample_records(source.origin, extra=25)
    await net.publish(source, records)
    mine = await source.store.head(source.origin)
    assert mine is not None and mine.size == len(records)

    asked: list[tuple[int, int]] = []  # (start, limit) of every /entries request

    async def count(request: web.Request, body: bytes) -> None:
        if request.path.endswith("/entries"):
            asked.append((int(request.query["start"]), int(request.query["limit"])))

    url = await net.serve(net.proxy(source.url, count))
    await net.peer(puller, url, source.origin)
    (result,) = await net.pull(puller, url)

    assert result.ok, result.error
    assert result.entries == mine.size
    assert (await net.digest(puller))[source.origin] == (mine.size, mine.root)
    for rec in records:
        row = await puller.store.get_record(source.origin, rec["kind"], rec["id"])
        assert row is not None and row.op == "put"
    # the first page comes back short (4 of 10): from then on pages of 4, gapless; the one
    # request made ahead for [10, 20) may or may not have reached the peer before it was dropped
    assert asked[0] == (0, 10)
    pages = [a for a in asked[1:] if a != (10, 10)]
    expected = [(s, min(4, mine.size - s)) for s in range(4, mine.size, 4)]
    assert pages == expected
