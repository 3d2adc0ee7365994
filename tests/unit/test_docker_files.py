"""docker/Dockerfile, docker/compose.yaml and .dockerignore use only what the tests exercise.

No container engine runs here, so every command, setting, port and path in those
files is checked against the code, and the image's own entry point and
HEALTHCHECK command are run for real (outside a container) below.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from vecml_local.app import create_app
from vecml_local.cli import _parser
from vecml_local.config import Settings

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
COMPOSE = ROOT / "docker" / "compose.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"


# -- Dockerfile parsing -------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    joined, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        current += line
        joined.append(current)
        current = ""
    result = []
    for line in joined:
        word, _, rest = line.partition(" ")
        result.append((word.upper(), rest.strip()))
    return result


def _all(name: str) -> list[str]:
    return [rest for word, rest in _instructions() if word == name]


def _runtime_stage() -> list[tuple[str, str]]:
    """Instructions of the last stage (what the image is)."""
    instructions = _instructions()
    last_from = max(i for i, (word, _) in enumerate(instructions) if word == "FROM")
    return instructions[last_from:]


def _env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in _runtime_stage():
        if word == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def _exec_form(text: str) -> list[str]:
    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(part, str) for part in value), text
    return value


def _healthcheck_command() -> list[str]:
    (healthcheck,) = _all("HEALTHCHECK")
    assert " CMD " in f" {healthcheck} "
    return _exec_form(healthcheck.split("CMD", 1)[1].strip())


def _entry_command() -> list[str]:
    stage = dict((word, rest) for word, rest in _runtime_stage() if word in ("ENTRYPOINT", "CMD"))
    return _exec_form(stage["ENTRYPOINT"]) + _exec_form(stage["CMD"])


def _get_paths() -> set[str]:
    app = create_app(Settings())
    return {path for path, operations in app.openapi()["paths"].items() if "get" in operations}


def _vecml_settings(env: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in env.items() if k.startswith("VECML_LOCAL_")}


def _settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("VECML_LOCAL_"):
            monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


# -- Dockerfile ----------------------------------------------------------------


def test_multi_stage_build_installs_the_wheel_in_a_slim_runtime() -> None:
    froms = _all("FROM")
    assert len(froms) >= 2 and any(" AS build" in f for f in froms)
    assert "slim" in froms[-1]
    runtime = " ".join(rest for word, rest in _runtime_stage() if word == "RUN")
    assert "--no-index --find-links /wheels" in runtime and "build-essential" not in runtime
    name = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["name"]
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    for requirement in re.findall(r'"([^"]+\[[a-z,]+\])"', DOCKERFILE.read_text()):
        package, _, wanted = requirement.partition("[")
        assert package in (name, "."), requirement
        assert set(wanted.rstrip("]").split(",")) <= set(extras), requirement


def test_copied_files_exist_and_are_in_the_build_context() -> None:
    ignored = DOCKERIGNORE.read_text().splitlines()
    assert "*" in ignored, ".dockerignore is an allow-list"
    allowed = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for rest in _all("COPY"):
        if rest.startswith("--from="):
            continue
        *sources, _ = rest.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert source.rstrip("/") in allowed, f"{source} is excluded by .dockerignore"
    readme = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["readme"]
    assert readme in allowed, "the wheel build needs the readme"


def test_runs_as_a_non_root_user() -> None:
    users = [rest for word, rest in _runtime_stage() if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert "useradd" in DOCKERFILE.read_text()


def test_environment_names_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    env = _env()
    names = _vecml_settings(env)
    assert set(names) >= {"VECML_LOCAL_HOST", "VECML_LOCAL_DATA_DIR"}
    for name in names:
        assert name.removeprefix("VECML_LOCAL_").lower() in Settings.model_fields, name
    settings = _settings_from(names, monkeypatch)
    assert settings.host == "0.0.0.0" and settings.port == 8780 and str(settings.data_dir) == "/data"


def test_one_volume_for_the_data_dir_and_port_8780() -> None:
    (volume,) = _all("VOLUME")
    assert _exec_form(volume) == [_env()["VECML_LOCAL_DATA_DIR"]]
    assert _all("EXPOSE") == ["8780"] and Settings.model_fields["port"].default == 8780


def test_entry_point_is_the_cli_serve_command() -> None:
    command = _entry_command()
    assert command[0] == "vecml-local"
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["vecml-local"] == "vecml_local.cli:main"
    args = _parser().parse_args(command[1:])
    assert args.command == "serve"


def test_healthcheck_probes_ready() -> None:
    command = _healthcheck_command()
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)(/[a-z_/]*)", " ".join(command))
    assert urls == [("8780", "/ready")]
    assert "/ready" in _get_paths()


# -- compose -------------------------------------------------------------------


def _compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    return dict(yaml.safe_load(COMPOSE.read_text()))


def _interpolate(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: env.get(m.group(1), m.group(2)), value)


def test_compose_service(monkeypatch: pytest.MonkeyPatch) -> None:
    compose = _compose()
    service = compose["services"]["vecml-local"]
    assert (COMPOSE.parent / service["build"]["context"] / service["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert service["ports"] == ["127.0.0.1:8780:8780"]
    env = {name: _interpolate(str(value), {}) for name, value in service["environment"].items()}
    for name in env:
        assert name.removeprefix("VECML_LOCAL_").lower() in Settings.model_fields, name
    settings = _settings_from(env, monkeypatch)
    assert settings.port == 8780 and settings.host == "0.0.0.0"
    assert settings.resolved_database_url() == "sqlite:////data/vecml.db", "empty URL means SQLite in the volume"
    volume_name, _, mount = service["volumes"][0].partition(":")
    assert mount == str(settings.data_dir) and volume_name in compose["volumes"]
    assert service["healthcheck"]["test"] == ["CMD", *_healthcheck_command()]


def test_compose_postgres_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    compose = _compose()
    postgres = compose["services"]["postgres"]
    assert postgres["profiles"] == ["postgres"]
    assert compose["services"]["vecml-local"]["depends_on"]["postgres"]["required"] is False
    documented = re.search(r"VECML_LOCAL_DATABASE_URL=(\S+)", COMPOSE.read_text())
    assert documented, "the compose file shows the PostgreSQL URL to use"
    url = make_url(documented.group(1))
    assert url.drivername == "postgresql+psycopg" and url.host == "postgres"
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    assert url.database == postgres["environment"]["POSTGRES_DB"]
    assert url.password == _interpolate(postgres["environment"]["POSTGRES_PASSWORD"], {})
    url.get_dialect()  # the driver the image installs (extra `postgres`) is importable here too
    env = {
        name: _interpolate(str(value), {"VECML_LOCAL_DATABASE_URL": documented.group(1)})
        for name, value in compose["services"]["vecml-local"]["environment"].items()
    }
    assert _settings_from(env, monkeypatch).resolved_database_url().startswith("postgresql+psycopg://")


# -- the image's commands, run for real ---------------------------------------------


def test_entry_point_and_healthcheck_work_together(tmp_path: Path) -> None:
    """`vecml-local serve` with the image's environment (port 0, a temp data dir instead of
    /data) prints its Ready line; the HEALTHCHECK command then passes, and fails once stopped."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VECML_LOCAL_")}
    env.update(_vecml_settings(_env()))
    env.update({"VECML_LOCAL_PORT": "0", "VECML_LOCAL_DATA_DIR": str(tmp_path / "data")})
    command = _entry_command()
    executable = Path(sys.executable).parent / command[0]
    argv = (
        [str(executable), *command[1:]] if executable.exists() else [sys.executable, "-m", "vecml_local", *command[1:]]
    )
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        ready = ""
        deadline = time.monotonic() + 60
        for line in process.stdout:
            if line.startswith("Ready. API at http://0.0.0.0:"):
                ready = line.strip()
                break
            assert time.monotonic() < deadline, "no Ready line"
        assert ready, "server exited before it was ready"
        threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()  # type: ignore[union-attr]
        port = re.search(r":(\d+)/api$", ready).group(1)  # type: ignore[union-attr]
        probe = [
            sys.executable if part == "python" else part.replace(":8780/", f":{port}/")
            for part in _healthcheck_command()
        ]
        assert subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert subprocess.run(probe, capture_output=True, timeout=30).returncode != 0
