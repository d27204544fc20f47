"""Witness cosignatures (c2sp.org/tlog-cosignature): keys, signing and verification."""

from __future__ import annotations

import base64
import hashlib

import pytest

from federation.protocol.checkpoint import Checkpoint
from federation.protocol.cosignature import (
    cosign,
    cosigned_message,
    parse_signature_line,
    parse_witness_vkey,
    verified_cosignatures,
    verify_cosignature,
    verify_cosignatures,
    witness_key_of,
)
from federation.protocol.errors import MalformedError, ProofError, SignatureError
from federation.protocol.note import Signer, add_signatures, open_note

ORIGIN = Signer("lt.esfa.ncc", bytes(range(32)))
WITNESS = Signer("be.esf.ncc", bytes(range(1, 33)))
TEXT = Checkpoint(ORIGIN.name, 3, hashlib.sha256(b"root").digest()).text()
NOTE = Checkpoint(ORIGIN.name, 3, hashlib.sha256(b"root").digest()).sign(ORIGIN)


def test_a_witness_key_is_the_origin_key_retyped() -> None:
    w = witness_key_of(WITNESS.verifier)
    pub = WITNESS.verifier.public_key
    assert w.public_key == pub and w.name == WITNESS.name
    assert w.key_id == hashlib.sha256(WITNESS.name.encode() + b"\n\x04" + pub).digest()[:4]
    assert w.key_id != WITNESS.key_id
    blob = base64.b64encode(b"\x04" + pub).decode()
    assert w.vkey == f"{WITNESS.name}+{w.key_id.hex()}+{blob}"
    assert parse_witness_vkey(w.vkey) == w
    with pytest.raises(MalformedError):
        parse_witness_vkey(WITNESS.vkey)  # a note key (0x01)


def test_cosign_and_verify() -> None:
    w = witness_key_of(WITNESS.verifier)
    sig = cosign(TEXT, WITNESS, 1_795_000_000)
    assert sig.key_id == w.key_id and len(sig.signature) == 72
    assert sig.signature[:8] == (1_795_000_000).to_bytes(8, "big")
    assert WITNESS.verifier.verify(cosigned_message(TEXT, 1_795_000_000), sig.signature[8:])
    assert verify_cosignature(TEXT, sig, w) == 1_795_000_000
    assert parse_signature_line(sig.line()) == sig
    note = add_signatures(NOTE, sig)
    assert verify_cosignatures(note, [w]) == [WITNESS.name]
    assert [s for _, s in verified_cosignatures(note, [w])] == [sig]
    # verifiers of the origin key ignore the cosignature line
    assert open_note(note, [ORIGIN.verifier]).unverified == (sig,)
    # a cosignature is not a note signature: the witness's note key does not know its key ID
    with pytest.raises(SignatureError, match="not signed by any known key"):
        open_note(note, [WITNESS.verifier])


def test_a_changed_text_or_timestamp_does_not_verify() -> None:
    w = witness_key_of(WITNESS.verifier)
    sig = cosign(TEXT, WITNESS, 10)
    other = Checkpoint(ORIGIN.name, 4, hashlib.sha256(b"root").digest()).text()
    with pytest.raises(ProofError, match="invalid cosignature"):
        verify_cosignature(other, sig, w)
    bumped = type(sig)(sig.name, sig.key_id, (11).to_bytes(8, "big") + sig.signature[8:])
    with pytest.raises(ProofError, match="invalid cosignature"):
        verify_cosignature(TEXT, bumped, w)
    with pytest.raises(ProofError, match="invalid cosignature"):
        verify_cosignatures(add_signatures(NOTE, bumped), [w])
    with pytest.raises(ProofError, match="not by witness"):
        verify_cosignature(TEXT, sig, witness_key_of(ORIGIN.verifier))
    with pytest.raises(MalformedError):
        cosign(TEXT, WITNESS, -1)
