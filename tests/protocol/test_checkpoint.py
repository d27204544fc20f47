"""C2SP tlog-checkpoint bodies inside signed notes."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.protocol.checkpoint import (
    ORIGIN_RE,
    Checkpoint,
    check_origin,
    is_valid_origin,
    open_checkpoint,
    parse_checkpoint_text,
)
from federation.protocol.errors import MalformedError, SignatureError
from federation.protocol.note import Signature, Signer, add_signatures, open_note, sign_note

ORIGIN = "lt.esfa.ncc"
LOG = Signer(ORIGIN, hashlib.sha256(b"lt.esfa.ncc test seed").digest())
OTHER = Signer("pt.ncc.example", hashlib.sha256(b"pt.ncc.example test seed").digest())
WITNESS = Signer("witness.example", hashlib.sha256(b"witness test seed").digest())
ROOT = hashlib.sha256(b"root").digest()
ROOT_B64 = base64.b64encode(ROOT).decode()

# Generated once from the fixed seed above (Ed25519 signatures are deterministic): a
# regression vector for the exact bytes a log publishes.
GOLDEN_VKEY = "lt.esfa.ncc+68791b9e+AQGfj3c83Qb9BsObe0i/DeymOuMv0xBvKBwAwEjWK3FT"
GOLDEN_NOTE = (
    "lt.esfa.ncc\n42\nSBNJTRN+FjG7owHVrKtue7eqdM4RhdRWVl71HXN2d7I=\n\n"
    "— lt.esfa.ncc aHkbnq3HuM+rLkQ+yIT5r6WLfRALpjHr+yrPBPVTcsD6H5055ZXH8k9DY70hQr5o2cfZdZqO0vf5"
    "urFLtyf7UK5adAc=\n"
).encode()


def test_golden_checkpoint_is_reproducible() -> None:
    assert LOG.vkey == GOLDEN_VKEY
    cp = Checkpoint(ORIGIN, 42, ROOT)
    assert cp.text() == f"{ORIGIN}\n42\n{ROOT_B64}\n"
    assert cp.sign(LOG) == GOLDEN_NOTE


def test_sign_open_round_trip() -> None:
    cp = Checkpoint(ORIGIN, 42, ROOT, ("ext line one", "— ext two"))
    note = cp.sign(LOG)
    signed = open_checkpoint(note, ORIGIN, [LOG.verifier])
    assert signed.checkpoint == cp
    assert (signed.origin, signed.size, signed.root) == (ORIGIN, 42, ROOT)
    assert signed.note == note
    assert signed.verified.signed_by(ORIGIN)
    golden = open_checkpoint(GOLDEN_NOTE, ORIGIN, [LOG.verifier])
    assert golden.checkpoint == Checkpoint(ORIGIN, 42, ROOT)


def test_cosignatures_are_ignored() -> None:
    cp = Checkpoint(ORIGIN, 7, ROOT)
    note = sign_note(cp.text(), WITNESS, LOG)
    signed = open_checkpoint(note, ORIGIN, [LOG.verifier, WITNESS.verifier, OTHER.verifier])
    assert [s.name for s in signed.verified.verified] == [ORIGIN]
    cosig = Signature(WITNESS.name, WITNESS.key_id, WITNESS.sign(cp.text().encode()))
    cosigned = add_signatures(cp.sign(LOG), cosig)
    assert open_checkpoint(cosigned, ORIGIN, [LOG.verifier]).checkpoint == cp
    assert open_note(cosigned, [WITNESS.verifier]).signed_by(WITNESS.name)


def test_checkpoint_for_another_origin_is_rejected() -> None:
    # signed by the right key, but the body names another log
    note = sign_note(Checkpoint("other.origin", 1, ROOT).text(), LOG)
    with pytest.raises(SignatureError, match="origin"):
        open_checkpoint(note, ORIGIN, [LOG.verifier])


def test_signature_by_a_key_of_another_name_is_rejected() -> None:
    cp = Checkpoint(ORIGIN, 1, ROOT)
    by_other = cp.sign(OTHER)
    with pytest.raises(SignatureError):
        open_checkpoint(by_other, ORIGIN, [OTHER.verifier])  # no key named ORIGIN
    with pytest.raises(SignatureError):
        open_checkpoint(by_other, ORIGIN, [LOG.verifier, OTHER.verifier])
    # the log's own key material under another name does not count either
    renamed = Signer("lt.esfa.ncc.evil", hashlib.sha256(b"lt.esfa.ncc test seed").digest())
    with pytest.raises(SignatureError):
        open_checkpoint(cp.sign(renamed), ORIGIN, [LOG.verifier, renamed.verifier])
    # a witness alone cannot vouch for a checkpoint
    with pytest.raises(SignatureError):
        open_checkpoint(cp.sign(WITNESS), ORIGIN, [LOG.verifier, WITNESS.verifier])


def test_bad_log_signature_is_rejected() -> None:
    cp = Checkpoint(ORIGIN, 1, ROOT)
    forged = Signature(LOG.name, LOG.key_id, LOG.sign(Checkpoint(ORIGIN, 2, ROOT).text().encode()))
    note = (cp.text() + "\n" + forged.line()).encode()
    with pytest.raises(SignatureError):
        open_checkpoint(note, ORIGIN, [LOG.verifier])


@pytest.mark.parametrize(
    "size", ["01", "00", "-1", "+1", "1.0", "", " 1", "1 ", "1e3", "0x10", "١"]
)
def test_non_canonical_size_is_rejected(size: str) -> None:
    with pytest.raises(MalformedError):
        parse_checkpoint_text(f"{ORIGIN}\n{size}\n{ROOT_B64}\n")


def test_size_limits() -> None:
    assert parse_checkpoint_text(f"{ORIGIN}\n0\n{ROOT_B64}\n").size == 0
    assert parse_checkpoint_text(f"{ORIGIN}\n{2**63 - 1}\n{ROOT_B64}\n").size == 2**63 - 1
    # sizes are stored as SQLite INTEGERs (signed 64-bit): larger ones are refused
    for too_big in (2**63, 10**19, 10**20):
        with pytest.raises(MalformedError):
            parse_checkpoint_text(f"{ORIGIN}\n{too_big}\n{ROOT_B64}\n")


@pytest.mark.parametrize(
    "root",
    [
        base64.b64encode(ROOT[:31]).decode(),
        base64.b64encode(ROOT + b"\x00").decode(),
        "",
        ROOT.hex(),
        ROOT_B64.rstrip("="),
        ROOT_B64 + "=",
        " " + ROOT_B64,
        base64.urlsafe_b64encode(b"\xff" * 32).decode(),
    ],
)
def test_root_must_be_a_base64_sha256(root: str) -> None:
    with pytest.raises(MalformedError):
        parse_checkpoint_text(f"{ORIGIN}\n1\n{root}\n")


def test_non_canonical_base64_root_is_rejected() -> None:
    # 32 bytes = 43 base64 digits + '='; the last digit carries 2 padding bits
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    last = ROOT_B64[-2]
    spelled = ROOT_B64[:-2] + alphabet[alphabet.index(last) + 1] + "="
    assert base64.b64decode(spelled) == ROOT
    with pytest.raises(MalformedError):
        parse_checkpoint_text(f"{ORIGIN}\n1\n{spelled}\n")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        f"{ORIGIN}\n",
        f"{ORIGIN}\n1\n",
        f"{ORIGIN}\n1\n{ROOT_B64}",  # no final newline
        f"\n1\n{ROOT_B64}\n",  # empty origin
        f"{ORIGIN}\n1\n{ROOT_B64}\n\n",  # empty extension line
        f"{ORIGIN}\n1\n{ROOT_B64}\n\next\n",
        f"{ORIGIN}\n1\n{ROOT_B64}\next\n\n",
    ],
)
def test_malformed_checkpoint_text_is_rejected(text: str) -> None:
    with pytest.raises(MalformedError):
        parse_checkpoint_text(text)


def test_malformed_body_in_a_valid_note_is_rejected() -> None:
    note = sign_note(f"{ORIGIN}\n01\n{ROOT_B64}\n", LOG)
    with pytest.raises(MalformedError):
        open_checkpoint(note, ORIGIN, [LOG.verifier])


@pytest.mark.parametrize("origin", ["lt.esfa.ncc", "abc", "a-b", "0.9", "a" * 63, "x--y.example"])
def test_valid_origins(origin: str) -> None:
    assert is_valid_origin(origin)
    assert check_origin(origin) == origin


@pytest.mark.parametrize(
    "origin",
    [
        "LT.esfa",
        "lt.Esfa.ncc",
        "ab",
        "a",
        "",
        "-ab.c",
        "ab.c-",
        ".ab.c",
        "ab.c.",
        "a" * 64,
        "a_b.c",
        "a b.c",
        "lt.esfa.ncc\n",
        "lt/esfa",
        "ėsfa.lt",
    ],
)
def test_invalid_origins(origin: str) -> None:
    assert not is_valid_origin(origin)
    with pytest.raises(MalformedError):
        check_origin(origin)


# --- properties -------------------------------------------------------------------------------

origins = st.from_regex(ORIGIN_RE, fullmatch=True)
extension_lines = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30
)
checkpoints = st.builds(
    Checkpoint,
    origins,
    st.integers(0, 2**63 - 1),
    st.binary(min_size=32, max_size=32),
    st.lists(extension_lines, max_size=3).map(tuple),
)


@settings(max_examples=200)
@given(checkpoints)
def test_text_round_trip(cp: Checkpoint) -> None:
    assert is_valid_origin(cp.origin)
    assert parse_checkpoint_text(cp.text()) == cp


@settings(max_examples=50, deadline=None)
@given(checkpoints, st.binary(min_size=32, max_size=32))
def test_signed_round_trip(cp: Checkpoint, seed: bytes) -> None:
    signer = Signer(cp.origin, seed)
    signed = open_checkpoint(cp.sign(signer), cp.origin, [signer.verifier])
    assert signed.checkpoint == cp
