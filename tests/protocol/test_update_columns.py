"""UpdateVerifier keeps a verified update column-wise; the columns mean what the objects did."""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from federation.protocol import merkle
from federation.protocol.checkpoint import Checkpoint, SignedCheckpoint, open_checkpoint
from federation.protocol.entry import (
    Kind,
    Visibility,
    encode_body,
    encode_delete,
    encode_key,
    encode_put,
    parse_leaf,
)
from federation.protocol.errors import (
    MalformedError,
    ProtocolError,
    RecordError,
    VerificationError,
)
from federation.protocol.note import Signer
from federation.protocol.records import summarize, validate_body
from federation.protocol.update import (
    CompactSummary,
    TreeNodes,
    UpdateVerifier,
    VerifiedEntries,
    VerifiedEntry,
    WireEntry,
    iter_ndjson_entries,
    title_utf8,
)

ORIGIN = "lt.esfa.ncc"
TS = "2026-11-22T10:00:00Z"


def case(n: int, **fields: Any) -> bytes:
    body: dict[str, Any] = {
        "origin_country": "LT",
        "original_language": "lt",
        "created_at": "2025-03-01T09:00:00Z",
        "updated_at": "2025-03-02T12:30:00Z",
        "title": {"lt": f"Atvejis Nr. {n} – Šiauliai", "en": f"Case no. {n}"},
        "summary": {"lt": "Santrauka"},
        "countries": ["LT"],
        "lead_org": "ESFA",
        "themes": ["employment"],
    }
    body.update(fields)
    return encode_body(body, f"01JCASE{n:019d}")


def wire_log(signer: Signer) -> list[WireEntry]:
    """A small log with every kind of entry: valid, invalid and mismatched bodies, a federation
    body that is not served, a delete, an update of the same record and a key entry."""
    entries: list[tuple[bytes, bytes | None]] = []

    def put(n: int, body: bytes, vis: Visibility = Visibility.PUBLIC, served: bool = True) -> None:
        leaf = encode_put(len(entries), TS, Kind.CASE, f"01JCASE{n:019d}", body, vis)
        entries.append((leaf, body if served else None))

    put(1, case(1))
    put(2, case(2, countries=[]))  # schema violation: kept, marked invalid
    put(3, case(99))  # body id differs from the leaf id
    put(4, case(4), Visibility.FEDERATION, served=False)
    entries.append((encode_delete(len(entries), TS, Kind.CASE, f"01JCASE{2:019d}"), None))
    put(1, case(1, summary={"lt": "Nauja santrauka"}))
    entries.append((encode_key(len(entries), TS, signer.vkey), None))
    return [WireEntry(i, leaf, body) for i, (leaf, body) in enumerate(entries)]


def signed(signer: Signer, wire: list[WireEntry]) -> SignedCheckpoint:
    root = merkle.root_of(merkle.leaf_hash(w.leaf) for w in wire)
    note = Checkpoint(ORIGIN, len(wire), root).sign(signer)
    return open_checkpoint(note, ORIGIN, [signer.verifier])


def expected(w: WireEntry) -> VerifiedEntry:
    """What the entry-by-entry verifier of before produced for one entry."""
    leaf = parse_leaf(w.leaf)
    if w.body is None:
        return VerifiedEntry(leaf, None, None, None, None)
    try:
        model = validate_body(Kind.CASE, w.body)
    except RecordError as e:
        return VerifiedEntry(leaf, w.body, False, str(e), None)
    if model.id != leaf.id:
        reason = f"body id {model.id!r} differs from leaf id {leaf.id!r}"
        return VerifiedEntry(leaf, w.body, False, reason, None)
    return VerifiedEntry(leaf, w.body, True, None, summarize(Kind.CASE, model))


@pytest.mark.parametrize("batch", [1, 3, 100])
def test_columns_materialise_the_entries_and_tree_of_before(batch: int) -> None:
    signer = Signer.generate(ORIGIN)
    wire = wire_log(signer)
    verifier = UpdateVerifier(ORIGIN, 0, (), signed(signer, wire))
    for i in range(0, len(wire), batch):
        verifier.add_batch(wire[i : i + batch])
    update = verifier.finish()

    assert list(update.entries) == [expected(w) for w in wire]
    assert [e.valid for e in update.entries] == [True, False, False, None, None, True, None]
    assert update.entries[-1].leaf.vkey == signer.vkey
    assert update.entries[3].leaf.body is not None  # the reference survives an unserved body

    tree: list[tuple[merkle.Node, bytes]] = []
    cr = merkle.CompactRange()
    for w in wire:
        tree.extend(cr.append(merkle.leaf_hash(w.leaf)))
    assert list(update.nodes) == tree
    assert update.nodes[-1] == tree[-1] and update.nodes[1:3] == tree[1:3]
    assert update.frontier == tuple(cr.hashes)

    again = VerifiedEntries.of(update.entries)
    assert list(again) == list(update.entries)
    assert again.start == 0 and again.leaves == [w.leaf for w in wire]


def test_add_and_add_batch_refuse_alike() -> None:
    signer = Signer.generate(ORIGIN)
    wire = wire_log(signer)
    cp = signed(signer, wire)
    forged = WireEntry(1, wire[1].leaf, case(1))
    one = UpdateVerifier(ORIGIN, 0, (), cp)
    one.add(wire[0])
    with pytest.raises(VerificationError, match="does not match"):
        one.add(forged)
    batch = UpdateVerifier(ORIGIN, 0, (), cp)
    with pytest.raises(VerificationError, match="does not match"):
        batch.add_batch([wire[0], forged])
    assert batch.size == one.size == 1
    verifier = UpdateVerifier(ORIGIN, 0, (), cp)
    with pytest.raises(MalformedError, match="expected entry 0"):
        verifier.add_batch([wire[1]])


def test_ndjson_lines_are_parsed_strictly() -> None:
    good = b'{"seq":5,"leaf":"{}","body":null}\n\n{"seq":6,"leaf":"x","body":"y"}\n'
    assert list(iter_ndjson_entries(good, 5)) == [
        WireEntry(5, b"{}", None),
        WireEntry(6, b"x", b"y"),
    ]
    for bad in (
        b'{"seq":5,"leaf":"{}"}',
        b'{"seq":5,"leaf":"{}","body":null,"x":1}',
        b'{"seq":6,"leaf":"{}","body":null}',
        b'{"seq":5,"leaf":1,"body":null}',
        b'[5, "{}", null]',
    ):
        with pytest.raises(MalformedError):
            list(iter_ndjson_entries(bad, 5))


def test_tree_nodes_round_trip() -> None:
    nodes = [(merkle.Node(level, index), bytes([level]) * 32) for level, index in [(0, 7), (3, 1)]]
    packed = TreeNodes(nodes)
    assert list(packed) == nodes and len(packed) == 2 and packed[-2] == nodes[0]
    assert list(packed.rows()) == [(0, 7, nodes[0][1]), (3, 1, nodes[1][1])]
    with pytest.raises(IndexError):
        packed[2]
    with pytest.raises(ValueError, match="SHA-256"):
        TreeNodes([(merkle.Node(0, 0), b"short")])


@given(st.dictionaries(st.text(), st.text(), max_size=4))
def test_title_utf8_is_json_dumps(title: dict[str, str]) -> None:
    try:
        reference = json.dumps(title, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # a lone surrogate: no record body can carry one
        return
    assert title_utf8(title) == reference


def test_compact_summary_round_trip() -> None:
    s = summarize(Kind.CASE, validate_body(Kind.CASE, case(7)))
    compact = CompactSummary.of(s)
    assert compact.expand() == s
    assert compact.title_utf8.decode() == json.dumps(s.title, ensure_ascii=False)


# --- add_page: the NDJSON of /entries parsed and verified in one pass ---------------------------


def page_of(wire: list[WireEntry], blank_every: int = 0) -> bytes:
    """The /entries NDJSON of ``wire`` (as the feed writes it), with blank lines sprinkled."""
    out = b""
    for n, w in enumerate(wire, start=1):
        body = None if w.body is None else w.body.decode()
        out += orjson.dumps({"seq": w.seq, "leaf": w.leaf.decode(), "body": body}) + b"\n"
        if blank_every and n % blank_every == 0:
            out += b"\n  \n"
    return out


def spaced(leaf: bytes) -> bytes:
    """The same leaf object written with spaces: not the canonical bytes, parsed as JSON."""
    return json.dumps(orjson.loads(leaf)).encode()


def outcome(run: Any) -> tuple[str, Any]:
    try:
        update = run()
    except ProtocolError as e:
        return type(e).__name__, str(e)
    return "ok", (list(update.entries), list(update.nodes), update.frontier)


@settings(max_examples=60, deadline=None)
@example(page=3, blank_every=1, respell={1}, damage="body", where=2)
@example(page=3, blank_every=0, respell=set(), damage="json", where=4)
@example(page=100, blank_every=2, respell={0}, damage="seq", where=1)
@example(page=2, blank_every=0, respell=set(), damage="extra key", where=5)
@example(page=1, blank_every=0, respell={2}, damage="leaf seq", where=3)
@example(page=4, blank_every=1, respell=set(), damage="beyond", where=0)
@given(
    page=st.integers(1, 8),
    blank_every=st.integers(0, 3),
    respell=st.sets(st.integers(0, 6)),
    damage=st.sampled_from(["none", "body", "seq", "json", "leaf seq", "extra key", "beyond"]),
    where=st.integers(0, 6),
)
def test_add_page_verifies_like_parsing_then_add_batch(
    page: int, blank_every: int, respell: set[int], damage: str, where: int
) -> None:
    signer = Signer.generate(ORIGIN)
    wire = wire_log(signer)
    # some leaves spelled differently (still valid leaves): the regex shortcut must not matter
    wire = [WireEntry(w.seq, spaced(w.leaf), w.body) if w.seq in respell else w for w in wire]
    cp = signed(signer, wire)
    data = page_of(wire, blank_every)
    lines = data.split(b"\n")
    line_no = next(i for i, x in enumerate(lines) if x.startswith(b'{"seq":%d,' % where))
    if damage == "body":
        wire_where = orjson.loads(lines[line_no])
        wire_where["body"] = (wire_where["body"] or "{}") + " "
        lines[line_no] = orjson.dumps(wire_where)
    elif damage == "seq":
        lines[line_no] = lines[line_no].replace(b'{"seq":%d' % where, b'{"seq":%d' % (where + 1))
    elif damage == "json":
        lines[line_no] = lines[line_no][:-3]
    elif damage == "leaf seq":
        lines[line_no] = lines[line_no].replace(b'\\"seq\\":%d' % where, b'\\"seq\\":99', 1)
    elif damage == "extra key":
        lines[line_no] = lines[line_no][:-1] + b',"x":1}'
    data = b"\n".join(lines)
    if damage == "beyond":  # the checkpoint covers one entry less than the page holds
        cp = signed(signer, wire[:-1])

    def by_pages() -> Any:
        verifier = UpdateVerifier(ORIGIN, 0, (), cp)
        rows = data.split(b"\n")
        for i in range(0, len(rows), page):
            verifier.add_page(b"\n".join(rows[i : i + page]))
        return verifier.finish()

    def parsed_then_verified() -> Any:
        verifier = UpdateVerifier(ORIGIN, 0, (), cp)
        verifier.add_batch(list(iter_ndjson_entries(data, 0)))
        return verifier.finish()

    ours, reference = outcome(by_pages), outcome(parsed_then_verified)
    if page < len(lines) and ours[0] == "MalformedError":
        # each page numbers its own lines in messages
        ours = (ours[0], re.sub(r"line \d+", "line N", ours[1]))
        reference = (reference[0], re.sub(r"line \d+", "line N", reference[1]))
    assert ours == reference
    if damage == "none":
        assert outcome(by_pages)[0] == "ok"


def test_add_page_reads_at_most_limit_entries() -> None:
    signer = Signer.generate(ORIGIN)
    wire = wire_log(signer)
    data = page_of(wire) + b"this line is never read\n"
    verifier = UpdateVerifier(ORIGIN, 0, (), signed(signer, wire))
    assert verifier.add_page(data, limit=3) == 3
    assert verifier.size == 3
    assert verifier.add_page(page_of(wire[3:]) + b"nor this one", limit=len(wire) - 3) == 4
    assert list(verifier.finish().entries) == [expected(w) for w in wire]
    empty = UpdateVerifier(ORIGIN, 0, (), signed(signer, wire))
    assert empty.add_page(b"\n \n") == 0


@pytest.mark.parametrize("held", range(8))
def test_a_verifier_extends_a_stored_prefix_like_compact_range(held: int) -> None:
    """Starting from a stored size and frontier, the verifier produces the tree nodes and the
    frontier that merkle.CompactRange.append gives from there."""
    signer = Signer.generate(ORIGIN)
    wire = wire_log(signer)
    cr = merkle.CompactRange()
    for w in wire[:held]:
        cr.append(merkle.leaf_hash(w.leaf))
    frontier = tuple(cr.hashes)
    nodes: list[tuple[merkle.Node, bytes]] = []
    for w in wire[held:]:
        nodes.extend(cr.append(merkle.leaf_hash(w.leaf)))

    verifier = UpdateVerifier(ORIGIN, held, frontier, signed(signer, wire))
    assert verifier.add_page(page_of(wire[held:])) == len(wire) - held
    update = verifier.finish()
    assert list(update.nodes) == nodes
    assert update.frontier == tuple(cr.hashes)
    assert list(update.entries) == [expected(w) for w in wire[held:]]
