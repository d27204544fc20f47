"""Auditing offline: record bundles and equivocation evidence (DESIGN §8, protocol §12).

Bytes and plain values in, results out; no I/O. Every failure names the exact check that
failed, so an auditor can say *why* a bundle or an evidence file does not hold.

**Bundle** (``federation-bundle/1``): one record's leaf, its body when the auditor could see
it, the signed checkpoint and the inclusion proof of the leaf in that checkpoint's tree. A
bundle has exactly one spelling (:meth:`Bundle.encode`): a verifier rejects any other, so that
every changed byte is detected (as a changed value, or as a malformed bundle).

**Evidence**: two checkpoint notes of one origin, both signed by the origin's key, that cannot
both be true. Same size: the roots differ. Different sizes ``m < n``: a *fork path* from ``m``
to ``n`` (``federation.protocol.forkpath``) shows what the size-``n`` tree's root was at size
``m``; it differs from the smaller note's root.

**Witness cosignatures** (c2sp.org/tlog-cosignature, Ed25519) are checked on request, by
``federation.protocol.cosignature`` (the one implementation).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from federation.protocol import merkle
from federation.protocol.checkpoint import SignedCheckpoint, is_valid_origin, open_checkpoint
from federation.protocol.cosignature import WitnessKey, parse_witness_vkey, verify_cosignatures
from federation.protocol.entry import Leaf, Op, parse_leaf
from federation.protocol.errors import MalformedError, ProofError, ProtocolError, RecordError
from federation.protocol.forkpath import fork_roots
from federation.protocol.note import Verifier, _b64decode, parse_vkey
from federation.protocol.records import validate_body

BUNDLE_FORMAT = "federation-bundle/1"
_BUNDLE_KEYS = ("format", "origin", "kind", "id", "index", "leaf", "body", "checkpoint", "proof")


class AuditFailure(ProtocolError):
    """One failed check of a bundle or an evidence item; ``check`` names it."""

    code = "audit_failed"

    def __init__(self, check: str, message: str) -> None:
        super().__init__(f"{check}: {message}")
        self.check = check
        self.reason = message


def _b64(h: bytes) -> str:
    return base64.b64encode(h).decode()


# -- bundles -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bundle:
    """A record's leaf, body (or None), checkpoint note and inclusion proof."""

    origin: str
    kind: str
    id: str
    index: int
    leaf: bytes
    body: bytes | None
    checkpoint: bytes
    proof: tuple[bytes, ...]

    def encode(self) -> bytes:
        """The one spelling of this bundle: compact JSON, members in a fixed order."""
        return orjson.dumps(
            {
                "format": BUNDLE_FORMAT,
                "origin": self.origin,
                "kind": self.kind,
                "id": self.id,
                "index": self.index,
                "leaf": self.leaf.decode(),
                "body": self.body.decode() if self.body is not None else None,
                "checkpoint": self.checkpoint.decode(),
                "proof": [_b64(h) for h in self.proof],
            }
        )


def parse_bundle(data: bytes) -> Bundle:
    """Parse bundle bytes (one trailing newline allowed); raises ``AuditFailure('format')``."""

    def bad(msg: str) -> AuditFailure:
        return AuditFailure("format", msg)

    text = data[:-1] if data.endswith(b"\n") else data
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        raise bad(f"not UTF-8 JSON: {e}") from e
    if not isinstance(obj, dict):
        raise bad("not a JSON object")
    if tuple(obj) != _BUNDLE_KEYS:
        raise bad(f"members must be exactly {', '.join(_BUNDLE_KEYS)}, in this order")
    if obj["format"] != BUNDLE_FORMAT:
        raise bad(f"format is {obj['format']!r}, expected {BUNDLE_FORMAT!r}")
    for name in ("origin", "kind", "id", "leaf", "checkpoint"):
        if type(obj[name]) is not str:
            raise bad(f"{name} must be a string")
    if type(obj["index"]) is not int or obj["index"] < 0:
        raise bad("index must be a non-negative integer")
    if obj["body"] is not None and type(obj["body"]) is not str:
        raise bad("body must be a string or null")
    proof = obj["proof"]
    if type(proof) is not list or any(type(h) is not str for h in proof):
        raise bad("proof must be a list of base64 strings")
    try:
        hashes = tuple(_b64decode(h, "proof hash") for h in proof)
        bundle = Bundle(
            origin=obj["origin"],
            kind=obj["kind"],
            id=obj["id"],
            index=obj["index"],
            leaf=obj["leaf"].encode(),
            body=obj["body"].encode() if obj["body"] is not None else None,
            checkpoint=obj["checkpoint"].encode(),
            proof=hashes,
        )
    except (MalformedError, UnicodeEncodeError) as e:
        raise bad(str(e)) from e
    if bundle.encode() != text:
        raise bad("not in canonical form (compact JSON as written by Bundle.encode)")
    return bundle


@dataclass(frozen=True)
class BundleResult:
    """What :func:`verify_bundle` found: ``failure`` is None when the bundle holds.

    ``passed`` lists the checks that passed, in order, as short human lines.
    """

    failure: AuditFailure | None
    passed: tuple[str, ...]
    bundle: Bundle | None = None
    checkpoint: SignedCheckpoint | None = None
    leaf: Leaf | None = None
    body_verified: bool = False
    cosigners: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.failure is None


def _verifiers(vkeys: Iterable[str | Verifier]) -> list[Verifier]:
    return [parse_vkey(v) if isinstance(v, str) else v for v in vkeys]


def verify_bundle(
    bundle_bytes: bytes,
    vkeys: Iterable[str | Verifier],
    *,
    witnesses: Iterable[str | WitnessKey] = (),
    quorum: int | None = None,
) -> BundleResult:
    """Verify a bundle offline under the origin's pinned ``vkeys``.

    Checks, in order: ``format``, ``checkpoint`` (signed by a key of the bundle's origin),
    ``witnesses`` (only when witness keys are given: at least ``quorum`` of them, default all,
    cosigned the checkpoint), ``leaf`` (a record leaf for the bundle's kind, id and index),
    ``inclusion`` (the leaf hash is in the signed tree) and ``body`` (when included: it hashes
    to the leaf's ``body``). Bad keys or a bad quorum raise :class:`MalformedError` (the
    caller's mistake, not the bundle's).
    """
    keys = _verifiers(vkeys)
    wkeys = [parse_witness_vkey(w) if isinstance(w, str) else w for w in witnesses]
    need = len(wkeys) if quorum is None else quorum
    if wkeys and not 1 <= need <= len(wkeys):
        raise MalformedError(f"quorum must be between 1 and {len(wkeys)}")
    if quorum is not None and not wkeys:
        raise MalformedError("a quorum needs witness keys")
    passed: list[str] = []
    state: dict[str, Any] = {}
    try:
        bundle = state["bundle"] = parse_bundle(bundle_bytes)
        passed.append(f"format: {BUNDLE_FORMAT}")
        try:
            cp = state["checkpoint"] = open_checkpoint(bundle.checkpoint, bundle.origin, keys)
        except ProtocolError as e:
            raise AuditFailure("checkpoint", e.message) from e
        signers = ", ".join(f"{s.name}+{s.key_id.hex()}" for s in cp.verified.verified)
        passed.append(f"checkpoint: {bundle.origin} size {cp.size}, signed by {signers}")
        if wkeys:
            try:
                cosigners = state["cosigners"] = tuple(
                    verify_cosignatures(bundle.checkpoint, wkeys)
                )
            except ProtocolError as e:
                raise AuditFailure("witnesses", e.message) from e
            if len(cosigners) < need:
                raise AuditFailure(
                    "witnesses",
                    f"{len(cosigners)} of {len(wkeys)} witnesses cosigned, {need} required",
                )
            passed.append(f"witnesses: {len(cosigners)} of {len(wkeys)} cosigned")
        leaf = state["leaf"] = _check_leaf(bundle)
        passed.append(f"leaf: {leaf.op.value} {bundle.kind} {bundle.id} at index {bundle.index}")
        try:
            merkle.verify_inclusion(
                merkle.leaf_hash(bundle.leaf), bundle.index, cp.size, bundle.proof, cp.root
            )
        except ProofError as e:
            raise AuditFailure("inclusion", e.message) from e
        passed.append(f"inclusion: leaf {bundle.index} is in the signed tree of size {cp.size}")
        passed.append(_check_body(bundle, leaf))
        state["body_verified"] = bundle.body is not None
    except AuditFailure as e:
        return BundleResult(e, tuple(passed), **state)
    return BundleResult(None, tuple(passed), **state)


def _check_leaf(bundle: Bundle) -> Leaf:
    try:
        leaf = parse_leaf(bundle.leaf)
    except ProtocolError as e:
        raise AuditFailure("leaf", e.message) from e
    if leaf.op is Op.KEY:
        raise AuditFailure("leaf", "the leaf is a key entry, not a record")
    if leaf.kind != bundle.kind or leaf.id != bundle.id:
        raise AuditFailure(
            "leaf", f"the leaf is {leaf.kind} {leaf.id}, the bundle names {bundle.kind} {bundle.id}"
        )
    if leaf.seq != bundle.index:
        raise AuditFailure(
            "leaf", f"the leaf's seq is {leaf.seq}, the bundle's index {bundle.index}"
        )
    return leaf


def _check_body(bundle: Bundle, leaf: Leaf) -> str:
    body = bundle.body
    if body is None:
        what = "the record is deleted" if leaf.op is Op.DELETE else "erased or not visible"
        return f"body: not in the bundle ({what}); only the leaf is proven"
    if leaf.op is not Op.PUT:
        raise AuditFailure("body", f"a {leaf.op.value} entry has no body, the bundle carries one")
    if not leaf.matches_body(body):
        raise AuditFailure("body", "the body does not hash to the leaf's body reference")
    assert leaf.kind is not None
    try:
        validate_body(leaf.kind, body)
    except RecordError as e:
        return f"body: matches the leaf (but is not a valid {leaf.kind} record: {e})"
    return f"body: matches the leaf's sha256 and is a valid {leaf.kind} record"


# -- equivocation evidence -----------------------------------------------------------------------


def evidence_item(
    origin: str,
    note_a: bytes,
    note_b: bytes,
    proof: Sequence[bytes] | None,
    *,
    detail: str = "",
    sources: tuple[str, str] = ("", ""),
    found_at: str = "",
) -> dict[str, Any]:
    """One item of an evidence file (and of ``GET /v1/evidence``), as a JSON-ready dict.

    ``detail``, ``sources`` and ``found_at`` are informational; nothing checks them.
    """
    return {
        "origin": origin,
        "notes": [note_a.decode("utf-8", "replace"), note_b.decode("utf-8", "replace")],
        "proof": [_b64(h) for h in proof] if proof is not None else None,
        "detail": detail,
        "sources": list(sources),
        "found_at": found_at,
    }


def encode_evidence(items: Sequence[Mapping[str, Any]]) -> bytes:
    """An evidence file: a JSON array of :func:`evidence_item` objects, indented."""
    return orjson.dumps(list(items), option=orjson.OPT_INDENT_2) + b"\n"


@dataclass(frozen=True)
class EvidenceResult:
    """The verdict on one evidence item: ``failure`` is None when equivocation is proven."""

    index: int
    origin: str | None
    failure: AuditFailure | None
    reason: str = ""
    sizes: tuple[int, int] | None = None
    notes: tuple[bytes, bytes] | None = None

    @property
    def proven(self) -> bool:
        return self.failure is None


@dataclass(frozen=True)
class EvidenceReport:
    """:func:`verify_evidence`'s answer: ``failure`` for an unreadable file, else per item."""

    failure: AuditFailure | None
    items: tuple[EvidenceResult, ...] = field(default=())

    @property
    def proven(self) -> bool:
        """True when the file is readable, has items and every item proves equivocation."""
        return self.failure is None and bool(self.items) and all(r.proven for r in self.items)


def verify_evidence(evidence_bytes: bytes, vkeys: Iterable[str | Verifier]) -> EvidenceReport:
    """Check every item of an evidence file independently, under the origins' pinned keys.

    An item proves equivocation when both notes verify under a key of its origin and they
    cannot both be true: same size with different roots, or (sizes ``m < n``) its ``proof``
    is a fork path that leads to the larger note's root and gives a root at ``m`` different
    from the smaller note's. (``m = 0``: the smaller note's root is not the empty root.)
    """
    keys = _verifiers(vkeys)
    try:
        data = orjson.loads(evidence_bytes)
    except orjson.JSONDecodeError as e:
        return EvidenceReport(AuditFailure("format", f"not UTF-8 JSON: {e}"))
    if not isinstance(data, list):
        return EvidenceReport(AuditFailure("format", "an evidence file is a JSON array"))
    if not data:
        return EvidenceReport(AuditFailure("format", "the evidence file has no items"))
    return EvidenceReport(None, tuple(_verify_item(i, item, keys) for i, item in enumerate(data)))


def _verify_item(index: int, item: Any, keys: list[Verifier]) -> EvidenceResult:
    origin = item.get("origin") if isinstance(item, dict) else None
    origin = origin if isinstance(origin, str) else None
    try:
        notes, proof = _parse_item(item)
        assert origin is not None
        cps = []
        for n, note in enumerate(notes, start=1):
            try:
                cps.append(open_checkpoint(note, origin, keys))
            except ProtocolError as e:
                raise AuditFailure(f"note {n}", e.message) from e
        small, large = sorted(cps, key=lambda c: c.size)
        reason = _inconsistency(small, large, proof)
    except AuditFailure as e:
        return EvidenceResult(index, origin, e)
    sizes = (cps[0].size, cps[1].size)
    return EvidenceResult(index, origin, None, reason, sizes, notes)


def _parse_item(item: Any) -> tuple[tuple[bytes, bytes], tuple[bytes, ...] | None]:
    if not isinstance(item, dict):
        raise AuditFailure("format", "an evidence item is a JSON object")
    origin, notes, proof = item.get("origin"), item.get("notes"), item.get("proof")
    if not isinstance(origin, str) or not is_valid_origin(origin):
        raise AuditFailure("format", "origin must be a valid origin name")
    if not isinstance(notes, list) or len(notes) != 2 or any(type(n) is not str for n in notes):
        raise AuditFailure("format", "notes must be a list of two signed notes (strings)")
    if proof is not None and (
        not isinstance(proof, list) or any(type(h) is not str for h in proof)
    ):
        raise AuditFailure("format", "proof must be a list of base64 strings or null")
    try:
        hashes = tuple(_b64decode(h, "proof hash") for h in proof) if proof is not None else None
        return (notes[0].encode(), notes[1].encode()), hashes
    except (MalformedError, UnicodeEncodeError) as e:
        raise AuditFailure("format", str(e)) from e


def _inconsistency(
    small: SignedCheckpoint, large: SignedCheckpoint, proof: tuple[bytes, ...] | None
) -> str:
    m, n = small.size, large.size
    if m == n:
        if small.root == large.root:
            raise AuditFailure("inconsistency", f"both notes say size {m} with the same root")
        return f"two different roots for size {m}"
    if m == 0:
        if small.root == merkle.EMPTY_ROOT:
            raise AuditFailure("inconsistency", "the size-0 note has the empty root")
        return "a size-0 note whose root is not the empty root"
    if not proof:
        raise AuditFailure(
            "proof", f"sizes {m} and {n} differ and there is no fork path to compare them"
        )
    try:
        at_m, at_n = fork_roots(m, n, proof)
    except ProofError as e:
        raise AuditFailure("proof", e.message) from e
    if at_n != large.root:
        raise AuditFailure("proof", f"the fork path does not lead to the size-{n} root")
    if at_m == small.root:
        raise AuditFailure(
            "inconsistency", f"the size-{n} tree extends the size-{m} tree: the notes agree"
        )
    return (
        f"the size-{n} tree had root {_b64(at_m)} at size {m}; "
        f"the size-{m} note says {_b64(small.root)}"
    )
