"""C2SP signed notes: the spec's example, key encodings, verification rules, round trips."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.protocol.errors import MalformedError, ProtocolError, SignatureError
from federation.protocol.note import (
    MAX_SIGNATURES,
    Note,
    Signature,
    Signer,
    Verifier,
    add_signatures,
    is_valid_key_name,
    key_id,
    open_note,
    parse_note,
    parse_skey,
    parse_vkey,
    sign_note,
)

ALICE = Signer("alice.example", bytes(range(32)))
BOB = Signer("bob.example", bytes(range(32, 64)))
CAROL = Signer("carol.example", bytes(range(64, 96)))
TEXT = "Hello, federation.\nSocialinės inovacijos\n"


def _example(shared_data: Path) -> tuple[Verifier, bytes]:
    data = json.loads((shared_data / "vectors" / "signed-note.json").read_text())
    assert data["valid"] is True
    return parse_vkey(data["vkey"]), data["note"].encode()


def test_spec_example_verifies(shared_data: Path) -> None:
    verifier, note = _example(shared_data)
    assert verifier.name == "example.com/foo"
    assert verifier.key_id.hex() == "530d903a"
    opened = open_note(note, [verifier])
    assert opened.text == "This is an example message.\n"
    assert opened.signed_by("example.com/foo")
    assert [s.name for s in opened.verified] == ["example.com/foo"]
    assert opened.unverified == ()


def test_spec_example_every_flipped_bit_fails(shared_data: Path) -> None:
    verifier, note = _example(shared_data)
    assert "— ".encode() in note  # the em dash (E2 80 94) is covered by the loop too
    accepted: list[tuple[int, int]] = []
    for pos in range(len(note)):
        for bit in range(8):
            mutated = bytearray(note)
            mutated[pos] ^= 1 << bit
            try:
                open_note(bytes(mutated), [verifier])
            except (MalformedError, SignatureError):
                continue
            accepted.append((pos, bit))
    assert accepted == []


def test_spec_example_other_mutations_fail(shared_data: Path) -> None:
    verifier, note = _example(shared_data)
    mutations = [
        note[:-1],  # no final newline
        note + b"\n",  # trailing blank line
        note.replace("\u2014".encode(), b"-"),  # ASCII dash instead of em dash
        note.replace(b"\n\n", b"\n"),  # no blank line
        b"",
        b"\n\n",
    ]
    for mutated in mutations:
        with pytest.raises(ProtocolError):
            open_note(mutated, [verifier])


def test_vkey_and_skey_round_trip() -> None:
    for signer in (ALICE, BOB, CAROL):
        parsed = parse_vkey(signer.vkey)
        assert parsed == signer.verifier
        assert parsed.vkey == signer.vkey
        assert str(parsed) == signer.vkey
        restored = parse_skey(signer.skey)
        assert restored.skey == signer.skey
        assert restored.vkey == signer.vkey
        assert restored.sign(b"message") == signer.sign(b"message")
    assert ALICE.skey.startswith("PRIVATE+KEY+alice.example+")
    assert parse_vkey(f"  {ALICE.vkey}\n") == ALICE.verifier


def test_generated_signer_round_trips() -> None:
    signer = Signer.generate("gen.example")
    assert parse_skey(signer.skey).vkey == signer.vkey
    note = sign_note(TEXT, signer)
    assert open_note(note, [parse_vkey(signer.vkey)]).text == TEXT


def test_key_id_is_the_spec_hash() -> None:
    blob = base64.b64decode(ALICE.vkey.split("+", 2)[2])
    assert ALICE.key_id == key_id("alice.example", blob)
    assert len(ALICE.key_id) == 4
    assert ALICE.vkey.split("+", 2)[1] == ALICE.key_id.hex()


def _vkey(name: str, hex_id: str, raw: bytes) -> str:
    return f"{name}+{hex_id}+{base64.b64encode(raw).decode()}"


def test_vkey_with_mismatched_key_id_is_rejected() -> None:
    name, hex_id, blob = ALICE.vkey.split("+", 2)
    wrong = f"{(int(hex_id, 16) ^ 1):08x}"
    with pytest.raises(MalformedError, match="does not match"):
        parse_vkey(f"{name}+{wrong}+{blob}")
    # the right key under another name has another key ID
    with pytest.raises(MalformedError):
        parse_vkey(f"bob.example+{hex_id}+{blob}")


@pytest.mark.parametrize(
    "vkey",
    [
        "",
        "alice.example",
        "alice.example+0000000",
        "alice.example+00000000+AAAA+extra",
        "+00000000+AQ==",
        "alice.example+ZZZZZZZZ+AQ==",
        "alice.example+0000000A+AQ==",
        "alice.example+000000+AQ==",
        "alice.example+00000000+!!!!",
        "alice.example+00000000+AQ",
    ],
)
def test_malformed_vkeys_are_rejected(vkey: str) -> None:
    with pytest.raises(MalformedError):
        parse_vkey(vkey)


def test_malformed_vkey_content_is_rejected() -> None:
    pub = ALICE.verifier.public_key
    name = "alice.example"
    cases = {
        "wrong algorithm": (name, b"\x02" + pub),
        "short key": (name, b"\x01" + pub[:31]),
        "long key": (name, b"\x01" + pub + b"\x00"),
        "no algorithm byte": (name, pub),
        "name with space": ("alice example", b"\x01" + pub),
        "name with tab": ("alice\texample", b"\x01" + pub),
        "name with unicode space": ("alice\u2003example", b"\x01" + pub),
    }
    for label, (n, raw) in cases.items():
        # a key ID that matches, so only the defect under test can cause the rejection
        vkey = _vkey(n, key_id(n, raw).hex(), raw)
        with pytest.raises(MalformedError):
            parse_vkey(vkey)
        assert label
    with pytest.raises(MalformedError):  # a '+' in the name changes the part count
        parse_vkey(_vkey("alice+x", key_id("alice+x", b"\x01" + pub).hex(), b"\x01" + pub))


def test_vkey_whose_base64_contains_plus_parses() -> None:
    # regression: the key ID and base64 key follow the first two '+'; base64 may contain '+'
    signer = Signer("plus.example", bytes([62]) * 32)
    assert (
        signer.skey
        == "PRIVATE+KEY+plus.example+c1f449e4+AT4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+Pj4+"
    )
    assert signer.vkey == "plus.example+c1f449e4+Aflcal3/Ax+sexpqVLZhDK64Ozn36KZr4W/1+qSlEe0t"
    assert parse_vkey(signer.vkey) == signer.verifier
    assert parse_skey(signer.skey).vkey == signer.vkey
    assert parse_vkey(ALICE.vkey).public_key == base64.b64decode(ALICE.vkey.split("+", 2)[2])[1:]


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _noncanonical(blob: str) -> str:
    """Set a padding bit of the last base64 digit: same bytes, different spelling."""
    stripped = blob.rstrip("=")
    assert len(stripped) % 4 in (2, 3)
    last = _B64[_B64.index(stripped[-1]) + 1]
    out = stripped[:-1] + last + blob[len(stripped) :]
    assert base64.b64decode(out) == base64.b64decode(blob)
    return out


def test_noncanonical_base64_signature_is_rejected() -> None:
    # regression: a spelling with non-zero padding bits decodes to the same signature, so
    # accepting it would let anyone alter note bytes without breaking the signature
    note = sign_note(TEXT, ALICE)
    text, line = note.decode().rsplit("\n\n", 1)
    head, blob = line.rstrip("\n").rsplit(" ", 1)
    altered = f"{text}\n\n{head} {_noncanonical(blob)}\n".encode()
    assert altered != note
    with pytest.raises(MalformedError, match="canonical"):
        open_note(altered, [ALICE.verifier])


@pytest.mark.parametrize(
    "skey",
    [
        "",
        "PRIVATE+KEY+alice.example+00000000",
        "PUBLIC+KEY+alice.example+00000000+AQ==",
        "PRIVATE+KEY+alice.example+00000000+!!!!",
        "PRIVATE+KEY+alice.example+00000000+" + base64.b64encode(b"\x02" + bytes(32)).decode(),
        "PRIVATE+KEY+alice.example+00000000+" + base64.b64encode(b"\x01" + bytes(31)).decode(),
    ],
)
def test_malformed_skeys_are_rejected(skey: str) -> None:
    with pytest.raises(MalformedError):
        parse_skey(skey)


def test_skey_with_wrong_key_id_or_name_is_rejected() -> None:
    parts = ALICE.skey.split("+", 4)
    parts[3] = "00000000"
    with pytest.raises(MalformedError):
        parse_skey("+".join(parts))
    parts = ALICE.skey.split("+", 4)
    parts[2] = "bad name"
    with pytest.raises(MalformedError):
        parse_skey("+".join(parts))


def test_signer_rejects_bad_name_or_seed() -> None:
    for name in ("", "a b", "a+b", "a\nb"):
        with pytest.raises(MalformedError):
            Signer(name, bytes(32))
    with pytest.raises(MalformedError):
        Signer("ok.example", bytes(31))


def test_unknown_signers_are_ignored() -> None:
    note = sign_note(TEXT, BOB, ALICE, CAROL)
    opened = open_note(note, [ALICE.verifier])
    assert opened.text == TEXT
    assert [s.name for s in opened.verified] == ["alice.example"]
    assert [s.name for s in opened.unverified] == ["bob.example", "carol.example"]
    assert opened.signed_by("alice.example")
    assert not opened.signed_by("bob.example")
    both = open_note(note, [ALICE.verifier, CAROL.verifier])
    assert [s.name for s in both.verified] == ["alice.example", "carol.example"]


def test_note_signed_only_by_unknown_keys_is_rejected() -> None:
    note = sign_note(TEXT, BOB, CAROL)
    with pytest.raises(SignatureError):
        open_note(note, [ALICE.verifier])
    with pytest.raises(SignatureError):
        open_note(note, [])
    # same name, other key: a different key ID, so still unknown
    impostor = Signer("alice.example", bytes(32))
    with pytest.raises(SignatureError):
        open_note(sign_note(TEXT, impostor), [ALICE.verifier])


def test_bad_signature_by_known_key_rejects_even_if_another_verifies() -> None:
    good = Signature(ALICE.name, ALICE.key_id, ALICE.sign(TEXT.encode()))
    bad = Signature(BOB.name, BOB.key_id, BOB.sign(b"another text\n"))
    for sigs in [(good, bad), (bad, good)]:
        note = Note(TEXT, sigs).format()
        with pytest.raises(SignatureError):
            open_note(note, [ALICE.verifier, BOB.verifier])
        # BOB unknown: his bad line is ignored
        assert open_note(note, [ALICE.verifier]).signed_by("alice.example")
    truncated = Signature(ALICE.name, ALICE.key_id, good.signature[:10])
    with pytest.raises(SignatureError):
        open_note(Note(TEXT, (truncated,)).format(), [ALICE.verifier])


def test_sign_note_rejects_bad_text() -> None:
    for text in ["no newline", "", "tab\there\n", "cr\r\n", "nul\x00\n", "del\x7f\n", "esc\x1b\n"]:
        with pytest.raises(MalformedError):
            sign_note(text, ALICE)
    with pytest.raises(ValueError, match="signer"):
        sign_note(TEXT)


def test_parse_note_rejects_control_characters_in_text() -> None:
    sig = Signature(ALICE.name, ALICE.key_id, bytes(64))
    with pytest.raises(MalformedError):
        parse_note(Note("bad\ttext\n", (sig,)).format())


def test_parse_note_rejects_malformed_signature_lines() -> None:
    line = Signature(ALICE.name, ALICE.key_id, bytes(64)).line()
    blob = line.split(" ")[-1]
    bad_blocks = [
        "",
        line.rstrip("\n"),
        line.replace("— ", "- "),
        line.replace("— ", "—"),
        f"— {ALICE.name}  {blob}",
        f"— {ALICE.name} {blob[:-2]} x\n",
        f"— {ALICE.name}\n",
        f"— {ALICE.name} AAAA\n",  # shorter than key ID + 1 byte
        f"— {ALICE.name} !!!!\n",
        line + "\n",
    ]
    for block in bad_blocks:
        with pytest.raises(MalformedError):
            parse_note((TEXT + "\n" + block).encode())
    with pytest.raises(MalformedError):
        parse_note(b"\xff" + (TEXT + "\n" + line).encode())


def test_more_than_max_signatures_is_rejected() -> None:
    good = Signature(ALICE.name, ALICE.key_id, ALICE.sign(TEXT.encode()))
    others = [Signature(f"w{i}.example", bytes(4), bytes(64)) for i in range(MAX_SIGNATURES)]
    at_limit = Note(TEXT, (good, *others[: MAX_SIGNATURES - 1])).format()
    assert len(open_note(at_limit, [ALICE.verifier]).unverified) == MAX_SIGNATURES - 1
    over = Note(TEXT, (good, *others)).format()
    with pytest.raises(MalformedError):
        parse_note(over)
    with pytest.raises(MalformedError):
        open_note(over, [ALICE.verifier])


def test_add_signatures_adds_a_cosignature() -> None:
    note = sign_note(TEXT, ALICE)
    cosig = Signature(BOB.name, BOB.key_id, BOB.sign(TEXT.encode()))
    cosigned = add_signatures(note, cosig)
    assert cosigned.startswith(note)
    assert cosigned == note + cosig.line().encode()
    assert open_note(cosigned, [ALICE.verifier]).signed_by("alice.example")
    assert open_note(cosigned, [BOB.verifier]).signed_by("bob.example")
    both = open_note(cosigned, [ALICE.verifier, BOB.verifier])
    assert len(both.verified) == 2
    assert add_signatures(cosigned, cosig) == cosigned  # no duplicate lines


# --- properties -------------------------------------------------------------------------------

_line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=40)
texts = st.lists(_line, min_size=1, max_size=6).map(lambda lines: "\n".join(lines) + "\n")
names = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")),
    min_size=1,
    max_size=20,
).filter(is_valid_key_name)
signers = st.builds(Signer, names, st.binary(min_size=32, max_size=32))


@settings(max_examples=100, deadline=None)
@given(texts, st.lists(signers, min_size=1, max_size=3))
def test_format_parse_round_trip(text: str, keys: list[Signer]) -> None:
    data = sign_note(text, *keys)
    note = parse_note(data)
    assert note.text == text
    assert note.format() == data
    assert parse_note(note.format()) == note
    assert [s.name for s in note.signatures] == [k.name for k in keys]
    for k in keys:
        assert open_note(data, [k.verifier]).text == text


@settings(max_examples=50, deadline=None)
@given(texts, signers, signers)
def test_add_signatures_keeps_note_valid_under_either_key(
    text: str, first: Signer, second: Signer
) -> None:
    note = sign_note(text, first)
    cosig = Signature(second.name, second.key_id, second.sign(text.encode()))
    cosigned = add_signatures(note, cosig)
    assert parse_note(cosigned).text == text
    assert open_note(cosigned, [first.verifier]).text == text
    assert open_note(cosigned, [second.verifier]).text == text
