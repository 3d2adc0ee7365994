"""Name rules for projects, collections and models (DESIGN §5).

The rule itself lives in `schemas.types` (the `Name` type of every request); `check_name`
applies it to a value a service got some other way.
"""

from __future__ import annotations

from .errors import BadRequest
from .schemas.types import MAX_NAME_LENGTH, name_problem

__all__ = ["check_name", "MAX_NAME_LENGTH"]


def check_name(value: object, field: str) -> str:
    """Return `value` if it is a valid name, else raise a 400 naming `field`."""
    problem = name_problem(value, field)
    if problem:
        raise BadRequest(problem)
    return str(value)
