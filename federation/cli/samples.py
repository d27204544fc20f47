"""Sample record inputs of the demo centres, as a centre would publish them with ``records put``.

Every record is a dict with ``kind``, ``id`` and the body fields of DESIGN §11, without
``salt`` (the publisher adds it). Ids are ULID-shaped (26 Crockford base32 characters) but
derived from ``origin``, ``seed`` and the record's position with SHA-256, so they are stable
between runs and never carry personal data. Timestamps are deterministic too.

The hand-written facts live in :mod:`federation.cli.sample_data`; this module only assembles
them. ``extra=N`` appends N generated cases (topic × place × year of that country) for load
tests and benchmarks.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from importlib import resources
from typing import Any

from federation.cli.sample_data import CENTRES

CROCKFORD32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_STAGES = ("idea", "invention", "testing", "implementation", "impact", "completed")
_FUNDS = ("ESF+", "ESF+", "ESF+", "national", "EaSI")
_LEVELS = ("local", "local", "regional")
# Generated records get creation times spread over this window after the centre's first one.
_EXTRA_WINDOW = timedelta(days=240)


def load_centres() -> dict[str, Any]:
    """The demo network description shipped with the package (``federation/data``)."""
    text = resources.files("federation").joinpath("data/centres.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def sample_origins() -> list[str]:
    """Origins that have sample records, in the order of ``centres.json``."""
    return [node["origin"] for node in load_centres()["nodes"] if node["origin"] in CENTRES]


def sample_id(origin: str, seed: int, index: int) -> str:
    """A ULID-shaped id: 128 bits of SHA-256 over origin, seed and index, Crockford base32."""
    digest = hashlib.sha256(f"federation-sample\n{origin}\n{seed}\n{index}".encode()).digest()
    n = int.from_bytes(digest[:16], "big")
    return "".join(CROCKFORD32[(n >> (5 * i)) & 31] for i in range(25, -1, -1))


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_ts(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def _bilingual(texts: dict[str, str], language: str) -> str:
    """One plain string for a single-text field: the original language, English in brackets."""
    own, en = texts[language], texts.get("en")
    return own if en is None or en == own else f"{own} ({en})"


class _Builder:
    """Assembles the records of one origin; ``index`` numbers them for ids and timestamps."""

    def __init__(self, origin: str, seed: int) -> None:
        try:
            self.centre: dict[str, Any] = CENTRES[origin]
        except KeyError:
            known = ", ".join(sorted(CENTRES))
            raise ValueError(f"no sample records for origin {origin!r} (known: {known})") from None
        self.origin = origin
        self.seed = seed
        self.base = _parse_ts(self.centre["published"])
        self.records: list[dict[str, Any]] = []

    def next_id(self) -> str:
        return sample_id(self.origin, self.seed, len(self.records))

    def add(
        self, kind: str, fields: dict[str, Any], *, created: datetime, updated: datetime
    ) -> str:
        record_id = self.next_id()
        fields = dict(fields)
        language = fields.pop("original_language", self.centre["language"])
        self.records.append(
            {
                "kind": kind,
                "id": record_id,
                "origin_country": self.centre["country"],
                "original_language": language,
                "created_at": _ts(created),
                "updated_at": _ts(updated),
                **fields,
            }
        )
        return record_id

    def add_handwritten(self, kind: str, fields: dict[str, Any]) -> str:
        """Hand-written records: one a day (plus a few hours), revised a few days later."""
        i = len(self.records)
        created = self.base + timedelta(days=i, hours=(5 * i) % 9, minutes=(17 * i) % 60)
        updated = created + timedelta(days=i % 4, hours=i % 3)
        return self.add(kind, fields, created=created, updated=updated)

    def add_generated(self, k: int, lead_org: str, contact_refs: list[str]) -> str:
        gen = self.centre["generator"]
        language: str = self.centre["language"]
        h = hashlib.sha256(f"federation-sample-extra\n{self.origin}\n{self.seed}\n{k}".encode())
        d = h.digest()
        topic_own, topic_en, themes, sdgs = gen["topics"][d[0] % len(gen["topics"])]
        place_own, place_en, nuts = gen["places"][d[1] % len(gen["places"])]
        year = 2021 + d[2] % 5
        title = {
            language: f"{topic_own} {place_own} ({year})",
            "en": f"{topic_en} {place_en} ({year})",
        }
        summary = {
            language: gen["summary"][language].format(title=title[language]),
            "en": gen["summary"]["en"].format(title=title["en"]),
        }
        fund = _FUNDS[d[3] % len(_FUNDS)]
        funding: dict[str, Any] = {"fund": fund, "currency": "EUR"}
        if fund == "ESF+":
            funding["programme"] = gen["programme"]
        funding["amount"] = 20_000 + 5_000 * (int.from_bytes(d[4:6], "big") % 190)
        stage = _STAGES[d[8] % len(_STAGES)]
        # Completed pilots ended by the time they were published; others state a planned end.
        end = min(year + 1 + d[7] % 3, 2025) if stage == "completed" else year + 2 + d[7] % 3
        fields: dict[str, Any] = {
            "title": title,
            "summary": summary,
            "countries": [self.centre["country"]],
            "nuts": [nuts],
            "level": _LEVELS[d[6] % len(_LEVELS)],
            "lead_org": lead_org,
            "funding": [funding],
            "programming_period": "2021-2027",
            "start": year,
            "end": end,
            "stage": stage,
            "themes": list(themes),
            "sdgs": list(sdgs),
            "contact_refs": contact_refs,
        }
        offset = int.from_bytes(d[9:13], "big") % int(_EXTRA_WINDOW.total_seconds())
        created = self.base + timedelta(days=30, seconds=offset)
        updated = created + timedelta(hours=d[13] % 72)
        return self.add("case", fields, created=created, updated=updated)


def sample_records(origin: str, *, extra: int = 0, seed: int = 0) -> list[dict[str, Any]]:
    """The record inputs ``origin`` publishes in the demo: contacts, cases, events, extras.

    Raises :class:`ValueError` for an origin without sample data or a negative ``extra``.
    """
    if extra < 0:
        raise ValueError(f"extra must be 0 or more, not {extra}")
    b = _Builder(origin, seed)
    centre = b.centre
    language: str = centre["language"]
    org = centre["organisation"]
    org_name: str = org["name"][language]

    org_id = b.add_handwritten("contact", {"contact_type": "organisation", **org})
    person = dict(centre["person"])
    person_id = b.add_handwritten(
        "contact",
        {
            "contact_type": "person",
            **person,
            "role": _bilingual(person["role"], language),
            "affiliation": org_name,
            "lawful_basis": "public-task",
            "review_due": _ts(b.base + timedelta(days=365))[:10],
        },
    )
    refs = [org_id, person_id]
    for case in centre["cases"]:
        b.add_handwritten("case", {**case, "contact_refs": refs})
    for event in centre["events"]:
        b.add_handwritten("event", event)
    for k in range(extra):
        b.add_generated(k, org_name, [org_id])
    return b.records
