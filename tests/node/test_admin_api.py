"""Admin HTTP API (DESIGN §6) of a real node on 127.0.0.1:0, through a real HTTP client.

Every endpoint is exercised against served nodes; where the same thing can be done with the
CLI, the test checks that both give the same answer. The loopback rule cannot be exercised
over a real socket here (there is no second, non-loopback interface), so that one check is
tested on a stand-in request object, ``FakeRemoteRequest``.
"""

from __future__ import annotations

import asyncio
import secrets
import stat
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from click.testing import CliRunner

from federation.cli.main import cli
from federation.config import Home, Limits, Settings
from federation.node.admin import check_access, is_loopback
from federation.node.errors import ApiError
from federation.node.service import Node, init_home
from federation.protocol.note import Signer
from tests.cli_support import dead_url
from tests.cli_support import invoke_json as cli_json

FI = "fi.tem.ncc"
LT = "lt.esfa.ncc"
RecordFactory = Callable[..., dict[str, Any]]
HomeFactory = Callable[..., Awaitable[tuple[Home, str]]]
NodeServer = Callable[[Home], Awaitable[tuple[Node, str]]]


# --- helpers ------------------------------------------------------------------------------------


@dataclass
class Admin:
    """A served node with the admin API on, and a client that speaks to it."""

    node: Node
    base: str
    token: str
    http: aiohttp.ClientSession

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token if token is None else token}"}

    async def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        data: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> tuple[int, Any, aiohttp.ClientResponse]:
        hdrs = dict(self.auth() if headers is None else headers)
        if body is not None:
            data = orjson.dumps(body)
            hdrs["Content-Type"] = "application/json"
        async with self.http.request(
            method, self.base + path, data=data, headers=hdrs, params=params
        ) as resp:
            raw = await resp.read()
            assert resp.content_type == "application/json", raw
            return resp.status, orjson.loads(raw), resp

    async def ok(
        self, method: str, path: str, body: Any = None, status: int = 200, **kw: Any
    ) -> Any:
        got, doc, _ = await self.call(method, path, body, **kw)
        assert got == status, doc
        return doc


def envelope(doc: Any) -> dict[str, str]:
    """The one error shape: exactly ``{"error": {"code": str, "message": str}}``."""
    assert isinstance(doc, dict) and set(doc) == {"error"}
    err = doc["error"]
    assert isinstance(err, dict) and set(err) == {"code", "message"}
    assert err["code"] and err["message"]
    return err


async def refused(admin: Admin, status: int, code: str, method: str, path: str, **kw: Any) -> str:
    got, doc, _ = await admin.call(method, path, **kw)
    assert got == status, doc
    err = envelope(doc)
    assert err["code"] == code, err
    return err["message"]


AdminFactory = Callable[..., Awaitable[tuple[Admin, Home]]]


@pytest.fixture
def make_admin(tmp_path: Path, http: aiohttp.ClientSession, serve_node: NodeServer) -> AdminFactory:
    """``await make_admin(limits=...)`` → (Admin, Home): node ``fi.tem.ncc`` with a token."""

    async def make(*, limits: Limits | None = None, token: str | None = None) -> tuple[Admin, Home]:
        token = secrets.token_urlsafe(32) if token is None else token
        home = Home(tmp_path / "fi")
        settings = Settings(
            origin=FI,
            country="FI",
            name="Finnish ministry",
            listen="127.0.0.1:0",
            admin_token=token,
            limits=limits or Limits(),
        )
        await init_home(home, settings)
        node, url = await serve_node(home)
        return Admin(node, url, token, http), home

    return make


@pytest.fixture
async def admin(make_admin: AdminFactory) -> tuple[Admin, Home]:
    return await make_admin()


async def snapshot(node: Node) -> tuple[Any, ...]:
    store = node.store
    return (
        await store.origin_overview(("self", "trusted", "removed")),
        await store.peers(),
        await store.pending(),
    )


# --- disabled, unauthenticated, not loopback ----------------------------------------------------


async def test_admin_api_is_off_without_a_token(
    running_node: tuple[Node, str], http: aiohttp.ClientSession
) -> None:
    node, base = running_node
    assert node.settings.admin_token == ""
    for method, path in [("GET", "/admin/status"), ("POST", "/admin/trust"), ("GET", "/admin")]:
        headers = {"Authorization": "Bearer " + "x" * 43}
        async with http.request(method, base + path, headers=headers, data=b"{}") as resp:
            assert resp.status == 404
            assert envelope(await resp.json())["code"] == "not_found"


ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/admin/peers", None),
    ("POST", "/admin/peers", {"url": "http://127.0.0.1:9"}),
    ("DELETE", "/admin/peers?url=http://127.0.0.1:9", None),
    ("POST", "/admin/peers/retry", {"url": "http://127.0.0.1:9"}),
    ("GET", "/admin/trust", None),
    ("POST", "/admin/trust", {"vkey": Signer.generate(LT).vkey}),
    ("DELETE", f"/admin/trust/{LT}", None),
    ("POST", f"/admin/trust/{LT}/revoke", {"key_id": "00000000"}),
    ("GET", "/admin/trust/pending", None),
    ("POST", "/admin/sync", {}),
    ("GET", "/admin/status", None),
]


@pytest.mark.parametrize(
    "auth",
    [None, "Bearer", "Bearer wrong-token-of-good-length", "Basic dXNlcjpwYXNz", "bearer  "],
)
async def test_no_or_wrong_token_is_401_and_changes_nothing(
    admin: tuple[Admin, Home], make_home: HomeFactory, auth: str | None
) -> None:
    a, _ = admin
    _, lt_vkey = await make_home("lt")
    await a.node.store.add_origin(LT, "trusted", [lt_vkey])
    before = await snapshot(a.node)
    headers = {} if auth is None else {"Authorization": auth}
    for method, path, body in ENDPOINTS:
        got, doc, resp = await a.call(method, path, body, headers=headers)
        assert got == 401, (method, path, doc)
        assert envelope(doc)["code"] == "unauthorized"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    # a token that differs only in its last character is as wrong as any other
    close = a.token[:-1] + ("A" if a.token[-1] != "A" else "B")
    await refused(
        a,
        401,
        "unauthorized",
        "POST",
        "/admin/trust",
        headers=a.auth(close),
        body={"vkey": Signer.generate(LT).vkey},
    )
    assert await snapshot(a.node) == before


@dataclass
class FakeRemoteRequest:
    """Stands in for a request from another host: there is no second interface to send from."""

    remote: str | None
    headers: dict[str, str] = field(default_factory=dict)


def settings(token: str = "t" * 32, *, remote: bool = False) -> Settings:
    return Settings(origin=FI, country="FI", admin_token=token, admin_remote=remote)


@pytest.mark.parametrize(
    "remote", ["192.0.2.7", "10.0.0.1", "::ffff:192.0.2.7", "2001:db8::1", None, "", "garbage"]
)
def test_non_loopback_clients_are_forbidden_even_with_the_token(remote: str | None) -> None:
    s = settings()
    request = FakeRemoteRequest(remote, {"Authorization": f"Bearer {s.admin_token}"})
    with pytest.raises(ApiError) as e:
        check_access(request, s)
    assert (e.value.status, e.value.code) == (403, "forbidden")
    assert not is_loopback(remote)


@pytest.mark.parametrize("remote", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_clients_pass_with_the_token(remote: str) -> None:
    s = settings()
    assert is_loopback(remote)
    check_access(FakeRemoteRequest(remote, {"Authorization": f"Bearer {s.admin_token}"}), s)
    with pytest.raises(ApiError) as e:
        check_access(FakeRemoteRequest(remote), s)
    assert (e.value.status, e.value.headers["WWW-Authenticate"][:6]) == (401, "Bearer")


def test_admin_remote_lets_other_hosts_in_but_still_needs_the_token() -> None:
    s = settings(remote=True)
    check_access(FakeRemoteRequest("192.0.2.7", {"Authorization": f"Bearer {s.admin_token}"}), s)
    with pytest.raises(ApiError) as e:
        check_access(FakeRemoteRequest("192.0.2.7", {"Authorization": "Bearer nope"}), s)
    assert e.value.status == 401


def test_no_token_configured_means_not_found() -> None:
    s = Settings(origin=FI, country="FI")
    with pytest.raises(ApiError) as e:
        check_access(FakeRemoteRequest("127.0.0.1", {"Authorization": "Bearer "}), s)
    assert e.value.status == 404


def test_a_short_token_in_the_config_is_refused() -> None:
    with pytest.raises(ValueError, match="admin_token"):
        Settings(origin=FI, country="FI", admin_token="short")


# --- bad input ----------------------------------------------------------------------------------


async def test_bad_json_and_missing_fields_are_400(admin: tuple[Admin, Home]) -> None:
    a, _ = admin
    before = await snapshot(a.node)
    for path in ("/admin/trust", "/admin/peers", "/admin/peers/retry", f"/admin/trust/{LT}/revoke"):
        await refused(a, 400, "bad_request", "POST", path, data=b"{not json")
        await refused(a, 400, "bad_request", "POST", path, data=b"")
        await refused(a, 400, "bad_request", "POST", path, body=["a", "list"])
        await refused(a, 400, "bad_request", "POST", path, body={})
        await refused(a, 400, "bad_request", "POST", path, body={"url": 1, "vkey": 2, "key_id": 3})
    await refused(a, 400, "bad_request", "DELETE", "/admin/peers")
    await refused(a, 400, "bad_request", "POST", "/admin/sync", body={"url": 7})
    await refused(a, 400, "bad_url", "POST", "/admin/peers", body={"url": "ftp://node.example.eu"})
    await refused(a, 400, "invalid_key", "POST", "/admin/trust", body={"vkey": "not a key"})
    assert await snapshot(a.node) == before


async def test_oversized_body_is_413_in_the_envelope(make_admin: AdminFactory) -> None:
    a, _ = await make_admin(limits=Limits(max_request_bytes=1024))
    before = await snapshot(a.node)
    vkey = Signer.generate(LT).vkey
    big = orjson.dumps({"vkey": vkey, "padding": "x" * 8192})
    message = await refused(a, 413, "payload_too_large", "POST", "/admin/trust", data=big)
    assert message
    # the token is checked before the body is read: no token, no 413
    await refused(a, 401, "unauthorized", "POST", "/admin/trust", data=big, headers={})
    assert await snapshot(a.node) == before
    # a body under the limit is fine
    await a.ok("POST", "/admin/trust", {"vkey": vkey}, status=201)


# --- trust --------------------------------------------------------------------------------------


async def test_trust_endpoints(admin: tuple[Admin, Home], make_home: HomeFactory) -> None:
    a, home = admin
    _, lt_vkey = await make_home("lt")
    key_id = lt_vkey.split("+")[1]

    added = await a.ok("POST", "/admin/trust", {"vkey": lt_vkey}, status=201)
    assert added == {
        "origin": LT,
        "key_id": key_id,
        "added": True,
        "keys": 1,
        "message": f"trusted {LT} key {key_id}",
    }
    again = await a.ok("POST", "/admin/trust", {"vkey": lt_vkey})
    assert (again["added"], again["message"]) == (
        False,
        f"{LT} is already trusted with key {key_id}",
    )
    await refused(a, 409, "own_origin", "POST", "/admin/trust", body={"vkey": a.node.signer.vkey})

    listed = await a.ok("GET", "/admin/trust")
    assert [(o["origin"], o["role"]) for o in listed] == [(FI, "self"), (LT, "trusted")]
    assert listed == await cli_json(home, "trust", "list")  # one implementation

    second = Signer.generate(LT)
    await a.ok("POST", "/admin/trust", {"vkey": second.vkey}, status=201)
    revoked = await a.ok("POST", f"/admin/trust/{LT}/revoke", {"key_id": key_id.upper()})
    assert (revoked["origin"], revoked["key_id"], revoked["revoked"]) == (LT, key_id, True)
    assert revoked["usable_keys"] == 1
    keys = {k["key_id"]: k["state"] for k in (await a.ok("GET", "/admin/trust"))[1]["keys"]}
    assert keys == {key_id: "revoked", second.key_id.hex(): "active"}
    assert [v.vkey for v in await a.node.store.verifiers(LT)] == [second.vkey]
    assert (await a.ok("POST", f"/admin/trust/{LT}/revoke", {"key_id": key_id}))["revoked"] is False
    await refused(
        a, 404, "unknown_key", "POST", f"/admin/trust/{LT}/revoke", body={"key_id": "0badc0de"}
    )
    await refused(
        a,
        404,
        "unknown_origin",
        "POST",
        "/admin/trust/xx.nowhere.ncc/revoke",
        body={"key_id": key_id},
    )
    own_key = a.node.signer.key_id.hex()
    await refused(
        a, 409, "own_origin", "POST", f"/admin/trust/{FI}/revoke", body={"key_id": own_key}
    )
    await refused(a, 409, "key_revoked", "POST", "/admin/trust", body={"vkey": lt_vkey})

    removed = await a.ok("DELETE", f"/admin/trust/{LT}")
    assert (removed["origin"], removed["removed"]) == (LT, True)
    assert removed["message"].startswith(f"removed {LT}")
    assert (await a.ok("DELETE", f"/admin/trust/{LT}"))["removed"] is False
    await refused(a, 404, "unknown_origin", "DELETE", "/admin/trust/xx.nowhere.ncc")
    await refused(a, 409, "own_origin", "DELETE", f"/admin/trust/{FI}")
    assert [o["origin"] for o in await a.ok("GET", "/admin/trust")] == [FI]
    everything = await a.ok("GET", "/admin/trust", params={"all": "1"})
    assert [(o["origin"], o["role"]) for o in everything] == [(FI, "self"), (LT, "removed")]
    assert everything == await cli_json(home, "trust", "list", "--all")


# --- peers, sync, pending, status ---------------------------------------------------------------


async def test_peers_sync_pending_and_status(
    admin: tuple[Admin, Home],
    make_home: HomeFactory,
    serve_node: NodeServer,
    make_case: RecordFactory,
) -> None:
    a, home = admin
    lt_home, lt_vkey = await make_home("lt")
    lt_node, lt_url = await serve_node(lt_home)
    await lt_node.publish([make_case(1), make_case(2)])

    added = await a.ok("POST", "/admin/peers", {"url": lt_url + "/"}, status=201)
    assert (added["url"], added["added"], added["origin"], added["warning"]) == (
        lt_url,
        True,
        LT,
        None,
    )
    assert added["well_known"]["vkey"] == lt_vkey
    assert added["well_known"]["name"] == "Lithuanian ESF Agency"
    assert added["trust_hint"].endswith(f"federation trust add {lt_vkey}")
    again = await a.ok("POST", "/admin/peers", {"url": lt_url})
    assert (again["added"], again["message"]) == (False, f"peer {lt_url} is already configured")

    [peer] = await a.ok("GET", "/admin/peers")
    assert (peer["url"], peer["origin"], peer["failures"]) == (lt_url, LT, 0)

    # not trusted yet: the sync notes it as pending and merges nothing
    report = await a.ok("POST", "/admin/sync", {"url": lt_url})
    assert (report["ok"], report["failed"], report["entries"], report["equivocations"]) == (
        1,
        0,
        0,
        [],
    )
    [pulled] = report["peers"]
    assert [(o["origin"], o["outcome"]) for o in pulled["origins"]] == [(LT, "pending")]
    [pending] = await a.ok("GET", "/admin/trust/pending")
    assert (pending["origin"], pending["size"]) == (LT, 2)
    assert [s["url"] for s in pending["seen_at"]] == [lt_url]
    assert await a.ok("GET", "/admin/trust/pending") == await cli_json(home, "trust", "pending")

    await a.ok("POST", "/admin/trust", {"vkey": lt_vkey}, status=201)
    report = await a.ok("POST", "/admin/sync")  # no body: every peer
    assert (report["ok"], report["entries"]) == (1, 2)
    assert await a.ok("GET", "/admin/trust/pending") == []
    await refused(a, 404, "unknown_peer", "POST", "/admin/sync", body={"url": "http://127.0.0.1:9"})

    status = await a.ok("GET", "/admin/status")
    assert set(status) == {"origin", "logs", "digest", "peers", "evidence", "pending"}
    assert status["logs"][LT]["size"] == 2
    assert status["logs"][LT]["records"] == {"case": 2, "event": 0, "contact": 0}
    cli_status = await cli_json(home, "status")
    assert status == cli_status  # one implementation (no peer is backing off: due_in is 0)

    retried = await a.ok("POST", "/admin/peers/retry", {"url": lt_url + "/"})
    assert retried["url"] == lt_url and "not backing off" in retried["message"]
    await refused(
        a, 404, "unknown_peer", "POST", "/admin/peers/retry", body={"url": "http://127.0.0.1:9"}
    )

    removed = await a.ok("DELETE", "/admin/peers", params={"url": lt_url + "/"})
    assert (removed["url"], removed["removed"]) == (lt_url, True)
    assert await a.ok("GET", "/admin/peers") == []
    await refused(a, 404, "unknown_peer", "DELETE", "/admin/peers", params={"url": lt_url})


async def test_unreachable_peer_is_added_with_a_warning_and_retry_clears_its_backoff(
    admin: tuple[Admin, Home],
) -> None:
    a, home = admin
    with dead_url() as url:
        added = await a.ok("POST", "/admin/peers", {"url": url}, status=201)
        assert (added["url"], added["added"], added["origin"], added["well_known"]) == (
            url,
            True,
            None,
            None,
        )
        assert "cannot reach" in added["warning"]

        report = await a.ok("POST", "/admin/sync", {"url": url})
        assert (report["ok"], report["failed"]) == (0, 1)
        [peer] = await a.ok("GET", "/admin/peers")
        assert peer["failures"] == 1 and peer["next_attempt"] > time.time()

        retried = await a.ok("POST", "/admin/peers/retry", {"url": url})
        assert retried["failures"] == 1 and "cleared the backoff" in retried["message"]
        [peer] = await a.ok("GET", "/admin/peers")
        assert (peer["failures"], peer["next_attempt"], peer["due_in"]) == (0, 0.0, 0.0)
        assert [p["url"] for p in await cli_json(home, "peers", "list")] == [url]


async def test_init_writes_a_private_token_that_opens_the_admin_api(
    tmp_path: Path, serve_node: NodeServer, http: aiohttp.ClientSession
) -> None:
    path = tmp_path / "new"
    args = ["init", "--home", str(path), "--origin", FI, "--country", "FI"]
    result = await asyncio.to_thread(CliRunner().invoke, cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    config = path / "federation.toml"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    token = Home(path).load().admin_token
    assert len(token) >= 40
    assert f'admin_token = "{token}"' in config.read_text()

    _, base = await serve_node(Home(path))
    headers = {"Authorization": f"Bearer {token}"}
    async with http.get(base + "/admin/status", headers=headers) as resp:
        assert resp.status == 200
        assert (await resp.json())["origin"] == FI
