"""Coercion of query-string values to the type of the field they filter (query.md §5)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any

from kci_backend.models import Kind
from kci_backend.wire import is_object_id

_INT = re.compile(r"[+-]?\d+\Z")
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
_DASHED_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})\Z")
_COMPACT_DAY = re.compile(r"(\d{4})(\d{2})(\d{2})\Z")


class Invalid(ValueError):
    """A value that does not convert to its field's type."""


def coerce(kind: Kind, value: str) -> Any:
    """The typed value of a filter string, or raise Invalid."""
    if kind is Kind.INT:
        if not _INT.match(value):
            raise Invalid(value)
        return int(value)
    if kind is Kind.BOOL:
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise Invalid(value)
    if kind is Kind.OID:
        if not is_object_id(value):
            raise Invalid(value)
        return value.lower()
    if kind is Kind.FLOAT:
        try:
            return float(value)
        except ValueError:
            raise Invalid(value) from None
    if kind is Kind.DATE:
        return parse_instant(value)
    return value


def parse_day(value: str) -> date | None:
    """`YYYY-MM-DD` (month/day may be one digit) or `YYYYMMDD`; None if not a real date."""
    match = _DASHED_DAY.match(value) or _COMPACT_DAY.match(value)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.utc)


def parse_instant(value: str) -> datetime:
    """A day (00:00 UTC) or an ISO 8601 date-time (no offset = UTC) for gte/lt on dates."""
    day = parse_day(value)
    if day is not None:
        return start_of(day)
    if "T" not in value:
        raise Invalid(value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise Invalid(value) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def parse_int(value: str) -> int | None:
    return int(value) if _INT.match(value) else None
