"""Logging of a running node (``federation serve``): JSON lines or readable lines on stderr.

Events carry their facts as structured fields (``log.info("pull ok", extra={...})``). When
stderr is not a terminal (systemd, containers, a log shipper) every record is one JSON
object per line::

    {"ts":"2026-11-22T10:00:00.123Z","level":"info","logger":"federation.sync",
     "message":"pull ok","event":"pull","peer":"https://ncc.esfa.lt","outcome":"ok",...}

On a terminal the same record is one readable line, the fields as ``key=value``::

    2026-11-22 10:00:00 INFO federation.sync: pull ok event=pull peer=https://… outcome=ok …

Log events name peers, origins, counts, sizes and reasons; never record bodies, names or
e-mail addresses (DESIGN §12; ``tests/sync/test_logging.py`` checks it).
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any, Literal, TextIO

import orjson

LogFormat = Literal["auto", "json", "text"]

_RESERVED = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}
"""Attributes every LogRecord has: anything else on a record came from ``extra=``."""


QUIET = {
    # every SQL statement with its parameters at DEBUG: record bodies, i.e. personal data
    "aiosqlite": logging.WARNING,
    # a line per scheduled run
    "apscheduler": logging.WARNING,
}
"""Loggers held at a level whatever the node's level is."""


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The structured fields a record was given with ``extra=``."""
    return {k: v for k, v in record.__dict__.items() if k not in _RESERVED}


def _utc(created: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(created))
        + f".{int(created % 1 * 1000):03d}Z"
    )


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ts, level, logger, message, the extra fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": _utc(record.created),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for k, v in record_fields(record).items():
            out.setdefault(k, v)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc"] = record.exc_text
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(out, default=str).decode()


def _text_value(v: Any) -> str:
    if isinstance(v, list | tuple | set | frozenset):
        return ",".join(str(x) for x in v) or "-"
    s = str(v)
    return repr(s) if not s or any(c.isspace() for c in s) else s


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value …`` for people at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s", "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = record_fields(record)
        if not fields:
            return line
        head, sep, tail = line.partition("\n")  # keep a traceback below the fields
        extra = " ".join(f"{k}={_text_value(v)}" for k, v in fields.items())
        return f"{head} {extra}{sep}{tail}"


class _NodeHandler(logging.StreamHandler[TextIO]):
    """The handler :func:`setup_logging` installs (so a second call replaces it)."""


def setup_logging(
    fmt: LogFormat = "auto", *, level: int = logging.INFO, stream: TextIO | None = None
) -> logging.Handler:
    """Send every log record to ``stream`` (stderr): JSON lines unless it is a terminal.

    Replaces a handler installed by an earlier call, sets the root level and holds the
    libraries of :data:`QUIET` at their floor whatever the level.
    """
    out = stream if stream is not None else sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    handler = _NodeHandler(out)
    handler.setFormatter(JsonFormatter() if as_json else TextFormatter())
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _NodeHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name, floor in QUIET.items():
        logging.getLogger(name).setLevel(floor)
    return handler
