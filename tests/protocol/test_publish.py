"""publish.py: the own-append leaf encoder equals the general one; search columns of a record."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.cli.samples import sample_origins, sample_records
from federation.protocol.entry import (
    ID_RE,
    Kind,
    Visibility,
    encode_body,
    encode_put,
    format_ts,
)
from federation.protocol.errors import RecordError
from federation.protocol.publish import prepare_put, put_leaf, search_columns

NOW = "2026-11-22T10:00:00Z"
IDS = st.from_regex(ID_RE, fullmatch=True)
TIMES = st.datetimes().map(format_ts)


@settings(max_examples=300)
@given(
    st.integers(min_value=0, max_value=2**63 - 1),
    TIMES,
    st.sampled_from(list(Kind)),
    IDS,
    st.binary(max_size=64),
    st.sampled_from(list(Visibility)),
)
def test_put_leaf_is_encode_put_byte_for_byte(
    seq: int, ts: str, kind: Kind, rid: str, body: bytes, vis: Visibility
) -> None:
    assert put_leaf(seq, ts, kind, rid, body, vis) == encode_put(seq, ts, kind, rid, body, vis)


@pytest.mark.parametrize("ts", ["2026-11-22 10:00:00", 'x"y', "ünïcode"])
def test_put_leaf_falls_back_to_encode_put_for_odd_timestamps(ts: str) -> None:
    # not a leaf timestamp: the general encoder escapes it; the result is the same
    leaf = put_leaf(3, ts, Kind.CASE, "C-1", b"{}", Visibility.PUBLIC)
    assert leaf == encode_put(3, ts, Kind.CASE, "C-1", b"{}", Visibility.PUBLIC)
    assert orjson.loads(leaf)["ts"] == ts


@pytest.mark.parametrize("rid", ["", "a b", 'a"b', "ä", "x" * 129])
def test_put_leaf_refuses_what_encode_put_refuses(rid: str) -> None:
    with pytest.raises(RecordError):
        encode_put(1, NOW, Kind.CASE, rid, b"{}", Visibility.PUBLIC)
    with pytest.raises(RecordError):
        put_leaf(1, NOW, Kind.CASE, rid, b"{}", Visibility.PUBLIC)


def encode_body_of(record: Mapping[str, Any], salt: str) -> bytes:
    """The body the general encoder makes of a record input (as prepare_put always did)."""
    fields = {k: v for k, v in record.items() if k not in ("kind", "visibility")}
    fields.setdefault("created_at", NOW)
    fields.setdefault("updated_at", NOW)
    return encode_body(fields, record["id"], salt)


@pytest.mark.parametrize("shape", ["dict", "mapping", "own salt", "dates given"])
def test_prepare_put_encodes_the_body_as_encode_body_does(shape: str) -> None:
    for record in sample_records("lt.esfa.ncc", extra=3):
        given: Mapping[str, Any] = record
        if shape == "mapping":
            given = MappingProxyType(record)
        elif shape == "own salt":
            given = {"salt": "c2FsdHNhbHRzYWx0c2FsdA==", **record}
        elif shape == "dates given":
            given = record | {"created_at": "2024-01-01T00:00:00Z", "visibility": "public"}
        pub = prepare_put(given, now=NOW, max_body_bytes=1 << 20)
        assert pub.body is not None
        salt = orjson.loads(pub.body)["salt"]
        assert salt != "c2FsdHNhbHRzYWx0c2FsdA=="  # the input's salt is never taken
        assert pub.body == encode_body_of(given, salt), record["id"]


def test_publications_carry_the_search_columns_of_their_bodies() -> None:
    """What ``prepare_put`` computes from the input equals what a store computes from the body
    bytes (``federation.store.read.index_texts`` parses them): the same rule on the same data."""
    records = []
    for origin in sample_origins():
        records += sample_records(origin, extra=3)
    kinds = set()
    for record in records:
        pub = prepare_put(record, now=NOW, max_body_bytes=1 << 20)
        assert pub.kind is not None and pub.body is not None and pub.summary is not None
        kinds.add(pub.kind)
        from_body = search_columns(pub.kind, orjson.loads(pub.body), pub.summary.title.values())
        assert pub.search == from_body, pub.id
        title, text = from_body
        if record.get("contact_type") == "person":
            assert (title, text) == (None, None)
        else:
            assert title is not None and "\n".join(pub.summary.title.values()) == title
    assert kinds == set(Kind)


def test_search_columns_take_every_language_and_machine_translations() -> None:
    case = {
        "summary": {
            "lt": "Santrauka.",
            "en": {"text": "Machine summary.", "machine_translated": True, "engine": "x"},
        }
    }
    assert search_columns(Kind.CASE, case, ["Pavadinimas", "Title"]) == (
        "Pavadinimas\nTitle",
        "Santrauka.\nMachine summary.",
    )
    event = {"description": {"fr": "Atelier."}}
    assert search_columns(Kind.EVENT, event, ["Atelier"]) == ("Atelier", "Atelier.")
    assert search_columns(Kind.EVENT, {}, ["Atelier"]) == ("Atelier", None)
    organisation = {"contact_type": "organisation", "name": {"en": "Org"}}
    assert search_columns(Kind.CONTACT, organisation, ["Org"]) == ("Org", None)
    person = {"contact_type": "person", "display_name": "Eleni Zorbatrou"}
    assert search_columns(Kind.CONTACT, person, ["Eleni Zorbatrou"]) == (None, None)
