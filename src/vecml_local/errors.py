"""Domain errors and the one function that renders the VecML error envelope.

Services and storage raise these; `app.py` turns them into
`{"success": false, "error_message": ...}` with the status code of the class.

Whose fault is it? Three cases, decided here and nowhere else:
- a `VecmlError`: the client's (or a documented refusal), answered with its status;
- a `ValueError` of a class defined in `vecml_local.ml` or `vecml_local.ingest` (those pure
  packages raise plain exceptions for data-dependent problems): the data's, answered 400
  with the exception's text (`client_error`);
- anything else: our bug, logged with a traceback and answered 500 with an error id
  (`internal_error`), never blamed on the client.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

__all__ = [
    "VecmlError",
    "DatabaseUnavailable",
    "BadRequest",
    "Unauthorized",
    "NotFound",
    "AlreadyExists",
    "PayloadTooLarge",
    "NotEmulated",
    "RateLimited",
    "Forbidden",
    "InsufficientStorage",
    "error_body",
    "client_error",
    "internal_error",
    "CLIENT_ERROR_PACKAGES",
]

log = logging.getLogger("vecml_local")

# Packages whose ValueError subclasses describe a problem with the client's data.
CLIENT_ERROR_PACKAGES = ("vecml_local.ml", "vecml_local.ingest")


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


class Forbidden(VecmlError):
    """An emulator control refused in this server mode (e.g. a global reset when keys are enforced)."""

    status_code = 403


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


class DatabaseUnavailable(VecmlError):
    """The metadata database (PostgreSQL) cannot be reached right now: nothing was done."""

    status_code = 503
    text = (
        "The server's metadata database is unavailable (restarting or unreachable): nothing was done. "
        "Send the request again shortly"
    )


class InsufficientStorage(VecmlError):
    """The data dir is full or read-only: nothing was stored (see storage/space.py)."""

    status_code = 507

    def __init__(self, message: str, problem: str = "full") -> None:
        super().__init__(message)
        self.problem = problem  # storage.space.FULL or READ_ONLY


def error_body(message: str, **extra: Any) -> dict[str, Any]:
    """The VecML error envelope. A message quoting the client's input may hold a lone surrogate,
    which JSON cannot carry as UTF-8: it is shown escaped (`\\ud800`) instead of failing the answer."""
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return {"success": False, "error_message": message, **extra}


def client_error(error: BaseException) -> VecmlError | None:
    """The client-facing error for `error`, or None when it is not the client's fault.

    `ml` and `ingest` raise `ValueError` subclasses of their own for problems in the data
    they were given; their text names the problem (the service adds the field when it can).
    A bare `ValueError` (from numpy, say) or any other exception is a bug of ours.
    """
    if isinstance(error, VecmlError):
        return error
    module = type(error).__module__  # where the class was defined, not where it was raised
    if isinstance(error, ValueError) and module.startswith(CLIENT_ERROR_PACKAGES):
        return BadRequest(str(error))
    from .storage.space import MESSAGES, storage_problem  # lazy: storage imports this module

    if (problem := storage_problem(error)) is not None:  # the operator's problem, not a bug: 507
        return InsufficientStorage(MESSAGES[problem], problem)
    from .storage.db import database_unavailable

    if database_unavailable(error):  # PostgreSQL restarting: try again shortly, 503
        return DatabaseUnavailable(DatabaseUnavailable.text)
    return None


def internal_error(error: BaseException, where: str) -> dict[str, Any]:
    """Log `error` (with its traceback and a fresh error id) and return the 500 envelope."""
    error_id = uuid.uuid4().hex[:12]
    log.error("internal error %s on %s: %s", error_id, where, type(error).__name__, exc_info=error)
    message = f"Internal server error (error id {error_id}): a bug in vecml-local, not a problem with your request"
    return error_body(message, error_id=error_id)
