"""What a node holds, for admins: ``federation status --json`` and ``GET /admin/status``.

The digest is SHA-256 over the sorted lines ``"<origin> <size> <root hex>\\n"`` of every log
this node owns or merges, shortened to 16 hex digits. Two nodes holding the same origins at
the same sizes show the same digest, which is how convergence is checked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from federation.node.admin_ops import peer_json
from federation.node.evidence import evidence_json
from federation.store import EvidenceRow, PeerRow, Store
from federation.store.peers import OriginRow

KINDS = ("case", "event", "contact")
DIGEST_HEX = 16


def logs_digest(logs: Iterable[tuple[str, int, bytes]]) -> str:
    """Short SHA-256 over sorted ``"origin size roothex"`` lines: equal on converged nodes."""
    lines = sorted(f"{origin} {size} {root.hex()}\n" for origin, size, root in logs)
    return hashlib.sha256("".join(lines).encode()).hexdigest()[:DIGEST_HEX]


@dataclass(frozen=True)
class Status:
    origin: str
    logs: list[OriginRow]
    counts: dict[str, dict[str, int]]
    peers: list[PeerRow]
    evidence: list[EvidenceRow]
    pending: int

    @property
    def digest(self) -> str:
        return logs_digest((o.origin, o.size, o.root) for o in self.logs)

    def records(self, origin: str) -> dict[str, int]:
        return {k: self.counts.get(origin, {}).get(k, 0) for k in KINDS}


async def collect_status(store: Store, origin: str) -> Status:
    """The logs ``origin``'s node owns or merges (self and trusted), peers, evidence, pending."""
    return Status(
        origin=origin,
        logs=await store.origin_overview(("self", "trusted")),
        counts=await store.counts(),
        peers=await store.peers(),
        evidence=await store.evidence(),
        pending=len({p.origin for p in await store.pending()}),
    )


def status_json(st: Status, now: float) -> dict[str, Any]:
    """One object with keys origin, logs, digest, peers, evidence, pending."""
    return {
        "origin": st.origin,
        "logs": {
            o.origin: {
                "size": o.size,
                "root": o.root.hex(),
                "state": o.state,
                "state_reason": o.state_reason,
                "role": o.role,
                "updated_at": o.updated_at,
                "records": st.records(o.origin),
            }
            for o in st.logs
        },
        "digest": st.digest,
        "peers": [peer_json(p, now) for p in st.peers],
        # the items of an evidence file (``federation audit export-evidence``, protocol §12.3)
        "evidence": [evidence_json(e) for e in st.evidence],
        "pending": st.pending,
    }
