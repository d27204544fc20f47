"""A node's own resources wired together: home, settings, signing key and store.

Used by ``serve`` and by every CLI command that touches the store, so the rules (fork
protection, validation before append, one transaction per publish) hold on every path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from federation.config import ConfigError, Home, Settings, dump_settings
from federation.protocol.entry import Kind, Op, now_ts
from federation.protocol.errors import ProtocolError, RecordError
from federation.protocol.note import Signer, parse_skey
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.store import LogHead, Store, StoreError


class PublishError(Exception):
    """One or more record inputs were refused; nothing was appended."""

    def __init__(self, problems: Sequence[tuple[int, RecordError]]) -> None:
        self.problems = list(problems)
        first_index, first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"record {first_index + 1}: {first}{more}; nothing was published")


@dataclass(frozen=True)
class PublishResult:
    head: LogHead
    published: int


def load_signer(path: Path, origin: str) -> Signer:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise ConfigError(f"key file {path} is missing") from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read key file {path}: {e}") from e
    try:
        signer = parse_skey(text)
    except ProtocolError as e:
        raise ConfigError(f"key file {path} is corrupted: {e}") from e
    if signer.name != origin:
        raise ConfigError(f"key file {path} is for {signer.name}, but the origin is {origin}")
    return signer


def write_private(path: Path, text: str) -> None:
    """Create a file readable only by its owner (0600); never overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


async def init_home(home: Home, settings: Settings) -> Signer:
    """Create a home: config file and Ed25519 key (both 0600: the config may hold the admin
    token), store with an empty signed log."""
    if home.config_path.exists():
        raise ConfigError(f"{home.config_path} already exists; refusing to overwrite a node")
    home.path.mkdir(parents=True, exist_ok=True)
    signer = Signer.generate(settings.origin)
    write_private(home.key_path(settings), signer.skey + "\n")
    write_private(home.config_path, dump_settings(settings))
    async with await Store.open(
        home.db_path(settings), published_path=home.published_path
    ) as store:
        await store.add_origin(settings.origin, "self", [signer.vkey])
        await store.append_own(settings.origin, signer, [])
    return signer


RETIRED_KEYS_DIR = "retired-keys"


def _retired_key_path(home: Home, key_id_hex: str) -> Path:
    return home.path / RETIRED_KEYS_DIR / f"{key_id_hex}.key"


def _retire_key_file(home: Home, settings: Settings, old: Signer) -> None:
    """Keep the old key (marked retired) out of the way of the current one."""
    (home.path / RETIRED_KEYS_DIR).mkdir(mode=0o700, exist_ok=True)
    os.replace(home.key_path(settings), _retired_key_path(home, old.key_id.hex()))


async def _finish_rotation(home: Home, settings: Settings, store: Store) -> None:
    """Complete a rotation interrupted after its append committed, or drop an uncommitted one."""
    key_path = home.key_path(settings)
    nxt = key_path.with_name(key_path.name + ".next")
    if not nxt.exists():
        return
    new = load_signer(nxt, settings.origin)
    active = {
        vkey for vkey, _, state in await store.origin_keys(settings.origin) if state == "active"
    }
    if new.vkey not in active:
        nxt.unlink()  # the key entry never committed: the old key stays current
        return
    old = load_signer(key_path, settings.origin)
    if old.vkey != new.vkey:
        _retire_key_file(home, settings, old)
    os.replace(nxt, key_path)


async def _grace_signers(home: Home, settings: Settings, store: Store) -> list[Signer]:
    """Retired keys still within ``key_grace_days`` whose key files are kept."""
    now = datetime.now(UTC)
    grace = timedelta(days=settings.key_grace_days)
    out: list[Signer] = []
    for key_id_hex, retired_at in await store.retired_keys(settings.origin):
        path = _retired_key_path(home, key_id_hex)
        if not retired_at or not path.exists():
            continue
        when = datetime.strptime(retired_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        if now - when <= grace:
            out.append(load_signer(path, settings.origin))
    return out


class Node:
    """A node's settings, key and open store. Create with :meth:`open`; :meth:`close` it."""

    def __init__(
        self,
        home: Home,
        settings: Settings,
        signer: Signer,
        store: Store,
        retired: Sequence[Signer] = (),
    ) -> None:
        self.home = home
        self.settings = settings
        self.signer = signer
        self.store = store
        self.retired = list(retired)

    @property
    def origin(self) -> str:
        return self.settings.origin

    @classmethod
    async def open(cls, home: Home) -> Node:
        settings = home.load()
        db = home.db_path(settings)
        if not db.exists():
            raise ConfigError(f"store {db} is missing (run `federation init`, or restore it)")
        store = await Store.open(db, published_path=home.published_path)
        try:
            head = await store.head(settings.origin)
            if head is None or head.role != "self":
                raise StoreError(f"the store in {db} does not hold the log of {settings.origin}")
            await _finish_rotation(home, settings, store)
            signer = load_signer(home.key_path(settings), settings.origin)
            await store.check_not_behind(settings.origin, await store.verifiers(settings.origin))
            retired = await _grace_signers(home, settings, store)
        except BaseException:
            await store.close()
            raise
        return cls(home, settings, signer, store, retired)

    @property
    def signers(self) -> list[Signer]:
        """Keys that sign new checkpoints: the current one, then retired ones in their grace."""
        return [self.signer, *self.retired]

    async def rotate_key(self) -> Signer:
        """Key rotation (DESIGN §6): append a ``key`` entry naming a new key.

        The checkpoint containing it is signed by the old and the new key; later checkpoints
        by the new key, and by the old one too for ``key_grace_days``. Crash-safe: the new key
        is written to ``<key_file>.next`` before the append and moved into place after it
        commits; ``Node.open`` finishes (or abandons) a rotation that was interrupted.
        """
        key_path = self.home.key_path(self.settings)
        nxt = key_path.with_name(key_path.name + ".next")
        if nxt.exists():
            raise ConfigError(f"{nxt} exists: a rotation is in progress (reopen the node first)")
        new = Signer.generate(self.origin)
        write_private(nxt, new.skey + "\n")
        try:
            await self.store.append_own(
                self.origin, [self.signer, new, *self.retired], [Publication(Op.KEY, vkey=new.vkey)]
            )
        except BaseException:
            nxt.unlink()
            raise
        _retire_key_file(self.home, self.settings, self.signer)
        os.replace(nxt, key_path)
        self.retired = [self.signer, *self.retired]
        self.signer = new
        return new

    async def close(self) -> None:
        await self.store.close()

    async def __aenter__(self) -> Node:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def prepare(self, inputs: Iterable[Mapping[str, Any]]) -> list[Publication]:
        """Validate every input; raise :class:`PublishError` listing all bad ones."""
        now = now_ts()
        pubs: list[Publication] = []
        problems: list[tuple[int, RecordError]] = []
        seen: set[tuple[str, str]] = set()
        for i, obj in enumerate(inputs):
            try:
                pub = prepare_put(obj, now=now, max_body_bytes=self.settings.limits.max_body_bytes)
            except RecordError as e:
                problems.append((i, e))
                continue
            assert pub.kind is not None and pub.id is not None
            key = (pub.kind.value, pub.id)
            if key in seen:
                problems.append((i, RecordError(f"id: {pub.id} appears twice", field="id")))
            seen.add(key)
            pubs.append(pub)
        if problems:
            raise PublishError(problems)
        limit = self.settings.limits.max_records_per_put
        if len(pubs) > limit:
            raise PublishError(
                [(limit, RecordError(f"more than {limit} records in one publish call"))]
            )
        return pubs

    def prepare_one(self, obj: Mapping[str, Any], now: str) -> Publication:
        """Validate one record input (raises :class:`RecordError`)."""
        return prepare_put(obj, now=now, max_body_bytes=self.settings.limits.max_body_bytes)

    async def append(self, pubs: Sequence[Publication]) -> LogHead:
        """Append already prepared publications in one transaction, signed checkpoint included."""
        return await self.store.append_own(self.origin, self.signers, pubs)

    async def publish(self, inputs: Iterable[Mapping[str, Any]]) -> PublishResult:
        pubs = self.prepare(inputs)
        head = await self.store.append_own(self.origin, self.signers, pubs)
        return PublishResult(head, len(pubs))

    async def delete(self, kind: str, record_id: str) -> PublishResult:
        pub = prepare_delete(kind, record_id)
        assert pub.kind is not None and pub.id is not None
        current = await self.store.get_record(self.origin, pub.kind.value, pub.id)
        if current is None or current.op != "put":
            raise RecordError(f"no live {pub.kind.value} {pub.id} in {self.origin}", field="id")
        head = await self.store.append_own(self.origin, self.signers, [pub])
        return PublishResult(head, 1)


__all__ = ["Kind", "Node", "PublishError", "PublishResult", "init_home", "load_signer"]
