"""``federation serve``'s logging: JSON lines unless stderr is a terminal, fields kept."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import orjson
import pytest

from federation.node.logs import QUIET, LogFormat, setup_logging


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.level, list(root.handlers), {n: logging.getLogger(n).level for n in QUIET}
    yield
    root.setLevel(saved[0])
    root.handlers[:] = saved[1]
    for name, level in saved[2].items():
        logging.getLogger(name).setLevel(level)


def emit(stream: io.StringIO, fmt: LogFormat = "auto") -> str:
    setup_logging(fmt, stream=stream)
    log = logging.getLogger("federation.test")
    log.info("pull ok", extra={"peer": "https://ncc.esfa.lt", "entries": 3, "updated": ["a", "b"]})
    log.debug("not at info level")
    return stream.getvalue()


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_when_not_a_terminal() -> None:
    (line,) = emit(io.StringIO()).splitlines()
    obj = orjson.loads(line)
    assert obj.pop("ts").endswith("Z")
    assert obj == {
        "level": "info",
        "logger": "federation.test",
        "message": "pull ok",
        "peer": "https://ncc.esfa.lt",
        "entries": 3,
        "updated": ["a", "b"],
    }


@pytest.mark.usefixtures("restore_logging")
def test_readable_lines_on_a_terminal_and_one_handler_after_two_setups() -> None:
    stream = Terminal()
    setup_logging(stream=stream)
    (line,) = emit(stream).splitlines()
    assert line.endswith(
        " INFO federation.test: pull ok peer=https://ncc.esfa.lt entries=3 updated=a,b"
    )
    assert (emit(io.StringIO(), "text")).count("\n") == 1  # forced text, off a terminal


@pytest.mark.usefixtures("restore_logging")
def test_exceptions_are_one_json_line_with_the_traceback() -> None:
    stream = io.StringIO()
    setup_logging("json", stream=stream)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("federation.test").exception("failed", extra={"peer": "x"})
    (line,) = stream.getvalue().splitlines()
    obj = orjson.loads(line)
    assert obj["level"] == "error" and obj["peer"] == "x"
    assert "ValueError: boom" in obj["exc"]


@pytest.mark.usefixtures("restore_logging")
def test_libraries_that_log_sql_parameters_stay_quiet_at_debug() -> None:
    stream = io.StringIO()
    setup_logging("json", level=logging.DEBUG, stream=stream)
    logging.getLogger("aiosqlite").debug("executing INSERT INTO bodies ... (b'{\"email\":…}')")
    assert stream.getvalue() == ""
