"""The kernel page's boot queries read the (job, kernel, git_branch, created_on) index in order.

`/boot?job=&git_branch=&kernel=&sort=created_on&limit=50` (newest boots of a
kernel) used to fetch every boot of the kernel and sort them; with the index
the database reads the first 50 entries and stops (BENCHMARKS.md: 1.75 ms →
0.12 ms per query on the reference data). Checked on both databases after
ANALYZE, with the statement compiled exactly as the server compiles it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import asyncpg
import orjson
import pytest

from kci_backend import models
from kci_backend.query.params import Params, parse_list, parse_pairs
from kci_backend.services.boots import identity_key
from kci_backend.store.database import open_database
from kci_backend.store.documents import Documents
from kci_backend.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get("KCI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
INDEX = "ix_boot_job_kernel_git_branch_created_on"
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
QUERY = "job=job-1&git_branch=master&kernel=kernel-17&sort=created_on&limit=50"


def boots() -> list[dict]:
    """40 kernels one after the other in time, each booted 300 times (a kernel page's worth)
    in 2 jobs, on 12 boards of 4 labs: a kernel page is 1/80 of the table, as in production
    where it is a small slice of a large table."""
    out = []
    for n in range(40 * 2 * 300):
        kernel, job, slot = n // 600, n % 2, (n % 600) // 2
        doc = {"version": "1.1", "job": f"job-{job}", "git_branch": "master", "kernel": f"kernel-{kernel}",
               "lab_name": f"lab-{slot % 4}", "board": f"board-{slot % 12}", "arch": "arm64", "defconfig": "defconfig",
               "defconfig_full": f"defconfig+{slot // 12}", "status": ("PASS", "PASS", "FAIL")[n % 3],
               "created_on": START + timedelta(minutes=n)}
        doc["identity_key"] = identity_key(doc)
        out.append(doc)
    return out


def database_url(kind: str, tmp_path: Path) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'plan.sqlite3'}", None
    name = f"kci_test_{uuid.uuid4().hex[:12]}"
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, name


async def admin(sql: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def plan_and_rows(url: str) -> tuple[str, list[dict]]:
    db = open_database(url)
    await db.connect()
    try:
        docs = Documents(db, models.get("boot"))
        async with db.transaction() as tx:
            await docs.insert_many(tx, boots())
        query = parse_list(docs.collection, Params(parse_pairs(QUERY)))
        compiled, values, _ = docs.list_compiled(query)
        args = db.adapt_args(compiled.args(values))
        if db.kind == "postgresql":
            async with db.pool.acquire() as conn:
                await conn.execute("ANALYZE boot")
                plan = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {compiled.sql}", *args)
        else:
            db._writer.execute("ANALYZE")
            plan = orjson.dumps([r[3] for r in db._reader.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", args)]).decode()
        return plan, await docs.list(query)
    finally:
        await db.close()


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_newest_boots_of_a_kernel_come_from_the_index_without_a_sort(kind, tmp_path):
    url, pg_name = database_url(kind, tmp_path)
    if pg_name:
        try:
            asyncio.run(admin(f'CREATE DATABASE "{pg_name}"'))
        except OSError as exc:
            pytest.skip(f"PostgreSQL not reachable: {exc}")
    try:
        upgrade(url)
        plan, rows = asyncio.run(plan_and_rows(url))
    finally:
        if pg_name:
            asyncio.run(admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))
    assert INDEX in plan
    assert '"Sort"' not in plan and "TEMP B-TREE" not in plan
    page = [d for d in boots() if (d["job"], d["git_branch"], d["kernel"]) == ("job-1", "master", "kernel-17")]
    expected = sorted(page, key=lambda d: d["created_on"], reverse=True)[:50]
    assert len(rows) == 50
    assert [r["created_on"]["$date"] for r in rows] == [int(d["created_on"].timestamp() * 1000) for d in expected]
