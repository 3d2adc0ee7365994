"""Our parsers' and algorithms' exceptions as the client sees them.

`ingest/` and `ml/` raise plain `ValueError` subclasses (they do not know the HTTP
layer; any other exception from them is our bug, answered 500). `errors.client_error`
answers them with the 400 envelope (`str(error)` is the message). Where the field
matters, a service calls the parser inside `client_input(field)`: the error gets the
name of the request field the input came in. Jobs call `ml/` inside `client_input()`
too: the runner shows a `BadRequest`'s message as the job's failure reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import BadRequest
from ..ingest.errors import IngestError
from ..ml import InvalidInput

__all__ = ["client_input", "INPUT_ERRORS"]

# Raised by ingest/ and ml/ for input the client can fix; str(error) is the message.
INPUT_ERRORS: tuple[type[ValueError], ...] = (IngestError, InvalidInput)


@contextmanager
def client_input(field: str = "file_data") -> Iterator[None]:
    """Map a parse or data error raised inside to the 400 naming `field`."""
    try:
        yield
    except IngestError as error:
        raise BadRequest(error.for_field(field)) from None
    except InvalidInput as error:
        raise BadRequest(str(error)) from None
