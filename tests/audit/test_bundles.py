"""`federation audit bundle` and `audit verify` against real nodes on 127.0.0.1.

A bundle is self-contained: once written, it verifies offline under the origin's vkey, and every
changed byte of it is detected (as a changed value or as a malformed bundle).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from aiohttp import web

from federation.cli.samples import sample_origins
from federation.protocol.audit import parse_bundle, verify_bundle
from tests.audit.conftest import audit

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

ORIGIN = sample_origins()[0]


async def bundle_bytes(m: Member, kind: str, rid: str, *extra: str, url: str = "") -> bytes:
    result = await audit("bundle", "--node", url or m.url, *extra, m.origin, kind, rid)
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


async def test_bundles_of_every_record_verify_offline(net: Net, tmp_path: Path) -> None:
    m = await net.start(ORIGIN)
    records = await net.publish_samples(m, extra=2)
    for r in records:
        data = await bundle_bytes(m, r["kind"], r["id"])
        assert data == await bundle_bytes(m, r["kind"], r["id"], "--scan")
        path = tmp_path / f"{r['id']}.json"
        path.write_bytes(data)
        result = await audit("verify", str(path), "--vkey", m.vkey)
        assert result.exit_code == 0, result.output
        assert f"valid federation-bundle/1: {ORIGIN} {r['kind']} {r['id']}" in result.stdout
        bundle = parse_bundle(data)
        person = r.get("contact_type") == "person"
        # a person contact is `vis: federation`: an anonymous auditor gets the leaf only
        assert (bundle.body is None) == person
        assert ("only the leaf is proven" in result.stdout) == person
    # from stdin too
    result = await audit("verify", "-", "--vkey", m.vkey, stdin=data)
    assert result.exit_code == 0, result.output


async def test_a_bundle_names_the_latest_leaf_of_the_record(net: Net) -> None:
    m = await net.start(ORIGIN)
    records = await net.publish_samples(m)
    case = next(r for r in records if r["kind"] == "case")
    await net.publish(m, [case | {"summary": {"lt": "Nauja.", "en": "New."}}])
    head = await m.store.head(ORIGIN)
    assert head is not None
    bundle = parse_bundle(await bundle_bytes(m, "case", case["id"]))
    assert bundle.index == head.size - 1
    assert b"New." in (bundle.body or b"")

    await m.node.delete("case", case["id"])
    deleted = await bundle_bytes(m, "case", case["id"])
    assert parse_bundle(deleted).body is None
    result = verify_bundle(deleted, [m.vkey])
    assert result.valid and result.leaf is not None and result.leaf.op.value == "delete"


async def test_the_read_api_lookup_is_a_hint_checked_against_the_log(net: Net) -> None:
    """With a record lookup (``GET /v1/records/…``) the bundle uses its index; a lying lookup
    costs a scan, never a wrong bundle."""
    m = await net.start(ORIGIN)
    records = await net.publish_samples(m)
    case = next(r for r in records if r["kind"] == "case")
    seqs = {r["id"]: i for i, r in enumerate(records)}
    asked: list[str] = []

    def lookup(seq_of: dict[str, int]) -> web.Application:
        async def tamper(request: web.Request, body: bytes) -> web.StreamResponse | None:
            if not request.path.startswith("/v1/records/"):
                return None
            asked.append(request.path)
            return web.json_response({"seq": seq_of[request.path.rsplit("/", 1)[1]]})

        return net.proxy(m.url, tamper)

    honest = await net.serve(lookup(seqs))
    lying = await net.serve(lookup(dict.fromkeys(seqs, 0)))
    expected = await bundle_bytes(m, "case", case["id"], "--scan")
    assert await bundle_bytes(m, "case", case["id"], url=honest) == expected
    assert await bundle_bytes(m, "case", case["id"], url=lying) == expected
    assert len(asked) == 2


async def test_every_single_byte_change_of_a_real_bundle_fails(net: Net, tmp_path: Path) -> None:
    m = await net.start(ORIGIN)
    records = await net.publish_samples(m, extra=3)
    case = [r for r in records if r["kind"] == "case"][-1]
    data = await bundle_bytes(m, "case", case["id"])
    assert verify_bundle(data, [m.vkey]).valid
    for pos in range(len(data)):
        bad = bytearray(data)
        bad[pos] ^= 0x01
        checked = verify_bundle(bytes(bad), [m.vkey])
        assert checked.failure is not None, (pos, bytes(bad[max(0, pos - 30) : pos + 30]))

    # through the command: exit 1 and the failed check named, for each part of the bundle
    obj = orjson.loads(data)
    body_at = data.index(b'"lead_org')  # inside the body string
    digest = data.index(b"sha256:") + 7  # the leaf's body digest: a flip keeping it hex
    leaf_at = next(i for i in range(digest, digest + 64) if data[i] in b"0123456789bcde")
    # a proof hash: flip a base64 character whose neighbour is base64 too (not "A", "Z", "+", ...)
    proof = data.index(obj["proof"][0].encode())
    safe = b"BCDEFGHIJKLMNOPQRSTUVWXYbcdefghijklmnopqrstuvwxy0123456789"
    proof_at = next(i for i in range(proof + 1, proof + 40) if data[i] in safe)
    note_at = data.index(b"\\n\\n\xe2\x80\x94") + 40  # inside the signature
    for pos, check in (
        (body_at + 2, "body"),
        (leaf_at, "inclusion"),
        (proof_at, "inclusion"),
        (note_at, "checkpoint"),
    ):
        bad = bytearray(data)
        bad[pos] ^= 0x01
        path = tmp_path / "bad.json"
        path.write_bytes(bytes(bad))
        result = await audit("verify", str(path), "--vkey", m.vkey)
        assert result.exit_code == 1, (check, result.output)
        assert result.stderr.startswith(f"federation: bundle invalid: {check}: "), result.stderr


async def test_audit_verify_exit_codes(net: Net, tmp_path: Path) -> None:
    m = await net.start(ORIGIN)
    other = await net.start(sample_origins()[1])
    records = await net.publish_samples(m)
    path = tmp_path / "b.json"
    path.write_bytes(await bundle_bytes(m, records[0]["kind"], records[0]["id"]))

    wrong_key = await audit("verify", str(path), "--vkey", other.vkey)
    assert wrong_key.exit_code == 1
    assert "checkpoint: no trusted key for origin" in wrong_key.stderr
    for args in (
        ("verify", str(path), "--vkey", "not-a-key"),
        ("verify", str(path)),
        ("verify", str(tmp_path / "missing.json"), "--vkey", m.vkey),
        ("verify", str(path), "--vkey", m.vkey, "--quorum", "1"),
        ("verify", str(path), "--vkey", m.vkey, "--witness", m.vkey),  # a note key, not 0x04
        ("bundle", "--node", m.url, "Not An Origin", "case", "x"),
    ):
        result = await audit(*args)
        assert result.exit_code == 2, (args, result.output)

    missing = await audit("bundle", "--node", m.url, ORIGIN, "case", "01JNOSUCHRECORD0000000000")
    assert missing.exit_code == 1
    assert "has no case 01JNOSUCHRECORD0000000000" in missing.stderr
    unreachable = await audit(
        "bundle", "--node", f"http://127.0.0.1:{net.free_port()}", ORIGIN, "case", records[2]["id"]
    )
    assert unreachable.exit_code == 1 and unreachable.stderr.startswith("federation: ")
