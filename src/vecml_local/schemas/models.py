"""Request pieces shared by the AutoML and clustering families."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from .types import Name

__all__ = ["OptionalName"]


def _absent(value: Any) -> Any:
    return None if value == "" else value


# A name that may be left out: absent, null and "" all mean none.
OptionalName = Annotated[Name | None, BeforeValidator(_absent)]
