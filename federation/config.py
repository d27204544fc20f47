"""Node configuration: one TOML file per home, validated into a frozen pydantic model.

The home directory (``--home`` or ``$FEDERATION_HOME``) holds::

    federation.toml      this configuration
    origin.key           the Ed25519 signing key (mode 0600)
    federation.sqlite    the store (WAL mode)
    published.checkpoint the last checkpoint this origin signed (fork protection)

Every limit has a safe default; ``load_settings`` turns every problem into one
:class:`ConfigError` naming the key and the reason. Environment variables
``FEDERATION_<KEY>`` (tables: ``FEDERATION_<TABLE>__<KEY>``) override keys of the file;
``check_config`` lists every problem (``federation config check``).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
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
    max_page: int = Field(
        500, ge=1, le=10_000, description="largest `limit` of a /v1/records page (portal read API)"
    )
    max_wait: float = Field(
        60.0, ge=0, le=3600, description="longest long poll (`wait`) of /v1/changes, seconds"
    )
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
    stream_after_bytes: int = Field(
        16 * 1024 * 1024,
        ge=0,
        description="verified entries of one update held in memory before they are written "
        "into the (still uncommitted) merge transaction; 0 streams every update",
    )
    max_stream_seconds: float = Field(
        120.0,
        gt=0,
        description="longest time a streamed merge may hold the write transaction open; "
        "past it the merge is rolled back and the peer backed off",
    )


class Settings(BaseModel):
    """The whole node configuration (``federation.toml``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    origin: str = Field(description="this node's origin (log) name")
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country")
    name: str = Field("", description="display name of the centre")
    listen: str = Field(f"127.0.0.1:{DEFAULT_PORT}", description="HOST:PORT to serve on")
    public_url: str = Field(
        "",
        description="base URL peers use to reach this node "
        "(advertised as `url` in /.well-known/federation)",
    )
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
    portal_token: str = Field(
        "",
        description="bearer token with which a portal's requests to the read API also get "
        "`federation`-visibility records (empty: public records only)",
        repr=False,
    )
    limits: Limits = Field(default_factory=Limits)
    sync: SyncSettings = Field(default_factory=SyncSettings)

    @field_validator("origin")
    @classmethod
    def _origin(cls, v: str) -> str:
        try:
            return check_origin(v)
        except MalformedError as e:
            raise ValueError(str(e)) from e

    @field_validator("admin_token", "portal_token")
    @classmethod
    def _admin_token(cls, v: str) -> str:
        if v and len(v) < MIN_ADMIN_TOKEN:
            raise ValueError(f"must be empty (off) or at least {MIN_ADMIN_TOKEN} chars")
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


def validation_problems(err: ValidationError, env: Mapping[str, str] | None = None) -> list[str]:
    """One ``key: why`` line per problem; ``env`` maps keys set from the environment to the
    variable that set them, so the line names where the bad value came from."""
    out = []
    for e in err.errors():
        loc = ".".join(str(x) for x in e["loc"]) or "(file)"
        where = f" (from ${env[loc]})" if env and loc in env else ""
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        elif e["type"] == "value_error":  # "Value error, <ours>": keep ours
            msg = str((e.get("ctx") or {}).get("error", msg))
        out.append(f"{loc}{where}: {msg}")
    return out


def describe_validation_error(err: ValidationError) -> str:
    return "; ".join(validation_problems(err))


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


ENV_PREFIX = "FEDERATION_"
"""Environment variables ``FEDERATION_<KEY>`` override keys of the config file."""
ENV_NESTED = "__"
"""Separates a table from its key: ``FEDERATION_LIMITS__MAX_BATCH`` is ``limits.max_batch``."""
ENV_NOT_CONFIG = frozenset({"FEDERATION_HOME"})
"""Variables with the prefix that are not config keys (the home directory)."""


def env_variables() -> dict[str, str]:
    """Every environment variable that can override a config key → that key (``a.b``)."""
    out: dict[str, str] = {}

    def add(model: type[BaseModel], prefix: str) -> None:
        for name, f in model.model_fields.items():
            nested = f.annotation
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                add(nested, f"{prefix}{name}.")
            else:
                key = prefix + name
                out[ENV_PREFIX + key.replace(".", ENV_NESTED).upper()] = key

    add(Settings, "")
    return out


@dataclass(frozen=True)
class ConfigCheck:
    """What :func:`check_config` found: the settings (None if any problem), every problem
    as ``key: why``, the keys the environment set (key → variable), and warnings."""

    settings: Settings | None
    problems: list[str]
    from_env: dict[str, str]
    warnings: list[str]


def _apply_env(
    data: dict[str, Any], environ: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Put ``FEDERATION_…`` values into the parsed file; returns (key → variable, warnings).

    Values stay strings: pydantic converts them (``"500"`` to an int, ``"true"`` to a bool)
    and refuses them with the key's usual message.
    """
    known = env_variables()
    applied: dict[str, str] = {}
    warnings: list[str] = []
    for var in sorted(environ):
        if not var.startswith(ENV_PREFIX) or var in ENV_NOT_CONFIG:
            continue
        key = known.get(var)
        if key is None:
            warnings.append(f"${var} is not a config key (ignored)")
            continue
        *tables, name = key.split(".")
        target = data
        for table in tables:
            sub = target.setdefault(table, {})
            if not isinstance(sub, dict):
                break  # the file's [table] is not a table: its own error says so
            target = sub
        else:
            target[name] = environ[var]
            applied[key] = var
    return applied, warnings


def check_config(path: Path, environ: Mapping[str, str] | None = None) -> ConfigCheck:
    """Read and validate a config file with its environment overrides; report every problem."""
    env = os.environ if environ is None else environ
    if not path.exists():
        return ConfigCheck(None, ["does not exist (run `federation init` first)"], {}, [])
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return ConfigCheck(None, ["not UTF-8 text"], {}, [])
    except tomllib.TOMLDecodeError as e:
        return ConfigCheck(None, [f"not valid TOML: {e}"], {}, [])
    except OSError as e:
        return ConfigCheck(None, [f"cannot read: {e.strerror or e}"], {}, [])
    applied, warnings = _apply_env(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as e:
        return ConfigCheck(None, validation_problems(e, applied), applied, warnings)
    return ConfigCheck(settings, [], applied, warnings)


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of a config file, ``FEDERATION_…`` environment variables overriding its
    keys (``environ`` defaults to ``os.environ``); a :class:`ConfigError` lists every problem.
    """
    check = check_config(path, environ)
    if check.settings is None:
        raise ConfigError(f"{path}: {'; '.join(check.problems)}")
    return check.settings


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
