"""`sync` (one pull round now) and `status` (what this node holds) — DESIGN §5, §13.

``status`` prints a digest of every log this node merges or owns (see ``node/status.py``, which
builds the status for this command and for ``GET /admin/status`` alike). Two nodes holding the
same origins at the same sizes show the same digest, which is how convergence is checked.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from federation.cli.admin import (
    cell,
    console,
    emit_json,
    human_bytes,
    peers_table,
    short_hex,
    state_text,
)
from federation.cli.common import CliUsage, fail, get_home, handle_errors, home_option, run
from federation.config import Home
from federation.node.admin_ops import peer_key, sync_report
from federation.node.service import Node
from federation.node.status import KINDS, Status, logs_digest, status_json
from federation.node.status import collect_status as collect_node_status
from federation.sync.puller import PullResult
from federation.sync.scheduler import SyncService, new_session

__all__ = ["collect_status", "logs_digest", "status", "sync"]


@contextlib.contextmanager
def _quiet_unconfigured_logging() -> Iterator[None]:
    """Without logging configured, keep the puller's warnings off stderr: the summary says it."""
    logger = logging.getLogger("federation.sync")
    if logging.getLogger().handlers:
        yield
        return
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


# -- sync ----------------------------------------------------------------------------------------


def describe_pull(r: PullResult, peer_origin: str | None) -> list[str]:
    """Human lines for one peer's pull: a headline, then the origins that did not stay put."""
    who = f"{r.url} ({peer_origin})" if peer_origin else r.url
    if not r.ok:
        return [f"failed  {who}: {r.reason}: {r.error}"]
    stats = f"{r.entries:,} entries, {human_bytes(r.nbytes)}, {r.seconds:.2f} s"
    lines = [f"ok      {who}: {'not modified' if r.not_modified else stats}"]
    unchanged = 0
    for o in r.origins:
        if o.outcome == "updated":
            lines.append(f"        {o.origin}  updated {o.old_size:,} → {o.new_size:,}")
        elif o.outcome == "unchanged":
            unchanged += 1
        elif o.outcome == "pending":
            lines.append(f"        {o.origin}  pending (not trusted here)")
        elif o.outcome == "equivocation":
            lines.append(
                f"        {o.origin}  EQUIVOCATION: {o.detail} (evidence stored, origin frozen)"
            )
        else:
            detail = f": {o.detail}" if o.detail else ""
            lines.append(f"        {o.origin}  {o.outcome}{detail}")
    if unchanged:
        lines.append(f"        ({unchanged} origin(s) unchanged)")
    return lines


async def _sync(
    home: Home,
    peer: str | None,
    on_start: Callable[[int], None],
    on_pull: Callable[[str, PullResult | None, str | None], None],
) -> list[PullResult]:
    async with await Node.open(home) as node:
        store = node.store
        if peer is not None and await store.peer(peer) is None:
            raise CliUsage(f"{peer} is not a configured peer (see `federation peers list`)")
        peer_rows = {p.url: p for p in await store.peers()}
        urls = [peer] if peer is not None else list(peer_rows)
        on_start(len(urls))
        results: list[PullResult] = []
        async with new_session(node.settings) as session:
            service = SyncService(store, node.settings, session, signer=node.signer)
            for url in urls:
                on_pull(url, None, None)
                [result] = await service.sync_now(url)
                row = peer_rows.get(url)
                on_pull(url, result, row.origin if row else None)
                results.append(result)
        return results


@click.command()
@home_option
@click.option("--peer", "peer_url", help="Pull only from this peer (a URL from `peers list`).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of lines.")
@handle_errors
def sync(home: Path | None, peer_url: str | None, as_json: bool) -> None:
    """Pull from every peer (or one) now, ignoring backoff, and summarise what came in.

    Exits with status 1 if a peer failed or an origin was caught equivocating.
    """
    out = console()
    show_progress = not as_json and out.is_terminal
    progress = (
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=out,
            transient=True,
        )
        if show_progress
        else None
    )
    task = None

    def say(line: str) -> None:
        if progress is not None:
            progress.console.print(Text(line), soft_wrap=True)
        elif not as_json:
            click.echo(line)

    def on_start(total: int) -> None:
        nonlocal task
        if progress is not None:
            progress.start()
            task = progress.add_task("pulling", total=total)

    def on_pull(url: str, result: PullResult | None, origin: str | None) -> None:
        if result is None:
            if progress is not None and task is not None:
                progress.update(task, description=f"pulling {url}")
            return
        if progress is not None and task is not None:
            progress.advance(task)
        for line in describe_pull(result, origin):
            say(line)

    try:
        with _quiet_unconfigured_logging():
            results = run(
                _sync(get_home(home), peer_key(peer_url) if peer_url else None, on_start, on_pull)
            )
    finally:
        if progress is not None:
            progress.stop()

    report = sync_report(results)
    failed, entries, equivocations = report["failed"], report["entries"], report["equivocations"]
    n = len(results)
    summary = (
        f"pulled {n} peer{'' if n == 1 else 's'}: {n - failed} ok, {failed} failed; "
        f"{entries:,} new entries"
    )
    if as_json:
        emit_json(report)
    else:
        if not results:
            click.echo("no peers configured; add one with `federation peers add URL`", err=True)
        say(summary)
    if equivocations:
        fail(f"equivocation by {', '.join(sorted(set(equivocations)))}; evidence stored")
    if failed:
        fail(f"{failed} of {n} peer(s) failed")


# -- status --------------------------------------------------------------------------------------


async def collect_status(home: Home) -> Status:
    """The status of the node in ``home`` (see :func:`federation.node.status.collect_status`)."""
    async with await Node.open(home) as node:
        return await collect_node_status(node.store, node.origin)


def print_status(st: Status, now: float, out: Console) -> None:
    out.print(Text(f"node {st.origin}: digest {st.digest} over {len(st.logs)} log(s)"))
    table = Table(title="logs")
    for col in ("origin", "role", "state", "size", "root", *KINDS, "updated"):
        table.add_column(col)
    for o in st.logs:
        records = st.records(o.origin)
        table.add_row(
            cell(o.origin),
            cell(o.role),
            cell(state_text(o.state, o.state_reason)),
            cell(f"{o.size:,}"),
            cell(short_hex(o.root)),
            *(cell(f"{records[k]:,}") for k in KINDS),
            cell(o.updated_at or "never"),
        )
    out.print(table)
    if st.peers:
        out.print(peers_table(st.peers, now, title="peers"))
    else:
        out.print(Text("no peers configured"))
    if st.evidence:
        ev = Table(title="equivocation evidence")
        for col in ("origin", "detail", "sources", "found"):
            ev.add_column(col)
        for e in st.evidence:
            ev.add_row(
                cell(e.origin),
                cell(e.detail),
                cell(f"{e.source_a}\n{e.source_b}"),
                cell(e.found_at),
            )
        out.print(ev)
    else:
        out.print(Text("no equivocation evidence"))
    out.print(Text(f"pending origins: {st.pending} (see `federation trust pending`)"))


@click.command()
@home_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of tables.")
@handle_errors
def status(home: Path | None, as_json: bool) -> None:
    """Per-origin size, root and record counts, their digest, peers' state, evidence, pending.

    With --json: one object with keys origin, logs, digest, peers, evidence, pending.
    """
    st = run(collect_status(get_home(home)))
    now = time.time()
    if as_json:
        emit_json(status_json(st, now))
        return
    print_status(st, now, console())
