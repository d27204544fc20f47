"""`federation audit log`: a whole log downloaded and verified against its signed checkpoint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from federation.cli.samples import sample_origins, sample_records
from federation.protocol.audit import verify_evidence
from tests.audit.conftest import audit, fork

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGIN, RELAY = sample_origins()[:2]


async def test_a_real_log_verifies_with_counts(net: Net) -> None:
    m = await net.start(ORIGIN)
    records = await net.publish_samples(m, extra=2)
    await m.node.delete("case", next(r["id"] for r in records if r["kind"] == "case"))
    head = await m.store.head(ORIGIN)
    assert head is not None and head.size == len(records) + 1

    result = await audit("log", "--node", m.url, ORIGIN, "--vkey", m.vkey)
    assert result.exit_code == 0, result.output
    assert f"log: all {head.size} entries of {ORIGIN} verified" in result.stdout
    rows = {tuple(line.split("│")[1:4]) for line in result.stdout.splitlines() if "│" in line}
    counts = {(op.strip(), kind.strip()): int(n) for op, kind, n in rows if n.strip().isdigit()}
    kinds = [r["kind"] for r in records]
    assert counts == {
        **{("put", k): kinds.count(k) for k in set(kinds)},
        ("delete", "case"): 1,
    }
    # not a terminal: plain progress lines on stderr
    assert f"verifying {ORIGIN}: {head.size} of {head.size} entries" in result.stderr

    # a relay serves the same log, verified the same way
    relay = await net.start(RELAY)
    await net.trust(relay, m)
    await net.peer(relay, m)
    (pulled,) = await net.pull(relay)
    assert pulled.ok, pulled.error
    result = await audit("log", "--node", relay.url, ORIGIN, "--vkey", m.vkey)
    assert result.exit_code == 0, result.output


async def test_a_tampering_node_fails_the_audit(net: Net) -> None:
    m = await net.start(ORIGIN)
    await net.publish_samples(m)

    async def change_a_leaf(request: web.Request, body: bytes) -> bytes | None:
        if request.path.endswith("/entries"):
            changed = body.replace(b'vis\\":\\"public', b'vis\\":\\"federation', 1)
            assert changed != body
            return changed
        return None

    async def change_a_body(request: web.Request, body: bytes) -> bytes | None:
        if request.path.endswith("/entries"):
            return body.replace(b'salt\\":\\"', b'salt\\":\\"A', 1)
        return None

    async def drop_the_last_entry(request: web.Request, body: bytes) -> bytes | None:
        if request.path.endswith("/entries") and body:
            return b"\n".join(body.rstrip(b"\n").split(b"\n")[:-1]) + b"\n"
        return None

    for tamper, reason in (
        (change_a_leaf, "the entries do not reproduce the signed root"),
        (change_a_body, "body does not match the leaf's hash"),
        (drop_the_last_entry, "truncated"),
    ):
        url = await net.serve(net.proxy(m.url, tamper))
        result = await audit("log", "--node", url, ORIGIN, "--vkey", m.vkey)
        assert result.exit_code == 1, (tamper.__name__, result.output)
        assert result.stderr.splitlines()[-1].startswith("federation: log: "), result.stderr
        assert reason in result.stderr, result.stderr

    # a forged checkpoint is refused before any entry is read
    other = await net.start(RELAY)
    result = await audit("log", "--node", m.url, ORIGIN, "--vkey", other.vkey)
    assert result.exit_code == 1
    assert "checkpoint: no trusted key for origin" in result.stderr


async def test_the_log_extends_an_earlier_checkpoint(net: Net, tmp_path: Path) -> None:
    m = await net.start(ORIGIN)
    records = sample_records(ORIGIN, extra=4)
    await net.publish(m, records[:3])
    earlier = tmp_path / "earlier.checkpoint"
    head = await m.store.head(ORIGIN)
    assert head is not None and head.checkpoint is not None
    earlier.write_bytes(head.checkpoint)
    await net.publish(m, records[3:])
    result = await audit(
        "log", "--node", m.url, ORIGIN, "--vkey", m.vkey, "--from-checkpoint", str(earlier)
    )
    assert result.exit_code == 0, result.output
    assert "consistency: the log extends the earlier checkpoint of size 3" in result.stdout


async def test_a_forked_log_fails_against_an_earlier_checkpoint(net: Net, tmp_path: Path) -> None:
    copy1, copy2 = await fork(net, ORIGIN, 2, 2, 3)
    head1 = await copy1.store.head(ORIGIN)
    assert head1 is not None and head1.checkpoint is not None
    earlier = tmp_path / "earlier.checkpoint"
    earlier.write_bytes(head1.checkpoint)
    evidence = tmp_path / "evidence.json"
    result = await audit(
        "log", "--node", copy2.url, ORIGIN, "--vkey", copy1.vkey,
        "--from-checkpoint", str(earlier), "--evidence-out", str(evidence),
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "consistency: EQUIVOCATION" in result.stderr
    assert verify_evidence(evidence.read_bytes(), [copy1.vkey]).proven
    checked = await audit("verify-evidence", str(evidence), "--vkey", copy1.vkey)
    assert checked.exit_code == 0, checked.output

    # the other way round, the node is behind the earlier checkpoint: nothing to conclude
    head2 = await copy2.store.head(ORIGIN)
    assert head2 is not None and head2.checkpoint is not None
    earlier.write_bytes(head2.checkpoint)
    result = await audit(
        "log", "--node", copy1.url, ORIGIN, "--vkey", copy1.vkey, "--from-checkpoint", str(earlier)
    )
    assert result.exit_code == 1
    assert "is older than the earlier one" in result.stderr
