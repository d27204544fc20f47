"""Who is asking: RFC 9421 signatures on feed requests, checked against pinned keys (DESIGN §6).

The profile (covered components, label, parameters) is in :mod:`federation.sync.signing`; this
module adapts an aiohttp request to it and looks the keys up in the store.

- An unsigned request is anonymous.
- A request signed under a ``keyid`` that is not an origin this node *trusts* is anonymous too:
  the claim grants nothing, so there is nothing to refuse, and trust need not be mutual (a
  node that this one does not trust still pulls the public data it is entitled to).
- A request signed as a trusted origin must verify under one of that origin's non-revoked
  pinned keys, with ``created`` inside the window and a nonce not seen before; otherwise it is
  answered ``401`` (``unauthorized``, ``signature_expired``, ``signature_replayed``) rather
  than served as anonymous, so a puller with a wrong or revoked key hears about it instead of
  silently merging ``null`` bodies.
- Signature fields that are malformed, or carry no ``fed`` signature, are ``401`` as well.
"""

from __future__ import annotations

from aiohttp import web

from federation.node.context import NODE, REQUEST_AUTH
from federation.node.errors import ApiError
from federation.sync.signing import (
    HttpRequest,
    SignatureRefused,
    signature_keyid,
    verify_request,
)


def message(request: web.Request) -> HttpRequest:
    """The request as the signature package reads it.

    Path and query are taken as received (``raw_path``), not decoded and re-encoded. Scheme
    and authority are whatever this server sees (behind a proxy they differ from what the
    puller used); the profile does not cover them.
    """
    target = request.raw_path
    url = f"{request.scheme}://{request.host}{target}" if target.startswith("/") else target
    return HttpRequest(request.method, url, request.headers)


async def authenticated_origin(request: web.Request) -> str | None:
    """The trusted origin that signed ``request``; ``None`` when it is anonymous (unsigned, or
    signed by an origin this node does not trust).

    Raises :class:`ApiError` (401; 429 when the replay cache is full) for malformed signature
    fields and for a trusted origin's signature that does not verify under its usable pinned
    keys, is outside the time window or was used before.
    """
    try:
        keyid = signature_keyid(request.headers)
        if keyid is None:
            return None
        store = request.app[NODE].store
        head = await store.head(keyid)
        if head is None or head.role != "trusted":
            return None
        verified = verify_request(message(request), keyid, await store.verifiers(keyid))
        request.app[REQUEST_AUTH].admit(verified)
    except SignatureRefused as e:
        raise ApiError(e.status, e.code, e.message) from e
    return keyid
