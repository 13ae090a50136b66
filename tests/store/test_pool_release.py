"""PostgreSQL pool release (store/database.py): no reset statement, but never a leaked transaction.

The pool skips asyncpg's per-release `RESET ALL; CLOSE ALL; UNLISTEN *;
pg_advisory_unlock_all()` round trip. These tests pin down what that means:
a transaction left open is still rolled back before the connection is reused,
failed transactions leave nothing behind, and session settings do survive a
release (so the code must keep using only transaction-scoped state).
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
import pytest
import sqlalchemy as sa

from kci_backend.store.database import open_database

PG_ADMIN_URL = os.environ.get("KCI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def with_database(body) -> None:
    """Run `await body(db)` on a fresh database served by a one-connection pool."""

    async def go() -> None:
        name = f"kci_test_{uuid.uuid4().hex[:12]}"
        try:
            admin = await asyncpg.connect(PG_ADMIN_URL)
        except (OSError, asyncpg.PostgresError) as exc:
            pytest.skip(f"PostgreSQL not reachable: {exc}")
        await admin.execute(f'CREATE DATABASE "{name}"')
        db = open_database(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, pool_size=1)
        try:
            await db.connect()
            async with db.pool.acquire() as conn:
                await conn.execute("CREATE TABLE item (name text)")
            await body(db)
        finally:
            await db.close()
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()

    asyncio.run(go())


async def names(db) -> list[str]:
    rows = await db.fetch(db.compile(sa.text("SELECT name FROM item ORDER BY name")))
    return [r[0] for r in rows]


def test_transaction_left_open_is_rolled_back_on_release():
    with_database(_transaction_left_open_is_rolled_back_on_release)


async def _transaction_left_open_is_rolled_back_on_release(pg_db):
    async with pg_db.pool.acquire() as conn:
        await conn.execute("BEGIN")
        await conn.execute("INSERT INTO item VALUES ('left-open')")
    # The pool holds one connection: the same one comes back, outside any transaction.
    async with pg_db.pool.acquire() as conn:
        assert not conn.is_in_transaction()
    assert await names(pg_db) == []


def test_failed_transaction_leaves_nothing_and_the_pool_usable():
    with_database(_failed_transaction_leaves_nothing_and_the_pool_usable)


async def _failed_transaction_leaves_nothing_and_the_pool_usable(pg_db):
    insert = pg_db.compile(sa.text("INSERT INTO item VALUES (:name)").bindparams(sa.bindparam("name")))
    with pytest.raises(RuntimeError):
        async with pg_db.transaction() as tx:
            await tx.execute(insert, {"name": "failed"})
            raise RuntimeError("abort")
    async with pg_db.transaction() as tx:
        await tx.execute(insert, {"name": "kept"})
    assert await names(pg_db) == ["kept"]


def test_session_settings_survive_release():
    with_database(_session_settings_survive_release)


async def _session_settings_survive_release(pg_db):
    """No reset statement is sent: session state would leak to the next request,
    which is why the code only uses transaction-scoped locks and settings."""
    async with pg_db.pool.acquire() as conn:
        await conn.execute("SET application_name = 'kci-pool-test'")
    async with pg_db.pool.acquire() as conn:
        assert await conn.fetchval("SHOW application_name") == "kci-pool-test"
