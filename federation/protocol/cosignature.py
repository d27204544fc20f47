"""Witness cosignatures on checkpoints (c2sp.org/tlog-cosignature, Ed25519 ``cosignature/v1``).

A cosigner (witness) key is an Ed25519 key with signature type ``0x04``: its vkey is
``name+hex(keyID)+base64(0x04 || pub32)``, ``keyID = SHA-256(name || 0x0A || 0x04 || pub32)[:4]``.
A cosignature is one extra signature line on the checkpoint note::

    — <name> base64(keyID (4) || timestamp (8, big-endian) || Ed25519 signature (64))

over the message ``cosignature/v1\\ntime <timestamp>\\n`` followed by the checkpoint text.

**A node's witness identity** is its origin name and its origin Ed25519 key, re-typed as a
cosigner key: the same 32-byte public key under type ``0x04`` (so another key ID). The key type
is part of the key ID and of the signed message, so a cosignature can never pass for a note
signature of the origin and vice versa. ``federation key show --witness`` prints it, and
:func:`witness_key_of` derives it from the origin vkey a peer already pinned.

Verifiers ignore signature lines of keys they do not know (signed-note rules), so nodes and
clients that know no witness keys are unaffected by cosignature lines.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from federation.protocol.errors import MalformedError, ProofError
from federation.protocol.note import (
    SIG_PREFIX,
    Signature,
    Signer,
    Verifier,
    _b64decode,
    is_valid_key_name,
    key_id,
    parse_note,
)

COSIGNATURE_ALG_ED25519 = 0x04  # c2sp.org/tlog-cosignature, Ed25519 type
MAX_TIMESTAMP = 2**63 - 1


@dataclass(frozen=True)
class WitnessKey:
    """An Ed25519 cosigner key: vkey ``name+hex(keyID)+base64(0x04 || pub32)``."""

    name: str
    public_key: bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, bytes([COSIGNATURE_ALG_ED25519]) + self.public_key)

    @property
    def vkey(self) -> str:
        blob = base64.b64encode(bytes([COSIGNATURE_ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def __str__(self) -> str:
        return self.vkey


def witness_key_of(verifier: Verifier) -> WitnessKey:
    """The witness key of a node: its origin key (type 0x01) re-typed as a cosigner key."""
    return WitnessKey(verifier.name, verifier.public_key)


def parse_witness_vkey(vkey: str) -> WitnessKey:
    """Parse a cosigner vkey (signature type 0x04); the key ID must match the key."""
    parts = vkey.strip().split("+", 2)
    if len(parts) != 3:
        raise MalformedError("a witness key has the form name+keyid+base64key")
    name, hex_id, blob = parts
    if not is_valid_key_name(name):
        raise MalformedError(f"invalid witness key name {name!r}")
    raw = _b64decode(blob, "the witness key")
    if len(raw) != 33 or raw[0] != COSIGNATURE_ALG_ED25519:
        raise MalformedError("a witness key is an Ed25519 cosigner key (type 0x04, 32 bytes)")
    w = WitnessKey(name, raw[1:])
    if w.key_id.hex() != hex_id:
        raise MalformedError(f"witness key ID {hex_id} does not match the key")
    return w


def cosigned_message(text: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 cosigner signs: header, time line, then the note text."""
    return f"cosignature/v1\ntime {timestamp}\n{text}".encode()


def cosign(checkpoint_text: str, signer: Signer, timestamp: int) -> Signature:
    """Cosign a checkpoint text as the witness of ``signer`` (its key re-typed 0x04).

    ``signer`` is built from the witness name and Ed25519 seed (``Signer(name, seed)``);
    ``timestamp`` is seconds since the Unix epoch.
    """
    if not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedError("a cosignature timestamp is between 0 and 2**63 - 1")
    w = witness_key_of(signer.verifier)
    sig = signer.sign(cosigned_message(checkpoint_text, timestamp))
    return Signature(w.name, w.key_id, timestamp.to_bytes(8, "big") + sig)


def verify_cosignature(text: str, sig: Signature, witness: WitnessKey) -> int:
    """Check one cosignature line of ``witness`` on a note text; returns its timestamp.

    Raises :class:`ProofError` if the line is not ``witness``'s or does not verify.
    """
    if (sig.name, sig.key_id) != (witness.name, witness.key_id):
        raise ProofError(f"the signature line is not by witness {witness.name}")
    if len(sig.signature) != 8 + 64:
        raise ProofError(f"cosignature by {witness.name} is not a timestamped Ed25519 signature")
    ts = int.from_bytes(sig.signature[:8], "big")
    if ts > MAX_TIMESTAMP:
        raise ProofError(f"cosignature by {witness.name} has a timestamp beyond 2**63 - 1")
    if not Verifier(witness.name, witness.public_key).verify(
        cosigned_message(text, ts), sig.signature[8:]
    ):
        raise ProofError(f"invalid cosignature by {witness.name}")
    return ts


def verified_cosignatures(
    note: bytes, witnesses: Iterable[WitnessKey]
) -> list[tuple[WitnessKey, Signature]]:
    """The cosignature lines on ``note`` of the given witnesses, each verified (one per witness).

    Lines of other keys are ignored; a line of a given witness that does not verify, or whose
    timestamp exceeds 2**63 - 1, raises :class:`ProofError` (as for any known key, §6.2).
    """
    parsed = parse_note(note)
    known = {(w.name, w.key_id): w for w in witnesses}
    good: list[tuple[WitnessKey, Signature]] = []
    seen: set[str] = set()
    for sig in parsed.signatures:
        w = known.get((sig.name, sig.key_id))
        if w is None or w.name in seen:
            continue
        verify_cosignature(parsed.text, sig, w)
        seen.add(w.name)
        good.append((w, sig))
    return good


def verify_cosignatures(note: bytes, witnesses: Iterable[WitnessKey]) -> list[str]:
    """Names of the given witnesses whose cosignature on ``note`` verifies (see above)."""
    return [w.name for w, _ in verified_cosignatures(note, witnesses)]


def parse_signature_line(line: str) -> Signature:
    """One signature line (``— name base64``, with or without its newline) as a Signature."""
    text = line.removesuffix("\n")
    if "\n" in text or not text.startswith(SIG_PREFIX):
        raise MalformedError("not a signature line")
    return parse_note(("x\n\n" + text + "\n").encode()).signatures[0]
