"""RFC 9421 HTTP Message Signatures on feed requests: the profile (DESIGN §6, protocol §7.8).

A puller signs every request it makes to a peer; the peer verifies the signature with the keys
it pinned for the puller's origin and serves ``vis: federation`` bodies only to a verified,
trusted origin. The profile:

- one signature, label ``fed``, parameters ``created``, ``keyid`` (the signer's origin),
  ``alg="ed25519"``, a random ``nonce`` and ``tag="federation"``;
- covered components ``@method``, ``@path`` and ``@query``. Not ``@authority``, ``@scheme`` or
  ``@target-uri``: a TLS-terminating reverse proxy in front of a node changes them, while the
  path and query reach the node as the puller sent them;
- the verifier accepts ``created`` within ±``limits.signature_window`` seconds of its own clock
  and each ``(keyid, nonce)`` once (:class:`ReplayGuard`).

RFC 9421 itself (signature bases, structured fields, Ed25519) is the ``http-message-signatures``
package's; this module holds the profile, the small adapter the package reads (``method``,
``url``, ``headers``) and the replay cache. The server-side steps that need the store (is the
keyid a trusted origin, which keys are pinned) are in ``federation.node.auth``.
"""

from __future__ import annotations

import datetime
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any

import http_sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from http_message_signatures import (
    HTTPMessageSignaturesException,
    HTTPMessageSigner,
    HTTPMessageVerifier,
    HTTPSignatureKeyResolver,
    InvalidSignature,
)
from http_message_signatures.algorithms import ED25519

from federation.protocol.note import Signer, Verifier

LABEL = "fed"
TAG = "federation"
ALG = ED25519.algorithm_id  # "ed25519"
COVERED = ("@method", "@path", "@query")
MAX_NONCE_CHARS = 64
"""Longest nonce a verifier accepts (bounds the memory of the replay cache)."""


class SignatureRefused(Exception):
    """A request signature is not accepted. ``code`` goes into the JSON error envelope."""

    def __init__(self, code: str, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def unauthorized(message: str) -> SignatureRefused:
    return SignatureRefused("unauthorized", message)


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What the package reads of a request: an adapter for aiohttp requests on both sides.

    ``url`` is absolute and percent-encoded exactly as the path and query are sent. Signing
    writes the ``Signature-Input`` and ``Signature`` fields into ``headers`` (then a mutable
    mapping); verification only reads them.
    """

    method: str
    url: str
    headers: Mapping[str, str]


# -- signing ---------------------------------------------------------------------------------


def sign_request(
    method: str,
    url: str,
    headers: MutableMapping[str, str],
    signer: Signer,
    *,
    now: float | None = None,
) -> None:
    """Add ``Signature-Input`` and ``Signature`` (label ``fed``) to ``headers``, in place.

    ``url`` must be the URL the request is sent to, percent-encoded as it goes on the wire.
    Raises :class:`ValueError` for a URL or header the package cannot sign.
    """
    created = datetime.datetime.fromtimestamp(time.time() if now is None else now, datetime.UTC)
    message = HttpRequest(method.upper(), url, headers)
    hms = HTTPMessageSigner(signature_algorithm=ED25519)
    try:
        prepared = hms.prepare(
            message,
            key_id=signer.name,
            created=created,
            nonce=secrets.token_urlsafe(16),
            label=LABEL,
            tag=TAG,
            include_alg=True,
            covered_component_ids=COVERED,
        )
        # the private key stays in the Signer: the package only sees the signature bytes
        hms.apply(message, prepared, signer.sign(prepared.signature_base))
    except HTTPMessageSignaturesException as e:
        raise ValueError(f"cannot sign {method} {url}: {e}") from e


# -- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifiedSignature:
    """A signature that verified under one of the claimed origin's pinned keys."""

    keyid: str
    created: int
    nonce: str
    expires: int | None = None


def signature_keyid(headers: Mapping[str, str]) -> str | None:
    """The ``keyid`` of the request's ``fed`` signature; ``None`` if the request is unsigned.

    A request with either signature field but no well-formed ``fed`` signature claiming a
    ``keyid`` is refused rather than treated as anonymous: a puller that signs wrongly should
    hear about it, not silently receive ``null`` bodies.
    """
    sig_input, sig = _field(headers, "signature-input"), _field(headers, "signature")
    if sig_input is None and sig is None:
        return None
    if sig_input is None or sig is None:
        raise unauthorized("a signed request needs both Signature-Input and Signature")
    try:
        parsed = http_sf.parse(sig_input.encode("ascii"), tltype="dictionary")
    except (ValueError, UnicodeEncodeError) as e:
        raise unauthorized(f"malformed Signature-Input: {e}") from e
    member = parsed.get(LABEL) if isinstance(parsed, dict) else None
    if not isinstance(member, tuple) or not isinstance(member[0], list):
        raise unauthorized(f"no signature labelled {LABEL!r} in Signature-Input")
    keyid = member[1].get("keyid")
    if not isinstance(keyid, str) or not keyid:
        raise unauthorized(f"the {LABEL!r} signature has no keyid")
    return keyid


def _field(headers: Mapping[str, str], name: str) -> str | None:
    """All lines of one header field, combined (a multidict may hold several)."""
    values = [v.strip(" \t") for k, v in headers.items() if k.lower() == name]
    return ", ".join(values) if values else None


class _OneKey(HTTPSignatureKeyResolver):
    def __init__(self, keyid: str, key: Ed25519PublicKey) -> None:
        self.keyid = keyid
        self.key = key

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey | None:
        return self.key if key_id == self.keyid else None


class _Verifier(HTTPMessageVerifier):
    """The package's verifier, leaving time to :class:`ReplayGuard` (the node's clock)."""

    def validate_created_and_expires(self, sig_input: Any, max_age: Any = None) -> None:
        for name in ("created", "expires"):
            if name in sig_input.params and type(sig_input.params[name]) is not int:
                raise InvalidSignature(f"{name} must be an integer")
        if "created" not in sig_input.params:
            raise InvalidSignature("the signature has no created parameter")


def verify_request(request: HttpRequest, keyid: str, keys: Sequence[Verifier]) -> VerifiedSignature:
    """Check the ``fed`` signature of ``request`` under one of ``keys`` (the pinned, usable
    keys of origin ``keyid``). Time and replay are not checked here (see :class:`ReplayGuard`).

    Raises :class:`SignatureRefused` (``unauthorized``) when no key verifies it, when it does
    not cover ``@method``, ``@path`` and ``@query``, or when it lacks a nonce.
    """
    if not keys:
        raise unauthorized(f"no usable (non-revoked) pinned key of {keyid!r}")
    problem = "no key verifies the signature"
    for key in keys:
        verifier = _Verifier(
            signature_algorithm=ED25519,
            key_resolver=_OneKey(keyid, Ed25519PublicKey.from_public_bytes(key.public_key)),
        )
        try:
            (result,) = verifier.verify(
                request,
                max_age=None,
                expect_tag=TAG,
                expect_label=LABEL,
                require_components=COVERED,
            )
        except HTTPMessageSignaturesException as e:  # InvalidSignature included
            problem = str(e) or "the signature does not verify"
            continue
        params = result.parameters
        created, nonce, expires = params.get("created"), params.get("nonce"), params.get("expires")
        if not isinstance(nonce, str) or not 0 < len(nonce) <= MAX_NONCE_CHARS:
            raise unauthorized(f"the signature needs a nonce of 1 to {MAX_NONCE_CHARS} characters")
        assert isinstance(created, int)  # checked by _Verifier
        return VerifiedSignature(
            keyid, created, nonce, expires if isinstance(expires, int) else None
        )
    raise unauthorized(f"signature by {keyid!r} refused: {problem}")


class ReplayGuard:
    """The time window and the replay cache of request signatures, one per app.

    A signature is accepted when ``|now - created| <= window`` (and it has not expired) and its
    ``(keyid, nonce)`` was not accepted before. Remembered pairs are forgotten once their
    signature can no longer pass the window (``2 * window`` after acceptance). At most
    ``max_entries`` pairs are kept; beyond that new signed requests are turned away with
    ``429 rate_limited`` rather than forgetting pairs early (which would allow replays).
    """

    def __init__(
        self,
        window: float,
        *,
        clock: Callable[[], float] = time.time,
        max_entries: int = 100_000,
    ) -> None:
        self.window = window
        self.clock = clock
        self.max_entries = max_entries
        self._seen: OrderedDict[tuple[str, str], float] = OrderedDict()  # → forget at

    def __len__(self) -> int:
        return len(self._seen)

    def admit(self, sig: VerifiedSignature) -> None:
        """Accept ``sig`` once, or raise :class:`SignatureRefused`."""
        now = self.clock()
        if abs(now - sig.created) > self.window or (sig.expires is not None and sig.expires < now):
            raise SignatureRefused(
                "signature_expired",
                f"signature created at {sig.created} is outside ±{self.window:g} s of "
                f"this node's clock ({int(now)})",
            )
        while self._seen:
            first, forget_at = next(iter(self._seen.items()))
            if forget_at > now:
                break
            del self._seen[first]
        key = (sig.keyid, sig.nonce)
        if key in self._seen:
            raise SignatureRefused("signature_replayed", "this signature was already used")
        if len(self._seen) >= self.max_entries:
            raise SignatureRefused(
                "rate_limited", "too many signed requests; retry later", status=429
            )
        self._seen[key] = now + 2 * self.window
