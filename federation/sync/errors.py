"""Why a pull failed, split by cause (STYLE habit 3).

* :class:`PeerUnavailable` — the peer could not be reached or answered 5xx/429: back off and
  try later; nothing is wrong with the data.
* :class:`PeerProtocolError` — the peer answered with bad data (forged signature, tampered
  leaf or body, truncated or oversized response): reject, record why, back off; the *origin* is
  not blamed, since a relay may have tampered.
"""

from __future__ import annotations


class SyncError(Exception):
    """Base of all pull failures."""

    reason = "sync_error"


class PeerUnavailable(SyncError, ConnectionError):
    """Transport failure: connection refused, timeout, TLS error, 5xx, rate limited."""

    reason = "unavailable"


class PeerTooSlow(PeerUnavailable):
    """A large update took longer than ``sync.max_stream_seconds`` to stream into the store
    (ADR 0010): rolled back, so that the peer does not hold the node's write lock for long."""

    reason = "too_slow"


class PeerProtocolError(SyncError, ValueError):
    """The peer sent data that violates the protocol or fails verification."""

    reason = "bad_data"

    def __init__(self, message: str, *, reason: str = "bad_data") -> None:
        super().__init__(message)
        self.reason = reason
