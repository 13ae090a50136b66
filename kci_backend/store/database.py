"""The database handle: SQL text compiled once by SQLAlchemy, run on the raw driver.

SQLAlchemy Core builds and compiles statements; the compiled text is cached
per query *shape* and executed directly on asyncpg (PostgreSQL) or sqlite3
(SQLite), which is several times faster than SQLAlchemy's async engine on
the hot path (see DESIGN.md, "Measured").
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Hashable, Iterable, Sequence

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url

from kci_backend import wire


class DatabaseUnavailable(Exception):
    """The configured database cannot be reached or the URL is wrong."""


@dataclass(frozen=True)
class Compiled:
    """A compiled statement: SQL text plus the bind names in positional order."""

    sql: str
    names: tuple[str, ...]
    defaults: dict[str, Any]

    def args(self, values: dict[str, Any] | None = None) -> list[Any]:
        values = values or {}
        return [values[n] if n in values else self.defaults.get(n) for n in self.names]


Row = Sequence[Any]


class Database:
    """Common interface of the two backends; `kind` is 'sqlite' or 'postgresql'."""

    kind: str
    dialect: sa.engine.Dialect

    def __init__(self) -> None:
        self._compiled: dict[Hashable, Compiled] = {}

    # -- statement compilation -------------------------------------------------
    def compile(self, stmt: sa.ClauseElement) -> Compiled:
        c = stmt.compile(dialect=self.dialect, compile_kwargs={"render_postcompile": True})
        names = tuple(c.positiontup or ())
        defaults = {k: v for k, v in c.params.items()}
        return Compiled(c.string, names, defaults)

    def statement(self, key: Hashable, build: Callable[[], sa.ClauseElement]) -> Compiled:
        """The compiled statement for `key`, built with `build()` the first time only."""
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self.compile(build())
        return compiled

    # -- values in and out --------------------------------------------------------
    def adapt(self, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return orjson.dumps(value, default=wire._default).decode()
        return value

    def adapt_args(self, args: Iterable[Any]) -> list[Any]:
        return [self.adapt(a) for a in args]

    def millis(self, value: Any) -> int | None:
        """A stored instant as integer milliseconds."""
        raise NotImplementedError

    def instant(self, value: Any) -> datetime | None:
        ms = self.millis(value)
        return None if ms is None else wire.from_millis(ms)

    # -- execution (implemented by the backends) --------------------------------------
    async def connect(self) -> None: ...
    async def close(self) -> None: ...

    async def fetch(self, c: Compiled, values: dict | None = None, *, heavy: bool = False) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, c: Compiled, values: dict | None = None) -> Row | None:
        rows = await self.fetch(c, values)
        return rows[0] if rows else None

    def stream(self, c: Compiled, values: dict | None = None, batch: int = 500) -> AsyncIterator[list[Row]]:
        raise NotImplementedError

    def transaction(self) -> contextlib.AbstractAsyncContextManager["Transaction"]:
        raise NotImplementedError

    async def execute(self, c: Compiled, values: dict | None = None) -> int:
        async with self.transaction() as tx:
            return await tx.execute(c, values)


class Transaction:
    """Statements run inside one database transaction."""

    async def execute(self, c: Compiled, values: dict | None = None) -> int:
        raise NotImplementedError

    async def executemany(self, c: Compiled, rows: list[dict]) -> None:
        raise NotImplementedError

    async def fetch(self, c: Compiled, values: dict | None = None) -> list[Row]:
        raise NotImplementedError

    async def fetchone(self, c: Compiled, values: dict | None = None) -> Row | None:
        rows = await self.fetch(c, values)
        return rows[0] if rows else None


# ---------------------------------------------------------------------------
# SQLite
# ---------------------------------------------------------------------------


class SqliteDatabase(Database):
    kind = "sqlite"

    def __init__(self, path: str) -> None:
        super().__init__()
        self.dialect = sqlite.dialect(paramstyle="qmark")
        self.path = path
        self._reader: sqlite3.Connection | None = None
        self._writer: sqlite3.Connection | None = None
        self._write_lock = asyncio.Lock()
        # One thread owns the writer connection; readers that scan use a small pool.
        self._write_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._read_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="sqlite-reader")
        self._local = threading.local()

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: a commit is on disk before we answer 2xx.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    def adapt(self, value: Any) -> Any:
        if isinstance(value, datetime):
            return wire.to_millis(value)
        return super().adapt(value)

    def millis(self, value: Any) -> int | None:
        return value

    async def connect(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._reader = self._open()
            self._writer = self._open()
        except sqlite3.Error as exc:
            raise DatabaseUnavailable(f"cannot open SQLite database {self.path}: {exc}") from exc

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                conn.close()
        self._write_thread.shutdown(wait=True)
        self._read_threads.shutdown(wait=False)

    def _thread_reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._open()
        return conn

    async def fetch(self, c: Compiled, values: dict | None = None, *, heavy: bool = False) -> list[Row]:
        args = self.adapt_args(c.args(values))
        if not heavy:
            # Short indexed reads are faster called directly than through a thread.
            return self._reader.execute(c.sql, args).fetchall()

        def run() -> list[Row]:
            return self._thread_reader().execute(c.sql, args).fetchall()

        return await asyncio.get_running_loop().run_in_executor(self._read_threads, run)

    async def stream(self, c: Compiled, values: dict | None = None, batch: int = 500) -> AsyncIterator[list[Row]]:
        args = self.adapt_args(c.args(values))
        loop = asyncio.get_running_loop()
        conn = await loop.run_in_executor(self._read_threads, self._open)
        try:
            cursor = await loop.run_in_executor(self._read_threads, conn.execute, c.sql, args)
            while True:
                rows = await loop.run_in_executor(self._read_threads, cursor.fetchmany, batch)
                if not rows:
                    break
                yield rows
        finally:
            conn.close()

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator["SqliteTransaction"]:
        loop = asyncio.get_running_loop()
        async with self._write_lock:
            tx = SqliteTransaction(self, loop)
            await tx._run(self._writer.execute, "BEGIN IMMEDIATE")
            try:
                yield tx
            except BaseException:
                await tx._run(self._writer.execute, "ROLLBACK")
                raise
            else:
                await tx._run(self._writer.execute, "COMMIT")


class SqliteTransaction(Transaction):
    def __init__(self, db: SqliteDatabase, loop: asyncio.AbstractEventLoop) -> None:
        self.db = db
        self.loop = loop

    async def _run(self, fn: Callable, *args: Any) -> Any:
        return await self.loop.run_in_executor(self.db._write_thread, fn, *args)

    async def execute(self, c: Compiled, values: dict | None = None) -> int:
        args = self.db.adapt_args(c.args(values))
        cursor = await self._run(self.db._writer.execute, c.sql, args)
        return cursor.rowcount

    async def executemany(self, c: Compiled, rows: list[dict]) -> None:
        if rows:
            batch = [self.db.adapt_args(c.args(r)) for r in rows]
            await self._run(self.db._writer.executemany, c.sql, batch)

    async def fetch(self, c: Compiled, values: dict | None = None) -> list[Row]:
        args = self.db.adapt_args(c.args(values))

        def run() -> list[Row]:
            return self.db._writer.execute(c.sql, args).fetchall()

        return await self._run(run)


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------


class PostgresDatabase(Database):
    kind = "postgresql"

    def __init__(self, dsn: str, pool_size: int = 10) -> None:
        super().__init__()
        self.dialect = postgresql.asyncpg.dialect()
        self.dsn = dsn
        self.pool_size = pool_size
        self.pool = None

    def millis(self, value: Any) -> int | None:
        return None if value is None else wire.to_millis(value)

    async def connect(self) -> None:
        import asyncpg

        try:
            self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=self.pool_size, timeout=10,
                                                  reset=_keep_session)
        except (OSError, asyncpg.PostgresError, asyncio.TimeoutError) as exc:
            raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {exc}") from exc

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()

    async def fetch(self, c: Compiled, values: dict | None = None, *, heavy: bool = False) -> list[Row]:
        return await self.pool.fetch(c.sql, *self.adapt_args(c.args(values)))

    async def stream(self, c: Compiled, values: dict | None = None, batch: int = 500) -> AsyncIterator[list[Row]]:
        args = self.adapt_args(c.args(values))
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            cursor = await conn.cursor(c.sql, *args)
            while True:
                rows = await cursor.fetch(batch)
                if not rows:
                    break
                yield rows

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator["PostgresTransaction"]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield PostgresTransaction(self, conn)


async def _keep_session(conn: Any) -> None:
    """Pool release hook: nothing beyond asyncpg's own rollback of an open transaction.

    asyncpg's default reset sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL` on every release: one more round trip per request (measured ~9% of
    a GET by id, BENCHMARKS.md). This code leaves no session state behind: locks
    are transaction-scoped (pg_advisory_xact_lock), cursors live in transactions,
    and nothing uses SET, LISTEN or session advisory locks."""


class PostgresTransaction(Transaction):
    def __init__(self, db: PostgresDatabase, conn: Any) -> None:
        self.db = db
        self.conn = conn

    async def execute(self, c: Compiled, values: dict | None = None) -> int:
        status = await self.conn.execute(c.sql, *self.db.adapt_args(c.args(values)))
        # asyncpg returns e.g. "UPDATE 3"; the last word is the row count.
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    async def executemany(self, c: Compiled, rows: list[dict]) -> None:
        if rows:
            await self.conn.executemany(c.sql, [self.db.adapt_args(c.args(r)) for r in rows])

    async def fetch(self, c: Compiled, values: dict | None = None) -> list[Row]:
        return await self.conn.fetch(c.sql, *self.db.adapt_args(c.args(values)))


# ---------------------------------------------------------------------------


def sqlalchemy_url(database_url: str) -> str:
    """The async SQLAlchemy URL (used by Alembic) for a `KCI_DATABASE_URL`."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


def open_database(database_url: str, pool_size: int = 10) -> Database:
    """A `Database` for the URL; raises DatabaseUnavailable for a URL it cannot use."""
    try:
        url = make_url(database_url)
    except sa.exc.ArgumentError as exc:
        raise DatabaseUnavailable(f"invalid database URL {database_url!r}") from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        return SqliteDatabase(url.database or ":memory:")
    if backend in ("postgresql", "postgres"):
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresDatabase(dsn, pool_size)
    raise DatabaseUnavailable(f"unsupported database URL {database_url!r} (use sqlite:/// or postgresql://)")
