"""``federation config check``: say what is wrong with a config file, all of it at once."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from federation.cli.common import EXIT_FAILED, get_home, handle_errors, home_option
from federation.config import ConfigError, check_config


@click.group("config")
def config() -> None:
    """The node's configuration file, federation.toml (see docs/config.md)."""


@config.command("check")
@home_option
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@handle_errors
def config_check(home: Path | None, file: Path | None) -> None:
    """Check FILE (default: the home's federation.toml) as `serve` would read it.

    FEDERATION_<KEY> environment variables (FEDERATION_<TABLE>__<KEY> for a key of a table)
    override the file's keys here as everywhere. Prints "ok" and exits 0, or prints every
    wrong key and why, one per line on stderr, and exits 1. Environment variables with the
    prefix that are no config key are reported as warnings.
    """
    path = file if file is not None else get_home(home).config_path
    if not path.exists():
        raise ConfigError(f"{path} does not exist")
    check = check_config(path)
    for warning in check.warnings:
        click.echo(f"federation: warning: {warning}", err=True)
    for key, var in sorted(check.from_env.items()):
        click.echo(f"federation: {key} is set by ${var}", err=True)
    if check.problems:
        for problem in check.problems:
            click.echo(f"{path}: {problem}", err=True)
        sys.exit(EXIT_FAILED)
    click.echo("ok")
