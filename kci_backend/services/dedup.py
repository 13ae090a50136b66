"""Time-window keys: "has an identical action happened in the last N seconds?"

`claim(tx, identity, seconds)` answers and records in one step: it returns
True and blocks the key for `seconds` when the key is free, False when an
unexpired claim exists. Expired keys are deleted first, then the key is
inserted with ON CONFLICT DO NOTHING; on PostgreSQL a concurrent claim of
the same key waits on the unique index and then sees the conflict, on
SQLite writers are serialized, so two claims never both succeed.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from kci_backend import models, wire
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction
from kci_backend.store.documents import Documents
from kci_backend.store.tables import table


def digest(identity: Any) -> str:
    """A fixed-size key for any JSON-able identity (key order does not matter)."""
    return hashlib.sha256(orjson.dumps(identity, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _keys(tx: Transaction) -> Documents:
    return Documents(tx.db, models.get("dedup"))


async def _delete_expired(tx: Transaction) -> None:
    def build() -> sa.Delete:
        t = table("dedup")
        return sa.delete(t).where(t.c.expires_on <= sa.bindparam("now", type_=t.c.expires_on.type))

    await tx.execute(tx.db.statement("dedup-expire", build), {"now": wire.utcnow()})


async def claim(tx: Transaction, identity: Any, seconds: float) -> bool:
    """True (and the key is held for `seconds`) unless an identical claim is still live."""
    await _delete_expired(tx)
    expires = wire.utcnow() + timedelta(seconds=seconds)
    return await _keys(tx).insert_if_absent(tx, {"dedup_key": digest(identity), "expires_on": expires})


async def release(tx: Transaction, identity: Any) -> None:
    """Free a key early (the action it stood for did not happen after all)."""
    await _keys(tx).delete_where(tx, [Condition("dedup_key", "eq", digest(identity))])
