"""Admin commands: trusted origins and peers (DESIGN §6, §13).

``trust`` pins the verifier keys of the origins whose logs this node merges and serves;
``peers`` lists the nodes it pulls from. The two are independent: a peer may relay many
origins, and an origin is merged from whichever peer has it.

Exit status (see ``cli/common.py``): 0 done (also when there was nothing to do, e.g. a key or
peer already present); 1 a failed check — a malformed verifier key or one whose key ID does not
match it, this node's own origin, an unknown origin or peer; 2 bad usage — no home, or a peer
URL that is not an http(s) URL.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from federation.cli.common import CliFailure, CliUsage, get_home, handle_errors, home_option, run
from federation.config import Home
from federation.node.service import Node
from federation.protocol.checkpoint import check_origin
from federation.protocol.errors import ProtocolError
from federation.protocol.note import parse_vkey
from federation.store import PeerRow, PendingRow
from federation.store.peers import OriginRow
from federation.sync.client import PeerClient
from federation.sync.errors import SyncError
from federation.sync.scheduler import new_session

PROBE_TIMEOUT = 5.0
"""Seconds `peers add` waits for a peer's /.well-known/federation."""

# -- output helpers (shared with cli/syncing.py) -------------------------------------------------


def console() -> Console:
    return Console(highlight=False)


def emit_json(obj: Any) -> None:
    click.echo(orjson.dumps(obj, option=orjson.OPT_INDENT_2).decode())


def cell(value: object) -> Text:
    """A table cell shown verbatim (peer-supplied text must never be read as rich markup)."""
    return Text("" if value is None else str(value))


def clip(text: str | None, n: int) -> str:
    text = text or ""
    return text if len(text) <= n else text[: n - 1] + "…"


def short_hex(b: bytes, n: int = 16) -> str:
    return b.hex()[:n]


def human_bytes(n: int) -> str:
    size = float(n)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    raise AssertionError("unreachable")


def human_delay(seconds: float) -> str:
    """``now``, ``in 42s``, ``in 4m``, ``in 1h05m``."""
    if seconds <= 0:
        return "now"
    s = int(seconds + 0.999)
    if s < 60:
        return f"in {s}s"
    if s < 3600:
        return f"in {s // 60}m"
    return f"in {s // 3600}h{s % 3600 // 60:02d}m"


def normalise_url(url: str) -> str:
    """A peer's base URL: http(s), a host, no query, fragment or credentials; no trailing '/'."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (raises ValueError on a bad port)
    except ValueError as e:
        raise CliUsage(f"{url!r} is not a valid URL: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise CliUsage(f"{url!r} is not an http(s) URL such as https://node.example.eu")
    if parts.query or parts.fragment:
        raise CliUsage(f"{url!r}: a peer URL has no query or fragment")
    if parts.username is not None or parts.password is not None:
        raise CliUsage(f"{url!r}: credentials in peer URLs are not supported")
    return f"{scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def peer_key(url: str) -> str:
    """How a URL given to `peers remove` or `sync --peer` is matched against the peers table."""
    return url.strip().rstrip("/")


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


def peers_table(peers: Sequence[PeerRow], now: float, title: str | None = None) -> Table:
    table = Table(title=title)
    for col in ("url", "origin", "last success", "last error", "failures", "next", "pulled"):
        table.add_column(col)
    for p in peers:
        table.add_row(
            cell(p.url),
            cell(p.origin or "?"),
            cell(p.last_success or "never"),
            cell(clip(p.last_error, 60) if p.failures else ""),
            cell(p.failures),
            cell(human_delay(p.next_attempt - now)),
            cell(f"{p.entries_pulled:,} entries, {human_bytes(p.bytes_pulled)}"),
        )
    return table


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


def state_text(state: str, reason: str | None) -> str:
    return f"{state}: {reason}" if reason and state != "active" else state


# -- trust ---------------------------------------------------------------------------------------


@click.group()
def trust() -> None:
    """Trusted origins: whose logs this node merges and serves (pinned verifier keys)."""


@trust.command("add")
@home_option
@click.argument("vkey")
@handle_errors
def trust_add(home: Path | None, vkey: str) -> None:
    """Trust an origin by pinning its verifier key VKEY (name+keyid+base64key).

    Get the key from the centre itself (`federation key show` on its node) over a channel you
    trust. Adding another key of an already trusted origin pins that key too. A malformed key,
    or one whose key ID does not match it, exits with status 1 and stores nothing.
    """
    try:
        verifier = parse_vkey(vkey)
        origin = check_origin(verifier.name)
    except ProtocolError as e:
        raise CliFailure(f"invalid verifier key: {e}") from e
    key_id = verifier.key_id.hex()

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            if origin == node.origin:
                raise CliFailure(f"{origin} is this node's own origin; it needs no trust")
            head = await node.store.head(origin)
            pinned = {v for v, _, _ in await node.store.origin_keys(origin)}
            if head is not None and head.role == "trusted" and verifier.vkey in pinned:
                return f"{origin} is already trusted with key {key_id}"
            await node.store.add_origin(origin, "trusted", [verifier.vkey])
            keys = len(pinned | {verifier.vkey})
            more = f" ({keys} keys pinned)" if keys > 1 else ""
            return f"trusted {origin} key {key_id}{more}"

    click.echo(run(go()))


@trust.command("list")
@home_option
@click.option("--all", "show_all", is_flag=True, help="Also list removed origins.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@handle_errors
def trust_list(home: Path | None, show_all: bool, as_json: bool) -> None:
    """List this node's own origin and the trusted ones: keys, state, size held, root."""
    roles = ("self", "trusted", "removed") if show_all else ("self", "trusted")

    async def go() -> list[OriginRow]:
        async with await Node.open(get_home(home)) as node:
            return await node.store.origin_overview(roles)

    rows = run(go())
    if as_json:
        emit_json([origin_json(o) for o in rows])
        return
    table = Table(title=f"{len(rows)} origin(s)")
    for col in ("origin", "role", "keys", "state", "size", "root", "updated"):
        table.add_column(col)
    for o in rows:
        keys = "\n".join(f"{k.key_id} ({k.state})" for k in o.keys) or "none"
        table.add_row(
            cell(o.origin),
            cell(o.role),
            cell(keys),
            cell(state_text(o.state, o.state_reason)),
            cell(f"{o.size:,}"),
            cell(short_hex(o.root)),
            cell(o.updated_at or "never"),
        )
    console().print(table)


@trust.command("remove")
@home_option
@click.argument("name")
@handle_errors
def trust_remove(home: Path | None, name: str) -> None:
    """Stop trusting origin NAME: its log is no longer merged or served.

    What was already merged stays in the store (`trust add` resumes from there).
    """

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            head = await node.store.head(name)
            if head is None:
                raise CliFailure(f"{name} is not a trusted origin here")
            if head.role == "self":
                raise CliFailure(f"{name} is this node's own origin; it cannot be removed")
            if head.role == "removed":
                return f"{name} was already removed"
            await node.store.set_origin_role(name, "removed")
            return (
                f"removed {name}: no longer merged or served; "
                f"the {head.size:,} entries held stay in the store"
            )

    click.echo(run(go()))


def _group_pending(rows: Iterable[PendingRow]) -> list[dict[str, Any]]:
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


async def pending_origins(home: Home) -> list[dict[str, Any]]:
    async with await Node.open(home) as node:
        return _group_pending(await node.store.pending())


@trust.command("pending")
@home_option
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@handle_errors
def trust_pending(home: Path | None, as_json: bool) -> None:
    """Origins seen at peers but not trusted here (never merged until you `trust add` them)."""
    rows = run(pending_origins(get_home(home)))
    if as_json:
        emit_json(rows)
        return
    table = Table(title=f"{len(rows)} pending origin(s)")
    for col in ("origin", "seen at", "size", "first seen", "last seen"):
        table.add_column(col)
    for o in rows:
        table.add_row(
            cell(o["origin"]),
            cell("\n".join(s["url"] for s in o["seen_at"])),
            cell(f"{o['size']:,}"),
            cell(o["first_seen"]),
            cell(o["last_seen"]),
        )
    console().print(table)


# -- peers ---------------------------------------------------------------------------------------


@click.group()
def peers() -> None:
    """Peers: the nodes this node pulls logs from."""


async def _probe(node: Node, url: str) -> dict[str, Any]:
    """The peer's /.well-known/federation (raises SyncError if it cannot be had)."""
    limits = node.settings.limits.model_copy(
        update={
            "connect_timeout": min(PROBE_TIMEOUT, node.settings.limits.connect_timeout),
            "request_timeout": min(PROBE_TIMEOUT, node.settings.limits.request_timeout),
        }
    )
    async with new_session(node.settings) as session:
        return await PeerClient(session, url, limits).well_known()


def _describe_peer(doc: dict[str, Any]) -> tuple[str | None, list[str], list[str]]:
    """(the peer's origin if valid, lines to show, warnings) from its well-known document."""
    lines: list[str] = []
    warnings: list[str] = []
    origin: str | None = None
    raw_origin = doc.get("origin")
    try:
        origin = check_origin(raw_origin) if isinstance(raw_origin, str) else None
    except ProtocolError as e:
        warnings.append(f"the peer names an invalid origin: {e}")
    if raw_origin is None:
        warnings.append("the peer does not name its origin")
    for key in ("origin", "name", "country", "vkey"):
        value = doc.get(key)
        if isinstance(value, str) and value:
            lines.append(f"  {key:<8} {value}")
    vkey = doc.get("vkey")
    if isinstance(vkey, str) and origin is not None:
        try:
            if parse_vkey(vkey).name != origin:
                warnings.append(f"the peer's vkey is not named {origin}")
        except ProtocolError as e:
            warnings.append(f"the peer's vkey is not valid: {e}")
    return origin, lines, warnings


@peers.command("add")
@home_option
@click.argument("url")
@handle_errors
def peers_add(home: Path | None, url: str) -> None:
    """Add the peer at URL and show what it says about itself.

    An unreachable peer is added anyway (with a warning): pulls retry it with backoff. The
    peer's key is shown for information only; merging its origin's log needs `trust add`.
    """
    base = normalise_url(url)

    async def go() -> None:
        async with await Node.open(get_home(home)) as node:
            if await node.store.peer(base) is not None:
                click.echo(f"peer {base} is already configured")
                return
            origin: str | None = None
            doc: dict[str, Any] = {}
            lines: list[str] = []
            try:
                doc = await _probe(node, base)
            except SyncError as e:
                click.echo(
                    f"federation: warning: cannot reach {base} ({e}); added it anyway, "
                    "pulls will retry it",
                    err=True,
                )
            else:
                origin, lines, warnings = _describe_peer(doc)
                for w in warnings:
                    click.echo(f"federation: warning: {w}", err=True)
                if origin == node.origin:
                    click.echo(
                        f"federation: warning: {base} serves this node's own origin {origin}",
                        err=True,
                    )
            await node.store.add_peer(base, origin)
            click.echo(f"added peer {base}")
            for line in lines:
                click.echo(line)
            head = await node.store.head(origin) if origin else None
            vkey = doc.get("vkey")
            if origin and origin != node.origin and (head is None or head.role != "trusted"):
                hint = f" {vkey}" if isinstance(vkey, str) else " VKEY"
                click.echo(
                    f"{origin} is not trusted here; after checking its key with the centre: "
                    f"federation trust add{hint}",
                    err=True,
                )

    run(go())


@peers.command("list")
@home_option
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@handle_errors
def peers_list(home: Path | None, as_json: bool) -> None:
    """List peers with their pull state: last success and error, backoff, totals pulled.

    In JSON, ``next_attempt`` is the Unix time before which scheduled pulls skip the peer
    (0: no backoff) and ``due_in`` the seconds left until then.
    """

    async def go() -> list[PeerRow]:
        async with await Node.open(get_home(home)) as node:
            return await node.store.peers()

    rows = run(go())
    now = time.time()
    if as_json:
        emit_json([peer_json(p, now) for p in rows])
        return
    console().print(peers_table(rows, now, title=f"{len(rows)} peer(s)"))


@peers.command("remove")
@home_option
@click.argument("url")
@handle_errors
def peers_remove(home: Path | None, url: str) -> None:
    """Stop pulling from the peer at URL (what was merged from it stays)."""
    base = peer_key(url)

    async def go() -> bool:
        async with await Node.open(get_home(home)) as node:
            return await node.store.remove_peer(base)

    if not run(go()):
        raise CliFailure(f"{base} is not a configured peer (see `federation peers list`)")
    click.echo(f"removed peer {base}")
