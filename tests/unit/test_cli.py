"""The console script: keys create/list/revoke and print-config, as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vecml_local", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_keys_create_list_revoke(tmp_path: Path) -> None:
    created = _cli("keys", "create", "--label", "ci", "--data-dir", str(tmp_path))
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("vml_") and "shown once" in created.stderr
    fingerprint = created.stderr.split()[1]
    listing = _cli("keys", "list", "--data-dir", str(tmp_path))
    assert fingerprint in listing.stdout and "active" in listing.stdout and key not in listing.stdout
    assert _cli("keys", "revoke", fingerprint, "--data-dir", str(tmp_path)).returncode == 0
    assert "revoked" in _cli("keys", "list", "--data-dir", str(tmp_path)).stdout
    assert _cli("keys", "revoke", fingerprint, "--data-dir", str(tmp_path)).returncode == 1


def test_print_config_reads_environment_and_flags(tmp_path: Path) -> None:
    result = _cli(
        "print-config", "--data-dir", str(tmp_path), env={"VECML_LOCAL_PORT": "9999", "VECML_LOCAL_AUTH": "keys"}
    )
    assert result.returncode == 0, result.stderr
    assert "VECML_LOCAL_PORT=9999" in result.stdout and "VECML_LOCAL_AUTH=keys" in result.stdout
    assert f"VECML_LOCAL_DATA_DIR={tmp_path}" in result.stdout
