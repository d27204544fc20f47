"""C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys.

A note is UTF-8 text ending in a newline, a blank line, then one signature line per signer::

    <text ending in \\n>\\n— <key name> <base64(key ID (4 bytes) || signature)>\\n

Keys travel as *verifier keys* ``name+hex(keyID)+base64(0x01 || pub32)`` where
``keyID = SHA-256(name || 0x0A || 0x01 || pub32)[:4]``. Private keys are stored in the same
style as Go's ``golang.org/x/mod/sumdb/note``: ``PRIVATE+KEY+name+hex(keyID)+base64(0x01||seed)``.

Verification follows the spec: signatures from unknown keys are ignored, a signature from a
known key that does not verify rejects the note, and a note no known key verifies is rejected.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from federation.protocol.errors import MalformedError, SignatureError

ALG_ED25519 = 0x01
SIG_PREFIX = "— "  # U+2014 EM DASH, space
MAX_SIGNATURES = 100


def _b64decode(s: str, what: str) -> bytes:
    try:
        raw = base64.b64decode(s.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError) as e:
        raise MalformedError(f"{what} is not valid base64") from e
    # Reject non-canonical encodings (non-zero padding bits): otherwise the same signature or
    # hash has several spellings and a modified note still verifies.
    if base64.b64encode(raw).decode("ascii") != s:
        raise MalformedError(f"{what} is not canonical base64")
    return raw


def is_valid_key_name(name: str) -> bool:
    """Key names are non-empty and contain no whitespace and no '+'."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, alg_and_key: bytes) -> bytes:
    """The 4-byte key ID: ``SHA-256(name || 0x0A || alg || key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + alg_and_key).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """An Ed25519 verifier key for one signer name."""

    name: str
    public_key: bytes  # 32 raw bytes

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, bytes([ALG_ED25519]) + self.public_key)

    @property
    def vkey(self) -> str:
        blob = base64.b64encode(bytes([ALG_ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{blob}"

    def verify(self, message: bytes, signature: bytes) -> bool:
        try:
            Ed25519PublicKey.from_public_bytes(self.public_key).verify(signature, message)
        except InvalidSignature:
            return False
        return True

    def __str__(self) -> str:
        return self.vkey


class Signer:
    """An Ed25519 signing key for one signer name."""

    __slots__ = ("_key", "name", "verifier")

    def __init__(self, name: str, seed: bytes) -> None:
        if not is_valid_key_name(name):
            raise MalformedError(f"invalid key name {name!r}")
        if len(seed) != 32:
            raise MalformedError("an Ed25519 seed is 32 bytes")
        self.name = name
        self._key = Ed25519PrivateKey.from_private_bytes(seed)
        pub = self._key.public_key().public_bytes_raw()
        self.verifier = Verifier(name, pub)

    @classmethod
    def generate(cls, name: str) -> Signer:
        key = Ed25519PrivateKey.generate()
        return cls(name, key.private_bytes_raw())

    @property
    def key_id(self) -> bytes:
        return self.verifier.key_id

    @property
    def vkey(self) -> str:
        return self.verifier.vkey

    @property
    def skey(self) -> str:
        """The private key as a ``PRIVATE+KEY+...`` string (keep it in a 0600 file)."""
        blob = base64.b64encode(bytes([ALG_ED25519]) + self._key.private_bytes_raw()).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{blob}"

    def sign(self, message: bytes) -> bytes:
        return self._key.sign(message)


def parse_vkey(vkey: str) -> Verifier:
    """Parse ``name+hex8+base64(0x01||pub)``; the key ID must match the key."""
    vkey = vkey.strip()
    parts = vkey.split("+", 2)  # the base64 key itself may contain "+"
    if len(parts) != 3:
        raise MalformedError("a verifier key has the form name+keyid+base64key")
    name, hex_id, blob = parts
    if not is_valid_key_name(name):
        raise MalformedError(f"invalid key name {name!r}")
    if len(hex_id) != 8 or any(c not in "0123456789abcdef" for c in hex_id):
        raise MalformedError("the key ID must be 8 lowercase hex digits")
    raw = _b64decode(blob, "the verifier key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedError("only Ed25519 verifier keys (type 0x01, 32 bytes) are supported")
    v = Verifier(name, raw[1:])
    if v.key_id.hex() != hex_id:
        raise MalformedError(f"key ID {hex_id} does not match the key (expected {v.key_id.hex()})")
    return v


def parse_skey(skey: str) -> Signer:
    """Parse ``PRIVATE+KEY+name+hex8+base64(0x01||seed)``."""
    parts = skey.strip().split("+", 4)  # the base64 key itself may contain "+"
    if len(parts) != 5 or parts[0] != "PRIVATE" or parts[1] != "KEY":
        raise MalformedError("a signing key has the form PRIVATE+KEY+name+keyid+base64key")
    name, hex_id, blob = parts[2], parts[3], parts[4]
    raw = _b64decode(blob, "the signing key")
    if len(raw) != 33 or raw[0] != ALG_ED25519:
        raise MalformedError("only Ed25519 signing keys (type 0x01, 32 bytes) are supported")
    signer = Signer(name, raw[1:])
    if signer.key_id.hex() != hex_id:
        raise MalformedError("the signing key's key ID does not match the key")
    return signer


@dataclass(frozen=True)
class Signature:
    """One signature line: signer name, 4-byte key ID and the raw signature bytes."""

    name: str
    key_id: bytes
    signature: bytes

    def line(self) -> str:
        blob = base64.b64encode(self.key_id + self.signature).decode()
        return f"{SIG_PREFIX}{self.name} {blob}\n"


@dataclass(frozen=True)
class Note:
    """A parsed (not yet verified) note: text and its signatures."""

    text: str
    signatures: tuple[Signature, ...]

    def format(self) -> bytes:
        return (self.text + "\n" + "".join(s.line() for s in self.signatures)).encode()


@dataclass(frozen=True)
class VerifiedNote:
    """A note with at least one signature verified by a known key."""

    text: str
    verified: tuple[Signature, ...]
    unverified: tuple[Signature, ...]

    def signed_by(self, name: str) -> bool:
        return any(s.name == name for s in self.verified)


def _check_text(text: str) -> None:
    if not text.endswith("\n"):
        raise MalformedError("note text must end in a newline")
    if any((ord(c) < 0x20 and c != "\n") or ord(c) == 0x7F for c in text):
        raise MalformedError("note text contains control characters")


def sign_note(text: str, *signers: Signer) -> bytes:
    """Sign ``text`` (which must end in a newline) with each signer; returns the note bytes."""
    _check_text(text)
    if not signers:
        raise ValueError("at least one signer is needed")
    msg = text.encode()
    sigs = tuple(Signature(s.name, s.key_id, s.sign(msg)) for s in signers)
    return Note(text, sigs).format()


def add_signatures(note: bytes, *signatures: Signature) -> bytes:
    """Append signature lines (e.g. cosignatures) to an existing note."""
    parsed = parse_note(note)
    seen = {(s.name, s.key_id) for s in parsed.signatures}
    extra = tuple(s for s in signatures if (s.name, s.key_id) not in seen)
    return Note(parsed.text, parsed.signatures + extra).format()


def parse_note(data: bytes) -> Note:
    """Split note bytes into text and signature lines. Checks syntax only."""
    try:
        msg = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise MalformedError("note is not valid UTF-8") from e
    split = msg.rfind("\n\n")
    if split < 0:
        raise MalformedError("note has no signature block")
    text, block = msg[: split + 1], msg[split + 2 :]
    _check_text(text)
    if not block or not block.endswith("\n"):
        raise MalformedError("note signature block is empty or does not end in a newline")
    sigs: list[Signature] = []
    for line in block[:-1].split("\n"):
        if not line.startswith(SIG_PREFIX):
            raise MalformedError("signature line does not start with '— '")
        rest = line[len(SIG_PREFIX) :]
        name, sep, blob = rest.partition(" ")
        if not sep or not is_valid_key_name(name) or " " in blob:
            raise MalformedError("malformed signature line")
        raw = _b64decode(blob, "signature")
        if len(raw) < 5:
            raise MalformedError("signature is too short")
        sigs.append(Signature(name, raw[:4], raw[4:]))
        if len(sigs) > MAX_SIGNATURES:
            raise MalformedError(f"note has more than {MAX_SIGNATURES} signatures")
    return Note(text, tuple(sigs))


def open_note(data: bytes, verifiers: Iterable[Verifier]) -> VerifiedNote:
    """Parse and verify a note against known verifier keys.

    Raises :class:`MalformedError` for bad syntax and :class:`SignatureError` when a known key's
    signature is invalid or when no known key signed the note.
    """
    note = parse_note(data)
    known: dict[tuple[str, bytes], Verifier] = {(v.name, v.key_id): v for v in verifiers}
    msg = note.text.encode()
    verified: list[Signature] = []
    unverified: list[Signature] = []
    seen: set[tuple[str, bytes]] = set()
    for sig in note.signatures:
        k = (sig.name, sig.key_id)
        v = known.get(k)
        if v is None:
            unverified.append(sig)
            continue
        if k in seen:
            continue
        if not v.verify(msg, sig.signature):
            raise SignatureError(f"invalid signature by {sig.name}+{sig.key_id.hex()}")
        seen.add(k)
        verified.append(sig)
    if not verified:
        raise SignatureError("note is not signed by any known key")
    return VerifiedNote(note.text, tuple(verified), tuple(unverified))
