"""`.ci/run` and the GitHub workflow: the same script, valid bash, both database passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CI_RUN = ROOT / ".ci" / "run"
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def test_ci_run_is_valid_strict_bash() -> None:
    text = CI_RUN.read_text()
    assert text.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in text
    assert subprocess.run(["bash", "-n", str(CI_RUN)], capture_output=True).returncode == 0


def test_ci_run_runs_the_suite_on_sqlite_then_postgresql() -> None:
    text = CI_RUN.read_text()
    sqlite_pass = text.index("run_tests\n")
    postgres_pass = text.index('run_tests tests/api tests/unit/jobs tests/unit/storage -m "not slow"')
    assert sqlite_pass < postgres_pass
    assert "./scripts/test" in text and '"$code" -eq 5' in text, "exit code 5 (no tests) is not a failure"
    assert 'VECML_LOCAL_TEST_DATABASE_URL="postgresql+psycopg://' in text
    assert "trap stop_pg EXIT" in text and "runuser -u postgres" in text
    assert "apt-get install -y" in text and "/usr/lib/postgresql/*/bin" in text


def test_workflow_runs_the_same_script() -> None:
    yaml = pytest.importorskip("yaml")
    workflow = yaml.safe_load(WORKFLOW.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert [step["run"] for step in steps if "run" in step] == ["bash .ci/run"]
