"""Reading other collections for a report, tolerant of collections this
deployment does not declare (a report kind without its data sends nothing)."""

from __future__ import annotations

from typing import Any, Iterable

from kci_backend import models
from kci_backend.query.params import Condition

# Id lists are read in fixed-size chunks (padded), so one statement shape serves all.
_CHUNK = 128


def _conditions(equals: dict[str, Any]) -> list[Condition]:
    return [Condition(k, "null") if v is None else Condition(k, "eq", v) for k, v in equals.items()]


async def find(state: Any, collection: str, columns: tuple[str, ...] | None = None, **equals: Any) -> list[dict]:
    """Documents (Python values) whose fields equal `equals` (None = null)."""
    if collection not in models.REGISTRY:
        return []
    return await state.documents(collection).find(_conditions(equals), columns)


async def find_one(state: Any, collection: str, **equals: Any) -> dict | None:
    found = await find(state, collection, **equals)
    return found[0] if found else None


async def find_ids(state: Any, collection: str, ids: Iterable[str], columns: tuple[str, ...] | None = None,
                   **equals: Any) -> list[dict]:
    """Documents whose `_id` is one of `ids` (and whose fields equal `equals`)."""
    wanted = list(dict.fromkeys(i for i in ids if i))
    if collection not in models.REGISTRY or not wanted:
        return []
    found: list[dict] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        chunk += [chunk[-1]] * (_CHUNK - len(chunk))
        conditions = [Condition("_id", "in", tuple(chunk)), *_conditions(equals)]
        found.extend(await state.documents(collection).find(conditions, columns))
    return found


async def count(state: Any, collection: str, **equals: Any) -> int:
    if collection not in models.REGISTRY:
        return 0
    return await state.documents(collection).count(_conditions(equals))
