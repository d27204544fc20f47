"""The sync benchmarks still run (tiny sizes): ``bench.sync`` and ``bench.converge``."""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path
from typing import Any, Protocol, cast

import pytest

ROOT = Path(__file__).resolve().parents[1]


class BenchMain(Protocol):
    def __call__(self, argv: list[str] | None = None) -> Any: ...


def bench_main(monkeypatch: pytest.MonkeyPatch, name: str) -> BenchMain:
    monkeypatch.syspath_prepend(str(ROOT))  # `bench` lives beside the package, not in it
    return cast(BenchMain, importlib.import_module(f"bench.{name}").main)


@pytest.mark.timeout(120)
async def test_bench_sync_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main = bench_main(monkeypatch, "sync")
    out = await asyncio.to_thread(main, ["--entries", "60", "--batch", "25"])
    assert out["entries"] == 60
    assert out["rate"] > 0 and out["peak_rss_mb"] > 0
    assert out["wire_bytes"] > 0 and out["payload_bytes"] > 0
    assert {"store: last chunk, commit", "waiting for entries", "validate bodies"} <= set(
        out["breakdown"]
    )
    assert out["target_met"] in (True, False)
    printed = capsys.readouterr().out
    assert "cpus=" in printed and "entries/s" in printed and "peak RSS" in printed
    assert "target (issue 3)" in printed


@pytest.mark.timeout(120)
async def test_bench_converge_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    main = bench_main(monkeypatch, "converge")
    (out,) = await asyncio.to_thread(main, ["--nodes", "4", "--records", "3"])
    assert out["nodes"] == 4 and out["rounds"] >= 1
    steady = out["idle"][-1]
    assert steady["requests_per_pull_max"] == 1
    assert steady["not_modified"] == 1.0
    assert steady["bytes_per_pull_max"] < 1024
    assert "converged" in capsys.readouterr().out
