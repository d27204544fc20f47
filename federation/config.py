"""Node configuration: one TOML file per home, validated into a frozen pydantic model.

The home directory (``--home`` or ``$FEDERATION_HOME``) holds::

    federation.toml      this configuration
    origin.key           the Ed25519 signing key (mode 0600)
    federation.sqlite    the store (WAL mode)
    published.checkpoint the last checkpoint this origin signed (fork protection)

Every limit has a safe default; ``load_settings`` turns every problem into one
:class:`ConfigError` naming the key and the reason.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from federation.protocol.checkpoint import check_origin
from federation.protocol.errors import MalformedError

CONFIG_FILE = "federation.toml"
KEY_FILE = "origin.key"
DB_FILE = "federation.sqlite"
PUBLISHED_FILE = "published.checkpoint"
DEFAULT_PORT = 8470
MIN_ADMIN_TOKEN = 16


class ConfigError(Exception):
    """The configuration (or home directory) is missing or wrong; the message says why."""


class Limits(BaseModel):
    """Safety limits. Sizes in bytes, times in seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_batch: int = Field(1000, ge=1, le=100_000, description="entries per /entries response")
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="largest record body accepted")
    max_request_bytes: int = Field(1024 * 1024, ge=1024, description="largest HTTP request body")
    max_response_bytes: int = Field(
        64 * 1024 * 1024, ge=64 * 1024, description="largest peer response a pull reads"
    )
    max_records_per_put: int = Field(100_000, ge=1, description="records in one publish call")
    connect_timeout: float = Field(10.0, gt=0, description="peer connect timeout")
    request_timeout: float = Field(60.0, gt=0, description="whole peer request timeout")
    signature_window: float = Field(
        300.0,
        ge=1,
        le=86_400,
        description="accepted clock difference (s) of a signed request's `created` (§7.8)",
    )
    rate_per_second: float = Field(
        50.0, ge=0, description="requests per second one client may make (0: no rate limit)"
    )
    rate_burst: int = Field(
        200, ge=0, description="requests one client may make in a burst (0: no rate limit)"
    )


class SyncSettings(BaseModel):
    """Pull schedule and backoff."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    interval: float = Field(60.0, gt=0, description="seconds between pulls from one peer")
    jitter: float = Field(10.0, ge=0, description="random extra delay added to each interval")
    backoff_base: float = Field(5.0, gt=0, description="first retry delay after a failure")
    backoff_cap: float = Field(3600.0, gt=0, description="longest retry delay")
    enabled: bool = Field(True, description="run scheduled pulls in `serve`")


class Settings(BaseModel):
    """The whole node configuration (``federation.toml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str = Field(description="this node's origin (log) name")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country")
    name: str = Field("", description="display name of the centre")
    listen: str = Field(f"127.0.0.1:{DEFAULT_PORT}", description="HOST:PORT to serve on")
    public_url: str = Field("", description="base URL peers use to reach this node")
    database: str = Field(DB_FILE, description="SQLite file, relative to the home")
    key_file: str = Field(KEY_FILE, description="signing key file, relative to the home")
    key_grace_days: float = Field(
        30.0,
        ge=0,
        description="after `key rotate`, days during which checkpoints are also signed by "
        "the retired key, so peers that pinned it follow the rotation",
    )
    admin_token: str = Field(
        "",
        description="bearer token of the admin API (empty: admin API disabled); "
        "`federation init` generates one",
        repr=False,
    )
    admin_remote: bool = Field(False, description="serve the admin API to non-loopback clients too")
    limits: Limits = Field(default_factory=Limits)
    sync: SyncSettings = Field(default_factory=SyncSettings)

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        try:
            return check_origin(v)
        except MalformedError as e:
            raise ValueError(str(e)) from e

    @field_validator("admin_token")
    @classmethod
    def _admin_token(cls, v: str) -> str:
        if v and len(v) < MIN_ADMIN_TOKEN:
            raise ValueError(f"must be empty (admin API off) or at least {MIN_ADMIN_TOKEN} chars")
        if v and not (v.isascii() and v.isprintable() and " " not in v):
            raise ValueError("must be printable ASCII without spaces")
        return v

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        split_listen(v)
        return v

    @property
    def host(self) -> str:
        return split_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return split_listen(self.listen)[1]


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"listen must be HOST:PORT, got {listen!r}")
    return host.strip("[]"), int(port)


def describe_validation_error(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(file)"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts)


class Home:
    """A node's home directory and the paths inside it."""

    def __init__(self, path: Path | str | None) -> None:
        if path is None:
            env = os.environ.get("FEDERATION_HOME")
            if not env:
                raise ConfigError("no home directory: pass --home DIR or set FEDERATION_HOME")
            path = env
        self.path = Path(path).expanduser().resolve()

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def published_path(self) -> Path:
        return self.path / PUBLISHED_FILE

    def db_path(self, settings: Settings) -> Path:
        return self.path / settings.database

    def key_path(self, settings: Settings) -> Path:
        return self.path / settings.key_file

    def load(self) -> Settings:
        return load_settings(self.config_path)


def load_settings(path: Path) -> Settings:
    if not path.exists():
        raise ConfigError(f"{path} does not exist (run `federation init` first)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        raise ConfigError(f"{path}: {describe_validation_error(e)}") from e


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    s = str(v).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"'


def dump_settings(settings: Settings) -> str:
    """TOML text for a settings object (top-level scalars, then one table per section)."""
    data = settings.model_dump()
    lines = ["# federation node configuration; see docs/config.md", ""]
    tables: list[tuple[str, dict[str, Any]]] = []
    for k, v in data.items():
        if isinstance(v, dict):
            tables.append((k, v))
        else:
            lines.append(f"{k} = {_toml_value(v)}")
    for name, table in tables:
        lines.extend(["", f"[{name}]"])
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def config_reference() -> str:
    """A Markdown table of every config key, its default and meaning (for docs/config.md).

    Built from the pydantic fields and their descriptions, so the documentation cannot drift
    from the model (a test compares the two).
    """
    rows = ["| key | default | meaning |", "|---|---|---|"]

    def add(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            nested = f.annotation
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                doc = (nested.__doc__ or "").strip().splitlines()[0]
                rows.append(f"| `[{name}]` | | table: {doc} |")
                add(nested, f"{prefix}{name}.")
                continue
            default = "(required)" if f.is_required() else f"`{_toml_value(f.default)}`"
            meaning = (f.description or "").replace("|", "\\|")
            rows.append(f"| `{prefix}{name}` | {default} | {meaning} |")

    add(Settings, "")
    return "\n".join(rows) + "\n"
