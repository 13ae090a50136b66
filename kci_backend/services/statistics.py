"""Daily statistics snapshots (spec/statistics.md): computed at 12:01 UTC and on demand."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, time, timedelta, timezone
from typing import TYPE_CHECKING

import sqlalchemy as sa

from kci_backend import models
from kci_backend.models.daily_stats import FIGURES, PREFIXES
from kci_backend.query.params import Condition
from kci_backend.store.tables import table

if TYPE_CHECKING:
    from kci_backend.app import State

log = logging.getLogger("kci_backend.statistics")

CUTOFFS = {"daily": timedelta(days=1), "weekly": timedelta(days=7), "biweekly": timedelta(days=14)}
SCHEDULE = time(12, 1, tzinfo=timezone.utc)


async def _figure(state: "State", collection: str, distinct: str | None, before: datetime | None) -> int:
    if collection not in models.REGISTRY:
        return 0  # e.g. no boot collection: boot figures are 0 (statistics.md §1)
    docs = state.documents(collection)
    conditions = [Condition("created_on", "lt", before)] if before else []
    if distinct is None:
        return await docs.count(conditions)
    # Distinct figures ignore null values (statistics.md §1).
    return await docs.count_distinct(distinct, conditions, include_null=False)


async def _start_date(state: "State") -> datetime | None:
    job = table("job")

    def build():
        return sa.select(sa.func.min(job.c.created_on))

    row = await state.db.fetchone(state.db.statement(("stats_start_date",), build))
    return None if row is None or row[0] is None else state.db.instant(row[0])


async def snapshot(state: "State", now: datetime) -> dict:
    """The 40-key snapshot document as of `now` (all counts use the same `now`)."""
    doc: dict = {"created_on": now, "start_date": await _start_date(state), "version": "1.0"}
    for key, collection, distinct in FIGURES:
        name = key if key.startswith("total_") else f"total_{key}"
        doc[name] = await _figure(state, collection, distinct, None)
    for prefix in PREFIXES:
        cutoff = now - CUTOFFS[prefix]
        for key, collection, distinct in FIGURES:
            doc[f"{prefix}_{key}"] = await _figure(state, collection, distinct, cutoff)
    return doc


async def run(state: "State", now: datetime | None = None, slot: str | None = None) -> dict | None:
    """Compute and store a snapshot. With a `slot`, at most one snapshot per slot
    is stored whatever the number of processes trying; returns None if the slot
    was taken."""
    now = now or datetime.now(timezone.utc)
    doc = await snapshot(state, now)
    doc["slot"] = slot or f"on-demand-{now.isoformat()}"
    async with state.db.transaction() as tx:
        stored = await state.documents("daily_stats").insert_if_absent(tx, doc)
    log.info("statistics snapshot %s", "stored" if stored else f"skipped (slot {slot} already done)")
    return doc if stored else None


def next_run(after: datetime) -> datetime:
    """The next scheduled instant (12:01 UTC) strictly after `after`."""
    candidate = datetime.combine(after.date(), SCHEDULE)
    return candidate if candidate > after else candidate + timedelta(days=1)


async def scheduler(state: "State") -> None:
    """Sleep until each 12:01 UTC and take that day's snapshot. A missed run is
    skipped, not back-filled (statistics.md §2)."""
    while True:
        due = next_run(datetime.now(timezone.utc))
        await asyncio.sleep(max(0.0, (due - datetime.now(timezone.utc)).total_seconds()))
        try:
            await run(state, due, slot=due.date().isoformat())
        except Exception:
            log.exception("statistics run failed")
