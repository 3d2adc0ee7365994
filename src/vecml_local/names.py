"""Name rules for projects, collections and models (DESIGN §5)."""

from __future__ import annotations

import re

from .errors import BadRequest

__all__ = ["check_name", "MAX_NAME_LENGTH"]

MAX_NAME_LENGTH = 128
_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,128}")


def check_name(value: object, field: str) -> str:
    """Return `value` if it is a valid name, else raise a 400 naming `field`."""
    if not isinstance(value, str) or value == "":
        raise BadRequest(f"{field} is required and must be a non-empty string")
    if len(value) > MAX_NAME_LENGTH:
        raise BadRequest(f"{field} is longer than {MAX_NAME_LENGTH} characters")
    if not _NAME.fullmatch(value) or value in (".", ".."):
        raise BadRequest(f"{field} {value!r} may contain only letters, digits, '_', '-' and '.'")
    return value
