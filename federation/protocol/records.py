"""Record bodies by kind (DESIGN §11, §12): pydantic models, validation, index summaries.

Rules that hold for every kind:

* Bodies are validated as **strict JSON**: a string field takes only a JSON string, an integer
  only a JSON integer (never ``true`` or ``"5"``), a number a JSON integer or float. Enums take
  their string value. ``validate_fields`` goes through the same JSON path, so a dict and its
  body bytes are judged identically.
* **Unknown fields are kept** (``extra="allow"``) on records and nested objects, so a newer
  node's additions survive an older node; they show up in ``model_dump()``.
* An optional field may be absent or ``null``; both mean "not given" and read as ``None``.
* Timestamps (``created_at``, ``updated_at``, consent times) are RFC 3339 UTC strings ending in
  ``Z`` (fractional seconds allowed) and are kept as the exact string.
* **Multilingual text** is an object mapping a BCP 47 tag to either a plain string or, for a
  machine translation, ``{"text": "…", "machine_translated": true}`` (extra keys such as the
  engine name are kept). The ``original_language`` entry (tags compare case-insensitively) must
  be present in every *required* multilingual field and must not be machine translated.
* Event times are local wall-clock times ``YYYY-MM-DDTHH:MM[:SS]`` in the event's IANA
  ``timezone``; registration and call deadlines (a date or a local date-time) use that zone too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, NoReturn

import orjson
from pydantic import (
    AfterValidator,
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    GetPydanticSchema,
    PlainValidator,
    TypeAdapter,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, ErrorDetails, PydanticCustomError, core_schema
from typing_extensions import TypeAliasType

from federation.protocol import vocab
from federation.protocol.entry import ID_RE, SALT_BYTES, Kind, Visibility
from federation.protocol.errors import RecordError
from federation.protocol.vocab import (
    Attendance,
    EventStatus,
    EventType,
    Fund,
    LawfulBasis,
    Level,
    OrgType,
    ProgrammingPeriod,
    Stage,
    Theme,
)

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
LOCAL_DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2})?$")
EMAIL_RE = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
)
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()./-]{3,30}$")
URL_RE = re.compile(r"^https?://[^\s/?#@]+(?:[/?#]\S*)?$", re.IGNORECASE)
MAX_URL = 2048
# Stands in for the salt in validate_fields: encode_body adds the real one later.
_PLACEHOLDER_SALT = base64.b64encode(bytes(SALT_BYTES)).decode()


def _fail(message: str, sub: str = "") -> NoReturn:
    """Reject a value; ``sub`` is a dotted path below the field being validated."""
    raise PydanticCustomError("record", "{message}", {"message": message, "sub": sub})


# --- scalar types -------------------------------------------------------------------------------
#
# Each constrained type is defined by a Python check (``_is(...)`` and friends below: the
# *definition*, and the source of every error message). Calling into Python for every value is
# most of the cost of validating a body, so each type also has a native *fast path*: a
# pydantic-core schema (regex pattern, length, integer range) that accepts a subset of what the
# Python check accepts. A value is tried against the fast path first and only goes through the
# Python check if the fast path refuses it (see :func:`_fast`); a valid body of the usual shape
# never leaves pydantic-core for its scalars. Accepted values and error messages are exactly the
# Python checks'. Fast-path regexes are deliberately conservative (ASCII, no case folding):
# anything unusual is simply decided by the Python check.


def _is(check: Callable[[str], object], what: str) -> AfterValidator:
    def validate(v: str) -> str:
        if not check(v):
            _fail(f"{v[:100]!r} is not {what}")
        return v

    return AfterValidator(validate)


def _parses(pattern: re.Pattern[str], parse: Callable[[str], object]) -> Callable[[str], bool]:
    def check(v: str) -> bool:
        try:
            return pattern.fullmatch(v) is not None and parse(v) is not None
        except ValueError:
            return False

    return check


def _parse_timestamp(v: str) -> datetime:
    """The second-precision time of a string that matches :data:`TIMESTAMP_RE`."""
    head = v.split(".")[0].rstrip("Z")
    if len(head) == 19 and head.isascii():  # same result as strptime, 50 times faster
        return datetime.fromisoformat(head)
    return datetime.strptime(head, "%Y-%m-%dT%H:%M:%S")


_is_timestamp = _parses(TIMESTAMP_RE, _parse_timestamp)
_is_date = _parses(DATE_RE, date.fromisoformat)
_is_local_datetime = _parses(LOCAL_DATETIME_RE, datetime.fromisoformat)


def _text(v: str) -> str:
    if not v.strip():
        _fail("must not be empty")
    return v


def _salt(v: str) -> str:
    try:
        raw = base64.b64decode(v, validate=True)
    except (binascii.Error, ValueError):
        _fail("must be standard base64")
    if len(raw) < SALT_BYTES:
        _fail(f"must encode at least {SALT_BYTES} random bytes, not {len(raw)}")
    return v


def _year_or_date(v: object) -> int | str:
    if type(v) is int and 1900 <= v <= 2100:
        return v
    if isinstance(v, str) and _is_date(v):
        return v
    _fail(f"{v!r} is not a year (1900-2100) or a date YYYY-MM-DD")


# Fast-path regexes (Rust ``regex`` syntax, searched, hence anchored). Each accepts a subset of
# what its Python check accepts; tests/protocol/test_records_fast.py checks that.
_ALPHANUM = "A-Za-z0-9"
# A character that str.strip() keeps: Python's whitespace is Unicode White_Space plus \x1c-\x1f.
_NOT_SPACE = r"[^\s\x1c-\x1f]"
_YEAR = "(?:[0-9]{3}[1-9]|[0-9]{2}[1-9]0|[0-9][1-9]00|[1-9]000)"  # 0001-9999
_MONTH_DAY = (
    "(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    "|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    "|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_LEAP_YEAR = "(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
_DATE = f"(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)"
_HOUR_MINUTE = "(?:[01][0-9]|2[0-3]):[0-5][0-9]"
FAST_PATTERNS: dict[str, str] = {
    "Text": _NOT_SPACE,
    "Salt": (  # at least 16 bytes: five full quads and more, canonical padding
        "^(?:[A-Za-z0-9+/]{4}){5}(?:(?:[A-Za-z0-9+/]{4})+"
        "(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?|[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)$"
    ),
    "RecordId": f"^[{_ALPHANUM}][{_ALPHANUM}._:-]{{0,127}}$",
    "CountryCode": "^(?:{})$".format(
        "|".join(sorted(vocab.COUNTRY_CODES | vocab.COUNTRY_ALIASES.keys()))
    ),
    "LanguageTag": vocab.BCP47_ASCII_PATTERN,  # the grandfathered tags take the Python path
    "CurrencyCode": "^(?:{})$".format(
        "|".join(sorted(vocab.CURRENCY_CODES | vocab.HISTORIC_CURRENCY_CODES))
    ),
    "NutsCode": "^[A-Z]{2}[0-9A-Z]{0,3}$",
    "TimezoneName": "^(?:UTC|[A-Za-z]+(?:/[A-Za-z0-9_+-]+)*)$",
    "Timestamp": f"^{_DATE}T{_HOUR_MINUTE}:[0-5][0-9](?:\\.[0-9]{{1,9}})?Z$",
    "Date": f"^{_DATE}$",
    "LocalDateTime": f"^{_DATE}T{_HOUR_MINUTE}(?::[0-5][0-9])?$",
    "HttpUrl": r"^[hH][tT][tT][pP][sS]?://[^\s\x1c-\x1f/?#@]+(?:[/?#][^\s\x1c-\x1f]*)?$",
    "Email": (
        r"^[^@\s\x1c-\x1f]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$"
    ),
    "Phone": r"^\+?[0-9][0-9 ()./-]{3,30}$",
}
FAST_PATTERNS["Deadline"] = f"(?:{FAST_PATTERNS['Date']})|(?:{FAST_PATTERNS['LocalDateTime']})"
_FAST_MAX_LENGTH = {
    "LanguageTag": vocab.MAX_LANGUAGE_TAG,
    "TimezoneName": vocab.MAX_TIMEZONE,
    "HttpUrl": MAX_URL,
}

# name -> the type as defined by its Python check (what a fast-path refusal is re-checked with)
_CHECKED: dict[str, Any] = {}
_CHECKERS: dict[str, TypeAdapter[Any]] = {}


FastSchema = CoreSchema | Callable[[GetCoreSchemaHandler], CoreSchema]


def _fast(name: str, checked: Any, *fast: FastSchema) -> GetPydanticSchema:
    """Validate with the native ``fast`` schemas, falling back to the ``checked`` type.

    The union reports one error of type ``fast_path`` whatever failed; :func:`_explain` turns it
    back into the error the ``checked`` type gives, so messages are unchanged.
    """
    _CHECKED[name] = checked

    def schema(_source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        choices = [f(handler) if callable(f) else f for f in fast]
        definition = handler.generate_schema(checked)

        def json_schema(_schema: CoreSchema, js: GetJsonSchemaHandler) -> JsonSchemaValue:
            return js(definition)  # documented as the checked type, as before

        return core_schema.union_schema(
            [*choices, definition],
            mode="left_to_right",
            custom_error_type="fast_path",
            custom_error_message=f"not a valid {name}",
            custom_error_context={"type": name},
            metadata={"pydantic_js_functions": [json_schema]},
        )

    return GetPydanticSchema(get_pydantic_core_schema=schema)


def _fast_str(name: str, checked: Any) -> GetPydanticSchema:
    fast = core_schema.str_schema(
        pattern=FAST_PATTERNS[name],
        max_length=_FAST_MAX_LENGTH.get(name),
        strict=True,
        regex_engine="rust-regex",
    )
    return _fast(name, checked, fast)


def _checked_str(check: Callable[[str], object], what: str) -> Any:
    return Annotated[str, _is(check, what)]


Text = Annotated[str, _fast_str("Text", Annotated[str, AfterValidator(_text)])]
Salt = Annotated[str, _fast_str("Salt", Annotated[str, AfterValidator(_salt)])]
RecordId = Annotated[
    str,
    _fast_str(
        "RecordId",
        _checked_str(
            ID_RE.fullmatch, "a record id (1-128 of A-Z a-z 0-9 . _ : -, alphanumeric first)"
        ),
    ),
]
CountryCode = Annotated[
    str,
    _fast_str("CountryCode", _checked_str(vocab.is_country_code, "an ISO 3166-1 alpha-2 code")),
]
LanguageTag = Annotated[
    str,
    _fast_str(
        "LanguageTag", _checked_str(vocab.is_language_tag, "a well-formed BCP 47 language tag")
    ),
]
CurrencyCode = Annotated[
    str,
    _fast_str("CurrencyCode", _checked_str(vocab.is_currency_code, "an ISO 4217 currency code")),
]
NutsCode = Annotated[
    str,
    _fast_str("NutsCode", _checked_str(vocab.NUTS_RE.fullmatch, "a NUTS code (e.g. LT011, EE008)")),
]
TimezoneName = Annotated[
    str,
    _fast_str(
        "TimezoneName",
        _checked_str(vocab.is_timezone_name, "an IANA time-zone name (e.g. Europe/Riga, UTC)"),
    ),
]
Timestamp = Annotated[
    str,
    _fast_str(
        "Timestamp",
        _checked_str(_is_timestamp, "an RFC 3339 UTC timestamp like 2026-11-22T10:00:00Z"),
    ),
]
Date = Annotated[str, _fast_str("Date", _checked_str(_is_date, "a date YYYY-MM-DD"))]
LocalDateTime = Annotated[
    str,
    _fast_str(
        "LocalDateTime",
        _checked_str(_is_local_datetime, "a local date-time YYYY-MM-DDTHH:MM[:SS] (no offset)"),
    ),
]
Deadline = Annotated[
    str,
    _fast_str(
        "Deadline",
        _checked_str(lambda v: _is_date(v) or _is_local_datetime(v), "a date or a local date-time"),
    ),
]
YearOrDate = Annotated[
    int | str,
    _fast(
        "YearOrDate",
        Annotated[int | str, PlainValidator(_year_or_date)],
        core_schema.int_schema(ge=1900, le=2100, strict=True),
        core_schema.str_schema(pattern=FAST_PATTERNS["Date"], strict=True),
    ),
]
HttpUrl = Annotated[
    str,
    _fast_str(
        "HttpUrl",
        _checked_str(lambda v: len(v) <= MAX_URL and URL_RE.fullmatch(v), "an http(s) URL"),
    ),
]
Email = Annotated[str, _fast_str("Email", _checked_str(EMAIL_RE.fullmatch, "an e-mail address"))]
Phone = Annotated[
    str,
    _fast_str(
        "Phone",
        _checked_str(PHONE_RE.fullmatch, "a phone number (digits, spaces, + ( ) . / -)"),
    ),
]
Amount = Annotated[float, Field(ge=0)]


# Any JSON value except a non-finite number (which pydantic-core's parser would read from
# ``NaN``, ``Infinity`` or ``1e400``, and orjson, which defines what JSON is here, refuses).
FiniteJson = TypeAliasType(
    "FiniteJson",
    "list[FiniteJson] | dict[str, FiniteJson] | str | bool | int "
    "| Annotated[float, AllowInfNan(False)] | None",
)


class _Open(BaseModel):
    """Strict, immutable, and keeping unknown fields (forward compatibility)."""

    model_config = ConfigDict(extra="allow", strict=True, frozen=True, allow_inf_nan=False)
    __pydantic_extra__: dict[str, Annotated[FiniteJson, WithJsonSchema({})]]  # any JSON value


class MachineText(_Open):
    """A machine-translated text: ``{"text": "…", "machine_translated": true}``."""

    text: str
    machine_translated: bool


def _text_value(v: object) -> str | MachineText:
    if isinstance(v, str):
        return _text(v)
    if isinstance(v, MachineText):
        return v
    if not isinstance(v, dict):
        _fail('must be a string or {"text": "…", "machine_translated": true}')
    text, mt = v.get("text"), v.get("machine_translated")
    if not isinstance(text, str) or not text.strip():
        _fail("must be a non-empty string", "text")
    if not isinstance(mt, bool):
        _fail("must be true or false", "machine_translated")
    return MachineText.model_validate(v)


def _machine_text_fast(handler: GetCoreSchemaHandler) -> CoreSchema:
    """MachineText's schema with ``text`` required to be non-blank (as _text_value checks)."""
    fields = MachineText.model_fields
    assert set(fields) == {"text", "machine_translated"}, "MachineText changed: update this"
    return core_schema.model_schema(
        MachineText,
        core_schema.model_fields_schema(
            {
                "text": core_schema.model_field(
                    core_schema.str_schema(pattern=_NOT_SPACE, strict=True)
                ),
                "machine_translated": core_schema.model_field(core_schema.bool_schema()),
            },
            model_name="MachineText",
            extras_schema=handler.generate_schema(FiniteJson),
        ),
        config=core_schema.CoreConfig(
            title="MachineText",
            extra_fields_behavior="allow",
            strict=True,
            allow_inf_nan=False,
        ),
    )


def _multilingual(v: dict[str, str | MachineText]) -> dict[str, str | MachineText]:
    if not v:
        _fail("needs at least one language")
    if len(v) > 1:
        seen: set[str] = set()
        for tag in v:
            if tag.lower() in seen:
                _fail(f"language {tag!r} appears twice (tags are case-insensitive)", tag)
            seen.add(tag.lower())
    return v


TextValue = Annotated[
    str | MachineText,
    _fast(
        "TextValue",
        Annotated[str | MachineText, BeforeValidator(_text_value)],
        core_schema.str_schema(pattern=_NOT_SPACE, strict=True),
        _machine_text_fast,
    ),
]
Multilingual = Annotated[dict[LanguageTag, TextValue], AfterValidator(_multilingual)]


def plain_text(value: str | MachineText) -> str:
    """The text of a multilingual value, whether machine translated or not."""
    return value if isinstance(value, str) else value.text


# --- shared parts -------------------------------------------------------------------------------


class Link(_Open):
    url: HttpUrl
    title: Text | None = None


class _Record(_Open):
    """Fields every kind shares. ``_required_text`` names the required multilingual fields."""

    _required_text: ClassVar[tuple[str, ...]] = ()

    salt: Salt
    id: RecordId
    origin_country: CountryCode
    original_language: LanguageTag
    created_at: Timestamp
    updated_at: Timestamp
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _check_shared(self) -> _Record:
        created, updated = self.created_at, self.updated_at
        if created.isascii() and updated.isascii():
            # fixed-width digits: the seconds part compares like the times it stands for
            before = updated[:19] < created[:19]
        else:
            before = _parse_timestamp(updated) < _parse_timestamp(created)
        if before:
            _fail(f"is before created_at {self.created_at!r}", "updated_at")
        original = self.original_language.lower()
        for name in self._required_text:
            texts: dict[str, str | MachineText] = getattr(self, name)
            # tags are unique case-insensitively (_multilingual), so an exact hit is the one
            value = texts.get(self.original_language)
            if value is None:
                value = next((t for tag, t in texts.items() if tag.lower() == original), None)
            if value is None:
                _fail(f"has no text in the original language {self.original_language!r}", name)
            if isinstance(value, MachineText) and value.machine_translated:
                _fail("the original-language text cannot be machine translated", name)
        return self


# --- case ---------------------------------------------------------------------------------------


class Partner(_Open):
    name: Text
    country: CountryCode | None = None
    role: Text | None = None


class Funding(_Open):
    fund: Fund
    programme: Text | None = None
    amount: Amount | None = None
    currency: CurrencyCode | None = None

    @model_validator(mode="after")
    def _currency_with_amount(self) -> Funding:
        if self.amount is not None and self.currency is None:
            _fail("is required when amount is given", "currency")
        return self


class Outcome(_Open):
    indicator: Text
    value: float
    unit: Text | None = None
    year: Annotated[int, Field(ge=1900, le=2100)] | None = None


def _year_of(v: int | str) -> int:
    return v if isinstance(v, int) else int(v[:4])


class CaseRecord(_Record):
    """A social-innovation case, modelled on the Social Innovation Match case studies."""

    _required_text = ("title", "summary")

    title: Multilingual
    summary: Multilingual
    problem: Multilingual | None = None
    solution: Multilingual | None = None
    results: Multilingual | None = None
    transferability: Multilingual | None = None
    countries: Annotated[list[CountryCode], Field(min_length=1)]
    nuts: list[NutsCode] | None = None
    level: Level | None = None
    lead_org: Text
    partners: list[Partner] | None = None
    funding: list[Funding] | None = None
    programming_period: ProgrammingPeriod | None = None
    start: YearOrDate | None = None
    end: YearOrDate | None = None
    stage: Stage | None = None
    themes: list[Theme] | None = None
    target_groups: list[Text] | None = None
    sdgs: list[Annotated[int, Field(ge=1, le=17)]] | None = None
    outcomes: list[Outcome] | None = None
    website: HttpUrl | None = None
    contact_refs: list[RecordId] | None = None

    @model_validator(mode="after")
    def _check_period(self) -> CaseRecord:
        s, e = self.start, self.end
        if s is not None and e is not None:
            if isinstance(s, str) and isinstance(e, str):
                before = e < s  # YYYY-MM-DD strings sort like dates
            else:
                before = _year_of(e) < _year_of(s)
            if before:
                _fail(f"{e!r} is before start {s!r}", "end")
        return self


# --- event --------------------------------------------------------------------------------------


class Location(_Open):
    address: Text | None = None
    city: Text | None = None
    country: CountryCode
    nuts: NutsCode | None = None


class Registration(_Open):
    url: HttpUrl | None = None
    deadline: Deadline | None = None
    capacity: Annotated[int, Field(ge=0)] | None = None
    free: bool | None = None


def _num(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


class Call(_Open):
    """Figures of a call for proposals (meaningful for ``event_type: call-for-proposals``)."""

    budget: Amount | None = None
    currency: CurrencyCode | None = None
    grant_min: Amount | None = None
    grant_max: Amount | None = None
    deadline: Deadline | None = None

    @model_validator(mode="after")
    def _check_amounts(self) -> Call:
        if self.currency is None and any(
            x is not None for x in (self.budget, self.grant_min, self.grant_max)
        ):
            _fail("is required when an amount is given", "currency")
        lo, hi = self.grant_min, self.grant_max
        if lo is not None and hi is not None and lo > hi:
            _fail(f"{_num(lo)} is greater than grant_max {_num(hi)}", "grant_min")
        if hi is not None and self.budget is not None and hi > self.budget:
            _fail(f"{_num(hi)} is greater than the budget {_num(self.budget)}", "grant_max")
        return self


class EventRecord(_Record):
    """A training, workshop, seminar, webinar, peer learning, visit, conference or call."""

    _required_text = ("title",)

    title: Multilingual
    description: Multilingual | None = None
    event_type: EventType
    start: LocalDateTime
    end: LocalDateTime | None = None
    timezone: TimezoneName
    attendance: Attendance
    location: Location | None = None
    online_url: HttpUrl | None = None
    languages: Annotated[list[LanguageTag], Field(min_length=1)]
    audience: Text | None = None
    registration: Registration | None = None
    organisers: list[Text] | None = None
    status: EventStatus
    call: Call | None = None

    @model_validator(mode="after")
    def _check_event(self) -> EventRecord:
        if self.end is not None and datetime.fromisoformat(self.end) < datetime.fromisoformat(
            self.start
        ):
            _fail(f"{self.end!r} is before start {self.start!r}", "end")
        if self.attendance is not Attendance.ONLINE and self.location is None:
            _fail(f"is required for {self.attendance.value} attendance", "location")
        if self.attendance is not Attendance.OFFLINE and self.online_url is None:
            _fail(f"is required for {self.attendance.value} attendance", "online_url")
        return self


# --- contact ------------------------------------------------------------------------------------


class OrganisationContact(_Record):
    """An organisation; email and phone are functional (office) addresses."""

    _required_text = ("name",)

    contact_type: Literal["organisation"]
    name: Multilingual
    acronym: Text | None = None
    org_type: OrgType | None = None
    country: CountryCode
    website: HttpUrl | None = None
    email: Email | None = None
    phone: Phone | None = None
    address: Text | None = None


class Consent(_Open):
    given_at: Timestamp
    notice_url: HttpUrl
    withdrawn_at: Timestamp | None = None


class PersonContact(_Record):
    """A person, with work details only (DESIGN §12).

    ``affiliation`` is the organisation's name or its contact record id. ``publication_consent``
    is ``true`` only if the person agreed to public listing; otherwise the record is shared
    within the federation only (see :func:`default_visibility`). Birth date, gender and photo
    fields are rejected. Withdrawn consent is published as a ``delete``, so a body whose consent
    has ``withdrawn_at`` is invalid.
    """

    contact_type: Literal["person"]
    display_name: Text
    role: Text | None = None
    affiliation: Text
    email: Email | None = None
    phone: Phone | None = None
    expertise: list[Text] | None = None
    languages: list[LanguageTag] | None = None
    lawful_basis: LawfulBasis
    consent: Consent | None = None
    review_due: Date | None = None
    publication_consent: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_sensitive_fields(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for name in sorted(vocab.FORBIDDEN_PERSON_FIELDS & data.keys()):
                _fail("is not allowed: no birth date, gender or photo of a person", name)
        return data

    @model_validator(mode="after")
    def _check_consent(self) -> PersonContact:
        if self.lawful_basis is LawfulBasis.CONSENT:
            if self.consent is None:
                _fail("is required when lawful_basis is consent", "consent")
            if self.consent.withdrawn_at is not None:
                _fail("is set: withdrawn consent is published as a delete", "consent.withdrawn_at")
        c = self.consent
        if c and c.withdrawn_at and _parse_timestamp(c.withdrawn_at) < _parse_timestamp(c.given_at):
            _fail("is before given_at", "consent.withdrawn_at")
        return self


ContactRecord = Annotated[OrganisationContact | PersonContact, Field(discriminator="contact_type")]
RecordModel = CaseRecord | EventRecord | ContactRecord

_ADAPTERS: dict[Kind, TypeAdapter[Any]] = {
    Kind.CASE: TypeAdapter(CaseRecord),
    Kind.EVENT: TypeAdapter(EventRecord),
    Kind.CONTACT: TypeAdapter(ContactRecord),
}
# The adapters' pydantic-core validators, called directly (one Python frame less a body).
_VALIDATORS = {kind: adapter.validator for kind, adapter in _ADAPTERS.items()}


# --- validation ---------------------------------------------------------------------------------


def _kind(kind: Kind | str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        raise RecordError(f"kind: unknown record kind {kind!r}", field="kind") from None


def _checker(name: str) -> TypeAdapter[Any]:
    adapter = _CHECKERS.get(name)
    if adapter is None:
        adapter = _CHECKERS[name] = TypeAdapter(_CHECKED[name])
    return adapter


def _explain(err: ErrorDetails) -> ErrorDetails:
    """A fast-path refusal (see :func:`_fast`) as the error of the type's Python check."""
    if err["type"] != "fast_path":
        return err
    name = str((err.get("ctx") or {}).get("type"))
    try:
        _checker(name).validate_python(err["input"], strict=True)
    except ValidationError as e:
        inner = e.errors(include_url=False)[0]
        return {**inner, "loc": (*err["loc"], *inner["loc"])}
    return err  # the fast path refused what the check accepts: cannot happen (see _fast)


def _to_record_error(exc: ValidationError, kind: Kind) -> RecordError:
    errors = exc.errors(include_url=False)
    err: ErrorDetails = _explain(errors[0])
    loc = [str(p) for p in err["loc"] if p != "[key]"]
    if kind is Kind.CONTACT and loc and loc[0] in ("organisation", "person"):
        loc = loc[1:]  # the discriminated union's tag
    ctx = err.get("ctx") or {}
    etype = err["type"]
    if etype == "record":
        message = str(ctx["message"])
        loc += [p for p in str(ctx.get("sub", "")).split(".") if p]
    elif etype == "value_error":
        message = str(ctx.get("error", err["msg"]))
    elif etype == "missing":
        message = "is required"
    elif etype in ("union_tag_not_found", "union_tag_invalid"):
        loc = ["contact_type"]
        found = ctx.get("tag")
        message = "must be 'organisation' or 'person'" + (f", not {found!r}" if found else "")
    else:
        message = err["msg"][:1].lower() + err["msg"][1:]
        if isinstance(err["input"], str | int | float | bool | None):
            message += f" (got {err['input']!r})"
    field = ".".join(loc) or None
    text = f"{field}: {message}" if field else message
    if len(errors) > 1:
        text += f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})"
    return RecordError(text, field=field)


def _validate_json(kind: Kind, body: bytes) -> RecordModel:
    try:
        result: RecordModel = _VALIDATORS[kind].validate_json(body, strict=True)
    except ValidationError as e:
        raise _to_record_error(e, kind) from None
    return result


def _parse_body(body: bytes) -> None:
    """Refuse bytes that are not a UTF-8 JSON object (orjson decides what JSON is)."""
    try:
        obj = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise RecordError(f"body is not UTF-8 JSON: {e}") from None
    if not isinstance(obj, dict):
        raise RecordError(f"body must be a JSON object, not {type(obj).__name__}")


def validate_body(kind: Kind | str, body: bytes) -> RecordModel:
    """Parse UTF-8 JSON body bytes and validate them as ``kind``; raise :class:`RecordError`.

    The bytes are parsed once, by pydantic-core, straight into the model. Only a body that
    fails is also parsed by orjson, so that what counts as JSON, and every message, stays as if
    orjson had parsed it first. (The two parsers accept the same documents except numbers
    orjson refuses, ``NaN``, ``Infinity`` and overflowing ones like ``1e400``; no model field,
    known or unknown, accepts a non-finite number, so such a body fails and orjson rejects it.)
    """
    k = _kind(kind)
    try:
        result: RecordModel = _VALIDATORS[k].validate_json(body, strict=True)
    except ValidationError as e:
        _parse_body(body)
        raise _to_record_error(e, k) from None
    return result


def validate_fields(kind: Kind | str, fields: Mapping[str, object]) -> RecordModel:
    """Validate record fields before :func:`~federation.protocol.entry.encode_body` runs.

    Judged exactly like the body that ``encode_body(fields, id)`` will produce: ``kind`` and
    ``visibility`` are dropped, and a missing ``salt`` is replaced by a placeholder (the model
    then carries the placeholder; ``encode_body`` adds the real one). ``id`` is required.
    """
    k = _kind(kind)
    if not isinstance(fields, Mapping):
        raise RecordError(f"record must be a JSON object, not {type(fields).__name__}")
    obj = {key: v for key, v in fields.items() if key not in ("kind", "visibility")}
    obj.setdefault("salt", _PLACEHOLDER_SALT)
    try:
        body = orjson.dumps(obj)
    except TypeError as e:
        raise RecordError(f"record is not JSON-serialisable: {e}") from None
    return _validate_json(k, body)


def default_visibility(kind: Kind | str, fields: Mapping[str, object]) -> Visibility:
    """``federation`` for person contacts unless ``publication_consent`` is ``true``; else public.

    A contact that is not explicitly an organisation is treated as a person (the safe side).
    """
    if kind == Kind.CONTACT and fields.get("contact_type") != "organisation":
        published = fields.get("publication_consent") is True
        return Visibility.PUBLIC if published else Visibility.FEDERATION
    return Visibility.PUBLIC


# --- summaries for the store's index ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordSummary:
    title: dict[str, str]
    country: str | None
    countries: tuple[str, ...]
    languages: tuple[str, ...]
    themes: tuple[str, ...]
    updated_at: str
    start: str | None


def _iso_country(code: str) -> str:
    return vocab.COUNTRY_ALIASES.get(code, code)


_SHARED_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}
_THEME_VALUES: dict[tuple[Theme, ...], tuple[str, ...]] = {}


def _shared(values: tuple[str, ...]) -> tuple[str, ...]:
    """One tuple object per distinct value (summaries of a whole log repeat a few of them)."""
    if len(_SHARED_TUPLES) >= 4096:
        return values
    return _SHARED_TUPLES.setdefault(values, values)


def _theme_values(themes: list[Theme]) -> tuple[str, ...]:
    key = tuple(themes)
    values = _THEME_VALUES.get(key)
    if values is None:
        values = tuple([t.value for t in themes])
        if len(_THEME_VALUES) < 4096:
            _THEME_VALUES[key] = values
    return values


def summarize(kind: Kind | str, model: RecordModel) -> RecordSummary:
    """Index data: title map, origin and all mentioned countries, text languages, themes.

    Countries are given as ISO codes (``EL`` becomes ``GR``) and language tags in canonical
    case, so the index matches however a record spelled them.
    """
    return RecordSummary(*summarize_fields(kind, model))


def summarize_fields(kind: Kind | str, model: RecordModel) -> SummaryFields:
    """:func:`summarize` as a tuple of the summary's fields (one object less a record, for
    the verifier of a whole log)."""
    countries = {model.origin_country}
    themes: tuple[str, ...] = ()
    start: str | None = None
    text_maps: list[Mapping[str, str | MachineText]] = []
    title: Mapping[str, str | MachineText]
    if isinstance(model, CaseRecord):
        title = model.title
        countries.update(model.countries)
        if model.partners:
            countries.update(p.country for p in model.partners if p.country)
        if model.themes:
            themes = _theme_values(model.themes)
        text_maps += [model.title, model.summary]
        for m in (model.problem, model.solution, model.results, model.transferability):
            if m:
                text_maps.append(m)
    elif isinstance(model, EventRecord):
        title = model.title
        if model.location:
            countries.add(model.location.country)
        start = model.start
        text_maps.append(model.title)
        if model.description:
            text_maps.append(model.description)
    elif isinstance(model, OrganisationContact):
        title = model.name
        countries.add(model.country)
        text_maps.append(model.name)
    else:
        title = {"und": model.display_name}
    return summary_fields(
        model.origin_country,
        model.original_language,
        model.updated_at,
        title,
        countries,
        text_maps,
        themes,
        start,
    )


SummaryFields = tuple[
    dict[str, str], str, tuple[str, ...], tuple[str, ...], tuple[str, ...], str, str | None
]
"""The fields of a :class:`RecordSummary`, in order."""

# canonical tag of a tag; sorted ISO codes of a set of countries; sorted canonical tags of a
# set of tags. A log repeats few of them, so each is worked out once (bounded).
_CANONICAL: dict[str, str] = {}
_COUNTRY_SETS: dict[frozenset[str], tuple[str, ...]] = {}
_LANGUAGE_SETS: dict[frozenset[str], tuple[str, ...]] = {}
_CACHE_SIZE = 4096


def _canonical(tag: str) -> str:
    c = _CANONICAL.get(tag)
    if c is None:
        c = vocab.canonical_tag(tag)
        if len(_CANONICAL) < _CACHE_SIZE:
            _CANONICAL[tag] = c
    return c


def summary_fields(
    origin_country: str,
    original_language: str,
    updated_at: str,
    title: Mapping[str, str | MachineText],
    countries: set[str],
    text_maps: Iterable[Iterable[str]],
    themes: tuple[str, ...],
    start: str | None,
) -> SummaryFields:
    """The summary's fields from a valid record's parts: ``title`` maps tags to texts or
    machine translations; ``text_maps`` are the tags of every multilingual text."""
    key = frozenset(countries)
    iso = _COUNTRY_SETS.get(key)
    if iso is None:
        aliases = vocab.COUNTRY_ALIASES
        iso = tuple(sorted({aliases.get(c, c) for c in countries}))
        if len(_COUNTRY_SETS) < _CACHE_SIZE:
            _COUNTRY_SETS[key] = iso
    tags = {original_language}
    for m in text_maps:
        tags.update(m)
    key = frozenset(tags)
    languages = _LANGUAGE_SETS.get(key)
    if languages is None:
        languages = tuple(sorted({_canonical(tag) for tag in tags}))
        if len(_LANGUAGE_SETS) < _CACHE_SIZE:
            _LANGUAGE_SETS[key] = languages
    return (
        {_canonical(tag): _plain(t) for tag, t in title.items()},
        vocab.COUNTRY_ALIASES.get(origin_country, origin_country),
        iso,
        languages,
        _shared(themes) if themes else (),
        updated_at,
        start,
    )


def _plain(text: str | MachineText) -> str:
    return text if isinstance(text, str) else text.text
