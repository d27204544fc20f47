"""All SQL lives here (DESIGN §7)."""

from federation.store.peers import DeliveryRow, EvidenceRow, PeerRow, PendingRow
from federation.store.store import (
    EntryRow,
    ForkRisk,
    LogHead,
    RecordRow,
    Store,
    StoreConflict,
    StoreError,
    UnknownOrigin,
    UpdateStream,
    WriteProbe,
)

__all__ = [
    "DeliveryRow",
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
    "UpdateStream",
    "WriteProbe",
]
