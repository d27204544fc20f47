"""The deployment files in deploy/ (no Docker engine needed).

compose.yaml is parsed and checked for the three-node federation it promises; every
`federation …` the files run must be a real click command with real options; the shell
scripts must parse (`bash -n`) and, run against a stub `federation`, do what compose needs
(init on first start, trust every other node, the LT–LV–EE peering); the systemd unit must
carry its hardening; nginx must pass the path through unchanged (docs/protocol.md §7.8).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
import pytest
import yaml

from federation.cli.main import cli

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
HOME = "/var/lib/federation"
VKEYS = "/var/lib/federation-vkeys"
ORIGINS = {"lt.esfa.ncc": "LT", "lv.sif.ncc": "LV", "ee.kusk.ncc": "EE"}
PEERING = {("lt.esfa.ncc", "lv.sif.ncc"), ("lv.sif.ncc", "ee.kusk.ncc")}
"""Undirected peer links of the compose federation; each is pulled both ways."""


# --- resolving `federation …` against the click command tree ------------------------------------


def resolve(words: list[str]) -> tuple[click.Command, list[str]]:
    """The command named by ``words`` (after ``federation``) and the words left over.

    Fails the test if a group is followed by something that is not one of its commands.
    """
    cmd: click.Command = cli
    rest = list(words)
    while isinstance(cmd, click.Group):
        assert rest, f"`federation {' '.join(words)}` names a group, not a command"
        sub = cmd.commands.get(rest[0])
        assert sub is not None, f"`federation {' '.join(words)}`: no command {rest[0]!r}"
        cmd, rest = sub, rest[1:]
    return cmd, rest


def check_invocation(words: list[str]) -> click.Command:
    """``words`` after ``federation`` name a real command, and every ``--option`` is its own."""
    cmd, rest = resolve(words)
    known = {opt for p in cmd.params for opt in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in rest:
        if word.startswith("--"):
            assert word.split("=", 1)[0] in known, f"`federation {' '.join(words)}`: {word}?"
    return cmd


_CALL = re.compile(r"(?<![\w/.$-])federation((?:[ \t]+[a-z][a-z-]*)+)")
_OPT = re.compile(r"(?<!\S)--[a-z][a-z-]*")


def shell_invocations(text: str) -> list[list[str]]:
    """``federation`` command lines in a shell script: [subcommand words…, --options…]."""
    text = text.replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            continue
        for m in _CALL.finditer(line):
            words = m.group(1).split()
            segment = re.split(r"[;|&)]", line[m.end() :], maxsplit=1)[0]
            out.append(words + _OPT.findall(segment))
    return out


def test_the_resolver_rejects_unknown_commands_and_options() -> None:
    check_invocation(["trust", "add", "--home", "VKEY"])
    for bad in (["trust"], ["trust", "plus"], ["nope"], ["init", "--origins"]):
        with pytest.raises(AssertionError):
            check_invocation(bad)
    assert shell_invocations('x=$(federation key show --home "$h")\n# federation nope\n') == [
        ["key", "show", "--home"]
    ]


# --- compose.yaml -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) for item in env)
    return {str(k): str(v) for k, v in env.items()}


def argv(value: Any) -> list[str]:
    return shlex.split(value) if isinstance(value, str) else [str(v) for v in value]


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path → volume name (short syntax ``name:/path[:ro]``)."""
    out = {}
    for v in service.get("volumes", []):
        source, target, *_ = v.split(":")
        out[target] = source
    return out


def nodes(compose: dict[str, Any]) -> dict[str, str]:
    """Service name → origin, for the services that run a node."""
    return {
        name: env_of(svc)["FEDERATION_ORIGIN"]
        for name, svc in compose["services"].items()
        if "FEDERATION_ORIGIN" in env_of(svc)
    }


def test_compose_runs_three_nodes_with_the_three_origins(compose: dict[str, Any]) -> None:
    by_service = nodes(compose)
    assert sorted(by_service.values()) == sorted(ORIGINS)
    declared = set(compose.get("volumes") or {})
    homes = set()
    for name, origin in by_service.items():
        svc = compose["services"][name]
        assert env_of(svc)["FEDERATION_COUNTRY"] == ORIGINS[origin]
        assert env_of(svc).get("FEDERATION_NAME")
        home = mounts(svc)[HOME]
        assert home in declared  # a named volume: the node survives `docker compose down`
        homes.add(home)
        assert mounts(svc)[VKEYS] in declared
        test = argv(svc["healthcheck"]["test"])
        assert test[0] in {"CMD", "CMD-SHELL"} and "/healthz" in " ".join(test)
        assert argv(svc["command"]) == ["federation", "serve"]
        assert svc["build"]["dockerfile"] == "deploy/Dockerfile"
    assert len(homes) == 3  # one home each


def test_every_federation_command_in_compose_is_real(compose: dict[str, Any]) -> None:
    seen = 0
    for svc in compose["services"].values():
        for key in ("command", "entrypoint"):
            if key not in svc:
                continue
            words = argv(svc[key])
            if words[0] == "federation":
                check_invocation(words[1:])
                seen += 1
            else:
                assert words[0] == "federation-wire", words
    assert seen == 3


def test_the_wire_service_waits_for_healthy_nodes_and_mounts_every_home(
    compose: dict[str, Any],
) -> None:
    wire = compose["services"]["federation-wire"]
    by_service = nodes(compose)
    assert argv(wire["entrypoint"]) == ["federation-wire"]
    assert wire["restart"] == "no"
    assert {k: v["condition"] for k, v in wire["depends_on"].items()} == dict.fromkeys(
        by_service, "service_healthy"
    )
    homes = env_of(wire)["WIRE_HOMES"]
    wire_mounts = mounts(wire)
    for name, origin in by_service.items():
        assert wire_mounts[f"{homes}/{origin}"] == mounts(compose["services"][name])[HOME]
    assert wire_mounts[VKEYS] == mounts(compose["services"]["lt"])[VKEYS]
    # the image installs deploy/wire.sh under that name
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^COPY deploy/wire\.sh /usr/local/bin/federation-wire$", dockerfile, re.M)


def wire_peers(compose: dict[str, Any]) -> set[tuple[str, str]]:
    """(puller origin, pulled origin) pairs from WIRE_PEERS, URLs mapped to services."""
    by_service = nodes(compose)
    pairs = set()
    for item in env_of(compose["services"]["federation-wire"])["WIRE_PEERS"].split():
        origin, url = item.split("=", 1)
        parts = urlsplit(url)
        assert parts.scheme == "http" and parts.port == 8470 and parts.path in ("", "/")
        pairs.add((origin, by_service[str(parts.hostname)]))
    return pairs


def test_the_wire_peering_is_lt_lv_ee_both_ways(compose: dict[str, Any]) -> None:
    expected = {(a, b) for a, b in PEERING} | {(b, a) for a, b in PEERING}
    assert wire_peers(compose) == expected


# --- shell scripts ------------------------------------------------------------------------------

SCRIPTS = ["wire.sh", "docker-entrypoint.sh"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_valid_shell(name: str) -> None:
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, "-n", str(DEPLOY / name)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert (DEPLOY / name).read_text(encoding="utf-8").startswith("#!/bin/sh\n")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("wire.sh", {"trust add", "peers add", "sync", "status"}),
        ("docker-entrypoint.sh", {"init", "key show"}),
    ],
)
def test_scripts_call_only_real_federation_commands(name: str, expected: set[str]) -> None:
    calls = shell_invocations((DEPLOY / name).read_text(encoding="utf-8"))
    names = set()
    for words in calls:
        cmd = check_invocation(words)
        names.add(" ".join(w for w in words if not w.startswith("--")).strip())
        assert cmd.name
    assert names == expected


def stub_federation(tmp_path: Path) -> tuple[Path, Path]:
    """A `federation` on PATH that logs its arguments (one call per line, tab-separated)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "calls.log"
    stub = bindir / "federation"
    stub.write_text(
        "#!/bin/sh\n"
        f'printf "%s\\t" "$@" >> "{log}"; echo >> "{log}"\n'
        'case "$1" in\n'
        '  init) mkdir -p "$FEDERATION_HOME"; touch "$FEDERATION_HOME/federation.toml";;\n'
        '  key) echo "$STUB_ORIGIN+01020304+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";;\n'
        "esac\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    return bindir, log


def calls(log: Path) -> list[list[str]]:
    return [line.rstrip("\t").split("\t") for line in log.read_text().splitlines()]


def run_script(
    name: str, env: dict[str, str], bindir: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    full = {"PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}", **env}
    return subprocess.run(
        ["sh", str(DEPLOY / name), *args],
        env=full,
        capture_output=True,
        text=True,
        check=False,
        timeout=30,
    )


def test_wire_trusts_every_other_node_and_adds_the_compose_peers(
    tmp_path: Path, compose: dict[str, Any]
) -> None:
    bindir, log = stub_federation(tmp_path)
    homes, vkeys = tmp_path / "homes", tmp_path / "vkeys"
    vkeys.mkdir()
    for origin in ORIGINS:
        (homes / origin).mkdir(parents=True)
        (vkeys / f"{origin}.vkey").write_text(f"{origin}+vkey\n")
    env = env_of(compose["services"]["federation-wire"])
    env.update(WIRE_HOMES=str(homes), VKEYS_DIR=str(vkeys))

    result = run_script("wire.sh", env, bindir)
    assert result.returncode == 0, result.stderr
    made = calls(log)
    for c in made:
        check_invocation(c)
    trusted = {(Path(c[3]).name, c[4]) for c in made if c[:3] == ["trust", "add", "--home"]}
    assert trusted == {(a, f"{b}+vkey") for a in ORIGINS for b in ORIGINS if a != b}
    by_service = nodes(compose)
    peered = {
        (Path(c[3]).name, by_service[str(urlsplit(c[4]).hostname)])
        for c in made
        if c[:3] == ["peers", "add", "--home"]
    }
    assert peered == wire_peers(compose)
    syncs = [Path(c[2]).name for c in made if c[:2] == ["sync", "--home"]]
    assert sorted(syncs) == sorted([*ORIGINS, *ORIGINS])  # two rounds: LT, EE are 2 hops apart


def test_wire_refuses_when_a_node_has_not_published_its_key(tmp_path: Path) -> None:
    bindir, log = stub_federation(tmp_path)
    homes, vkeys = tmp_path / "homes", tmp_path / "vkeys"
    vkeys.mkdir()
    for origin in ORIGINS:
        (homes / origin).mkdir(parents=True)
    (vkeys / "lt.esfa.ncc.vkey").write_text("lt.esfa.ncc+vkey\n")
    result = run_script("wire.sh", {"WIRE_HOMES": str(homes), "VKEYS_DIR": str(vkeys)}, bindir)
    assert result.returncode == 1 and "no verifier key" in result.stderr
    assert not log.exists()


def test_the_entrypoint_inits_on_first_start_only_and_publishes_the_vkey(
    tmp_path: Path, compose: dict[str, Any]
) -> None:
    bindir, log = stub_federation(tmp_path)
    home, vkeys = tmp_path / "home", tmp_path / "vkeys"
    vkeys.mkdir()
    env = env_of(compose["services"]["lv"])
    env.update(FEDERATION_HOME=str(home), VKEYS_DIR=str(vkeys), STUB_ORIGIN="lv.sif.ncc")

    first = run_script("docker-entrypoint.sh", env, bindir, "sh", "-c", "echo ran $0", "serve")
    assert first.returncode == 0, first.stderr
    assert first.stdout.endswith("ran serve\n")
    made = calls(log)
    assert made[0] == [
        "init",
        "--origin",
        "lv.sif.ncc",
        "--country",
        "LV",
        "--name",
        "Society Integration Foundation (SIF)",
        "--listen",
        "0.0.0.0:8470",
    ]
    assert made[1] == ["key", "show"]
    for c in made:
        check_invocation(c)
    assert (vkeys / "lv.sif.ncc.vkey").read_text().startswith("lv.sif.ncc+01020304+")

    log.unlink()
    again = run_script("docker-entrypoint.sh", env, bindir, "true")
    assert again.returncode == 0, again.stderr
    assert calls(log) == [["key", "show"]]  # the home exists: no second init

    no_origin = {k: v for k, v in env.items() if k != "FEDERATION_ORIGIN"}
    no_origin["FEDERATION_HOME"] = str(tmp_path / "empty")
    refused = run_script("docker-entrypoint.sh", no_origin, bindir, "true")
    assert refused.returncode == 2 and "FEDERATION_ORIGIN" in refused.stderr


# --- Dockerfile ---------------------------------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            op, _, arg = line.strip().partition(" ")
            out.append((op.upper(), arg.strip()))
    return out


def test_the_dockerfile_runs_the_node_unprivileged_with_a_volume_and_healthcheck() -> None:
    ins = dockerfile_instructions()
    ops: dict[str, list[str]] = {}
    for op, arg in ins:
        ops.setdefault(op, []).append(arg)
    base = re.fullmatch(r"python:3\.(\d+)-slim(?: AS \w+)?", ops["FROM"][-1])
    assert base is not None and int(base.group(1)) >= 11
    assert ops["USER"][-1] not in {"root", "0"}
    assert any(HOME in v for v in ops["VOLUME"])
    assert any(f"FEDERATION_HOME={HOME}" in v for v in ops["ENV"])
    assert ops["EXPOSE"] == ["8470"]
    (health,) = ops["HEALTHCHECK"]
    assert "/healthz" in health and "urllib" in health and "curl" not in health
    cmd = argv(yaml.safe_load(ops["CMD"][-1]))
    assert cmd[0] == "federation"
    assert check_invocation(cmd[1:]).name == "serve"
    assert any("pip install" in v and v.rstrip().endswith(" .") for v in ops["RUN"])
    entry = yaml.safe_load(ops["ENTRYPOINT"][-1])
    assert entry == ["docker-entrypoint.sh"]
    assert "deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh" in ops["COPY"]


# --- systemd ------------------------------------------------------------------------------------


def unit_settings() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for line in (DEPLOY / "federation.service").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";", "[")):
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def test_the_systemd_unit_is_hardened() -> None:
    s = unit_settings()
    assert s.get("User") == ["federation"] or s.get("DynamicUser") == ["yes"]
    assert s["StateDirectory"] == ["federation"]
    assert s["Environment"] == [f"FEDERATION_HOME={HOME}"]
    assert s["ReadWritePaths"] == [HOME]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "NoNewPrivileges": "yes",
        "Restart": "on-failure",
        "CapabilityBoundingSet": "",
    }.items():
        assert s[key] == [value], key
    assert s["RestrictAddressFamilies"][0].split() == ["AF_INET", "AF_INET6", "AF_UNIX"]
    assert "@system-service" in s["SystemCallFilter"]
    exec_start = shlex.split(s["ExecStart"][0])
    assert Path(exec_start[0]).name == "federation"
    assert check_invocation(exec_start[1:]).name == "serve"


# --- nginx --------------------------------------------------------------------------------------


def nginx_text() -> str:
    lines = (DEPLOY / "nginx.conf").read_text(encoding="utf-8").splitlines()
    return "\n".join(line.split("#", 1)[0] for line in lines)


def test_nginx_passes_the_path_and_query_unchanged() -> None:
    text = nginx_text()
    targets = re.findall(r"\bproxy_pass\s+([^;]+);", text)
    assert targets
    for target in targets:
        parts = urlsplit(target.strip())
        # no URI part: nginx then passes the request URI exactly as the client sent it
        assert (parts.scheme, parts.netloc) == ("http", "127.0.0.1:8470"), target
        assert parts.path == "" and not parts.query, target
    assert not re.search(r"\brewrite\b", text)
    assert "proxy_pass_request_headers off" not in text
    assert not re.search(r"proxy_set_header\s+Signature", text, re.I)  # passed as received
    assert re.search(r"proxy_set_header\s+Host\s+\$host;", text)
    assert re.search(r"proxy_set_header\s+X-Forwarded-For\s+\$proxy_add_x_forwarded_for;", text)
    assert re.search(r"listen\s+443\s+ssl", text)


def test_nginx_keeps_the_admin_api_local() -> None:
    m = re.search(r"location\s+(?:\^~\s+)?/admin\s*\{([^}]*)\}", nginx_text())
    assert m is not None
    block = [s.strip() for s in m.group(1).split(";") if s.strip()]
    assert "allow 127.0.0.1" in block
    assert block.index("deny all") > block.index("allow 127.0.0.1")
