"""Leaves and bodies: the exact bytes an origin produces once and every node hashes as received.

Leaf (compact UTF-8 JSON, fixed key order)::

    {"v":1,"seq":41,"ts":"2026-11-22T10:00:00Z","op":"put","kind":"case","id":"01J…",
     "body":"sha256:<hex>","vis":"public"}
    {"v":1,"seq":42,"ts":"…","op":"delete","kind":"contact","id":"…"}
    {"v":1,"seq":43,"ts":"…","op":"key","vkey":"<origin>+<keyid>+<base64>"}

Body: the record's compact JSON object with a random ``salt`` (≥16 bytes, base64) and ``id``;
the leaf carries ``sha256:<hex of the body bytes>``.

Encoding is done here once; parsing never re-serialises. ``parse_leaf`` is strict about types
and values so that every node interprets a leaf the same way.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson

from federation.protocol.errors import MalformedError, RecordError

LEAF_VERSION = 1
MAX_LEAF_BYTES = 4096
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")
TS_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$")
BODY_REF_RE = re.compile(r"^sha256:[0-9a-f]{64}$")
SALT_BYTES = 16


class Op(StrEnum):
    PUT = "put"
    DELETE = "delete"
    KEY = "key"


class Kind(StrEnum):
    CASE = "case"
    EVENT = "event"
    CONTACT = "contact"


class Visibility(StrEnum):
    PUBLIC = "public"
    FEDERATION = "federation"


def check_id(record_id: str) -> str:
    if not isinstance(record_id, str) or not ID_RE.fullmatch(record_id):
        raise RecordError(
            "id must be 1-128 characters of A-Z a-z 0-9 . _ : - "
            "(a ULID or UUID; never personal data)",
            field="id",
        )
    return record_id


def format_ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def body_ref(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


def _q(s: str) -> str:
    return orjson.dumps(s).decode()


def encode_put(
    seq: int, ts: str, kind: Kind, record_id: str, body: bytes, vis: Visibility
) -> bytes:
    check_id(record_id)
    return (
        f'{{"v":1,"seq":{seq},"ts":{_q(ts)},"op":"put","kind":{_q(kind.value)},'
        f'"id":{_q(record_id)},"body":"{body_ref(body)}","vis":{_q(vis.value)}}}'
    ).encode()


def encode_delete(seq: int, ts: str, kind: Kind, record_id: str) -> bytes:
    check_id(record_id)
    return (
        f'{{"v":1,"seq":{seq},"ts":{_q(ts)},"op":"delete","kind":{_q(kind.value)},'
        f'"id":{_q(record_id)}}}'
    ).encode()


def encode_key(seq: int, ts: str, vkey: str) -> bytes:
    return f'{{"v":1,"seq":{seq},"ts":{_q(ts)},"op":"key","vkey":{_q(vkey)}}}'.encode()


@dataclass(frozen=True, slots=True)
class Leaf:
    """A parsed leaf. ``raw`` is the exact bytes that were hashed."""

    raw: bytes
    seq: int
    ts: str
    op: Op
    kind: Kind | None = None
    id: str | None = None
    body: str | None = None  # "sha256:<hex>"
    vis: Visibility | None = None
    vkey: str | None = None

    @property
    def body_digest(self) -> bytes | None:
        return bytes.fromhex(self.body[7:]) if self.body else None

    def matches_body(self, body: bytes) -> bool:
        return self.body is not None and hashlib.sha256(body).hexdigest() == self.body[7:]


def _is_real_time(ts: str) -> bool:
    """A real calendar time (no Feb 30, no 24:00:00). ``ts`` already matched ``TS_RE``.

    ``fromisoformat`` on the fixed-width ASCII form checks the same ranges as ``strptime``
    with this format, about ten times faster (this runs once per leaf on every pull).
    """
    try:
        datetime.fromisoformat(ts[:-1])
    except ValueError:
        return False
    return True


_REAL_TIMES: dict[str, bool] = {}


def is_leaf_time(ts: str) -> bool:
    """``ts`` is a leaf timestamp (``TS_RE`` and a real calendar time); answers are cached.

    A log's leaves share few distinct timestamps (one per publish batch and second), so a
    pull checks each of them once.
    """
    ok = _REAL_TIMES.get(ts)
    if ok is None:
        ok = TS_RE.fullmatch(ts) is not None and _is_real_time(ts)
        if len(_REAL_TIMES) >= 4096:
            _REAL_TIMES.clear()
        _REAL_TIMES[ts] = ok
    return ok


# The exact bytes encode_put and encode_delete produce. A leaf of this shape is decoded by one
# regex match, with the same result as the general parser: every value in it is plain ASCII
# that JSON writes without escapes, the integer has at most 19 digits (orjson reads up to
# 2**64 - 1) and no leading zero, and the id, kind and visibility patterns are ID_RE and the
# enumerations. Anything else (another key order, spaces, escapes) takes the general parser.
_TS = r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"
_ID = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
CANONICAL_PUT_RE = re.compile(
    rf'\{{"v":1,"seq":(0|[1-9][0-9]{{0,18}}),"ts":"({_TS})","op":"put",'
    rf'"kind":"(case|event|contact)","id":"({_ID})","body":"sha256:([0-9a-f]{{64}})",'
    rf'"vis":"(public|federation)"\}}'
)
CANONICAL_DELETE_RE = re.compile(
    rf'\{{"v":1,"seq":(0|[1-9][0-9]{{0,18}}),"ts":"({_TS})","op":"delete",'
    rf'"kind":"(case|event|contact)","id":"({_ID})"\}}'
)
KINDS: dict[str, Kind] = {k.value: k for k in Kind}
VISIBILITIES: dict[str, Visibility] = {v.value: v for v in Visibility}


def parse_canonical_leaf(text: str, raw: bytes) -> Leaf | None:
    """The leaf of ``raw`` if ``text`` (its decoded text) has the canonical put or delete
    layout and a real timestamp; ``None`` means: use :func:`parse_leaf`."""
    m = CANONICAL_PUT_RE.fullmatch(text)
    if m is not None:
        seq, ts, kind, rid, ref, vis = m.groups()
        if not is_leaf_time(ts):
            return None
        return Leaf(raw, int(seq), ts, Op.PUT, KINDS[kind], rid, "sha256:" + ref, VISIBILITIES[vis])
    m = CANONICAL_DELETE_RE.fullmatch(text)
    if m is not None:
        seq, ts, kind, rid = m.groups()
        if not is_leaf_time(ts):
            return None
        return Leaf(raw, int(seq), ts, Op.DELETE, KINDS[kind], rid)
    return None


_PUT_KEYS = {"v", "seq", "ts", "op", "kind", "id", "body", "vis"}
_DELETE_KEYS = {"v", "seq", "ts", "op", "kind", "id"}
_KEY_KEYS = {"v", "seq", "ts", "op", "vkey"}


def parse_leaf(raw: bytes) -> Leaf:
    """Parse and validate leaf bytes. Raises :class:`MalformedError` with the reason."""
    if len(raw) > MAX_LEAF_BYTES:
        raise MalformedError(f"leaf is larger than {MAX_LEAF_BYTES} bytes")
    if raw.isascii():
        leaf = parse_canonical_leaf(raw.decode("ascii"), raw)
        if leaf is not None:
            return leaf
    return parse_leaf_json(raw)


def parse_leaf_json(raw: bytes) -> Leaf:
    """:func:`parse_leaf` without the canonical shortcut (the definition it must agree with)."""
    if len(raw) > MAX_LEAF_BYTES:
        raise MalformedError(f"leaf is larger than {MAX_LEAF_BYTES} bytes")
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise MalformedError(f"leaf is not UTF-8 JSON: {e}") from e
    if not isinstance(obj, dict):
        raise MalformedError("leaf is not a JSON object")
    if type(obj.get("v")) is not int or obj["v"] != LEAF_VERSION:
        raise MalformedError(f"unsupported leaf version {obj.get('v')!r}")
    seq, ts, op = obj.get("seq"), obj.get("ts"), obj.get("op")
    if type(seq) is not int or seq < 0:
        raise MalformedError("leaf seq must be a non-negative integer")
    if not isinstance(ts, str) or not is_leaf_time(ts):
        raise MalformedError("leaf ts must be an RFC 3339 UTC timestamp like 2026-11-22T10:00:00Z")
    if not isinstance(op, str) or op not in Op.__members__.values():
        raise MalformedError(f"unknown leaf op {op!r}")
    op_ = Op(op)
    keys = set(obj)
    if op_ is Op.KEY:
        if keys != _KEY_KEYS or not isinstance(obj["vkey"], str):
            raise MalformedError("key leaf must have exactly v, seq, ts, op, vkey")
        return Leaf(raw, seq, ts, op_, vkey=obj["vkey"])
    expected = _PUT_KEYS if op_ is Op.PUT else _DELETE_KEYS
    if keys != expected:
        raise MalformedError(f"{op_.value} leaf must have exactly the fields {sorted(expected)}")
    try:
        kind = Kind(obj["kind"])
    except ValueError as e:
        raise MalformedError(f"unknown kind {obj['kind']!r}") from e
    rid = obj["id"]
    if not isinstance(rid, str) or not ID_RE.fullmatch(rid):
        raise MalformedError("leaf id is not a valid record id")
    if op_ is Op.DELETE:
        return Leaf(raw, seq, ts, op_, kind, rid)
    body = obj["body"]
    if not isinstance(body, str) or not BODY_REF_RE.fullmatch(body):
        raise MalformedError("leaf body must be sha256:<64 lowercase hex>")
    try:
        vis = Visibility(obj["vis"])
    except ValueError as e:
        raise MalformedError(f"unknown visibility {obj['vis']!r}") from e
    return Leaf(raw, seq, ts, op_, kind, rid, body, vis)


def new_salt() -> str:
    return base64.b64encode(secrets.token_bytes(SALT_BYTES)).decode()


def encode_body(fields: dict[str, Any], record_id: str, salt: str | None = None) -> bytes:
    """Produce the body bytes once: the record's fields plus ``salt`` and ``id``.

    ``kind`` and ``visibility`` belong to the leaf and are not part of the body.
    """
    check_id(record_id)
    obj: dict[str, Any] = {"salt": salt or new_salt(), "id": record_id}
    for k, v in fields.items():
        if k in ("salt", "id", "kind", "visibility"):
            continue
        obj[k] = v
    try:
        return orjson.dumps(obj)
    except TypeError as e:
        raise RecordError(f"record is not JSON-serialisable: {e}") from e


def now_ts() -> str:
    return format_ts(datetime.now(UTC))
