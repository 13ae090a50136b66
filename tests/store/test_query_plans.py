"""Every dashboard query pattern is served by an index, proven with EXPLAIN.

Each pattern is a query string as a dashboard sends it. It is compiled
exactly as the server compiles it (the query parser, `query/sql.py` and
`Documents`), then explained on a database holding a few thousand rows per
collection:

* SQLite: `EXPLAIN QUERY PLAN` must not contain a bare `SCAN <table>` (a full
  table scan with no index).
* PostgreSQL: after ANALYZE, `EXPLAIN (FORMAT JSON)` must not contain a
  `Seq Scan` on the pattern's table. The planner is left free
  (`enable_seqscan` untouched), so this only passes when an index really is
  the cheaper way.

Patterns of collections whose model is not declared yet are skipped; they
start to count the moment the model lands.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from kci_backend import models, wire
from kci_backend.models import Kind
from kci_backend.query import sql as qsql
from kci_backend.query.params import Params, parse_filters, parse_list, parse_pairs
from kci_backend.resources.count import COUNT_FILTERS
from kci_backend.store.database import Compiled, Database, open_database
from kci_backend.store.documents import Documents
from kci_backend.store.migrate import upgrade

PG_ADMIN_URL = os.environ.get("KCI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROWS = 5000
# Distinct values per field. Pairwise-coprime, so a combination of these
# fields never repeats below ROWS rows (natural keys stay unique); every
# other text field gets a value of its own per row.
CARDINALITY = {
    "job": 41, "git_branch": 7, "kernel": 997, "status": 3, "arch": 5, "lab_name": 11, "board": 13,
    "plan": 17, "device_type": 19, "defconfig_full": 23, "job_id": 41, "build_id": 499,
    "test_group_id": 491,
}


@dataclass(frozen=True)
class Pattern:
    collection: str
    kind: str  # list | count | distinct | get
    query: str = ""  # `*` stands for a value present in the data
    field: str = ""  # distinct: the field; get: the key column

    @property
    def id(self) -> str:
        extra = f"[{self.field}]" if self.field else ""
        return f"{self.collection}:{self.kind}{extra}:{self.query}"


NEWEST = "sort=created_on&limit=50"
PATTERNS = [
    # Jobs: a tree's kernels, newest first, and the job page itself.
    Pattern("job", "list", f"job=*&{NEWEST}"),
    Pattern("job", "list", "kernel=*"),
    Pattern("job", "list", f"job=*&git_branch=*&{NEWEST}"),
    Pattern("job", "list", "job=*&kernel=*&git_branch=*"),
    Pattern("job", "list", NEWEST),
    Pattern("job", "list", "time_range=60"),
    Pattern("job", "list", "aggregate=kernel&job=*&sort=created_on&limit=10&field=kernel&field=git_branch"),
    Pattern("job", "count", "job=*"),
    Pattern("job", "count", "job=*&status=*"),
    Pattern("job", "count", "time_range=60"),
    Pattern("job", "distinct", "job=*", "kernel"),
    Pattern("job", "distinct", "job=*", "git_branch"),
    Pattern("job", "get", field="_id"),
    # Builds of a kernel, of a job document, of a tree over time.
    Pattern("build", "list", "job=*&kernel=*&git_branch=*"),
    Pattern("build", "list", "job=*&kernel=*&status=*"),
    Pattern("build", "list", "job_id=*"),
    Pattern("build", "list", f"job=*&{NEWEST}"),
    Pattern("build", "list", f"kernel=*&{NEWEST}"),
    Pattern("build", "list", NEWEST),
    Pattern("build", "list", "aggregate=kernel&job=*&sort=created_on&limit=2&field=job&field=kernel"
                             "&field=git_branch&field=created_on"),
    Pattern("build", "count", "job=*&kernel=*&status=*"),
    Pattern("build", "count", "job_id=*"),
    Pattern("build", "count", "time_range=60"),
    Pattern("build", "distinct", "job=*&kernel=*", "arch"),
    Pattern("build", "distinct", "job=*&kernel=*", "defconfig_full"),
    Pattern("build", "get", field="_id"),
    # Boots (2019): by kernel, by lab and board, newest first.
    Pattern("boot", "list", "job=*&kernel=*"),
    Pattern("boot", "list", "job=*&kernel=*&lab_name=*&board=*"),
    Pattern("boot", "list", f"lab_name=*&board=*&{NEWEST}"),
    Pattern("boot", "list", f"lab_name=*&{NEWEST}"),
    Pattern("boot", "list", "job_id=*"),
    Pattern("boot", "list", NEWEST),
    Pattern("boot", "count", "job=*&kernel=*&status=*"),
    Pattern("boot", "count", "lab_name=*&board=*"),
    Pattern("boot", "count", "time_range=60"),
    Pattern("boot", "distinct", "lab_name=*", "board"),
    Pattern("boot", "distinct", "job=*&kernel=*", "lab_name"),
    # Test groups: of a kernel, of a build, sub-groups of a group.
    Pattern("test_group", "list", "job=*&kernel=*&git_branch=*"),
    Pattern("test_group", "list", "job=*&kernel=*"),
    Pattern("test_group", "list", "build_id=*"),
    Pattern("test_group", "list", "parent_id=*"),
    Pattern("test_group", "list", NEWEST),
    Pattern("test_group", "count", "job=*&kernel=*"),
    Pattern("test_group", "count", "time_range=60"),
    Pattern("test_group", "distinct", "job=*&kernel=*", "device_type"),
    Pattern("test_group", "distinct", "job=*&kernel=*", "lab_name"),
    # Test cases: of a group, by plan and status, by lab and device.
    Pattern("test_case", "list", "test_group_id=*"),
    Pattern("test_case", "list", "job=*&git_branch=*&kernel=*&plan=*&status=*"),
    Pattern("test_case", "list", "job=*&kernel=*&plan=*&status=*"),
    Pattern("test_case", "list", f"plan=*&status=*&{NEWEST}"),
    Pattern("test_case", "list", "lab_name=*&device_type=*"),
    Pattern("test_case", "list", "regression_id=*"),
    Pattern("test_case", "list", NEWEST),
    Pattern("test_case", "count", "job=*&git_branch=*&kernel=*&plan=*&status=*"),
    Pattern("test_case", "count", "test_group_id=*"),
    Pattern("test_case", "count", "time_range=60"),
    Pattern("test_case", "distinct", "job=*&kernel=*", "device_type"),
    Pattern("test_case", "distinct", "test_group_id=*", "mach"),
    # Test regressions of a kernel.
    Pattern("test_regression", "list", "job=*&kernel=*&git_branch=*&plan=*"),
    Pattern("test_regression", "list", "job=*&kernel=*"),
    Pattern("test_regression", "count", "job=*&kernel=*"),
    # Labs and tokens: looked up on every callback and every request.
    Pattern("lab", "get", field="name"),
    Pattern("lab", "list", "token=*"),
    Pattern("lab", "list", "name=*"),
    Pattern("token", "get", field="token_hash"),
]
# A control: no index covers `git_describe`, so this one must be a full scan.
UNINDEXED = Pattern("job", "list", "git_describe=*")


# ---------------------------------------------------------------------------
# Data: ROWS documents per declared collection
# ---------------------------------------------------------------------------


class Values:
    """Deterministic column values: row `i` of each field, and a sample value per field."""

    def __init__(self) -> None:
        self.now = wire.utcnow()
        self._ids: dict[str, list[str]] = {}

    def ids(self, field: str, n: int) -> list[str]:
        if field not in self._ids:
            self._ids[field] = [wire.new_id() for _ in range(n)]
        return self._ids[field]

    def value(self, name: str, kind: Kind, i: int) -> Any:
        card = CARDINALITY.get(name)
        if kind is Kind.DATE:
            return self.now - timedelta(minutes=i)
        if kind is Kind.OID:
            return self.ids(name, card)[i % card] if card else wire.new_id()
        if kind is Kind.INT:
            return i % card if card else i
        if kind is Kind.FLOAT:
            return float(i)
        if kind is Kind.BOOL:
            return i % 2 == 0
        if kind is Kind.JSON:
            return None
        return f"{name}-{i % card}" if card else f"{name}-{i}"

    def sample(self, name: str, kind: Kind | None) -> str:
        """A query-string value matching some rows of the field."""
        if kind is Kind.OID:
            card = CARDINALITY.get(name)
            return self.ids(name, card)[1] if card else wire.new_id()
        if kind is Kind.DATE:
            return self.now.strftime("%Y-%m-%d")
        value = self.value(name, kind or Kind.TEXT, 7)
        return str(value).lower() if isinstance(value, bool) else str(value)


def rows_for(collection: models.Collection, values: Values) -> list[dict]:
    fields = [f for f in collection.fields if f.name != "_id"]
    return [{f.name: values.value(f.name, f.kind, i) for f in fields} for i in range(ROWS)]


# ---------------------------------------------------------------------------
# Compiling a pattern as the server does, and explaining it
# ---------------------------------------------------------------------------


def params_of(pattern: Pattern, collection: models.Collection, values: Values) -> Params:
    pairs = []
    for key, value in parse_pairs(pattern.query):
        if value == "*":
            value = values.sample(key, collection.kind_of(key))
        pairs.append((key, value))
    return Params(pairs)


def compiled(db: Database, pattern: Pattern, values: Values) -> tuple[Compiled, dict]:
    spec = models.get(pattern.collection)
    docs = Documents(db, spec)
    params = params_of(pattern, spec, values)
    if pattern.kind == "get":
        shape, build = qsql.by_id_statement(spec, docs.visible, pattern.field)
        return db.statement(shape, build), {"key": values.sample(pattern.field, spec.kind_of(pattern.field))}
    if pattern.kind == "count":
        # /count filters with its own vocabulary (count.md §2.1), like the endpoint.
        shape, build, bound = qsql.count_statement(spec, parse_filters(COUNT_FILTERS, params))
        return db.statement(shape, build), bound
    if pattern.kind == "distinct":
        shape, build, bound = qsql.distinct_statement(spec, pattern.field, parse_filters(spec, params))
        return db.statement(shape, build), bound
    query = parse_list(spec, params)
    if query.aggregate:
        # The output columns as Documents.aggregate chooses them.
        output = tuple(n for n in query.aggregate_fields or () if n in docs.visible)
        shape, build, bound = qsql.aggregate_statement(spec, query, output)
        return db.statement(shape, build), bound
    statement, bound, _ = docs.list_compiled(query)
    return statement, bound


async def explain(db: Database, pattern: Pattern, values: Values) -> Any:
    statement, bound = compiled(db, pattern, values)
    prefix = "EXPLAIN QUERY PLAN " if db.kind == "sqlite" else "EXPLAIN (FORMAT JSON) "
    rows = await db.fetch(Compiled(prefix + statement.sql, statement.names, statement.defaults), bound)
    if db.kind == "sqlite":
        return [row[3] for row in rows]
    plan = rows[0][0]
    return json.loads(plan) if isinstance(plan, str) else plan


def full_scans(kind: str, plan: Any, table: str) -> list[str]:
    """The steps of a plan that read the whole table without an index."""
    if kind == "sqlite":
        bare = re.compile(rf"SCAN (TABLE )?{re.escape(table)}( AS \w+)?\Z")
        return [step for step in plan if bare.match(step)]
    found = []

    def walk(node: dict) -> None:
        if node.get("Node Type") == "Seq Scan" and node.get("Relation Name") == table:
            found.append(f"Seq Scan on {table}")
        for child in node.get("Plans", ()):
            walk(child)

    for entry in plan:
        walk(entry["Plan"])
    return found


# ---------------------------------------------------------------------------
# One database per backend, filled once for the module
# ---------------------------------------------------------------------------


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


async def _fill_and_explain(database_url: str) -> dict[str, Any]:
    db = open_database(database_url)
    await db.connect()
    values = Values()
    try:
        wanted = sorted({p.collection for p in PATTERNS if p.collection in models.REGISTRY})
        for name in wanted:
            docs = Documents(db, models.get(name))
            async with db.transaction() as tx:
                await docs.insert_many(tx, rows_for(docs.collection, values))
            if db.kind == "postgresql":
                await db.execute(Compiled(f'ANALYZE "{name}"', (), {}))
        plans = {}
        for pattern in (*PATTERNS, UNINDEXED):
            if pattern.collection in models.REGISTRY:
                plans[pattern.id] = await explain(db, pattern, values)
        return plans
    finally:
        await db.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def plans(request, tmp_path_factory) -> tuple[str, dict[str, Any]]:
    kind = request.param
    if kind == "sqlite":
        path: Path = tmp_path_factory.mktemp("plans") / "plans.sqlite3"
        url = f"sqlite:///{path}"
        upgrade(url)
        return kind, asyncio.run(_fill_and_explain(url))
    name = f"kci_plans_{uuid.uuid4().hex[:12]}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        upgrade(url)
        return kind, asyncio.run(_fill_and_explain(url))
    finally:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.id)
def test_pattern_uses_an_index(plans, pattern):
    if pattern.collection not in models.REGISTRY:
        pytest.skip(f"collection {pattern.collection} is not declared yet")
    kind, by_id = plans
    plan = by_id[pattern.id]
    scans = full_scans(kind, plan, pattern.collection)
    assert not scans, f"{pattern.id} reads all of {pattern.collection} on {kind}:\n{json.dumps(plan, indent=1)}"


def test_the_check_sees_a_full_scan(plans):
    """A filter no index covers is reported, so the test above can fail."""
    kind, by_id = plans
    assert full_scans(kind, by_id[UNINDEXED.id], "job"), by_id[UNINDEXED.id]
