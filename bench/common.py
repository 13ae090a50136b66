"""Shared plumbing of the bench scripts: the venv, database creation and analysis."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = ROOT / ".venv" / "bin"


def use_project_venv() -> None:
    """Re-run the calling script under the project's virtualenv when started with another Python."""
    python = VENV_BIN / "python"
    if python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(str(python), [str(python), *sys.argv])
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


def kind_of(database_url: str) -> str:
    from sqlalchemy.engine import make_url

    backend = make_url(database_url).get_backend_name()
    return "sqlite" if backend == "sqlite" else "postgresql"


def asyncpg_dsn(database_url: str, database: str | None = None) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql")
    if database is not None:
        url = url.set(database=database)
    return url.render_as_string(hide_password=False)


async def recreate(database_url: str) -> None:
    """Drop and create the database named by the URL (a PostgreSQL database or a SQLite file)."""
    from sqlalchemy.engine import make_url

    if kind_of(database_url) == "sqlite":
        path = make_url(database_url).database
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    import asyncpg

    name = make_url(database_url).database
    if not name or not name.replace("_", "").isalnum():
        raise SystemExit(f"refusing to recreate database {name!r}: use a plain name such as kci_bench")
    conn = await asyncpg.connect(asyncpg_dsn(database_url, "postgres"))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def analyze(db) -> None:
    """Fresh planner statistics after a bulk load (VACUUM also sets the visibility map)."""
    if db.kind == "postgresql":
        async with db.pool.acquire() as conn:
            await conn.execute("VACUUM ANALYZE")
    else:
        db._writer.execute("ANALYZE")
