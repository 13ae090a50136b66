"""Storing and reading bisect records (spec/bisect.md §2, §2.3, §3, §8 D2).

Every path that writes a record goes through `store_once`: it inserts on the
hidden unique `cache_key`, so when two requests compute the same record at
once only one is kept and both answer with it. Records older than
`RETENTION` are treated as absent by every read and deleted by the writes
(purge on write), so an expired on-demand result is recomputed on the next
request.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

import orjson

from kci_backend import wire
from kci_backend.models.bisect import BISECT, COMMON_KEYS, RETENTION, TYPE_KEYS
from kci_backend.query.params import Condition, Query
from kci_backend.store.database import Transaction

if TYPE_CHECKING:
    from kci_backend.app import State

COLLECTION = "bisect"
VERSION = "1.0"


# ---------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------


def cache_key(*parts: Any) -> str:
    """One null-safe value for the parts that make two records the same."""
    return hashlib.sha256(orjson.dumps(list(parts))).hexdigest()


def equal(column: str, value: Any) -> Condition:
    """`column` equals `value`, null matching null."""
    return Condition(column, "null") if value is None else Condition(column, "eq", value)


def instant(value: Any) -> datetime | None:
    """A date in any of its forms (aware datetime, `{"$date": ms}`, ms) as a datetime; else None."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, dict):
        value = value.get("$date")
    if isinstance(value, int) and not isinstance(value, bool):
        return wire.from_millis(value)
    return None


def object_id(value: Any) -> str | None:
    """An id in either form (24-hex text or `{"$oid": ...}`) as lowercase text; else None."""
    if isinstance(value, dict):
        value = value.get("$oid")
    return value.lower() if wire.is_object_id(value) else None


def new_record(record_type: str, **values: Any) -> dict[str, Any]:
    """A record with every key of §2.1/§2.2 null except those given."""
    doc: dict[str, Any] = {f.name: None for f in BISECT.fields}
    doc.update(type=record_type, version=VERSION, created_on=wire.utcnow(), checks={})
    doc.update(values)
    return doc


def cutoff(now: datetime | None = None) -> datetime:
    return (now or wire.utcnow()) - RETENTION


def alive() -> Condition:
    """Records still within their retention."""
    return Condition("created_on", "gte", cutoff())


# ---------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------


async def purge(state: "State", tx: Transaction) -> int:
    """Delete every expired record (§2.3); the number deleted."""
    return await state.documents(COLLECTION).delete_where(tx, [Condition("created_on", "lt", cutoff())])


async def store_once(state: "State", tx: Transaction, doc: dict[str, Any], key: str) -> dict[str, Any]:
    """Insert `doc` under `key` unless a live record has that key; the record kept (Python values)."""
    records = state.documents(COLLECTION)
    # An expired record with the same key would block the insert: it goes first.
    await records.delete_where(tx, [Condition("cache_key", "eq", key), Condition("created_on", "lt", cutoff())])
    await records.insert_if_absent(tx, {**doc, "cache_key": key})
    kept = await records.fetch_in(tx, [Condition("cache_key", "eq", key)])
    return kept[0]


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------


def _wanted(columns: tuple[str, ...] | None) -> tuple[str, ...]:
    """Columns to read for a projection: `type` is always needed to shape the output."""
    if columns is None:
        return tuple(f.name for f in BISECT.visible_fields)
    return columns if "type" in columns else (*columns, "type")


def shown(doc: dict[str, Any], columns: tuple[str, ...] | None) -> dict[str, Any]:
    """The record with the keys of its type only (§2.2), projected."""
    keys = set(COMMON_KEYS) | set(TYPE_KEYS.get(doc.get("type"), ()))
    if columns is not None:
        keys &= set(columns)
    return {k: v for k, v in doc.items() if k in keys}


async def read(state: "State", conditions: Iterable[Condition], columns: tuple[str, ...] | None = None,
               *, python: bool = False, limit: int = 0) -> list[dict[str, Any]]:
    """Live records matching `conditions`, oldest first, shaped and projected."""
    records = state.documents(COLLECTION)
    query = Query(conditions=[*conditions, alive()], columns=_wanted(columns), sort=["created_on", "_id"],
                  sort_order=1, limit=limit)
    compiled, values, _ = records.list_compiled(query)
    rows = await state.db.fetch(compiled, values)
    codec = records.codec(query.columns, python)
    return [shown(codec(row), columns) for row in rows]


async def get(state: "State", record_id: str, columns: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """One live record in its GET form, or None."""
    found = await read(state, [Condition("_id", "eq", record_id)], columns, limit=1)
    return found[0] if found else None


async def first_for(state: "State", start_key: str, start_id: str, compare_to: str | None,
                    columns: tuple[str, ...] | None = None) -> dict[str, Any] | None:
    """The cache lookup of §4.1 / §5: the oldest live record of this start id and `compare_to`."""
    found = await read(state, [Condition(start_key, "eq", start_id), equal("compare_to", compare_to)], columns,
                       limit=1)
    return found[0] if found else None
