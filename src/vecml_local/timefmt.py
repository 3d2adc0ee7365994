"""The time formats of the VecML docs (server local time)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["now", "format_time", "format_minute", "format_minute_comma", "format_duration"]


def now() -> datetime:
    return datetime.now().replace(microsecond=0)


def format_time(moment: datetime | None) -> str:
    """`YYYY/MM/DD HH:MM:SS`, as in `start_time`."""
    return moment.strftime("%Y/%m/%d %H:%M:%S") if moment else ""


def format_minute(moment: datetime | None) -> str:
    """`YYYY/MM/DD HH:MM`, clustering `create_time`."""
    return moment.strftime("%Y/%m/%d %H:%M") if moment else ""


def format_minute_comma(moment: datetime | None) -> str:
    """`YYYY/MM/DD, HH:MM`, AutoML `create_time`."""
    return moment.strftime("%Y/%m/%d, %H:%M") if moment else ""


def format_duration(start: datetime | None, end: datetime | None) -> str:
    """`HH:MM:SS` between two moments (to now when `end` is None)."""
    if start is None:
        return "00:00:00"
    seconds = max(0, int(((end or datetime.now()) - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    return f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
