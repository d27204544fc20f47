"""The read-API benchmark still runs (a tiny store), so its figures can't silently rot."""

from __future__ import annotations

import asyncio
import importlib
import sqlite3
from pathlib import Path
from typing import Any, Protocol, cast

import pytest

ROOT = Path(__file__).resolve().parents[1]


class BenchMain(Protocol):
    def __call__(self, argv: list[str] | None = None) -> dict[str, Any]: ...


@pytest.mark.timeout(240)
async def test_bench_read_builds_a_cached_store_and_measures_every_query_class(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # `bench` lives beside the package, not in it
    main = cast(BenchMain, importlib.import_module("bench.read").main)
    argv = ["--records", "2000", "--cache", str(tmp_path), "--requests", "20"]
    argv += ["--seconds", "0.3", "--concurrency", "3", "--walk-pages", "3"]

    first = await asyncio.to_thread(main, argv)

    store = first["store"]
    assert store["cached"] is False and store["records"] == 2000 and store["origins"] == 13
    # revisions and deletions were merged too: more log entries than records, some not live
    assert store["entries"] > 2000 and store["records_held"] < 2000
    db = tmp_path / "read-2000" / "node" / "federation.sqlite"
    with sqlite3.connect(db) as conn:
        (records,) = conn.execute("SELECT COUNT(*) FROM records").fetchone()
        kinds = dict(conn.execute("SELECT kind, COUNT(*) FROM records GROUP BY kind").fetchall())
        (trusted,) = conn.execute("SELECT COUNT(*) FROM origins WHERE role = 'trusted'").fetchone()
    assert records == 2000 and trusted == 12
    assert kinds["case"] > kinds["event"] > kinds["contact"] > 0
    assert first["errors"] == 0
    node = first["node"]
    assert {"filter: kind", "search: rare words", "paging: deep cursors", "record + proof"} <= set(
        node
    )
    for figures in node.values():
        assert 0 < figures["p50_ms"] <= figures["p99_ms"] <= figures["max_ms"]
        assert figures["load"][3]["rps"] > 0 and figures["load"][3]["requests"] > 0
    assert all(w["items"] > 0 for w in first["walks"])
    out = capsys.readouterr().out
    assert "cpus=" in out and "req/s" in out and "p99 < 20 ms" in out

    # the second run takes the cached store
    again = await asyncio.to_thread(main, [*argv[:4], "--requests", "5", "--seconds", "0.1"])
    assert again["store"]["cached"] is True and again["errors"] == 0
    assert again["store"]["last_change"] == store["last_change"]
