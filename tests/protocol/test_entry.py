"""Leaf and body encodings: exact bytes out, strict parsing in."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.protocol.entry import (
    ID_RE,
    MAX_LEAF_BYTES,
    SALT_BYTES,
    Kind,
    Leaf,
    Op,
    Visibility,
    body_ref,
    check_id,
    encode_body,
    encode_delete,
    encode_key,
    encode_put,
    format_ts,
    now_ts,
    parse_canonical_leaf,
    parse_leaf,
    parse_leaf_json,
)
from federation.protocol.errors import MalformedError, RecordError

TS = "2026-11-22T10:00:00Z"
RID = "01J9Z3K4M5N6P7Q8R9S0T1V2W3"
UUID_ID = "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427_v1.2"
EMPTY_OBJ_REF = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
VKEY = "lt.esfa.ncc+68791b9e+AQGfj3c83Qb9BsObe0i/DeymOuMv0xBvKBwAwEjWK3FT"


def test_encode_put_exact_bytes() -> None:
    raw = encode_put(41, TS, Kind.CASE, RID, b"{}", Visibility.PUBLIC)
    assert raw == (
        b'{"v":1,"seq":41,"ts":"2026-11-22T10:00:00Z","op":"put","kind":"case",'
        b'"id":"01J9Z3K4M5N6P7Q8R9S0T1V2W3",'
        b'"body":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",'
        b'"vis":"public"}'
    )
    raw = encode_put(0, TS, Kind.EVENT, UUID_ID, b"{}", Visibility.FEDERATION)
    assert raw == (
        b'{"v":1,"seq":0,"ts":"2026-11-22T10:00:00Z","op":"put","kind":"event",'
        b'"id":"urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427_v1.2",'
        b'"body":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",'
        b'"vis":"federation"}'
    )


def test_encode_delete_exact_bytes() -> None:
    assert encode_delete(42, TS, Kind.CONTACT, RID) == (
        b'{"v":1,"seq":42,"ts":"2026-11-22T10:00:00Z","op":"delete","kind":"contact",'
        b'"id":"01J9Z3K4M5N6P7Q8R9S0T1V2W3"}'
    )


def test_encode_key_exact_bytes() -> None:
    assert encode_key(43, TS, VKEY) == (
        b'{"v":1,"seq":43,"ts":"2026-11-22T10:00:00Z","op":"key",'
        b'"vkey":"lt.esfa.ncc+68791b9e+AQGfj3c83Qb9BsObe0i/DeymOuMv0xBvKBwAwEjWK3FT"}'
    )


def test_encoders_reject_bad_ids() -> None:
    for bad in ("", "-x", "a b", "ä", "x" * 129):
        with pytest.raises(RecordError) as info:
            encode_put(1, TS, Kind.CASE, bad, b"{}", Visibility.PUBLIC)
        assert info.value.field == "id"
        with pytest.raises(RecordError):
            encode_delete(1, TS, Kind.CASE, bad)
        with pytest.raises(RecordError):
            encode_body({}, bad)
    assert check_id("x" * 128) == "x" * 128


def test_parse_round_trips_put() -> None:
    body = b'{"salt":"x","id":"01J9Z3K4M5N6P7Q8R9S0T1V2W3"}'
    raw = encode_put(41, TS, Kind.CASE, RID, body, Visibility.FEDERATION)
    leaf = parse_leaf(raw)
    assert leaf == Leaf(
        raw, 41, TS, Op.PUT, Kind.CASE, RID, body_ref(body), Visibility.FEDERATION, None
    )
    assert leaf.raw == raw
    assert leaf.body_digest is not None
    assert leaf.body_digest.hex() == body_ref(body)[7:]
    assert leaf.matches_body(body)
    assert not leaf.matches_body(body + b" ")


def test_parse_round_trips_delete_and_key() -> None:
    raw = encode_delete(42, TS, Kind.CONTACT, UUID_ID)
    leaf = parse_leaf(raw)
    assert (leaf.raw, leaf.seq, leaf.ts, leaf.op, leaf.kind, leaf.id) == (
        raw,
        42,
        TS,
        Op.DELETE,
        Kind.CONTACT,
        UUID_ID,
    )
    assert (leaf.body, leaf.vis, leaf.vkey, leaf.body_digest) == (None, None, None, None)
    assert not leaf.matches_body(b"{}")

    raw = encode_key(43, TS, VKEY)
    leaf = parse_leaf(raw)
    assert leaf == Leaf(raw, 43, TS, Op.KEY, vkey=VKEY)


# --- strict parsing ---------------------------------------------------------------------------


def _put(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "v": 1,
        "seq": 41,
        "ts": TS,
        "op": "put",
        "kind": "case",
        "id": RID,
        "body": EMPTY_OBJ_REF,
        "vis": "public",
    }
    obj.update(changes)
    return obj


def _delete(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"v": 1, "seq": 42, "ts": TS, "op": "delete", "kind": "case", "id": RID}
    obj.update(changes)
    return obj


def _key(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {"v": 1, "seq": 43, "ts": TS, "op": "key", "vkey": VKEY}
    obj.update(changes)
    return obj


def _without(obj: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if k != field}


def _enc(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def test_templates_are_valid() -> None:
    for obj in (_put(), _delete(), _key()):
        assert parse_leaf(_enc(obj)).raw == _enc(obj)


BAD_LEAVES: dict[str, bytes] = {
    # not JSON / not UTF-8 / not an object
    "empty": b"",
    "truncated": _enc(_put())[:-1],
    "trailing garbage": _enc(_put()) + b"x",
    "bare word": b"put",
    "invalid utf-8": _enc(_put(id="X")).replace(b'"X"', b'"\xff"'),
    "overlong utf-8": _enc(_put(id="X")).replace(b'"X"', b'"\xc1\x81"'),
    "latin-1": '{"v":1,"ts":"é"}'.encode("latin-1"),
    "array": _enc([_put()]),
    "empty array": b"[]",
    "string": b'"put"',
    "number": b"1",
    "null": b"null",
    # version
    "v=2": _enc(_put(v=2)),
    "v=0": _enc(_put(v=0)),
    "v string": _enc(_put(v="1")),
    "v true": _enc(_put(v=True)),
    "v float": _enc(_put(v=1.0)),
    "v null": _enc(_put(v=None)),
    "v missing": _enc(_without(_put(), "v")),
    # seq
    "seq negative": _enc(_put(seq=-1)),
    "seq float": _enc(_put(seq=1.5)),
    "seq integral float": _enc(_put(seq=1.0)),
    "seq true": _enc(_put(seq=True)),
    "seq false": _enc(_put(seq=False)),
    "seq string": _enc(_put(seq="1")),
    "seq null": _enc(_put(seq=None)),
    "seq huge": _enc(_put(seq=2**64)),
    "seq missing": _enc(_without(_put(), "seq")),
    # ts
    "ts space": _enc(_put(ts="2026-11-22 10:00:00Z")),
    "ts offset": _enc(_put(ts="2026-11-22T10:00:00+00:00")),
    "ts fraction": _enc(_put(ts="2026-11-22T10:00:00.5Z")),
    "ts lowercase": _enc(_put(ts="2026-11-22t10:00:00z")),
    "ts no zone": _enc(_put(ts="2026-11-22T10:00:00")),
    "ts date only": _enc(_put(ts="2026-11-22")),
    "ts month 13": _enc(_put(ts="2026-13-01T10:00:00Z")),
    "ts feb 30": _enc(_put(ts="2026-02-30T10:00:00Z")),
    "ts hour 24": _enc(_put(ts="2026-11-22T24:00:00Z")),
    "ts second 61": _enc(_put(ts="2026-11-22T10:00:61Z")),
    "ts arabic digits": _enc(_put(ts="٢٠٢٦-11-22T10:00:00Z")),
    "ts fullwidth digits": _enc(_put(ts="２０２６-11-22T10:00:00Z")),
    "ts trailing newline": _enc(_put(ts=TS + "\n")),
    "ts number": _enc(_put(ts=1764000000)),
    "ts empty": _enc(_put(ts="")),
    "ts missing": _enc(_without(_put(), "ts")),
    # op
    "op unknown": _enc(_put(op="update")),
    "op uppercase": _enc(_put(op="PUT")),
    "op null": _enc(_put(op=None)),
    "op number": _enc(_put(op=1)),
    "op list": _enc(_put(op=["put"])),
    "op missing": _enc(_without(_put(), "op")),
    # extra or missing fields
    "put extra": _enc(_put(x=1)),
    "put missing vis": _enc(_without(_put(), "vis")),
    "put missing body": _enc(_without(_put(), "body")),
    "put missing id": _enc(_without(_put(), "id")),
    "put missing kind": _enc(_without(_put(), "kind")),
    "put with vkey": _enc(_put(vkey=VKEY)),
    "delete extra body": _enc(_delete(body=EMPTY_OBJ_REF)),
    "delete missing id": _enc(_without(_delete(), "id")),
    "key extra kind": _enc(_key(kind="case")),
    "key missing vkey": _enc(_without(_key(), "vkey")),
    "key vkey number": _enc(_key(vkey=1)),
    "key vkey null": _enc(_key(vkey=None)),
    # kind
    "kind unknown": _enc(_put(kind="person")),
    "kind uppercase": _enc(_put(kind="Case")),
    "kind null": _enc(_put(kind=None)),
    "kind list": _enc(_put(kind=["case"])),
    "delete kind unknown": _enc(_delete(kind="person")),
    # id
    "id empty": _enc(_put(id="")),
    "id leading dash": _enc(_put(id="-abc")),
    "id space": _enc(_put(id="a b")),
    "id slash": _enc(_put(id="a/b")),
    "id non-ascii": _enc(_put(id="Šiauliai")),
    "id too long": _enc(_put(id="a" * 129)),
    "id number": _enc(_put(id=123)),
    "id null": _enc(_put(id=None)),
    "delete id bad": _enc(_delete(id="a b")),
    # body
    "body no prefix": _enc(_put(body=EMPTY_OBJ_REF[7:])),
    "body other hash": _enc(_put(body="sha512:" + EMPTY_OBJ_REF[7:])),
    "body short": _enc(_put(body=EMPTY_OBJ_REF[:-1])),
    "body long": _enc(_put(body=EMPTY_OBJ_REF + "0")),
    "body uppercase hex": _enc(_put(body="sha256:" + EMPTY_OBJ_REF[7:].upper())),
    "body not hex": _enc(_put(body="sha256:" + "g" * 64)),
    "body null": _enc(_put(body=None)),
    # vis
    "vis unknown": _enc(_put(vis="private")),
    "vis uppercase": _enc(_put(vis="PUBLIC")),
    "vis null": _enc(_put(vis=None)),
    # size
    "oversized": _enc(_key(vkey="x" * MAX_LEAF_BYTES)),
}


@pytest.mark.parametrize("raw", BAD_LEAVES.values(), ids=BAD_LEAVES.keys())
def test_bad_leaves_are_rejected(raw: bytes) -> None:
    with pytest.raises(MalformedError):
        parse_leaf(raw)


def test_leaf_size_limit_is_inclusive() -> None:
    base = len(_enc(_key(vkey="")))
    at_limit = _enc(_key(vkey="x" * (MAX_LEAF_BYTES - base)))
    assert len(at_limit) == MAX_LEAF_BYTES
    assert parse_leaf(at_limit).vkey == "x" * (MAX_LEAF_BYTES - base)
    with pytest.raises(MalformedError):
        parse_leaf(_enc(_key(vkey="x" * (MAX_LEAF_BYTES - base + 1))))


# --- bodies -----------------------------------------------------------------------------------

FIELDS: dict[str, Any] = {
    "title": "Socialinės inovacijos",
    "kind": "case",
    "visibility": "public",
    "year": 2026,
    "tags": ["a", "b"],
}


def test_encode_body_exact_bytes_with_fixed_salt() -> None:
    salt = base64.b64encode(bytes(range(SALT_BYTES))).decode()
    body = encode_body(FIELDS, RID, salt=salt)
    assert body == (
        b'{"salt":"AAECAwQFBgcICQoLDA0ODw==","id":"01J9Z3K4M5N6P7Q8R9S0T1V2W3",'
        b'"title":"Socialin\xc4\x97s inovacijos","year":2026,"tags":["a","b"]}'
    )
    assert body_ref(body) == (
        "sha256:fbc78579353788c1bf739c9629a5bfbadf3276f9cb9013874d306ab66a2f7f65"
    )


def test_encode_body_adds_salt_and_id_and_drops_leaf_fields() -> None:
    body = encode_body({**FIELDS, "salt": "mine", "id": "other"}, RID)
    obj = json.loads(body)
    assert list(obj) == ["salt", "id", "title", "year", "tags"]
    assert obj["id"] == RID
    salt = base64.b64decode(obj["salt"], validate=True)
    assert len(salt) == SALT_BYTES
    assert base64.b64encode(salt).decode() == obj["salt"]
    assert "kind" not in obj
    assert "visibility" not in obj
    assert "Socialinės inovacijos".encode() in body
    assert b"\\u" not in body
    assert body.decode("utf-8")


def test_bodies_are_salted_and_leaf_matches_only_its_body() -> None:
    first, second = encode_body(FIELDS, RID), encode_body(FIELDS, RID)
    assert first != second
    leaf1 = parse_leaf(encode_put(1, TS, Kind.CASE, RID, first, Visibility.PUBLIC))
    leaf2 = parse_leaf(encode_put(2, TS, Kind.CASE, RID, second, Visibility.PUBLIC))
    assert leaf1.matches_body(first)
    assert leaf2.matches_body(second)
    assert not leaf1.matches_body(second)
    assert not leaf2.matches_body(first)


def test_encode_body_rejects_unserialisable_fields() -> None:
    with pytest.raises(RecordError):
        encode_body({"when": object()}, RID)
    with pytest.raises(RecordError):
        encode_body({"nested": {1: "non-string key"}}, RID)


def test_timestamps() -> None:
    vilnius = timezone(timedelta(hours=2))
    assert format_ts(datetime(2026, 11, 22, 12, 0, 0, 999, tzinfo=vilnius)) == TS
    assert format_ts(datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)) == TS
    ts = now_ts()
    assert parse_leaf(encode_key(0, ts, VKEY)).ts == ts


# --- properties -------------------------------------------------------------------------------

ids = st.from_regex(ID_RE, fullmatch=True)


@settings(max_examples=200)
@given(st.binary(max_size=512), st.data())
def test_any_flipped_body_bit_breaks_the_match(body: bytes, data: st.DataObject) -> None:
    leaf = parse_leaf(encode_put(0, TS, Kind.CASE, RID, body, Visibility.PUBLIC))
    assert leaf.matches_body(body)
    if body:
        pos = data.draw(st.integers(0, len(body) - 1))
        bit = data.draw(st.integers(0, 7))
        mutated = bytearray(body)
        mutated[pos] ^= 1 << bit
        assert not leaf.matches_body(bytes(mutated))
    assert not leaf.matches_body(body + b"\x00")


@settings(max_examples=200)
@given(
    st.integers(0, 2**63 - 1),
    st.datetimes(min_value=datetime(1970, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(Kind),
    ids,
    st.binary(max_size=64),
    st.sampled_from(Visibility),
)
def test_encode_parse_round_trip(
    seq: int, when: datetime, kind: Kind, record_id: str, body: bytes, vis: Visibility
) -> None:
    ts = format_ts(when)
    put = parse_leaf(encode_put(seq, ts, kind, record_id, body, vis))
    assert (put.seq, put.ts, put.op, put.kind, put.id, put.vis) == (
        seq,
        ts,
        Op.PUT,
        kind,
        record_id,
        vis,
    )
    assert put.matches_body(body)
    delete = parse_leaf(encode_delete(seq, ts, kind, record_id))
    assert (delete.seq, delete.ts, delete.op, delete.kind, delete.id) == (
        seq,
        ts,
        Op.DELETE,
        kind,
        record_id,
    )


@given(
    st.integers(0, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
)
def test_leaf_time_check_agrees_with_strptime(
    year: int, month: int, day: int, hour: int, minute: int, second: int
) -> None:
    """The fast calendar check accepts exactly what ``strptime`` with the leaf format does."""
    from datetime import datetime

    from federation.protocol.entry import _is_real_time

    ts = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}Z"
    try:
        datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")
        expected = True
    except ValueError:
        expected = False
    assert _is_real_time(ts) is expected


# --- the canonical shortcut of parse_leaf -------------------------------------------------------


def _outcome(parse: Any, raw: bytes) -> Leaf | str:
    try:
        leaf: Leaf = parse(raw)
    except MalformedError as e:
        return f"MalformedError: {e}"
    return leaf


def assert_parsed_alike(raw: bytes) -> None:
    """parse_leaf (with its regex shortcut for the canonical layout) and the plain JSON parser
    agree on ``raw``: the same leaf, or the same error."""
    assert _outcome(parse_leaf, raw) == _outcome(parse_leaf_json, raw)


digits = st.text(alphabet="0123456789", min_size=1, max_size=4)
any_ts = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 1), timezones=st.just(UTC)).map(format_ts),
    st.builds(
        "{}-{}-{}T{}:{}:{}Z".format,
        digits.map(lambda d: d.zfill(4)),
        *[digits.map(lambda d: d.zfill(2)[:2])] * 5,
    ),
)


@settings(max_examples=300)
@given(
    seq=st.one_of(st.integers(0, 2**64 + 10), st.sampled_from([0, 10**18, 10**19 - 1, 10**19])),
    ts=any_ts,
    op=st.sampled_from(["put", "delete"]),
    kind=st.sampled_from(["case", "event", "contact", "Case", "person"]),
    record_id=st.one_of(ids, st.text(max_size=8)),
    ref=st.one_of(
        st.binary(min_size=32, max_size=32).map(lambda b: "sha256:" + b.hex()),
        st.text(alphabet="0123456789abcdefABCDEF", max_size=66).map(lambda h: "sha256:" + h),
    ),
    vis=st.sampled_from(["public", "federation", "Public", "secret"]),
)
def test_canonical_shortcut_agrees_with_the_json_parser(
    seq: int, ts: str, op: str, kind: str, record_id: str, ref: str, vis: str
) -> None:
    fields: dict[str, Any] = {"v": 1, "seq": seq, "ts": ts, "op": op, "kind": kind}
    fields["id"] = record_id
    if op == "put":
        fields.update(body=ref, vis=vis)
    raw = _enc(fields)
    assert_parsed_alike(raw)
    assert_parsed_alike(raw.replace(b",", b", ", 1))  # not canonical: the JSON parser decides


@pytest.mark.parametrize("name", sorted(BAD_LEAVES))
def test_bad_leaves_fail_alike_with_and_without_the_shortcut(name: str) -> None:
    assert_parsed_alike(BAD_LEAVES[name])


def test_encoded_leaves_take_the_shortcut() -> None:
    """What encode_put and encode_delete produce is exactly what the regexes match."""
    body = b'{"salt":"x","id":"01J9Z3K4M5N6P7Q8R9S0T1V2W3"}'
    put = encode_put(41, TS, Kind.CASE, UUID_ID, body, Visibility.FEDERATION)
    delete = encode_delete(2**63 - 1, TS, Kind.EVENT, RID)
    assert parse_canonical_leaf(put.decode(), put) == parse_leaf_json(put)
    assert parse_canonical_leaf(delete.decode(), delete) == parse_leaf_json(delete)
    key = encode_key(43, TS, VKEY)
    assert parse_canonical_leaf(key.decode(), key) is None  # key leaves are parsed as JSON
    unreal = put.replace(TS.encode(), b"2026-02-30T10:00:00Z")
    assert parse_canonical_leaf(unreal.decode(), unreal) is None
    with pytest.raises(MalformedError, match="RFC 3339"):
        parse_leaf(unreal)
