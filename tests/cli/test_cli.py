"""`federation init`, `key show` and `records …` through click's runner and one real process.

Exit status contract (DESIGN §13): 0 success, 1 a failed check (e.g. an invalid record),
2 bad usage (no home, broken config or key), always with a one-line reason on stderr and never
a traceback.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from click.testing import CliRunner, Result

from federation.cli.main import cli
from federation.config import Home
from federation.node.service import Node
from federation.protocol import merkle
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.entry import parse_leaf
from federation.protocol.note import parse_vkey

ORIGIN = "lt.esfa.ncc"
Factory = Callable[..., dict[str, Any]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.delenv("FEDERATION_HOME", raising=False)
    return CliRunner()


def invoke(runner: CliRunner, *args: str, stdin: bytes | None = None) -> Result:
    return runner.invoke(cli, list(args), input=stdin)


def init_args(home: Path, origin: str = ORIGIN, country: str = "LT") -> list[str]:
    return ["init", "--home", str(home), "--origin", origin, "--country", country]


@pytest.fixture
def home(tmp_path: Path, runner: CliRunner) -> Path:
    """A home made by `federation init`."""
    path = tmp_path / "lt"
    result = invoke(runner, *init_args(path), "--name", "Lithuanian ESF Agency")
    assert result.exit_code == 0, result.output
    return path


def write(tmp_path: Path, name: str, content: Any) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else orjson.dumps(content))
    return str(path)


def log_size(home: Path) -> int:
    with contextlib.closing(sqlite3.connect(home / "federation.sqlite")) as conn:
        row = conn.execute("SELECT size FROM origins WHERE origin = ?", (ORIGIN,)).fetchone()
    return int(row[0])


def assert_refused(result: Result, code: int, *needles: str, lines: int = 1) -> None:
    """Exit ``code`` with ``lines`` line(s) of reason on stderr, nothing on stdout, no crash."""
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert isinstance(result.exception, SystemExit)  # a handled failure, not a crash
    assert "Traceback" not in result.output
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == lines, result.stderr
    assert result.stderr.startswith("federation: ")
    for needle in needles:
        assert needle in result.stderr


# --- init and keys ------------------------------------------------------------------------------


def test_init_prints_a_vkey_and_writes_a_private_key(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "lt"
    result = invoke(runner, *init_args(path), "--name", "Lithuanian ESF Agency")
    assert result.exit_code == 0, result.output
    vkey = result.stdout.strip()
    assert result.stdout == vkey + "\n"
    verifier = parse_vkey(vkey)
    assert verifier.name == ORIGIN
    assert stat.S_IMODE((path / "origin.key").stat().st_mode) == 0o600
    assert (path / "federation.toml").is_file()
    assert log_size(path) == 0
    shown = invoke(runner, "key", "show", "--home", str(path))
    assert shown.exit_code == 0 and shown.stdout.strip() == vkey


def test_init_twice_is_refused_and_keeps_the_key(home: Path, runner: CliRunner) -> None:
    key = (home / "origin.key").read_bytes()
    result = invoke(runner, *init_args(home))
    assert_refused(result, 2, "already exists")
    assert (home / "origin.key").read_bytes() == key


@pytest.mark.parametrize(
    ("origin", "country", "needle"),
    [("LT_ESFA", "LT", "origin"), ("x", "LT", "origin"), (ORIGIN, "Lithuania", "country")],
)
def test_init_with_bad_settings_creates_nothing(
    tmp_path: Path, runner: CliRunner, origin: str, country: str, needle: str
) -> None:
    result = invoke(runner, *init_args(tmp_path / "bad", origin, country))
    assert_refused(result, 2, needle)
    assert not (tmp_path / "bad").exists()


def test_federation_home_comes_from_the_environment(home: Path, runner: CliRunner) -> None:
    result = runner.invoke(cli, ["key", "show"], env={"FEDERATION_HOME": str(home)})
    assert result.exit_code == 0
    assert parse_vkey(result.stdout).name == ORIGIN


# --- records put --------------------------------------------------------------------------------


def test_records_put_reads_an_object_an_array_and_ndjson(
    tmp_path: Path,
    home: Path,
    runner: CliRunner,
    make_case: Factory,
    make_event: Factory,
    make_person: Factory,
) -> None:
    obj = write(tmp_path, "one.json", make_case(1))
    arr = write(tmp_path, "many.json", [make_case(2), make_event(3)])
    nd = b"\n".join(orjson.dumps(r) for r in (make_person(4), make_case(5))) + b"\n\n"
    ndjson = write(tmp_path, "more.ndjson", nd)

    result = invoke(runner, "records", "put", "--home", str(home), obj)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"published 1 record(s); {ORIGIN} size 1 root ")
    result = invoke(runner, "records", "put", "--home", str(home), arr, ndjson)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"published 4 record(s); {ORIGIN} size 5 root ")
    assert log_size(home) == 5

    listed = invoke(runner, "records", "list", "--home", str(home), "--json")
    assert listed.exit_code == 0
    rows = [orjson.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["kind"], r["id"], r["seq"]) for r in rows] == [
        ("case", make_case(1)["id"], 0),
        ("case", make_case(2)["id"], 1),
        ("event", make_event(3)["id"], 2),
        ("contact", make_person(4)["id"], 3),
        ("case", make_case(5)["id"], 4),
    ]
    assert [r["visibility"] for r in rows] == ["public"] * 3 + ["federation", "public"]


def test_records_put_reads_stdin(home: Path, runner: CliRunner, make_case: Factory) -> None:
    result = invoke(
        runner, "records", "put", "--home", str(home), "-", stdin=orjson.dumps(make_case(1))
    )
    assert result.exit_code == 0, result.output
    assert log_size(home) == 1


def _without(record: dict[str, Any], field: str) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != field}


INVALID: list[tuple[str, Callable[[Factory], Any], tuple[str, ...]]] = [
    (
        "missing-field",
        lambda c: _without(c(7), "lead_org"),
        ("record 1: lead_org:", "nothing was published"),
    ),
    ("missing-title", lambda c: _without(c(7), "title"), ("record 1: title:",)),
    ("bad-country", lambda c: c(7, origin_country="XX"), ("origin_country: 'XX'",)),
    ("bad-countries", lambda c: c(7, countries=["Lithuania"]), ("countries.0: 'Lithuania'",)),
    ("unknown-kind", lambda c: c(7, kind="article"), ("kind: 'article'",)),
    ("missing-id", lambda c: _without(c(7), "id"), ("id: field required",)),
    ("bad-id", lambda c: c(7, id="has spaces"), ("id must be",)),
    ("bad-visibility", lambda c: c(7, visibility="secret"), ("visibility: 'secret'",)),
    ("second-of-two", lambda c: [c(7), c(8, countries=[])], ("record 2: countries:",)),
    ("twice-the-same", lambda c: [c(7), c(7)], ("record 2: id:", "appears twice")),
    (
        "oversized",
        lambda c: c(7, summary={"lt": "ilgas " * 50_000, "en": "long"}),
        ("larger than the limit", "max_body_bytes"),
    ),
    ("not-utf8", lambda c: b'{"kind": "case", "title": "\xff\xfe"}', ("not UTF-8",)),
    ("bad-json", lambda c: b'{"kind": "case", "id": ', ("not JSON",)),
    ("not-an-object", lambda c: b"[1, 2]", ("not a JSON object",)),
]


@pytest.mark.parametrize(
    ("content", "needles"),
    [(make, needles) for _, make, needles in INVALID],
    ids=[name for name, _, _ in INVALID],
)
def test_invalid_records_are_refused_and_nothing_is_published(
    tmp_path: Path,
    home: Path,
    runner: CliRunner,
    make_case: Factory,
    content: Callable[[Factory], Any],
    needles: tuple[str, ...],
) -> None:
    ok = invoke(
        runner, "records", "put", "--home", str(home), write(tmp_path, "ok.json", make_case(1))
    )
    assert ok.exit_code == 0
    bad = write(tmp_path, "bad.json", content(make_case))
    result = invoke(runner, "records", "put", "--home", str(home), bad)
    assert_refused(result, 1, *needles)
    assert log_size(home) == 1


def test_several_invalid_records_are_all_reported(
    tmp_path: Path, home: Path, runner: CliRunner, make_case: Factory
) -> None:
    records = [make_case(1, countries=[]), make_case(2), make_case(3, kind="blog")]
    result = invoke(
        runner, "records", "put", "--home", str(home), write(tmp_path, "r.json", records)
    )
    assert_refused(result, 1, "record 1", "countries", "record 3", "kind", lines=2)
    assert log_size(home) == 0


def test_an_unreadable_input_file_is_a_usage_error(
    tmp_path: Path, home: Path, runner: CliRunner
) -> None:
    result = invoke(runner, "records", "put", "--home", str(home), str(tmp_path / "nope.json"))
    assert_refused(result, 2, "cannot read")


# --- records get / list / delete ----------------------------------------------------------------


def test_records_get_and_list(
    tmp_path: Path, home: Path, runner: CliRunner, make_case: Factory, make_person: Factory
) -> None:
    records = [make_case(1), make_case(2), make_person(3)]
    assert (
        invoke(
            runner, "records", "put", "--home", str(home), write(tmp_path, "r.json", records)
        ).exit_code
        == 0
    )

    got = invoke(runner, "records", "get", "--home", str(home), ORIGIN, "case", make_case(2)["id"])
    assert got.exit_code == 0, got.output
    doc = orjson.loads(got.stdout)
    assert (doc["origin"], doc["kind"], doc["id"], doc["seq"], doc["op"]) == (
        ORIGIN,
        "case",
        make_case(2)["id"],
        1,
        "put",
    )
    assert doc["valid"] is True and doc["visibility"] == "public"
    leaf = parse_leaf(doc["leaf"].encode())
    assert leaf.id == doc["id"] and leaf.seq == 1
    assert doc["body"]["id"] == doc["id"]
    assert doc["body"]["title"] == make_case(2)["title"]
    assert doc["body"]["salt"]

    listed = invoke(runner, "records", "list", "--home", str(home), "--json", "--kind", "contact")
    assert [orjson.loads(line)["id"] for line in listed.stdout.splitlines()] == [
        make_person(3)["id"]
    ]
    limited = invoke(runner, "records", "list", "--home", str(home), "--json", "--limit", "2")
    assert len(limited.stdout.splitlines()) == 2
    table = invoke(runner, "records", "list", "--home", str(home))
    assert table.exit_code == 0
    assert "3 record(s)" in table.stdout

    missing = invoke(runner, "records", "get", "--home", str(home), ORIGIN, "case", "01NOPE")
    assert_refused(missing, 1, "no case 01NOPE")


def test_records_delete_erases_the_body(
    tmp_path: Path, home: Path, runner: CliRunner, make_case: Factory
) -> None:
    rid = make_case(1)["id"]
    put = invoke(
        runner,
        "records",
        "put",
        "--home",
        str(home),
        write(tmp_path, "r.json", [make_case(1), make_case(2)]),
    )
    assert put.exit_code == 0
    result = invoke(runner, "records", "delete", "--home", str(home), "case", rid)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"deleted case {rid}; {ORIGIN} size 3\n"

    got = invoke(runner, "records", "get", "--home", str(home), ORIGIN, "case", rid)
    assert got.exit_code == 0
    doc = orjson.loads(got.stdout)
    assert (doc["op"], doc["seq"], doc["body"]) == ("delete", 2, None)
    listed = invoke(runner, "records", "list", "--home", str(home), "--json")
    assert [orjson.loads(line)["id"] for line in listed.stdout.splitlines()] == [make_case(2)["id"]]

    again = invoke(runner, "records", "delete", "--home", str(home), "case", rid)
    assert_refused(again, 1, "no live case")
    bad_kind = invoke(runner, "records", "delete", "--home", str(home), "article", rid)
    assert_refused(bad_kind, 1, "kind")
    assert log_size(home) == 3


# --- broken homes -------------------------------------------------------------------------------

COMMANDS: list[list[str]] = [
    ["key", "show"],
    ["records", "list"],
    ["records", "get", ORIGIN, "case", "01JD8Z6N3Q0000000000000001"],
    ["records", "delete", "case", "01JD8Z6N3Q0000000000000001"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
@pytest.mark.parametrize(
    ("damage", "needle"),
    [
        ("key-garbage", "corrupted"),
        ("key-other-origin", "is for"),
        ("key-missing", "missing"),
        ("config-bad-toml", "not valid TOML"),
        ("config-bad-origin", "origin"),
        ("config-unknown-key", "colour"),
        ("store-missing", "missing"),
    ],
)
def test_a_broken_home_is_a_usage_error_with_one_line(
    home: Path, runner: CliRunner, command: list[str], damage: str, needle: str
) -> None:
    config = home / "federation.toml"
    key = home / "origin.key"
    if damage == "key-garbage":
        key.write_text("PRIVATE+KEY+lt.esfa.ncc+00000000+AAAA\n")
    elif damage == "key-other-origin":
        key.unlink()
        other = CliRunner().invoke(cli, init_args(home.parent / "ee", "ee.kusk.ncc", "EE"))
        assert other.exit_code == 0
        key.write_bytes((home.parent / "ee" / "origin.key").read_bytes())
    elif damage == "key-missing":
        key.unlink()
    elif damage == "config-bad-toml":
        config.write_text('origin = "lt.esfa.ncc\ncountry = ')
    elif damage == "config-bad-origin":
        config.write_text(config.read_text().replace(f'"{ORIGIN}"', '"LT_ESFA"'))
    elif damage == "config-unknown-key":
        config.write_text(config.read_text() + '\ncolour = "blue"\n')
    else:
        (home / "federation.sqlite").unlink()
    result = invoke(runner, *command, "--home", str(home))
    if damage == "store-missing" and command[0] == "key":
        assert result.exit_code == 0  # showing the key does not need the store
        return
    assert_refused(result, 2, needle)


@pytest.mark.parametrize(
    "command", [*COMMANDS, ["records", "put", "-"]], ids=lambda c: " ".join(c[:2])
)
def test_commands_without_a_home_are_usage_errors(runner: CliRunner, command: list[str]) -> None:
    result = invoke(runner, *command, stdin=b"{}")
    assert_refused(result, 2, "no home directory")


def test_a_home_that_does_not_exist_is_a_usage_error(tmp_path: Path, runner: CliRunner) -> None:
    result = invoke(runner, "records", "list", "--home", str(tmp_path / "nowhere"))
    assert_refused(result, 2, "does not exist", "federation init")


def test_a_corrupted_store_is_a_failed_check(home: Path, runner: CliRunner) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{home / 'federation.sqlite'}{suffix}").unlink(missing_ok=True)
    (home / "federation.sqlite").write_bytes(b"this is not a database " * 100)
    result = invoke(runner, "records", "list", "--home", str(home))
    assert_refused(result, 1, "not a database")


# --- a real process -----------------------------------------------------------------------------


def test_the_installed_command_in_a_real_process(tmp_path: Path, make_case: Factory) -> None:
    home = tmp_path / "lt"
    env = {**os.environ, "FEDERATION_HOME": str(home)}

    def federation(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "federation.cli.main", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    init = federation("init", "--origin", ORIGIN, "--country", "lt")
    assert init.returncode == 0, init.stderr
    vkey = init.stdout.strip()
    assert parse_vkey(vkey).name == ORIGIN
    assert stat.S_IMODE((home / "origin.key").stat().st_mode) == 0o600

    shown = federation("key", "show")
    assert (shown.returncode, shown.stdout) == (0, vkey + "\n")

    records = write(tmp_path, "r.json", [make_case(1), make_case(2)])
    put = federation("records", "put", records)
    assert put.returncode == 0, put.stderr
    assert put.stdout.startswith(f"published 2 record(s); {ORIGIN} size 2 root ")

    again = federation("init", "--origin", ORIGIN, "--country", "LT")
    assert again.returncode == 2
    assert again.stdout == "" and len(again.stderr.splitlines()) == 1
    assert "already exists" in again.stderr and "Traceback" not in again.stderr


# --- the CLI and a serving node share one store -------------------------------------------------


async def test_a_record_put_from_the_cli_is_served_by_the_running_node(
    tmp_path: Path,
    running_node: tuple[Node, str],
    http: aiohttp.ClientSession,
    make_case: Factory,
) -> None:
    node, base = running_node
    await node.publish([make_case(1)])
    url = f"{base}/v1/logs/{ORIGIN}/checkpoint"
    records = write(tmp_path, "r.json", [make_case(2), make_case(3)])

    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["records", "put", "--home", str(node.home.path), records]
    )
    assert result.exit_code == 0, result.output

    loop = asyncio.get_running_loop()
    deadline = loop.time() + 5.0
    while True:
        async with http.get(url) as resp:
            cp = open_checkpoint(await resp.read(), ORIGIN, [node.signer.verifier])
        if cp.size == 3 or loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    assert cp.size == 3
    async with http.get(f"{base}/v1/logs/{ORIGIN}/entries?start=1") as resp:
        lines = [orjson.loads(line) for line in (await resp.read()).splitlines()]
    assert [parse_leaf(e["leaf"].encode()).id for e in lines] == [
        make_case(2)["id"],
        make_case(3)["id"],
    ]

    # The serving node goes on from the CLI's checkpoint: no fork, one consistent log.
    head = (await node.publish([make_case(4)])).head
    assert head.size == 4
    proof_url = f"{base}/v1/logs/{ORIGIN}/proof/consistency?from=3&to=4"
    async with http.get(proof_url) as resp:
        assert resp.status == 200
        proof = [base64.b64decode(h) for h in (await resp.json())["hashes"]]
    merkle.verify_consistency(3, 4, proof, cp.root, head.root)
