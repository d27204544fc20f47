"""Split views: `audit compare` across nodes, evidence found by a syncing node, exported
(`audit export-evidence`, ``GET /v1/evidence``) and checked offline (`audit verify-evidence`).

The fork is real: a home (same key) is copied after a common prefix and each copy publishes
different records (as in ``tests/sync/test_equivocation.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
import pytest
from aiohttp import web
from click.testing import CliRunner

from federation.cli.main import cli
from federation.cli.samples import sample_origins, sample_records
from federation.protocol.audit import verify_evidence
from tests.audit.conftest import audit, fork

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

ORIGIN, PULLER, RELAY = sample_origins()[:3]
COMMON = 2
FORKS = [
    pytest.param(2, 2, id="same-size"),
    pytest.param(1, 3, id="3-vs-5"),
    pytest.param(2, 4, id="4-vs-6-power-of-two"),
    pytest.param(3, 1, id="5-vs-3"),
    pytest.param(4, 2, id="6-vs-4-power-of-two"),
]


async def checkpoint(m: Member, origin: str = ORIGIN) -> bytes:
    head = await m.store.head(origin)
    assert head is not None and head.checkpoint is not None
    return head.checkpoint


async def test_consistent_checkpoints_from_several_nodes(net: Net) -> None:
    origin = await net.start(ORIGIN)
    relays = [await net.start(o) for o in sample_origins()[1:3]]
    records = sample_records(ORIGIN, extra=3)
    await net.publish(origin, records[:3])
    for i, relay in enumerate(relays):
        await net.trust(relay, origin)
        await net.peer(relay, origin)
        (pulled,) = await net.pull(relay)
        assert pulled.ok, pulled.error
        await net.publish(origin, records[3 + 2 * i : 5 + 2 * i])  # each relay a size behind
    urls = [origin.url, *(r.url for r in relays), relays[0].url]
    result = await audit("compare", ORIGIN, *urls, "--vkey", origin.vkey)
    assert result.exit_code == 0, result.output
    assert "consistent: 3 node(s), checkpoint size(s) 3, 5, 7" in result.stdout


@pytest.mark.parametrize(("n1", "n2"), FORKS)
async def test_compare_catches_a_fork_and_writes_evidence(
    net: Net, tmp_path: Path, n1: int, n2: int
) -> None:
    copy1, copy2 = await fork(net, ORIGIN, COMMON, n1, n2)
    evidence = tmp_path / "evidence.json"
    result = await audit(
        "compare", ORIGIN, copy1.url, copy2.url, "--vkey", copy1.vkey,
        "--evidence-out", str(evidence),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "CONFLICT" in result.stdout
    for note in (await checkpoint(copy1), await checkpoint(copy2)):
        assert note.decode() in result.stdout  # both signed notes, verbatim
    assert result.stderr.endswith(
        f"federation: EQUIVOCATION: {ORIGIN} signed 1 conflicting pair(s) of notes\n"
    )
    checked = await audit("verify-evidence", str(evidence), "--vkey", copy1.vkey)
    assert checked.exit_code == 0, checked.output
    assert "PROVEN equivocation" in checked.stdout


async def test_a_node_serving_bad_proofs_is_not_an_equivocation(net: Net, tmp_path: Path) -> None:
    """An honest log behind a node that corrupts its consistency proofs: the node is reported,
    the origin is not blamed and no evidence is written."""
    origin = await net.start(ORIGIN)
    relay = await net.start(RELAY)
    records = sample_records(ORIGIN, extra=2)
    await net.publish(origin, records[:3])
    await net.trust(relay, origin)
    await net.peer(relay, origin)
    await net.pull(relay)
    await net.publish(origin, records[3:])

    async def bad_proofs(request: web.Request, body: bytes) -> bytes | None:
        if request.path.endswith("/proof/consistency"):
            return orjson.dumps({"hashes": ["A" * 43 + "="]})
        return None

    liar = await net.serve(net.proxy(origin.url, bad_proofs))
    evidence = tmp_path / "evidence.json"
    result = await audit(
        "compare", ORIGIN, relay.url, liar, "--vkey", origin.vkey, "--evidence-out", str(evidence)
    )
    assert result.exit_code == 1, result.output
    assert "CONFLICT" not in result.stdout
    assert f"node problem: {liar}:" in result.stderr
    assert "bad proof" in result.stderr
    assert result.stderr.endswith("federation: 1 node(s) could not be checked\n")
    assert not evidence.exists()

    dead = f"http://127.0.0.1:{net.free_port()}"
    result = await audit("compare", ORIGIN, origin.url, dead, "--vkey", origin.vkey)
    assert result.exit_code == 1
    assert f"node problem: {dead}: checkpoint:" in result.stderr


async def _caught(net: Net, n1: int, n2: int) -> tuple[Member, Member]:
    copy1, copy2 = await fork(net, ORIGIN, COMMON, n1, n2)
    puller = await net.start(PULLER)
    await net.trust(puller, copy1)
    for copy in (copy1, copy2):
        await net.peer(puller, copy)
        (result,) = await net.pull(puller, copy.url)
        assert result.ok, result.error
    assert [o.outcome for o in result.origins] == ["equivocation"]
    return puller, copy1


@pytest.mark.parametrize(("n1", "n2"), FORKS)
async def test_evidence_found_by_a_syncing_node_verifies_offline(
    net: Net, tmp_path: Path, n1: int, n2: int
) -> None:
    puller, copy1 = await _caught(net, n1, n2)

    # GET /v1/evidence: public, the evidence file format
    async with net.session.get(f"{puller.url}/v1/evidence") as resp:
        assert resp.status == 200
        served = await resp.read()
    report = verify_evidence(served, [copy1.vkey])
    assert report.proven, report
    (item,) = orjson.loads(served)
    if n1 != n2:
        assert item["proof"], "notes of two sizes need the fork path"

    # federation audit export-evidence, then verify-evidence
    file = tmp_path / "evidence.json"
    exported = await audit("export-evidence", "--home", str(puller.home.path), str(file))
    assert exported.exit_code == 0, exported.output
    assert file.read_bytes() == served
    checked = await audit("verify-evidence", str(file), "--vkey", copy1.vkey)
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith(f"item 1: {ORIGIN}: PROVEN equivocation")

    # the status shows the same items
    st = await audit_status(puller)
    assert st["evidence"] == orjson.loads(served)


async def audit_status(m: Member) -> dict[str, object]:
    """``federation status --json`` of ``m``'s home."""
    result = await asyncio.to_thread(
        CliRunner().invoke, cli, ["status", "--json", "--home", str(m.home.path)]
    )
    assert result.exit_code == 0, result.output
    data: dict[str, object] = orjson.loads(result.stdout)
    return data


async def test_evidence_without_a_fork_path_or_with_agreeing_notes_is_not_proof(
    net: Net, tmp_path: Path
) -> None:
    puller, copy1 = await _caught(net, 1, 3)
    (served,) = orjson.loads(await (await net.session.get(f"{puller.url}/v1/evidence")).read())
    file = tmp_path / "evidence.json"
    for change, check in (
        ({"proof": None}, "proof"),
        ({"notes": [served["notes"][0], served["notes"][0]]}, "inconsistency"),
        ({"notes": [served["notes"][0], served["notes"][1].replace("\n5\n", "\n6\n")]}, "note 2"),
    ):
        file.write_bytes(orjson.dumps([served | change]))
        result = await audit("verify-evidence", str(file), "--vkey", copy1.vkey)
        assert result.exit_code == 1, result.output
        assert f"not proven: {check}: " in result.stdout
        assert result.stderr == "federation: evidence not proven\n"
    file.write_bytes(b"not json")
    result = await audit("verify-evidence", str(file), "--vkey", copy1.vkey)
    assert result.exit_code == 1
    assert result.stderr.startswith("federation: evidence not proven: format: ")

    async with net.session.get(f"{puller.url}/v1/evidence?origin={RELAY}") as resp:
        assert await resp.json() == []
    async with net.session.get(f"{puller.url}/v1/evidence?origin=Bad!") as resp:
        assert resp.status == 400
    none = await audit("export-evidence", "--home", str(puller.home.path), "--origin", RELAY, "-")
    assert none.exit_code == 1
    assert "no equivocation evidence in this store for" in none.stderr
    usage = await audit("verify-evidence", str(file), "--vkey", "nope")
    assert usage.exit_code == 2
