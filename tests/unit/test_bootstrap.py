"""scripts/_bootstrap.sh, run for real against a stand-in Python that records what pip is asked
(a real install takes minutes): serve installs the runtime set, test the dev extra; each set is
installed once per pyproject.toml change; switching installs what is missing; old stamps count."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# `python3 -m venv DIR` makes DIR/bin/python, itself a stand-in: `-m pip install` is logged,
# `-c "import vecml_local"` succeeds once something was installed.
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = -m ] && [ "$2" = venv ]; then
    mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; chmod +x "$3/bin/python"; exit 0
fi
LOG="$(dirname "$0")/../pip.log"
if [ "$1" = -m ] && [ "$2" = pip ]; then echo "${@:3}" >> "$LOG"; exit 0; fi
if [ "$1" = -c ]; then grep -q -- "-e" "$LOG" 2>/dev/null; exit $?; fi
exit 1
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "clone"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "_bootstrap.sh", project / "scripts")
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    fake = tmp_path / "python3"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return project


def _run(project: Path, extras: str | None) -> list[str]:
    """Source the bootstrap as scripts/serve (extras "") or scripts/test (unset) do; the new pip calls."""
    log = project / ".venv" / "pip.log"
    before = log.read_text().splitlines() if log.exists() else []
    setting = "" if extras is None else f'VECML_BOOTSTRAP_EXTRAS="{extras}"; '
    env = {**os.environ, "PYTHON": str(project.parent / "python3")}
    env.pop("VECML_BOOTSTRAP_EXTRAS", None)
    subprocess.run(["bash", "-c", f'{setting}source "{project}/scripts/_bootstrap.sh"'], check=True, env=env)
    return [line for line in log.read_text().splitlines()[len(before) :] if " -e " in line]


def test_serve_is_lean_test_gets_dev_and_both_are_idempotent(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert _run(project, "") == [f"install --quiet -e {project}"]  # fresh clone, ./scripts/serve
    assert _run(project, "") == []
    assert _run(project, None) == [f"install --quiet -e {project}[dev]"]  # then ./scripts/test
    assert _run(project, None) == [] and _run(project, "") == []
    os.utime(project / "pyproject.toml", (2e9, 2e9))  # pyproject.toml changed
    assert _run(project, "") == [f"install --quiet -e {project}"]
    assert _run(project, None) == [f"install --quiet -e {project}[dev]"]


def test_a_venv_stamped_by_an_earlier_version_is_not_reinstalled_for_tests(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _run(project, None)
    (project / ".venv" / ".vecml-local-installed-dev").rename(project / ".venv" / ".vecml-local-installed")
    assert _run(project, None) == []
