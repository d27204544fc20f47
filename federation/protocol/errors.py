"""One small exception hierarchy for everything the protocol core rejects.

Every malformed or unverifiable input becomes a :class:`ProtocolError` (or a subclass) with a
short machine-readable ``code`` and a human reason. Callers never see a ``KeyError`` or a
``binascii.Error`` from parsing foreign bytes.
"""

from __future__ import annotations


class ProtocolError(ValueError):
    """Input that does not follow the protocol (a peer or a user sent bad data)."""

    code = "protocol_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class MalformedError(ProtocolError):
    """Bytes that cannot be parsed as the expected structure."""

    code = "malformed"


class VerificationError(ProtocolError):
    """Well-formed input that fails a cryptographic or consistency check."""

    code = "verification_failed"


class SignatureError(VerificationError):
    """A note or checkpoint is not validly signed by a key we know."""

    code = "bad_signature"


class ProofError(VerificationError):
    """A Merkle inclusion or consistency proof does not verify."""

    code = "bad_proof"


class RecordError(ProtocolError):
    """A record body or record input violates its schema. ``field`` names the culprit."""

    code = "invalid_record"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
