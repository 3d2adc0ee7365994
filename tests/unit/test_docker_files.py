"""docker/Dockerfile, docker/compose.yaml and .dockerignore use only what the tests exercise.

Every command, setting, port and path in those files is checked against the code,
and the image's entry point, HEALTHCHECK command and the compose file's
database-choosing entrypoint are run for real (outside a container) below. The
image and compose file themselves are built and run by scripts/ci/containers.sh
(the container stage of .ci/run).
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

from vecml_local import healthcheck
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


def _venv() -> str:
    """The virtual environment the build stage creates and the runtime stage copies whole."""
    (venv,) = re.findall(r"python -m venv (\S+)", " ".join(_all("RUN")))
    return venv


def test_multi_stage_build_copies_one_venv_into_a_slim_runtime() -> None:
    """Each file is in the image once: the runtime stage copies the installed venv and deletes
    nothing it copied (a deleted file would stay in the COPY layer: the 1.45 GB image)."""
    froms = _all("FROM")
    assert len(froms) >= 2 and any(" AS build" in f for f in froms)
    assert "slim" in froms[-1]
    venv = _venv()
    runtime = _runtime_stage()
    copies = [rest for word, rest in runtime if word == "COPY"]
    assert copies == [f"--from=build {venv} {venv}"]
    runs = " ".join(rest for word, rest in runtime if word == "RUN")
    assert "pip install" not in runs and "build-essential" not in runs
    assert not re.search(rf"\b(rm|pip uninstall)\b[^&;]*{re.escape(venv)}", runs), "deletes what it copied"
    assert f"{venv}/bin" in _env()["PATH"].split(":")
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


def test_numba_kernels_compile_at_build_time_into_a_cache_the_user_owns() -> None:
    """numba only uses a cache directory it can write to: the server's user must own it, and the
    warm-up must run as that user (after USER), so the files it writes are that user's too."""
    runtime = _runtime_stage()
    cache = _env()["NUMBA_CACHE_DIR"]
    assert not cache.startswith(_env()["VECML_LOCAL_DATA_DIR"]), "the data volume would hide it"
    user_at = max(i for i, (word, _) in enumerate(runtime) if word == "USER")
    (chown,) = [rest for word, rest in runtime[:user_at] if word == "RUN" and cache in rest]
    assert re.search(rf"chown (\S+ )*vecml:vecml( \S+)* {re.escape(cache)}\b", chown)
    warmups = [i for i, (word, rest) in enumerate(runtime) if word == "RUN" and "vecml-local warmup" in rest]
    assert warmups and all(i > user_at for i in warmups)


def test_shared_host_settings() -> None:
    assert _env()["OMP_WAIT_POLICY"] == "PASSIVE"


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


def test_healthcheck_is_the_cli_command_and_names_no_port() -> None:
    """A port written into the HEALTHCHECK made `serve --port N` containers unhealthy."""
    command = _healthcheck_command()
    assert command[0] == "vecml-local"
    assert _parser().parse_args(command[1:]).command == "healthcheck"
    assert not re.search(r"\b8780\b|--port", " ".join(command))
    assert "/ready" in _get_paths()


def _fake_proc(tmp_path: Path, processes: dict[int, tuple[list[str], dict[str, str] | None]]) -> Path:
    proc = tmp_path / "proc"
    for pid, (argv, environ) in processes.items():
        (proc / str(pid)).mkdir(parents=True)
        (proc / str(pid) / "cmdline").write_bytes(b"\0".join(a.encode() for a in argv) + b"\0")
        if environ is not None:
            (proc / str(pid) / "environ").write_bytes(b"\0".join(f"{k}={v}".encode() for k, v in environ.items()))
    (proc / "self").mkdir()
    return proc


def test_healthcheck_probes_the_port_the_server_was_given(tmp_path: Path) -> None:
    image_env = _vecml_settings(_env())
    script = ["/opt/vecml-local/bin/python", "/opt/vecml-local/bin/vecml-local"]
    cases = [
        ([*script, "serve"], image_env, "http://127.0.0.1:8780/ready"),
        ([*script, "serve", "--port", "9000"], image_env, "http://127.0.0.1:9000/ready"),
        ([*script, "serve"], {**image_env, "VECML_LOCAL_PORT": "8792"}, "http://127.0.0.1:8792/ready"),
        (["python", "-m", "vecml_local", "serve", "--host", "::", "--port=81"], {}, "http://[::1]:81/ready"),
    ]
    for argv, environ, url in cases:
        proc = _fake_proc(
            tmp_path / str(len(argv)) / url.replace("/", "_"), {7: ([*script, "healthcheck"], {}), 9: (argv, environ)}
        )
        found = healthcheck.find_serve(proc)
        assert found is not None and found[0][0] == "serve", argv
        assert healthcheck.probe_url(*found) == url, argv
    unreadable = _fake_proc(tmp_path / "other-user", {3: ([*script, "serve", "--port", "9001"], None)})
    assert healthcheck.find_serve(unreadable) == (["serve", "--port", "9001"], None)
    assert healthcheck.find_serve(_fake_proc(tmp_path / "none", {4: (["bash"], {})})) is None


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
    (ports,) = service["ports"]
    assert _interpolate(ports, {}) == "127.0.0.1:8780:8780"
    assert _interpolate(ports, {"VECML_LOCAL_HOST_PORT": "18780"}) == "127.0.0.1:18780:8780", "host port is a variable"
    env = {name: _interpolate(str(value), {}) for name, value in service["environment"].items()}
    for name in env:
        if name.startswith("VECML_LOCAL_"):
            assert name.removeprefix("VECML_LOCAL_").lower() in Settings.model_fields, name
    settings = _settings_from(_vecml_settings(env), monkeypatch)
    assert settings.port == 8780 and settings.host == "0.0.0.0"
    assert settings.resolved_database_url() == "sqlite:////data/vecml.db", "empty URL means SQLite in the volume"
    volume_name, _, mount = service["volumes"][0].partition(":")
    assert mount == str(settings.data_dir) and volume_name in compose["volumes"]
    assert service["healthcheck"]["test"] == ["CMD", *_healthcheck_command()]
    assert _parser().parse_args(service["command"]).command == "serve"


def test_compose_app_starts_alone_without_the_postgres_profile() -> None:
    """Compose 1.29 would not start the app without the profile: its dependency must be optional."""
    compose = _compose()
    assert compose["services"]["postgres"]["profiles"] == ["postgres", "cluster"]
    assert "profiles" not in compose["services"]["vecml-local"]
    dependency = compose["services"]["vecml-local"]["depends_on"]["postgres"]
    assert dependency == {"condition": "service_healthy", "required": False}


def _entrypoint_run(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The compose file's entrypoint script, `$$` unescaped as Compose does, ending in a stand-in
    `vecml-local` that prints the database URL it was given."""
    service = _compose()["services"]["vecml-local"]
    shell, flag, script, name = service["entrypoint"]
    assert (shell, flag, name) == ("/bin/sh", "-c", "vecml-local")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    fake = bin_dir / "vecml-local"
    fake.write_text('#!/bin/sh\necho "url=${VECML_LOCAL_DATABASE_URL:-} args=$*"\n')
    fake.chmod(0o755)
    full = {**env, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VECML_LOCAL_DATA_DIR": str(tmp_path / "data")}
    argv = [shell, flag, script.replace("$$", "$"), name, *service["command"]]
    return subprocess.run(argv, env=full, capture_output=True, text=True, timeout=30)


def test_compose_postgres_profile_wires_the_database_url(tmp_path: Path) -> None:
    """Under the profile the app uses the postgres service without a hand-exported URL; without it,
    SQLite; the choice sticks to the volume instead of quietly switching databases."""
    import shutil

    if shutil.which("getent") is None:
        pytest.skip("getent (glibc's libc-bin) is not on this machine")
    compose = _compose()
    postgres = compose["services"]["postgres"]
    env = {k: _interpolate(str(v), {}) for k, v in compose["services"]["vecml-local"]["environment"].items()}
    url = make_url(env["COMPOSE_POSTGRES_URL"])
    assert url.drivername == "postgresql+psycopg" and url.host == env["COMPOSE_POSTGRES_HOST"] == "postgres"
    assert url.host in compose["services"] and url.port == 5432
    assert url.username == postgres["environment"]["POSTGRES_USER"]
    assert url.database == postgres["environment"]["POSTGRES_DB"]
    assert url.password == _interpolate(postgres["environment"]["POSTGRES_PASSWORD"], {})
    url.get_dialect()  # the driver the image installs (extra `postgres`) is importable here too

    (tmp_path / "data").mkdir()
    absent = {**env, "COMPOSE_POSTGRES_HOST": "no-such-service.invalid"}
    present = {**env, "COMPOSE_POSTGRES_HOST": "localhost"}  # resolves, as the service name does in compose

    sqlite = _entrypoint_run(tmp_path, absent)
    assert sqlite.returncode == 0 and sqlite.stdout.splitlines()[-1] == "url= args=serve", sqlite.stderr
    (tmp_path / "data" / "vecml.db").touch()
    refused = _entrypoint_run(tmp_path, present)
    assert refused.returncode == 1 and "holds SQLite metadata" in refused.stderr

    (tmp_path / "data" / "vecml.db").unlink()
    chosen = _entrypoint_run(tmp_path, present)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stdout.splitlines()[-1] == f"url={env['COMPOSE_POSTGRES_URL']} args=serve"
    stuck = _entrypoint_run(tmp_path, absent)
    assert stuck.returncode == 1 and "--profile postgres" in stuck.stderr
    (tmp_path / "data" / "vecml.db").touch()  # an `exec`'d command wrote SQLite next to PostgreSQL's marker
    warned = _entrypoint_run(tmp_path, present)
    assert warned.returncode == 0 and "docker compose run --rm" in warned.stderr
    assert warned.stdout.splitlines()[-1] == f"url={env['COMPOSE_POSTGRES_URL']} args=serve"

    own = _entrypoint_run(tmp_path, {**absent, "VECML_LOCAL_DATABASE_URL": "postgresql+psycopg://u@db/x"})
    assert own.returncode == 0 and own.stdout.splitlines()[-1] == "url=postgresql+psycopg://u@db/x args=serve"


def test_compose_cluster_profile_runs_scheduler_and_workers_from_the_app_image() -> None:
    """The `cluster` profile: PostgreSQL, a scheduler and workers from the app's image, the workers on
    the app's data volume at the same path (they read segments from it), the app's dependency optional."""
    compose = _compose()
    services, app = compose["services"], compose["services"]["vecml-local"]
    for name in ("dask-scheduler", "dask-worker"):
        assert services[name]["profiles"] == ["cluster"] and services[name]["image"] == app["image"]
    assert services["dask-worker"]["volumes"] == app["volumes"]
    assert _interpolate(str(services["dask-worker"]["deploy"]["replicas"]), {}) == "2"
    assert "tcp://dask-scheduler:8786" in services["dask-worker"]["command"]
    assert app["depends_on"]["dask-scheduler"] == {"condition": "service_healthy", "required": False}
    assert app["environment"]["COMPOSE_DASK_HOST"] == "dask-scheduler"
    assert "cluster" in DOCKERFILE.read_text(), "the image installs the `cluster` extra"


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
        # The explicit --port: other servers may run on this machine (its own is found in a container).
        probe = [*argv[: len(argv) - len(command) + 1], *_healthcheck_command()[1:], "--port", port]
        assert subprocess.run(probe, capture_output=True, timeout=30).returncode == 0
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert subprocess.run(probe, capture_output=True, timeout=30).returncode != 0


# -- the container stage of CI -----------------------------------------------------------


def test_ci_runs_the_container_stage_time_bounded() -> None:
    stage = ROOT / "scripts" / "ci" / "containers.sh"
    text = stage.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert subprocess.run(["bash", "-n", str(stage)], capture_output=True).returncode == 0
    assert "trap cleanup EXIT" in text and "STAGE SKIPPED" in text, "cleans up; never skips silently"
    assert "docker/Dockerfile" in text and "docker/compose.yaml" in text
    (call,) = [
        line
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if "scripts/ci/containers.sh" in line and not line.startswith("#") and "echo" not in line
    ]
    assert re.match(r"timeout (--kill-after=\d+ )?\d+ bash scripts/ci/containers\.sh$", call.strip())
