"""``federation records import FILE.csv --kind KIND``: bulk import from a spreadsheet export.

Columns map to record fields by name, with dots for nesting, so a centre can export its
existing spreadsheet and rename the header row::

    id,original_language,origin_country,title.lt,title.en,summary.lt,summary.en,countries,themes
    01JD…,lt,LT,Socialinis verslas,Social business,…,…,LT;LV,social-economy;employment

* ``title.lt`` — a key of a multilingual map (or of a nested object: ``location.city``);
* ``funding.0.fund`` — the first element of a list of objects;
* a list of plain values (``countries``, ``themes``, ``sdgs``, ``languages`` …) is one cell
  separated by ``;``;
* numbers and booleans are converted where the record model expects them; empty cells are
  left out; ``visibility`` is the optional publication visibility.

Every row is validated exactly like ``records put``; invalid rows are reported with their line
number and reason and skipped, the rest are published in one transaction per batch.
"""

from __future__ import annotations

import csv
import io
import re
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from federation.protocol.entry import Kind
from federation.protocol.errors import RecordError
from federation.protocol.records import (
    CaseRecord,
    EventRecord,
    OrganisationContact,
    PersonContact,
)

LIST_SEPARATOR = ";"
_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_MODELS: dict[str, type[BaseModel]] = {
    "case": CaseRecord,
    "event": EventRecord,
    "contact:organisation": OrganisationContact,
    "contact:person": PersonContact,
}


@dataclass(frozen=True)
class Row:
    """One data row: its line number in the file and the record input or the reason it's bad."""

    line: int
    record: dict[str, Any] | None
    error: str | None = None


def _unwrap(ann: Any) -> Any:
    """Strip ``Annotated`` and ``Optional`` layers; keep other unions as they are."""
    while True:
        origin = get_origin(ann)
        if origin is typing.Annotated:
            ann = get_args(ann)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann


def _scalar(ann: Any, text: str) -> Any:
    """Convert a cell to what the model expects at this place (int, float, bool or str)."""
    ann = _unwrap(ann)
    options = (
        [_unwrap(a) for a in get_args(ann)]
        if get_origin(ann) in (Union, types.UnionType)
        else [ann]
    )
    t = text.strip()
    if bool in options and t.lower() in ("true", "false", "yes", "no", "1", "0"):
        return t.lower() in ("true", "yes", "1")
    if int in options and _INT.fullmatch(t):
        return int(t)
    if float in options and _FLOAT.fullmatch(t):
        return float(t)
    return t


def _field_annotation(model: type[BaseModel] | None, name: str) -> Any:
    if model is None or name not in model.model_fields:
        return None
    return model.model_fields[name].annotation


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, BaseModel)


def _place(target: dict[str, Any], path: list[str], ann: Any, text: str) -> None:
    """Put ``text`` at ``path`` inside ``target``, guided by the model annotation ``ann``."""
    head, rest = path[0], path[1:]
    inner = _unwrap(ann)
    if not rest:
        if get_origin(inner) is list:
            (elem,) = get_args(inner) or (str,)
            items = [x for x in (p.strip() for p in text.split(LIST_SEPARATOR)) if x]
            target[head] = [_scalar(elem, x) for x in items]
        else:
            target[head] = _scalar(inner, text)
        return
    if get_origin(inner) is list:
        (elem,) = get_args(inner) or (Any,)
        if not rest[0].isdigit():
            raise RecordError(f"{'.'.join(path)}: use {head}.N.field for a list of objects")
        slots: list[Any] = target.setdefault(head, [])
        index = int(rest[0])
        while len(slots) <= index:
            slots.append({})
        if len(rest) == 1:
            slots[index] = _scalar(elem, text)
            return
        sub = _unwrap(elem)
        _place(
            slots[index],
            rest[1:],
            _field_annotation(sub if _is_model(sub) else None, rest[1]),
            text,
        )
        return
    child: dict[str, Any] = target.setdefault(head, {})
    if _is_model(inner):
        _place(child, rest, _field_annotation(inner, rest[0]), text)
    elif get_origin(inner) is dict:
        _place(child, rest, get_args(inner)[1] if get_args(inner) else None, text)
    else:
        _place(child, rest, None, text)


def _model_for(kind: Kind, cells: dict[str, str]) -> type[BaseModel]:
    if kind is Kind.CONTACT:
        contact_type = cells.get("contact_type", "").strip()
        return _MODELS.get(f"contact:{contact_type}", OrganisationContact)
    return _MODELS[kind.value]


def read_csv(path: Path, kind: Kind) -> tuple[list[str], Iterator[Row]]:
    """Header and rows of a CSV file (UTF-8, optional BOM; delimiter sniffed: , ; or tab)."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise RecordError(f"cannot read {path}: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise RecordError(
            f"{path}: not UTF-8 (byte {e.start}); export the sheet as UTF-8 CSV"
        ) from e
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise RecordError(f"{path}: the file is empty") from None
    if "id" not in header:
        raise RecordError(f"{path}: no 'id' column (each record needs a stable ULID or UUID)")
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise RecordError(f"{path}: duplicate columns {sorted(dupes)}")

    def rows() -> Iterator[Row]:
        for values in reader:
            line = reader.line_num
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                yield Row(line, None, f"has {len(values)} cells, the header has {len(header)}")
                continue
            cells = dict(zip(header, values, strict=True))
            model = _model_for(kind, cells)
            record: dict[str, Any] = {"kind": kind.value}
            try:
                for name, value in cells.items():
                    if not value.strip():
                        continue
                    path_ = name.split(".")
                    if name in ("visibility", "id"):
                        record[name] = value.strip()
                    else:
                        _place(record, path_, _field_annotation(model, path_[0]), value)
            except RecordError as e:
                yield Row(line, None, str(e))
                continue
            yield Row(line, record)

    return header, rows()


def unknown_columns(header: list[str], kind: Kind) -> list[str]:
    """Columns no model of ``kind`` knows (kept as unknown fields, but likely typos)."""
    models = [m for k, m in _MODELS.items() if k.split(":")[0] == kind.value]
    known = {"id", "visibility", "kind"}
    for m in models:
        known |= set(m.model_fields)
    return [h for h in header if h.split(".")[0] not in known]
