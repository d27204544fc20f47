"""Admin operations on trusted origins and peers (DESIGN §6): one implementation, two front ends.

``federation trust …`` / ``federation peers …`` (``cli/admin.py``) and the admin HTTP API
(``node/admin.py``) both call these functions, so a change made either way has the same
result. Each takes the node's :class:`Store` (and what else it needs), checks its input,
changes the store and returns what happened; a refusal is an :class:`AdminError` that
carries both the HTTP status and code and whether it is bad usage (CLI exit 2) or a failed
check (CLI exit 1). The JSON shapes shared by ``--json`` output and the API live here too.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from federation.config import Settings
from federation.protocol.checkpoint import check_origin
from federation.protocol.errors import ProtocolError
from federation.protocol.note import Verifier, parse_vkey
from federation.store import PeerRow, PendingRow, Store
from federation.store.peers import OriginRow
from federation.sync.client import PeerClient
from federation.sync.errors import SyncError
from federation.sync.puller import OriginResult, PullResult

PROBE_TIMEOUT = 5.0
"""Seconds adding a peer waits for its /.well-known/federation."""


class AdminError(Exception):
    """An admin operation refused. ``usage``: bad input (CLI exit 2), else a failed check (1)."""

    def __init__(
        self, message: str, *, status: int = 400, code: str = "bad_request", usage: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.usage = usage


@dataclass(frozen=True)
class Done:
    """What an operation did: a one-line ``message`` for people, ``data`` for the API."""

    message: str
    data: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {**self.data, "message": self.message}


# -- JSON views (``--json`` output and API responses) -------------------------------------------


def peer_json(p: PeerRow, now: float) -> dict[str, Any]:
    return {
        "url": p.url,
        "origin": p.origin,
        "added_at": p.added_at,
        "last_attempt": p.last_attempt,
        "last_success": p.last_success,
        "last_error": p.last_error,
        "failures": p.failures,
        "next_attempt": p.next_attempt,
        "due_in": max(0.0, p.next_attempt - now),
        "bytes_pulled": p.bytes_pulled,
        "entries_pulled": p.entries_pulled,
    }


def origin_json(o: OriginRow) -> dict[str, Any]:
    return {
        "origin": o.origin,
        "role": o.role,
        "state": o.state,
        "state_reason": o.state_reason,
        "size": o.size,
        "root": o.root.hex(),
        "added_at": o.added_at,
        "updated_at": o.updated_at,
        "keys": [{"key_id": k.key_id, "state": k.state, "vkey": k.vkey} for k in o.keys],
    }


def group_pending(rows: Iterable[PendingRow]) -> list[dict[str, Any]]:
    """Pending origins, one object each, with every peer they were seen at."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        o = out.setdefault(
            r.origin,
            {
                "origin": r.origin,
                "size": 0,
                "vkey": None,
                "first_seen": r.first_seen,
                "last_seen": r.last_seen,
                "seen_at": [],
            },
        )
        o["size"] = max(o["size"], r.size)
        o["vkey"] = o["vkey"] or r.vkey
        o["first_seen"] = min(o["first_seen"], r.first_seen)
        o["last_seen"] = max(o["last_seen"], r.last_seen)
        o["seen_at"].append(
            {"url": r.url, "size": r.size, "first_seen": r.first_seen, "last_seen": r.last_seen}
        )
    return list(out.values())


def origin_result_json(o: OriginResult) -> dict[str, Any]:
    return {
        "origin": o.origin,
        "outcome": o.outcome,
        "old_size": o.old_size,
        "new_size": o.new_size,
        "entries": o.entries,
        "detail": o.detail,
    }


def pull_result_json(r: PullResult) -> dict[str, Any]:
    return {
        "url": r.url,
        "ok": r.ok,
        "reason": r.reason,
        "error": r.error,
        "not_modified": r.not_modified,
        "seconds": round(r.seconds, 3),
        "bytes": r.nbytes,
        "entries": r.entries,
        "origins": [origin_result_json(o) for o in r.origins],
    }


def sync_report(results: Sequence[PullResult]) -> dict[str, Any]:
    """The summary of one pull round (``federation sync --json``, ``POST /admin/sync``)."""
    failed = sum(1 for r in results if not r.ok)
    return {
        "peers": [pull_result_json(r) for r in results],
        "ok": len(results) - failed,
        "failed": failed,
        "entries": sum(r.entries for r in results),
        "equivocations": [
            o.origin for r in results for o in r.origins if o.outcome == "equivocation"
        ],
    }


# -- peer URLs -----------------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    """A peer's base URL: http(s), a host, no query, fragment or credentials; no trailing '/'."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as e:
        raise _bad_url(f"{url!r} is not a valid URL: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise _bad_url(f"{url!r} is not an http(s) URL such as https://node.example.eu")
    if parts.query or parts.fragment:
        raise _bad_url(f"{url!r}: a peer URL has no query or fragment")
    if parts.username is not None or parts.password is not None:
        raise _bad_url(f"{url!r}: credentials in peer URLs are not supported")
    return f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def _bad_url(message: str) -> AdminError:
    return AdminError(message, status=400, code="bad_url", usage=True)


def peer_key(url: str) -> str:
    """How a URL naming an existing peer (remove, retry, sync) is matched against the table."""
    return url.strip().rstrip("/")


def _unknown_peer(url: str) -> AdminError:
    return AdminError(
        f"{url} is not a configured peer (see `federation peers list`)",
        status=404,
        code="unknown_peer",
    )


# -- trusted origins -----------------------------------------------------------------------------


def _own_origin(origin: str, what: str) -> AdminError:
    return AdminError(f"{origin} is this node's own origin; {what}", status=409, code="own_origin")


def parse_trusted_vkey(vkey: str) -> tuple[Verifier, str]:
    """The verifier and its (checked) origin name, or an ``invalid_key`` refusal."""
    try:
        verifier = parse_vkey(vkey.strip())
        return verifier, check_origin(verifier.name)
    except ProtocolError as e:
        raise AdminError(f"invalid verifier key: {e}", code="invalid_key") from e


async def trust_add(store: Store, own_origin: str, vkey: str) -> Done:
    """Trust an origin by pinning ``vkey``; another key of a trusted origin is pinned too."""
    verifier, origin = parse_trusted_vkey(vkey)
    key_id = verifier.key_id.hex()
    if origin == own_origin:
        raise _own_origin(origin, "it needs no trust")
    head = await store.head(origin)
    pinned = {v: state for v, _, state in await store.origin_keys(origin)}
    if pinned.get(verifier.vkey) == "revoked":
        raise AdminError(
            f"key {key_id} of {origin} was revoked; a revoked key cannot be trusted again",
            status=409,
            code="key_revoked",
        )
    data: dict[str, Any] = {"origin": origin, "key_id": key_id, "added": False}
    if head is not None and head.role == "trusted" and verifier.vkey in pinned:
        data["keys"] = len(pinned)
        return Done(f"{origin} is already trusted with key {key_id}", data)
    await store.add_origin(origin, "trusted", [verifier.vkey])
    keys = len(pinned.keys() | {verifier.vkey})
    more = f" ({keys} keys pinned)" if keys > 1 else ""
    return Done(f"trusted {origin} key {key_id}{more}", {**data, "added": True, "keys": keys})


async def trust_list(store: Store, *, include_removed: bool = False) -> list[OriginRow]:
    roles = ("self", "trusted", "removed") if include_removed else ("self", "trusted")
    return await store.origin_overview(roles)


async def trust_remove(store: Store, name: str) -> Done:
    """Stop merging and serving origin ``name``; what was merged stays in the store."""
    head = await store.head(name)
    if head is None:
        raise AdminError(f"{name} is not a trusted origin here", status=404, code="unknown_origin")
    if head.role == "self":
        raise _own_origin(name, "it cannot be removed")
    if head.role == "removed":
        return Done(f"{name} was already removed", {"origin": name, "removed": False})
    await store.set_origin_role(name, "removed")
    return Done(
        f"removed {name}: no longer merged or served; "
        f"the {head.size:,} entries held stay in the store",
        {"origin": name, "removed": True},
    )


async def trust_revoke(store: Store, name: str, key_id: str) -> Done:
    """Revoke pinned key ``key_id`` of ``name``: checkpoints signed only by it are refused."""
    key_id = key_id.strip().lower()
    head = await store.head(name)
    if head is None:
        raise AdminError(f"{name} is not a trusted origin here", status=404, code="unknown_origin")
    if head.role == "self":
        raise _own_origin(name, "its own keys cannot be revoked here")
    keys = {kid: state for _, kid, state in await store.origin_keys(name)}
    if key_id not in keys:
        raise AdminError(
            f"{name} has no pinned key {key_id} (see `federation trust list`)",
            status=404,
            code="unknown_key",
        )
    data: dict[str, Any] = {"origin": name, "key_id": key_id}
    if keys[key_id] == "revoked":
        usable = sum(1 for s in keys.values() if s != "revoked")
        return Done(
            f"key {key_id} of {name} was already revoked",
            {**data, "revoked": False, "usable_keys": usable},
        )
    if not await store.revoke_key(name, key_id):  # removed meanwhile
        raise AdminError(f"{name} has no pinned key {key_id}", status=404, code="unknown_key")
    usable = sum(1 for k, s in keys.items() if s != "revoked" and k != key_id)
    tail = (
        f"; {usable} usable key(s) left"
        if usable
        else f"; no usable key is left, so nothing more of {name} is merged until you "
        "trust a new key"
    )
    return Done(
        f"revoked key {key_id} of {name}: checkpoints signed only by it are refused{tail}",
        {**data, "revoked": True, "usable_keys": usable},
    )


async def trust_pending(store: Store) -> list[dict[str, Any]]:
    return group_pending(await store.pending())


# -- peers ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeerAdded:
    """The outcome of adding a peer, with what it said about itself."""

    url: str
    added: bool
    origin: str | None = None
    well_known: dict[str, Any] | None = None
    unreachable: str | None = None
    warnings: tuple[str, ...] = ()
    trust_hint: str | None = None

    @property
    def message(self) -> str:
        return f"added peer {self.url}" if self.added else f"peer {self.url} is already configured"

    def json(self) -> dict[str, Any]:
        warnings = list(self.warnings)
        if self.unreachable is not None:
            warnings.insert(0, self.unreachable)
        return {
            "url": self.url,
            "added": self.added,
            "origin": self.origin,
            "well_known": self.well_known,
            "warning": "; ".join(warnings) if warnings else None,
            "trust_hint": self.trust_hint,
            "message": self.message,
        }


async def probe_peer(
    session: aiohttp.ClientSession, settings: Settings, url: str
) -> dict[str, Any]:
    """The peer's /.well-known/federation (raises SyncError if it cannot be had)."""
    limits = settings.limits.model_copy(
        update={
            "connect_timeout": min(PROBE_TIMEOUT, settings.limits.connect_timeout),
            "request_timeout": min(PROBE_TIMEOUT, settings.limits.request_timeout),
        }
    )
    return await PeerClient(session, url, limits).well_known()


def describe_peer(doc: dict[str, Any]) -> tuple[str | None, list[str]]:
    """(the peer's origin if valid, warnings) from its well-known document."""
    warnings: list[str] = []
    origin: str | None = None
    raw_origin = doc.get("origin")
    try:
        origin = check_origin(raw_origin) if isinstance(raw_origin, str) else None
    except ProtocolError as e:
        warnings.append(f"the peer names an invalid origin: {e}")
    if raw_origin is None:
        warnings.append("the peer does not name its origin")
    vkey = doc.get("vkey")
    if isinstance(vkey, str) and origin is not None:
        try:
            if parse_vkey(vkey).name != origin:
                warnings.append(f"the peer's vkey is not named {origin}")
        except ProtocolError as e:
            warnings.append(f"the peer's vkey is not valid: {e}")
    return origin, warnings


async def add_peer(
    store: Store, settings: Settings, session: aiohttp.ClientSession, url: str
) -> PeerAdded:
    """Add the peer at ``url`` (normalised) after asking it who it is.

    An unreachable peer is added anyway (``unreachable`` says why): pulls retry it with
    backoff. Its key is information only; merging its origin's log needs :func:`trust_add`.
    """
    base = normalise_url(url)
    existing = await store.peer(base)
    if existing is not None:
        return PeerAdded(base, False, existing.origin)
    origin: str | None = None
    doc: dict[str, Any] | None = None
    unreachable: str | None = None
    warnings: list[str] = []
    try:
        doc = await probe_peer(session, settings, base)
    except SyncError as e:
        unreachable = f"cannot reach {base} ({e}); added it anyway, pulls will retry it"
    else:
        origin, warnings = describe_peer(doc)
        if origin == settings.origin:
            warnings.append(f"{base} serves this node's own origin {origin}")
    offered = doc.get("vkey") if doc else None
    await store.add_peer(
        base, origin, offered if isinstance(offered, str) and not warnings else None
    )
    hint: str | None = None
    head = await store.head(origin) if origin else None
    if origin and origin != settings.origin and (head is None or head.role != "trusted"):
        vkey = doc.get("vkey") if doc else None
        hint = (
            f"{origin} is not trusted here; after checking its key with the centre: "
            f"federation trust add {vkey if isinstance(vkey, str) else 'VKEY'}"
        )
    return PeerAdded(base, True, origin, doc, unreachable, tuple(warnings), hint)


async def remove_peer(store: Store, url: str) -> Done:
    """Stop pulling from the peer at ``url`` (what was merged from it stays)."""
    base = peer_key(url)
    if not await store.remove_peer(base):
        raise _unknown_peer(base)
    return Done(f"removed peer {base}", {"url": base, "removed": True})


async def retry_peer(store: Store, url: str, now: float | None = None) -> Done:
    """Clear the peer's backoff: scheduled pulls try it at their next run."""
    base = peer_key(url)
    before = await store.peer(base)
    if before is None or not await store.clear_backoff(base):
        raise _unknown_peer(base)
    waited = max(0.0, before.next_attempt - (time.time() if now is None else now))
    data = {"url": base, "failures": before.failures, "was_due_in": waited}
    if before.failures == 0 and waited == 0:
        return Done(f"peer {base} was not backing off; it is due now", data)
    return Done(
        f"cleared the backoff of peer {base} ({before.failures} failure(s)); it is due now", data
    )


async def check_peer(store: Store, url: str) -> str:
    """The table key of a configured peer, or an ``unknown_peer`` refusal."""
    base = peer_key(url)
    if await store.peer(base) is None:
        raise _unknown_peer(base)
    return base
