"""Coercion of query-string values to the type of the field they filter (query.md §5)."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timezone
from typing import Any

from kci_backend.models import Kind
from kci_backend.wire import is_object_id

_INT = re.compile(r"[+-]?[0-9]+\Z")  # ASCII digits only: `\d` would also take other scripts' digits
# Integers the databases store (64-bit signed); a filter value outside cannot match anything stored.
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# Digit runs longer than this are not converted (they are far outside 64 bits anyway).
_MAX_DIGITS = 20
_TRUE = {"true", "1"}
_FALSE = {"false", "0"}
_DASHED_DAY = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})\Z")
_COMPACT_DAY = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})\Z")


class Invalid(ValueError):
    """A value that does not convert to its field's type."""


def coerce(kind: Kind, value: str) -> Any:
    """The typed value of a filter string, or raise Invalid."""
    if kind is Kind.INT:
        number = parse_int(value)
        if number is None or not INT64_MIN <= number <= INT64_MAX:
            raise Invalid(value)
        return number
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
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        # An offset can move the instant out of the representable years (0001-01-01T00:00+01:00).
        return parsed.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise Invalid(value) from None


def parse_int(value: str) -> int | None:
    """A base-10 integer with an optional sign. Very long digit runs become 10**20 (with
    their sign) instead of being converted: Python refuses huge conversions, and every
    caller treats such a value as "too large" anyway."""
    if not _INT.match(value):
        return None
    sign = -1 if value[0] == "-" else 1
    digits = value.lstrip("+-").lstrip("0") or "0"
    return sign * (10**_MAX_DIGITS if len(digits) > _MAX_DIGITS else int(digits))
