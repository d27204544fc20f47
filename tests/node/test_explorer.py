"""The web explorer (``federation/node/explorer.py``): search, record pages, network page.

Real nodes from the sync tests' harness (``net``, ``tests/sync/conftest.py``): ``lt.esfa.ncc``
publishes the demo's Lithuanian sample records (plus generated cases, so results span pages)
and pulls ``be.esf.ncc``'s from its node; a third peer URL has nothing listening. Pages are
fetched over HTTP and parsed with the standard library's HTML parser. Expected results are
computed from the published record inputs with the protocol's own ``summarize`` and
``default_visibility``, never from the explorer; verification marks are checked against the
store, then broken by editing the SQLite file underneath the running node.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from yarl import URL

from federation.cli.samples import sample_records
from federation.node.explorer import PAGE_SIZE
from federation.protocol.checkpoint import Checkpoint, parse_checkpoint_text
from federation.protocol.entry import Visibility
from federation.protocol.merkle import leaf_hash, verify_inclusion
from federation.protocol.note import Signer, parse_note, parse_vkey
from federation.protocol.records import default_visibility, summarize, validate_fields
from tests.audit.conftest import fork
from tests.sync.conftest import Member, Net, net  # noqa: F401 (the harness fixture)

LT, BE = "lt.esfa.ncc", "be.esf.ncc"
Key = tuple[str, str, str]
DATABASE_CASE = (LT, "case", sample_records(LT)[2]["id"])
"""Socialinių inovacijų duomenų bazė „Social Innovation Match“ (original language lt)."""
CALL_EVENT = (LT, "event", sample_records(LT)[4]["id"])
"""The ESF+ call for proposals: an LT event written in English first."""
PERSON = (LT, "contact", sample_records(LT)[1]["id"])
"""Aistė Vaitkevičiūtė: a person contact (``vis: federation``)."""


# --- HTML ---------------------------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    parents: tuple[int, ...]  # indexes of the enclosing elements in Page.elements
    text: str = ""


class Page(HTMLParser):
    """A parsed page: every element with its attributes, text and enclosing elements."""

    VOID = frozenset({"meta", "br", "input", "link", "img", "hr"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.html = html
        self.elements: list[Element] = []
        self._open: list[int] = []
        self._texts: dict[int, list[str]] = {}
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = Element(tag, {k: v or "" for k, v in attrs}, tuple(self._open))
        self.elements.append(el)
        if tag not in self.VOID:
            self._open.append(len(self.elements) - 1)
            self._texts[len(self.elements) - 1] = []

    def handle_endtag(self, tag: str) -> None:
        if not any(self.elements[i].tag == tag for i in self._open):
            return
        while self._open:
            i = self._open.pop()
            self.elements[i].text = "".join(self._texts.pop(i))
            if self.elements[i].tag == tag:
                return

    def handle_data(self, data: str) -> None:
        for i in self._open:
            self._texts[i].append(data)

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def one(self, tag: str, **attrs: str) -> Element:
        (el,) = self.find(tag, **attrs)
        return el

    def inside(self, el: Element, tag: str) -> list[Element]:
        i = self.elements.index(el)
        return [e for e in self.elements if tag in ("*", e.tag) and i in e.parents]

    @property
    def lang(self) -> str:
        return self.one("html").attrs["lang"]

    @property
    def text(self) -> str:
        return " ".join(self.one("html").text.split())

    def results(self) -> list[Element]:
        """The result links of a search page, in order."""
        lists = self.find("ol", class_="results")
        return [a for ol in lists for a in self.inside(ol, "a")]

    def row(self, first_cell: str) -> list[str]:
        """The cell texts (``th``, ``td``) of the table row whose first cell is ``first_cell``."""
        for tr in self.find("tr"):
            cells = [
                " ".join(c.text.split()) for c in self.inside(tr, "*") if c.tag in ("th", "td")
            ]
            if cells and cells[0] == first_cell:
                return cells
        raise AssertionError(f"no table row for {first_cell!r}")


async def fetch(
    http: aiohttp.ClientSession, url: str, status: int = 200
) -> tuple[Page, aiohttp.ClientResponse]:
    async with http.get(url, allow_redirects=False) as resp:
        text = await resp.text()
        assert resp.status == status, text[:2000]
        assert resp.content_type == "text/html" and resp.charset == "utf-8"
    return Page(text), resp


def record_key(href: str) -> Key:
    origin, kind, rid = urlsplit(href).path.removeprefix("/records/").split("/")
    return origin, kind, rid


async def walk(http: aiohttp.ClientSession, url: str) -> list[Key]:
    """Every result of a search, following "next page" to the end."""
    found: list[Key] = []
    while True:
        page, _ = await fetch(http, url)
        links = page.results()
        assert len(links) <= PAGE_SIZE
        found += [record_key(a.attrs["href"]) for a in links]
        nxt = [a for a in page.find("a") if a.attrs.get("rel") == "next"]
        if not nxt:
            return found
        url = base_of(url) + nxt[0].attrs["href"]


def base_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


# --- the network under test ---------------------------------------------------------------------


@dataclass
class World:
    lt: Member
    be: Member
    dead: str
    published: dict[Key, dict[str, Any]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.lt.url

    def public(self) -> dict[Key, dict[str, Any]]:
        return {
            k: r
            for k, r in self.published.items()
            if default_visibility(r["kind"], r) is Visibility.PUBLIC
        }

    def page(self, key: Key, query: str = "") -> str:
        return f"{self.url}/records/{key[0]}/{key[1]}/{key[2]}{query}"


@pytest.fixture
async def world(net: Net) -> World:  # noqa: F811 (the harness fixture)
    lt = await net.start(LT)
    be = await net.start(BE)
    w = World(lt, be, f"http://127.0.0.1:{net.free_port()}")
    for m, records in ((lt, sample_records(LT, extra=25)), (be, sample_records(BE))):
        await net.publish(m, records)
        w.published.update({(m.origin, r["kind"], r["id"]): r for r in records})
    await net.trust(lt, be)
    await net.trust(be, lt)
    await net.peer(lt, be)
    await net.peer(lt, w.dead, BE)
    (ok,) = await net.pull(lt, be.url)
    assert ok.ok, ok.error
    (failed,) = await net.pull(lt, w.dead)
    assert not failed.ok
    return w


def summary(record: Mapping[str, Any]) -> Any:
    return summarize(record["kind"], validate_fields(record["kind"], record))


def tamper(world: World, sql: str, *params: Any) -> None:
    """Change the node's SQLite file underneath it (another connection, as an intruder would)."""
    conn = sqlite3.connect(world.lt.store.path, timeout=10)
    try:
        with conn:
            cur = conn.execute(sql, params)
            assert cur.rowcount == 1
    finally:
        conn.close()


# --- search -------------------------------------------------------------------------------------


async def test_search_finds_a_lithuanian_record_by_a_word_without_diacritics(
    world: World, http: aiohttp.ClientSession
) -> None:
    page, _ = await fetch(http, f"{world.url}/?q=socialiniu+duomenu")
    assert page.lang == "en"
    (link,) = page.results()
    assert record_key(link.attrs["href"]) == DATABASE_CASE
    record = world.published[DATABASE_CASE]
    assert link.text == record["title"]["lt"]  # the original language, not English
    assert link.attrs["lang"] == "lt"
    assert page.one("input", name="q").attrs["value"] == "socialiniu duomenu"
    # an unaccented Flemish word finds the Belgian case pulled from be.esf.ncc
    page, _ = await fetch(http, f"{world.url}/?q=buurt")
    assert [record_key(a.attrs["href"])[0] for a in page.results()] == [BE]
    assert page.results()[0].attrs["lang"] == "nl"


def _matches(record: Mapping[str, Any], origin: str, query: Mapping[str, str]) -> bool:
    s = summary(record)
    return (
        record["kind"] == query.get("kind", record["kind"])
        and origin == query.get("origin", origin)
        and query.get("country", s.country) in (*s.countries, s.country)
        and query.get("theme", "") in (*s.themes, "")
        and query.get("lang", "").lower() in (*(t.lower() for t in s.languages), "")
    )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "", "kind": "", "country": "", "theme": "", "lang": "", "origin": ""},
        {"kind": "event"},
        {"country": "BE"},
        {"origin": BE, "kind": "case"},
        {"theme": "housing"},
        {"lang": "nl"},
        {"kind": "case", "country": "LT", "theme": "employment"},
    ],
    ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "everything",
)
async def test_filters_and_pages_list_exactly_the_matching_public_records(
    world: World, http: aiohttp.ClientSession, query: dict[str, str]
) -> None:
    given = {k: v for k, v in query.items() if v}
    expected = {k for k, r in world.public().items() if _matches(r, k[0], given)}
    assert expected  # every filter here selects something
    url = str(URL(f"{world.url}/").with_query(query))
    found = await walk(http, url)
    assert len(found) == len(set(found))  # each record once across the pages
    assert set(found) == expected
    if not given:
        assert len(expected) > PAGE_SIZE  # the walk followed the cursor


async def test_a_cursor_only_serves_the_search_it_was_made_for(
    world: World, http: aiohttp.ClientSession
) -> None:
    page, _ = await fetch(http, f"{world.url}/?kind=case")
    (nxt,) = [a for a in page.find("a") if a.attrs.get("rel") == "next"]
    href = nxt.attrs["href"]
    assert "kind=case" in href and "cursor=" in href
    cursor = href.split("cursor=")[1]
    page, _ = await fetch(http, f"{world.url}/?kind=event&cursor={cursor}", status=400)
    assert "belongs to a query with other parameters" in page.one("p", class_="error").text


# --- record pages -------------------------------------------------------------------------------


def _proof_of(page: Page) -> list[bytes]:
    row = next(tr for tr in page.find("tr") if "inclusion proof" in tr.text)
    return [base64.b64decode(c.text) for c in page.inside(row, "code")]


async def test_record_page_is_verified_on_the_server_and_switches_language(
    world: World, http: aiohttp.ClientSession
) -> None:
    record = world.published[DATABASE_CASE]
    page, _ = await fetch(http, world.page(DATABASE_CASE))
    assert page.one("span", id="verification").text == "verified ✓"
    assert page.lang == "lt"  # the record's own language, not English
    assert page.one("h1").text == record["title"]["lt"]
    assert record["summary"]["lt"] in page.text and record["summary"]["en"] not in page.text
    assert record["lead_org"] in page.text
    # the provenance shown is the store's, and it verifies independently of the page's mark
    head = await world.lt.store.head(LT)
    assert head is not None and head.checkpoint is not None
    cp = parse_checkpoint_text(parse_note(head.checkpoint).text)
    stored = await world.lt.store.get_record(*DATABASE_CASE)
    assert stored is not None
    assert page.row("entry")[1].startswith(f"seq {stored.seq} · put · visibility public")
    assert base64.b64encode(cp.root).decode() in page.text and f"size {cp.size}" in page.text
    leaf = page.one("pre", id="leaf").text.encode()
    assert leaf == stored.leaf
    verify_inclusion(leaf_hash(leaf), stored.seq, cp.size, _proof_of(page), cp.root)
    # the language switch: one link per language the record has text in
    links = {a.attrs["hreflang"]: a.attrs["href"] for a in page.find("a") if "hreflang" in a.attrs}
    assert links == {"en": "?hl=en"}
    page, _ = await fetch(http, world.page(DATABASE_CASE, links["en"]))
    assert page.lang == "en" and page.one("h1").text == record["title"]["en"]
    assert record["summary"]["en"] in page.text and record["summary"]["lt"] not in page.text
    assert page.one("span", id="verification").text == "verified ✓"
    assert page.one("strong", lang="en").attrs["aria-current"] == "true"
    # a record first written in English opens in English; a Belgian one (pulled) in Dutch
    page, _ = await fetch(http, world.page(CALL_EVENT))
    assert page.lang == "en" and page.one("span", id="verification").text == "verified ✓"
    be_case = next(k for k in world.published if k[0] == BE and k[1] == "case")
    page, _ = await fetch(http, world.page(be_case))
    assert page.lang == "nl" and page.one("span", id="verification").text == "verified ✓"
    assert {a.attrs["hreflang"] for a in page.find("a") if "hreflang" in a.attrs} == {"en"}


async def _forged_checkpoint(world: World) -> bytes:
    head = await world.lt.store.head(LT)
    assert head is not None
    return Checkpoint(LT, head.size, head.root).sign(Signer.generate(LT))


@pytest.mark.parametrize("part", ["body", "leaf", "tree", "checkpoint"])
async def test_a_record_tampered_with_in_the_store_is_not_verified(
    world: World, http: aiohttp.ClientSession, part: str
) -> None:
    record = world.published[DATABASE_CASE]
    stored = await world.lt.store.get_record(*DATABASE_CASE)
    assert stored is not None and stored.body is not None
    page, _ = await fetch(http, world.page(DATABASE_CASE))
    assert page.one("span", id="verification").text == "verified ✓"
    oid = "(SELECT id FROM origins WHERE origin = ?)"
    if part == "body":
        forged = stored.body.replace(b"100 iniciatyv", b"900 iniciatyv")
        assert forged != stored.body
        sql = f"UPDATE bodies SET body = ? WHERE origin_id = {oid} AND id = ?"
        tamper(world, sql, forged, LT, DATABASE_CASE[2])
        reason = "does not match the digest the origin signed"
    elif part == "leaf":
        forged = stored.leaf.replace(b'"ts":"2', b'"ts":"1')
        assert forged != stored.leaf
        sql = f"UPDATE leaves SET leaf = ? WHERE origin_id = {oid} AND seq = ?"
        tamper(world, sql, forged, LT, stored.seq)
        reason = "the leaf is not in the signed tree"
    elif part == "tree":  # the leaf hash next to the record's, the first hash of its proof
        sql = f"UPDATE tree SET hash = ? WHERE origin_id = {oid} AND level = 0 AND idx = ?"
        tamper(world, sql, bytes(32), LT, stored.seq ^ 1)
        reason = "the leaf is not in the signed tree"
    else:  # a checkpoint of the same tree, signed by a key of the same name that nobody pinned
        sql = "UPDATE origins SET checkpoint = ? WHERE origin = ?"
        tamper(world, sql, await _forged_checkpoint(world), LT)
        reason = "the checkpoint is not validly signed by a trusted key of lt.esfa.ncc"
    page, _ = await fetch(http, world.page(DATABASE_CASE))
    mark = page.one("span", id="verification")
    assert mark.text == "not verified ✗" and mark.attrs["class"] == "unverified"
    assert reason in page.text
    assert "verified ✓" not in page.text
    if part == "body":  # a body that is not the signed one is not shown as the record
        assert "900 iniciatyv" not in page.text and record["summary"]["lt"] not in page.text
    # another record of the log is still verified unless the checkpoint itself is forged
    other, _ = await fetch(http, world.page(CALL_EVENT))
    expected = "not verified ✗" if part == "checkpoint" else "verified ✓"
    assert other.one("span", id="verification").text == expected


# --- escaping, headers, visibility --------------------------------------------------------------


async def test_markup_in_records_is_escaped_and_pages_carry_a_strict_csp(
    world: World, http: aiohttp.ClientSession
) -> None:
    evil = dict(sample_records(LT)[3])
    evil["id"] = "01JEXP10RER0000000000000XS"
    evil["title"] = {
        "lt": 'Bendruomenių laboratorija <script>alert("lt")</script>',
        "en": "Community lab <script>alert(document.cookie)</script>",
    }
    evil["summary"] = {
        "lt": 'Bendruomenės <img src=x onerror="alert(1)"> kuria paslaugas.',
        "en": "Communities <b>co-design</b> services.",
    }
    await world.lt.node.publish([evil])
    key = (LT, "case", evil["id"])
    for url in (f"{world.url}/?q=bendruomeniu+laboratorija", world.page(key)):
        page, resp = await fetch(http, url)
        assert "<script" not in page.html and "<img" not in page.html
        assert "&lt;script&gt;alert(&#34;lt&#34;)&lt;/script&gt;" in page.html
        assert evil["title"]["lt"] in page.text  # shown as text, exactly
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        assert "script-src" not in csp  # no script at all: default-src 'none' covers it
        style = page.one("style").text
        digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
        assert f"style-src 'sha256-{digest}'" in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert page.one("span", id="verification").text == "verified ✓"
    assert evil["summary"]["lt"] in page.text


async def test_federation_records_and_deleted_ones_show_no_content(
    world: World, http: aiohttp.ClientSession
) -> None:
    person = world.published[PERSON]
    assert default_visibility("contact", person) is Visibility.FEDERATION
    held = await world.lt.store.get_record(*PERSON)
    assert held is not None and held.body is not None  # the node holds the personal data...
    for url in (f"{world.url}/?q=Aiste", f"{world.url}/?kind=contact&origin={LT}"):
        page, _ = await fetch(http, url)
        assert PERSON not in [record_key(a.attrs["href"]) for a in page.results()]
        assert "Vaitkevi" not in page.html
    page, _ = await fetch(http, world.page(PERSON))  # ...and never shows it
    assert "Vaitkevi" not in page.html and person["email"] not in page.html
    assert "shared within the federation only" in page.text
    assert page.one("span", id="verification").text == "verified ✓"  # its entry is signed
    await fetch(http, world.page(PERSON, "?hl=lt"), status=400)
    # a case that refers to the person links to it by id only; the organisation by its name
    page, _ = await fetch(http, world.page(DATABASE_CASE))
    assert "Vaitkevi" not in page.html
    org = world.published[(LT, "contact", world.published[DATABASE_CASE]["contact_refs"][0])]
    links = [a for a in page.find("a") if "/contact/" in a.attrs["href"]]
    contacts = {record_key(a.attrs["href"]): a for a in links}
    assert contacts.keys() == {(LT, "contact", org["id"]), PERSON}
    assert contacts[PERSON].text == PERSON[2] and "(not public)" in page.text
    assert contacts[(LT, "contact", org["id"])].text == org["name"]["lt"]
    assert contacts[(LT, "contact", org["id"])].attrs["lang"] == "lt"
    # a deleted record: the page says so; its text is gone
    before = await world.lt.store.head(LT)
    assert before is not None
    await world.lt.node.delete(*DATABASE_CASE[1:])
    page, _ = await fetch(http, world.page(DATABASE_CASE))
    assert "was deleted by its origin" in page.text
    assert world.published[DATABASE_CASE]["summary"]["lt"] not in page.text
    assert page.one("span", id="verification").text == "verified ✓"
    assert page.row("entry")[1].startswith(f"seq {before.size} · delete")
    page, _ = await fetch(http, f"{world.url}/?q=socialiniu+duomenu")
    assert page.results() == []


# --- network ------------------------------------------------------------------------------------


async def test_network_page_lists_origins_and_peers_with_their_state(
    world: World, http: aiohttp.ClientSession
) -> None:
    page, _ = await fetch(http, f"{world.url}/network")
    assert page.lang == "en"
    for member, state in ((world.lt, "own log"), (world.be, "trusted")):
        head = await world.lt.store.head(member.origin)
        assert head is not None
        key_id = parse_vkey(member.vkey).key_id.hex()
        origin, shown_state, keys, size, _records, updated = page.row(member.origin)
        assert (origin, shown_state) == (member.origin, state)
        assert keys == f"{key_id} (active)"
        assert size == f"{head.size:,}" and updated != "never"
    be_peer = page.row(world.be.url)
    assert be_peer[1] == BE and be_peer[2] != "never" and be_peer[3] == "" and be_peer[4] == "0"
    dead = page.row(world.dead)
    assert dead[2] == "never" and dead[3] != "" and dead[4] == "1"
    assert dead[5].startswith("in ")  # backed off
    assert "None: no origin was caught" in page.text


async def test_network_page_shows_equivocation_evidence(
    net: Net,  # noqa: F811 (the harness fixture)
    http: aiohttp.ClientSession,
) -> None:
    forked = "fi.esf.ncc"
    copy1, copy2 = await fork(net, forked, 2, 1, 1)
    lt = await net.start(LT)
    await net.trust(lt, copy1)
    await net.peer(lt, copy1)
    await net.peer(lt, copy2)
    for copy in (copy1, copy2):
        (result,) = await net.pull(lt, copy.url)
        assert result.ok, result.error
    (evidence,) = await lt.store.evidence()
    page, _ = await fetch(http, f"{lt.url}/network")
    assert page.row(forked)[1].startswith("frozen: equivocation")
    assert "signed two checkpoints that cannot both be true" in page.text
    notes = [p.text for p in page.find("pre")]
    assert notes == [evidence.note_a.decode(), evidence.note_b.decode()]
    # and the origin's record pages say the origin is frozen
    rid = sample_records(forked)[2]["id"]
    page, _ = await fetch(http, f"{lt.url}/records/{forked}/case/{rid}")
    assert f"The origin {forked} is frozen" in page.text


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("country=lt", "country must be an ISO 3166-1 alpha-2 code in upper case, got 'lt'"),
        ("kind=story", "unknown kind 'story'"),
        ("theme=Employment", "unknown theme 'Employment'"),
        ("lang=en_US", "lang must be a BCP 47 language tag"),
        ("origin=xx.unknown.ncc", "this node serves no records of origin 'xx.unknown.ncc'"),
        ("cursor=abc", "malformed cursor"),
        ("contry=LT", "unknown parameter 'contry'"),
        ("q=a&q=b", "q is given more than once"),
        ("kind=&kind=case", "kind is given more than once"),
        ("q=" + "x" * 501, "q is longer than 500 characters"),
    ],
)
async def test_a_bad_search_is_a_friendly_400_page(
    world: World, http: aiohttp.ClientSession, query: str, message: str
) -> None:
    page, _ = await fetch(http, f"{world.url}/?{query}", status=400)
    error = page.one("p", class_="error")
    assert message in error.text and "Please correct it" in error.text
    assert page.find("input", name="q")  # the form is still there to fix the search
    assert page.results() == []


@pytest.mark.parametrize(
    ("path", "status", "message"),
    [
        ("/records/LT/case/01JD8Z6N3Q0000000000000001", 400, "is not a record address"),
        ("/records/lt.esfa.ncc/story/01JD8Z6N3Q0000000000000001", 400, "is not a record address"),
        ("/records/lt.esfa.ncc/case/not-an-id!", 400, "is not a record address"),
        ("/records/lt.esfa.ncc/case/01JD8Z6N3Q0000000000000001", 404, "holds no case"),
        ("/records/zz.unknown.ncc/case/01JD8Z6N3Q0000000000000001", 404, "holds no case"),
        (f"/records/{LT}/case/{DATABASE_CASE[2]}?hl=fr", 400, "has no text in 'fr'"),
        (f"/records/{LT}/case/{DATABASE_CASE[2]}?lang=en", 400, "takes one parameter"),
        (f"/records/{LT}/case/{DATABASE_CASE[2]}?hl=en&hl=lt", 400, "takes one parameter"),
    ],
)
async def test_bad_record_addresses_are_html_error_pages(
    world: World, http: aiohttp.ClientSession, path: str, status: int, message: str
) -> None:
    page, _ = await fetch(http, world.url + path, status=status)
    assert message in page.one("p", class_="error").text
    if "hl=fr" in path:  # the page offers the languages there are
        assert {a.attrs.get("lang") for a in page.find("a") if "?hl=" in a.attrs["href"]} == {
            "lt",
            "en",
        }
