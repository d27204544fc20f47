"""federation.protocol.audit: fork paths, bundles, witness cosignatures, evidence — offline.

Logs here are built from fixed keys with the pure core only; the same checks run against real
nodes in ``tests/audit/``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from pathlib import Path

import orjson
import pytest

from federation.protocol import merkle
from federation.protocol.audit import (
    Bundle,
    encode_evidence,
    evidence_item,
    parse_bundle,
    verify_bundle,
    verify_evidence,
)
from federation.protocol.checkpoint import Checkpoint
from federation.protocol.cosignature import WitnessKey, cosigned_message, parse_witness_vkey
from federation.protocol.entry import Kind, Visibility, encode_body, encode_delete, encode_put
from federation.protocol.errors import MalformedError
from federation.protocol.forkpath import fork_path_from_leaves
from federation.protocol.note import Signature, Signer, add_signatures

ORIGIN = "lt.esfa.ncc"
SIGNER = Signer(ORIGIN, bytes(range(32)))
OTHER = Signer(ORIGIN, bytes(range(32, 64)))  # same name, another key
TS = "2026-11-22T10:00:00Z"
BODY_FIELDS = {
    "origin_country": "LT",
    "original_language": "lt",
    "created_at": TS,
    "updated_at": TS,
    "title": {"lt": "Socialinių inovacijų centras", "en": "Social innovation centre"},
    "summary": {"lt": "Santrauka.", "en": "Summary."},
    "countries": ["LT"],
    "lead_org": "ESFA",
}


def rid(n: int) -> str:
    return f"01JDQ3Z6V4X8ZK5N7M2P9R{n:04d}"


def make_log(n: int) -> tuple[list[bytes], list[bytes]]:
    """``n`` put leaves of cases and their bodies (fixed salts)."""
    leaves, bodies = [], []
    for i in range(n):
        body = encode_body(BODY_FIELDS | {"id": rid(i)}, rid(i), salt="A" * 22 + "==")
        leaves.append(encode_put(i, TS, Kind.CASE, rid(i), body, Visibility.PUBLIC))
        bodies.append(body)
    return leaves, bodies


def sign(leaves: Sequence[bytes], signer: Signer = SIGNER) -> bytes:
    root = merkle.root_of(merkle.leaf_hash(x) for x in leaves)
    return Checkpoint(ORIGIN, len(leaves), root).sign(signer)


def inclusion(leaves: Sequence[bytes], index: int) -> tuple[bytes, ...]:
    hashes = [merkle.leaf_hash(x) for x in leaves]
    plan = merkle.inclusion_plan(index, len(leaves))
    nodes = {n: merkle.root_of(hashes[n.begin : n.end]) for n in merkle.plan_nodes(plan)}
    return tuple(merkle.assemble(plan, nodes))


def bundle_of(leaves: list[bytes], bodies: list[bytes | None], index: int) -> Bundle:
    return Bundle(
        ORIGIN,
        "case",
        rid(index),
        index,
        leaves[index],
        bodies[index],
        sign(leaves),
        inclusion(leaves, index),
    )


# -- bundles -------------------------------------------------------------------------------------


def test_a_bundle_verifies_and_round_trips() -> None:
    leaves, bodies = make_log(5)
    b = bundle_of(leaves, list(bodies), 3)
    data = b.encode() + b"\n"
    assert parse_bundle(data) == b
    result = verify_bundle(data, [SIGNER.vkey])
    assert result.valid, result.failure
    assert result.body_verified
    assert [line.split(":")[0] for line in result.passed] == [
        "format",
        "checkpoint",
        "leaf",
        "inclusion",
        "body",
    ]


def test_a_bundle_without_a_body_proves_the_leaf_only() -> None:
    leaves, _ = make_log(3)
    result = verify_bundle(bundle_of(leaves, [None] * 3, 1).encode(), [SIGNER.vkey])
    assert result.valid and not result.body_verified
    assert "only the leaf is proven" in result.passed[-1]


def test_a_deleted_record_bundle_verifies() -> None:
    leaves, _ = make_log(3)
    leaves.append(encode_delete(3, TS, Kind.CASE, rid(1)))
    b = Bundle(ORIGIN, "case", rid(1), 3, leaves[3], None, sign(leaves), inclusion(leaves, 3))
    result = verify_bundle(b.encode(), [SIGNER.vkey])
    assert result.valid, result.failure
    assert "deleted" in result.passed[-1]


def test_every_single_byte_change_of_a_bundle_fails() -> None:
    leaves, bodies = make_log(6)
    data = bundle_of(leaves, list(bodies), 4).encode() + b"\n"
    assert verify_bundle(data, [SIGNER.vkey]).valid
    for pos in range(len(data)):
        for mask in (0x01, 0x20, 0x80):
            bad = bytearray(data)
            bad[pos] ^= mask
            result = verify_bundle(bytes(bad), [SIGNER.vkey])
            assert not result.valid, (pos, mask, bytes(bad[max(0, pos - 20) : pos + 20]))


def _flip_in(data: bytes, marker: bytes, offset: int = 0) -> bytes:
    pos = data.index(marker) + offset
    bad = bytearray(data)
    bad[pos] ^= 0x01
    return bytes(bad)


@pytest.mark.parametrize(
    ("marker", "offset", "check", "reason"),
    [
        pytest.param(b'"lead_org', 3, "body", "does not hash", id="body"),
        pytest.param(b"sha256:", 10, "inclusion", "does not lead to the root", id="leaf"),
        pytest.param(b'"proof":["', 12, "inclusion", "does not lead to the root", id="proof"),
        pytest.param(b"\\n\\n\xe2\x80\x94", 40, "checkpoint", "signature", id="note-signature"),
        pytest.param(b'"checkpoint":"lt', 17, "checkpoint", "signature", id="note-text"),
        pytest.param(b'"origin":"lt', 11, "checkpoint", "no trusted key", id="origin"),
        pytest.param(b'"index":', 8, "leaf", "seq", id="index"),
        pytest.param(b'"id":"', 7, "leaf", "bundle names", id="id"),
        pytest.param(b'"format":"', 11, "format", "format", id="format"),
        pytest.param(b'"body":"', 1, "format", "members", id="member-name"),
        pytest.param(b'"kind":"', 0, "format", "JSON", id="json"),
    ],
)
def test_a_changed_byte_names_the_check_it_breaks(
    marker: bytes, offset: int, check: str, reason: str
) -> None:
    leaves, bodies = make_log(6)
    data = bundle_of(leaves, list(bodies), 4).encode()
    result = verify_bundle(_flip_in(data, marker, offset), [SIGNER.vkey])
    assert result.failure is not None
    assert (result.failure.check, reason in result.failure.reason) == (check, True), result.failure


def test_a_bundle_in_another_spelling_is_malformed() -> None:
    leaves, bodies = make_log(2)
    b = bundle_of(leaves, list(bodies), 0)
    spaced = orjson.dumps(orjson.loads(b.encode()), option=orjson.OPT_INDENT_2)
    result = verify_bundle(spaced, [SIGNER.vkey])
    assert result.failure is not None and result.failure.check == "format"
    assert "canonical" in result.failure.reason


def test_a_bundle_under_the_wrong_key_fails_the_checkpoint_check() -> None:
    leaves, bodies = make_log(2)
    result = verify_bundle(bundle_of(leaves, list(bodies), 0).encode(), [OTHER.vkey])
    assert result.failure is not None and result.failure.check == "checkpoint"


# -- witness cosignatures ------------------------------------------------------------------------


def witness(n: int) -> tuple[Signer, WitnessKey]:
    s = Signer(f"witness{n}.example", bytes([n]) * 32)
    return s, WitnessKey(s.name, s.verifier.public_key)


def cosign(note: bytes, signer: Signer, key: WitnessKey, ts: int = 1_795_000_000) -> bytes:
    text = note.decode().split("\n\n")[0] + "\n"
    sig = ts.to_bytes(8, "big") + signer.sign(cosigned_message(text, ts))
    return add_signatures(note, Signature(key.name, key.key_id, sig))


def test_witness_vkeys_parse_and_round_trip() -> None:
    _, key = witness(1)
    assert parse_witness_vkey(key.vkey) == key
    with pytest.raises(MalformedError):
        parse_witness_vkey(SIGNER.vkey)  # an Ed25519 note key (0x01), not a cosigner key


def test_witness_quorum() -> None:
    leaves, bodies = make_log(3)
    b = bundle_of(leaves, list(bodies), 1)
    (s1, w1), (s2, w2), (_, w3) = witness(1), witness(2), witness(3)
    note = cosign(cosign(b.checkpoint, s1, w1), s2, w2)
    cosigned = Bundle(**{**b.__dict__, "checkpoint": note}).encode()
    keys = [SIGNER.vkey]
    assert verify_bundle(cosigned, keys).valid  # witnesses not asked for: lines ignored
    assert verify_bundle(cosigned, keys, witnesses=[w1, w2]).cosigners == (
        "witness1.example",
        "witness2.example",
    )
    assert verify_bundle(cosigned, keys, witnesses=[w1, w2, w3], quorum=2).valid
    short = verify_bundle(cosigned, keys, witnesses=[w1, w2, w3])
    assert short.failure is not None and short.failure.check == "witnesses"
    assert "2 of 3 witnesses cosigned, 3 required" in short.failure.reason
    # a cosignature line of a known witness that does not verify rejects the bundle
    line = note.split(b"\n")[-2]  # witness 2's line
    raw = bytearray(base64.b64decode(line.split(b" ")[-1]))
    raw[-1] ^= 0x01  # the last byte of the Ed25519 signature
    forged_line = b" ".join([*line.split(b" ")[:-1], base64.b64encode(bytes(raw))])
    forged = Bundle(**{**b.__dict__, "checkpoint": note.replace(line, forged_line)}).encode()
    bad = verify_bundle(forged, keys, witnesses=[w1, w2], quorum=1)
    assert bad.failure is not None and bad.failure.check == "witnesses"
    assert "invalid cosignature by witness2.example" in bad.failure.reason
    with pytest.raises(MalformedError):
        verify_bundle(cosigned, keys, witnesses=[w1], quorum=2)


# -- evidence ------------------------------------------------------------------------------------


def evidence(note_a: bytes, note_b: bytes, proof: Sequence[bytes] | None) -> bytes:
    return encode_evidence([evidence_item(ORIGIN, note_a, note_b, proof)])


def forked_logs(common: int, n1: int, n2: int) -> tuple[list[bytes], list[bytes]]:
    leaves, _ = make_log(common + n1 + n2)
    return leaves[: common + n1], leaves[:common] + leaves[common + n1 :]


def relabel(leaves: list[bytes]) -> list[bytes]:
    """Same records, seqs renumbered to fit their position (the fork's second branch)."""
    out = []
    for i, leaf in enumerate(leaves):
        obj = orjson.loads(leaf)
        out.append(leaf.replace(b'"seq":%d,' % obj["seq"], b'"seq":%d,' % i, 1))
    return out


@pytest.mark.parametrize(("n1", "n2"), [(2, 2), (1, 3), (3, 1), (2, 4), (0, 0)])
def test_a_fork_is_proven_and_agreement_is_not(n1: int, n2: int) -> None:
    a, b = forked_logs(2, n1, n2)
    b = relabel(b)
    ha, hb = [merkle.leaf_hash(x) for x in a], [merkle.leaf_hash(x) for x in b]
    small, large = (ha, hb) if len(ha) <= len(hb) else (hb, ha)
    proof = fork_path_from_leaves(large, len(small), len(large)) if len(small) < len(large) else []
    report = verify_evidence(evidence(sign(a), sign(b), proof), [SIGNER.vkey])
    if n1 == n2 == 0:
        assert not report.proven
        assert report.items[0].failure is not None
        assert report.items[0].failure.check == "inconsistency"
    else:
        assert report.proven, report.items


def test_consistent_notes_of_two_sizes_are_not_evidence() -> None:
    leaves, _ = make_log(7)
    hashes = [merkle.leaf_hash(x) for x in leaves]
    proof = fork_path_from_leaves(hashes, 4, 7)
    report = verify_evidence(evidence(sign(leaves[:4]), sign(leaves), proof), [SIGNER.vkey])
    (item,) = report.items
    assert not report.proven and item.failure is not None
    assert (item.failure.check, "extends" in item.failure.reason) == ("inconsistency", True)


def test_evidence_needs_a_fork_path_that_leads_to_the_larger_root() -> None:
    a, b = forked_logs(2, 1, 3)
    b = relabel(b)
    hb = [merkle.leaf_hash(x) for x in b]
    good = fork_path_from_leaves(hb, 3, 5)
    for proof, why in (
        (None, "no fork path"),
        ([], "no fork path"),
        ([good[0]] + [bytes(32)] * (len(good) - 1), "does not lead"),
        (good[:-1], "too short"),
    ):
        report = verify_evidence(evidence(sign(a), sign(b), proof), [SIGNER.vkey])
        (item,) = report.items
        assert item.failure is not None and item.failure.check == "proof", why
        assert why in item.failure.reason


def test_evidence_notes_must_be_signed_by_the_origin() -> None:
    a, b = forked_logs(2, 2, 2)
    b = relabel(b)
    for notes, check in (
        ((sign(a, OTHER), sign(b)), "note 1"),
        ((sign(a), sign(b, OTHER)), "note 2"),
    ):
        report = verify_evidence(evidence(*notes, []), [SIGNER.vkey])
        (item,) = report.items
        assert item.failure is not None and item.failure.check == check
    tampered = sign(b).replace(b"\n4\n", b"\n5\n")
    report = verify_evidence(evidence(sign(a), tampered, []), [SIGNER.vkey])
    assert report.items[0].failure is not None
    assert report.items[0].failure.check == "note 2"


def test_a_size_zero_note_with_a_wrong_root_is_evidence() -> None:
    bogus = Checkpoint(ORIGIN, 0, merkle.leaf_hash(b"x")).sign(SIGNER)
    leaves, _ = make_log(2)
    assert verify_evidence(evidence(bogus, sign(leaves), []), [SIGNER.vkey]).proven
    empty = sign([])
    assert not verify_evidence(evidence(empty, sign(leaves), []), [SIGNER.vkey]).proven


@pytest.mark.parametrize(
    "data",
    [b"", b"{}", b"[]", b"[1]", b'[{"origin":"x","notes":[],"proof":null}]', b"\xff"],
)
def test_malformed_evidence_files_are_not_proven(data: bytes) -> None:
    report = verify_evidence(data, [SIGNER.vkey])
    assert not report.proven
    failure = report.failure or report.items[0].failure
    assert failure is not None and failure.check == "format"


def test_evidence_items_decode_base64_strictly() -> None:
    a, b = forked_logs(2, 1, 3)
    item = evidence_item(ORIGIN, sign(a), sign(relabel(b)), [bytes(32)])
    item["proof"] = [base64.b64encode(bytes(32)).decode().rstrip("=")]
    report = verify_evidence(encode_evidence([item]), [SIGNER.vkey])
    assert report.items[0].failure is not None
    assert report.items[0].failure.check == "format"


def test_the_examples_in_the_protocol_document_verify() -> None:
    """docs/protocol.md §12 (bundle and evidence examples, test key of §2.3)."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "protocol.md").read_text()
    section = doc[doc.index("## 12. Auditing") : doc.index("## 13. References")]
    (bundle,) = [line for line in section.splitlines() if line.startswith('{"format"')]
    result = verify_bundle(bundle.encode(), [SIGNER.vkey])
    assert result.valid, result.failure
    start = section.index('[{"origin":"lt.esfa.ncc"')
    evidence_json = section[start : section.index("```", start)]
    report = verify_evidence(evidence_json.encode(), [SIGNER.vkey])
    assert report.proven, report
    assert "UhgUQSP81/PfXE1P68F9XnJspKONAEItHcjf5tw7578=" in report.items[0].reason
