"""Standard exports of the records a node serves (DESIGN §8, §11): iCalendar, CSV, JSON-LD.

- ``GET /v1/export/events.ics``: events as an RFC 5545 calendar (``icalendar``);
- ``GET /v1/export/{kind}.csv``: one kind as CSV (RFC 4180), a fixed column set per kind;
- ``GET /v1/export/{kind}.jsonld``: one kind as schema.org JSON-LD (an ``@graph`` document).

Every export takes the filters of ``GET /v1/records`` (``origin``, ``country``, ``theme``,
``lang``, ``updated_since``, ``q``; validated by the same code) and obeys the same visibility:
``vis: federation`` records only with the portal token. It lists the live records (deleted
ones and bodies this node does not hold are left out) in the order of ``/v1/records``, read
from the store a page at a time and streamed, so memory stays bounded however many records
match. The mappings (columns, properties, language rules) are documented in
``docs/portal.md``.
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import logging
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import orjson
from aiohttp import web

from federation.node.context import NODE, SETTINGS
from federation.node.errors import bad_request
from federation.node.read import _params, portal_access, record_filter
from federation.protocol import vocab
from federation.protocol.entry import Kind
from federation.protocol.errors import RecordError
from federation.protocol.records import (
    CaseRecord,
    EventRecord,
    MachineText,
    OrganisationContact,
    PersonContact,
    RecordModel,
    validate_body,
)
from federation.store.read import Position, ReadRecord, RecordFilter

log = logging.getLogger("federation.export")

EXPORT_PAGE = 200
"""Records read from the store per page of an export."""

FILTER_PARAMS = frozenset({"origin", "country", "theme", "lang", "updated_since", "q"})
"""The filters of ``/v1/records`` an export takes (the kind is in the path; no paging)."""

KINDS = tuple(k.value for k in Kind)
PRODID = "-//federation//federation export//EN"
JSONLD_CONTEXT = "https://schema.org/"

_TZ_SPAN = (date(1900, 1, 1), date(2200, 1, 1))
"""VTIMEZONE definitions cover at most these years (enough for any real event)."""

Model = CaseRecord | EventRecord | OrganisationContact | PersonContact
Texts = Mapping[str, str | MachineText]


# -- reading -------------------------------------------------------------------------------------


def _kind(value: str) -> str:
    """The kind of a ``{kind}.csv`` / ``{kind}.jsonld`` path: 400 like ``/v1/records/…``."""
    if value not in KINDS:
        raise bad_request(f"unknown kind {value!r} (one of: {', '.join(sorted(KINDS))})")
    return value


async def _query(request: web.Request, kind: str) -> tuple[bool, RecordFilter]:
    portal = portal_access(request)
    params = _params(request, FILTER_PARAMS)
    f = await record_filter(request, params, portal)
    return portal, dataclasses.replace(f, kind=kind)


def _model(r: ReadRecord) -> Model | None:
    """The record's body as its model; None when this node holds no body for it."""
    if r.body is None:
        return None
    try:
        model: RecordModel = validate_body(r.kind, r.body)
    except RecordError as e:  # merged bodies were valid; a stricter model may disagree later
        log.warning("export skips %s %s %s: %s", r.origin, r.kind, r.id, e)
        return None
    return model


async def _pages(
    request: web.Request, f: RecordFilter
) -> AsyncIterator[list[tuple[ReadRecord, Model]]]:
    """The matching records with their bodies, a store page at a time."""
    store = request.app[NODE].store
    after: Position | None = None
    while True:
        page = await store.read_records(f, after, EXPORT_PAGE)
        out = []
        for r in page.items:
            model = _model(r)
            if model is not None:
                out.append((r, model))
        yield out
        if page.next is None:
            return
        after = page.next


async def _send(
    request: web.Request,
    portal: bool,
    content_type: str,
    chunks: AsyncIterator[bytes],
    filename: str | None = None,
) -> web.StreamResponse:
    """Stream ``chunks`` (parameters are checked before: errors are still JSON envelopes)."""
    resp = web.StreamResponse()
    resp.headers["Content-Type"] = content_type
    resp.headers["Vary"] = "Authorization"
    resp.headers["Cache-Control"] = "private, no-store" if portal else "no-cache"
    if filename is not None:
        resp.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    resp.enable_compression()  # when the client accepts gzip or deflate
    await resp.prepare(request)
    try:
        async for chunk in chunks:
            if chunk:
                await resp.write(chunk)
        await resp.write_eof()
    except ConnectionResetError:  # the client went away: nothing to answer
        log.info("export %s: client closed the connection", request.path)
    return resp


def record_url(request: web.Request, r: ReadRecord) -> str:
    """The record's URL on this node (``public_url`` when configured): its JSON-LD ``@id``."""
    base = request.app[SETTINGS].public_url.rstrip("/") or str(request.url.origin())
    return f"{base}/v1/records/{r.origin}/{r.kind}/{r.id}"


# -- text helpers --------------------------------------------------------------------------------


def _plain(value: str | MachineText) -> str:
    return value if isinstance(value, str) else value.text


def text_in(texts: Texts | None, language: str) -> str | None:
    """The text in ``language`` (tags compare case-insensitively), or None."""
    if not texts:
        return None
    value = texts.get(language)
    if value is None:
        wanted = language.lower()
        value = next((t for tag, t in texts.items() if tag.lower() == wanted), None)
    return _plain(value) if value is not None else None


def original_text(model: Model, texts: Texts | None) -> str | None:
    """The text in the record's original language (required fields always have one)."""
    return text_in(texts, model.original_language)


def _utc(timestamp: str) -> datetime:
    """An RFC 3339 UTC timestamp of a body (``…Z``), to the second."""
    return datetime.fromisoformat(timestamp[:19]).replace(tzinfo=UTC)


@lru_cache(maxsize=1024)
def zone(name: str) -> ZoneInfo | None:
    """The IANA time zone, or None when this machine's zone data does not know the name
    (bodies are checked by the shape of the name only)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _local(value: str, tz: ZoneInfo | None) -> datetime:
    when = datetime.fromisoformat(value)
    return when.replace(tzinfo=tz) if tz is not None else when


def all_day(event: EventRecord) -> tuple[date, date] | None:
    """``(first day, day after the last)`` when the event is all-day, else None.

    An event is all-day when it starts at midnight and either has no end or ends at a later
    midnight (``2026-03-12T00:00`` to ``2026-03-14T00:00``: the 12th and 13th).
    """
    start = datetime.fromisoformat(event.start)
    if start.time() != datetime.min.time():
        return None
    if event.end is None:
        if start.date() == date.max:
            return None  # no day after it to end on
        return start.date(), start.date() + timedelta(days=1)
    end = datetime.fromisoformat(event.end)
    if end.time() != datetime.min.time() or end.date() <= start.date():
        return None
    return start.date(), end.date()


# -- iCalendar -----------------------------------------------------------------------------------

ICS_BATCH = 20
"""VEVENTs rendered between two turns of the event loop."""

ICS_STATUS = {
    vocab.EventStatus.SCHEDULED: "CONFIRMED",
    vocab.EventStatus.RESCHEDULED: "CONFIRMED",
    vocab.EventStatus.POSTPONED: "TENTATIVE",
    vocab.EventStatus.CANCELLED: "CANCELLED",
}


def place(event: EventRecord) -> str | None:
    """``address, city, country`` of the event's location; else its online URL."""
    loc = event.location
    if loc is not None:
        parts = [p for p in (loc.address, loc.city, loc.country) if p]
        return ", ".join(parts)
    return event.online_url


def event_url(event: EventRecord) -> str | None:
    """The registration URL, else the online URL, else the first link."""
    if event.registration is not None and event.registration.url:
        return event.registration.url
    if event.online_url:
        return event.online_url
    return event.links[0].url if event.links else None


def vevent(r: ReadRecord, event: EventRecord) -> icalendar.Event:
    """One VEVENT (see ``docs/portal.md`` for the mapping)."""
    ev = icalendar.Event()
    ev.add("uid", f"{r.id}@{r.origin}")
    ev.add("dtstamp", _utc(event.updated_at))
    ev.add("created", _utc(event.created_at))
    ev.add("last-modified", _utc(event.updated_at))
    ev.add("sequence", r.seq)
    days = all_day(event)
    if days is not None:
        ev.add("dtstart", days[0])
        ev.add("dtend", days[1])
    else:
        tz = zone(event.timezone)
        ev.add("dtstart", _local(event.start, tz))
        if event.end is not None:
            ev.add("dtend", _local(event.end, tz))
    language = {"LANGUAGE": event.original_language}
    ev.add("summary", original_text(event, event.title), parameters=language)
    description = original_text(event, event.description)
    if description:
        ev.add("description", description, parameters=language)
    location = place(event)
    if location:
        ev.add("location", location)
    url = event_url(event)
    if url:
        ev.add("url", url)
    ev.add("categories", [event.event_type.value])
    ev.add("status", ICS_STATUS[event.status])
    return ev


def _calendar_head(name: str) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", icalendar.vText(name))
    text = bytes(cal.to_ical())
    tail = b"END:VCALENDAR\r\n"
    assert text.endswith(tail)
    return text[: -len(tail)]


def _track_zone(spans: dict[str, tuple[date, date]], ev: icalendar.Event) -> None:
    """Remember the time zone (TZID) the event's times use and the days they span."""
    for prop in ("dtstart", "dtend"):
        value = ev.get(prop)
        tzid = value.params.get("TZID") if value is not None else None
        if tzid is None:
            continue
        day = value.dt.date()
        lo, hi = spans.get(tzid, (day, day))
        spans[tzid] = (min(lo, day), max(hi, day))


def vtimezone(tzid: str, first: date, last: date) -> bytes:
    """A VTIMEZONE for ``tzid`` covering the days ``first`` to ``last`` (clamped to 1900-2200)."""
    lo = min(max(first, _TZ_SPAN[0]), _TZ_SPAN[1] - timedelta(days=1))
    hi = max(min(last + timedelta(days=1), _TZ_SPAN[1]), lo + timedelta(days=1))
    return bytes(icalendar.Timezone.from_tzid(tzid, first_date=lo, last_date=hi).to_ical())


async def _ics(request: web.Request, f: RecordFilter) -> AsyncIterator[bytes]:
    settings = request.app[SETTINGS]
    yield _calendar_head(f"{settings.name or settings.origin}: events")
    spans: dict[str, tuple[date, date]] = {}
    async for page in _pages(request, f):
        events = [(r, m) for r, m in page if isinstance(m, EventRecord)]
        for i in range(0, len(events), ICS_BATCH):
            chunk = bytearray()
            for r, model in events[i : i + ICS_BATCH]:
                ev = vevent(r, model)
                _track_zone(spans, ev)
                chunk += ev.to_ical()
            yield bytes(chunk)
            await asyncio.sleep(0)  # icalendar takes ~0.5 ms an event: let other requests in
    # RFC 5545 lets components come in any order; the zones are known only at the end
    for tzid in sorted(spans):
        yield vtimezone(tzid, *spans[tzid])
    yield b"END:VCALENDAR\r\n"


async def events_ics(request: web.Request) -> web.StreamResponse:
    portal, f = await _query(request, Kind.EVENT.value)
    return await _send(request, portal, "text/calendar; charset=utf-8", _ics(request, f))


# -- CSV -----------------------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""A cell starting with one of these is prefixed with ``'`` (spreadsheet formula injection)."""


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _num(value)
    if isinstance(value, list | tuple):
        return ";".join(_cell(v) for v in value)
    return str(value)


def neutralise(cell: str) -> str:
    """``'`` before a cell a spreadsheet would take as a formula (OWASP CSV injection)."""
    return "'" + cell if cell.startswith(FORMULA_START) else cell


def _paren(head: str, *extra: object) -> str:
    rest = [_cell(x) for x in extra if x is not None and x != ""]
    return f"{head} ({', '.join(rest)})" if rest else head


def _multilingual_columns(*names: str) -> list[str]:
    return [c for name in names for c in (name, f"{name}_en")]


def _texts(model: Model, **fields: Texts | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, texts in fields.items():
        out[name] = original_text(model, texts)
        out[f"{name}_en"] = text_in(texts, "en")
    return out


COMMON_COLUMNS = [
    "origin",
    "id",
    "seq",
    "visibility",
    "url",
    "origin_country",
    "original_language",
    "text_languages",
    "created_at",
    "updated_at",
]
CSV_COLUMNS: dict[str, list[str]] = {
    "case": [
        *COMMON_COLUMNS,
        *_multilingual_columns(
            "title", "summary", "problem", "solution", "results", "transferability"
        ),
        "countries",
        "nuts",
        "level",
        "lead_org",
        "partners",
        "funding",
        "programming_period",
        "start",
        "end",
        "stage",
        "themes",
        "target_groups",
        "sdgs",
        "outcomes",
        "website",
        "contact_refs",
        "links",
    ],
    "event": [
        *COMMON_COLUMNS,
        *_multilingual_columns("title", "description"),
        "event_type",
        "status",
        "start",
        "end",
        "timezone",
        "attendance",
        "address",
        "city",
        "country",
        "nuts",
        "online_url",
        "languages",
        "audience",
        "registration_url",
        "registration_deadline",
        "registration_capacity",
        "registration_free",
        "organisers",
        "call_budget",
        "call_currency",
        "call_grant_min",
        "call_grant_max",
        "call_deadline",
        "links",
    ],
    "contact": [
        *COMMON_COLUMNS,
        "contact_type",
        *_multilingual_columns("name"),
        "acronym",
        "org_type",
        "country",
        "website",
        "email",
        "phone",
        "address",
        "role",
        "affiliation",
        "expertise",
        "languages",
        "links",
    ],
}
"""The columns of ``/v1/export/{kind}.csv``, in order (documented in ``docs/portal.md``)."""


def _case_row(m: CaseRecord) -> dict[str, object]:
    return {
        **_texts(
            m,
            title=m.title,
            summary=m.summary,
            problem=m.problem,
            solution=m.solution,
            results=m.results,
            transferability=m.transferability,
        ),
        "countries": m.countries,
        "nuts": m.nuts,
        "level": m.level,
        "lead_org": m.lead_org,
        "partners": [_paren(p.name, p.country, p.role) for p in m.partners or ()],
        "funding": [
            _paren(
                f.fund.value + (f": {_num(f.amount)} {f.currency}" if f.amount is not None else ""),
                f.programme,
            )
            for f in m.funding or ()
        ],
        "programming_period": m.programming_period,
        "start": m.start,
        "end": m.end,
        "stage": m.stage,
        "themes": [t.value for t in m.themes or ()],
        "target_groups": m.target_groups,
        "sdgs": m.sdgs,
        "outcomes": [
            _paren(f"{o.indicator}: {' '.join(filter(None, (_num(o.value), o.unit)))}", o.year)
            for o in m.outcomes or ()
        ],
        "website": m.website,
        "contact_refs": m.contact_refs,
    }


def _event_row(m: EventRecord) -> dict[str, object]:
    loc, reg, call = m.location, m.registration, m.call
    return {
        **_texts(m, title=m.title, description=m.description),
        "event_type": m.event_type,
        "status": m.status,
        "start": m.start,
        "end": m.end,
        "timezone": m.timezone,
        "attendance": m.attendance,
        "address": loc.address if loc else None,
        "city": loc.city if loc else None,
        "country": loc.country if loc else None,
        "nuts": loc.nuts if loc else None,
        "online_url": m.online_url,
        "languages": m.languages,
        "audience": m.audience,
        "registration_url": reg.url if reg else None,
        "registration_deadline": reg.deadline if reg else None,
        "registration_capacity": reg.capacity if reg else None,
        "registration_free": reg.free if reg else None,
        "organisers": m.organisers,
        "call_budget": call.budget if call else None,
        "call_currency": call.currency if call else None,
        "call_grant_min": call.grant_min if call else None,
        "call_grant_max": call.grant_max if call else None,
        "call_deadline": call.deadline if call else None,
    }


def _contact_row(m: OrganisationContact | PersonContact) -> dict[str, object]:
    if isinstance(m, OrganisationContact):
        return {
            "contact_type": m.contact_type,
            **_texts(m, name=m.name),
            "acronym": m.acronym,
            "org_type": m.org_type,
            "country": m.country,
            "website": m.website,
            "email": m.email,
            "phone": m.phone,
            "address": m.address,
        }
    return {
        "contact_type": m.contact_type,
        "name": m.display_name,
        "email": m.email,
        "phone": m.phone,
        "role": m.role,
        "affiliation": m.affiliation,
        "expertise": m.expertise,
        "languages": m.languages,
    }


def csv_row(request: web.Request, r: ReadRecord, model: Model) -> list[str]:
    """The cells of one record, in the order of ``CSV_COLUMNS[r.kind]``."""
    values: dict[str, object] = {
        "origin": r.origin,
        "id": r.id,
        "seq": r.seq,
        "visibility": r.vis,
        "url": record_url(request, r),
        "origin_country": model.origin_country,
        "original_language": model.original_language,
        "text_languages": [vocab.canonical_tag(t) for t in r.facet_values("l")],
        "created_at": model.created_at,
        "updated_at": model.updated_at,
        "links": [link.url for link in model.links or ()],
    }
    if isinstance(model, CaseRecord):
        values |= _case_row(model)
    elif isinstance(model, EventRecord):
        values |= _event_row(model)
    else:
        values |= _contact_row(model)
    return [neutralise(_cell(values.get(c))) for c in CSV_COLUMNS[r.kind]]


async def _csv(request: web.Request, kind: str, f: RecordFilter) -> AsyncIterator[bytes]:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180: CRLF, quotes doubled
    writer.writerow(CSV_COLUMNS[kind])
    async for page in _pages(request, f):
        for r, model in page:
            writer.writerow(csv_row(request, r, model))
        yield buf.getvalue().encode()
        buf.seek(0)
        buf.truncate()
    yield buf.getvalue().encode()  # the header of an empty export


async def export_csv(request: web.Request) -> web.StreamResponse:
    kind = _kind(request.match_info["kind"])
    portal, f = await _query(request, kind)
    chunks = _csv(request, kind, f)
    return await _send(request, portal, "text/csv; charset=utf-8", chunks, f"{kind}.csv")


# -- JSON-LD (schema.org) ------------------------------------------------------------------------

EVENT_STATUS = {
    vocab.EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    vocab.EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    vocab.EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    vocab.EventStatus.RESCHEDULED: "https://schema.org/EventRescheduled",
}
ATTENDANCE_MODE = {
    vocab.Attendance.OFFLINE: "https://schema.org/OfflineEventAttendanceMode",
    vocab.Attendance.ONLINE: "https://schema.org/OnlineEventAttendanceMode",
    vocab.Attendance.MIXED: "https://schema.org/MixedEventAttendanceMode",
}


def tagged(texts: Texts | None) -> list[dict[str, str]] | None:
    """A multilingual text as JSON-LD language-tagged values."""
    if not texts:
        return None
    return [
        {"@value": _plain(t), "@language": vocab.canonical_tag(tag)} for tag, t in texts.items()
    ]


def _prune(node: dict[str, Any]) -> dict[str, Any]:
    """Drop members without a value (None, empty lists)."""
    return {k: v for k, v in node.items() if v is not None and v != []}


def _org(name: str, country: str | None = None) -> dict[str, Any]:
    address = {"@type": "PostalAddress", "addressCountry": country} if country else None
    return _prune({"@type": "Organization", "name": name, "address": address})


def _iso_local(value: str, tz_name: str) -> str:
    """A local event time as ISO 8601, with its UTC offset when the zone is known."""
    return _local(value, zone(tz_name)).isoformat()


def _span(start: int | str | None, end: int | str | None) -> str | None:
    if start is None and end is None:
        return None
    return f"{start if start is not None else '..'}/{end if end is not None else '..'}"


def _case_ld(m: CaseRecord) -> dict[str, Any]:
    parts = [
        _prune({"@type": "CreativeWork", "name": name, "text": tagged(texts)})
        for name, texts in (
            ("problem", m.problem),
            ("solution", m.solution),
            ("results", m.results),
            ("transferability", m.transferability),
        )
        if texts
    ]
    themes = [
        {"@type": "DefinedTerm", "termCode": t.value, "name": t.value.replace("-", " ")}
        for t in m.themes or ()
    ]
    sdgs = [
        {
            "@type": "DefinedTerm",
            "termCode": f"SDG {n}",
            "name": f"Sustainable Development Goal {n}",
        }
        for n in m.sdgs or ()
    ]
    grants = [
        _prune(
            {
                "@type": "MonetaryGrant",
                "name": f.programme,
                "funder": _org(f.fund.value),
                "amount": _prune(
                    {"@type": "MonetaryAmount", "value": f.amount, "currency": f.currency}
                )
                if f.amount is not None
                else None,
            }
        )
        for f in m.funding or ()
    ]
    return {
        "@type": "CreativeWork",
        "additionalType": "https://schema.org/Project",
        "name": tagged(m.title),
        "abstract": tagged(m.summary),
        "hasPart": parts,
        "spatialCoverage": [{"@type": "Country", "identifier": c} for c in m.countries]
        + [{"@type": "AdministrativeArea", "identifier": n} for n in m.nuts or ()],
        "temporalCoverage": _span(m.start, m.end),
        "creativeWorkStatus": m.stage.value if m.stage else None,
        "creator": _org(m.lead_org),
        "contributor": [_org(p.name, p.country) for p in m.partners or ()],
        "funding": grants,
        "about": themes + sdgs,
        "audience": [{"@type": "Audience", "audienceType": g} for g in m.target_groups or ()],
        "keywords": [x for x in (m.level, m.programming_period) if x is not None],
        "url": m.website,
    }


def _event_ld(m: EventRecord) -> dict[str, Any]:
    locations: list[dict[str, Any]] = []
    if m.location is not None:
        loc = m.location
        address = _prune(
            {
                "@type": "PostalAddress",
                "streetAddress": loc.address,
                "addressLocality": loc.city,
                "addressRegion": loc.nuts,
                "addressCountry": loc.country,
            }
        )
        locations.append(_prune({"@type": "Place", "name": loc.city, "address": address}))
    if m.online_url:
        locations.append({"@type": "VirtualLocation", "url": m.online_url})
    reg = m.registration
    offer = None
    if reg is not None:
        offer = _prune(
            {
                "@type": "Offer",
                "url": reg.url,
                "price": 0 if reg.free else None,
                "validThrough": reg.deadline,
            }
        )
    return {
        "@type": "Event",
        "name": tagged(m.title),
        "description": tagged(m.description),
        "keywords": m.event_type.value,
        "startDate": _iso_local(m.start, m.timezone),
        "endDate": _iso_local(m.end, m.timezone) if m.end else None,
        "eventStatus": EVENT_STATUS[m.status],
        "eventAttendanceMode": ATTENDANCE_MODE[m.attendance],
        "location": locations,
        "inLanguage": m.languages,
        "audience": {"@type": "Audience", "audienceType": m.audience} if m.audience else None,
        "organizer": [_org(o) for o in m.organisers or ()],
        "offers": offer,
        "maximumAttendeeCapacity": reg.capacity if reg else None,
        "url": event_url(m),
    }


def _contact_ld(m: OrganisationContact | PersonContact) -> dict[str, Any]:
    if isinstance(m, OrganisationContact):
        address = _prune(
            {"@type": "PostalAddress", "streetAddress": m.address, "addressCountry": m.country}
        )
        return {
            "@type": "Organization",
            "name": tagged(m.name),
            "alternateName": m.acronym,
            "keywords": m.org_type.value if m.org_type else None,
            "address": address,
            "url": m.website,
            "email": m.email,
            "telephone": m.phone,
        }
    return {
        "@type": "Person",
        "name": m.display_name,
        "jobTitle": m.role,
        "affiliation": _org(m.affiliation),
        "email": m.email,
        "telephone": m.phone,
        "knowsAbout": m.expertise,
        "knowsLanguage": m.languages,
    }


def jsonld_node(request: web.Request, r: ReadRecord, model: Model) -> dict[str, Any]:
    """One record as a schema.org node (see ``docs/portal.md`` for the mapping)."""
    if isinstance(model, CaseRecord):
        node = _case_ld(model)
    elif isinstance(model, EventRecord):
        node = _event_ld(model)
    else:
        node = _contact_ld(model)
    languages = sorted({vocab.canonical_tag(t) for t in r.facet_values("l")})
    return _prune(
        {
            "@id": record_url(request, r),
            **node,
            "identifier": r.id,
            "inLanguage": node.get("inLanguage") or languages,
            "dateCreated": model.created_at,
            "dateModified": model.updated_at,
            "sameAs": [link.url for link in model.links or ()],
        }
    )


async def _jsonld(request: web.Request, f: RecordFilter) -> AsyncIterator[bytes]:
    head = orjson.dumps({"@context": JSONLD_CONTEXT})[:-1]  # the object, still open
    yield head + b',"@graph":['
    sep = b""
    async for page in _pages(request, f):
        if page:
            yield sep + b",".join(orjson.dumps(jsonld_node(request, r, m)) for r, m in page)
            sep = b","
    yield b"]}\n"


async def export_jsonld(request: web.Request) -> web.StreamResponse:
    kind = _kind(request.match_info["kind"])
    portal, f = await _query(request, kind)
    return await _send(request, portal, "application/ld+json", _jsonld(request, f))


# -- routes --------------------------------------------------------------------------------------


def add_routes(app: web.Application) -> None:
    app.router.add_get("/v1/export/events.ics", events_ics)
    app.router.add_get("/v1/export/{kind}.csv", export_csv)
    app.router.add_get("/v1/export/{kind}.jsonld", export_jsonld)
