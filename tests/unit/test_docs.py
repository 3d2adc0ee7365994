"""The docs stay true: every setting documented with its default and flag, links resolve,
the README shows the two commands."""

from __future__ import annotations

import re
from pathlib import Path

from vecml_local.cli import _parser
from vecml_local.config import Settings

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
REQUIRED_DOCS = [
    "quickstart.md",
    "configuration.md",
    "api-coverage.md",
    "differences.md",
    "deployment.md",
    "testing-your-client.md",
]


def _settings_rows() -> dict[str, list[str]]:
    text = (DOCS / "configuration.md").read_text()
    section = text.split("## All settings", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        match = re.match(r"\| `(VECML_LOCAL_[A-Z_]+)` \|", line)
        if match:
            rows[match.group(1)] = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return rows


def _serve_flags() -> dict[str, str]:
    serve = _parser()._subparsers._group_actions[0].choices["serve"]  # type: ignore[union-attr]
    return {
        action.dest: action.option_strings[0]
        for action in serve._actions
        if action.option_strings and action.dest != "help"
    }


def _shown_default(cell: str) -> str:
    match = re.match(r"`([^`]*)`", cell)
    return match.group(1) if match else cell


def test_every_setting_is_documented_once() -> None:
    rows = _settings_rows()
    expected = {f"VECML_LOCAL_{name.upper()}" for name in Settings.model_fields}
    assert set(rows) == expected, f"missing: {expected - set(rows)}, stale: {set(rows) - expected}"


def test_documented_defaults_match() -> None:
    rows = _settings_rows()
    for name, field in Settings.model_fields.items():
        shown = _shown_default(rows[f"VECML_LOCAL_{name.upper()}"][2])
        default = field.default
        if default is None:
            assert shown == "*(unset)*", name
        elif isinstance(default, Path):
            assert Path(shown) == default, name
        else:
            assert shown == str(default), (name, shown, default)


def test_documented_flags_are_the_cli_flags() -> None:
    rows = _settings_rows()
    flags = _serve_flags()
    for name in Settings.model_fields:
        cell = rows[f"VECML_LOCAL_{name.upper()}"][1]
        assert cell == (f"`{flags[name]}`" if name in flags else "—"), (name, cell)


def test_all_docs_exist_and_links_resolve() -> None:
    for name in REQUIRED_DOCS:
        assert (DOCS / name).exists(), name
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_readme_shows_the_two_commands_and_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text()
    lines = [line.strip() for line in readme.splitlines()]
    assert "./scripts/serve" in lines and "./scripts/test" in lines
    for name in REQUIRED_DOCS:
        assert f"(docs/{name})" in readme, name
    for script in ("scripts/serve", "scripts/test"):
        assert (ROOT / script).exists()


def test_quickstart_points_the_docs_client_at_the_local_server() -> None:
    text = (DOCS / "quickstart.md").read_text()
    assert 'BASE_URL = "http://127.0.0.1:8780/api"' in text
    assert "./scripts/serve" in text and "./scripts/test" in text
    assert f"{Settings.model_fields['port'].default}" in text
