"""C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint) bodies inside signed notes.

Body::

    <origin>\\n<decimal size>\\n<base64 root hash>\\n[<extension line>\\n...]

signed by the origin's key (signer name == origin).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass

from federation.protocol.errors import MalformedError, SignatureError
from federation.protocol.merkle import HASH_SIZE
from federation.protocol.note import (
    Signer,
    VerifiedNote,
    Verifier,
    _b64decode,
    open_note,
    sign_note,
)

ORIGIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{1,61})[a-z0-9]$")
_SIZE_RE = re.compile(r"^(0|[1-9][0-9]{0,18})$")
MAX_SIZE = 2**63 - 1  # sizes are SQLite INTEGERs


def is_valid_origin(origin: str) -> bool:
    """Origin names: lowercase ``[a-z0-9.-]``, 3–63 characters, alphanumeric at both ends."""
    return bool(ORIGIN_RE.fullmatch(origin))


def check_origin(origin: str) -> str:
    if not is_valid_origin(origin):
        raise MalformedError(
            f"invalid origin {origin!r}: use 3-63 characters of a-z, 0-9, '.', '-', "
            "starting and ending with a letter or digit"
        )
    return origin


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode()]
        lines.extend(self.extensions)
        return "\n".join(lines) + "\n"

    def sign(self, *signers: Signer) -> bytes:
        return sign_note(self.text(), *signers)


def parse_checkpoint_text(text: str) -> Checkpoint:
    if not text.endswith("\n"):
        raise MalformedError("checkpoint must end in a newline")
    lines = text[:-1].split("\n")
    if len(lines) < 3:
        raise MalformedError("checkpoint needs origin, size and root lines")
    origin, size_s, root_s, *ext = lines
    if not origin:
        raise MalformedError("checkpoint origin is empty")
    if not _SIZE_RE.fullmatch(size_s) or int(size_s) > MAX_SIZE:
        raise MalformedError("checkpoint size is not a canonical decimal number below 2**63")
    root = _b64decode(root_s, "checkpoint root")
    if len(root) != HASH_SIZE:
        raise MalformedError("checkpoint root is not a SHA-256 hash")
    if any(not e for e in ext):
        raise MalformedError("checkpoint extension lines must not be empty")
    return Checkpoint(origin, int(size_s), root, tuple(ext))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint whose note verified under at least one of the origin's keys."""

    checkpoint: Checkpoint
    note: bytes
    verified: VerifiedNote

    @property
    def origin(self) -> str:
        return self.checkpoint.origin

    @property
    def size(self) -> int:
        return self.checkpoint.size

    @property
    def root(self) -> bytes:
        return self.checkpoint.root


def open_checkpoint(note: bytes, origin: str, verifiers: Iterable[Verifier]) -> SignedCheckpoint:
    """Verify a checkpoint note for ``origin`` under the origin's pinned keys.

    Only keys named ``origin`` count; other signatures (e.g. witness cosignatures) are ignored.
    """
    keys = [v for v in verifiers if v.name == origin]
    if not keys:
        raise SignatureError(f"no trusted key for origin {origin}")
    verified = open_note(note, keys)
    cp = parse_checkpoint_text(verified.text)
    if cp.origin != origin:
        raise SignatureError(f"checkpoint is for origin {cp.origin!r}, expected {origin!r}")
    return SignedCheckpoint(cp, note, verified)
