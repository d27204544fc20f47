"""The append benchmark still runs (tiny sizes), so its figures can't silently rot."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, Protocol, cast

import pytest

ROOT = Path(__file__).resolve().parents[1]


class BenchMain(Protocol):
    def __call__(self, argv: list[str] | None = None) -> dict[str, Any]: ...


def test_the_append_benchmark_runs_and_its_proofs_verify(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))  # `bench` lives beside the package, not in it
    main = cast(BenchMain, importlib.import_module("bench.append").main)

    results = main(
        ["--records", "500", "--batch", "200", "--repeat", "2", "--proof-leaves", "2000"]
    )

    assert results["records"] == 500 and results["single"] == 500
    batched = results["batched"]
    assert len(batched["runs"]) == 2
    for run in batched["runs"]:
        assert run["validate_per_s"] > run["entries_per_s"] > run["with_checkpoint_per_s"] > 0
        assert run["append_per_s"] > run["entries_per_s"]
    assert batched["best_per_s"] >= batched["median_per_s"] > 0
    assert results["target_met"] is (batched["median_per_s"] >= 20_000)
    assert results["single_publish"]["entries_per_s"] > 0
    proofs = results["proofs"]
    assert proofs["leaves"] == 2000
    assert proofs["verified"] == 2 * 1000
    for kind in ("inclusion", "consistency"):
        stats = proofs[kind]
        assert 0 < stats["p50_ms"] <= stats["p99_ms"]
    out = capsys.readouterr().out
    assert "cpus=" in out and "python" in out
    assert "entries/s" in out and "inclusion proofs" in out and "consistency proofs" in out
    assert "validate+encode" in out and "append+hash+sign" in out and "WAL checkpoint" in out
    assert "target (issue 2): >= 20,000 entries/s end to end" in out
