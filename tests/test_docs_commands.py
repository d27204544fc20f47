"""Every ``federation …`` command shown in README.md, docs/ and deploy/README.md exists.

The command lines are taken from the fenced shell blocks of the documents and parsed by the
real click command tree (subcommands, options and arguments), so a renamed command or option
makes the docs fail here rather than on an operator's terminal.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from federation.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "deploy" / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"```(?:sh|bash|console|shell)\n(.*?)```", re.S)


def command_lines() -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for doc in DOCS:
        if not doc.exists():
            continue
        for block in FENCE.findall(doc.read_text(encoding="utf-8")):
            joined = block.replace("\\\n", " ")
            for line in joined.splitlines():
                line = line.strip().removeprefix("$ ")
                if line.startswith("federation "):
                    out.append((f"{doc.relative_to(ROOT)}: {line}", line))
    return out


LINES = command_lines()


def test_the_docs_show_commands() -> None:
    assert len(LINES) > 30  # README, operator, admin, auditor, portal, deploy guides


def _words(line: str) -> list[str]:
    # drop shell syntax after the command: comments, pipes, redirections, background
    line = re.split(r"\s(?:#|\||&&|>|2>|&$)", line, maxsplit=1)[0]
    line = line.replace("$(", "(").replace('"$', '"')
    words = shlex.split(line, comments=True)[1:]
    return [w for w in words if w != "&"]


@pytest.mark.parametrize(("where", "line"), LINES, ids=[w for w, _ in LINES])
def test_documented_command_exists(where: str, line: str) -> None:
    words = [w.strip("[]") for w in _words(line)]
    command: click.Command = cli
    path = ["federation"]
    while isinstance(command, click.Group):
        assert words, f"{where}: {' '.join(path)} needs a subcommand"
        name = words.pop(0)
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f"{where}: {' '.join(path)} has no command {name!r}"
        command, path = sub, [*path, name]
    known = {"--help", "-h"}
    for p in command.params:
        known |= set(getattr(p, "opts", [])) | set(getattr(p, "secondary_opts", []))
    for word in words:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert option in known, f"{where}: {' '.join(path)} has no option {option}"
