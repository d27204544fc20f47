"""The built-in web explorer: server-rendered HTML pages over the read API's queries.

- ``GET /``: a search box and filters (the ``/v1/records`` parameters ``q``, ``kind``,
  ``country``, ``theme``, ``lang``, ``origin``, validated the same way), a page of results and
  a "next page" link carrying the read API's cursor. A bad value is a ``400`` page that says
  what is wrong, next to the form.
- ``GET /records/{origin}/{kind}/{id}``: one record, every field of its body, a language
  switch (``?hl=``; default: the record's original language) and its provenance, **checked on
  the server at request time**: the stored checkpoint opened under the origin's pinned keys,
  the leaf's inclusion proof against its root, the body against the leaf's digest.
- ``GET /network``: the origins this node holds (keys, state, size), its peers and their sync
  state, and any equivocation evidence (the queries of ``federation status``).

Public only: there is no login, so ``vis: federation`` records are never listed and their
pages show provenance but nothing taken from the body (the read API's anonymous rule).
Templates (``templates/``) are rendered by jinja2 with autoescaping; the one inline style
sheet is allowed by its hash in a strict Content-Security-Policy, and no page has a script.
Documented in ``docs/portal.md`` (Explorer).
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import aiohttp_jinja2
import jinja2
import orjson
from aiohttp import web
from markupsafe import Markup
from yarl import URL

from federation.node import read
from federation.node.context import NODE
from federation.node.errors import ApiError, bad_request
from federation.node.feed import SERVED_ROLES
from federation.node.status import collect_status
from federation.protocol import vocab
from federation.protocol.checkpoint import is_valid_origin, open_checkpoint, parse_checkpoint_text
from federation.protocol.entry import ID_RE, Kind, Op, Visibility, parse_leaf
from federation.protocol.errors import ProtocolError
from federation.protocol.merkle import leaf_hash, verify_inclusion
from federation.protocol.note import parse_note
from federation.store import LogHead, Store, StoreError
from federation.store.read import ReadRecord

TEMPLATES = web.AppKey("explorer_templates", jinja2.Environment)
_CSP = web.AppKey("explorer_csp", str)
PAGE_SIZE = 20
"""Results per page of ``/``."""
MAX_CONTACT_REFS = 20
"""Contacts of a record looked up for their names; further ones are shown by id."""

_SEARCH_PARAMS = ("q", "kind", "country", "theme", "lang", "origin", "cursor")
_KINDS = tuple(k.value for k in Kind)
_THEMES = tuple(t.value for t in vocab.Theme)

MULTILINGUAL = frozenset(
    {"title", "summary", "problem", "solution", "results", "transferability", "description", "name"}
)
"""Top-level body fields that are multilingual texts (DESIGN §11)."""

LANGUAGE_NAMES: dict[str, str] = {
    "bg": "български",
    "cs": "čeština",
    "da": "dansk",
    "de": "Deutsch",
    "el": "ελληνικά",
    "en": "English",
    "es": "español",
    "et": "eesti",
    "fi": "suomi",
    "fr": "français",
    "ga": "Gaeilge",
    "hr": "hrvatski",
    "hu": "magyar",
    "it": "italiano",
    "lt": "lietuvių",
    "lv": "latviešu",
    "mt": "Malti",
    "nl": "Nederlands",
    "pl": "polski",
    "pt": "português",
    "ro": "română",
    "sk": "slovenčina",
    "sl": "slovenščina",
    "sv": "svenska",
}
"""Names of the EU's official languages in themselves, for the language switch."""

_LABELS = {
    "sdgs": "SDGs",
    "nuts": "NUTS regions",
    "online_url": "Online at",
    "lead_org": "Lead organisation",
    "org_type": "Organisation type",
    "contact_refs": "Contacts",
    "programming_period": "Programming period",
}
_AMOUNTS = frozenset({"amount", "budget", "grant_min", "grant_max", "capacity"})
_HIDDEN_FIELDS = frozenset({"salt"})


# -- view model ----------------------------------------------------------------------------------

ContactName = tuple[str, str | None] | str | None
"""A referenced contact: its name and the name's language; a note why it has no name shown
(``"not public"``, ``"deleted"``); or None, not held here."""


@dataclass
class View:
    """One value as the record template shows it (``show`` macro in ``record.html``).

    ``kind``: ``text`` (a string, with its language), ``link``, ``list`` or ``map``.
    """

    kind: str
    text: str = ""
    lang: str | None = None
    href: str | None = None
    machine: bool = False
    note: str | None = None
    items: list[View] = field(default_factory=list)
    pairs: list[tuple[str, View]] = field(default_factory=list)


def label(name: str) -> str:
    """``origin_country`` → ``Origin country``."""
    return _LABELS.get(name) or name.replace("_", " ").capitalize()


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://")) and len(text) > 8


def _text_of(value: Any) -> tuple[str, bool] | None:
    """A multilingual value's text and whether it is machine translated (None: not text)."""
    if isinstance(value, str):
        return value, False
    if isinstance(value, Mapping) and isinstance(value.get("text"), str):
        return value["text"], value.get("machine_translated") is True
    return None


def is_multilingual(name: str, value: Any) -> bool:
    return (
        name in MULTILINGUAL
        and isinstance(value, Mapping)
        and bool(value)
        and all(vocab.is_language_tag(k) and _text_of(v) is not None for k, v in value.items())
    )


def pick(texts: Mapping[str, Any], hl: str, original: str) -> tuple[str, Any]:
    """The language tag and value of a multilingual text to show for ``hl``: that language,
    else the original language, else English, else the first one."""
    by_lower = {tag.lower(): tag for tag in texts}
    for want in (hl, original, "en"):
        tag = by_lower.get(want.lower())
        if tag is not None:
            return tag, texts[tag]
    tag = next(iter(texts))
    return tag, texts[tag]


def text_languages(body: Mapping[str, Any]) -> list[str]:
    """Languages the record has text in: the original first, then the others sorted."""
    original = body.get("original_language")
    seen: dict[str, str] = {}
    if isinstance(original, str) and vocab.is_language_tag(original):
        seen[original.lower()] = original
    for name, value in body.items():
        if is_multilingual(name, value):
            for tag in value:
                seen.setdefault(tag.lower(), tag)
    tags = list(seen.values())
    return tags[:1] + sorted(tags[1:], key=str.lower) if original else sorted(tags)


class BodyView:
    """Turns a body's fields into :class:`View` values for one display language."""

    def __init__(
        self,
        origin: str,
        hl: str,
        original: str,
        contacts: Mapping[str, ContactName] | None = None,
    ) -> None:
        self.origin = origin
        self.hl = hl
        self.original = original
        self.contacts = contacts or {}

    def text(self, value: str, lang: str | None = None) -> View:
        if _is_url(value):
            return View("link", text=value, href=value, lang=lang)
        return View("text", text=value, lang=lang)

    def multilingual(self, texts: Mapping[str, Any]) -> View:
        tag, value = pick(texts, self.hl, self.original)
        got = _text_of(value)
        assert got is not None  # is_multilingual checked every value
        note = None if tag.lower() == self.hl.lower() else f"not available in {self.hl}"
        return View("text", text=got[0], lang=tag, machine=got[1], note=note)

    def value(self, name: str, value: Any) -> View:
        if is_multilingual(name, value):
            return self.multilingual(value)
        if name == "contact_refs" and isinstance(value, list):
            return View("list", items=[self.contact(ref) for ref in value])
        if isinstance(value, bool):
            return View("text", text="yes" if value else "no")
        if isinstance(value, int | float):
            return View("text", text=f"{value:,}" if name in _AMOUNTS else str(value))
        if isinstance(value, str):
            # single-language texts are written in the record's original language
            return self.text(value, self.original if not value.isascii() else None)
        if isinstance(value, list):
            scalars = all(isinstance(v, str | int | float) for v in value)
            if scalars and not any(isinstance(v, str) and _is_url(v) for v in value):
                return View("text", text=", ".join(str(v) for v in value))
            return View("list", items=[self.value(name, v) for v in value])
        if isinstance(value, Mapping):
            return View("map", pairs=[(label(k), self.value(k, v)) for k, v in value.items()])
        return View("text", text="–" if value is None else str(value))

    def contact(self, ref: Any) -> View:
        """A link to a contact of the same origin, named when its record is public here."""
        if not isinstance(ref, str) or not ID_RE.fullmatch(ref):
            return View("text", text=str(ref))
        named = self.contacts.get(ref, "")
        if named is None:
            return View("text", text=ref, note="not held here")
        href = f"/records/{self.origin}/contact/{ref}"
        if isinstance(named, str):
            return View("link", text=ref, href=href, note=named or None)
        return View("link", text=named[0], lang=named[1], href=href)

    def fields(self, body: Mapping[str, Any], skip: Iterable[str]) -> list[tuple[str, View]]:
        hidden = _HIDDEN_FIELDS | set(skip)
        return [(label(k), self.value(k, v)) for k, v in body.items() if k not in hidden]


# -- verification --------------------------------------------------------------------------------


@dataclass
class Check:
    """What the record page shows about a record's provenance, and whether it verified."""

    leaf: str
    leaf_hash: str
    note: str
    verified: bool = False
    reason: str | None = None
    cp_origin: str | None = None
    cp_size: int | None = None
    cp_root: str | None = None
    key_ids: list[str] = field(default_factory=list)
    proof: list[str] = field(default_factory=list)
    proof_note: str = "none needed: the log has a single entry"
    steps: list[str] = field(default_factory=list)
    body_ok: bool | None = None  # None: no body to check

    def fail(self, reason: str) -> Check:
        self.verified, self.reason = False, reason
        return self


def _displayed_checkpoint(check: Check, note: bytes) -> None:
    """Fill in the checkpoint's origin, size and root as written (before any verification)."""
    try:
        cp = parse_checkpoint_text(parse_note(note).text)
    except ProtocolError:
        return
    check.cp_origin, check.cp_size = cp.origin, cp.size
    check.cp_root = base64.b64encode(cp.root).decode()


async def verify_record(store: Store, record: ReadRecord, head: LogHead) -> Check:
    """Check a record's provenance now, from what the store holds, trusting only the origin's
    pinned keys: the checkpoint's signature, the leaf (it is this record's entry), its
    inclusion proof against the signed root, and the body against the leaf's digest."""
    assert record.leaf is not None and head.checkpoint is not None
    raw_leaf, note = record.leaf, head.checkpoint
    check = Check(
        leaf=raw_leaf.decode("utf-8", "replace"),
        leaf_hash=base64.b64encode(leaf_hash(raw_leaf)).decode(),
        note=note.decode("utf-8", "replace"),
    )
    _displayed_checkpoint(check, note)
    origin = record.origin
    try:
        leaf = parse_leaf(raw_leaf)
    except ProtocolError as e:
        return check.fail(f"the stored leaf is malformed: {e}")
    if leaf.op is Op.PUT and record.body is not None:
        # checked first so that the page knows whether the body is the one the leaf names
        check.body_ok = leaf.matches_body(record.body)
    try:
        signed = open_checkpoint(note, origin, await store.verifiers(origin))
    except ProtocolError as e:
        return check.fail(f"the checkpoint is not validly signed by a trusted key of {origin}: {e}")
    check.key_ids = [s.key_id.hex() for s in signed.verified.verified if s.name == origin]
    check.steps.append(
        f"checkpoint signature of {origin} verified with pinned key {', '.join(check.key_ids)}"
    )
    entry = (leaf.seq, leaf.op.value, leaf.kind, leaf.id)
    if entry != (record.seq, record.op, record.kind, record.id):
        return check.fail(
            f"the stored leaf (seq {leaf.seq}, {leaf.op.value} {leaf.kind} {leaf.id}) is not "
            f"this record's entry (seq {record.seq}, {record.op} {record.kind} {record.id})"
        )
    check.steps.append(f"leaf is entry {leaf.seq} of the log: {leaf.op.value} of this record")
    size = signed.size
    if leaf.seq >= size:
        return check.fail(f"entry {leaf.seq} is not covered by the checkpoint of size {size}")
    try:
        proof = await store.inclusion_proof(origin, leaf.seq, size)
    except (StoreError, ProtocolError) as e:
        return check.fail(f"no inclusion proof can be made from this node's store: {e}")
    check.proof = [base64.b64encode(h).decode() for h in proof]
    try:
        verify_inclusion(leaf_hash(raw_leaf), leaf.seq, size, proof, signed.root)
    except ProtocolError as e:
        return check.fail(f"the leaf is not in the signed tree: {e}")
    check.steps.append(f"inclusion proof of leaf {leaf.seq} leads to the signed root of {size}")
    if leaf.op is Op.PUT:
        if record.body is None:
            if leaf.vis is not Visibility.FEDERATION:
                return check.fail("this node does not hold the record's body")
            check.steps.append("body not held here (shared within the federation only)")
        elif not check.body_ok:
            digest = hashlib.sha256(record.body).hexdigest()
            return check.fail(
                f"the stored body (sha256:{digest}) does not match the digest the origin "
                f"signed in the leaf ({leaf.body})"
            )
        else:
            check.steps.append(f"body matches the leaf's digest {leaf.body}")
    check.verified = True
    return check


# -- rendering -----------------------------------------------------------------------------------


def setup(app: web.Application) -> None:
    """Register the explorer's routes and its template environment on ``app``."""
    css = resources.files("federation.node").joinpath("templates/explorer.css").read_text("utf-8")
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("federation.node", "templates"),
        autoescape=jinja2.select_autoescape(["html"], default_for_string=True, default=True),
        undefined=jinja2.StrictUndefined,
        app_key=TEMPLATES,
    )
    env.globals["css"] = Markup(css)  # noqa: S704 (our own file; its hash is in the CSP)
    app[_CSP] = (
        "default-src 'none'; "
        f"style-src 'sha256-{digest}'; "
        "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    )
    app.router.add_get("/", search_page)
    app.router.add_get("/records/{origin}/{kind}/{id}", record_page)
    app.router.add_get("/network", network_page)


def render(
    request: web.Request,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    lang: str = "en",
) -> web.Response:
    node = request.app[NODE]
    ctx = {
        "page_lang": lang,
        "node_name": node.settings.name or node.origin,
        "node_origin": node.origin,
        **context,
    }
    resp = aiohttp_jinja2.render_template(template, request, ctx, status=status, app_key=TEMPLATES)
    resp.headers["Content-Security-Policy"] = request.app[_CSP]
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "no-referrer"
    # a page says "verified" as of the moment it was made: never served from a cache
    resp.headers["Cache-Control"] = "no-cache"
    return resp


def error_page(
    request: web.Request,
    status: int,
    heading: str,
    message: str,
    links: Sequence[tuple[str, str, str | None]] = (),
) -> web.Response:
    ctx = {"heading": heading, "message": message, "links": list(links)}
    return render(request, "error.html", ctx, status=status)


# -- pages ---------------------------------------------------------------------------------------


def _form(request: web.Request) -> dict[str, str]:
    """The search parameters given with a value (an empty form field means "any"); unknown or
    repeated parameters are refused as the read API refuses them."""
    out: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in request.query.items():
        if name not in _SEARCH_PARAMS:
            raise bad_request(
                f"unknown parameter {name!r} (known: {', '.join(sorted(_SEARCH_PARAMS))})"
            )
        if name in seen:
            raise bad_request(f"{name} is given more than once")
        seen.add(name)
        if value != "":
            out[name] = value
    return out


def _original_title(r: ReadRecord) -> tuple[str, str | None]:
    """A listed record's title in its original language (and that language's tag)."""
    body = _body_object(r.body)
    original = body.get("original_language") if body is not None else None
    if not isinstance(original, str):
        original = None
    if not r.title:
        return f"{r.kind} {r.id}", None
    tag, text = pick(r.title, original or "", original or "")
    return text, (None if tag == "und" else tag)


def _result(r: ReadRecord) -> dict[str, Any]:
    title, lang = _original_title(r)
    return {
        "href": f"/records/{r.origin}/{r.kind}/{r.id}",
        "title": title,
        "lang": lang,
        "kind": r.kind,
        "origin": r.origin,
        "country": r.country,
        "updated_at": r.updated_at,
    }


async def search_page(request: web.Request) -> web.Response:
    store = request.app[NODE].store
    origins = [h.origin for h in await store.heads(SERVED_ROLES)]
    raw = {name: request.query.get(name, "") for name in _SEARCH_PARAMS}
    ctx: dict[str, Any] = {
        "form": raw,
        "kinds": _KINDS,
        "themes": _THEMES,
        "origins": origins,
        "countries": sorted(vocab.COUNTRY_ALIASES.get(c, c) for c in vocab.EU_MEMBER_STATES),
        "languages": sorted(LANGUAGE_NAMES.items()),
        "results": [],
        "next_href": None,
        "first_href": None,
        "error": None,
    }
    try:
        params = _form(request)
        f = await read.record_filter(request, params, portal=False)
        key = await store.cursor_key()
        cursor = params.pop("cursor", None)
        after = read.decode_cursor(key, cursor, f) if cursor is not None else None
    except ApiError as e:
        ctx["error"] = e.message
        return render(request, "search.html", ctx, status=e.status)
    page = await store.read_records(f, after, PAGE_SIZE)
    ctx["results"] = [_result(r) for r in page.items]
    if page.next is not None:
        query = {**params, "cursor": read.encode_cursor(key, page.next, f)}
        ctx["next_href"] = str(URL("/").with_query(query))
    if after is not None:
        ctx["first_href"] = str(URL("/").with_query(params))
    return render(request, "search.html", ctx)


async def record_page(request: web.Request) -> web.Response:
    origin, kind, rid = (request.match_info[k] for k in ("origin", "kind", "id"))
    if not is_valid_origin(origin) or kind not in _KINDS or not ID_RE.fullmatch(rid):
        return error_page(
            request,
            400,
            "Not a record address",
            f"/records/{origin}/{kind}/{rid} is not a record address: it needs an origin name, "
            f"a kind ({', '.join(_KINDS)}) and a record id",
        )
    unknown = sorted(set(request.query) - {"hl"})
    if unknown or len(request.query.getall("hl", [])) > 1:
        return error_page(
            request, 400, "Unknown parameter", "a record page takes one parameter at most: hl"
        )
    store = request.app[NODE].store
    record = await store.read_record(origin, kind, rid)
    head = await store.head(origin)  # read after the record: its size covers the record's seq
    if record is None or record.leaf is None or head is None or head.checkpoint is None:
        return error_page(
            request, 404, "No such record", f"this node holds no {kind} {rid} of {origin}"
        )
    check = await verify_record(store, record, head)
    warnings = []
    if head.state != "active":
        warnings.append(f"The origin {origin} is {head.state}: {head.state_reason or ''}")
    ctx: dict[str, Any] = {
        "rec": record,
        "check": check,
        "warnings": warnings,
        "hidden": None,
        "languages": [],
        "fields": [],
        "title": f"{kind} {rid}",
        "title_lang": None,
    }
    hl_param = request.query.get("hl")
    if record.op == Op.DELETE:
        ctx["hidden"] = (
            f"This record was deleted by its origin ({record.ts}). Its content has been erased "
            "from this node; only the signed entry that withdrew it remains."
        )
    elif record.vis == Visibility.FEDERATION:
        ctx["hidden"] = (
            "This record is shared within the federation only (it may hold personal data): "
            "its content is not shown on public pages."
        )
    elif record.body is None or not check.body_ok:
        ctx["hidden"] = (
            "The content this node holds for this record is not the content its origin signed: "
            "it is not shown."
        )
    body = _body_object(record.body) if ctx["hidden"] is None else None
    if ctx["hidden"] is None and body is None:
        ctx["hidden"] = "The content this node holds for this record is not readable."
    if ctx["hidden"] is not None:
        if hl_param is not None:
            return error_page(
                request, 400, "No such language", "this record has no text to show in any language"
            )
        return render(request, "record.html", ctx)
    assert body is not None
    original = str(body.get("original_language") or "und")
    languages = text_languages(body)
    hl = original
    if hl_param is not None:
        match = [t for t in languages if t.lower() == hl_param.lower()]
        if not match:
            base = f"/records/{origin}/{kind}/{rid}"
            links = [(_language_name(t), f"{base}?hl={t}", t) for t in languages]
            return error_page(
                request,
                400,
                "No such language",
                f"this record has no text in {hl_param!r}; it has: {', '.join(languages)}",
                links,
            )
        hl = match[0]
    view = BodyView(origin, hl, original, await _contacts(store, origin, body.get("contact_refs")))
    title_field = next((n for n in ("title", "name") if is_multilingual(n, body.get(n))), None)
    skip: list[str] = []
    if title_field is not None:
        title = view.multilingual(body[title_field])
        ctx["title"], ctx["title_lang"] = title.text, title.lang
        skip.append(title_field)
    elif isinstance(body.get("display_name"), str):
        ctx["title"] = body["display_name"]
        skip.append("display_name")
    ctx["fields"] = view.fields(body, skip)
    ctx["languages"] = [
        {
            "tag": t,
            "name": _language_name(t),
            "href": f"?hl={t}",  # a well-formed language tag: nothing to encode
            "current": t == hl,
        }
        for t in languages
    ]
    return render(request, "record.html", ctx, lang=hl)


async def _contacts(store: Store, origin: str, refs: Any) -> dict[str, ContactName]:
    """What to show for the contacts a record refers to (the first ``MAX_CONTACT_REFS``)."""
    out: dict[str, ContactName] = {}
    if not isinstance(refs, list):
        return out
    for ref in refs[:MAX_CONTACT_REFS]:
        if not isinstance(ref, str) or not ID_RE.fullmatch(ref) or ref in out:
            continue
        r = await store.read_record(origin, Kind.CONTACT, ref)
        if r is None:
            out[ref] = None
        elif r.op != Op.PUT:
            out[ref] = "deleted"
        elif r.vis != Visibility.PUBLIC or r.body is None:
            out[ref] = "not public"
        else:
            out[ref] = _original_title(r)
    return out


def _body_object(body: bytes | None) -> dict[str, Any] | None:
    """The body as a JSON object (None when it is not one)."""
    try:
        obj = orjson.loads(body) if body is not None else None
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) else None


def _language_name(tag: str) -> str:
    name = LANGUAGE_NAMES.get(tag.lower())
    return f"{name} ({tag})" if name else tag


def _human_delay(seconds: float) -> str:
    """``now``, ``in 42s``, ``in 4m``, ``in 1h05m``."""
    if seconds <= 0:
        return "now"
    s = int(seconds + 0.999)
    if s < 60:
        return f"in {s}s"
    if s < 3600:
        return f"in {s // 60}m"
    return f"in {s // 3600}h{s % 3600 // 60:02d}m"


async def network_page(request: web.Request) -> web.Response:
    node = request.app[NODE]
    st = await collect_status(node.store, node.origin)
    origins = []
    for o in st.logs:
        if o.role == "self":
            state = "own log"
        elif o.state != "active":
            state = o.state
        elif o.keys and all(k.state == "revoked" for k in o.keys):
            state = "revoked"
        else:
            state = "trusted"
        counts = st.records(o.origin)
        origins.append(
            {
                "origin": o.origin,
                "state": state,
                "reason": o.state_reason if o.state != "active" else None,
                "pinned": o.keys,
                "size": o.size,
                "records": ", ".join(f"{n} {k}" for k, n in counts.items()),
                "updated_at": o.updated_at,
            }
        )
    now = time.time()
    peers = [
        {
            "url": p.url,
            "origin": p.origin,
            "last_success": p.last_success,
            "last_attempt": p.last_attempt,
            "last_error": p.last_error if p.failures else None,
            "failures": p.failures,
            "next": _human_delay(p.next_attempt - now),
            "entries_pulled": p.entries_pulled,
        }
        for p in st.peers
    ]
    evidence = [
        {
            "origin": e.origin,
            "detail": e.detail,
            "found_at": e.found_at,
            "source_a": e.source_a,
            "source_b": e.source_b,
            "note_a": e.note_a.decode("utf-8", "replace"),
            "note_b": e.note_b.decode("utf-8", "replace"),
        }
        for e in st.evidence
    ]
    ctx = {
        "digest": st.digest,
        "origins": origins,
        "peers": peers,
        "evidence": evidence,
        "pending": st.pending,
    }
    return render(request, "network.html", ctx)
