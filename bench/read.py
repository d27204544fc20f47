"""Read-API benchmark: latency and throughput of the portal read API on 1M merged records.

``/v1/records`` (filters, search, cursors), ``/v1/records/{origin}/{kind}/{id}`` and
``/v1/changes`` on a store of merged records (default 1,000,000), with a Datasette comparison.

Run from the repository root::

    python -m bench.read                         # 1M records: builds once (minutes), then cached
    python -m bench.read --records 20000         # a quick run on a smaller store
    python -m bench.read --datasette             # also serve the same file with Datasette
    python -m bench.read --rebuild               # throw the cached store away and build it again

**The store.** A node home (``lt.esfa.ncc``, the Lithuanian centre) whose store holds
``--records`` records of the 13 demo centres of ``centres.json``, built through the real write
path: the node's own share is published with ``Node.prepare`` + ``Store.append_own`` (signed
checkpoints); every other centre's share is encoded into leaves exactly as its own node would
(``prepare_put``, ``encode_put``/``encode_delete``, a checkpoint signed with that centre's key),
verified by ``UpdateVerifier`` against the checkpoint under the pinned key, and merged with
``Store.apply_update`` — what a pull does, minus HTTP. The records are the generators of
``federation.cli.samples`` (every centre's hand-written contacts, cases and events, plus
generated cases: topic × place × year, in the centre's language and English) plus, here,
generated editions of each centre's events (about 10 % of the records), revisions of about 3 %
of the cases (a later ``updated_at`` and ``stage``) and deletions of about 0.2 %. Merges come in
rounds (every centre once per round), so the change order interleaves centres as pulls do. The
built home is cached in ``bench/.cache/read-<size>/`` (gitignored), keyed by a stamp of this
benchmark's data version, the store schema version and the size: a second run starts in
seconds; ``--rebuild`` forces a new build. Everything is seeded (record ids, texts, the
queries, the sampled records and cursors); only keys, salts and leaf timestamps differ between
builds.

**The measurement.** The home is served by a real node (``create_app`` + aiohttp runner, no
scheduled pulls, request rate limit off in the bench's config) in a **separate process**
(``python -m bench.read serve``); this process is the load generator (aiohttp client), so its
CPU never sits on the server's event loop. For each query class (several URLs each, cycled):
every URL is fetched once first (the slowest of these is reported apart as "1st": the node
remembers the title stage of a search for a word found in most texts but few titles, see
``federation/store/read.py``; the store file is in the OS page cache after the build, as on a
node that has been serving for a while), then ``--requests`` sequential requests give
p50/p99/max latency, then for each ``--concurrency`` level that many clients send requests for
``--seconds`` and give requests/s and p99 under load (queueing included). Latency is the
client's: request sent to the last byte of the body read. Every answer must be ``200``; errors
are counted and reported. The server process's CPU time per request is printed too (from
``/proc``), so client overhead is visible.
Target: p99 < 20 ms (sequential); classes that miss it are named at the end.

Query classes: filters (kind, country, theme, lang, updated_since, combined), full-text search
(common and rare words, diacritics-free), search + filter, deep paging (cursors sampled along
walks of 500-record pages, the walks themselves timed), one record with its inclusion proof,
and the change feed. The number of records each filter and search matches is printed with the
figures (counted in SQL beforehand), so each latency can be read against how much the query
touches; so is the number of FTS5 segments of the full-text index (each search seeks in every
segment; the merges leave several).

**Datasette** (``--datasette``): installs ``datasette`` into its own venv
(``bench/.cache/datasette-venv``, never a project dependency) on first use, serves the same
SQLite file read-only (``--immutable``, after the node has closed it) on 127.0.0.1, and runs
the same query classes as SQL through its JSON API (``/<db>.json?sql=…&_shape=array``): for
each page the straightforward statement a Datasette user would write against the same tables
and indexes (FTS5 ``MATCH`` on ``records_fts`` driving search and facet filters, with kind,
origin and time as plain conditions; the ``records`` indexes otherwise; for a search only the
combined stage, no titles first; for a record only the row and its leaf — Datasette computes
no proof; no cursor MACs). Its first pages of the filters are checked against the node's.
Same load generator, same figures, side by side. If Datasette does not install, the reason is
printed and the benchmark goes on.

Prints figures; ``main`` returns them as a dict and raises ``SystemExit`` if any request failed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import copy
import itertools
import json
import math
import os
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from bench.common import environment, load, serve
from federation.cli.samples import sample_id, sample_origins, sample_records
from federation.config import Home, Limits, Settings
from federation.node.service import Node, init_home
from federation.protocol import merkle
from federation.protocol.checkpoint import Checkpoint, open_checkpoint
from federation.protocol.entry import Op, encode_delete, encode_put, now_ts
from federation.protocol.note import Signer
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.protocol.update import UpdateVerifier, WireEntry
from federation.store import Store
from federation.store.schema import MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "bench" / ".cache"
DATA_VERSION = 1
"""Bump when the generated store changes (records, settings): cached stores are rebuilt."""
SERVER_ORIGIN = "lt.esfa.ncc"
SEED = 20260
TARGET_MS = 20.0
MAX_ROUNDS = 8
EVENT_SHARE = 10  # one record in this many is a generated event edition
REVISE_EVERY = 33  # one case in this many of a round is revised in the next round
DELETE_EVERY = 499  # one record in this many of a round is deleted in the next round
_STAGES_NEXT = {"idea": "invention", "invention": "testing", "testing": "implementation"}


# --- the store ----------------------------------------------------------------------------------


def stamp(records: int) -> str:
    return f"read-v{DATA_VERSION}-schema{len(MIGRATIONS)}-records{records}"


def cache_dir(root: Path, records: int) -> Path:
    label = f"{records // 1_000_000}m" if records % 1_000_000 == 0 else str(records)
    return root / f"read-{label}"


def _ts(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _shift_local(value: str, delta: timedelta) -> str:
    """Shift a local date-time (``2023-06-01T09:00:00``) or a date by ``delta``."""
    if "T" in value:
        return (datetime.fromisoformat(value) + delta).isoformat(timespec="seconds")
    return (date.fromisoformat(value) + delta).isoformat()


def event_edition(template: dict[str, Any], origin: str, k: int) -> dict[str, Any]:
    """Edition ``k`` of a centre's hand-written event: a recurring webinar, workshop or call.

    Same texts and organisers, a new id and dates ``3k`` days later (modulo four years); one in
    29 is cancelled, one in 31 postponed.
    """
    ev = copy.deepcopy(template)
    ev["id"] = sample_id(origin, SEED, k)  # another seed than the sample records' (0..rounds)
    delta = timedelta(days=(3 * k) % 1461 + 1)
    for obj in (ev, ev.get("registration"), ev.get("call")):
        if isinstance(obj, dict):
            for key in ("start", "end", "deadline"):
                if isinstance(obj.get(key), str):
                    obj[key] = _shift_local(obj[key], delta)
    created = datetime.fromisoformat(template["created_at"].replace("Z", "+00:00"))
    created += timedelta(seconds=(k * 7919) % (240 * 86400))
    ev["created_at"] = _ts(created)
    ev["updated_at"] = _ts(created + timedelta(hours=k % 50))
    if k % 29 == 0:
        ev["status"] = "cancelled"
    elif k % 31 == 0:
        ev["status"] = "postponed"
    return ev


def revision(rec: dict[str, Any]) -> dict[str, Any]:
    """A later version of a generated case: a month on, one stage further."""
    rev = dict(rec)
    updated = datetime.fromisoformat(rec["updated_at"].replace("Z", "+00:00"))
    rev["updated_at"] = _ts(updated + timedelta(days=30))
    rev["stage"] = _STAGES_NEXT.get(rec.get("stage", ""), rec.get("stage"))
    return rev


@dataclass
class OriginPlan:
    """What one centre publishes, round by round."""

    origin: str
    records: int  # distinct records in the end
    handwritten: list[dict[str, Any]] = field(default_factory=list)
    org_id: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    made_events: int = 0
    previous: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.handwritten = sample_records(self.origin)
        self.org_id = self.handwritten[0]["id"]  # the centre's organisation contact
        self.events = [r for r in self.handwritten if r["kind"] == "event"]

    def round(self, rnd: int, rounds: int) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
        """Record inputs (new records, then revisions) and deletions (kind, id) of a round.

        The new records of all rounds add up to ``records``."""
        new = self.records // rounds + (self.records % rounds if rnd == rounds - 1 else 0)
        events = new // EVENT_SHARE if self.events else 0
        hand = 0 if rnd else len(self.handwritten)  # hand-written records come in round 0
        cases = max(0, new - events - hand)
        fresh = sample_records(self.origin, extra=cases, seed=rnd)[len(self.handwritten) - hand :]
        if rnd:
            for rec in fresh:
                rec["contact_refs"] = [self.org_id]  # the organisation of round 0
        for _ in range(events):
            tpl = self.events[self.made_events % len(self.events)]
            fresh.append(event_edition(tpl, self.origin, self.made_events))
            self.made_events += 1
        revised = [
            revision(r)
            for i, r in enumerate(self.previous)
            if r["kind"] == "case" and i % REVISE_EVERY == 5
        ]
        deleted = [
            (r["kind"], r["id"])
            for i, r in enumerate(self.previous)
            if r["kind"] != "contact" and i % DELETE_EVERY == 7 and i % REVISE_EVERY != 5
        ]
        self.previous = fresh
        return fresh + revised, deleted


class Progress:
    """One progress line: rewritten in place on a terminal, a line per step otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.t0 = time.perf_counter()
        self.tty = sys.stderr.isatty()
        self.last = -1.0

    def show(self, done: int, what: str) -> None:
        dt = time.perf_counter() - self.t0
        rate = done / dt if dt > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else 0.0
        pct = 100.0 * done / self.total if self.total else 100.0
        line = (
            f"building: {done:,}/{self.total:,} records ({pct:4.1f} %), {rate:,.0f} records/s, "
            f"{dt:,.0f} s, ETA {eta:,.0f} s — {what}"
        )
        if self.tty:
            sys.stderr.write("\r\x1b[2K" + line)
            sys.stderr.flush()
        elif pct - self.last >= 10 or done >= self.total:
            print(line, file=sys.stderr, flush=True)
            self.last = pct

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()


class OriginLog:
    """Another centre's log, encoded as its own node would write it, merged by verification."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.signer = Signer.generate(origin)
        self.range = merkle.CompactRange()

    def entries(self, pubs: Sequence[Publication]) -> tuple[list[WireEntry], bytes]:
        """The wire entries of ``pubs`` and the signed checkpoint note covering them."""
        ts = now_ts()
        wires = []
        for p in pubs:
            seq = self.range.size
            assert p.kind is not None and p.id is not None
            if p.op is Op.PUT:
                assert p.body is not None and p.vis is not None
                raw = encode_put(seq, ts, p.kind, p.id, p.body, p.vis)
            else:
                raw = encode_delete(seq, ts, p.kind, p.id)
            self.range.append(merkle.leaf_hash(raw))
            wires.append(WireEntry(seq, raw, p.body))
        note = Checkpoint(self.origin, self.range.size, self.range.root()).sign(self.signer)
        return wires, note

    async def merge(self, store: Store, pubs: Sequence[Publication]) -> None:
        """Verify the entries against the signed checkpoint (as a pull does) and merge them."""
        wires, note = self.entries(pubs)
        head = await store.head(self.origin)
        assert head is not None
        cp = open_checkpoint(note, self.origin, await store.verifiers(self.origin))
        verifier = UpdateVerifier(self.origin, head.size, head.frontier, cp)
        verifier.add_batch(wires)
        await store.apply_update(verifier.finish(), f"bench:{self.origin}")


def bench_settings() -> Settings:
    return Settings(
        origin=SERVER_ORIGIN,
        country="LT",
        name="Lithuanian ESF Agency (bench.read)",
        listen="127.0.0.1:0",
        # the load generator is one client: no per-client rate limit in the benchmark
        limits=Limits(rate_per_second=0, rate_burst=0),
    )


async def build(home: Home, records: int) -> dict[str, Any]:
    """Build the node home (see the module docstring); returns what it holds."""
    t0 = time.perf_counter()
    settings = bench_settings()
    await init_home(home, settings)
    origins = sample_origins()
    shares = [records // len(origins) + (i < records % len(origins)) for i in range(len(origins))]
    plans = [OriginPlan(o, n) for o, n in zip(origins, shares, strict=True)]
    per_round = max(1, records // len(origins))
    rounds = max(1, min(MAX_ROUNDS, per_round // 50))
    logs = {o: OriginLog(o) for o in origins if o != SERVER_ORIGIN}
    progress = Progress(records)
    entries = done = 0
    async with await Node.open(home) as node:
        for log in logs.values():
            await node.store.add_origin(log.origin, "trusted", [log.signer.vkey])
        max_body = node.settings.limits.max_body_bytes
        for rnd in range(rounds):
            for plan in plans:
                inputs, deleted = plan.round(rnd, rounds)
                done += len(plan.previous)
                if plan.origin == SERVER_ORIGIN:
                    pubs = node.prepare(inputs) + [prepare_delete(k, i) for k, i in deleted]
                    await node.append(pubs)
                else:
                    now = now_ts()
                    pubs = [prepare_put(x, now=now, max_body_bytes=max_body) for x in inputs]
                    pubs += [prepare_delete(k, i) for k, i in deleted]
                    await logs[plan.origin].merge(node.store, pubs)
                entries += len(pubs)
                progress.show(done, f"round {rnd + 1}/{rounds}, {plan.origin}")
        progress.close()
        counts = await node.store.counts()
        last = await node.store.last_change()
    held = sum(sum(c.values()) for c in counts.values())
    seconds = time.perf_counter() - t0
    db = home.db_path(settings)
    return {
        "records": records,
        "records_held": held,
        "entries": entries,
        "origins": len(origins),
        "rounds": rounds,
        "last_change": last,
        "seconds": seconds,
        "bytes": db.stat().st_size,
    }


async def ensure_store(root: Path, records: int, rebuild: bool) -> tuple[Home, dict[str, Any]]:
    """The cached home for ``records``, built first if missing, stale or ``rebuild``."""
    where = cache_dir(root, records)
    stamp_file = where / "stamp.json"
    want = stamp(records)
    if not rebuild and stamp_file.exists():
        info: dict[str, Any] = json.loads(stamp_file.read_text())
        if info.get("stamp") == want:
            info["cached"] = True
            return Home(where / "node"), info
        print(f"cached store {where} is {info.get('stamp')}, want {want}: rebuilding")
    if where.exists():
        shutil.rmtree(where)
    where.mkdir(parents=True)
    print(f"building {records:,} records into {where} (once; cached afterwards)")
    home = Home(where / "node")
    info = await build(home, records)
    info["stamp"] = want
    info["built_at"] = _ts(datetime.now(UTC))
    info["environment"] = environment()
    stamp_file.write_text(json.dumps(info, indent=1) + "\n")  # last: marks the build complete
    info["cached"] = False
    return home, info


# --- servers in their own processes -------------------------------------------------------------


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` (all its threads), from ``/proc``."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _serve(home: Path) -> None:
    """``python -m bench.read serve``: serve ``home`` on 127.0.0.1 until stdin closes."""
    node = await Node.open(Home(home))
    served = await serve(node)
    print(json.dumps({"url": served.url}), flush=True)
    try:
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    finally:
        await served.close()


class Server:
    """A server subprocess: the node (``serve``) or Datasette. ``url`` is where it answers."""

    def __init__(
        self, name: str, cmd: list[str], url: str | None = None, log: Path | None = None
    ) -> None:
        self.name = name
        self.log = log  # its output, when it is not the node
        self._out = open(log, "w") if log is not None else None  # noqa: SIM115 (closed by close)
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE if url is None else self._out,
            stderr=None if url is None else subprocess.STDOUT,
            text=True,
            cwd=ROOT,  # where `bench` can be imported from
        )
        if url is None:  # the node prints its URL when it listens
            assert self.proc.stdout is not None
            line = self.proc.stdout.readline()
            if not line:
                self.proc.wait()
                raise RuntimeError(f"{name} failed to start (exit {self.proc.returncode})")
            url = str(json.loads(line)["url"])
        self.url = url

    def cpu(self) -> float | None:
        return process_cpu_seconds(self.proc.pid)

    def close(self) -> None:
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        if self.proc.poll() is None and self.proc.stdout is None:
            self.proc.terminate()  # Datasette does not read stdin
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdout, self._out):
            if stream is not None:
                stream.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def node_server(home: Home) -> Server:
    cmd = [sys.executable, "-m", "bench.read", "serve", "--home", str(home.path)]
    return Server("node", cmd)


# --- queries ------------------------------------------------------------------------------------


@dataclass
class QueryClass:
    """A class of requests: ``what`` is ``records``, ``record`` or ``changes``; one parameter
    dict per URL (cycled)."""

    name: str
    what: str
    params: list[dict[str, str]]
    matches: list[int] = field(default_factory=list)  # records each URL's query matches


def node_path(qc: QueryClass, p: dict[str, str]) -> str:
    if qc.what == "record":
        return f"/v1/records/{p['origin']}/{p['kind']}/{p['id']}"
    base = "/v1/records" if qc.what == "records" else "/v1/changes"
    return base + ("?" + urllib.parse.urlencode(p) if p else "")


def fixed_classes() -> list[QueryClass]:
    """Filters and searches: the same URLs on every run (the words are in the sample data)."""

    def qs(*queries: str) -> list[dict[str, str]]:
        return [dict(urllib.parse.parse_qsl(q)) for q in queries]

    return [
        QueryClass("list: no filter", "records", qs("", "limit=20")),
        QueryClass("filter: kind", "records", qs("kind=case", "kind=event", "kind=contact")),
        QueryClass(
            "filter: country",
            "records",
            qs(*(f"country={c}" for c in ("LT", "DE", "FI", "CZ", "PL", "FR", "MT"))),
        ),
        QueryClass(
            "filter: theme",
            "records",
            qs(
                *(
                    f"theme={t}"
                    for t in ("housing", "employment", "youth", "social-inclusion", "homelessness")
                )
            ),
        ),
        QueryClass(
            "filter: lang",
            "records",
            qs(*(f"lang={x}" for x in ("en", "lt", "de", "cs", "fi", "pt-BR"))),
        ),
        QueryClass(
            "filter: updated_since",
            "records",
            qs(
                "updated_since=2025-03-01",
                "updated_since=2025-09-20",
                "updated_since=2025-12-01T00:00:00Z",
            ),
        ),
        QueryClass(
            "filter: combined",
            "records",
            qs(
                "kind=event&country=LT&lang=en",
                "kind=case&theme=housing&country=SK",
                "kind=case&country=DE&lang=de&theme=youth",
                "kind=event&lang=fi",
                "kind=contact&country=BE",
                "kind=case&country=PL&updated_since=2025-09-01",
                "origin=lv.sif.ncc&kind=event",
                "origin=de.esia.ncc&country=LT",
                "country=LT&updated_since=2025-10-01",
            ),
        ),
        QueryClass(
            "search: common words",
            "records",
            qs(
                "q=social",
                "q=housing",
                "q=pilot",
                "q=municipalities",
                "q=social+inclusion",
                "q=digital+skills",
                "q=Vilnius",
            ),
        ),
        QueryClass(
            "search: rare words",
            "records",
            qs(
                "q=pencil",
                "q=socialiniu",
                "q=socialines",
                "q=vlaanderen",
                "q=lapkricio",
                "q=mutual+learning",
                "q=kompetenzzentrum",
            ),
        ),
        QueryClass(
            "search + filter",
            "records",
            qs(
                "q=social&country=LT",
                "q=seniors&kind=case&lang=en",
                "q=webinar&kind=event",
                "q=pilot&theme=housing",
                "q=housing&country=AT&kind=case",
                "q=inclusion&lang=de",
                "q=social&origin=fi.esf.ncc",
                "q=social&updated_since=2025-10-15",
            ),
        ),
    ]


WALKS = ("kind=case", "country=DE", "q=social", "q=pilot")
"""Listings walked page by page (500 records a page) for deep cursors."""


def sampled_classes(db: Path, last: int, rng: random.Random) -> list[QueryClass]:
    """Record look-ups and change-feed positions, sampled (seeded) from the store."""
    picks: list[dict[str, str]] = []
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        sql = (
            "SELECT o.origin, r.kind, r.id FROM records r JOIN origins o ON o.id = r.origin_id "
            "WHERE r.change = ? AND r.vis = 'public'"
        )
        tries = 0
        while len(picks) < 300 and tries < 3000:
            tries += 1
            row = conn.execute(sql, (rng.randint(1, last),)).fetchone()
            if row is not None:
                picks.append({"origin": row[0], "kind": row[1], "id": row[2]})
    feed = [{"since": str(rng.randrange(last)), "limit": "100"} for _ in range(100)]
    big = [{"since": str(rng.randrange(last)), "limit": "1000"} for _ in range(30)]
    return [
        QueryClass("record + proof", "record", picks),
        QueryClass("changes: 100 a page", "changes", feed),
        QueryClass("changes: 1000 a page", "changes", big),
    ]


# -- the same queries as SQL (Datasette, and counting matches) ------------------------------------

_SQL_COLS = (
    "o.origin, r.kind, r.id, r.seq, r.op, r.vis, r.ts, r.updated_at, r.country, r.title, "
    "r.facets, r.change, CAST(b.body AS TEXT) AS body"
)
_SQL_JOINS = (
    "JOIN origins o ON o.id = r.origin_id "
    "LEFT JOIN bodies b ON b.origin_id = r.origin_id AND b.seq = r.seq"
)


def cursor_change(cursor: str) -> int:
    """The change a cursor points after (its payload; the MAC is the node's business)."""
    payload = cursor.split(".")[0]
    return int(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))[2])


def records_sql(p: dict[str, str], *, count: bool = False) -> tuple[str, dict[str, str]]:
    """One page of ``/v1/records`` as one straightforward SQL statement (the full-text index,
    else the kind index, drives; the combined search stage), or the number of records the
    query matches (``count``)."""
    from federation.node.read import parse_timestamp
    from federation.store.read import STAGE_CHANGE, facet_word, fts_query, search_terms

    where = ["o.role IN ('self', 'trusted')", "r.op = 'put'", "r.valid IS NOT 0"]
    where.append("r.vis = 'public'")
    args: dict[str, str] = {}
    facets = [
        facet_word(prefix, value)
        for prefix, value in (
            ("c", p.get("country")),
            ("l", p.get("lang", "").lower() or None),
            ("t", p.get("theme")),
        )
        if value is not None
    ]
    terms = search_terms(p["q"]) if "q" in p else ()
    if terms or facets:
        source, key = "records_fts m JOIN records r ON r.change = m.rowid", "m.rowid"
        where.append("records_fts MATCH :match")
        args["match"] = fts_query(terms, facets, STAGE_CHANGE)
        plus = "+"
    else:
        source, key, plus = "records r", "r.change", ""
    if "kind" in p:
        where.append(f"{plus}r.kind = :kind")
        args["kind"] = p["kind"]
    if "origin" in p:
        where.append(f"{plus}r.origin_id = (SELECT id FROM origins WHERE origin = :origin)")
        args["origin"] = p["origin"]
    if "updated_since" in p:
        where.append("+r.updated_at >= :since")
        args["since"] = parse_timestamp(p["updated_since"])
    if "cursor" in p:
        where.append(f"{key} > :after")
        args["after"] = str(cursor_change(p["cursor"]))
    cond = " AND ".join(where)
    if count:
        return (
            f"SELECT COUNT(*) FROM {source} JOIN origins o ON o.id = r.origin_id WHERE {cond}",
            args,
        )
    limit = int(p.get("limit", "50")) + 1
    return (
        f"SELECT {_SQL_COLS} FROM {source} {_SQL_JOINS} WHERE {cond} ORDER BY {key} LIMIT {limit}",
        args,
    )


def query_sql(qc: QueryClass, p: dict[str, str]) -> tuple[str, dict[str, str]]:
    if qc.what == "records":
        return records_sql(p)
    if qc.what == "record":
        sql = (
            f"SELECT {_SQL_COLS}, CAST(l.leaf AS TEXT) AS leaf FROM records r {_SQL_JOINS} "
            "JOIN leaves l ON l.origin_id = r.origin_id AND l.seq = r.seq WHERE o.origin = :origin "
            "AND r.kind = :kind AND r.id = :id AND o.role IN ('self', 'trusted')"
        )
        return sql, dict(p)
    sql = (
        "SELECT r.change, o.origin, r.kind, r.id, r.seq, r.op FROM records r "
        "JOIN origins o ON o.id = r.origin_id WHERE r.change > :since "
        f"AND o.role IN ('self', 'trusted') ORDER BY r.change LIMIT {int(p['limit'])}"
    )
    return sql, {"since": p["since"]}


def count_matches(db: Path, classes: Sequence[QueryClass]) -> float:
    """Fill ``matches`` of the filter and search classes; returns the seconds it took."""
    t0 = time.perf_counter()
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        for qc in classes:
            if qc.what == "records":
                qc.matches = []
                for p in qc.params:
                    sql, args = records_sql(p, count=True)
                    qc.matches.append(int(conn.execute(sql, args).fetchone()[0]))
    return time.perf_counter() - t0


# --- the load generator -------------------------------------------------------------------------


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


@dataclass
class Errors:
    count: int = 0
    first: str = ""

    def add(self, url: str, status: int, body: bytes) -> None:
        self.count += 1
        if not self.first:
            self.first = f"{status} for {url}: {body[:300].decode(errors='replace')}"


async def timed_get(session: aiohttp.ClientSession, url: str) -> tuple[float, int, bytes]:
    """Seconds from sending the request to the last byte of the body, status, body."""
    t = time.perf_counter()
    async with session.get(url) as resp:
        body = await resp.read()
    return time.perf_counter() - t, resp.status, body


def _ms(seconds: Sequence[float]) -> dict[str, float]:
    ordered = sorted(seconds)
    return {
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": percentile(ordered, 0.99) * 1000,
        "max_ms": ordered[-1] * 1000,
    }


@dataclass
class _Load:
    """Clients sending requests for the URLs (cycled) until ``deadline``."""

    session: aiohttp.ClientSession
    urls: Sequence[str]
    deadline: float
    latencies: list[float]
    errors: Errors
    sent: Iterator[int] = field(default_factory=itertools.count)

    async def worker(self) -> None:
        while time.perf_counter() < self.deadline:
            url = self.urls[next(self.sent) % len(self.urls)]
            dt, status, body = await timed_get(self.session, url)
            self.latencies.append(dt)
            if status != 200:
                self.errors.add(url, status, body)


async def measure(
    server: Server, urls: Sequence[str], requests: int, concurrency: Sequence[int], seconds: float
) -> dict[str, Any]:
    """Warm-up, sequential latency, then throughput at each concurrency level."""
    errors = Errors()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as session:
        first = []
        for url in urls:  # warm-up: each URL once, reported apart ("first")
            dt, status, body = await timed_get(session, url)
            first.append(dt)
            if status != 200:
                errors.add(url, status, body)
        cpu0 = server.cpu()
        times = []
        per_url: dict[str, list[float]] = {}
        for i in range(requests):
            url = urls[i % len(urls)]
            dt, status, body = await timed_get(session, url)
            times.append(dt)
            per_url.setdefault(url, []).append(dt)
            if status != 200:
                errors.add(url, status, body)
        cpu1 = server.cpu()
    out: dict[str, Any] = _ms(times)
    out["first_max_ms"] = max(first) * 1000
    url, slow = max(per_url.items(), key=lambda kv: statistics.median(kv[1]))
    path = url.split("/", 3)[-1]
    out["slowest"] = {"url": "/" + path, **_ms(slow)}
    if cpu0 is not None and cpu1 is not None:
        out["server_cpu_ms"] = (cpu1 - cpu0) * 1000 / requests
    out["load"] = {}
    for level in concurrency:
        latencies: list[float] = []
        connector = aiohttp.TCPConnector(limit=level)
        async with aiohttp.ClientSession(connector=connector) as session:
            load_ = _Load(session, urls, time.perf_counter() + seconds, latencies, errors)
            t0 = time.perf_counter()
            await asyncio.gather(*(load_.worker() for _ in range(level)))
            elapsed = time.perf_counter() - t0
        ordered = sorted(latencies)
        out["load"][level] = {
            "requests": len(ordered),
            "rps": len(ordered) / elapsed,
            "p50_ms": statistics.median(ordered) * 1000,
            "p99_ms": percentile(ordered, 0.99) * 1000,
        }
    out["errors"] = errors.count
    out["first_error"] = errors.first
    return out


async def walk(session: aiohttp.ClientSession, base: str, query: str, pages: int) -> dict[str, Any]:
    """Page through a listing 500 records at a time; the cursors and the timing."""
    params = dict(urllib.parse.parse_qsl(query)) | {"limit": "500"}
    cursors: list[str] = []
    times: list[float] = []
    items = 0
    cursor: str | None = None
    for _ in range(pages):
        p = params | ({"cursor": cursor} if cursor else {})
        url = f"{base}/v1/records?{urllib.parse.urlencode(p)}"
        dt, status, body = await timed_get(session, url)
        if status != 200:
            raise RuntimeError(f"walk {query}: {status} {body[:300]!r}")
        doc = json.loads(body)
        times.append(dt)
        items += len(doc["items"])
        cursor = doc["next"]
        if cursor is None:
            break
        cursors.append(cursor)
    return {"query": query, "cursors": cursors, "items": items, "pages": len(times), "times": times}


def deep_class(walks: Sequence[dict[str, Any]], per_walk: int = 10) -> QueryClass:
    """Pages of 50 at cursors from the second half of each walk."""
    params = []
    for w in walks:
        deep = w["cursors"][len(w["cursors"]) // 2 :]
        step = max(1, len(deep) // per_walk)
        base = dict(urllib.parse.parse_qsl(w["query"]))
        params += [base | {"cursor": c} for c in deep[::step][:per_walk]]
    return QueryClass("paging: deep cursors", "records", params)


# --- Datasette ----------------------------------------------------------------------------------


def ensure_datasette(cache: Path) -> tuple[Path | None, str]:
    """Datasette in its own venv under ``cache`` (installed on first use): (executable, version)
    or (None, why not)."""
    venv = cache / "datasette-venv"
    exe = venv / "bin" / "datasette"
    if not exe.exists():
        print(f"installing datasette into {venv} (once) ...", flush=True)
        try:
            subprocess.run(
                [sys.executable, "-m", "venv", "--clear", str(venv)],
                check=True,
                capture_output=True,
                timeout=300,
            )
            subprocess.run(
                [str(venv / "bin" / "pip"), "install", "--quiet", "datasette"],
                check=True,
                capture_output=True,
                text=True,
                timeout=900,
            )
        except subprocess.CalledProcessError as e:
            tail = (e.stderr or "").strip().splitlines()[-3:] if isinstance(e.stderr, str) else []
            return None, f"pip install datasette failed: {' | '.join(tail) or e}"
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"could not install datasette: {e}"
    try:
        done = subprocess.run(
            [str(exe), "--version"], check=True, capture_output=True, text=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError) as e:
        return None, f"datasette does not run: {e}"
    return exe, done.stdout.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def datasette_server(exe: Path, db: Path) -> Server:
    """Datasette serving ``db`` read-only (immutable) on 127.0.0.1, once it answers."""
    with contextlib.closing(sqlite3.connect(db)) as conn:  # fold the WAL into the file
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    port = free_port()
    cmd = [str(exe), "serve", "--immutable", str(db), "--host", "127.0.0.1", "--port", str(port)]
    # the same page of records at any depth: allow a slow query to finish (default 1000 ms)
    cmd += ["--setting", "sql_time_limit_ms", "10000"]
    log = db.parent.parent / "datasette.log"
    server = Server("datasette", cmd, url=f"http://127.0.0.1:{port}", log=log)
    deadline = time.perf_counter() + 60
    async with aiohttp.ClientSession() as session:
        while True:
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{server.url}/-/versions.json") as resp:
                    if resp.status == 200:
                        return server
            if server.proc.poll() is not None or time.perf_counter() > deadline:
                server.close()
                raise RuntimeError(f"datasette did not start: {log.read_text()[-500:]}")
            await asyncio.sleep(0.2)


def datasette_path(db: str, qc: QueryClass, p: dict[str, str]) -> str:
    sql, args = query_sql(qc, p)
    return f"/{db}.json?" + urllib.parse.urlencode({"sql": sql, "_shape": "array", **args})


async def same_answers(
    node: str, datasette: str, db: str, classes: Sequence[QueryClass]
) -> tuple[int, int]:
    """Whether Datasette's SQL lists the same records as the node for the filter classes
    (no search: the node lists title hits first). Returns (checked, equal)."""
    checked = equal = 0
    async with aiohttp.ClientSession() as session:
        for qc in classes:
            if qc.what != "records" or qc.name.startswith(("search", "paging")):
                continue
            for p in qc.params:
                async with session.get(node + node_path(qc, p)) as resp:
                    mine = [(x["origin"], x["kind"], x["id"]) for x in (await resp.json())["items"]]
                async with session.get(datasette + datasette_path(db, qc, p)) as resp:
                    rows = await resp.json()
                theirs = [(x["origin"], x["kind"], x["id"]) for x in rows][: len(mine)]
                checked += 1
                equal += mine == theirs and len(rows) >= len(mine)
    return checked, equal


# --- the run ------------------------------------------------------------------------------------


def _range(values: Sequence[int]) -> str:
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return f"{lo:,}" if lo == hi else f"{lo:,}–{hi:,}"


def print_table(results: dict[str, dict[str, Any]], classes: Sequence[QueryClass]) -> None:
    levels = list(next(iter(results.values()))["load"])
    head = f"{'query class':<24} {'URLs':>4} {'matches':>15} {'1st':>6} {'p50':>6} {'p99':>6}"
    head += f" {'max':>6}"
    head += "".join(f" {f'c={c} req/s':>12} {'p99':>7}" for c in levels)
    print(head + f" {'srv CPU/req':>11}")
    for qc in classes:
        r = results[qc.name]
        line = f"{qc.name:<24} {len(qc.params):>4} {_range(qc.matches):>15} "
        line += (
            f"{r['first_max_ms']:6.1f} {r['p50_ms']:6.1f} {r['p99_ms']:6.1f} {r['max_ms']:6.1f} "
        )
        for c in levels:
            x = r["load"][c]
            line += f" {x['rps']:12,.0f} {x['p99_ms']:7.1f}"
        cpu = r.get("server_cpu_ms")
        line += f" {cpu:9.1f} ms" if cpu is not None else f" {'?':>11}"
        print(line + (f"   ({r['errors']} errors)" if r["errors"] else ""))
    print("(latencies in ms. 1st: the slowest first request of the class's URLs (the warm-up);")
    print(" p50/p99/max: sequential requests; then requests/s and p99 with c concurrent clients;")
    print(" matches: records the URLs' queries match; srv CPU: node's CPU time per sequential")
    print(" request)")


def verdict(results: dict[str, dict[str, Any]], what: str) -> list[str]:
    missed = [n for n, r in results.items() if r["p99_ms"] >= TARGET_MS]
    if missed:
        print(f"{what}: p99 < {TARGET_MS:g} ms MISSED by {len(missed)} of {len(results)} classes:")
        for n in missed:
            r = results[n]
            print(f"  {n}: p99 {r['p99_ms']:.1f} ms (p50 {r['p50_ms']:.1f}, max {r['max_ms']:.1f})")
            slow = r["slowest"]
            if what == "node":
                print(
                    f"    slowest URL {urllib.parse.unquote(slow['url'])}: "
                    f"p50 {slow['p50_ms']:.1f} ms, max {slow['max_ms']:.1f} ms"
                )
    else:
        print(f"{what}: p99 < {TARGET_MS:g} ms met by all {len(results)} classes (sequential)")
    return missed


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.perf_counter()
    print(f"bench.read: {environment()}")
    home, info = await ensure_store(args.cache, args.records, args.rebuild)
    db = home.db_path(home.load())
    how = "cached" if info["cached"] else f"built in {info['seconds']:.0f} s"
    print(
        f"store: {info['records']:,} records ({info['records_held']:,} live) of {info['origins']} "
        f"centres, {info['entries']:,} log entries merged in {info['rounds']} rounds; "
        f"{db.stat().st_size / 1e6:,.0f} MB; {how} ({info['stamp']}, {db})"
    )
    with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as conn:
        (segments,) = conn.execute("SELECT COUNT(DISTINCT segid) FROM records_fts_idx").fetchone()
    print(f"full-text index: {segments} FTS5 segments (as the merges left it, not optimized)")
    rng = random.Random(SEED)
    classes = fixed_classes()
    sampled = sampled_classes(db, int(info["last_change"]), rng)
    counted = count_matches(db, classes)
    print(f"matches counted in SQL in {counted:.1f} s (untimed)")
    out: dict[str, Any] = {"store": info, "node": {}}
    with node_server(home) as srv:
        print(f"node: {srv.url} (own process, pid {srv.proc.pid}); {load()}")
        walks = []
        async with aiohttp.ClientSession() as session:
            for query in WALKS:
                w = await walk(session, srv.url, query, args.walk_pages)
                walks.append(w)
                s = sum(w["times"])
                print(
                    f"walk {query!r}: {w['items']:,} records in {w['pages']} pages of 500, "
                    f"{s:.1f} s = {w['items'] / s:,.0f} records/s "
                    f"(page p50 {statistics.median(w['times']) * 1000:.1f} ms, "
                    f"max {max(w['times']) * 1000:.1f} ms)"
                )
        out["walks"] = [{k: v for k, v in w.items() if k != "cursors"} for w in walks]
        deep = deep_class(walks)
        classes = [*classes, deep, *sampled]
        for qc in classes:
            urls = [srv.url + node_path(qc, p) for p in qc.params]
            r = await measure(srv, urls, args.requests, args.concurrency, args.seconds)
            out["node"][qc.name] = r
            print(
                f"  {qc.name}: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; "
                + ", ".join(f"c={c}: {x['rps']:,.0f} req/s" for c, x in r["load"].items())
                + f"; {load()}",
                flush=True,
            )
    print()
    print_table(out["node"], classes)
    out["missed"] = verdict(out["node"], "node")
    errors = sum(r["errors"] for r in out["node"].values())
    if args.datasette:
        out["datasette"] = await run_datasette(args, db, classes, out["node"])
    else:
        print("Datasette: not run (pass --datasette)")
    out["errors"] = errors + sum(
        r["errors"] for r in out.get("datasette", {}).get("results", {}).values()
    )
    out["total_seconds"] = time.perf_counter() - started
    print(f"total {out['total_seconds']:.0f} s; {load()}")
    for name, r in [*out["node"].items(), *out.get("datasette", {}).get("results", {}).items()]:
        if r["errors"]:
            print(f"ERRORS in {name}: {r['errors']}; first: {r['first_error']}")
    return out


async def run_datasette(
    args: argparse.Namespace, db: Path, classes: Sequence[QueryClass], node: dict[str, Any]
) -> dict[str, Any]:
    exe, version = ensure_datasette(CACHE)
    if exe is None:
        print(f"Datasette: skipped: {version}")
        return {"skipped": version}
    name = db.stem
    results: dict[str, Any] = {}
    try:
        ds = await datasette_server(exe, db)
    except RuntimeError as e:
        print(f"Datasette: skipped: {e}")
        return {"skipped": str(e)}
    with ds:
        print(f"Datasette: {version}, {ds.url} (own process, --immutable); {load()}")
        with node_server(Home(db.parent)) as srv:
            checked, equal = await same_answers(srv.url, ds.url, name, classes)
        print(f"  same records as the node for {equal} of {checked} filter URLs")
        for qc in classes:
            urls = [ds.url + datasette_path(name, qc, p) for p in qc.params]
            r = await measure(ds, urls, args.requests, args.concurrency, args.seconds)
            results[qc.name] = r
            print(f"  {qc.name}: p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms", flush=True)
    print()
    levels = list(next(iter(results.values()))["load"])
    head = f"{'query class':<24} {'node p50':>8} {'p99':>7} {'Datasette p50':>13} {'p99':>7}"
    head += "".join(f" {f'c={c} node req/s':>17} {'Datasette':>9}" for c in levels)
    print(head)
    for qc in classes:
        a, b = node[qc.name], results[qc.name]
        line = f"{qc.name:<24} {a['p50_ms']:8.1f} {a['p99_ms']:7.1f} "
        line += f"{b['p50_ms']:13.1f} {b['p99_ms']:7.1f}"
        for c in levels:
            line += f" {a['load'][c]['rps']:17,.0f} {b['load'][c]['rps']:9,.0f}"
        print(line + (f"   ({b['errors']} Datasette errors)" if b["errors"] else ""))
    print(
        "(Datasette runs one straightforward SQL statement per page on the same tables and"
        "\n indexes: the full-text index or the kind index drives, other conditions filter; the"
        "\n combined search stage, no titles first; no proof, no cursor MAC)"
    )
    verdict(results, "Datasette")
    return {"version": version, "same": [equal, checked], "results": results}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.read", description=__doc__.split("\n")[0])
    p.add_argument("--records", type=int, default=1_000_000, help="records in the store")
    p.add_argument("--rebuild", action="store_true", help="build the store even if cached")
    p.add_argument("--cache", type=Path, default=CACHE, help="where built stores are kept")
    p.add_argument("--requests", type=int, default=300, help="sequential requests per class")
    p.add_argument("--concurrency", type=int, nargs="+", default=[8, 32], help="concurrent clients")
    p.add_argument("--seconds", type=float, default=5.0, help="seconds per concurrency level")
    p.add_argument("--walk-pages", type=int, default=100, help="pages of 500 walked per listing")
    p.add_argument("--datasette", action="store_true", help="compare with Datasette")
    args = p.parse_args(argv)
    for name in ("records", "requests", "walk_pages"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.records < 100:
        p.error("--records must be at least 100")
    if args.seconds <= 0 or min(args.concurrency) < 1:
        p.error("--seconds and --concurrency must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["serve"]:  # the server process (see Server)
        sp = argparse.ArgumentParser(prog="python -m bench.read serve")
        sp.add_argument("--home", type=Path, required=True)
        asyncio.run(_serve(sp.parse_args(argv[1:]).home))
        return {}
    results = asyncio.run(run(parse_args(argv)))
    if results["errors"]:
        raise SystemExit(f"{results['errors']} requests failed")
    return results


if __name__ == "__main__":
    main()
