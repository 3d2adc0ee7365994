"""Import every vecml_local module in the main thread before any test starts a thread.

pytest rewrites the asserts of every module of a distribution that ships a pytest plugin (ours
does: `vecml_local.testing.pytest_plugin`), so each first import parses its source with `ast`.
CPython 3.11 before 3.11.8 can fail two such parses running at once in different threads with
"SystemError: AST constructor recursion depth mismatch" (gh-106905), and our in-process tests
run the app and its job threads beside the test thread, which import modules lazily. Importing
everything here, once, leaves nothing to parse later (about 2 s).
"""

from __future__ import annotations

import importlib
import pkgutil

import anyio._backends._asyncio  # noqa: F401  # the TestClient portal thread would import it lazily

import vecml_local

for _module in pkgutil.walk_packages(vecml_local.__path__, "vecml_local."):
    if not _module.name.endswith(".__main__"):  # running it would parse the command line
        importlib.import_module(_module.name)
