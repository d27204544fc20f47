"""The puller's log events: one structured event per pull, and never any personal data.

Person contacts travel between trusted nodes (``vis: federation``, DESIGN §12); logs go to
operators, log shippers and support tickets. So every record logged while person contacts are
pulled, refused and erased is rendered the way ``federation serve`` writes it (JSON lines and
readable lines) and searched for the person's fields and for the body's random salt.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import orjson
import pytest
from aiohttp import web

from federation.cli.samples import sample_origins
from federation.node.logs import QUIET, JsonFormatter, TextFormatter, record_fields, setup_logging

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()
PULL_FIELDS = {"peer", "origins", "entries", "bytes", "duration", "outcome"}
RecordFactory = Callable[..., dict[str, Any]]

PERSON: dict[str, str | list[str]] = {
    "display_name": "Ona Petraitienė",
    "role": "Socialinių inovacijų ekspertė",
    "affiliation": "Kauno bendruomenių centras",
    "email": "ona.petraitiene@bendruomenes.lt",
    "phone": "+37061234567",
    "expertise": ["bendruomenių telkimas"],
}


@pytest.fixture
def serve_logging() -> Iterator[io.StringIO]:
    """Logging as ``federation serve`` sets it up, at its most verbose (DEBUG), into a buffer."""
    root = logging.getLogger()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET}
    buf = io.StringIO()
    handler = setup_logging("json", level=logging.DEBUG, stream=buf)
    try:
        yield buf
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def rendered(records: list[logging.LogRecord]) -> str:
    """Every record as the JSON and the text formatter write it, plus its raw attributes."""
    json_fmt, text_fmt = JsonFormatter(), TextFormatter()
    return "\n".join(f"{json_fmt.format(r)}\n{text_fmt.format(r)}\n{r.__dict__!r}" for r in records)


async def test_pulls_of_person_contacts_log_structured_events_without_personal_data(
    net: Net,
    make_person: RecordFactory,
    caplog: pytest.LogCaptureFixture,
    serve_logging: io.StringIO,
) -> None:
    a, b = await net.start(ORIGINS[0]), await net.start(ORIGINS[1])
    await net.trust(a, b)  # a serves person bodies to b's signed pulls
    await net.trust(b, a)
    person = make_person(1, **PERSON)
    await a.node.publish([person, make_person(2, **{**PERSON, "display_name": "Jonas Jonaitis"})])

    # a relay that hands out a person body of its own making: refused (hash mismatch)
    async def inject(request: web.Request, body: bytes) -> bytes | None:
        if not request.path.endswith("/entries"):
            return None
        fake = orjson.dumps({**person, "salt": "AAAAAAAAAAAAAAAAAAAAAA=="}).decode()
        return body.replace(b'"body":null', b'"body":' + orjson.dumps(fake), 1)

    relay = await net.serve(net.proxy(a.url, inject))
    await net.peer(b, relay, a.origin)
    (refused,) = await net.pull(b, relay)
    assert not refused.ok and refused.reason is not None

    await net.peer(b, a)
    (pulled,) = await net.pull(b, a.url)
    assert pulled.ok and pulled.entries == 2, pulled.error
    row = await b.store.get_record(a.origin, "contact", person["id"])
    assert row is not None and row.body is not None  # the personal data did travel
    salt = orjson.loads(row.body)["salt"]

    await a.node.delete("contact", person["id"])  # erasure travels too
    (erased,) = await net.pull(b, a.url)
    assert erased.ok and erased.entries == 1

    text = rendered(caplog.records) + serve_logging.getvalue()
    assert '"event":"pull"' in serve_logging.getvalue()
    for field, v in PERSON.items():
        for needle in [v] if isinstance(v, str) else v:
            assert needle not in text, f"{field} appears in the logs"
    assert "Jonas Jonaitis" not in text
    assert salt not in text  # no body at all, not even its random part

    events = [r for r in caplog.records if record_fields(r).get("event") == "pull"]
    assert [record_fields(r)["outcome"] for r in events] == ["failed", "ok", "ok"]
    for r in events:
        fields = record_fields(r)
        assert fields.keys() >= PULL_FIELDS, fields
        assert fields["peer"] in (relay, a.url)
    failed, ok, _ = (record_fields(r) for r in events)
    assert (failed["reason"], failed["failures"]) == (refused.reason, 1)
    assert (ok["entries"], ok["bytes"], ok["origins"]) == (2, pulled.nbytes, 1)
    assert ok["updated"] == [a.origin]
    line = orjson.loads(JsonFormatter().format(events[1]))
    assert line["message"] == "pull ok" and line["level"] == "info"
    assert line["entries"] == 2 and line["logger"] == "federation.sync"
