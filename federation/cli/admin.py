"""Admin commands: trusted origins and peers (DESIGN §6, §13).

``trust`` pins the verifier keys of the origins whose logs this node merges and serves;
``peers`` lists the nodes it pulls from. The two are independent: a peer may relay many
origins, and an origin is merged from whichever peer has it.

The operations themselves are in ``node/admin_ops.py``, shared with the admin HTTP API, so
both give the same result; this module parses arguments and prints.

Exit status (see ``cli/common.py``): 0 done (also when there was nothing to do, e.g. a key or
peer already present); 1 a failed check — a malformed verifier key or one whose key ID does not
match it, a revoked key, this node's own origin, an unknown origin, key or peer; 2 bad usage —
no home, or a peer URL that is not an http(s) URL.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import orjson
from rich.console import Console
from rich.table import Table
from rich.text import Text

from federation.cli.common import get_home, handle_errors, home_option, run
from federation.config import Home
from federation.node import admin_ops as ops
from federation.node.admin_ops import normalise_url, origin_json, peer_json
from federation.node.service import Node
from federation.store import PeerRow
from federation.store.peers import OriginRow
from federation.sync.scheduler import new_session

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
    ops.parse_trusted_vkey(vkey)  # a bad key fails before the home is even opened

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            return (await ops.trust_add(node.store, node.origin, vkey)).message

    click.echo(run(go()))


@trust.command("list")
@home_option
@click.option("--all", "show_all", is_flag=True, help="Also list removed origins.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array instead of a table.")
@handle_errors
def trust_list(home: Path | None, show_all: bool, as_json: bool) -> None:
    """List this node's own origin and the trusted ones: keys, state, size held, root.

    Each pinned key shows its state: active, retired or revoked.
    """

    async def go() -> list[OriginRow]:
        async with await Node.open(get_home(home)) as node:
            return await ops.trust_list(node.store, include_removed=show_all)

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
            return (await ops.trust_remove(node.store, name)).message

    click.echo(run(go()))


@trust.command("revoke")
@home_option
@click.argument("name")
@click.argument("key_id", metavar="KEYID")
@handle_errors
def trust_revoke(home: Path | None, name: str, key_id: str) -> None:
    """Revoke the pinned key KEYID (8 hex digits, see `trust list`) of origin NAME.

    From now on a checkpoint of NAME signed only by that key is refused: a pull that meets one
    fails and merges nothing. What was merged before stays. A revoked key cannot be trusted
    again; pin the origin's new key with `trust add`.
    """

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            return (await ops.trust_revoke(node.store, name, key_id)).message

    click.echo(run(go()))


async def pending_origins(home: Home) -> list[dict[str, Any]]:
    async with await Node.open(home) as node:
        return await ops.trust_pending(node.store)


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
    for col in ("origin", "seen at", "size", "first seen", "last seen", "offered vkey"):
        table.add_column(col)
    for o in rows:
        table.add_row(
            cell(o["origin"]),
            cell("\n".join(s["url"] for s in o["seen_at"])),
            cell(f"{o['size']:,}"),
            cell(o["first_seen"]),
            cell(o["last_seen"]),
            cell(o["vkey"] or "-"),
        )
    console().print(table)


# -- peers ---------------------------------------------------------------------------------------


@click.group()
def peers() -> None:
    """Peers: the nodes this node pulls logs from."""


WELL_KNOWN_SHOWN = ("origin", "name", "country", "vkey")


def _well_known_lines(doc: dict[str, Any] | None) -> list[str]:
    lines = []
    for key in WELL_KNOWN_SHOWN:
        value = (doc or {}).get(key)
        if isinstance(value, str) and value:
            lines.append(f"  {key:<8} {value}")
    return lines


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

    async def go() -> ops.PeerAdded:
        async with await Node.open(get_home(home)) as node, new_session(node.settings) as session:
            return await ops.add_peer(node.store, node.settings, session, base)

    res = run(go())
    for warning in ((res.unreachable,) if res.unreachable else ()) + res.warnings:
        click.echo(f"federation: warning: {warning}", err=True)
    click.echo(res.message)
    for line in _well_known_lines(res.well_known):
        click.echo(line)
    if res.trust_hint:
        click.echo(res.trust_hint, err=True)


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

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            return (await ops.remove_peer(node.store, url)).message

    click.echo(run(go()))


@peers.command("retry")
@home_option
@click.argument("url")
@handle_errors
def peers_retry(home: Path | None, url: str) -> None:
    """Clear the backoff of the peer at URL: scheduled pulls try it at their next run.

    (`federation sync --peer URL` pulls from it right now instead.)
    """

    async def go() -> str:
        async with await Node.open(get_home(home)) as node:
            return (await ops.retry_peer(node.store, url)).message

    click.echo(run(go()))
