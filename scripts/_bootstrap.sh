# Sourced by scripts/serve (runtime dependencies only) and by scripts/test and scripts/lint
# (the `dev` extra: pytest, ruff, FLAML, ...): make ./.venv with the project installed.
# The caller picks the set with VECML_BOOTSTRAP_EXTRAS ("" = runtime only; unset = dev).
# Idempotent: each set has its own stamp and is reinstalled only when pyproject.toml changed
# since it was installed; switching between serve and test installs only what is missing.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
EXTRAS="${VECML_BOOTSTRAP_EXTRAS-dev}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
STAMP="$VENV/.vecml-local-installed-${EXTRAS:-runtime}"
if [ "$EXTRAS" = dev ] && [ -f "$VENV/.vecml-local-installed" ] && [ ! -f "$STAMP" ]; then
    mv "$VENV/.vecml-local-installed" "$STAMP"  # the single stamp of earlier versions meant dev
fi
TARGET="$ROOT${EXTRAS:+[$EXTRAS]}"
if [ ! -f "$STAMP" ] || [ "$ROOT/pyproject.toml" -nt "$STAMP" ] || ! "$VENV/bin/python" -c "import vecml_local" 2>/dev/null; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet -e "$TARGET"
    touch "$STAMP"
fi
export PATH="$VENV/bin:$PATH"
