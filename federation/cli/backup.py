"""`backup` and `restore`: copy the store out of a node home, and put one back.

``backup FILE`` copies the store with SQLite's online backup API (``store/backup.py``) while
the node may be serving, verifies the copy (``PRAGMA integrity_check``, its own log) and prints
what it holds. The backup is the store only: the config (``federation.toml``, which holds the
admin token) and the signing key (``origin.key``, ``retired-keys/``) are secrets and are backed
up separately; see deploy/README.md.

``restore FILE`` puts a backup back into a *stopped* home. It refuses while any process has the
store open (a running ``serve`` among them: SQLite's own locks tell, no lock file is needed),
and refuses a file that is not an intact store of this home's origin. The current store is
kept as ``<database>.before-restore-<UTC time>``. ``published.checkpoint`` is never touched:
if the backup is older than the last checkpoint this node published, the node's fork
protection refuses to sign from it (``Node.open`` raises ``ForkRisk``), and ``restore`` says so
and exits 1.

Exit status: 0 done; 1 a failed check (damaged or foreign file, store in use, restored store
behind the published checkpoint); 2 bad usage (no home, FILE exists without --force).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import click

from federation.cli.admin import human_bytes, short_hex
from federation.cli.common import (
    CliFailure,
    CliUsage,
    fail,
    get_home,
    handle_errors,
    home_option,
    run,
)
from federation.config import ConfigError, Home, Settings
from federation.node.service import Node, load_signer
from federation.protocol.checkpoint import parse_checkpoint_text
from federation.protocol.errors import ProtocolError
from federation.protocol.note import parse_note
from federation.store import ForkRisk, StoreError
from federation.store.backup import (
    NotAStore,
    StoreSummary,
    backup_store,
    copy_store,
    exclusive,
    install_store,
)

SEPARATELY = (
    "the backup holds the store only: back up federation.toml and the key files "
    "(origin.key, retired-keys/) separately and keep them secret"
)


def _describe(summary: StoreSummary) -> list[str]:
    lines = []
    for log in summary.logs:
        role = "own" if log.role == "self" else log.role
        root = short_hex(log.root)
        lines.append(f"  {log.origin:<24} {role:<8} size {log.size:>8,}  root {root}")
    lines.append(f"  {summary.records:,} live record(s), {summary.bodies:,} stored bodies")
    return lines


@click.command()
@home_option
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@handle_errors
def backup(home: Path | None, file: Path, force: bool) -> None:
    """Copy this node's store into FILE; safe while `federation serve` runs.

    Uses SQLite's online backup API, so FILE is one consistent snapshot. The copy is verified
    (integrity check, own log) before it takes FILE's name, and is created with mode 0600: it
    holds federation-only bodies (personal data). The config and key are NOT in it.
    """
    h = get_home(home)
    settings = h.load()
    db = h.db_path(settings)
    if not db.exists():
        raise ConfigError(f"store {db} is missing (run `federation init` first)")
    if file.exists() and not force:
        raise CliUsage(f"{file} exists; pass --force to replace it")
    try:
        summary = backup_store(db, file)
    except OSError as e:
        raise CliUsage(f"cannot write {file}: {e.strerror or e}") from e
    click.echo(
        f"backed up {settings.origin} to {file}: {human_bytes(summary.nbytes)}, integrity ok"
    )
    for line in _describe(summary):
        click.echo(line)
    click.echo(f"note: {SEPARATELY}", err=True)


def _published_size(home: Home) -> int | None:
    """The size in published.checkpoint (read only for the explanation; never changed)."""
    with contextlib.suppress(OSError, ProtocolError, UnicodeDecodeError):
        note = parse_note(home.published_path.read_bytes())
        return parse_checkpoint_text(note.text).size
    return None


def _check_key(home: Home, settings: Settings, summary: StoreSummary, file: Path) -> None:
    """The home's signing key must be one of the backup's own (unrevoked) keys."""
    signer = load_signer(home.key_path(settings), settings.origin)
    if signer.vkey not in summary.own_keys:
        raise CliFailure(
            f"{file}: its log of {settings.origin} does not know this home's signing key "
            f"{signer.key_id.hex()} (rotated after the backup?); restore a newer backup, or "
            "the key file that matches it"
        )


async def _open_node(home: Home) -> int:
    async with await Node.open(home) as node:
        head = await node.store.head(node.origin)
        return head.size if head else 0


def _explain_fork(home: Home, settings: Settings, size: int, kept: Path | None) -> None:
    """Why the restored node refuses to sign, and what to do (stderr)."""
    published = _published_size(home)
    where = home.published_path
    if published is not None and size < published:
        what = (
            f"The restored log of {settings.origin} has size {size:,}, but this node already "
            f"published a checkpoint of size {published:,} ({where})."
        )
        newer = f"a newer backup holding at least {published:,} entries"
    elif published is not None:
        what = (
            f"The restored log of {settings.origin} is not the history this node published: "
            f"its tree differs from the checkpoint of size {published:,} in {where}."
        )
        newer = "a backup of this node's own published history"
    else:
        what = f"The restored log of {settings.origin} cannot be checked against {where}."
        newer = "a newer backup"
    back = f", or put back the previous store, kept as {kept}" if kept else ""
    for line in (
        what,
        "Signing from here would give the log a second, different history (a fork) that peers "
        "holding the published checkpoint can prove, so the node refuses to serve, publish or "
        "rotate its key from this store.",
        f"Do not delete or edit {where.name}: it is what stops this node from forking its own log.",
        f"To recover, restore {newer}{back}.",
    ):
        click.echo(line, err=True)


@click.command()
@home_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@handle_errors
def restore(home: Path | None, file: Path) -> None:
    """Restore the store from a backup FILE into this (stopped) home.

    Refuses while the store is open elsewhere (stop `federation serve` first), and refuses a
    file that is not an intact store of this home's origin. The current store is kept as
    <database>.before-restore-<time>. published.checkpoint is never changed: if the backup is
    older than what this node already published, the node will refuse to sign (exit 1 here,
    with the reason).
    """
    h = get_home(home)
    settings = h.load()
    db = h.db_path(settings)
    if db.exists():
        if file.resolve() == db.resolve():
            raise CliUsage(f"{file} is this home's store itself")
        try:
            with exclusive(db):
                pass  # fail fast, before copying anything, if the node is running
        except NotAStore as e:
            click.echo(f"note: the current store is damaged and will be kept aside ({e})", err=True)
    # the copy is made next to the store, so installing it is a rename on one filesystem
    staged = db.with_name(db.name + ".restoring")
    try:
        summary = copy_store(file, staged)
    except OSError as e:
        raise CliFailure(f"cannot copy {file} into {staged.parent}: {e.strerror or e}") from e
    try:
        if summary.own_origin != settings.origin:
            raise CliFailure(
                f"{file} is a backup of {summary.own_origin}, not of this home's origin "
                f"{settings.origin}"
            )
        _check_key(h, settings, summary, file)
        try:
            kept = install_store(staged, db)
        except OSError as e:
            raise CliFailure(f"cannot install the restored store as {db}: {e.strerror or e}") from e
    finally:
        staged.unlink(missing_ok=True)
    own = summary.log(settings.origin)
    size = own.size if own else 0
    click.echo(f"restored {settings.origin} from {file} into {db}:")
    for line in _describe(summary):
        click.echo(line)
    if kept:
        click.echo(f"the previous store is kept as {kept}")
    try:
        opened = run(_open_node(h))
    except ForkRisk as e:
        _explain_fork(h, settings, size, kept)
        fail(f"restored, but the node refuses to sign: {e}")
    except (ConfigError, StoreError) as e:
        fail(f"restored, but the node does not open: {e}")
    if not h.published_path.exists():
        click.echo(
            f"warning: {h.published_path} is missing, so nothing guards against signing a fork "
            "if this backup is older than what the node published",
            err=True,
        )
    click.echo(f"the node opens: own log size {opened:,}")
