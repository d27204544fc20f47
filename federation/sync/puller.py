"""One pull round from one peer (DESIGN §5), step by step.

1. ``GET /v1/logs`` (conditional on the last ETag). For each origin listed:
   untrusted → noted as *pending* for admins, never merged; frozen → skipped.
2. Verify the peer's checkpoint under the origin's pinned keys.
3. If it is ahead of us: check a consistency proof from our size, then fetch entries from our
   size in batches into an :class:`UpdateVerifier` that extends our stored compact range.
4. Accept only if the recomputed root equals the signed root; then merge in one transaction.
5. Conflicting signed checkpoints of one origin are stored as evidence and freeze the origin.
   Anything else wrong is the *peer's* fault: the round fails, the peer is backed off.
6. Transport failures back the peer off exponentially (state in the database).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import aiohttp

from federation.config import Settings
from federation.protocol.checkpoint import SignedCheckpoint, open_checkpoint
from federation.protocol.cosignature import cosign, verified_cosignatures, witness_key_of
from federation.protocol.entry import now_ts
from federation.protocol.errors import ProofError, ProtocolError
from federation.protocol.forkpath import fork_path_from_leaves, fork_path_from_proof
from federation.protocol.merkle import CompactRange, leaf_hash, verify_consistency
from federation.protocol.note import Note, Signer, parse_note, parse_vkey
from federation.protocol.update import UpdateVerifier
from federation.store import LogHead, Store, StoreConflict, UpdateStream
from federation.sync.backoff import backoff_delay
from federation.sync.client import LogInfo, PeerClient
from federation.sync.errors import PeerProtocolError, PeerTooSlow, SyncError

log = logging.getLogger("federation.sync")


@dataclass
class OriginResult:
    origin: str
    outcome: str  # updated | unchanged | behind | pending | frozen | conflict | equivocation
    old_size: int = 0
    new_size: int = 0
    detail: str = ""

    @property
    def entries(self) -> int:
        return max(0, self.new_size - self.old_size) if self.outcome == "updated" else 0


@dataclass
class PullResult:
    url: str
    ok: bool
    seconds: float = 0.0
    nbytes: int = 0
    not_modified: bool = False
    error: str | None = None
    reason: str | None = None
    skipped: bool = False
    origins: list[OriginResult] = field(default_factory=list)

    @property
    def entries(self) -> int:
        return sum(o.entries for o in self.origins)

    def changed(self) -> bool:
        return any(o.outcome in ("updated", "equivocation") for o in self.origins)


def _pull_fields(result: PullResult, outcome: str) -> dict[str, Any]:
    """The structured fields of the one log event per pull (``extra=``, see node/logs.py).

    Counts, sizes, origin names and the peer URL only: never record bodies, titles or any
    other content of a record (they may be personal data, DESIGN §12).
    """
    return {
        "event": "pull",
        "peer": result.url,
        "outcome": outcome,
        "origins": len(result.origins),
        "updated": sorted(o.origin for o in result.origins if o.outcome == "updated"),
        "entries": result.entries,
        "bytes": result.nbytes,
        "duration": round(result.seconds, 3),
        "not_modified": result.not_modified,
    }


def _origin_signed(cp: SignedCheckpoint) -> SignedCheckpoint:
    """``cp`` with only the origin's signature lines: peers serve checkpoints with witness
    cosignatures appended (protocol §6.4); nodes store and relay what the origin signed."""
    note = parse_note(cp.note)
    own = tuple(s for s in note.signatures if s.name == cp.origin)
    if len(own) == len(note.signatures):
        return cp
    return replace(cp, note=Note(note.text, own).format())


class Puller:
    """Pulls peers into a store. One run at a time per peer (an asyncio lock per URL)."""

    def __init__(
        self,
        store: Store,
        session: aiohttp.ClientSession,
        settings: Settings,
        *,
        clock: Callable[[], float] = time.time,
        rand: Callable[[], float] = random.random,
        signer: Signer | None = None,
        observer: Callable[[PullResult], None] | None = None,
    ) -> None:
        self.store = store
        self.session = session
        self.settings = settings
        self.signer = signer  # signs every request (protocol §7.8); None: anonymous pulls
        self.observer = observer  # sees every PullResult (the node's metrics); must not raise
        self.clock = clock
        self.rand = rand
        self._locks: dict[str, asyncio.Lock] = {}

    async def pull_if_due(self, url: str) -> PullResult | None:
        """Pull unless the peer is backing off. For the scheduler."""
        peer = await self.store.peer(url)
        if peer is None or peer.next_attempt > self.clock():
            return None
        return await self.pull(url)

    async def pull(self, url: str) -> PullResult:
        """One full round from ``url`` now (ignores backoff, like ``sync now``)."""
        lock = self._locks.setdefault(url, asyncio.Lock())
        if lock.locked():
            result = PullResult(url, ok=True, skipped=True, error="a pull is already running")
        else:
            async with lock:
                result = await self._pull(url)
        if self.observer is not None:
            try:
                self.observer(result)
            except Exception:
                log.exception("pull observer failed", extra={"peer": url})
        return result

    async def _pull(self, url: str) -> PullResult:
        peer = await self.store.peer(url)
        if peer is None:
            return PullResult(url, ok=False, error="not a configured peer", reason="unknown_peer")
        started_wall, started = now_ts(), time.monotonic()
        client = PeerClient(self.session, url, self.settings.limits, signer=self.signer)
        result = PullResult(url, ok=True)
        try:
            logs = await client.logs(peer.etag)
            result.not_modified = logs.not_modified
            for info in logs.logs:
                offered = peer.vkey if info.origin == peer.origin else None
                result.origins.append(await self._pull_origin(client, url, info, offered))
        except SyncError as e:
            result.ok = False
            result.error = str(e)
            result.reason = e.reason
        result.seconds = time.monotonic() - started
        result.nbytes = client.bytes_read
        if result.ok:
            # keep the ETag only if every listed origin is settled; else ask again next time
            etag = logs.etag if all(o.outcome != "conflict" for o in result.origins) else None
            await self.store.record_pull(
                url,
                ok=True,
                started_at=started_wall,
                seconds=result.seconds,
                entries=result.entries,
                nbytes=result.nbytes,
                etag=etag,
            )
            log.info("pull ok", extra=_pull_fields(result, "ok"))
        else:
            failures = peer.failures + 1
            delay = backoff_delay(
                failures,
                base=self.settings.sync.backoff_base,
                cap=self.settings.sync.backoff_cap,
                rand=self.rand(),
            )
            await self.store.record_pull(
                url,
                ok=False,
                started_at=started_wall,
                seconds=result.seconds,
                entries=result.entries,
                nbytes=result.nbytes,
                error=f"{result.reason}: {result.error}",
                failures=failures,
                next_attempt=self.clock() + delay,
            )
            fields = _pull_fields(result, "failed")
            fields.update(
                reason=result.reason, error=result.error, failures=failures, retry_in=round(delay)
            )
            log.warning("pull failed", extra=fields)
        return result

    async def _pull_origin(
        self, client: PeerClient, url: str, info: LogInfo, offered_vkey: str | None = None
    ) -> OriginResult:
        store = self.store
        origin = info.origin
        head = await store.head(origin)
        if head is not None and head.role == "self":
            detail = await self._collect_cosignatures(url, head, info)
            return OriginResult(origin, "unchanged", head.size, head.size, detail)
        if head is None or head.role != "trusted":
            await store.note_pending(origin, url, info.size, offered_vkey)
            return OriginResult(origin, "pending", 0, 0, "origin not trusted here")
        if head.state == "frozen":
            return OriginResult(origin, "frozen", head.size, head.size, head.state_reason or "")
        verifiers = await store.verifiers(origin)
        try:
            cp = open_checkpoint(info.checkpoint, origin, verifiers)
        except ProtocolError as e:
            raise PeerProtocolError(f"{origin}: checkpoint: {e}", reason=e.code) from e
        if cp.size != info.size:
            raise PeerProtocolError(f"{origin}: listed size {info.size} != checkpoint {cp.size}")
        cp = _origin_signed(cp)  # compare and keep what the origin signed, not the cosignatures
        await store.note_peer_origin(url, origin, cp.size)

        if cp.size <= head.size:
            ours = await store.root_at(origin, cp.size) if cp.size else cp.root
            if ours != cp.root:
                # the fork path of our (larger) tree makes the evidence checkable offline
                proof = (
                    fork_path_from_proof(
                        cp.size, await store.consistency_proof(origin, cp.size, head.size), ours
                    )
                    if cp.size < head.size
                    else []
                )
                return await self._equivocation(head, cp, url, "same size, different root", proof)
            if cp.size == head.size:
                await self._cosign(cp)
                return OriginResult(origin, "unchanged", head.size, head.size)
            return OriginResult(origin, "behind", head.size, head.size)

        if head.size > 0:
            proof = await client.consistency(origin, head.size, cp.size)
            try:
                verify_consistency(head.size, cp.size, proof, head.root, cp.root)
            except ProofError as e:
                return await self._diagnose(client, head, cp, url, f"consistency proof: {e}")

        verifier = UpdateVerifier(origin, head.size, head.frontier, cp)
        try:
            await self._fetch_and_merge(client, verifier, url)
        except ProtocolError as e:
            raise PeerProtocolError(f"{origin}: {e}", reason=e.code) from e
        except StoreConflict as e:
            return OriginResult(origin, "conflict", head.size, head.size, str(e))
        await self._cosign(cp)
        return OriginResult(origin, "updated", head.size, cp.size)

    async def _cosign(self, cp: SignedCheckpoint) -> None:
        """Witness (protocol §6.4): cosign a checkpoint just verified as consistent with all
        this node held of its origin (merged, or equal to our head). Once per checkpoint."""
        signer = self.signer
        if signer is None or await self.store.has_cosignature(
            cp.origin, cp.size, cp.root, signer.name
        ):
            return
        sig = cosign(cp.checkpoint.text(), signer, int(self.clock()))
        await self.store.add_cosignatures(cp.origin, cp.size, cp.root, [(sig.name, sig.line())])

    async def _collect_cosignatures(self, url: str, head: LogHead, info: LogInfo) -> str:
        """Keep the peers' cosignatures on a checkpoint of our own log that a peer lists.

        The note must verify under our own key (so we did publish it) and each kept line
        under the witness key of a trusted origin. They are kept even when that checkpoint is
        ahead of our store: then we were restored from an old backup and must not sign on
        (``Store.check_not_behind``). Never fails the round: our own log is not the peer's.
        """
        origin = head.origin
        try:
            cp = open_checkpoint(info.checkpoint, origin, await self.store.verifiers(origin))
            witnesses = [witness_key_of(parse_vkey(v)) for v in await self.store.witness_vkeys()]
            good = verified_cosignatures(info.checkpoint, witnesses)
        except ProtocolError as e:
            log.warning(
                "bad checkpoint of our own log",
                extra={"event": "own_checkpoint", "peer": url, "error": str(e)},
            )
            return f"our own log (the peer's checkpoint of it is bad: {e})"
        await self.store.add_cosignatures(
            origin, cp.size, cp.root, [(w.name, sig.line()) for w, sig in good]
        )
        if cp.size > head.size or (
            cp.size and await self.store.root_at(origin, cp.size) != cp.root
        ):
            log.error(
                "own log behind a published checkpoint",
                extra={"event": "fork_risk", "peer": url, "origin": origin, "size": cp.size},
            )
            return f"our own log: the peer holds our checkpoint {cp.size}, ahead of or beside ours"
        return "our own log"

    async def _fetch_and_merge(
        self, client: PeerClient, verifier: UpdateVerifier, url: str
    ) -> None:
        """Fetch the entries the verifier still needs, in batches, verify them and merge them.

        Pipelined: the next batch is requested before the current one is verified, and
        verification (NDJSON parsing, hashing, schema validation: CPU work) runs in a worker
        thread so the event loop keeps receiving while a large log is pulled.

        A small update is merged in one transaction once its root checks out. A large one is
        streamed (ADR 0010): once ``sync.stream_after_bytes`` of verified entries are held,
        the merge transaction opens and takes each further chunk as it is verified (written
        while the next one is verified); it commits only after the root checks out, and any
        failure rolls it all back. So memory stays bounded by the chunk size, not the log.
        """
        origin, end = verifier.origin, verifier.checkpoint.size
        batch = self.settings.limits.max_batch
        budget = self.settings.sync.stream_after_bytes
        max_open = self.settings.sync.max_stream_seconds

        def fetch(start: int) -> tuple[asyncio.Task[bytes], int]:
            want = min(batch, end - start)
            return asyncio.create_task(client.entries_page(origin, start, want)), want

        async def drop(task: asyncio.Task[bytes]) -> None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, SyncError):
                await task  # its own failure, if any, is not the one to report

        stats = verifier.stats  # the bench reads them; "waiting for entries" is ours
        start = verifier.size
        pending = fetch(start) if start < end else None
        stream: UpdateStream | None = None
        writing: asyncio.Task[None] | None = None
        opened = held = 0.0
        async with contextlib.AsyncExitStack() as transaction:
            try:
                while pending is not None:
                    task, want = pending
                    t0 = time.perf_counter()
                    page = await task
                    stats["waiting for entries"] = stats.get("waiting for entries", 0.0) + (
                        time.perf_counter() - t0
                    )
                    # the next request goes out before this page is verified (expecting it full)
                    pending = fetch(start + want) if start + want < end else None
                    got = await asyncio.to_thread(verifier.add_page, page, want)
                    held += len(page)
                    del page
                    if got == 0:
                        raise PeerProtocolError(
                            f"{origin}: no entries from {start} (truncated log?)",
                            reason="truncated",
                        )
                    start += got
                    if got < want:  # the peer serves smaller pages than asked: ask for those
                        batch = got
                        if pending is not None:
                            await drop(pending[0])
                        pending = fetch(start) if start < end else None
                    if stream is not None and time.monotonic() - opened > max_open:
                        raise PeerTooSlow(
                            f"{origin}: the update did not arrive within "
                            f"sync.max_stream_seconds ({max_open:g} s); rolled back"
                        )
                    if held >= budget and start < end:
                        if stream is None:
                            stream = await transaction.enter_async_context(
                                self.store.stream_update(origin, verifier.old_size, url)
                            )
                            opened = time.monotonic()
                        if writing is not None:
                            await writing  # at most one chunk written behind the verifier
                        writing = asyncio.create_task(stream.write(*verifier.take()))
                        held = 0
                update = verifier.finish()
                if writing is not None:
                    await writing
                if stream is None:
                    await self.store.apply_update(update, url)
                else:
                    await stream.commit(update)
            finally:
                if pending is not None:
                    await drop(pending[0])
                if writing is not None and not writing.done():
                    # a failure: let the chunk's statements end before the transaction rolls
                    # back; its own error, if any, comes second to the one being raised
                    await asyncio.wait([writing])
                    if not writing.cancelled() and (e := writing.exception()) is not None:
                        log.warning("streamed write of %s failed too: %s", origin, e)

    async def _equivocation(
        self,
        head: LogHead,
        cp: SignedCheckpoint,
        url: str,
        detail: str,
        proof: list[bytes] | None = None,
    ) -> OriginResult:
        """Two validly signed, conflicting checkpoints: keep both notes, freeze the origin.

        ``proof`` is the fork path of the larger tree (``federation.protocol.audit``), so that
        the exported evidence is checkable offline.
        """
        ours = head.checkpoint or b""
        await self.store.add_evidence(head.origin, ours, "local", cp.note, url, detail, proof)
        log.error(
            "equivocation",
            extra={"event": "equivocation", "origin": head.origin, "peer": url, "detail": detail},
        )
        return OriginResult(head.origin, "equivocation", head.size, head.size, detail)

    async def _diagnose(
        self, client: PeerClient, head: LogHead, cp: SignedCheckpoint, url: str, why: str
    ) -> OriginResult:
        """A consistency proof failed: is the peer lying, or did the origin fork its log?

        Re-verify the peer's log from leaf 0 against its signed checkpoint. If it reproduces
        the signed root but not our root at our size, the origin signed two incompatible
        trees (evidence); otherwise the peer served bad data.
        """
        rebuilt = CompactRange()
        hashes: list[bytes] = []  # kept for the fork path of the evidence
        batch = self.settings.limits.max_batch
        prefix_root: bytes | None = None
        try:
            while rebuilt.size < cp.size:
                got = await client.entries(
                    cp.origin, rebuilt.size, min(batch, cp.size - rebuilt.size)
                )
                if not got:
                    break
                for entry in got[: cp.size - rebuilt.size]:
                    hashes.append(leaf_hash(entry.leaf))
                    rebuilt.append(hashes[-1])
                    if rebuilt.size == head.size:
                        prefix_root = rebuilt.root()
        except PeerProtocolError as e:
            raise PeerProtocolError(
                f"{cp.origin}: {why}; re-reading the log from 0 failed: {e}", reason="bad_proof"
            ) from e
        if rebuilt.size == cp.size and rebuilt.root() == cp.root and prefix_root != head.root:
            proof = fork_path_from_leaves(hashes, head.size, cp.size)
            return await self._equivocation(
                head, cp, url, f"fork at size {head.size} ({why})", proof
            )
        raise PeerProtocolError(f"{cp.origin}: {why}", reason="bad_proof")
