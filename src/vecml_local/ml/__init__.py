"""Algorithms: clustering (`ml.clustering`) and AutoML (`ml.automl`).

No HTTP, storage or jobs here. Functions take valid parameter types (the request
schemas check them) and raise plain exceptions:

- `InvalidInput` (a `ValueError`): the data rule the request out (k above the
  number of rows, NaN in the vectors, a distance the data cannot have); the
  message is meant for the client, and the service maps it to a 400.
- `Cancelled`: the caller's `should_stop()` turned true; the work was abandoned.

Long-running functions take optional `progress(fraction, message)` and
`should_stop()` callables and check them between chunks of work.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Cancelled", "InvalidInput", "Progress", "ShouldStop"]

Progress = Callable[[float, str], None]
ShouldStop = Callable[[], bool]


class InvalidInput(ValueError):
    """The data (or a combination of options with the data) cannot be processed."""


class Cancelled(Exception):
    """`should_stop()` turned true: the work stopped early and has no result."""
