"""The native fast paths of the record models accept nothing their Python checks refuse.

``federation.protocol.records`` validates constrained strings with a pydantic-core regex first
and only falls back to the Python check (the definition) when the regex refuses. That is only
correct if every fast path accepts a *subset* of what its check accepts; these tests try to
find a counterexample. They also pin the cases the fast path deliberately leaves to Python.
"""

from __future__ import annotations

import string
import sys
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from pydantic_core import SchemaValidator, core_schema

from federation.protocol import records
from federation.protocol.entry import Kind
from federation.protocol.errors import RecordError

NAMES = sorted(records.FAST_PATTERNS)


def fast(name: str) -> SchemaValidator:
    return SchemaValidator(
        core_schema.str_schema(
            pattern=records.FAST_PATTERNS[name],
            max_length=records._FAST_MAX_LENGTH.get(name),
            regex_engine="rust-regex",
        )
    )


FAST = {name: fast(name) for name in NAMES}


def fast_accepts(name: str, value: str) -> bool:
    try:
        FAST[name].validate_python(value)
    except ValidationError:
        return False
    return True


def check_accepts(name: str, value: str) -> bool:
    try:
        records._checker(name).validate_python(value, strict=True)
    except ValidationError:
        return False
    return True


def assert_subset(name: str, value: str) -> None:
    if fast_accepts(name, value):
        assert check_accepts(name, value), f"fast path of {name} accepts {value!r}"


# Characters that make the interesting edges: digits of other scripts, case-folding letters
# (Kelvin sign, long s, dotless i), Python-only whitespace (\x1c-\x1f), separators.
ODD = "\u212a\u017f\u0131\u0130\u0660\u0661\u0662\u0669\x1c\x1d\x1e\x1f\x85\xa0\u2028\u3000"
ALPHABET = string.ascii_letters + string.digits + "-_.:/+=@#?()! \t\n" + ODD
texts = st.text(alphabet=ALPHABET, max_size=40)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_fast_path_strings_pass_the_python_check(name: str, data: Any) -> None:
    pattern = records.FAST_PATTERNS[name]
    value = data.draw(st.from_regex(pattern, fullmatch=name != "Text"))
    assert_subset(name, value)


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=300, deadline=None)
@given(value=texts)
def test_fast_path_accepts_no_random_string_the_check_refuses(name: str, value: str) -> None:
    assert_subset(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Timestamp", "2024-02-29T23:59:59Z"),
        ("Timestamp", "2000-02-29T00:00:00.123456789Z"),
        ("Date", "2024-02-29"),
        ("Date", "0004-02-29"),
        ("LocalDateTime", "2025-05-14T10:00"),
        ("Deadline", "2023-11-30T17:00"),
        ("Salt", "q83vEjRWeJCrze8SNFZ4kA=="),
        ("LanguageTag", "sr-Latn-RS"),
        ("LanguageTag", "x-klingon"),
        ("HttpUrl", "HTTPS://www.esf.lt/en/?q=1#x"),
        ("Email", "info@kysk.ee"),
        ("TimezoneName", "America/Argentina/Buenos_Aires"),
    ],
)
def test_usual_values_take_the_fast_path(name: str, value: str) -> None:
    assert fast_accepts(name, value) and check_accepts(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Timestamp", "2023-02-29T00:00:00Z"),  # not a leap year
        ("Timestamp", "1900-02-29T00:00:00Z"),
        ("Timestamp", "0000-01-01T00:00:00Z"),
        ("Timestamp", "2025-01-01T24:00:00Z"),
        ("Timestamp", "2025-01-01T00:00:60Z"),
        ("Date", "2025-04-31"),
        ("Salt", "c2FsdA=="),  # 4 bytes
        ("Salt", "q83vEjRWeJCrze8SNFZ4kA="),  # bad padding
        ("Text", " \t\x1c\u3000"),
    ],
)
def test_invalid_values_are_refused_by_both(name: str, value: str) -> None:
    assert not fast_accepts(name, value)
    assert not check_accepts(name, value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("LanguageTag", "i-klingon"),  # grandfathered: only the check knows the list
        ("LanguageTag", "EN-gb-OED"),
        ("Timestamp", "\u0662\u0660\u0662\u0665-03-01T09:00:00Z"),  # Arabic-Indic digits
        ("HttpUrl", "http\u017f://esf.lt/"),  # re.IGNORECASE folds the long s to "s"
    ],
)
def test_values_only_the_python_check_accepts_still_validate(name: str, value: str) -> None:
    assert not fast_accepts(name, value)
    assert check_accepts(name, value)


def test_python_whitespace_is_covered_by_the_fast_non_blank_class() -> None:
    """``Text`` must not take a string that ``str.strip`` empties, for any code point."""
    validator = FAST["Text"]
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if c.isspace():
            with pytest.raises(ValidationError):
                validator.validate_python(c)


def _case(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "salt": "q83vEjRWeJCrze8SNFZ4kA==",
        "id": "01JCASELT00000000000000001",
        "origin_country": "LT",
        "original_language": "lt",
        "created_at": "2025-03-01T09:00:00Z",
        "updated_at": "2025-03-02T12:30:00Z",
        "title": {"lt": "Pavadinimas"},
        "summary": {"lt": "Santrauka"},
        "countries": ["LT"],
        "lead_org": "ESFA",
    }
    return orjson.dumps({**base, **fields})


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1E+999"])
@pytest.mark.parametrize("where", ["extra", "nested_extra", "machine_text_extra"])
def test_numbers_orjson_refuses_are_not_json_anywhere(number: bytes, where: str) -> None:
    """pydantic-core would parse these; bodies are judged as orjson parses them."""
    marker = b'"__n__"'
    if where == "extra":
        raw = _case(impact="__n__")
    elif where == "nested_extra":
        raw = _case(funding=[{"fund": "ESF+", "score": ["__n__"]}])
    else:
        raw = _case(
            title={"lt": "x", "en": {"text": "y", "machine_translated": True, "q": "__n__"}}
        )
    with pytest.raises(RecordError, match="not UTF-8 JSON") as info:
        records.validate_body(Kind.CASE, raw.replace(marker, number))
    assert info.value.field is None


def test_big_integers_and_finite_floats_are_kept_in_unknown_fields() -> None:
    raw = _case(big="__big__", small="__small__", ratio=3.2)
    raw = raw.replace(b'"__big__"', b"123456789012345678901234567890")
    raw = raw.replace(b'"__small__"', b"1e-400")
    model = records.validate_body(Kind.CASE, raw)
    assert model.model_extra == {"big": 123456789012345678901234567890, "small": 0.0, "ratio": 3.2}


def test_fast_path_errors_read_like_the_python_check() -> None:
    with pytest.raises(RecordError) as info:
        records.validate_body(Kind.CASE, _case(origin_country="XX", countries=["LT", 5]))
    assert str(info.value) == (
        "origin_country: 'XX' is not an ISO 3166-1 alpha-2 code (and 1 more problem)"
    )
    with pytest.raises(RecordError) as info:
        records.validate_body(Kind.CASE, _case(title={"lt": {"text": " ", "x": 1}}))
    assert str(info.value) == "title.lt.text: must be a non-empty string"
    with pytest.raises(RecordError) as info:
        records.validate_body(Kind.CASE, _case(countries=[None]))
    assert str(info.value) == "countries.0: input should be a valid string (got None)"
