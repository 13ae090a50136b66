"""`Query` → one SQL statement, compiled once per query *shape*.

A shape is everything about a query except its values: the collection, the
filtered columns and operators (and how many values an any-of has), the sort,
the projection, whether there is a limit or skip. The SQL text of a shape is
compiled on first use and cached by the `Database`; each request only binds
its values (see DESIGN.md, "fast by construction").
"""

from __future__ import annotations

from typing import Any, Hashable

import sqlalchemy as sa

from kci_backend.models import Collection, Kind
from kci_backend.store.tables import table

from .params import Condition, Query

Shape = tuple[Hashable, ...]


def condition_shape(conditions: list[Condition]) -> tuple[tuple[str, str, int], ...]:
    return tuple((c.column, c.op, len(c.value) if c.op == "in" else 0) for c in conditions)


def condition_values(conditions: list[Condition], prefix: str = "") -> dict[str, Any]:
    values: dict[str, Any] = {}
    for i, c in enumerate(conditions):
        if c.op == "in":
            for j, v in enumerate(c.value):
                values[f"{prefix}w{i}_{j}"] = v
        elif c.op in ("eq", "gte", "lt"):
            values[f"{prefix}w{i}"] = c.value
    return values


def where_clauses(t: sa.Table, shape: tuple[tuple[str, str, int], ...], prefix: str = "") -> list[sa.ColumnElement]:
    """The WHERE terms of a condition shape; bind names are `<prefix>w<i>` (a prefix lets
    two tables' filters share one statement)."""
    clauses: list[sa.ColumnElement] = []
    for i, (column, op, n) in enumerate(shape):
        if column not in t.c:
            # A missing field equals nothing, but is "null or missing" (count.md §2.1).
            if op != "null":
                clauses.append(sa.false())
            continue
        col = t.c[column]
        name = f"{prefix}w{i}"
        if op == "eq":
            clauses.append(col == sa.bindparam(name, type_=col.type))
        elif op == "in":
            clauses.append(col.in_([sa.bindparam(f"{name}_{j}", type_=col.type) for j in range(n)]))
        elif op == "null":
            clauses.append(col.is_(None))
        elif op == "gte":
            clauses.append(col >= sa.bindparam(name, type_=col.type))
        elif op == "lt":
            clauses.append(col < sa.bindparam(name, type_=col.type))
        else:  # "never"
            clauses.append(sa.false())
    return clauses


def _order(t: sa.Table, sort: tuple[str, ...], sort_order: int) -> list[sa.ColumnElement]:
    return [t.c[s].asc() if sort_order == 1 else t.c[s].desc() for s in sort]


def list_statement(collection: Collection, query: Query, columns: tuple[str, ...]) -> tuple[Shape, Any, dict]:
    """(shape, builder, values) of a plain (not aggregated) list query."""
    cshape = condition_shape(query.conditions)
    shape = ("list", collection.name, columns, cshape, tuple(query.sort), query.sort_order,
             query.limit > 0, query.skip > 0)

    def build() -> sa.Select:
        t = table(collection.name)
        stmt = sa.select(*(t.c[n] for n in columns)).where(*where_clauses(t, cshape))
        stmt = stmt.order_by(*_order(t, tuple(query.sort), query.sort_order))
        if query.limit > 0:
            stmt = stmt.limit(sa.bindparam("lim", type_=sa.Integer))
        if query.skip > 0:
            stmt = stmt.offset(sa.bindparam("off", type_=sa.Integer))
        return stmt

    values = condition_values(query.conditions)
    values["lim"] = query.limit
    values["off"] = query.skip
    return shape, build, values


def aggregate_statement(collection: Collection, query: Query, output: tuple[str, ...]) -> tuple[Shape, Any, dict]:
    """Group by the aggregate fields (query.md §13): the first document of each group,
    plus the max (sort_order -1) or min (1) of each sort key over the group."""
    group = tuple(a for a in query.aggregate)
    cshape = condition_shape(query.conditions)
    shape = ("aggregate", collection.name, group, output, cshape, tuple(query.sort), query.sort_order,
             query.limit > 0)

    def build() -> sa.Select:
        t = table(collection.name)
        # A field that is not stored, or never shown (a token hash), groups as a missing field: null.
        shown = {g for g in group if g in t.c and not collection.by_name[g].hidden}
        partition = [t.c[g] if g in shown else sa.null() for g in group]
        inner = sa.select(
            *(t.c[g].label(f"g_{i}") if g in shown else sa.null().label(f"g_{i}") for i, g in enumerate(group)),
            *(t.c[n].label(f"f_{n}") for n in output),
            *(_group_extreme(collection, t.c[s], partition, query.sort_order).label(f"s_{i}")
              for i, s in enumerate(query.sort)),
            sa.func.row_number().over(partition_by=partition, order_by=t.c["_id"]).label("rn"),
        ).where(*where_clauses(t, cshape)).subquery()
        stmt = sa.select(
            *(inner.c[f"g_{i}"] for i in range(len(group))),
            *(inner.c[f"f_{n}"] for n in output),
            *(inner.c[f"s_{i}"] for i in range(len(query.sort))),
        ).where(inner.c.rn == 1)
        order = [inner.c[f"s_{i}"] for i in range(len(query.sort))]
        stmt = stmt.order_by(*(o.asc() if query.sort_order == 1 else o.desc() for o in order))
        if query.limit > 0:
            stmt = stmt.limit(sa.bindparam("lim", type_=sa.Integer))
        return stmt

    values = condition_values(query.conditions)
    values["lim"] = query.limit
    return shape, build, values


def _group_extreme(collection: Collection, col: sa.Column, partition: list, sort_order: int) -> sa.ColumnElement:
    """The group's max (sort_order -1) or min (1) of a sort field, nulls ignored as MongoDB does.
    PostgreSQL has no max/min for boolean or jsonb, so those take the first value in that order."""
    if collection.by_name[col.name].kind in (Kind.BOOL, Kind.JSON):
        order = (col.asc() if sort_order == 1 else col.desc()).nulls_last()
        return sa.func.first_value(col).over(partition_by=partition, order_by=order)
    reduce = sa.func.min if sort_order == 1 else sa.func.max
    return reduce(col).over(partition_by=partition)


def count_statement(collection: Collection, conditions: list[Condition]) -> tuple[Shape, Any, dict]:
    cshape = condition_shape(conditions)

    def build() -> sa.Select:
        t = table(collection.name)
        return sa.select(sa.func.count()).select_from(t).where(*where_clauses(t, cshape))

    return ("count", collection.name, cshape), build, condition_values(conditions)


def _distinct_values(t: sa.Table, column: str, cshape, include_null: bool) -> sa.Select:
    col = t.c[column]
    where = where_clauses(t, cshape) + ([] if include_null else [col.is_not(None)])
    return sa.select(col).distinct().where(*where)


def distinct_statement(collection: Collection, column: str, conditions: list[Condition],
                       include_null: bool = True) -> tuple[Shape, Any, dict]:
    """Unique values in ascending order. A stored null is a value, and sorts
    first as in MongoDB (distinct.md §3)."""
    cshape = condition_shape(conditions)

    def build() -> sa.Select:
        t = table(collection.name)
        return _distinct_values(t, column, cshape, include_null).order_by(t.c[column].asc().nulls_first())

    return ("distinct", collection.name, column, cshape, include_null), build, condition_values(conditions)


def count_distinct_statement(collection: Collection, column: str, conditions: list[Condition],
                             include_null: bool = True) -> tuple[Shape, Any, dict]:
    cshape = condition_shape(conditions)

    def build() -> sa.Select:
        values = _distinct_values(table(collection.name), column, cshape, include_null).subquery()
        return sa.select(sa.func.count()).select_from(values)

    return ("count_distinct", collection.name, column, cshape, include_null), build, condition_values(conditions)


def by_id_statement(collection: Collection, columns: tuple[str, ...], key: str = "_id") -> tuple[Shape, Any]:
    def build() -> sa.Select:
        t = table(collection.name)
        return sa.select(*(t.c[n] for n in columns)).where(t.c[key] == sa.bindparam("key"))

    return ("by", collection.name, key, columns), build
