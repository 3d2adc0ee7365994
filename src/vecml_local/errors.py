"""Domain errors and the one function that renders the VecML error envelope.

Every layer below the API raises these; `app.py` turns them into
`{"success": false, "error_message": ...}` with the status code of the class.
Nothing here imports FastAPI, so `ingest`, `ml`, `storage` and `services` may use it.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "VecmlError",
    "BadRequest",
    "Unauthorized",
    "NotFound",
    "AlreadyExists",
    "PayloadTooLarge",
    "NotEmulated",
    "RateLimited",
    "error_body",
]


class VecmlError(Exception):
    """A client-facing error: its message is shown to the caller as is."""

    status_code = 400

    def __init__(self, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        # Fields added to the error envelope, e.g. `status: "failed"` for an unknown job.
        self.extra = extra


class BadRequest(VecmlError):
    """The request is malformed; the message names the field, row or line."""

    status_code = 400


class Unauthorized(VecmlError):
    status_code = 401


class NotFound(VecmlError):
    """A project, collection, model or job that is not there: '... does not exist'."""

    status_code = 404


class AlreadyExists(VecmlError):
    """A duplicate name: '... already exists'."""

    status_code = 409


class PayloadTooLarge(VecmlError):
    status_code = 413


class NotEmulated(VecmlError):
    """Documented by VecML but deliberately not emulated here."""

    status_code = 501


class RateLimited(VecmlError):
    """Over the per-key rate limit; rendered as the cloud's plain-text 400."""

    status_code = 400
    cloud_text = "Request limit reached, please try again later"

    def __init__(self) -> None:
        super().__init__(self.cloud_text)


def error_body(message: str, **extra: Any) -> dict[str, Any]:
    """The VecML error envelope."""
    return {"success": False, "error_message": message, **extra}
