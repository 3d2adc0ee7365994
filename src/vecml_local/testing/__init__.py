"""What users import in their own tests: a real server in a thread, and pytest fixtures.

Installing vecml-local is enough for pytest to offer the fixtures `vecml_server`
(a session-wide `LocalServer`) and `vecml_api_key` (a fresh key per test); see
docs/testing-your-client.md.
"""

from __future__ import annotations

from .server import LocalServer, new_api_key

__all__ = ["LocalServer", "new_api_key"]
