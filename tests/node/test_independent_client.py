"""The foundation's "done means": an independent client verifies a real node's log.

Everything below the "independent verifier" line is written from the public specs only
(RFC 6962 / RFC 9162 Merkle trees, C2SP signed-note and tlog-checkpoint, and this project's
``docs/protocol.md``) using nothing but ``hashlib``, ``base64``, ``json``, ``cryptography`` and
aiohttp. It imports nothing from ``federation.protocol``: if the project's own code and this
client disagree about a single byte, the test fails. The node is set up with project code
(that is what is being checked), the verification never touches it.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from federation.cli.samples import sample_records
from federation.config import Home
from federation.node.service import Node

ORIGIN = "lt.esfa.ncc"


# --- independent verifier -----------------------------------------------------------------------


class Invalid(Exception):
    """Anything the independent client refuses."""


@dataclass(frozen=True)
class PinnedKey:
    name: str
    key_id: bytes
    public_key: bytes


@dataclass(frozen=True)
class VerifiedCheckpoint:
    origin: str
    size: int
    root: bytes


def b64(text: str) -> bytes:
    raw = base64.b64decode(text, validate=True)
    if base64.b64encode(raw).decode() != text:
        raise Invalid(f"non-canonical base64 {text!r}")
    return raw


def parse_pinned_vkey(vkey: str) -> PinnedKey:
    """``name+hex(keyID)+base64(0x01 || pub32)``; keyID = SHA-256(name||0x0A||0x01||pub)[:4]."""
    name, hex_id, blob = vkey.strip().split("+", 2)
    raw = b64(blob)
    if len(raw) != 33 or raw[0] != 0x01:
        raise Invalid("not an Ed25519 verifier key")
    key_id = hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]
    if key_id.hex() != hex_id:
        raise Invalid("key ID does not match the key")
    return PinnedKey(name, key_id, raw[1:])


def verify_checkpoint_note(note: bytes, key: PinnedKey) -> VerifiedCheckpoint:
    """A C2SP signed note carrying a tlog-checkpoint, signed by ``key``."""
    message = note.decode("utf-8")
    split = message.rfind("\n\n")
    if split < 0 or not message.endswith("\n"):
        raise Invalid("no signature block")
    text, block = message[: split + 1], message[split + 2 :]
    good = False
    for line in block[:-1].split("\n"):
        if not line.startswith("\u2014 "):
            raise Invalid("signature line without the em dash")
        name, blob = line[2:].split(" ")
        sig = b64(blob)
        if name != key.name or sig[:4] != key.key_id:
            continue  # somebody else's signature (e.g. a witness): ignored
        try:
            Ed25519PublicKey.from_public_bytes(key.public_key).verify(sig[4:], text.encode())
        except InvalidSignature as e:
            raise Invalid("bad signature by the pinned key") from e
        good = True
    if not good:
        raise Invalid("not signed by the pinned key")
    origin, size, root, *_extensions = text[:-1].split("\n")
    if origin != key.name or not size.isdigit() or str(int(size)) != size:
        raise Invalid("bad checkpoint body")
    root_hash = b64(root)
    if len(root_hash) != 32:
        raise Invalid("root is not a SHA-256 hash")
    return VerifiedCheckpoint(origin, int(size), root_hash)


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def mth(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 Merkle Tree Hash over leaf hashes."""
    if not hashes:
        return hashlib.sha256(b"").digest()
    if len(hashes) == 1:
        return hashes[0]
    k = split_point(len(hashes))
    return node_hash(mth(hashes[:k]), mth(hashes[k:]))


def rfc6962_path(m: int, hashes: list[bytes]) -> list[bytes]:
    """RFC 6962 §2.1.1 PATH(m, D[n]): the audit path a server should send."""
    if len(hashes) <= 1:
        return []
    k = split_point(len(hashes))
    if m < k:
        return [*rfc6962_path(m, hashes[:k]), mth(hashes[k:])]
    return [*rfc6962_path(m - k, hashes[k:]), mth(hashes[:k])]


def rfc6962_subproof(m: int, hashes: list[bytes], whole: bool = True) -> list[bytes]:
    """RFC 6962 §2.1.2 SUBPROOF(m, D[n], b): the consistency proof a server should send."""
    n = len(hashes)
    if m == n:
        return [] if whole else [mth(hashes)]
    k = split_point(n)
    if m <= k:
        return [*rfc6962_subproof(m, hashes[:k], whole), mth(hashes[k:])]
    return [*rfc6962_subproof(m - k, hashes[k:], False), mth(hashes[:k])]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: list[bytes], root: bytes) -> None:
    """RFC 9162 §2.1.3.2, verbatim."""
    if index >= size:
        raise Invalid("index beyond the tree")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise Invalid("inclusion proof too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            r = node_hash(r, p)
        fn //= 2
        sn //= 2
    if sn != 0 or r != root:
        raise Invalid("inclusion proof does not verify")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: list[bytes]
) -> None:
    """RFC 9162 §2.1.4.2, verbatim (for 0 < size1 <= size2)."""
    if size1 == size2:
        if proof or root1 != root2:
            raise Invalid("equal sizes need an empty proof and equal roots")
        return
    if not proof:
        raise Invalid("empty consistency proof")
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn % 2 == 1:
        fn //= 2
        sn //= 2
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise Invalid("consistency proof too long")
        if fn % 2 == 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn % 2 == 0 and fn != 0:
                fn //= 2
                sn //= 2
        else:
            sr = node_hash(sr, c)
        fn //= 2
        sn //= 2
    if sn != 0 or fr != root1 or sr != root2:
        raise Invalid("consistency proof does not verify")


class Client:
    """Fetches a log over HTTP and checks every byte against a pinned key."""

    def __init__(self, http: aiohttp.ClientSession, base: str, origin: str, key: PinnedKey) -> None:
        self.http, self.base, self.origin, self.key = http, base, origin, key

    def url(self, tail: str) -> str:
        return f"{self.base}/v1/logs/{self.origin}{tail}"

    async def checkpoint(self) -> VerifiedCheckpoint:
        async with self.http.get(self.url("/checkpoint")) as resp:
            assert resp.status == 200
            return verify_checkpoint_note(await resp.read(), self.key)

    async def entries(self, size: int, page: int) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        while len(out) < size:
            async with self.http.get(self.url(f"/entries?start={len(out)}&limit={page}")) as r:
                assert r.status == 200
                lines = (await r.read()).decode("utf-8").splitlines()
            if not lines:
                raise Invalid("server returned no entries before the checkpoint size")
            out.extend(json.loads(line) for line in lines)
        return out[:size]

    async def proof(self, tail: str) -> list[bytes]:
        async with self.http.get(self.url(tail)) as resp:
            assert resp.status == 200
            doc = json.loads(await resp.read())
        return [b64(h) for h in doc["hashes"]]


def check_entries(entries: list[dict[str, Any]]) -> tuple[list[bytes], list[dict[str, Any]]]:
    """Leaf hashes in order and the parsed leaves; every served body must match its leaf."""
    hashes: list[bytes] = []
    leaves: list[dict[str, Any]] = []
    for i, e in enumerate(entries):
        assert set(e) == {"seq", "leaf", "body"}
        assert e["seq"] == i
        raw_leaf = e["leaf"].encode("utf-8")
        leaf = json.loads(raw_leaf)
        assert leaf["v"] == 1 and leaf["seq"] == i
        # the leaf travels as the exact bytes the origin produced: compact JSON
        assert b": " not in raw_leaf and b", " not in raw_leaf
        if e["body"] is not None:
            body = e["body"].encode("utf-8")
            if leaf.get("body") != "sha256:" + hashlib.sha256(body).hexdigest():
                raise Invalid(f"body of entry {i} does not match its leaf")
            obj = json.loads(body)
            assert obj["id"] == leaf["id"]
            assert len(base64.b64decode(obj["salt"], validate=True)) >= 16
        hashes.append(leaf_hash(raw_leaf))
        leaves.append(leaf)
    return hashes, leaves


# --- the test -----------------------------------------------------------------------------------


async def test_an_independent_client_verifies_the_whole_log(
    running_node: tuple[Node, str], node_home: tuple[Home, str], http: aiohttp.ClientSession
) -> None:
    node, base = running_node
    pinned = parse_pinned_vkey(node_home[1])  # pasted by an admin, out of band
    client = Client(http, base, ORIGIN, pinned)

    # --- the node publishes (project code) ---
    samples = sample_records(ORIGIN, extra=5)
    await node.publish(samples[:6])
    old = await client.checkpoint()
    assert old.size == 6
    case = next(r for r in samples[:6] if r["kind"] == "case")
    event = next(r for r in samples[:6] if r["kind"] == "event")
    updated = {**case, "stage": "completed"}
    await node.publish([updated, *samples[6:]])
    await node.delete("event", event["id"])

    # --- the independent client checks (no federation.protocol below this line) ---
    async with http.get(f"{base}/.well-known/federation") as resp:
        assert (await resp.json())["vkey"] == node_home[1]
    cp = await client.checkpoint()
    assert (cp.origin, cp.size) == (ORIGIN, 13)

    entries = await client.entries(cp.size, page=4)
    hashes, leaves = check_entries(entries)
    assert mth(hashes) == cp.root
    assert mth(hashes[: old.size]) == old.root

    ops = [leaf["op"] for leaf in leaves]
    assert ops == ["put"] * 12 + ["delete"]
    null_bodies = {leaf["id"] for leaf, e in zip(leaves, entries, strict=True) if e["body"] is None}
    person = next(r for r in samples if r.get("contact_type") == "person")
    # the person (federation visibility), the superseded case version and the deleted event
    assert {person["id"], case["id"], event["id"]} <= null_bodies
    served = sum(e["body"] is not None for e in entries)
    assert served == 9  # 12 puts - person - old case version - deleted event

    for index in range(cp.size):
        proof = await client.proof(f"/proof/inclusion?index={index}&size={cp.size}")
        assert proof == rfc6962_path(index, hashes)
        verify_inclusion(index, cp.size, hashes[index], proof, cp.root)
    for index in range(old.size):
        proof = await client.proof(f"/proof/inclusion?index={index}&size={old.size}")
        verify_inclusion(index, old.size, hashes[index], proof, old.root)

    proof = await client.proof(f"/proof/consistency?from={old.size}&to={cp.size}")
    assert proof == rfc6962_subproof(old.size, hashes)
    verify_consistency(old.size, cp.size, old.root, cp.root, proof)
    for m in range(1, cp.size + 1):
        proof = await client.proof(f"/proof/consistency?from={m}&to={cp.size}")
        verify_consistency(m, cp.size, mth(hashes[:m]), cp.root, proof)

    # The client is not a rubber stamp: a flipped bit anywhere is refused.
    proof = await client.proof(f"/proof/inclusion?index=5&size={cp.size}")
    bad = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    with pytest.raises(Invalid):
        verify_inclusion(5, cp.size, hashes[5], bad, cp.root)
    with pytest.raises(Invalid):
        verify_inclusion(6, cp.size, hashes[5], proof, cp.root)
    proof = await client.proof(f"/proof/consistency?from={old.size}&to={cp.size}")
    with pytest.raises(Invalid):
        verify_consistency(old.size, cp.size, old.root, cp.root, proof[:-1])
    with pytest.raises(Invalid):
        verify_consistency(old.size, cp.size, cp.root, cp.root, proof)
    async with http.get(client.url("/checkpoint")) as resp:
        note = await resp.read()
    tampered = note.replace(f"\n{cp.size}\n".encode(), f"\n{cp.size + 1}\n".encode(), 1)
    with pytest.raises(Invalid):
        verify_checkpoint_note(tampered, pinned)
    # Another key under the same name (an impostor) does not vouch for this log.
    other = Ed25519PrivateKey.generate().public_key().public_bytes_raw()
    blob = base64.b64encode(b"\x01" + other).decode()
    key_id = hashlib.sha256(f"{ORIGIN}\n".encode() + b"\x01" + other).digest()[:4].hex()
    with pytest.raises(Invalid):
        verify_checkpoint_note(note, parse_pinned_vkey(f"{ORIGIN}+{key_id}+{blob}"))
    body_entry = next(e for e in entries if e["body"] is not None)
    forged = {**body_entry, "body": body_entry["body"].replace('"id"', '"id" ', 1)}
    with pytest.raises(Invalid):
        check_entries([*entries[: body_entry["seq"]], forged])


def test_the_verifier_imports_nothing_from_the_protocol_package() -> None:
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    assert not {m for m in imported if m.startswith("federation.protocol")}
    assert {m for m in imported if m.startswith("federation")} == {
        "federation.cli.samples",
        "federation.config",
        "federation.node.service",
    }
