"""docs/api-coverage.md is generated from the app's routes and lists every spec endpoint."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "spec" / "vecml-api.md"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_api_coverage", ROOT / "scripts" / "gen_api_coverage.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


def _table_endpoints(text: str, section: str) -> dict[str, str]:
    body = text.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in body.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        found = [c for c in cells if re.fullmatch(r"`/[A-Za-z_]+`", c)]
        if found:
            rows[found[0].strip("`/")] = cells
    return {name: " | ".join(cells) for name, cells in rows.items()}


def test_committed_table_matches_the_routes() -> None:
    committed = gen.OUTPUT.read_text()
    assert committed == gen.render(), (
        "docs/api-coverage.md is out of date with the app's routes: run `python scripts/gen_api_coverage.py`"
    )


def test_a_new_route_changes_the_table() -> None:
    routes = gen.collect_routes()
    with_new = gen.render(routes + [("/api/brand_new_endpoint", "POST", "vecml_local.api.extra", "")])
    assert with_new != gen.render(routes)
    assert "brand_new_endpoint" in _table_endpoints(with_new, "Extensions under /api")


def test_every_api_route_is_in_the_table() -> None:
    text = gen.OUTPUT.read_text()
    listed = set(_table_endpoints(text, "VecML endpoints")) | set(_table_endpoints(text, "Extensions under /api"))
    served = {path.removeprefix("/api/") for path, *_ in gen.collect_routes() if path.startswith("/api/")}
    assert served <= listed
    for path, *_ in gen.collect_routes():
        if not path.startswith("/api/"):
            assert f"`{path}`" in text


def test_status_follows_the_routes() -> None:
    text = gen.OUTPUT.read_text()
    rows = _table_endpoints(text, "VecML endpoints")
    served = {path.removeprefix("/api/") for path, *_ in gen.collect_routes() if path.startswith("/api/")}
    for name, row in rows.items():
        status = row.split(" | ")[2]
        assert status == ("emulated" if name in served else "not emulated") or status == "not emulated (501)", row


def test_table_lists_every_endpoint_of_the_inventory() -> None:
    rows = _table_endpoints(gen.OUTPUT.read_text(), "VecML endpoints")
    assert set(rows) == {name for _, name, _ in gen.SPEC_ENDPOINTS}
    assert len(gen.SPEC_ENDPOINTS) == 27  # 2 project + 1 dataset + 3 insertion + 1 job + 9 AutoML + 11 clustering
    assert "search / query" in gen.OUTPUT.read_text()


def _appendix_b(text: str) -> set[str]:
    appendix = text.split("## Appendix B", 1)[1]
    return set(re.findall(r"`/([A-Za-z_]+)`", appendix))


def test_inventory_matches_the_spec_appendix_b() -> None:
    if not SPEC.exists():
        pytest.skip(f"the endpoint specification is not beside this checkout ({SPEC})")
    in_spec = _appendix_b(SPEC.read_text())
    assert in_spec == {name for _, name, _ in gen.SPEC_ENDPOINTS}
    rows = _table_endpoints(gen.OUTPUT.read_text(), "VecML endpoints")
    assert in_spec <= set(rows), in_spec - set(rows)


def test_check_mode(capsys: pytest.CaptureFixture[str]) -> None:
    assert gen.main(["--check"]) == 0
