"""DESIGN §2: data flows one way. api -> schemas, services; services -> ingest, storage,
ml, jobs; ingest and ml import neither storage nor FastAPI; nothing imports api."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "vecml_local"

FORBIDDEN = {
    "ingest": (
        "vecml_local.storage",
        "vecml_local.services",
        "vecml_local.api",
        "vecml_local.jobs",
        "fastapi",
        "starlette",
    ),
    "ml": (
        "vecml_local.storage",
        "vecml_local.services",
        "vecml_local.api",
        "vecml_local.jobs",
        "fastapi",
        "starlette",
    ),
    "storage": ("vecml_local.services", "vecml_local.api", "fastapi", "starlette"),
    "jobs": ("vecml_local.services", "vecml_local.api", "fastapi", "starlette"),
    "services": ("vecml_local.api", "fastapi", "starlette"),
    "ui": ("vecml_local.storage", "vecml_local.ingest", "vecml_local.ml", "vecml_local.jobs", "vecml_local.api"),
    "schemas": ("vecml_local.services", "vecml_local.storage", "vecml_local.api"),
}
HEAVY = ("lightgbm", "openTSNE", "hdbscan")


def _imports(path: Path) -> list[tuple[str, int, bool]]:
    """(absolute module, line, at module top level) for every import in a file."""
    tree = ast.parse(path.read_text())
    package = ".".join(("vecml_local",) + path.relative_to(PACKAGE).with_suffix("").parts[:-1])
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, node.lineno, id(node) in top_level))
    return found


def test_layers_import_only_downwards() -> None:
    problems = []
    for path in PACKAGE.rglob("*.py"):
        layer = path.relative_to(PACKAGE).parts[0]
        for module, line, _ in _imports(path):
            if layer != "api" and module.startswith("vecml_local.api") and path.name != "app.py":
                problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
            for prefix in FORBIDDEN.get(layer, ()):
                if module == prefix or module.startswith(prefix + "."):
                    problems.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert not problems, "\n".join(problems)


def test_heavy_libraries_are_imported_lazily() -> None:
    problems = [
        f"{path.relative_to(PACKAGE)}:{line} imports {module} at module level"
        for path in PACKAGE.rglob("*.py")
        for module, line, top in _imports(path)
        if top and module.split(".")[0] in HEAVY
    ]
    assert not problems, "\n".join(problems)
