"""Exports of the read API (``/v1/export/…``): iCalendar, CSV and schema.org JSON-LD.

The network of ``tests/node/test_read_api.py`` (``net``): ``lt.esfa.ncc`` (the node under
test, with a portal token) holds its own sample records and those of ``be.esf.ncc`` and
``fi.esf.ncc``, person contacts (``vis: federation``) included. Exports are parsed back with
``icalendar``, the ``csv`` module and ``orjson`` and compared with the published record inputs.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import icalendar
import orjson
import pytest

from federation.node import export
from tests.node.test_read_api import (
    PORTAL,
    TOKEN,
    Key,
    Net,
    is_person,
    net,
    summary_of,
)

__all__ = ["net"]  # the fixture

ICS = "/v1/export/events.ics"


async def fetch(
    http: aiohttp.ClientSession,
    url: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    status: int = 200,
) -> tuple[bytes, aiohttp.ClientResponse]:
    async with http.get(url, params=params, headers=headers) as resp:
        raw = await resp.read()
        assert resp.status == status, raw
    return raw, resp


async def calendar(
    http: aiohttp.ClientSession, net: Net, params: Mapping[str, str] | None = None
) -> icalendar.Calendar:
    raw, resp = await fetch(http, net.a.url + ICS, params)
    assert resp.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    return icalendar.Calendar.from_ical(raw)


def vevents(cal: icalendar.Calendar) -> dict[str, Any]:
    """The VEVENTs by UID (their properties typed loosely: icalendar's unions are wide)."""
    events: list[Any] = list(cal.walk("VEVENT"))
    by_uid = {str(e["UID"]): e for e in events}
    assert len(by_uid) == len(events), "duplicate UIDs"
    return by_uid


async def table(
    http: aiohttp.ClientSession,
    net: Net,
    kind: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    raw, resp = await fetch(http, f"{net.a.url}/v1/export/{kind}.csv", params, headers)
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert resp.headers["Content-Disposition"] == f'attachment; filename="{kind}.csv"'
    text = raw.decode("utf-8")
    assert text.startswith(",".join(export.CSV_COLUMNS[kind]) + "\r\n")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    assert reader.fieldnames == export.CSV_COLUMNS[kind]
    return list(reader)


async def graph(
    http: aiohttp.ClientSession,
    net: Net,
    kind: str,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    raw, resp = await fetch(http, f"{net.a.url}/v1/export/{kind}.jsonld", params, headers)
    assert resp.headers["Content-Type"] == "application/ld+json"
    doc = orjson.loads(raw)
    assert doc["@context"] == "https://schema.org/"
    nodes: list[dict[str, Any]] = doc["@graph"]
    return nodes


def of_kind(net: Net, kind: str) -> dict[Key, dict[str, Any]]:
    return {k: r for k, r in net.live().items() if k[1] == kind}


def record_key(row: Mapping[str, str], kind: str) -> Key:
    return (row["origin"], kind, row["id"])


def node_key(node: Mapping[str, Any]) -> Key:
    *_, origin, kind, rid = node["@id"].split("/")
    assert rid == node["identifier"]
    return (origin, kind, rid)


def lt_event(n: int, **fields: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "kind": "event",
        "id": f"01JEXPORT{n:017d}",
        "origin_country": "LT",
        "original_language": "lt",
        "created_at": "2026-02-01T10:00:00Z",
        "updated_at": "2026-02-01T10:00:00Z",
        "title": {
            "lt": "Socialinių inovacijų dirbtuvės savivaldybėms",
            "en": "Social innovation workshop for municipalities",
        },
        "description": {"lt": "Praktinės dirbtuvės Kaune.", "en": "Hands-on workshop in Kaunas."},
        "event_type": "workshop",
        "start": "2026-04-16T10:00",
        "end": "2026-04-16T15:30",
        "timezone": "Europe/Vilnius",
        "attendance": "offline",
        "location": {"address": "Laisvės al. 96", "city": "Kaunas", "country": "LT"},
        "languages": ["lt"],
        "registration": {"url": "https://esf.lt/renginiai/dirbtuves", "capacity": 40},
        "status": "scheduled",
    }
    rec.update(fields)
    return rec


# --- iCalendar ----------------------------------------------------------------------------------


async def test_ics_has_one_vevent_per_public_event(net: Net, http: aiohttp.ClientSession) -> None:
    cal = await calendar(http, net)
    assert str(cal["PRODID"]) == export.PRODID and str(cal["VERSION"]) == "2.0"
    assert str(cal["X-WR-CALNAME"]) == "test node lt.esfa.ncc: events"
    events = vevents(cal)
    live = of_kind(net, "event")
    assert set(events) == {f"{k[2]}@{k[0]}" for k in live}
    assert len(events) == 5
    zones = {str(tz["TZID"]): tz for tz in cal.walk("VTIMEZONE")}
    for k, record in live.items():
        ev = events[f"{k[2]}@{k[0]}"]
        stored = await net.a.node.store.get_record(*k)
        assert stored is not None
        assert int(ev["SEQUENCE"]) == stored.seq
        lang = record["original_language"]
        assert str(ev["SUMMARY"]) == record["title"][lang]
        assert ev["SUMMARY"].params["LANGUAGE"] == lang
        assert str(ev["DESCRIPTION"]) == record["description"][lang]
        assert str(ev["STATUS"]) == "CONFIRMED"
        assert str(ev["CATEGORIES"].cats[0]) == record["event_type"]
        start = ev["DTSTART"]
        assert start.params["TZID"] == record["timezone"]
        assert start.params["TZID"] in zones  # every TZID has its VTIMEZONE
        tz = ZoneInfo(record["timezone"])
        assert start.dt == datetime.fromisoformat(record["start"]).replace(tzinfo=tz)
        assert ev["DTEND"].dt == datetime.fromisoformat(record["end"]).replace(tzinfo=tz)
        assert ev["DTSTAMP"].dt == datetime.fromisoformat(record["updated_at"])
        if record["attendance"] == "online":
            assert str(ev["LOCATION"]) == record["online_url"]
        else:
            assert str(ev["LOCATION"]).endswith(record["location"]["country"])
    assert set(zones) == {"Europe/Brussels", "Europe/Helsinki"}


async def test_ics_status_sequence_deletion_and_times(
    net: Net, http: aiohttp.ClientSession
) -> None:
    cancelled = lt_event(1, status="cancelled")
    postponed = lt_event(2, status="postponed")
    all_day = lt_event(3, start="2026-05-04T00:00", end="2026-05-06T00:00")
    one_day = lt_event(4, start="2026-05-08T00:00", end=None)
    utc = lt_event(
        5, timezone="UTC", attendance="online", location=None, online_url="https://esf.lt/webinaras"
    )
    unknown_zone = lt_event(6, timezone="Mars/Olympus_Mons")
    await net.a.publish([cancelled, postponed, all_day, one_day, utc, unknown_zone])
    before = vevents(await calendar(http, net))

    def uid(rec: Mapping[str, Any]) -> str:
        return f"{rec['id']}@lt.esfa.ncc"

    assert str(before[uid(cancelled)]["STATUS"]) == "CANCELLED"
    assert str(before[uid(postponed)]["STATUS"]) == "TENTATIVE"
    ev = before[uid(all_day)]
    assert ev["DTSTART"].dt == date(2026, 5, 4) and ev["DTEND"].dt == date(2026, 5, 6)
    assert ev["DTSTART"].params["VALUE"] == "DATE"
    ev = before[uid(one_day)]
    assert ev["DTSTART"].dt == date(2026, 5, 8) and ev["DTEND"].dt == date(2026, 5, 9)
    ev = before[uid(utc)]
    assert ev["DTSTART"].dt == datetime(2026, 4, 16, 10, 0, tzinfo=UTC)
    assert "TZID" not in ev["DTSTART"].params
    assert str(ev["LOCATION"]) == "https://esf.lt/webinaras"
    assert str(ev["URL"]) == "https://esf.lt/renginiai/dirbtuves"  # registration first
    ev = before[uid(unknown_zone)]  # a zone this machine does not know: floating local time
    assert ev["DTSTART"].dt == datetime(2026, 4, 16, 10, 0) and ev["DTSTART"].dt.tzinfo is None

    # the event changes: SEQUENCE grows; a deleted event leaves the calendar
    changed = lt_event(
        2,
        status="rescheduled",
        start="2026-06-01T10:00",
        end="2026-06-01T15:00",
        updated_at="2026-03-01T08:00:00Z",
    )
    await net.a.publish([changed])
    await net.a.delete(("lt.esfa.ncc", "event", cancelled["id"]))
    after = vevents(await calendar(http, net))
    assert uid(cancelled) not in after
    old, new = before[uid(postponed)], after[uid(postponed)]
    assert int(new["SEQUENCE"]) > int(old["SEQUENCE"])
    assert str(new["STATUS"]) == "CONFIRMED"
    assert new["DTSTART"].dt == datetime(2026, 6, 1, 10, 0, tzinfo=ZoneInfo("Europe/Vilnius"))
    assert new["DTSTAMP"].dt == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


# --- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", [3, export.EXPORT_PAGE], ids=["small-pages", "default-pages"])
async def test_csv_rows_match_the_published_records(
    net: Net, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch, page: int
) -> None:
    monkeypatch.setattr(export, "EXPORT_PAGE", page)  # streamed a store page at a time
    for kind in ("case", "event", "contact"):
        rows = await table(http, net, kind, headers=PORTAL)
        keys = [record_key(r, kind) for r in rows]
        assert sorted(keys) == sorted(of_kind(net, kind)), kind  # each record exactly once
        for row, k in zip(rows, keys, strict=True):
            record = net.live()[k]
            lang = record["original_language"]
            assert row["original_language"] == lang
            assert row["updated_at"] == record["updated_at"]
            assert row["url"] == f"{net.a.url}/v1/records/{k[0]}/{kind}/{k[2]}"
            stored = await net.a.node.store.get_record(*k)
            assert stored is not None and row["seq"] == str(stored.seq)
            assert row["visibility"] == ("federation" if is_person(record) else "public")
            langs = {t.lower() for t in summary_of(record).languages}
            assert {t.lower() for t in row["text_languages"].split(";")} == langs
            if kind == "case":
                assert row["title"] == record["title"][lang]
                assert row["title_en"] == record["title"].get("en", "")
                assert row["summary"] == record["summary"][lang]
                assert row["countries"] == ";".join(record["countries"])
                assert row["themes"] == ";".join(record.get("themes", []))
                assert row["lead_org"] == record["lead_org"]
                assert row["sdgs"] == ";".join(str(n) for n in record.get("sdgs", []))
            elif kind == "event":
                assert row["title"] == record["title"][lang]
                assert (row["start"], row["timezone"]) == (record["start"], record["timezone"])
                assert row["status"] == record["status"]
                assert row["languages"] == ";".join(record["languages"])
                assert row["organisers"] == ";".join(record.get("organisers", []))
            elif is_person(record):
                assert row["name"] == record["display_name"]
                assert row["affiliation"] == record["affiliation"]
                assert row["expertise"] == ";".join(record.get("expertise", []))
            else:
                assert row["name"] == record["name"][lang]
                assert row["name_en"] == record["name"].get("en", "")
                assert row["country"] == record["country"]


async def test_csv_neutralises_formulas_and_quotes_per_rfc_4180(
    net: Net, http: aiohttp.ClientSession
) -> None:
    case: dict[str, Any] = {
        "kind": "case",
        "id": "01JEXPORTFORMULA0000000001",
        "origin_country": "LT",
        "original_language": "lt",
        "title": {"lt": '=HYPERLINK("http://evil.example","spustelėkite")', "en": "+1 cmd"},
        "summary": {"lt": 'Eilutė viena,\n„kabutės“ ir "kabutės"', "en": "-2+3"},
        "countries": ["LT"],
        "lead_org": "@SUM(A1:A9)",
        "target_groups": ["jaunimas", "=1+1"],
    }
    await net.a.publish([case])
    rows = {r["id"]: r for r in await table(http, net, "case")}
    row = rows[str(case["id"])]
    assert row["title"] == "'" + case["title"]["lt"]
    assert row["title_en"] == "'+1 cmd"
    assert row["summary_en"] == "'-2+3"
    assert row["lead_org"] == "'@SUM(A1:A9)"
    assert row["target_groups"] == "jaunimas;=1+1"  # the cell starts with a letter
    assert row["summary"] == case["summary"]["lt"]  # newline and quotes survive the round trip
    for r in rows.values():
        assert not any(v.startswith(("=", "+", "-", "@")) for v in r.values()), r


# --- JSON-LD ------------------------------------------------------------------------------------


async def test_jsonld_types_and_language_tagged_values(
    net: Net, http: aiohttp.ClientSession
) -> None:
    types = {"case": "CreativeWork", "event": "Event"}
    for kind in ("case", "event", "contact"):
        nodes = await graph(http, net, kind, headers=PORTAL)
        assert sorted(node_key(n) for n in nodes) == sorted(of_kind(net, kind))
        for n in nodes:
            record = net.live()[node_key(n)]
            if kind in types:
                assert n["@type"] == types[kind]
            else:
                assert n["@type"] == ("Person" if is_person(record) else "Organization")
            assert n["dateModified"] == record["updated_at"]
            if n["@type"] == "Person":
                assert n["name"] == record["display_name"]
                continue
            texts = record["name"] if kind == "contact" else record["title"]
            assert n["name"] == [{"@value": v, "@language": t} for t, v in texts.items()]
            if kind == "case":
                assert n["abstract"] == [
                    {"@value": v, "@language": t} for t, v in record["summary"].items()
                ]
                assert [c["identifier"] for c in n["spatialCoverage"]][
                    : len(record["countries"])
                ] == record["countries"]
            if kind == "event":
                tz = ZoneInfo(record["timezone"])
                start = datetime.fromisoformat(record["start"]).replace(tzinfo=tz)
                assert datetime.fromisoformat(n["startDate"]) == start
                assert n["eventStatus"] == "https://schema.org/EventScheduled"
                mode = record["attendance"].capitalize()
                assert n["eventAttendanceMode"] == f"https://schema.org/{mode}EventAttendanceMode"


# --- filters and visibility ---------------------------------------------------------------------


async def test_filters_select_like_the_read_api(net: Net, http: aiohttp.ClientSession) -> None:
    live = {k: summary_of(r) for k, r in net.live().items() if not is_person(r)}
    for params, want in (
        ({"country": "BE"}, {k for k, s in live.items() if "BE" in s.countries}),
        (
            {"theme": "social-inclusion"},
            {k for k, s in live.items() if "social-inclusion" in s.themes},
        ),
        ({"origin": "fi.esf.ncc"}, {k for k in live if k[0] == "fi.esf.ncc"}),
        ({"lang": "nl"}, {k for k, s in live.items() if "nl" in s.languages}),
        ({"updated_since": "2099-01-01"}, set()),
    ):
        for kind in ("case", "event", "contact"):
            expect = {k for k in want if k[1] == kind}
            rows = await table(http, net, kind, params)
            assert {record_key(r, kind) for r in rows} == expect, (params, kind)
            assert {node_key(n) for n in await graph(http, net, kind, params)} == expect
        events = vevents(await calendar(http, net, params))
        assert set(events) == {f"{k[2]}@{k[0]}" for k in want if k[1] == "event"}
    # full-text search: the same records as /v1/records?q=
    for q in ("innovation", "Vilnius", "sociale innovatie"):
        async with http.get(f"{net.a.url}/v1/records", params={"q": q, "limit": "500"}) as resp:
            found = {(i["origin"], i["kind"], i["id"]) for i in (await resp.json())["items"]}
        assert found, q
        for kind in ("case", "event", "contact"):
            rows = await table(http, net, kind, {"q": q})
            assert {record_key(r, kind) for r in rows} == {k for k in found if k[1] == kind}


async def test_federation_records_only_with_the_portal_token(
    net: Net, http: aiohttp.ClientSession
) -> None:
    persons = {k: r for k, r in net.live().items() if is_person(r)}
    assert len(persons) == 3
    anonymous = await table(http, net, "contact")
    assert not {record_key(r, "contact") for r in anonymous} & persons.keys()
    assert all(r["visibility"] == "public" for r in anonymous)
    raw, _ = await fetch(http, f"{net.a.url}/v1/export/contact.jsonld")
    for person in persons.values():  # no trace of a person anywhere in the public export
        assert person["display_name"].encode() not in raw
        assert person["email"].encode() not in raw
    portal = await table(http, net, "contact", headers=PORTAL)
    shown = {record_key(r, "contact"): r["name"] for r in portal}
    assert {k: shown[k] for k in persons} == {k: r["display_name"] for k, r in persons.items()}
    nodes = await graph(http, net, "contact", headers=PORTAL)
    assert {node_key(n) for n in nodes if n["@type"] == "Person"} == set(persons)
    _, resp = await fetch(http, f"{net.a.url}/v1/export/contact.csv", headers=PORTAL)
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert resp.headers["Vary"] == "Authorization"


@pytest.mark.parametrize(
    ("path", "params", "headers", "status", "needle"),
    [
        (ICS, {"limit": "5"}, None, 400, "unknown query parameter 'limit'"),
        (ICS, {"kind": "case"}, None, 400, "unknown query parameter 'kind'"),
        ("/v1/export/case.csv", {"contry": "LT"}, None, 400, "unknown query parameter 'contry'"),
        ("/v1/export/case.csv", {"cursor": "x"}, None, 400, "unknown query parameter 'cursor'"),
        ("/v1/export/case.csv", {"country": "lt"}, None, 400, "ISO 3166-1"),
        ("/v1/export/event.jsonld", {"theme": "Employment"}, None, 400, "unknown theme"),
        ("/v1/export/case.jsonld", {"lang": "en_US"}, None, 400, "BCP 47"),
        ("/v1/export/case.csv", {"updated_since": "yesterday"}, None, 400, "RFC 3339"),
        ("/v1/export/case.csv", {"origin": "xx.unknown.ncc"}, None, 400, "serves no records"),
        ("/v1/export/case.csv", {"q": "x" * 501}, None, 400, "longer than 500"),
        ("/v1/export/cases.csv", None, None, 400, "unknown kind 'cases'"),
        ("/v1/export/person.jsonld", None, None, 400, "unknown kind 'person'"),
        ("/v1/export/event.ics", None, None, 404, "Not Found"),
        (ICS, None, {"Authorization": "Bearer wrong-token-0123456789"}, 401, "invalid portal"),
        ("/v1/export/case.csv", None, {"Authorization": f"Basic {TOKEN}"}, 401, "portal token"),
    ],
)
async def test_bad_requests_get_the_error_envelope(
    net: Net,
    http: aiohttp.ClientSession,
    path: str,
    params: dict[str, str] | None,
    headers: dict[str, str] | None,
    status: int,
    needle: str,
) -> None:
    raw, resp = await fetch(http, net.a.url + path, params, headers, status=status)
    assert resp.content_type == "application/json"
    error = orjson.loads(raw)["error"]
    assert needle in error["message"], error
