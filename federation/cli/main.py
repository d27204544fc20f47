"""The ``federation`` command (DESIGN §13)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import signal
from pathlib import Path
from typing import Any

import click
import orjson
from aiohttp import web
from rich.console import Console
from rich.table import Table

from federation.cli.common import (
    CliFailure,
    get_home,
    handle_errors,
    home_option,
    progress_bar,
    read_records,
    run,
)
from federation.config import ConfigError, Settings, describe_validation_error
from federation.node.app import create_app
from federation.node.logs import LogFormat, setup_logging
from federation.node.service import Node, init_home
from federation.store import DeliveryRow, RecordRow


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="federation")
def cli() -> None:
    """A node of the federation of National Competence Centres for Social Innovation.

    Each centre publishes its cases, events and contacts as a signed, append-only log and
    pulls the logs of the centres it trusts. Every command takes --home DIR (default
    $FEDERATION_HOME). Exit status: 0 success, 1 a failed check, 2 bad usage.
    """


@cli.command()
@home_option
@click.option("--origin", required=True, help="Origin (log) name, e.g. lt.esfa.ncc.")
@click.option("--country", required=True, help="ISO 3166-1 alpha-2 country code, e.g. LT.")
@click.option("--name", default="", help="Display name of the centre.")
@click.option("--listen", default="127.0.0.1:8470", show_default=True, help="HOST:PORT to serve.")
@handle_errors
def init(home: Path | None, origin: str, country: str, name: str, listen: str) -> None:
    """Create a node home: config, Ed25519 key (mode 0600), empty signed log. Prints the vkey.

    The config (mode 0600) gets a random admin API token (``admin_token``; see docs/admin.md).
    """
    h = get_home(home)
    try:
        settings = Settings(
            origin=origin,
            country=country.upper(),
            name=name,
            listen=listen,
            admin_token=secrets.token_urlsafe(32),
        )
    except ValueError as e:  # pydantic ValidationError is a ValueError
        from pydantic import ValidationError

        msg = describe_validation_error(e) if isinstance(e, ValidationError) else str(e)
        raise ConfigError(msg) from e
    signer = run(init_home(h, settings))
    click.echo(f"created node {origin} in {h.path}", err=True)
    click.echo(signer.vkey)


@cli.command()
@home_option
@click.option(
    "--log-format",
    type=click.Choice(["auto", "json", "text"]),
    default="auto",
    show_default=True,
    help="Logs on stderr: JSON lines, readable lines, or auto (JSON unless a terminal).",
)
@handle_errors
def serve(home: Path | None, log_format: LogFormat) -> None:
    """Run the node: feed, admin, /healthz and /metrics APIs, and scheduled pulls.

    See docs/operator.md for running it behind a TLS reverse proxy, health, metrics and logs.
    """
    run(_serve(get_home(home), log_format))


async def _serve(home: Any, log_format: LogFormat = "auto") -> None:
    setup_logging(log_format)
    node = await Node.open(home)
    try:
        app = create_app(node)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, node.settings.host, node.settings.port)
        try:
            await site.start()
        except OSError as e:  # address in use, no such address: one line, not a traceback
            await runner.cleanup()
            raise ConfigError(f"cannot listen on {node.settings.listen}: {e.strerror or e}") from e
        logging.getLogger("federation.node").info(
            "serving",
            extra={"event": "serving", "origin": node.origin, "listen": node.settings.listen},
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await runner.cleanup()
    finally:
        await node.close()


@cli.group()
def key() -> None:
    """The origin's signing key."""


@key.command("show")
@click.option(
    "--witness",
    is_flag=True,
    help="Print the node's witness (cosigner) key instead: what auditors pass to "
    "`audit verify --witness`.",
)
@home_option
@handle_errors
def key_show(witness: bool, home: Path | None) -> None:
    """Print this origin's verifier key (what other admins paste into `trust add`).

    With --witness: the same Ed25519 key as a c2sp.org/tlog-cosignature cosigner key (type
    0x04), under which this node cosigns the checkpoints it verified (protocol §6.4).
    """
    h = get_home(home)
    settings = h.load()
    from federation.node.service import load_signer
    from federation.protocol.cosignature import witness_key_of

    signer = load_signer(h.key_path(settings), settings.origin)
    click.echo(witness_key_of(signer.verifier).vkey if witness else signer.vkey)


@key.command("rotate")
@home_option
@handle_errors
def key_rotate(home: Path | None) -> None:
    """Rotate the origin key: publish a `key` entry naming a new key, print the new vkey.

    The checkpoint containing the entry is signed by the old and the new key, and later ones
    by both for `key_grace_days` (config, default 30): nodes that pinned the old key verify
    the entry and follow the rotation without admin action while they pull in that time.
    The old key file is kept in retired-keys/.
    """

    async def go() -> tuple[str, str, int]:
        async with await Node.open(get_home(home)) as node:
            old = node.signer.key_id.hex()
            new = await node.rotate_key()
            head = await node.store.head(node.origin)
            assert head is not None
            return old, new.vkey, head.size

    old, vkey, size = run(go())
    click.echo(f"rotated: key {old} retired; the key entry is at seq {size - 1}", err=True)
    click.echo(vkey)


@cli.group()
def records() -> None:
    """Publish and read records."""


@records.command("put")
@home_option
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@handle_errors
def records_put(home: Path | None, files: tuple[Path, ...]) -> None:
    """Publish records from JSON (object or array) or NDJSON FILES ('-' reads stdin).

    Each record has "kind" (case|event|contact), "id" (ULID/UUID), optional "visibility"
    (public|federation; person contacts default to federation) and the fields of its kind.
    All records are validated first; if any is invalid, nothing is published.
    """
    items: list[dict[str, Any]] = []
    for f in files:
        items.extend(read_records(f))
    result = run(_publish(get_home(home), items))
    click.echo(
        f"published {result[0]} record(s); {result[1]} size {result[2]} root {result[3]}",
    )


async def _publish(home: Any, items: list[dict[str, Any]]) -> tuple[int, str, int, str]:
    async with await Node.open(home) as node:
        res = await node.publish(items)
        return res.published, node.origin, res.head.size, res.head.root.hex()


@records.command("import")
@home_option
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--kind", required=True, type=click.Choice(["case", "event", "contact"]), help="Record kind."
)
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--dry-run", is_flag=True, help="Validate and report; publish nothing.")
@handle_errors
def records_import(home: Path | None, file: Path, kind: str, batch: int, dry_run: bool) -> None:
    """Bulk-publish records from a CSV export (one row per record; see docs/operator.md).

    Columns are field names, dotted for nesting (title.lt, location.city, funding.0.fund);
    list cells are separated by ';'. Every row is validated like `records put`; invalid rows
    are reported with their line number and reason and skipped, the others are published in
    one transaction (and one signed checkpoint) per batch. Exit status 1 if any row was
    invalid.
    """
    from federation.cli.csvimport import read_csv, unknown_columns
    from federation.protocol.entry import Kind as RecordKind
    from federation.protocol.errors import RecordError

    record_kind = RecordKind(kind)
    try:
        header, rows = read_csv(file, record_kind)
    except RecordError as e:
        raise CliFailure(str(e)) from e
    for col in unknown_columns(header, record_kind):
        click.echo(
            f"warning: column {col!r} is not a {kind} field; kept as an unknown field", err=True
        )
    all_rows = list(rows)
    problems: list[tuple[int, str]] = []

    async def go() -> tuple[int, int, str]:
        from federation.protocol.entry import now_ts

        async with await Node.open(get_home(home)) as node:
            now = now_ts()
            pubs = []
            seen: dict[str, int] = {}
            with progress_bar("validating", len(all_rows)) as advance:
                for row in all_rows:
                    advance(1)
                    if row.record is None:
                        problems.append((row.line, row.error or "invalid"))
                        continue
                    try:
                        pub = node.prepare_one(row.record, now)
                    except RecordError as e:
                        problems.append((row.line, str(e)))
                        continue
                    assert pub.id is not None
                    if pub.id in seen:
                        problems.append((row.line, f"id {pub.id} repeats line {seen[pub.id]}"))
                        continue
                    seen[pub.id] = row.line
                    pubs.append(pub)
            head = await node.store.head(node.origin)
            size = head.size if head is not None else 0
            if not dry_run:
                with progress_bar("publishing", len(pubs)) as advance:
                    for i in range(0, len(pubs), batch):
                        size = (await node.append(pubs[i : i + batch])).size
                        advance(len(pubs[i : i + batch]))
            return len(pubs), size, node.origin

    imported, size, origin = run(go())
    for line, reason in problems:
        click.echo(f"{file}:{line}: {reason}", err=True)
    verb = "would publish" if dry_run else "published"
    click.echo(
        f"{verb} {imported} of {imported + len(problems)} rows ({len(problems)} invalid); "
        f"{origin} size {size}"
    )
    if problems:
        raise SystemExit(1)


@records.command("delete")
@home_option
@click.argument("kind")
@click.argument("record_id", metavar="ID")
@handle_errors
def records_delete(home: Path | None, kind: str, record_id: str) -> None:
    """Publish a delete (erasure) of one of this node's records."""

    async def go() -> tuple[str, int]:
        async with await Node.open(get_home(home)) as node:
            res = await node.delete(kind, record_id)
            return node.origin, res.head.size

    origin, size = run(go())
    click.echo(f"deleted {kind} {record_id}; {origin} size {size}")


def _record_json(r: RecordRow) -> dict[str, Any]:
    return {
        "origin": r.origin,
        "kind": r.kind,
        "id": r.id,
        "seq": r.seq,
        "op": r.op,
        "visibility": r.vis,
        "ts": r.ts,
        "valid": r.valid,
        "reason": r.reason,
        "leaf": r.leaf.decode(),
        "body": orjson.loads(r.body) if r.body is not None else None,
    }


@records.command("get")
@home_option
@click.argument("origin")
@click.argument("kind")
@click.argument("record_id", metavar="ID")
@handle_errors
def records_get(home: Path | None, origin: str, kind: str, record_id: str) -> None:
    """Print one record (its leaf, state and body) as JSON."""

    async def go() -> RecordRow | None:
        async with await Node.open(get_home(home)) as node:
            return await node.store.get_record(origin, kind, record_id)

    row = run(go())
    if row is None:
        raise CliFailure(f"no {kind} {record_id} of {origin} in this store")
    click.echo(orjson.dumps(_record_json(row), option=orjson.OPT_INDENT_2).decode())


@records.command("recipients")
@home_option
@click.argument("origin")
@click.argument("kind")
@click.argument("record_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="NDJSON output instead of a table.")
@handle_errors
def records_recipients(
    home: Path | None, origin: str, kind: str, record_id: str, as_json: bool
) -> None:
    """Name who received this record's federation-only body from this node (GDPR Art. 19).

    Lists every authenticated peer origin this node served a `vis: federation` body of the
    record to (any version), with the entry's seq and the time. Public bodies are not logged.
    """

    async def go() -> tuple[bool, list[DeliveryRow]]:
        async with await Node.open(get_home(home)) as node:
            known = await node.store.get_record(origin, kind, record_id) is not None
            return known, await node.store.recipients(origin, kind, record_id)

    known, rows = run(go())
    if not known and not rows:
        raise CliFailure(f"no {kind} {record_id} of {origin} in this store")
    if as_json:
        for d in rows:
            click.echo(orjson.dumps({"recipient": d.recipient, "seq": d.seq, "at": d.at}).decode())
        return
    if not rows:
        click.echo(f"nobody received the body of {kind} {record_id} of {origin} from this node")
        return
    table = Table(title=f"recipients of {origin} {kind} {record_id}")
    for col in ("recipient", "seq", "at"):
        table.add_column(col)
    for d in rows:
        table.add_row(d.recipient, str(d.seq), d.at)
    Console().print(table)


@records.command("list")
@home_option
@click.option("--kind", type=click.Choice(["case", "event", "contact"]), help="Only this kind.")
@click.option("--origin", help="Only records of this origin.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--json", "as_json", is_flag=True, help="NDJSON output instead of a table.")
@handle_errors
def records_list(
    home: Path | None, kind: str | None, origin: str | None, limit: int, as_json: bool
) -> None:
    """List current (live) records held by this node, own and merged."""

    async def go() -> list[RecordRow]:
        async with await Node.open(get_home(home)) as node:
            return await node.store.list_records(kind=kind, origin=origin, limit=limit)

    rows = run(go())
    if as_json:
        for r in rows:
            click.echo(orjson.dumps(_record_json(r)).decode())
        return
    table = Table(title=f"{len(rows)} record(s)")
    for col in ("origin", "kind", "id", "seq", "vis", "title", "updated"):
        table.add_column(col)
    for r in rows:
        title = r.title.get("en") or next(iter(r.title.values()), "")
        table.add_row(r.origin, r.kind, r.id, str(r.seq), r.vis or "", title, r.updated_at or "")
    Console().print(table)


from federation.cli.demo import demo  # noqa: E402

cli.add_command(demo)

from federation.cli.admin import peers, trust  # noqa: E402
from federation.cli.audit import audit  # noqa: E402
from federation.cli.syncing import status, sync  # noqa: E402

cli.add_command(trust)
cli.add_command(peers)
cli.add_command(sync)
cli.add_command(status)
cli.add_command(audit)

from federation.cli.backup import backup, restore  # noqa: E402

cli.add_command(backup)
cli.add_command(restore)

from federation.cli.configcmd import config  # noqa: E402

cli.add_command(config)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
