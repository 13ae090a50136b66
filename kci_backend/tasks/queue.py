"""The task table's statements: enqueue, claim, finish, retry, fail, purge.

Claiming is one atomic statement per database. PostgreSQL picks the oldest
due row with `FOR UPDATE SKIP LOCKED`, so concurrent workers each get a
different row without waiting for one another; SQLite runs the same single
UPDATE inside its write lock (`BEGIN IMMEDIATE`), which already serializes
every writer, in this process or another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from kci_backend import models, wire
from kci_backend.store.database import Database, Transaction
from kci_backend.store.documents import Documents
from kci_backend.store.tables import table


@dataclass(frozen=True)
class ClaimedTask:
    id: str
    kind: str
    payload: dict
    attempts: int  # including the attempt just claimed


def _tasks(db: Database) -> Documents:
    return Documents(db, models.get("task"))


async def enqueue(tx: Transaction, kind: str, payload: dict, run_at: datetime | None = None) -> str:
    """Record a task in the caller's transaction; it runs once `run_at` has passed
    (now when omitted) and the transaction has committed. Returns the task id."""
    now = wire.utcnow()
    doc = await _tasks(tx.db).insert(tx, {"kind": kind, "payload": payload, "run_at": run_at or now,
                                          "state": "pending", "attempts": 0, "updated_on": now})
    return doc["_id"]


def _p(name: str, column: sa.Column | None = None) -> sa.BindParameter:
    return sa.bindparam(name, type_=column.type if column is not None else None)


def _due(t: sa.Table, kind_count: int) -> sa.ColumnElement:
    """Pending and due, or running with a lapsed lease; of a kind this worker knows."""
    return sa.and_(
        t.c.kind.in_([_p(f"k{i}") for i in range(kind_count)]),
        sa.or_(sa.and_(t.c.state == "pending", t.c.run_at <= _p("now", t.c.run_at)),
               sa.and_(t.c.state == "running", t.c.claimed_until < _p("now", t.c.run_at))),
    )


def _kind_values(kinds: tuple[str, ...]) -> dict[str, str]:
    return {f"k{i}": k for i, k in enumerate(kinds)}


async def any_due(db: Database, kinds: tuple[str, ...], now: datetime) -> bool:
    """A cheap read first, so an idle worker does not take the write lock each poll."""

    def build() -> sa.Select:
        t = table("task")
        return sa.select(t.c._id).where(_due(t, len(kinds))).limit(1)

    compiled = db.statement(("task-due", len(kinds)), build)
    return await db.fetchone(compiled, {"now": now, **_kind_values(kinds)}) is not None


async def claim(db: Database, kinds: tuple[str, ...], worker: str, lease: float) -> ClaimedTask | None:
    """Take the oldest due task for `worker` until now + lease; None when nothing is due."""
    now = wire.utcnow()
    if not kinds or not await any_due(db, kinds, now):
        return None

    def build() -> sa.Update:
        t = table("task")
        oldest = sa.select(t.c._id).where(_due(t, len(kinds))).order_by(t.c.run_at).limit(1)
        if db.kind == "postgresql":
            oldest = oldest.with_for_update(skip_locked=True)
        return (sa.update(t).where(t.c._id == oldest.scalar_subquery())
                .values(state="running", attempts=t.c.attempts + 1, claimed_by=_p("worker"),
                        claimed_until=_p("until", t.c.claimed_until), updated_on=_p("now", t.c.updated_on))
                .returning(t.c._id, t.c.kind, t.c.payload, t.c.attempts))

    compiled = db.statement(("task-claim", len(kinds)), build)
    values = {"now": now, "worker": worker, "until": now + timedelta(seconds=lease), **_kind_values(kinds)}
    async with db.transaction() as tx:
        row = await tx.fetchone(compiled, values)
    if row is None:
        return None
    payload = row[2]
    if isinstance(payload, (str, bytes)):
        payload = orjson.loads(payload)
    return ClaimedTask(row[0], row[1], payload or {}, int(row[3]))


async def _update_own(db: Database, task_id: str, worker: str, changes: dict[str, Any]) -> bool:
    """Change a task this worker still holds (a worker whose lease lapsed and
    was overtaken must not overwrite the new holder's state)."""
    names = tuple(sorted(changes))

    def build() -> sa.Update:
        t = table("task")
        return (sa.update(t).where(t.c._id == _p("_id"), t.c.claimed_by == _p("_worker"), t.c.state == "running")
                .values({n: _p(n, t.c[n]) for n in names}))

    compiled = db.statement(("task-update-own", names), build)
    async with db.transaction() as tx:
        return await tx.execute(compiled, {**changes, "_id": task_id, "_worker": worker}) > 0


async def extend_lease(db: Database, task_id: str, worker: str, lease: float) -> bool:
    now = wire.utcnow()
    return await _update_own(db, task_id, worker, {"claimed_until": now + timedelta(seconds=lease)})


async def finish(db: Database, task_id: str, worker: str) -> bool:
    return await _update_own(db, task_id, worker, {"state": "done", "claimed_until": None,
                                                   "updated_on": wire.utcnow()})


async def retry_later(db: Database, task_id: str, worker: str, delay: float, error: str) -> bool:
    now = wire.utcnow()
    return await _update_own(db, task_id, worker, {"state": "pending", "run_at": now + timedelta(seconds=delay),
                                                   "claimed_until": None, "last_error": error, "updated_on": now})


async def fail(db: Database, task_id: str, worker: str, error: str) -> bool:
    return await _update_own(db, task_id, worker, {"state": "failed", "claimed_until": None, "last_error": error,
                                                   "updated_on": wire.utcnow()})


async def release(db: Database, task_id: str, worker: str) -> bool:
    """Hand a task back untried (worker shutting down): due now, attempt not counted."""

    def build() -> sa.Update:
        t = table("task")
        return (sa.update(t).where(t.c._id == _p("_id"), t.c.claimed_by == _p("_worker"), t.c.state == "running")
                .values(state="pending", attempts=t.c.attempts - 1, claimed_until=None,
                        run_at=_p("now", t.c.run_at), updated_on=_p("now", t.c.updated_on)))

    compiled = db.statement("task-release", build)
    async with db.transaction() as tx:
        return await tx.execute(compiled, {"_id": task_id, "_worker": worker, "now": wire.utcnow()}) > 0


async def purge_finished(db: Database, older_than: datetime) -> int:
    """Delete done tasks last updated before `older_than` (failed ones stay for inspection)."""

    def build() -> sa.Delete:
        t = table("task")
        return sa.delete(t).where(t.c.state == "done", t.c.updated_on < _p("before", t.c.updated_on))

    compiled = db.statement("task-purge", build)
    async with db.transaction() as tx:
        return await tx.execute(compiled, {"before": older_than})
