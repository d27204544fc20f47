"""The demo centres' sample records: valid, stable, complete and free of sensitive fields."""

from __future__ import annotations

import base64
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from federation.cli.samples import load_centres, sample_origins, sample_records
from federation.protocol.records import (
    CaseRecord,
    EventRecord,
    OrganisationContact,
    PersonContact,
    RecordModel,
    validate_fields,
)
from federation.protocol.vocab import FORBIDDEN_PERSON_FIELDS

DUMMY_SALT = base64.b64encode(bytes(16)).decode()
ULID_RE = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
ORIGINS = [node["origin"] for node in load_centres()["nodes"]]
TEXT_FIELDS = (
    "title",
    "summary",
    "problem",
    "solution",
    "results",
    "transferability",
    "description",
    "name",
)
MODELS: dict[str, tuple[type, ...]] = {
    "case": (CaseRecord,),
    "event": (EventRecord,),
    "contact": (OrganisationContact, PersonContact),
}


def validate(record: dict[str, Any]) -> RecordModel:
    """Validate a record input as its body would be: ``kind`` dropped, a dummy salt added."""
    fields = {k: v for k, v in record.items() if k != "kind"}
    fields["salt"] = DUMMY_SALT
    return validate_fields(record["kind"], fields)


def plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def test_packaged_centres_json_is_the_shared_one(shared_data: Path) -> None:
    shared = (shared_data / "centres.json").read_bytes()
    packaged = Path(__file__).resolve().parents[2] / "federation" / "data" / "centres.json"
    assert packaged.read_bytes() == shared
    assert len(load_centres()["nodes"]) == 13


def test_every_node_has_samples() -> None:
    assert sample_origins() == ORIGINS
    assert len(ORIGINS) == 13
    assert not any(o.startswith("uk.") for o in ORIGINS)


@pytest.mark.parametrize("origin", ORIGINS)
def test_records_validate(origin: str) -> None:
    for record in sample_records(origin):
        model = validate(record)
        assert isinstance(model, MODELS[record["kind"]])
        assert "salt" not in record
        assert model.id == record["id"]
        assert TIMESTAMP_RE.fullmatch(record["created_at"])
        assert TIMESTAMP_RE.fullmatch(record["updated_at"])


@pytest.mark.parametrize("origin", ORIGINS)
def test_each_origin_has_every_kind(origin: str) -> None:
    records = sample_records(origin)
    kinds = Counter(r["kind"] for r in records)
    assert kinds["case"] >= 2
    assert 1 <= kinds["event"] <= 2
    contact_types = Counter(r["contact_type"] for r in records if r["kind"] == "contact")
    assert contact_types == {"organisation": 1, "person": 1}
    country = next(n["country"] for n in load_centres()["nodes"] if n["origin"] == origin)
    assert {r["origin_country"] for r in records} == {country}


@pytest.mark.parametrize("origin", ORIGINS)
def test_organisation_contact_is_the_centre(origin: str) -> None:
    node = next(n for n in load_centres()["nodes"] if n["origin"] == origin)
    org = next(r for r in sample_records(origin) if r.get("contact_type") == "organisation")
    assert org["country"] == node["country"]
    assert plain(node["name"]) in {plain(name) for name in org["name"].values()}


@pytest.mark.parametrize("origin", ORIGINS)
def test_person_contacts_hold_work_data_only(origin: str) -> None:
    records = sample_records(origin)
    org = next(r for r in records if r.get("contact_type") == "organisation")
    person = next(r for r in records if r.get("contact_type") == "person")
    assert not FORBIDDEN_PERSON_FIELDS & person.keys()
    assert not {"birth_date", "gender", "photo"} & person.keys()
    assert person["lawful_basis"] == "public-task"
    assert "publication_consent" not in person  # shared within the federation only
    assert person["affiliation"] == org["name"][org["original_language"]]
    if "email" in person:
        assert person["email"].split("@")[1] == org["email"].split("@")[1]


@pytest.mark.parametrize("origin", ORIGINS)
def test_texts_include_the_original_language_and_english(origin: str) -> None:
    for record in sample_records(origin, extra=3):
        if record.get("contact_type") == "person":
            continue  # no multilingual fields: role and expertise are plain text
        language = record["original_language"]
        texts = [record[f] for f in TEXT_FIELDS if isinstance(record.get(f), dict)]
        assert texts, record["id"]
        for text in texts:
            assert language in text
            assert "en" in text


@pytest.mark.parametrize("origin", ORIGINS)
def test_events_use_real_time_zones(origin: str) -> None:
    for record in sample_records(origin):
        if record["kind"] == "event":
            assert record["timezone"].startswith("Europe/")
            ZoneInfo(record["timezone"])


def test_case_contact_refs_point_to_contacts() -> None:
    for origin in ORIGINS:
        records = sample_records(origin, extra=2)
        contacts = {r["id"] for r in records if r["kind"] == "contact"}
        for record in records:
            if record["kind"] == "case":
                assert set(record["contact_refs"]) <= contacts


def test_ids_are_ulid_shaped_unique_and_stable() -> None:
    ids = [r["id"] for origin in ORIGINS for r in sample_records(origin)]
    assert all(ULID_RE.fullmatch(i) for i in ids)
    assert len(set(ids)) == len(ids)
    for origin in ORIGINS:
        assert sample_records(origin) == sample_records(origin)


def test_seed_changes_ids_but_not_content() -> None:
    a, b = sample_records("lt.esfa.ncc"), sample_records("lt.esfa.ncc", seed=7)
    assert not {r["id"] for r in a} & {r["id"] for r in b}
    strip = ("id", "contact_refs")
    assert [{k: v for k, v in r.items() if k not in strip} for r in a] == [
        {k: v for k, v in r.items() if k not in strip} for r in b
    ]


def test_extra_records_are_valid_unique_and_deterministic() -> None:
    all_ids: list[str] = []
    for origin in ORIGINS:
        base = sample_records(origin)
        more = sample_records(origin, extra=50)
        assert more[: len(base)] == base
        added = more[len(base) :]
        assert len(added) == 50
        assert all(r["kind"] == "case" for r in added)
        for record in added:
            validate(record)
        assert len({r["title"]["en"] for r in added}) > 10  # varied, not one title repeated
        assert sample_records(origin, extra=50) == more
        all_ids += [r["id"] for r in more]
    assert len(set(all_ids)) == len(all_ids)
    assert all(ULID_RE.fullmatch(i) for i in all_ids)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="no sample records"):
        sample_records("uk.esia.ncc")
    with pytest.raises(ValueError, match="extra"):
        sample_records("lt.esfa.ncc", extra=-1)
