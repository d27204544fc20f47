"""docs/config.md lists every config key: its table is the one the model generates."""

from __future__ import annotations

from pathlib import Path

from federation.config import config_reference

DOC = Path(__file__).resolve().parents[1] / "docs" / "config.md"


def test_config_doc_lists_every_key_as_the_model_does() -> None:
    text = DOC.read_text(encoding="utf-8")
    begin = text.index("\n", text.index("<!-- BEGIN generated")) + 1
    end = text.index("<!-- END generated")
    assert text[begin:end] == config_reference(), (
        "docs/config.md is out of date: regenerate its table with "
        "federation.config.config_reference() (see the page)"
    )
