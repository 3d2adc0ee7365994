"""Asynchronous jobs (uploads, labels, training) with per-collection ordering."""

from .context import job_id_prefix
from .runner import (
    TERMINAL,
    JobCancelled,
    JobContext,
    JobHandler,
    JobRunner,
    Progress,
    TerminalAnswers,
    make_job_id,
)

__all__ = [
    "TERMINAL",
    "JobCancelled",
    "JobContext",
    "JobHandler",
    "JobRunner",
    "Progress",
    "TerminalAnswers",
    "make_job_id",
    "job_id_prefix",
]
