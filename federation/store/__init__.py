"""All SQL lives here (DESIGN §7)."""

from federation.store.peers import EvidenceRow, PeerRow, PendingRow
from federation.store.store import (
    EntryRow,
    ForkRisk,
    LogHead,
    RecordRow,
    Store,
    StoreConflict,
    StoreError,
    UnknownOrigin,
)

__all__ = [
    "EntryRow",
    "EvidenceRow",
    "ForkRisk",
    "LogHead",
    "PeerRow",
    "PendingRow",
    "RecordRow",
    "Store",
    "StoreConflict",
    "StoreError",
    "UnknownOrigin",
]
