"""vecml_local.testing: LocalServer's life cycle and a plugin that needs no dev dependency."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from vecml_local.testing import LocalServer, new_api_key


def _get(url: str) -> dict:  # type: ignore[type-arg]
    with urllib.request.urlopen(url, timeout=30) as response:
        return dict(json.loads(response.read()))


def test_context_manager_serves_the_api_on_a_free_port() -> None:
    with LocalServer() as server:
        assert server.running and server.port > 0
        assert server.url == f"http://127.0.0.1:{server.port}/api"
        assert _get(server.root_url + "/health")["status"] == "ok"
        data_dir = server.data_dir
        assert data_dir is not None and (data_dir / "vecml.db").exists()
    assert not server.running
    assert not data_dir.exists(), "the temporary data dir is removed on stop()"
    with pytest.raises(RuntimeError):
        _ = server.url


def test_start_stop_with_own_data_dir_keeps_data(tmp_path: Path) -> None:
    key = new_api_key()
    server = LocalServer(tmp_path / "data").start()
    try:
        assert server.start() is server, "start() twice is harmless"
        request = urllib.request.Request(
            server.url + "/create_project",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"user_api_key": key, "project_name": "kept", "application": "x"}).encode(),
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["success"] is True
    finally:
        server.stop()
    with LocalServer(tmp_path / "data") as again:
        assert again.info()["settings"]["data_dir"] == str(tmp_path / "data")
        assert again.reset(key)["projects_deleted"] == 1


def test_settings_keywords_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VECML_LOCAL_WORKERS", "3")
    monkeypatch.setenv("VECML_LOCAL_PORT", "1")  # ignored: LocalServer always picks a free port
    with LocalServer(job_min_polls=2) as server:
        settings = server.info()["settings"]
        assert settings["job_min_polls"] == 2 and settings["workers"] == 3
        assert server.port != 1


def test_keys_are_fresh() -> None:
    keys = {new_api_key() for _ in range(100)}
    assert len(keys) == 100


def test_plugin_loads_with_runtime_dependencies_only() -> None:
    """Without the `dev` extra there is no httpx/requests: the plugin and LocalServer still work."""
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('httpx', 'requests', 'psutil', 'flaml'):\n"
        "            raise ImportError('blocked: ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import vecml_local.testing.pytest_plugin as plugin\n"
        "from vecml_local.testing import LocalServer\n"
        "with LocalServer() as server:\n"
        "    assert server.info()['success']\n"
        "print('fixtures', plugin.vecml_server.__name__, plugin.vecml_api_key.__name__)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "fixtures" in result.stdout


def test_plugin_is_registered_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="pytest11") if ep.name == "vecml_local"]
    assert found and found[0].value == "vecml_local.testing.pytest_plugin"


def test_fixture_names_do_not_clash_with_the_project_fixtures(request: pytest.FixtureRequest) -> None:
    manager = request.config.pluginmanager
    plugin = manager.get_plugin("vecml_local")
    assert plugin is not None, "loaded in our own run too, through the entry point"
    names = {name for name in dir(plugin) if name.startswith("vecml_")}
    assert names == {"vecml_server", "vecml_api_key"}
    assert not names & {"client", "api", "server", "collection"}


def test_keys_mode_registers_fresh_keys() -> None:
    with LocalServer(auth="keys") as server:
        key = server.new_api_key()
        request = urllib.request.Request(
            server.url + "/list_projects",
            method="POST",
            headers={"Content-Type": "application/json"},
            data=json.dumps({"user_api_key": key}).encode(),
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read()) == {"success": True, "projects": []}
        assert server.reset(key)["success"] is True
        assert server.reset(new_api_key())["success"] is False, "an unregistered key is refused"


def test_set_job_min_polls() -> None:
    with LocalServer() as server:
        assert server.set_job_min_polls(4) == {"success": True, "job_min_polls": 4}
        assert server.info()["settings"]["job_min_polls"] == 4
