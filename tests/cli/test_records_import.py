"""``federation records import``: a spreadsheet export becomes signed records, row by row."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from federation.cli.main import cli
from federation.config import Home, Settings
from federation.node.service import init_home

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "cases-lt.csv"
ORIGIN = "lt.esfa.ncc"


def make_home(tmp_path: Path) -> Home:
    home = Home(tmp_path / "lt")
    settings = Settings(origin=ORIGIN, country="LT", listen="127.0.0.1:0")
    asyncio.run(init_home(home, settings))
    return home


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def body(home: Home, record_id: str) -> dict[str, Any]:
    got = run("records", "get", "--home", str(home.path), ORIGIN, "case", record_id)
    assert got.exit_code == 0, got.output
    data: dict[str, Any] = orjson.loads(got.stdout)["body"]
    return data


def test_the_documented_example_imports_valid_rows_and_reports_the_rest(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    result = run("records", "import", "--home", str(home.path), str(EXAMPLE), "--kind", "case")
    assert result.exit_code == 1, result.output  # two rows are invalid
    assert f"published 2 of 4 rows (2 invalid); {ORIGIN} size 2" in result.stdout
    # every invalid row is named with its line number and the field at fault
    assert f"{EXAMPLE}:4: origin_country: 'XX' is not an ISO 3166-1 alpha-2 code" in result.stderr
    assert f"{EXAMPLE}:5: title" in result.stderr
    first = body(home, "01JDA7Q8X1M2N3P4R5S6T7V8W9")
    assert first["title"] == {
        "lt": "Socialinių verslų inkubatorius Kaune",
        "en": "Social business incubator in Kaunas",
    }
    assert first["themes"] == ["social-economy", "employment"]
    assert first["sdgs"] == [8, 10]  # numbers where the model wants numbers
    assert first["start"] == 2022
    assert first["funding"] == [
        {
            "fund": "ESF+",
            "programme": "2021-2027 m. ES fondų investicijų programa",
            "amount": 450000,
            "currency": "EUR",
        }
    ]
    assert "website" not in body(home, "01JDA7Q8X1M2N3P4R5S6T7V8WA")  # empty cells left out


def test_dry_run_publishes_nothing_and_batches_are_separate_checkpoints(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    base = ["records", "import", "--home", str(home.path), str(EXAMPLE), "--kind", "case"]
    dry = run(*base, "--dry-run")
    assert "would publish 2 of 4 rows" in dry.stdout
    assert "size 0" in dry.stdout
    one = run(*base, "--batch", "1")
    assert "published 2 of 4 rows" in one.stdout
    assert "size 2" in one.stdout


def test_broken_files_are_refused_whole_and_ragged_rows_reported(tmp_path: Path) -> None:
    home = make_home(tmp_path)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("id,title.lt\n1,Socialinė\n".encode("cp1257"))
    noid = tmp_path / "noid.csv"
    noid.write_text("title.lt,title.en\nA,B\n", encoding="utf-8")
    for path, reason in [(latin1, "not UTF-8"), (noid, "no 'id' column")]:
        r = run("records", "import", "--home", str(home.path), str(path), "--kind", "case")
        assert r.exit_code == 1
        assert reason in r.stderr
    ragged = tmp_path / "ragged.csv"
    shutil.copy(EXAMPLE, ragged)
    with ragged.open("a", encoding="utf-8") as f:
        f.write("01JDA7Q8X1M2N3P4R5S6T7V8WD,lt,LT\n")
    r = run("records", "import", "--home", str(home.path), str(ragged), "--kind", "case")
    assert r.exit_code == 1
    assert f"{ragged}:6: has 3 cells, the header has 20" in r.stderr
    assert "published 2 of 5 rows" in r.stdout
