"""Authenticated pulls: RFC 9421 HTTP Message Signatures on feed requests (protocol §7.8).

1. The RFC 9421 Appendix B.2.6 Ed25519 example, through the package and our request adapter.
2. The profile and the replay guard, with an injected clock.
3. A real node on 127.0.0.1: who gets ``vis: federation`` bodies, and every way a signature
   is refused (expired, replayed, revoked key, wrong key, tampered path or query).
4. End to end: a pull signed with the puller's key brings the body only when the served node
   trusts the puller.
"""

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import http_sf
import orjson
import pytest
import yarl
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import ED25519

from federation.config import Home
from federation.node.app import create_app
from federation.node.auth import message
from federation.node.context import SYNC
from federation.node.service import Node
from federation.protocol.note import Signer
from federation.sync.signing import (
    COVERED,
    LABEL,
    TAG,
    HttpRequest,
    ReplayGuard,
    SignatureRefused,
    VerifiedSignature,
    sign_request,
)

A = "lt.esfa.ncc"
B = "be.esf.ncc"
C = "fi.esf.ncc"
Factory = Callable[..., dict[str, Any]]
HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]


# --- 1. RFC 9421 Appendix B.2.6 -----------------------------------------------------------------

# Appendix B.1.4, test-key-ed25519
RFC_PUBLIC_PEM = b"""-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_PRIVATE_PEM = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_KEYID = "test-key-ed25519"
# Appendix B.2, the test-request message
RFC_TARGET = "/foo?param=Value&Pet=dog"
RFC_BODY = b'{"hello": "world"}'
RFC_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwE"
        "mTHWXvJwew==:"
    ),
    "Content-Length": "18",
}
# Appendix B.2.6, label sig-b26
RFC_COVERED = ("date", "@method", "@path", "@authority", "content-type", "content-length")
RFC_CREATED = 1618884473
RFC_SIGNATURE_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" '
    '"content-length");created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
RFC_SIGNATURE_B64 = (
    "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw=="
)


def rfc_keys() -> tuple[Ed25519PrivateKey, Ed25519PublicKey]:
    private = load_pem_private_key(RFC_PRIVATE_PEM, None)
    public = load_pem_public_key(RFC_PUBLIC_PEM)
    assert isinstance(private, Ed25519PrivateKey) and isinstance(public, Ed25519PublicKey)
    assert private.public_key().public_bytes_raw() == public.public_bytes_raw()
    return private, public


def rfc_request(method: str = "POST", target: str = RFC_TARGET, **headers: str) -> web.Request:
    """The signed test-request as the node's server sees it (``headers`` override fields)."""
    fields = {
        **RFC_HEADERS,
        "Signature-Input": RFC_SIGNATURE_INPUT,
        "Signature": f"sig-b26=:{RFC_SIGNATURE_B64}:",
    }
    fields.update({k.replace("_", "-"): v for k, v in headers.items()})
    return make_mocked_request(method, target, headers=fields)


def rfc_verify(request: web.Request) -> dict[str, str]:
    _, public = rfc_keys()
    verifier = HTTPMessageVerifier(
        signature_algorithm=ED25519,
        key_resolver=MappingKeyResolver(public_keys={RFC_KEYID: public}, private_keys={}),
    )
    (result,) = verifier.verify(message(request), max_age=None)
    return dict(result.covered_components)


def test_rfc9421_b26_verifies_through_the_server_adapter() -> None:
    covered = rfc_verify(rfc_request())
    base = "\n".join(f"{name}: {value}" for name, value in covered.items())
    assert base == RFC_SIGNATURE_BASE


@pytest.mark.parametrize(
    ("method", "target", "headers"),
    [
        pytest.param("GET", RFC_TARGET, {}, id="method"),
        pytest.param("POST", "/bar?param=Value&Pet=dog", {}, id="path"),
        pytest.param("POST", RFC_TARGET, {"Host": "example.org"}, id="authority"),
        pytest.param("POST", RFC_TARGET, {"Date": "Tue, 20 Apr 2021 02:07:56 GMT"}, id="date"),
        pytest.param(
            "POST",
            RFC_TARGET,
            {"Signature": f"sig-b26=:x{RFC_SIGNATURE_B64[1:]}:"},  # w→x: flips one bit
            id="flipped-signature-bit",
        ),
    ],
)
def test_rfc9421_b26_any_change_fails(method: str, target: str, headers: dict[str, str]) -> None:
    with pytest.raises(InvalidSignature):
        rfc_verify(rfc_request(method, target, **headers))


def test_rfc9421_b26_our_signer_reproduces_base_and_signature() -> None:
    """Signing side: the package's base for the test-request, signed by our :class:`Signer`
    seeded with the RFC key, is byte for byte the RFC's (Ed25519 is deterministic)."""
    private, _ = rfc_keys()
    signer = Signer(RFC_KEYID, private.private_bytes_raw())
    hms = HTTPMessageSigner(signature_algorithm=ED25519)
    msg = HttpRequest("POST", "https://example.com" + RFC_TARGET, dict(RFC_HEADERS))
    prepared = hms.prepare(
        msg,
        key_id=RFC_KEYID,
        created=datetime.datetime.fromtimestamp(RFC_CREATED, datetime.UTC),
        include_alg=False,
        label="sig-b26",
        covered_component_ids=RFC_COVERED,
        use_existing_digest=True,  # the test-request carries one (not covered in B.2.6)
    )
    assert prepared.signature_base == RFC_SIGNATURE_BASE.encode()
    signature = signer.sign(prepared.signature_base)
    hms.apply(msg, prepared, signature)
    assert msg.headers["Signature-Input"] == RFC_SIGNATURE_INPUT
    assert msg.headers["Signature"] == f"sig-b26=:{RFC_SIGNATURE_B64}:"


# --- 2. the profile and the replay guard --------------------------------------------------------


def signature_params(headers: dict[str, str]) -> tuple[list[str], dict[str, Any]]:
    parsed = http_sf.parse(headers["Signature-Input"].encode(), tltype="dictionary")
    assert isinstance(parsed, dict) and set(parsed) == {LABEL}
    member = parsed[LABEL]
    assert isinstance(member, tuple) and isinstance(member[0], list)
    covered = [item[0] if isinstance(item, tuple) else item for item in member[0]]
    return [str(c) for c in covered], dict(member[1])


def test_sign_request_follows_the_profile() -> None:
    signer = Signer.generate(B)
    now = 1_800_000_000.7
    first: dict[str, str] = {"User-Agent": "test"}
    second: dict[str, str] = {}
    url = "http://127.0.0.1:8470/v1/logs/lt.esfa.ncc/entries?start=0&limit=10"
    sign_request("GET", url, first, signer, now=now)
    sign_request("GET", url, second, signer, now=now)
    covered, params = signature_params(first)
    assert tuple(covered) == COVERED == ("@method", "@path", "@query")
    assert params["keyid"] == B
    assert params["alg"] == "ed25519"
    assert params["tag"] == TAG
    assert params["created"] == 1_800_000_000
    assert "expires" not in params
    assert isinstance(params["nonce"], str) and len(params["nonce"]) >= 16
    assert signature_params(second)[1]["nonce"] != params["nonce"]  # random per request
    assert first["User-Agent"] == "test"
    assert first["Signature"].startswith(f"{LABEL}=:")


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_replay_guard_window_edges() -> None:
    clock = FakeClock(10_000.0)
    guard = ReplayGuard(300.0, clock=clock)
    for n, created in enumerate((9_700, 10_300, 10_000)):
        guard.admit(VerifiedSignature(B, created, f"n{n}"))
    for created in (9_699, 10_301):
        with pytest.raises(SignatureRefused) as e:
            guard.admit(VerifiedSignature(B, created, "late-or-early"))
        assert (e.value.status, e.value.code) == (401, "signature_expired")
    with pytest.raises(SignatureRefused) as e:
        guard.admit(VerifiedSignature(B, 10_000, "gone", expires=9_999))
    assert e.value.code == "signature_expired"


def test_replay_guard_refuses_a_nonce_twice_per_keyid_and_forgets_after_the_window() -> None:
    clock = FakeClock(10_000.0)
    guard = ReplayGuard(300.0, clock=clock)
    guard.admit(VerifiedSignature(B, 10_000, "n"))
    guard.admit(VerifiedSignature(C, 10_000, "n"))  # another signer's nonce is its own
    clock.now += 299
    with pytest.raises(SignatureRefused) as e:
        guard.admit(VerifiedSignature(B, 10_000, "n"))
    assert (e.value.status, e.value.code) == (401, "signature_replayed")
    assert len(guard) == 2
    clock.now = 10_000 + 600  # both entries can no longer pass the window: forgotten
    guard.admit(VerifiedSignature(B, int(clock.now), "fresh"))
    assert len(guard) == 1


def test_replay_guard_bounded_cache_turns_requests_away_instead_of_forgetting() -> None:
    guard = ReplayGuard(300.0, clock=FakeClock(10_000.0), max_entries=2)
    guard.admit(VerifiedSignature(B, 10_000, "1"))
    guard.admit(VerifiedSignature(B, 10_000, "2"))
    with pytest.raises(SignatureRefused) as e:
        guard.admit(VerifiedSignature(B, 10_000, "3"))
    assert (e.value.status, e.value.code) == (429, "rate_limited")
    with pytest.raises(SignatureRefused) as e:
        guard.admit(VerifiedSignature(B, 10_000, "1"))
    assert e.value.code == "signature_replayed"


# --- 3. a real node ------------------------------------------------------------------------------


def entries_url(base: str, origin: str = A, query: str = "?start=0&limit=10") -> str:
    return f"{base}/v1/logs/{origin}/entries{query}"


async def fetch(
    http: aiohttp.ClientSession,
    url: str,
    signer: Signer | None = None,
    *,
    signed_url: str | None = None,
    now: float | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, Any]:
    """GET ``url`` exactly as written, signed by ``signer`` for ``signed_url`` (default: url)."""
    hdrs = dict(headers or {})
    if signer is not None:
        sign_request("GET", signed_url or url, hdrs, signer, now=now)
    async with http.get(yarl.URL(url, encoded=True), headers=hdrs) as resp:
        return resp.status, await resp.read(), resp.headers


def first_body(raw: bytes) -> str | None:
    line = orjson.loads(raw.split(b"\n")[0])
    assert set(line) == {"seq", "leaf", "body"} and line["seq"] == 0
    body: str | None = line["body"]
    return body


def refused(status: int, raw: bytes, code: str) -> str:
    """The one error envelope, with ``code``; returns the message."""
    assert status == 401, raw
    doc = orjson.loads(raw)
    assert set(doc) == {"error"} and set(doc["error"]) == {"code", "message"}
    assert doc["error"]["code"] == code
    message: str = doc["error"]["message"]
    assert message
    return message


@pytest.fixture
async def node_a(
    make_home: HomeFactory, serve_node: NodeServer, make_person: Factory
) -> tuple[Node, str, bytes]:
    """Node A serving one person contact (``vis: federation``): (node, base URL, body)."""
    home, _ = await make_home("a")
    node, base = await serve_node(home)
    person = make_person(1)
    await node.publish([person])
    record = await node.store.get_record(A, "contact", person["id"])
    assert record is not None and record.vis == "federation" and record.body is not None
    return node, base, record.body


@pytest.fixture
async def signer_b(node_a: tuple[Node, str, bytes]) -> Signer:
    """Origin B's key, pinned and trusted at node A."""
    signer = Signer.generate(B)
    await node_a[0].store.add_origin(B, "trusted", [signer.vkey])
    return signer


async def test_anonymous_gets_null_and_trusted_signer_gets_the_body(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    _, base, body = node_a
    status, raw, headers = await fetch(http, entries_url(base))
    assert status == 200 and first_body(raw) is None
    assert b"Petraitien" not in raw
    assert "Signature-Input" in headers["Vary"]

    status, raw, headers = await fetch(http, entries_url(base), signer_b)
    assert status == 200, raw
    assert first_body(raw) == body.decode()
    assert headers["Cache-Control"] == "private, no-store"


async def test_signer_this_node_does_not_trust_is_anonymous(
    node_a: tuple[Node, str, bytes], http: aiohttp.ClientSession
) -> None:
    """Trust need not be mutual: an origin A does not trust still pulls the public data.
    Its claim grants nothing, so it is served like an anonymous request, not refused."""
    _, base, _ = node_a
    for origin in (C, A):  # unknown to A; and A's own name (role self, not trusted)
        status, raw, _ = await fetch(http, entries_url(base), Signer.generate(origin))
        assert status == 200, raw
        assert first_body(raw) is None
    # an origin that was trusted and has been removed no longer counts
    signer_c = Signer.generate(C)
    await node_a[0].store.add_origin(C, "trusted", [signer_c.vkey])
    await node_a[0].store.set_origin_role(C, "removed")
    status, raw, _ = await fetch(http, entries_url(base), signer_c)
    assert status == 200 and first_body(raw) is None


async def test_wrong_key_for_a_trusted_origin_is_refused(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    _, base, _ = node_a
    impostor = Signer.generate(B)  # claims B, key not pinned
    status, raw, _ = await fetch(http, entries_url(base), impostor)
    refused(status, raw, "unauthorized")


@pytest.mark.parametrize("skew", [-301.0, 301.0, -3600.0])
async def test_created_outside_the_window_is_refused(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession, skew: float
) -> None:
    _, base, _ = node_a
    status, raw, _ = await fetch(http, entries_url(base), signer_b, now=time.time() + skew)
    refused(status, raw, "signature_expired")
    # well inside the window is fine
    status, raw, _ = await fetch(http, entries_url(base), signer_b, now=time.time() - 60)
    assert status == 200 and first_body(raw) is not None


async def test_replayed_signature_is_refused(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    _, base, body = node_a
    url = entries_url(base)
    hdrs: dict[str, str] = {}
    sign_request("GET", url, hdrs, signer_b)
    status, raw, _ = await fetch(http, url, headers=hdrs)
    assert status == 200 and first_body(raw) == body.decode()
    status, raw, _ = await fetch(http, url, headers=hdrs)
    refused(status, raw, "signature_replayed")
    # a new signature (new nonce) is fine
    status, raw, _ = await fetch(http, url, signer_b)
    assert status == 200


async def test_revoked_key_is_refused(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    node, base, _ = node_a
    assert await node.store.revoke_key(B, signer_b.key_id.hex())
    status, raw, _ = await fetch(http, entries_url(base), signer_b)
    refused(status, raw, "unauthorized")


@pytest.mark.parametrize(
    ("sent", "signed"),
    [
        pytest.param(("", "?start=0&limit=10"), (C, "?start=0&limit=10"), id="path"),
        pytest.param(("", "?start=0&limit=9"), ("", "?start=0&limit=10"), id="query"),
        pytest.param(("", "?start=0&limit=10"), ("", ""), id="query-added"),
        pytest.param(
            ("lt%2Eesfa.ncc", "?start=0&limit=10"), ("", "?start=0&limit=10"), id="encoding"
        ),
    ],
)
async def test_tampered_path_or_query_is_refused(
    node_a: tuple[Node, str, bytes],
    signer_b: Signer,
    http: aiohttp.ClientSession,
    sent: tuple[str, str],
    signed: tuple[str, str],
) -> None:
    """The path and query are covered exactly as sent, percent-encoding included."""
    _, base, _ = node_a
    sent_url = entries_url(base, sent[0] or A, sent[1])
    signed_url = entries_url(base, signed[0] or A, signed[1])
    status, raw, _ = await fetch(http, sent_url, signer_b, signed_url=signed_url)
    refused(status, raw, "unauthorized")


async def test_authority_is_not_covered(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    """What a TLS reverse proxy changes (scheme, host, port) does not break the signature."""
    _, base, body = node_a
    url = entries_url(base)
    proxied = entries_url("https://feed.example.eu")
    status, raw, _ = await fetch(http, url, signer_b, signed_url=proxied)
    assert status == 200 and first_body(raw) == body.decode()


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Signature": "fed=:AAAA:"}, id="signature-without-input"),
        pytest.param({"Signature-Input": 'fed=("@method");keyid="be.esf.ncc"'}, id="no-signature"),
        pytest.param({"Signature-Input": "fed=(((", "Signature": "fed=:AAAA:"}, id="malformed"),
        pytest.param(
            {"Signature-Input": 'other=("@method");keyid="x"', "Signature": "other=:AAAA:"},
            id="no-fed-label",
        ),
    ],
)
async def test_malformed_signature_fields_are_refused(
    node_a: tuple[Node, str, bytes], http: aiohttp.ClientSession, headers: dict[str, str]
) -> None:
    _, base, _ = node_a
    status, raw, _ = await fetch(http, entries_url(base), headers=headers)
    refused(status, raw, "unauthorized")


async def test_signature_not_covering_path_and_query_is_refused(
    node_a: tuple[Node, str, bytes], signer_b: Signer, http: aiohttp.ClientSession
) -> None:
    _, base, _ = node_a
    url = entries_url(base)
    hdrs: dict[str, str] = {}
    hms = HTTPMessageSigner(signature_algorithm=ED25519)
    msg = HttpRequest("GET", url, hdrs)
    prepared = hms.prepare(
        msg, key_id=B, nonce="n0nce", label=LABEL, tag=TAG, covered_component_ids=("@method",)
    )
    hms.apply(msg, prepared, signer_b.sign(prepared.signature_base))
    status, raw, _ = await fetch(http, url, headers=hdrs)
    assert "@path" in refused(status, raw, "unauthorized")


async def test_other_feed_endpoints_stay_public(
    node_a: tuple[Node, str, bytes], http: aiohttp.ClientSession
) -> None:
    _, base, _ = node_a
    bad = {"Signature-Input": "fed=(((", "Signature": "fed=:AAAA:"}
    for path in ("/.well-known/federation", "/v1/logs", f"/v1/logs/{A}/checkpoint"):
        status, raw, _ = await fetch(http, base + path, headers=bad)
        assert status == 200, (path, raw)


# --- 4. end to end ------------------------------------------------------------------------------

AppServer = Callable[[Home], Awaitable[tuple[Node, web.Application, str]]]


@pytest.fixture
async def serve_app() -> AsyncIterator[AppServer]:
    """``await serve_app(home)`` → (node, app, base URL): like ``serve_node``, with the app."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(home: Home) -> tuple[Node, web.Application, str]:
            node = await Node.open(home)
            stack.push_async_callback(node.close)
            app = create_app(node, schedule=False)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            stack.push_async_callback(runner.cleanup)
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            host, port = runner.addresses[0][:2]
            return node, app, f"http://{host}:{port}"

        yield start


@pytest.mark.parametrize("mutual", [True, False], ids=["a-trusts-b", "a-does-not-trust-b"])
async def test_signed_pull_brings_federation_bodies_only_when_trusted(
    make_home: HomeFactory, serve_app: AppServer, make_person: Factory, mutual: bool
) -> None:
    home_a, vkey_a = await make_home("a")
    home_b, vkey_b = await make_home("b", origin=B, country="BE")
    node_a, _, url_a = await serve_app(home_a)
    node_b, app_b, _ = await serve_app(home_b)
    person = make_person(1)
    await node_a.publish([person])
    await node_b.store.add_origin(A, "trusted", [vkey_a])
    await node_b.store.add_peer(url_a, A)
    if mutual:
        await node_a.store.add_origin(B, "trusted", [vkey_b])

    (result,) = await app_b[SYNC].sync_now()
    assert result.ok, result.error
    assert result.entries == 1

    at_a = await node_a.store.get_record(A, "contact", person["id"])
    at_b = await node_b.store.get_record(A, "contact", person["id"])
    assert at_a is not None and at_a.body is not None
    assert at_b is not None and at_b.leaf == at_a.leaf
    assert at_b.body == (at_a.body if mutual else None)


async def test_pull_signed_with_a_key_the_peer_did_not_pin_fails_loudly(
    make_home: HomeFactory, serve_app: AppServer, make_person: Factory
) -> None:
    """A trusts B under another key (say, B's revoked one): B's pull is refused with 401, so
    B's admin sees the failure instead of B silently merging ``null`` bodies."""
    home_a, vkey_a = await make_home("a")
    home_b, _ = await make_home("b", origin=B, country="BE")
    node_a, _, url_a = await serve_app(home_a)
    node_b, app_b, _ = await serve_app(home_b)
    await node_a.publish([make_person(1)])
    await node_a.store.add_origin(B, "trusted", [Signer.generate(B).vkey])
    await node_b.store.add_origin(A, "trusted", [vkey_a])
    await node_b.store.add_peer(url_a, A)

    (result,) = await app_b[SYNC].sync_now()
    assert not result.ok
    assert result.reason == "http_401"
    assert "HTTP 401" in (result.error or ""), result.error
    head = await node_b.store.head(A)
    assert head is not None and head.size == 0
