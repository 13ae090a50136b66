"""The two floors every scenario is compared with (BENCHMARKS.md).

(a) `fixed_app`: a bare Starlette endpoint that answers any request with one
    fixed JSON list — the cost of HTTP on uvicorn alone.
(b) `sql_app`: a bare Starlette endpoint that, for a request of a read
    scenario, runs the very SQL the server runs for it (compiled ahead, at
    start-up, by bench/sqlof.py through kci_backend's query code) on the raw
    driver and encodes the rows with orjson: no query building, no auth, no
    envelope logic.

Both run under uvicorn with 2 workers like the server:
    python -m uvicorn bench.floors:fixed_app --factory --workers 2
    BENCH_FLOOR_DB=... BENCH_FLOOR_REQUESTS=dir python -m uvicorn bench.floors:sql_app --factory --workers 2
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
from pathlib import Path

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

FIXED = orjson.dumps({"code": 200, "count": 2, "result": [
    {"_id": {"$oid": "65a1b2c3d4e5f60718293a4b"}, "job": "mainline", "kernel": "v6.8-rc1", "status": "PASS"},
    {"_id": {"$oid": "65a1b2c3d4e5f60718293a4c"}, "job": "next", "kernel": "next-20240115", "status": "FAIL"},
]})
METHODS = ["GET", "POST"]


def fixed_app() -> Starlette:
    async def answer(request: Request) -> Response:
        await request.body()
        return Response(FIXED, media_type="application/json")

    return Starlette(routes=[Route("/{path:path}", answer, methods=METHODS)])


def load_requests(directory: Path) -> list[tuple[str, str, bytes]]:
    """(method, target, body) of every line of every request file of a directory."""
    out = []
    for path in sorted(directory.glob("*.txt")):
        for line in path.read_text().splitlines():
            method, target, *body = line.split("\t")
            out.append((method, target, body[0].encode() if body and body[0] else b""))
    return out


def compiled_statements(database_url: str, requests: list[tuple[str, str, bytes]]) -> dict:
    """(method, target, body) → [(sql, args)], compiled once through kci_backend's code."""
    from kci_backend.store.database import open_database

    from .sqlof import Compiler

    compiler = Compiler(open_database(database_url))
    return {key: [(s.sql, s.args) for s in compiler.statements(*key)] for key in dict.fromkeys(requests)}


def sql_app() -> Starlette:
    database_url = os.environ["BENCH_FLOOR_DB"]
    statements = compiled_statements(database_url, load_requests(Path(os.environ["BENCH_FLOOR_REQUESTS"])))
    runner = PostgresRunner(database_url) if not database_url.startswith("sqlite") else SqliteRunner(database_url)

    async def answer(request: Request) -> Response:
        target = request.url.path + ("?" + request.url.query if request.url.query else "")
        body = await request.body()
        found = statements.get((request.method, target, body))
        if found is None:
            return Response(b'{"code":404}', status_code=404, media_type="application/json")
        if len(found) == 1:
            return Response(orjson.dumps(await runner.rows(*found[0])), media_type="application/json")
        results = await asyncio.gather(*(runner.rows(sql, args) for sql, args in found))
        return Response(orjson.dumps(results), media_type="application/json")

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await runner.start()
        yield
        await runner.stop()

    return Starlette(routes=[Route("/{path:path}", answer, methods=METHODS)], lifespan=lifespan)


async def _no_reset(conn) -> None:
    pass


class PostgresRunner:
    def __init__(self, database_url: str) -> None:
        from .common import asyncpg_dsn

        self.dsn = asyncpg_dsn(database_url)
        self.pool = None

    async def start(self) -> None:
        import asyncpg

        # The server's pool size per worker (KCI_PG_POOL_SIZE default), and like the
        # server no reset statement on release (kci_backend/store/database.py).
        self.pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=10, reset=_no_reset)

    async def stop(self) -> None:
        await self.pool.close()

    async def rows(self, sql: str, args: tuple) -> list[dict]:
        return [dict(r) for r in await self.pool.fetch(sql, *args)]


class SqliteRunner:
    def __init__(self, database_url: str) -> None:
        self.path = database_url.split(":///", 1)[1]
        self.conn: sqlite3.Connection | None = None

    async def start(self) -> None:
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)

    async def stop(self) -> None:
        self.conn.close()

    async def rows(self, sql: str, args: tuple) -> list[dict]:
        cursor = self.conn.execute(sql, args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
