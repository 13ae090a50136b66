"""`/trigger/boot` (spec/boot.md §9, optional): builds a lab could boot-test.

Without `compared` it is a build list restricted to a few filter keys. With
`compared`, builds that already have a boot report from another lab are left
out; that test is a NOT EXISTS on the boot table inside the same statement,
so paging and counts apply to the final result.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, AsyncIterator

import sqlalchemy as sa

from kci_backend import models
from kci_backend.query import sql as qsql
from kci_backend.query.params import Condition, Params, Query, parse_filters, parse_list
from kci_backend.store.tables import table

if TYPE_CHECKING:
    from kci_backend.app import State

FILTER_KEYS = frozenset({"arch", "created_on", "defconfig", "defconfig_full", "git_branch", "git_commit",
                         "git_describe", "_id", "job", "job_id", "kernel", "private", "status"})
LIST_KEYS = frozenset({"date_range", "time_range", "sort", "sort_order", "limit", "skip", "field", "nfield"})
# The boot side of `compared` reuses the filters except these (boot.md §9).
NOT_FOR_BOOTS = frozenset({"git_branch", "git_commit", "git_describe", "_id"})


def build_params(params: Params) -> Params:
    """Only the query keys /trigger/boot accepts (gte/lt only on its filter keys)."""
    kept = []
    for key, value in params.pairs:
        if key in FILTER_KEYS or key in LIST_KEYS:
            kept.append((key, value))
        elif key in ("gte", "lt") and value.split(",", 1)[0].strip() in FILTER_KEYS:
            kept.append((key, value))
    return Params(kept)


def wants_comparison(params: Params) -> bool:
    """`compared` present with a non-empty value other than 0 (last one wins)."""
    value = params.last("compared")
    return value is not None and value not in ("", "0")


def _boot_params(params: Params) -> Params:
    return Params([(k, v) for k, v in params.pairs
                   if k not in NOT_FOR_BOOTS and not (k in ("gte", "lt") and v.split(",", 1)[0].strip() in NOT_FOR_BOOTS)])


async def builds(state: "State", params: Params, other_than_labs: list[str] | None) -> tuple[Query, AsyncIterator[list[dict]]]:
    """(the parsed query, batches of matching builds in their GET form)."""
    params = build_params(params)
    docs = state.documents("build")
    query = parse_list(docs.collection, params)
    query.aggregate = []
    if other_than_labs is None:
        return query, docs.stream(query)
    boot_conditions = parse_filters(models.get("boot"), _boot_params(params))
    columns = query.columns if query.columns is not None else docs.visible
    compiled, values = _compared_statement(state, query, columns, boot_conditions, other_than_labs)
    codec = docs.codec(columns)

    async def batches() -> AsyncIterator[list[dict]]:
        async for rows in state.db.stream(compiled, values):
            yield [codec(r) for r in rows]

    return query, batches()


def _compared_statement(state: "State", query: Query, columns: tuple[str, ...], boot_conditions: list[Condition],
                        labs: list[str]):
    build_shape = qsql.condition_shape(query.conditions)
    boot_shape = qsql.condition_shape(boot_conditions)
    key = ("trigger-boot", columns, build_shape, boot_shape, len(labs), tuple(query.sort), query.sort_order,
           query.limit > 0, query.skip > 0)

    def build() -> sa.Select:
        builds_t, boots_t = table("build"), table("boot")
        other_labs = sa.select(boots_t.c._id).where(
            boots_t.c.build_id == builds_t.c._id,
            boots_t.c.lab_name.not_in([sa.bindparam(f"lab{i}", type_=sa.Text()) for i in range(len(labs))]),
            *qsql.where_clauses(boots_t, boot_shape, prefix="x"))
        stmt = (sa.select(*(builds_t.c[n] for n in columns))
                .where(*qsql.where_clauses(builds_t, build_shape), ~sa.exists(other_labs)))
        order = [builds_t.c[s] for s in query.sort]
        stmt = stmt.order_by(*(c.asc() if query.sort_order == 1 else c.desc() for c in order))
        if query.limit > 0:
            stmt = stmt.limit(sa.bindparam("lim", type_=sa.Integer))
        if query.skip > 0:
            stmt = stmt.offset(sa.bindparam("off", type_=sa.Integer))
        return stmt

    values: dict[str, Any] = qsql.condition_values(query.conditions)
    values.update(qsql.condition_values(boot_conditions, prefix="x"))
    values.update({f"lab{i}": name for i, name in enumerate(labs)})
    values.update(lim=query.limit, off=query.skip)
    return state.db.statement(key, build), values
