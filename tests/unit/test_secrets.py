"""No secret in what the operator's tools print."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_print_config_masks_the_database_password_and_the_admin_token(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "VECML_LOCAL_DATABASE_URL": "postgresql+psycopg://vecml:pw-Zq81@db.example:5432/vecml",
        "VECML_LOCAL_ADMIN_TOKEN": "admin-Zq82",
    }
    result = subprocess.run(
        [sys.executable, "-m", "vecml_local", "print-config", "--data-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "pw-Zq81" not in result.stdout and "admin-Zq82" not in result.stdout
    assert "VECML_LOCAL_DATABASE_URL=postgresql+psycopg://vecml:***@db.example:5432/vecml" in result.stdout
    assert "VECML_LOCAL_ADMIN_TOKEN=***" in result.stdout
