"""Turning a publisher's record input into the exact entry bytes to append (pure).

Input objects are what ``federation records put`` reads: a JSON object with ``kind``, ``id``,
optional ``visibility`` (``public`` | ``federation``) and the record fields of DESIGN §11.
The body is produced once here (salt added), validated *as bytes* with the same function a
receiving node uses, and never re-serialised afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from federation.protocol.entry import Kind, Op, Visibility, check_id, encode_body
from federation.protocol.errors import RecordError
from federation.protocol.records import RecordSummary, default_visibility, summarize, validate_body


@dataclass(frozen=True, slots=True)
class Publication:
    """One entry an origin is about to append to its own log (already validated)."""

    op: Op
    kind: Kind | None = None
    id: str | None = None
    vis: Visibility | None = None
    body: bytes | None = None
    summary: RecordSummary | None = None
    vkey: str | None = None


def parse_kind(value: object) -> Kind:
    try:
        return Kind(str(value))
    except ValueError:
        kinds = ", ".join(k.value for k in Kind)
        raise RecordError(f"kind: {value!r} is not one of {kinds}", field="kind") from None


def prepare_put(obj: Mapping[str, Any], *, now: str, max_body_bytes: int) -> Publication:
    """Validate one record input and produce its body bytes. Raises :class:`RecordError`."""
    if not isinstance(obj, Mapping):
        raise RecordError("a record must be a JSON object")
    if "kind" not in obj:
        raise RecordError("kind: field required", field="kind")
    kind = parse_kind(obj["kind"])
    if "id" not in obj:
        raise RecordError("id: field required", field="id")
    record_id = check_id(obj["id"])
    fields = {k: v for k, v in obj.items() if k not in ("kind", "visibility")}
    fields.setdefault("created_at", now)
    fields.setdefault("updated_at", now)
    if "visibility" in obj:
        try:
            vis = Visibility(obj["visibility"])
        except ValueError:
            raise RecordError(
                f"visibility: {obj['visibility']!r} is not public or federation",
                field="visibility",
            ) from None
    else:
        vis = default_visibility(kind, fields)
    body = encode_body(fields, record_id)
    if len(body) > max_body_bytes:
        raise RecordError(
            f"record {record_id} is {len(body)} bytes, larger than the limit of "
            f"{max_body_bytes} bytes (limits.max_body_bytes)"
        )
    model = validate_body(kind, body)
    return Publication(Op.PUT, kind, record_id, vis, body, summarize(kind, model))


def prepare_delete(kind: object, record_id: object) -> Publication:
    return Publication(Op.DELETE, parse_kind(kind), check_id(str(record_id)))
