"""Messages shown to clients never carry a server path."""

from __future__ import annotations

import re

__all__ = ["without_paths"]

# An absolute POSIX path (two or more segments) or a Windows drive path inside a message.
_PATH = re.compile(r"(?<![\w.:/])(?:/[\w.@+-]+){2,}/?|[A-Za-z]:\\[^\s'\"]+")


def without_paths(message: str) -> str:
    """``message`` with every absolute file path replaced by ``<path>``."""
    return _PATH.sub("<path>", message)
