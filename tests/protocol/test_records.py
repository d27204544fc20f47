"""Record bodies by kind: realistic records from the competence centres, and what is refused."""

from __future__ import annotations

import copy
import string
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.protocol import vocab
from federation.protocol.entry import Kind, Visibility, encode_body
from federation.protocol.errors import ProtocolError, RecordError
from federation.protocol.records import (
    CaseRecord,
    EventRecord,
    MachineText,
    OrganisationContact,
    PersonContact,
    RecordSummary,
    default_visibility,
    summarize,
    validate_body,
    validate_fields,
)

SALT = "q83vEjRWeJCrze8SNFZ4kA=="  # 16 bytes


def _shared(record_id: str, country: str, lang: str) -> dict[str, Any]:
    return {
        "salt": SALT,
        "id": record_id,
        "origin_country": country,
        "original_language": lang,
        "created_at": "2025-03-01T09:00:00Z",
        "updated_at": "2025-03-02T12:30:00Z",
    }


def lt_case() -> dict[str, Any]:
    """PEnCIL, the LT-led EaSI consortium (centres.json)."""
    return {
        **_shared("01JCASELT00000000000000001", "LT", "lt"),
        "title": {
            "lt": "PEnCIL – Europos socialinių inovacijų laboratorija",
            "en": "PEnCIL – Pan European Social Innovation Lab",
        },
        "summary": {
            "lt": "ESFA su Belgijos, Čekijos ir Suomijos ESF vadovaujančiosiomis institucijomis "
            "sukūrė nacionalinį socialinių inovacijų kompetencijų centrą.",
            "en": {
                "text": "ESFA and the ESF managing authorities of Belgium, Czechia and Finland "
                "built a national competence centre for social innovation.",
                "machine_translated": True,
            },
        },
        "countries": ["LT", "BE", "CZ", "FI"],
        "nuts": ["LT011"],
        "level": "transnational",
        "lead_org": "Europos socialinio fondo agentūra (ESFA)",
        "partners": [
            {"name": "ESF managing authority Flanders", "country": "BE", "role": "partner"},
            {"name": "Ministry of Labour and Social Affairs", "country": "CZ", "role": "partner"},
            {"name": "Finnish ESF managing authority", "country": "FI", "role": "partner"},
        ],
        "funding": [
            {"fund": "EaSI", "programme": "EaSI", "amount": 216865.10, "currency": "EUR"},
        ],
        "programming_period": "2021-2027",
        "start": "2021-05-01",
        "end": "2023-04-30",
        "stage": "completed",
        "themes": ["social-inclusion", "public-sector-innovation"],
        "target_groups": ["ESF managing authorities", "social innovators"],
        "sdgs": [8, 10, 17],
        "outcomes": [{"indicator": "partner countries", "value": 4, "unit": "countries"}],
        "website": "https://www.esf.lt/en/",
        "contact_refs": ["01JCONTACTLT0000000000001"],
        "links": [{"url": "https://www.esf.lt/en/", "title": "ESFA"}],
    }


def sif_seminar() -> dict[str, Any]:
    """One seminar of SIF's five-seminar cycle across Latvia, here in Latgale."""
    return {
        **_shared("01JEVENTLV00000000000000001", "LV", "lv"),
        "title": {
            "lv": "Sociālās inovācijas semināru cikls: Latgale",
            "en": "Social innovation seminar cycle: Latgale",
        },
        "description": {"lv": "Otrais no pieciem semināriem par sociālo inovāciju Latvijā."},
        "event_type": "seminar",
        "start": "2025-05-14T10:00",
        "end": "2025-05-14T16:00:00",
        "timezone": "Europe/Riga",
        "attendance": "offline",
        "location": {
            "city": "Rēzekne",
            "country": "LV",
            "nuts": "LV005",
        },
        "languages": ["lv"],
        "audience": "municipalities, NGOs and social entrepreneurs",
        "registration": {
            "url": "https://www.sif.gov.lv/",
            "deadline": "2025-05-09",
            "capacity": 60,
            "free": True,
        },
        "organisers": ["Sabiedrības integrācijas fonds (SIF)"],
        "status": "scheduled",
    }


def ncc_call() -> dict[str, Any]:
    """The ESF+ call for national competence centres (2023)."""
    return {
        **_shared("01JEVENTEU00000000000000001", "LT", "en"),
        "title": {"en": "ESF+ call for national competence centres for social innovation"},
        "event_type": "call-for-proposals",
        "start": "2023-08-17T00:00",
        "end": "2023-11-30T17:00",
        "timezone": "Europe/Brussels",
        "attendance": "online",
        "online_url": "https://ec.europa.eu/info/funding-tenders/opportunities/portal/",
        "languages": ["en"],
        "status": "scheduled",
        "call": {
            "budget": 8_000_000,
            "currency": "EUR",
            "grant_min": 500_000,
            "grant_max": 1_500_000,
            "deadline": "2023-11-30T17:00",
        },
    }


def kusk() -> dict[str, Any]:
    return {
        **_shared("01JCONTACTEE0000000000001", "EE", "et"),
        "contact_type": "organisation",
        "name": {
            "et": "Kodanikuühiskonna Sihtkapital",
            "en": "National Foundation of Civil Society",
        },
        "acronym": "KUSK",
        "org_type": "ncc",
        "country": "EE",
        "website": "https://www.kysk.ee/",
        "email": "info@kysk.ee",
        "address": "Tallinn, Estonia",
    }


def person() -> dict[str, Any]:
    return {
        **_shared("01JCONTACTEE0000000000002", "EE", "et"),
        "contact_type": "person",
        "display_name": "Mari Tamm",
        "role": "Social innovation adviser",
        "affiliation": "01JCONTACTEE0000000000001",
        "email": "mari.tamm@kysk.ee",
        "expertise": ["social enterprise", "impact measurement"],
        "languages": ["et", "en"],
        "lawful_basis": "public-task",
        "review_due": "2026-03-01",
    }


def consenting_person() -> dict[str, Any]:
    return {
        **person(),
        "lawful_basis": "consent",
        "consent": {
            "given_at": "2025-02-20T08:00:00Z",
            "notice_url": "https://www.kysk.ee/privacy",
        },
    }


def body(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(fields)


def reject(kind: Kind | str, fields: dict[str, Any]) -> RecordError:
    with pytest.raises(RecordError) as info:
        validate_body(kind, body(fields))
    return info.value


VALID = [
    (Kind.CASE, lt_case, CaseRecord),
    (Kind.EVENT, sif_seminar, EventRecord),
    (Kind.EVENT, ncc_call, EventRecord),
    (Kind.CONTACT, kusk, OrganisationContact),
    (Kind.CONTACT, person, PersonContact),
    (Kind.CONTACT, consenting_person, PersonContact),
]


@pytest.mark.parametrize(("kind", "make", "model_type"), VALID)
def test_realistic_records_validate(kind: Kind, make: Any, model_type: type) -> None:
    fields = make()
    model = validate_body(kind, body(fields))
    assert isinstance(model, model_type)
    assert model.id == fields["id"]
    assert validate_fields(kind, fields) == model
    dumped = model.model_dump(mode="json", exclude_unset=True)
    assert dumped == fields  # nothing lost, nothing coerced


def test_case_values_are_typed() -> None:
    model = validate_body(Kind.CASE, body(lt_case()))
    assert isinstance(model, CaseRecord)
    assert model.themes == [vocab.Theme.SOCIAL_INCLUSION, vocab.Theme.PUBLIC_SECTOR_INNOVATION]
    assert model.funding is not None
    assert model.funding[0].fund is vocab.Fund.EASI
    assert model.funding[0].amount == pytest.approx(216865.10)
    assert model.summary["en"] == MachineText(
        text=lt_case()["summary"]["en"]["text"], machine_translated=True
    )


REQUIRED = {
    "case": (lt_case, ["salt", "id", "origin_country", "original_language", "created_at",
                       "updated_at", "title", "summary", "countries", "lead_org"]),
    "event": (sif_seminar, ["salt", "id", "origin_country", "original_language", "created_at",
                            "updated_at", "title", "event_type", "start", "timezone",
                            "attendance", "languages", "status"]),
    "organisation": (kusk, ["salt", "id", "origin_country", "contact_type", "name", "country"]),
    "person": (person, ["salt", "id", "created_at", "contact_type", "display_name",
                        "affiliation", "lawful_basis"]),
}  # fmt: skip


@pytest.mark.parametrize(
    ("label", "field"), [(label, f) for label, (_, fs) in REQUIRED.items() for f in fs]
)
def test_every_required_field_is_named_when_missing(label: str, field: str) -> None:
    make, _ = REQUIRED[label]
    kind = {"case": Kind.CASE, "event": Kind.EVENT}.get(label, Kind.CONTACT)
    fields = make()
    del fields[field]
    err = reject(kind, fields)
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert isinstance(err, ProtocolError)
    assert err.code == "invalid_record"


def _set(path: str, value: Any) -> Any:
    def apply(fields: dict[str, Any]) -> dict[str, Any]:
        target: Any = fields
        *parents, last = path.split(".")
        for p in parents:
            target = target[int(p)] if isinstance(target, list) else target[p]
        target[last] = value
        return fields

    return apply


BAD = [
    ("bad country", Kind.CASE, lt_case, _set("origin_country", "XX"), "origin_country",
     "'XX' is not an ISO 3166-1 alpha-2 code"),
    ("UK is not ISO", Kind.CASE, lt_case, _set("countries", ["LT", "UK"]), "countries.1", "ISO"),
    ("lower-case country", Kind.CONTACT, kusk, _set("country", "ee"), "country", "ISO 3166-1"),
    ("bad language", Kind.CASE, lt_case, _set("original_language", "lithuanian"),
     "original_language", "BCP 47"),
    ("bad language key", Kind.CASE, lt_case, _set("title", {"lt": "x", "en_GB": "y"}),
     "title.en_GB", "BCP 47"),
    ("original language missing", Kind.CASE, lt_case, _set("title", {"en": "PEnCIL"}), "title",
     "original language 'lt'"),
    ("original machine translated", Kind.CONTACT, kusk,
     _set("name", {"et": {"text": "KUSK", "machine_translated": True}}), "name", "machine"),
    ("empty text", Kind.CASE, lt_case, _set("summary", {"lt": "  "}), "summary.lt", "empty"),
    ("empty map", Kind.CASE, lt_case, _set("problem", {}), "problem", "at least one language"),
    ("bad currency", Kind.CASE, lt_case, _set("funding.0.currency", "EURO"),
     "funding.0.currency", "ISO 4217"),
    ("amount without currency", Kind.CASE, lt_case,
     _set("funding", [{"fund": "ESF+", "amount": 1000}]), "funding.0.currency", "required"),
    ("negative amount", Kind.CASE, lt_case, _set("funding.0.amount", -1), "funding.0.amount",
     "greater than or equal to 0"),
    ("unknown fund", Kind.CASE, lt_case, _set("funding.0.fund", "ESF++"), "funding.0.fund",
     "'ESF+'"),
    ("sdg 18", Kind.CASE, lt_case, _set("sdgs", [8, 18]), "sdgs.1", "less than or equal to 17"),
    ("sdg as string", Kind.CASE, lt_case, _set("sdgs", ["8"]), "sdgs.0", "integer"),
    ("sdg as bool", Kind.CASE, lt_case, _set("sdgs", [True]), "sdgs.0", "integer"),
    ("unknown theme", Kind.CASE, lt_case, _set("themes", ["space-travel"]), "themes.0",
     "employment"),
    ("case end before start", Kind.CASE, lt_case, _set("end", 2020), "end", "before start"),
    ("bad year", Kind.CASE, lt_case, _set("start", "2021"), "start", "year"),
    ("no countries", Kind.CASE, lt_case, _set("countries", []), "countries", "at least 1"),
    ("bad nuts", Kind.CASE, lt_case, _set("nuts", ["lt011"]), "nuts.0", "NUTS"),
    ("bad period", Kind.CASE, lt_case, _set("programming_period", "2028-2034"),
     "programming_period", "2021-2027"),
    ("ftp website", Kind.CASE, lt_case, _set("website", "ftp://esf.lt/"), "website", "http"),
    ("embedded contact", Kind.CASE, lt_case, _set("contact_refs", ["Jonas Jonaitis"]),
     "contact_refs.0", "record id"),
    ("short salt", Kind.CASE, lt_case, _set("salt", "c2FsdA=="), "salt", "16"),
    ("bad salt", Kind.CASE, lt_case, _set("salt", "not base64!"), "salt", "base64"),
    ("bad id", Kind.CASE, lt_case, _set("id", "-x"), "id", "record id"),
    ("offset timestamp", Kind.CASE, lt_case, _set("created_at", "2025-03-01T09:00:00+02:00"),
     "created_at", "RFC 3339"),
    ("impossible timestamp", Kind.CASE, lt_case, _set("updated_at", "2025-02-30T09:00:00Z"),
     "updated_at", "RFC 3339"),
    ("updated before created", Kind.CASE, lt_case, _set("updated_at", "2025-01-01T00:00:00Z"),
     "updated_at", "before created_at"),
    ("event end before start", Kind.EVENT, sif_seminar, _set("end", "2025-05-14T09:59"), "end",
     "before start"),
    ("event time with offset", Kind.EVENT, sif_seminar, _set("start", "2025-05-14T10:00+03:00"),
     "start", "local date-time"),
    ("bad timezone", Kind.EVENT, sif_seminar, _set("timezone", "GMT+2 Riga"), "timezone", "IANA"),
    ("offline without location", Kind.EVENT, sif_seminar, _set("location", None), "location",
     "offline"),
    ("online without url", Kind.EVENT, ncc_call, _set("online_url", None), "online_url",
     "online"),
    ("mixed needs both", Kind.EVENT, sif_seminar, _set("attendance", "mixed"), "online_url",
     "mixed"),
    ("no languages", Kind.EVENT, sif_seminar, _set("languages", []), "languages", "at least 1"),
    ("bad event type", Kind.EVENT, sif_seminar, _set("event_type", "party"), "event_type",
     "seminar"),
    ("bad status", Kind.EVENT, sif_seminar, _set("status", "done"), "status", "scheduled"),
    ("negative capacity", Kind.EVENT, sif_seminar, _set("registration.capacity", -5),
     "registration.capacity", "greater than or equal to 0"),
    ("grant_min above grant_max", Kind.EVENT, ncc_call, _set("call.grant_min", 2_000_000),
     "call.grant_min", "greater than grant_max"),
    ("grant above budget", Kind.EVENT, ncc_call, _set("call.grant_max", 9_000_000),
     "call.grant_max", "budget"),
    ("bad call deadline", Kind.EVENT, ncc_call, _set("call.deadline", "30.11.2023"),
     "call.deadline", "date"),
    ("bad org type", Kind.CONTACT, kusk, _set("org_type", "company"), "org_type", "ncc"),
    ("bad email", Kind.CONTACT, kusk, _set("email", "info at kysk.ee"), "email", "e-mail"),
    ("bad phone", Kind.CONTACT, kusk, _set("phone", "call us"), "phone", "phone number"),
    ("unknown contact type", Kind.CONTACT, kusk, _set("contact_type", "robot"), "contact_type",
     "'robot'"),
    ("person with gender", Kind.CONTACT, person, _set("gender", "female"), "gender",
     "birth date, gender or photo"),
    ("person with birth_date", Kind.CONTACT, person, _set("birth_date", "1980-01-01"),
     "birth_date", "not allowed"),
    ("person with photo_url", Kind.CONTACT, person, _set("photo_url", "https://x.ee/p.jpg"),
     "photo_url", "not allowed"),
    ("consent basis without consent", Kind.CONTACT, person, _set("lawful_basis", "consent"),
     "consent", "lawful_basis is consent"),
    ("withdrawn consent", Kind.CONTACT, consenting_person,
     _set("consent.withdrawn_at", "2025-04-01T00:00:00Z"), "consent.withdrawn_at", "delete"),
    ("bad lawful basis", Kind.CONTACT, person, _set("lawful_basis", "legitimate-interest"),
     "lawful_basis", "public-task"),
    ("bad review date", Kind.CONTACT, person, _set("review_due", "2026-13-01"), "review_due",
     "YYYY-MM-DD"),
    ("bad link", Kind.CONTACT, kusk, _set("links", [{"title": "x"}]), "links.0.url", "required"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "make", "change", "field", "fragment"),
    [pytest.param(*case[1:], id=case[0]) for case in BAD],
)
def test_bad_values_are_refused_naming_the_field(
    kind: Kind, make: Any, change: Any, field: str, fragment: str
) -> None:
    err = reject(kind, change(make()))
    assert err.field == field
    assert str(err).startswith(f"{field}: ")
    assert fragment in str(err)


def test_person_forbidden_field_is_refused_even_with_other_errors() -> None:
    fields = person()
    del fields["display_name"]
    fields["sex"] = "m"
    assert reject(Kind.CONTACT, fields).field == "sex"


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"title": "\xe9"}', "UTF-8"),
        (b"", "UTF-8"),
        (b'{"id": ', "UTF-8"),
        (b"[1, 2]", "JSON object"),
        (b'"a record"', "JSON object"),
        (b"null", "JSON object"),
    ],
)
def test_undecodable_bodies_are_refused(raw: bytes, fragment: str) -> None:
    with pytest.raises(RecordError, match=fragment) as info:
        validate_body(Kind.CASE, raw)
    assert info.value.field is None


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(RecordError, match="unknown record kind") as info:
        validate_body("project", body(lt_case()))
    assert info.value.field == "kind"
    with pytest.raises(RecordError):
        validate_fields("project", lt_case())


def test_wrong_kind_is_refused() -> None:
    assert reject(Kind.EVENT, lt_case()).field == "event_type"


def test_unknown_fields_survive() -> None:
    fields = lt_case()
    fields["impact_score"] = {"method": "SROI", "ratio": 3.2}
    fields["partners"][0]["website"] = "https://www.esf.be/"
    fields["title"]["fi"] = {"text": "PEnCIL", "machine_translated": True, "engine": "eTranslation"}
    model = validate_body(Kind.CASE, body(fields))
    dumped = model.model_dump()
    assert dumped["impact_score"] == {"method": "SROI", "ratio": 3.2}
    assert dumped["partners"][0]["website"] == "https://www.esf.be/"
    assert dumped["title"]["fi"]["engine"] == "eTranslation"
    assert model.model_extra == {"impact_score": {"method": "SROI", "ratio": 3.2}}


def test_null_means_absent() -> None:
    fields = lt_case()
    fields.update(problem=None, nuts=None, website=None)
    model = validate_body(Kind.CASE, body(fields))
    assert isinstance(model, CaseRecord)
    assert model.problem is None and model.nuts is None and model.website is None


def test_validate_fields_matches_the_encoded_body() -> None:
    fields = {**lt_case(), "kind": "case", "visibility": "public"}
    del fields["salt"]
    model = validate_fields(Kind.CASE, fields)  # placeholder salt, kind/visibility dropped
    encoded = encode_body(fields, fields["id"])
    from_body = validate_body(Kind.CASE, encoded)
    assert model.model_dump(exclude={"salt"}) == from_body.model_dump(exclude={"salt"})
    assert "kind" not in from_body.model_dump()
    with pytest.raises(RecordError, match="JSON-serialisable"):
        validate_fields(Kind.CASE, {**lt_case(), "extra": {1, 2}})
    with pytest.raises(RecordError, match="salt"):
        validate_fields(Kind.CASE, {**lt_case(), "salt": "x"})


def test_country_aliases_and_language_tags() -> None:
    greek = lt_case()
    greek["countries"] = ["EL"]
    greek["partners"] = [{"name": "EYSEKT", "country": "GR"}]
    greek["title"]["sr-Latn-RS"] = "Laboratorija"
    greek["summary"]["x-klingon"] = "Qapla'"
    model = validate_body(Kind.CASE, body(greek))
    s = summarize(Kind.CASE, model)
    assert s.countries == ("GR", "LT")
    assert {"sr-Latn-RS", "x-klingon"} <= set(s.languages)


def test_machine_translation_may_be_marked_false() -> None:
    fields = kusk()
    fields["name"]["en"] = {
        "text": "National Foundation of Civil Society",
        "machine_translated": False,
    }
    model = validate_body(Kind.CONTACT, body(fields))
    assert isinstance(model, OrganisationContact)
    assert model.name["en"] == MachineText(
        text="National Foundation of Civil Society", machine_translated=False
    )


def test_default_visibility() -> None:
    assert default_visibility(Kind.CONTACT, person()) is Visibility.FEDERATION
    assert default_visibility(Kind.CONTACT, consenting_person()) is Visibility.FEDERATION
    opted_in = {**consenting_person(), "publication_consent": True}
    assert default_visibility(Kind.CONTACT, opted_in) is Visibility.PUBLIC
    assert default_visibility(Kind.CONTACT, {**person(), "publication_consent": "yes"}) is (
        Visibility.FEDERATION
    )
    assert default_visibility(Kind.CONTACT, {}) is Visibility.FEDERATION  # safe side
    assert default_visibility(Kind.CONTACT, kusk()) is Visibility.PUBLIC
    assert default_visibility(Kind.CASE, lt_case()) is Visibility.PUBLIC
    assert default_visibility(Kind.EVENT, sif_seminar()) is Visibility.PUBLIC
    assert isinstance(validate_fields(Kind.CONTACT, opted_in), PersonContact)


def test_summaries() -> None:
    case = summarize(Kind.CASE, validate_body(Kind.CASE, body(lt_case())))
    assert case == RecordSummary(
        title={
            "lt": "PEnCIL – Europos socialinių inovacijų laboratorija",
            "en": "PEnCIL – Pan European Social Innovation Lab",
        },
        country="LT",
        countries=("BE", "CZ", "FI", "LT"),
        languages=("en", "lt"),
        themes=("social-inclusion", "public-sector-innovation"),
        updated_at="2025-03-02T12:30:00Z",
        start=None,
    )
    event = summarize(Kind.EVENT, validate_body(Kind.EVENT, body(sif_seminar())))
    assert event.title["lv"] == "Sociālās inovācijas semināru cikls: Latgale"
    assert (event.country, event.countries, event.start) == ("LV", ("LV",), "2025-05-14T10:00")
    assert event.languages == ("en", "lv")
    assert event.themes == ()
    org = summarize(Kind.CONTACT, validate_body(Kind.CONTACT, body(kusk())))
    assert org.title == {
        "et": "Kodanikuühiskonna Sihtkapital",
        "en": "National Foundation of Civil Society",
    }
    assert org.countries == ("EE",)
    who = summarize(Kind.CONTACT, validate_body(Kind.CONTACT, body(person())))
    assert who.title == {"und": "Mari Tamm"}
    assert who.languages == ("et",)


def test_vocabularies() -> None:
    assert len(vocab.COUNTRY_CODES) == 249
    assert {"GB", "EE", "LV", "LT", "GR"} <= vocab.COUNTRY_CODES
    assert "UK" not in vocab.COUNTRY_CODES and "EL" not in vocab.COUNTRY_CODES
    assert vocab.EU_MEMBER_STATES.issubset(vocab.COUNTRY_CODES | set(vocab.COUNTRY_ALIASES))
    assert len(vocab.EU_MEMBER_STATES) == 27
    assert {"EUR", "BGN", "CZK", "HUF", "PLN", "SEK", "DKK", "RON"} <= vocab.CURRENCY_CODES
    assert set(vocab.THEME_DESCRIPTIONS) == set(vocab.Theme)
    assert all(d.endswith(".") for d in vocab.THEME_DESCRIPTIONS.values())
    for tz in ("UTC", "Europe/Riga", "America/Argentina/Buenos_Aires", "Etc/GMT+2"):
        assert vocab.is_timezone_name(tz)
    for tz in ("", "Europe/", "/Riga", "Europe Riga", "+02:00"):
        assert not vocab.is_timezone_name(tz)


@pytest.mark.parametrize(
    "tag",
    ["lt", "EN", "en-GB", "zh-Hant-TW", "sr-Latn", "es-419", "de-CH-1996", "sl-rozaj-biske",
     "zh-yue-HK", "en-a-bbb-x-a-ccc", "und", "x-whatever", "i-klingon", "en-GB-oed", "qaa"],
)  # fmt: skip
def test_well_formed_language_tags(tag: str) -> None:
    assert vocab.is_language_tag(tag)


@pytest.mark.parametrize(
    "tag",
    ["", "e", "english", "en_GB", "en-", "-en", "en--GB", "en-GB-x", "a-DE", "en-x-123456789",
     "de-419-DE", "x", "lt-LT-a", "123"],
)  # fmt: skip
def test_malformed_language_tags(tag: str) -> None:
    assert not vocab.is_language_tag(tag)


def test_canonical_tag() -> None:
    assert vocab.canonical_tag("EN-latn-us") == "en-Latn-US"
    assert vocab.canonical_tag("en-a-bbb-x-AB-ccc") == "en-a-bbb-x-ab-ccc"
    assert vocab.canonical_tag("SGN-be-FR") == "sgn-BE-FR"


_UPPER2 = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2)


@given(_UPPER2.filter(lambda c: not vocab.is_country_code(c)))
def test_any_unassigned_two_letter_code_is_refused(code: str) -> None:
    fields = lt_case()
    fields["origin_country"] = code
    err = reject(Kind.CASE, fields)
    assert err.field == "origin_country"
    assert str(err) == f"origin_country: {code!r} is not an ISO 3166-1 alpha-2 code"


@given(st.sampled_from(sorted(vocab.COUNTRY_CODES)))
def test_every_assigned_code_is_accepted(code: str) -> None:
    fields = kusk()
    fields["country"] = code
    model = validate_body(Kind.CONTACT, body(fields))
    assert isinstance(model, OrganisationContact) and model.country == code


@given(st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3))
def test_currency_codes_outside_the_list_are_refused(code: str) -> None:
    fields = lt_case()
    fields["funding"][0]["currency"] = code
    if vocab.is_currency_code(code):
        validate_body(Kind.CASE, body(fields))
    else:
        assert reject(Kind.CASE, fields).field == "funding.0.currency"


@given(
    st.from_regex(r"[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?(-x-[a-z0-9]{1,8})?",
                  fullmatch=True)
)  # fmt: skip
def test_generated_tags_are_well_formed_and_canonical_is_stable(tag: str) -> None:
    assert vocab.is_language_tag(tag)
    assert vocab.is_language_tag(tag.upper())
    assert vocab.canonical_tag(tag.upper()) == vocab.canonical_tag(tag) == tag


@given(st.dictionaries(st.sampled_from(["lt", "en", "de", "fr", "pl"]), st.text(min_size=1)))
def test_text_maps_need_the_original_language(texts: dict[str, str]) -> None:
    fields = copy.deepcopy(lt_case())
    fields["title"] = texts
    ok = "lt" in texts and all(t.strip() for t in texts.values())
    if ok:
        model = validate_body(Kind.CASE, body(fields))
        assert isinstance(model, CaseRecord) and model.title == texts
    else:
        assert (reject(Kind.CASE, fields).field or "").startswith("title")
