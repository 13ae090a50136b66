"""Values on the wire: ObjectIds, `{"$oid"}` / `{"$date"}` forms and JSON encoding.

The v1 API speaks MongoDB's legacy extended JSON. Stored rows carry ids as
24-hex text and dates as aware UTC datetimes (or integer milliseconds from
SQLite); these helpers turn them into the wire forms in one place.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson
from bson import ObjectId

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MILLISECOND = timedelta(milliseconds=1)
_HEX24 = re.compile(r"[0-9a-fA-F]{24}\Z")


def new_id() -> str:
    """A fresh 24-hex ObjectId string (embeds its creation time, as v1 clients expect)."""
    return str(ObjectId())


def is_object_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_HEX24.match(value))


def normalize_id(value: str) -> str:
    return value.lower()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def to_millis(value: datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value - EPOCH) // _MILLISECOND


def from_millis(ms: int) -> datetime:
    return EPOCH + ms * _MILLISECOND


def oid(value: str | None) -> dict | None:
    return None if value is None else {"$oid": value}


def date(value: datetime | int | None) -> dict | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        value = to_millis(value)
    return {"$date": value}


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$date": to_millis(value)}
    if isinstance(value, ObjectId):
        return {"$oid": str(value)}
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; datetimes as `{"$date": ms}`; NaN/Infinity as null."""
    return orjson.dumps(value, default=_default, option=_OPTIONS)


def loads(data: bytes | str) -> Any:
    return orjson.loads(data)


def finite(value: float | None) -> float | None:
    if value is None or math.isfinite(value):
        return value
    return None
