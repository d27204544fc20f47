"""Read API for portals (DESIGN §8): ``/v1/records``, one record with its proof, ``/v1/changes``.

Real nodes on 127.0.0.1 port 0 with their own SQLite homes: ``lt.esfa.ncc`` (the node under
test, with a portal token) publishes the demo's Lithuanian sample records and pulls those of
``be.esf.ncc`` and ``fi.esf.ncc`` from their nodes, which trust it (so it also holds their
``vis: federation`` person contacts). Expected answers are computed from the published record
inputs with the protocol's own ``summarize``, never from the API under test.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from federation.cli.samples import sample_records
from federation.config import Home, Settings
from federation.node import read as read_api
from federation.node.app import create_app
from federation.node.context import SYNC
from federation.node.service import Node, init_home
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.entry import parse_leaf
from federation.protocol.merkle import leaf_hash, verify_inclusion
from federation.protocol.note import parse_vkey
from federation.protocol.records import RecordSummary, summarize, validate_fields
from federation.store import read as store_read

TOKEN = "portal-token-for-tests-0123456789"
PORTAL = {"Authorization": f"Bearer {TOKEN}"}
COUNTRIES = {"lt.esfa.ncc": "LT", "be.esf.ncc": "BE", "fi.esf.ncc": "FI"}
Key = tuple[str, str, str]


# --- harness ------------------------------------------------------------------------------------


@dataclass
class Member:
    node: Node
    app: web.Application
    url: str
    home: Home
    published: dict[Key, dict[str, Any]] = field(default_factory=dict)

    @property
    def origin(self) -> str:
        return self.node.origin

    async def publish(self, records: list[dict[str, Any]]) -> None:
        await self.node.publish(records)
        for r in records:
            self.published[(self.origin, r["kind"], r["id"])] = r

    async def delete(self, key: Key) -> None:
        await self.node.delete(key[1], key[2])
        self.published.pop(key)

    async def pull(self, other: Member) -> None:
        results = await self.app[SYNC].sync_now(other.url)
        assert all(r.ok for r in results), [r.error for r in results]


@dataclass
class Net:
    a: Member  # the node under test
    b: Member
    c: Member

    def live(self) -> dict[Key, dict[str, Any]]:
        """What ``a`` holds after its last pulls: every member's published records."""
        return {**self.a.published, **self.b.published, **self.c.published}


async def start(
    stack: contextlib.AsyncExitStack, tmp_path: Path, origin: str, token: str
) -> Member:
    home = Home(tmp_path / origin)
    settings = Settings(
        origin=origin,
        country=COUNTRIES[origin],
        name=f"test node {origin}",
        listen="127.0.0.1:0",
        portal_token=token,
    )
    await init_home(home, settings)
    node = await Node.open(home)
    stack.push_async_callback(node.close)
    app = create_app(node, schedule=False)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return Member(node, app, f"http://{host}:{port}", home)


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Net]:
    async with contextlib.AsyncExitStack() as stack:
        a = await start(stack, tmp_path, "lt.esfa.ncc", TOKEN)
        b = await start(stack, tmp_path, "be.esf.ncc", "")
        c = await start(stack, tmp_path, "fi.esf.ncc", "")
        for m in (a, b, c):
            await m.publish(sample_records(m.origin, extra=4))
        for x, y in ((a, b), (a, c), (b, a), (c, a)):
            await x.node.store.add_origin(y.origin, "trusted", [y.node.signer.vkey])
        for other in (b, c):
            await a.node.store.add_peer(other.url, other.origin)
            await a.pull(other)
        yield Net(a, b, c)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


async def get(
    http: aiohttp.ClientSession,
    url: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
) -> Any:
    async with http.get(url, params=params, headers=headers) as resp:
        raw = await resp.read()
        assert resp.status == status, raw
        assert resp.content_type == "application/json"
    return orjson.loads(raw)


async def pages(
    http: aiohttp.ClientSession,
    base: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    limit: int = 4,
) -> list[dict[str, Any]]:
    """Every item of ``/v1/records`` with ``params``, following ``next`` to the end."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = {**(params or {}), "limit": str(limit)}
        if cursor is not None:
            query["cursor"] = cursor
        doc = await get(http, f"{base}/v1/records", query, headers)
        assert set(doc) == {"items", "next"}
        assert len(doc["items"]) <= limit
        items += doc["items"]
        cursor = doc["next"]
        if cursor is None:
            return items


def key(item: Mapping[str, Any]) -> Key:
    return (item["origin"], item["kind"], item["id"])


def summary_of(record: Mapping[str, Any]) -> RecordSummary:
    return summarize(record["kind"], validate_fields(record["kind"], record))


def is_person(record: Mapping[str, Any]) -> bool:
    return record["kind"] == "contact" and record.get("contact_type") == "person"


def folded_words(text: str) -> set[str]:
    """Words as ``unicode61 remove_diacritics 2`` sees them (for ASCII-free test oracles)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return set(re.findall(r"[^\W_]+", plain.casefold()))


def plain_texts(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    return [v if isinstance(v, str) else v["text"] for v in value.values()]


def search_hit(record: Mapping[str, Any], word: str) -> int | None:
    """0: ``word`` in a title variant; 1: only in a summary/description variant; None."""
    if is_person(record):
        return None  # person contacts are not full-text indexed
    titles = plain_texts(record.get("title") or record.get("name"))
    if any(word in folded_words(t) for t in titles):
        return 0
    text = record.get("summary") if record["kind"] == "case" else record.get("description")
    if any(word in folded_words(t) for t in plain_texts(text)):
        return 1
    return None


def new_case(n: int, title_en: str, summary_en: str, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "case",
        "id": f"01JTEST{n:019d}",
        "origin_country": "LT",
        "original_language": "lt",
        "created_at": "2026-02-01T10:00:00Z",
        "updated_at": "2026-02-01T10:00:00Z",
        "title": {"lt": f"Bandomasis atvejis Nr. {n}", "en": title_en},
        "summary": {"lt": "Trumpas aprašymas.", "en": summary_en},
        "countries": ["LT"],
        "lead_org": "Europos socialinio fondo agentūra",
        "themes": ["employment"],
    }
    rec.update(fields)
    return rec


# --- listing and visibility ---------------------------------------------------------------------


async def test_pages_list_every_live_record_exactly_once(
    net: Net, http: aiohttp.ClientSession
) -> None:
    live = net.live()
    anonymous = await pages(http, net.a.url, limit=3)
    assert [key(i) for i in anonymous] == list(dict.fromkeys(key(i) for i in anonymous))
    assert {key(i) for i in anonymous} == {k for k, r in live.items() if not is_person(r)}
    portal = await pages(http, net.a.url, headers=PORTAL, limit=5)
    assert Counter(key(i) for i in portal) == Counter(live.keys())  # persons too, each once
    # one page with the default limit holds them all; the last page says so with null
    doc = await get(http, f"{net.a.url}/v1/records", headers=PORTAL)
    assert len(doc["items"]) == len(live) and doc["next"] is None


async def test_items_carry_the_index_fields_and_the_body(
    net: Net, http: aiohttp.ClientSession
) -> None:
    items = {key(i): i for i in await pages(http, net.a.url, headers=PORTAL, limit=50)}
    for k, record in net.live().items():
        item, s = items[k], summary_of(record)
        seq = (await net.a.node.store.get_record(*k)).seq  # type: ignore[union-attr]
        assert item["seq"] == seq and item["op"] == "put"
        assert item["title"] == s.title
        assert item["country"] == s.country
        assert item["countries"] == list(s.countries)
        assert item["themes"] == sorted(s.themes)
        assert item["languages"] == sorted(s.languages, key=str.lower)
        assert item["updated_at"] == s.updated_at
        assert item["visibility"] == ("federation" if is_person(record) else "public")
        body = item["body"]
        assert body["id"] == k[2] and "salt" in body
        assert {f: v for f, v in body.items() if f != "salt"} == {
            f: v for f, v in record.items() if f != "kind"
        }
    pencil = next(i for i in items.values() if i["title"].get("en", "").startswith("PEnCIL"))
    assert pencil["countries"] == ["BE", "CZ", "FI", "LT"]


async def test_anonymous_requests_never_see_person_bodies(
    net: Net, http: aiohttp.ClientSession
) -> None:
    persons = {k: r for k, r in net.live().items() if is_person(r)}
    assert len(persons) == 3
    base = net.a.url
    for params in ({}, {"kind": "contact"}, {"country": "BE"}, {"lang": "nl"}, {"q": "Vermeulen"}):
        for item in await pages(http, base, params):
            assert item["visibility"] == "public"
            assert key(item) not in persons
    for k, person in persons.items():
        url = f"{base}/v1/records/{k[0]}/{k[1]}/{k[2]}"
        anonymous = await get(http, url)
        assert anonymous["visibility"] == "federation"
        assert anonymous["body"] is None and anonymous["body_text"] is None
        assert anonymous["title"] == {} and anonymous["updated_at"] is None
        assert person["display_name"] not in orjson.dumps(anonymous).decode()
        portal = await get(http, url, headers=PORTAL)
        assert portal["body"]["display_name"] == person["display_name"]
        assert portal["title"] == {"und": person["display_name"]}
    listed = await pages(http, base, {"kind": "contact"}, PORTAL)
    shown = {key(i): i["body"]["display_name"] for i in listed if key(i) in persons}
    assert shown == {k: r["display_name"] for k, r in persons.items()}
    # persons are listed and filtered for the portal, but never full-text indexed
    assert await pages(http, base, {"q": "Vermeulen"}, PORTAL) == []


async def test_portal_token_is_checked(net: Net, http: aiohttp.ClientSession) -> None:
    for headers in (
        {"Authorization": "Bearer wrong-token-0123456789abc"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": ""},
    ):
        for path in ("/v1/records", "/v1/records/lt.esfa.ncc/case/x"):
            doc = await get(http, net.a.url + path, headers=headers, status=401)
            assert doc["error"]["code"] == "unauthorized"
    # a node without a portal token refuses every token rather than ignoring it
    doc = await get(http, f"{net.b.url}/v1/records", headers=PORTAL, status=401)
    assert doc["error"]["code"] == "unauthorized"


# --- filters and search -------------------------------------------------------------------------


@pytest.mark.parametrize("sparse", [1000, 0], ids=["updated-index", "change-scan"])
async def test_filters_match_the_record_summaries(
    net: Net, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch, sparse: int
) -> None:
    # updated_since is looked up by index when few records match, else scanned: both agree
    monkeypatch.setattr(store_read, "SPARSE_UPDATES", sparse)
    late = new_case(
        1,
        "Cross-border pilot",
        "A Lithuanian–Greek pilot.",
        updated_at="2026-03-01T12:00:00.250Z",
        partners=[{"name": "Hellenic partner", "country": "EL"}],
        title={"lt": "Tarpvalstybinis bandymas", "en": "Cross-border pilot", "pt-BR": "Piloto"},
    )
    await net.a.publish([late])
    live = {k: (r, summary_of(r)) for k, r in net.live().items()}

    async def check(params: dict[str, str], want: set[Key]) -> None:
        got = await pages(http, net.a.url, params, PORTAL, limit=7)
        assert [key(i) for i in got] == list(dict.fromkeys(key(i) for i in got)), params
        assert {key(i) for i in got} == want, params
        assert want, f"vacuous filter {params}"

    for kind in ("case", "event", "contact"):
        await check({"kind": kind}, {k for k in live if k[1] == kind})
    for origin in COUNTRIES:
        await check({"origin": origin}, {k for k in live if k[0] == origin})
    for country in ("LT", "BE", "FI", "CZ", "GR"):
        await check(
            {"country": country}, {k for k, (_, s) in live.items() if country in s.countries}
        )
    await check({"country": "EL"}, {k for k, (_, s) in live.items() if "GR" in s.countries})
    for theme in ("employment", "social-inclusion", "youth"):
        await check({"theme": theme}, {k for k, (_, s) in live.items() if theme in s.themes})
    for lang in ("en", "nl", "FR", "fi", "sv", "pt-br", "PT-BR"):
        await check(
            {"lang": lang},
            {k for k, (_, s) in live.items() if lang.lower() in {t.lower() for t in s.languages}},
        )
    lk = ("lt.esfa.ncc", "case", late["id"])
    for since in (
        "2026-03-01T12:00:00Z",
        "2026-03-01T14:00:00+02:00",
        "2026-03-01",
        "2026-03-01t12:00:00.999z",
    ):
        await check({"updated_since": since}, {lk})
    assert await pages(http, net.a.url, {"updated_since": "2026-03-01T12:00:01Z"}) == []
    await check({"updated_since": "2000-01-01T00:00:00Z"}, set(live))
    await check({"updated_since": "2026-01-01", "country": "GR"}, {lk})
    await check({"updated_since": "2026-01-01", "kind": "case", "origin": "lt.esfa.ncc"}, {lk})
    await check(
        {"kind": "case", "country": "FI", "theme": "social-inclusion", "lang": "en"},
        {
            k
            for k, (_, s) in live.items()
            if k[1] == "case"
            and "FI" in s.countries
            and "social-inclusion" in s.themes
            and "en" in s.languages
        },
    )


async def test_search_ignores_diacritics_and_spans_languages(
    net: Net, http: aiohttp.ClientSession
) -> None:
    rec = new_case(
        2,
        "Reducing exclusion in rural areas",
        "Municipalities test new services.",
        title={"lt": "Socialinės atskirties mažinimas kaimo vietovėse", "en": "Reducing exclusion"},
    )
    await net.a.publish([rec])
    k = ("lt.esfa.ncc", "case", rec["id"])
    for q in ("socialines", "SOCIALINĖS", "socialinės atskirties", "exclusion", "Mazinimas"):
        found = await pages(http, net.a.url, {"q": q})
        assert k in {key(i) for i in found}, q
    assert k not in {key(i) for i in await pages(http, net.a.url, {"q": "socialines zzzz"})}
    # every word must match, in any variant; a word that is nowhere matches nothing
    assert await pages(http, net.a.url, {"q": "qwertyuiop"}) == []
    # the oracle: title hits first, then the rest, each in merge order
    order = [key(i) for i in await pages(http, net.a.url, headers=PORTAL, limit=50)]
    live = net.live()
    for word in ("innovation", "pilot", "youth", "sociale"):
        hits = {kk: h for kk in order if (h := search_hit(live[kk], word)) is not None}
        want = [kk for kk in order if hits.get(kk) == 0] + [kk for kk in order if hits.get(kk) == 1]
        got = [key(i) for i in await pages(http, net.a.url, {"q": word}, PORTAL, limit=3)]
        assert got == want, word
        assert want, f"vacuous word {word}"


@pytest.mark.parametrize(
    "q",
    [
        '"',
        '""',
        '"unbalanced',
        "AND OR",
        "OR",
        "NOT",
        "NEAR(",
        "NEAR(a b, 5)",
        "*",
        "innov*",
        "^social",
        "'; DROP TABLE records; --",
        "title:social",
        "{title text}: social",
        "title : (social)",
        "(",
        ")",
        "-",
        "+",
        "\\",
        "%",
        "\x00",
        "so\x00cial",
        "\u202eevil",
        "😀 social",
        "SELECT * FROM records",
        "records_fts",
        "''",
        "social AND AND innovation",
        "x" * 500,
    ],
)
async def test_any_text_is_a_valid_query(net: Net, http: aiohttp.ClientSession, q: str) -> None:
    doc = await get(http, f"{net.a.url}/v1/records", {"q": q, "limit": "500"})
    assert isinstance(doc["items"], list)
    for item in doc["items"]:
        assert item["visibility"] == "public"
    if q in ("😀 social", "^social"):
        assert doc["items"]  # the words in it still count as words
    assert len(await pages(http, net.a.url, limit=50)) > 0  # nothing was dropped


# --- paging while records merge -----------------------------------------------------------------


async def test_paging_while_records_merge_never_skips_or_repeats(
    net: Net, http: aiohttp.ClientSession
) -> None:
    """Paging by the change cursor: a record changed after it was listed is listed again (at
    its new change, with its new content); one changed before it was reached is listed once,
    at its new place; a deleted one not yet reached never; every other record exactly once."""
    a = net.a
    start = {key(i): i["seq"] for i in await pages(http, a.url, headers=PORTAL, limit=50)}
    first = await get(http, f"{a.url}/v1/records", {"limit": "4"}, PORTAL)
    seen = list(first["items"])
    done = {key(i) for i in seen}
    own = [k for k in a.published if k[1] == "case"]
    x = next(k for k in own if k in done)  # listed already
    y, z = [k for k in own if k not in done][:2]  # not reached yet
    w = next(k for k in net.b.published if k[1] == "case")  # a peer's record, via a pull
    assert w not in done

    def retitled(k: Key, member: Member) -> dict[str, Any]:
        rec = dict(member.published[k])
        rec["title"] = {**rec["title"], "en": "Updated while a portal was paging"}
        return rec

    await a.publish([retitled(x, a)])
    await a.publish([retitled(y, a)])
    await a.delete(z)
    new = new_case(3, "Published while a portal was paging", "New.")
    await a.publish([new])
    await net.b.publish([retitled(w, net.b)])
    await a.pull(net.b)

    cursor = first["next"]
    while cursor is not None:
        doc = await get(http, f"{a.url}/v1/records", {"limit": "4", "cursor": cursor}, PORTAL)
        seen += doc["items"]
        cursor = doc["next"]
    final = {key(i): i["seq"] for i in await pages(http, a.url, headers=PORTAL, limit=50)}
    n = ("lt.esfa.ncc", "case", new["id"])

    versions: dict[Key, list[int]] = {}
    for item in seen:
        versions.setdefault(key(item), []).append(item["seq"])
    assert len({(key(i), i["seq"]) for i in seen}) == len(seen)  # no version twice
    assert versions.pop(x) == [start[x], final[x]]
    assert versions.pop(y) == [final[y]] and final[y] != start[y]
    assert versions.pop(w) == [final[w]] and final[w] != start[w]
    assert versions.pop(n) == [final[n]]
    assert z not in versions and z not in final
    assert versions == {k: [s] for k, s in start.items() if k not in {x, y, z, w}}
    # the last version of each record listed is exactly what the node holds now
    last = {key(i): i["seq"] for i in seen}
    assert {k: s for k, s in last.items() if k != z} == final
    # and the changed records came last, in the order they changed
    assert [key(i) for i in seen[-4:]] == [x, y, n, w]


async def test_search_paging_while_records_merge(net: Net, http: aiohttp.ClientSession) -> None:
    """A search lists title hits, then other hits, both as they were when it began; records
    that change meanwhile follow at the end in the order they changed, still only if they
    match; unchanged hits are listed exactly once and nothing is skipped."""
    a = net.a
    cases = [new_case(10 + i, f"Lantern project {i}", "A pilot.") for i in range(4)]
    cases += [new_case(20 + i, f"Plain project {i}", "It uses a lantern.") for i in range(4)]
    cases += [new_case(30 + i, f"Other project {i}", "Nothing to see.") for i in range(2)]
    await a.publish(cases)
    keys = [("lt.esfa.ncc", "case", c["id"]) for c in cases]
    titled, texted, other = keys[:4], keys[4:8], keys[8:]
    before = [key(i) for i in await pages(http, a.url, {"q": "lantern"}, limit=3)]
    assert before == titled + texted

    first = await get(http, f"{a.url}/v1/records", {"q": "lantern", "limit": "3"})
    seen = [key(i) for i in first["items"]]
    assert seen == titled[:3]
    by_key = dict(zip(keys, cases, strict=True))
    await a.publish([by_key[titled[0]] | {"summary": {"lt": "Kita.", "en": "Changed lantern."}}])
    await a.publish([by_key[texted[1]] | {"summary": {"lt": "Kita.", "en": "Still a lantern."}}])
    await a.delete(texted[2])
    await a.publish([by_key[texted[3]] | {"summary": {"lt": "Kita.", "en": "No longer."}}])
    await a.publish([by_key[other[0]] | {"title": {"lt": "Kita", "en": "Lantern now"}}])
    fresh = new_case(40, "Fresh lantern", "New.")
    await a.publish([fresh])

    cursor = first["next"]
    while cursor is not None:
        doc = await get(
            http, f"{a.url}/v1/records", {"q": "lantern", "limit": "3", "cursor": cursor}
        )
        seen += [key(i) for i in doc["items"]]
        cursor = doc["next"]
    f = ("lt.esfa.ncc", "case", fresh["id"])
    assert seen == [
        *titled[:3],  # page 1
        titled[3],  # unchanged title hit
        texted[0],  # unchanged text hit (texted[1..3] changed: no longer at their old place)
        titled[0],  # changed after it was listed: listed again
        texted[1],  # changed before it was reached: listed once, at its new place
        other[0],  # became a hit
        f,  # new
    ]


# --- one record with provenance -----------------------------------------------------------------


async def test_record_provenance_verifies_against_the_origins_checkpoint(
    net: Net, http: aiohttp.ClientSession
) -> None:
    vkeys = {m.origin: m.node.signer.vkey for m in (net.a, net.b, net.c)}
    deleted = next(k for k in net.b.published if k[1] == "event")
    await net.b.delete(deleted)
    await net.a.pull(net.b)
    checked = 0
    for k in [*net.live(), deleted]:
        doc = await get(http, f"{net.a.url}/v1/records/{k[0]}/{k[1]}/{k[2]}", headers=PORTAL)
        signed = open_checkpoint(doc["checkpoint"].encode(), k[0], [parse_vkey(vkeys[k[0]])])
        assert signed.checkpoint.size == doc["size"]
        leaf = doc["leaf"].encode()
        parsed = parse_leaf(leaf)
        assert (parsed.seq, parsed.kind, parsed.id) == (doc["seq"], k[1], k[2])
        proof = [base64.b64decode(h) for h in doc["proof"]]
        verify_inclusion(leaf_hash(leaf), doc["seq"], doc["size"], proof, signed.checkpoint.root)
        if k == deleted:
            assert doc["op"] == "delete" and parsed.op.value == "delete"
            assert doc["body"] is None and doc["body_text"] is None
        else:
            body = doc["body_text"].encode()
            assert parsed.body == "sha256:" + hashlib.sha256(body).hexdigest()
            assert orjson.loads(body) == doc["body"]
        checked += 1
    assert checked == len(net.live()) + 1
    missing = await get(
        http, f"{net.a.url}/v1/records/lt.esfa.ncc/case/01JNOSUCHRECORD", status=404
    )
    assert missing["error"]["code"] == "not_found"
    await get(http, f"{net.a.url}/v1/records/unknown.origin/case/01JX", status=404)


# --- change feed --------------------------------------------------------------------------------


async def test_change_feed_mirror_ends_with_the_nodes_records(
    net: Net, http: aiohttp.ClientSession
) -> None:
    a = net.a
    mirror: dict[Key, tuple[int, str]] = {}
    since = 0

    async def drain() -> None:
        nonlocal since
        while True:
            doc = await get(http, f"{a.url}/v1/changes", {"since": str(since), "limit": "7"})
            assert set(doc) == {"results", "last"}
            cursors = [r["cursor"] for r in doc["results"]]
            assert cursors == sorted(cursors) and all(c > since for c in cursors)
            keys = [key(r) for r in doc["results"]]
            assert len(keys) == len(set(keys))  # each record at most once, at its latest
            for r in doc["results"]:
                mirror[key(r)] = (r["seq"], r["op"])
            since = doc["last"]
            if not doc["results"]:
                return

    async def truth() -> dict[Key, tuple[int, str]]:
        rows = await a.node.store.list_records(include_deleted=True, limit=100_000)
        return {(r.origin, r.kind, r.id): (r.seq, r.op) for r in rows}

    await drain()
    assert mirror == await truth()
    own = [k for k in a.published if k[1] == "case"]
    await a.publish([a.published[own[0]] | {"stage": "impact"}])
    await a.delete(own[1])
    await a.publish([new_case(5, "Mirrored", "Mirrored.")])
    await net.b.delete(next(k for k in net.b.published if k[1] == "event"))
    await net.b.publish([new_case(6, "From Belgium", "Relayed.")])
    await a.pull(net.b)
    await drain()
    state = await truth()
    assert mirror == state
    assert [op for _, op in mirror.values()].count("delete") == 2


async def test_long_poll_wakes_on_a_commit(
    net: Net, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    # no periodic re-read: only the store's commit signal can answer before the wait ends
    monkeypatch.setattr(read_api, "POLL_INTERVAL", 30.0)
    url = f"{net.a.url}/v1/changes"
    last = (await get(http, url, {"limit": "1000"}))["last"]
    loop = asyncio.get_running_loop()
    poll = asyncio.create_task(get(http, url, {"since": str(last), "wait": "20"}))
    await asyncio.sleep(0.3)
    assert not poll.done()
    started = loop.time()
    rec = new_case(7, "Long poll", "Woken.")
    await net.a.publish([rec])
    doc = await asyncio.wait_for(poll, 10)
    assert loop.time() - started < 10
    assert [(r["id"], r["op"]) for r in doc["results"]] == [(rec["id"], "put")]
    assert doc["last"] == doc["results"][0]["cursor"] > last


async def test_long_poll_sees_writes_of_other_processes(
    net: Net, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_api, "POLL_INTERVAL", 0.1)
    url = f"{net.a.url}/v1/changes"
    last = (await get(http, url, {"limit": "1000"}))["last"]
    poll = asyncio.create_task(get(http, url, {"since": str(last), "wait": "20"}))
    await asyncio.sleep(0.3)
    # a second Node on the same home commits through its own connection, like a CLI command
    async with await Node.open(net.a.home) as cli:
        await cli.publish([new_case(8, "From the CLI", "Other process.")])
    doc = await asyncio.wait_for(poll, 10)
    assert [r["id"] for r in doc["results"]] == [new_case(8, "", "")["id"]]


async def test_long_poll_without_news_answers_empty_after_the_wait(
    net: Net, http: aiohttp.ClientSession
) -> None:
    url = f"{net.a.url}/v1/changes"
    last = (await get(http, url, {"limit": "1000"}))["last"]
    loop = asyncio.get_running_loop()
    started = loop.time()
    doc = await get(http, url, {"since": str(last), "wait": "0.4"})
    assert doc == {"results": [], "last": last}
    assert loop.time() - started >= 0.35
    # with news at hand the full wait is not taken
    doc = await get(http, url, {"since": "0", "wait": "60", "limit": "2"})
    assert len(doc["results"]) == 2


# --- bad input ----------------------------------------------------------------------------------

BAD_RECORDS = [
    "kind=x",
    "kind=CASE",
    "kind=",
    "country=lt",
    "country=XX",
    "country=LTU",
    "country=",
    "theme=nope",
    "theme=Employment",
    "lang=e",
    "lang=english!",
    "lang=en_US",
    "lang=",
    "origin=NOT%20AN%20ORIGIN",
    "origin=unknown.example.org",
    "updated_since=yesterday",
    "updated_since=2025-13-01T00:00:00Z",
    "updated_since=2025-02-30T00:00:00Z",
    "updated_since=2025-01-01T25:00:00Z",
    "updated_since=2025-01-01T00:00:00",
    "updated_since=2025-01-01%2000:00:00Z",
    "updated_since=99999-01-01T00:00:00Z",
    "updated_since=0001-01-01T00:00:00%2B01:00",
    "updated_since=",
    "limit=0",
    "limit=-1",
    "limit=10001",
    "limit=501",
    "limit=abc",
    "limit=1.5",
    "limit=",
    "limit=99999999999999999999999",
    "cursor=",
    "cursor=dGVzdA",
    "cursor=AAAA.BBBB",
    "cursor=....",
    "cursor=%FF%FE.%00",
    "cursor=" + "A" * 1000 + "." + "B" * 22,
    "q=" + "x" * 501,
    "foo=bar",
    "country=LT&country=BE",
]

BAD_CHANGES = [
    "since=-1",
    "since=abc",
    "since=1e3",
    "limit=0",
    "limit=1001",
    "limit=-5",
    "wait=-1",
    "wait=abc",
    "wait=1e309",
    "wait=inf",
    "wait=nan",
    "wait=61",
    "wait=99999999999999999999",
    "wait=0x10",
    "wait=",
    "cursor=1",
]


async def _bad(http: aiohttp.ClientSession, url: str, status: int = 400) -> dict[str, Any]:
    from yarl import URL

    async with http.get(URL(url, encoded=True)) as resp:
        raw = await resp.read()
        assert resp.status == status, (url, raw)
        assert resp.content_type == "application/json"
    doc: dict[str, Any] = orjson.loads(raw)
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message"}
    return doc


@pytest.mark.parametrize("query", BAD_RECORDS)
async def test_bad_record_queries_are_400(
    net: Net, http: aiohttp.ClientSession, query: str
) -> None:
    doc = await _bad(http, f"{net.a.url}/v1/records?{query}")
    assert doc["error"]["code"] == "bad_request"


@pytest.mark.parametrize("query", BAD_CHANGES)
async def test_bad_change_queries_are_400(
    net: Net, http: aiohttp.ClientSession, query: str
) -> None:
    doc = await _bad(http, f"{net.a.url}/v1/changes?{query}")
    assert doc["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    "path",
    [
        "NOT_AN_ORIGIN/case/01JX",
        "lt.esfa.ncc/nope/01JX",
        "lt.esfa.ncc/case/bad%20id",
        "lt.esfa.ncc/case/-x",
    ],
)
async def test_bad_record_paths_are_400(net: Net, http: aiohttp.ClientSession, path: str) -> None:
    doc = await _bad(http, f"{net.a.url}/v1/records/{path}")
    assert doc["error"]["code"] == "bad_request"


async def test_cursors_are_opaque_and_bound_to_their_query(
    net: Net, http: aiohttp.ClientSession
) -> None:
    base = f"{net.a.url}/v1/records"
    first = await get(http, base, {"kind": "case", "limit": "2"})
    cursor = first["next"]
    assert cursor is not None
    payload, mac = cursor.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    forged = base64.urlsafe_b64encode(raw.replace(b",", b",1", 1)).rstrip(b"=").decode()
    flipped = mac[:5] + ("A" if mac[5] != "A" else "B") + mac[6:]
    respelled = mac[:-1] + chr(ord(mac[-1]) ^ 1)  # same bytes if unused bits were ignored
    for params, headers in (
        ({"kind": "case", "cursor": f"{forged}.{mac}"}, None),  # tampered payload
        ({"kind": "case", "cursor": f"{payload}.{flipped}"}, None),  # tampered MAC
        ({"kind": "case", "cursor": f"{payload}.{respelled}"}, None),
        ({"kind": "case", "cursor": f"{payload}=.{mac}"}, None),
        ({"kind": "event", "cursor": cursor}, None),  # another query
        ({"cursor": cursor}, None),
        ({"kind": "case", "cursor": cursor, "q": "social"}, None),
        ({"kind": "case", "cursor": cursor}, PORTAL),  # other visibility
    ):
        doc = await get(http, base, {**params, "limit": "2"}, headers, status=400)
        assert doc["error"]["code"] == "bad_request"
    ok = await get(http, base, {"kind": "case", "limit": "2", "cursor": cursor})
    assert {key(i) for i in ok["items"]}.isdisjoint({key(i) for i in first["items"]})


async def test_shutdown_does_not_wait_for_long_polls(tmp_path: Path) -> None:
    async with aiohttp.ClientSession() as session:
        stack = contextlib.AsyncExitStack()
        async with stack:
            m = await start(stack, tmp_path, "lt.esfa.ncc", "")
            poll = asyncio.create_task(
                get(session, f"{m.url}/v1/changes", {"since": "99", "wait": "60"})
            )
            await asyncio.sleep(0.3)
            loop = asyncio.get_running_loop()
            started = loop.time()
        assert loop.time() - started < 5  # the server stopped without waiting out the poll
        assert await asyncio.wait_for(poll, 5) == {"results": [], "last": 99}
