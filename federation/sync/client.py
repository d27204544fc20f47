"""HTTP client for one peer's feed API. The seam where every foreign exception is wrapped.

Every transport failure becomes :class:`PeerUnavailable`; every bad response (wrong status,
malformed body, response larger than ``limits.max_response_bytes``) becomes
:class:`PeerProtocolError`. Responses are read with a hard size cap (after gzip decoding, so
a compressed bomb is refused too).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
import yarl

from federation.config import Limits
from federation.protocol.errors import ProtocolError
from federation.protocol.note import Signer
from federation.protocol.update import WireEntry, iter_ndjson_entries
from federation.sync.errors import PeerProtocolError, PeerUnavailable
from federation.sync.signing import sign_request

USER_AGENT = "federation/0.1"


@dataclass(frozen=True, slots=True)
class LogInfo:
    origin: str
    size: int
    checkpoint: bytes


@dataclass(frozen=True, slots=True)
class LogsResponse:
    not_modified: bool
    logs: tuple[LogInfo, ...]
    etag: str | None


class PeerClient:
    """Speaks the feed API of one peer. Counts the bytes it reads in :attr:`bytes_read`.

    With a ``signer`` (the node's own key) every request carries an RFC 9421 signature
    (protocol §7.8), so a peer that trusts this origin serves it ``vis: federation`` bodies.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        limits: Limits,
        *,
        signer: Signer | None = None,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.limits = limits
        self.signer = signer
        self.bytes_read = 0
        self._timeout = aiohttp.ClientTimeout(
            total=limits.request_timeout, sock_connect=limits.connect_timeout
        )

    async def _get(
        self, path: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes, str | None]:
        hdrs = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip"}
        hdrs.update(headers or {})
        cap = self.limits.max_response_bytes
        try:
            # built once, so the path and query signed are exactly the ones sent
            url = yarl.URL(self.base_url + path)
            if params:
                url = url.with_query(params)
            if self.signer is not None:
                sign_request("GET", str(url), hdrs, self.signer)
        except ValueError as e:
            raise PeerUnavailable(f"{path}: cannot build the request: {e}") from e
        try:
            async with self.session.get(
                url, headers=hdrs, timeout=self._timeout, allow_redirects=False
            ) as resp:
                if resp.status == 304:
                    return 304, b"", resp.headers.get("ETag")
                if resp.content_length is not None and resp.content_length > cap:
                    raise PeerProtocolError(
                        f"{path}: response of {resp.content_length} bytes exceeds the limit "
                        f"of {cap}",
                        reason="oversized",
                    )
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(256 * 1024):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > cap:
                        raise PeerProtocolError(
                            f"{path}: response exceeds the limit of {cap} bytes",
                            reason="oversized",
                        )
                buf = chunks[0] if len(chunks) == 1 else b"".join(chunks)
                self.bytes_read += size
                if resp.status >= 500 or resp.status == 429:
                    raise PeerUnavailable(f"{path}: HTTP {resp.status}")
                if resp.status != 200:
                    raise PeerProtocolError(
                        f"{path}: HTTP {resp.status}: {_error_message(buf)}",
                        reason=f"http_{resp.status}",
                    )
                return resp.status, buf, resp.headers.get("ETag")
        except (PeerProtocolError, PeerUnavailable):
            raise
        except TimeoutError as e:
            raise PeerUnavailable(f"{path}: timed out") from e
        except aiohttp.ClientPayloadError as e:
            raise PeerProtocolError(f"{path}: broken response: {e}", reason="truncated") from e
        except (aiohttp.ClientError, OSError) as e:
            raise PeerUnavailable(f"{path}: {type(e).__name__}: {e}") from e

    async def well_known(self) -> dict[str, Any]:
        _, body, _ = await self._get("/.well-known/federation")
        doc = _json(body, "/.well-known/federation")
        if not isinstance(doc, dict):
            raise PeerProtocolError("/.well-known/federation is not a JSON object")
        return doc

    async def logs(self, etag: str | None = None) -> LogsResponse:
        headers = {"If-None-Match": etag} if etag else None
        status, body, new_etag = await self._get("/v1/logs", headers=headers)
        if status == 304:
            return LogsResponse(True, (), etag)
        data = _json(body, "/v1/logs")
        if not isinstance(data, list):
            raise PeerProtocolError("/v1/logs is not a JSON array")
        logs: list[LogInfo] = []
        for item in data:
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("origin"), str)
                or type(item.get("size")) is not int
                or item["size"] < 0
                or not isinstance(item.get("checkpoint"), str)
            ):
                raise PeerProtocolError("/v1/logs entry must have origin, size and checkpoint")
            logs.append(LogInfo(item["origin"], item["size"], item["checkpoint"].encode()))
        return LogsResponse(False, tuple(logs), new_etag)

    async def checkpoint(self, origin: str) -> bytes:
        _, body, _ = await self._get(f"/v1/logs/{origin}/checkpoint")
        return body

    async def entries(self, origin: str, start: int, limit: int) -> list[WireEntry]:
        path = f"/v1/logs/{origin}/entries"
        body = await self.entries_page(origin, start, limit)
        try:
            return list(iter_ndjson_entries(body, start))
        except ProtocolError as e:
            raise PeerProtocolError(f"{path}: {e}", reason=e.code) from e

    async def entries_page(self, origin: str, start: int, limit: int) -> bytes:
        """The raw NDJSON of ``/entries`` (decoded, size-capped), for
        :meth:`~federation.protocol.update.UpdateVerifier.add_page` to parse and verify."""
        path = f"/v1/logs/{origin}/entries"
        _, body, _ = await self._get(path, params={"start": str(start), "limit": str(limit)})
        return body

    async def consistency(self, origin: str, first: int, second: int) -> list[bytes]:
        path = f"/v1/logs/{origin}/proof/consistency"
        _, body, _ = await self._get(path, params={"from": str(first), "to": str(second)})
        return _hashes(body, path)

    async def inclusion(self, origin: str, index: int, size: int) -> list[bytes]:
        path = f"/v1/logs/{origin}/proof/inclusion"
        _, body, _ = await self._get(path, params={"index": str(index), "size": str(size)})
        return _hashes(body, path)

    async def record(self, origin: str, kind: str, record_id: str) -> dict[str, Any] | None:
        """``GET /v1/records/{origin}/{kind}/{id}`` (read API); None if the node has none.

        A node without the read API answers 404 too, so None means "ask another way".
        """
        path = f"/v1/records/{origin}/{kind}/{record_id}"
        try:
            _, body, _ = await self._get(path)
        except PeerProtocolError as e:
            if e.reason == "http_404":
                return None
            raise
        doc = _json(body, path)
        if not isinstance(doc, dict):
            raise PeerProtocolError(f"{path}: not a JSON object")
        return doc


def _hashes(body: bytes, path: str) -> list[bytes]:
    data = _json(body, path)
    hashes = data.get("hashes") if isinstance(data, dict) else None
    if not isinstance(hashes, list) or not all(isinstance(h, str) for h in hashes):
        raise PeerProtocolError(f"{path}: expected {{'hashes': [base64, ...]}}")
    try:
        return [base64.b64decode(h, validate=True) for h in hashes]
    except (binascii.Error, ValueError) as e:
        raise PeerProtocolError(f"{path}: hash is not base64") from e


def _json(body: bytes, what: str) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as e:
        raise PeerProtocolError(f"{what}: not JSON: {e}", reason="malformed") from e


def _error_message(body: bytes) -> str:
    try:
        data = orjson.loads(body)
        return str(data["error"]["message"])[:200]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return body[:200].decode("utf-8", "replace")
