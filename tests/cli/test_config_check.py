"""``federation config check`` and ``FEDERATION_…`` environment overrides (docs/config.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from federation.cli.main import cli
from federation.config import ConfigError, Home, env_variables, load_settings

ORIGIN = "lt.esfa.ncc"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for var in env_variables():
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("FEDERATION_HOME", raising=False)
    return CliRunner()


@pytest.fixture
def home(tmp_path: Path, runner: CliRunner) -> Path:
    path = tmp_path / "lt"
    args = ["init", "--home", str(path), "--origin", ORIGIN, "--country", "LT"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return path


def check(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(cli, ["config", "check", *args], env=env)


def test_a_good_config_is_ok(runner: CliRunner, home: Path) -> None:
    result = check(runner, "--home", str(home))
    assert (result.exit_code, result.stdout, result.stderr) == (0, "ok\n", "")
    # the same file named directly, without a home
    result = check(runner, str(home / "federation.toml"))
    assert (result.exit_code, result.stdout) == (0, "ok\n")


def test_every_wrong_key_is_named_with_its_reason(
    runner: CliRunner, home: Path, tmp_path: Path
) -> None:
    config = home / "federation.toml"
    text = config.read_text()
    text = text.replace(f'origin = "{ORIGIN}"', 'origin = "LT_ESFA"')
    text = text.replace('listen = "127.0.0.1:8470"', 'listen = "localhost"')
    text = text.replace("max_batch = 1000", "max_batch = 0")
    text = text.replace("enabled = true", 'enabled = "sometimes"')
    text = 'colour = "blue"\n' + text  # a top-level key (appended, it would be sync.colour)
    bad = tmp_path / "bad.toml"
    bad.write_text(text)

    result = check(runner, str(bad))
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 5, lines
    assert all(line.startswith(f"{bad}: ") for line in lines)
    problems = {line.removeprefix(f"{bad}: ").split(":", 1)[0]: line for line in lines}
    assert set(problems) == {"origin", "listen", "limits.max_batch", "sync.enabled", "colour"}
    assert "colour: unknown key" in problems["colour"]
    assert "HOST:PORT" in problems["listen"]
    assert "greater than or equal to 1" in problems["limits.max_batch"]
    assert "bool" in problems["sync.enabled"]


def test_a_config_that_is_not_toml_fails_and_a_missing_one_is_bad_usage(
    runner: CliRunner, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text('origin = "lt.esfa.ncc\n')
    result = check(runner, str(broken))
    assert result.exit_code == 1
    assert "not valid TOML" in result.stderr
    result = check(runner, str(tmp_path / "nowhere.toml"))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert check(runner).exit_code == 2  # no home, no file


def test_environment_overrides_are_applied_and_checked(
    runner: CliRunner, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = {"FEDERATION_LISTEN": "127.0.0.1:9999", "FEDERATION_LIMITS__MAX_BATCH": "250"}
    result = check(runner, "--home", str(home), env=env)
    assert (result.exit_code, result.stdout) == (0, "ok\n")
    assert "limits.max_batch is set by $FEDERATION_LIMITS__MAX_BATCH" in result.stderr
    assert "listen is set by $FEDERATION_LISTEN" in result.stderr

    settings = load_settings(home / "federation.toml", env)
    assert (settings.listen, settings.port, settings.limits.max_batch) == (
        "127.0.0.1:9999",
        9999,
        250,
    )
    assert settings.sync.enabled is True  # untouched keys keep the file's values
    monkeypatch.setenv("FEDERATION_SYNC__ENABLED", "false")  # os.environ by default
    assert Home(home).load().sync.enabled is False
    monkeypatch.delenv("FEDERATION_SYNC__ENABLED")

    # a bad value from the environment names the variable; every command refuses it
    env = {"FEDERATION_LIMITS__MAX_BATCH": "lots", "FEDERATION_SYNC__INTERVAL": "-1"}
    result = check(runner, "--home", str(home), env=env)
    assert result.exit_code == 1
    assert "limits.max_batch (from $FEDERATION_LIMITS__MAX_BATCH): " in result.stderr
    assert "sync.interval (from $FEDERATION_SYNC__INTERVAL): " in result.stderr
    with pytest.raises(ConfigError, match="FEDERATION_LIMITS__MAX_BATCH"):
        load_settings(home / "federation.toml", env)
    status = runner.invoke(cli, ["peers", "list", "--home", str(home)], env=env)
    assert status.exit_code == 2
    assert "limits.max_batch" in status.stderr


def test_an_unknown_prefixed_variable_is_a_warning(runner: CliRunner, home: Path) -> None:
    env = {"FEDERATION_LISTN": "127.0.0.1:9999", "FEDERATION_HOME": str(home)}
    result = check(runner, env=env)  # the home from $FEDERATION_HOME, which is no config key
    assert (result.exit_code, result.stdout) == (0, "ok\n")
    assert result.stderr == "federation: warning: $FEDERATION_LISTN is not a config key (ignored)\n"
