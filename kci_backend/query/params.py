"""Query string → `Query`, following spec/query.md.

Each parameter family is one small function contributing to the `Query`
(as Datasette's filters do): equality / any-of / null filters, the
`created_on` day, `date_range`, `gte`/`lt`, `time_range`, paging, sort,
projection and aggregate. Bad paging, sort order, projection or aggregate
values raise `QueryError` (a 400); bad filter values are dropped silently,
as v1 clients expect.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable, Iterable
from urllib.parse import parse_qsl

from kci_backend.models import Collection, Kind

from .values import Invalid, coerce, parse_day, parse_int, start_of

# The created_on conditions are kept apart: later families replace them (§15).
CREATED_ON = "created_on"
# Keys whose single value wins when repeated (§2).
_LAST_WINS = ("limit", "skip", "sort_order", "created_on", "date_range", "time_range")
_CONTROL = {c: " " for c in range(32)} | {127: " "}
_DAY_END = timedelta(hours=23, minutes=59, seconds=59)
# limit / skip are bound as SQL INTEGER (32-bit on PostgreSQL); larger values mean the same.
_PAGING_MAX = 2**31 - 1


class QueryError(ValueError):
    """A query parameter value the language refuses (answered with 400)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def invalid_parameter(name: str) -> QueryError:
    return QueryError(f"Invalid value for query parameter '{name}'")


@dataclass(frozen=True)
class Condition:
    """One WHERE term: `op` is eq, in, null, gte, lt or never (matches nothing)."""

    column: str
    op: str
    value: object = None


@dataclass
class Query:
    conditions: list[Condition] = field(default_factory=list)
    sort: list[str] = field(default_factory=list)
    sort_order: int = -1
    skip: int = 0
    limit: int = 0
    # Projection: columns to return, in order (None = every visible column).
    columns: tuple[str, ...] | None = None
    aggregate: list[str] = field(default_factory=list)
    # `field` names asked for with aggregate (values of the group's first document).
    aggregate_fields: tuple[str, ...] | None = None


# ---------------------------------------------------------------------------
# Reading the query string (§2)
# ---------------------------------------------------------------------------


def parse_pairs(query_string: str | bytes) -> list[tuple[str, str]]:
    """Decoded (key, value) pairs in order; values trimmed, control characters → spaces."""
    if isinstance(query_string, bytes):
        query_string = query_string.decode("latin-1")
    pairs = parse_qsl(query_string, keep_blank_values=True, errors="replace")
    return [(k, v.translate(_CONTROL).strip()) for k, v in pairs]


class Params:
    """Repeated-key access to the pairs of one query string."""

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        self.pairs = list(pairs)
        self.multi: dict[str, list[str]] = {}
        for key, value in self.pairs:
            self.multi.setdefault(key, []).append(value)

    def last(self, key: str) -> str | None:
        values = self.multi.get(key)
        return values[-1] if values else None

    def values(self, key: str) -> list[str]:
        """Non-empty values of a repeatable key, in order, duplicates kept."""
        return [v for v in self.multi.get(key, ()) if v]

    def __contains__(self, key: str) -> bool:
        return key in self.multi


# ---------------------------------------------------------------------------
# Filters (§4–§9)
# ---------------------------------------------------------------------------

Transform = Callable[[str], str]


class _FilterBuilder:
    def __init__(self, collection: Collection, params: Params, now: datetime,
                 transforms: dict[str, Transform] | None) -> None:
        self.collection = collection
        self.params = params
        self.now = now
        self.transforms = transforms or {}
        self.equalities: list[Condition] = []
        # Ranges per column: {"gte": v, "lt": v}; created_on included.
        self.ranges: dict[str, dict[str, object]] = {}

    def column_of(self, key: str) -> str:
        return self.collection.filter_aliases.get(key, key)

    def coerce(self, key: str, value: str) -> object:
        kind = self.collection.kind_of(key)
        if key in self.transforms:
            value = self.transforms[key](value)
        return coerce(kind, value)

    # §4, §5
    def equality_filters(self) -> None:
        for key in self.params.multi:
            if key not in self.collection.filter_keys or key == CREATED_ON:
                continue
            kind = self.collection.kind_of(key)
            if kind is Kind.JSON:
                continue  # arrays/objects: no useful string equality (token.md §8.2)
            values = self.params.values(key)
            if not values:
                continue
            column = self.column_of(key)
            if len(values) == 1 and values[0] == "null":
                self.equalities.append(Condition(column, "null"))
                continue
            if kind is Kind.DATE:
                self.day_filter(column, values[-1])
                continue
            try:
                typed = list(dict.fromkeys(self.coerce(key, v) for v in values))
            except Invalid:
                continue  # one bad value drops the whole key (§5)
            if len(typed) == 1:
                self.equalities.append(Condition(column, "eq", typed[0]))
            else:
                self.equalities.append(Condition(column, "in", tuple(typed)))

    def day_filter(self, column: str, value: str) -> None:
        """`updated_on=<day>` and other date keys select one UTC day (§6)."""
        day = parse_day(value)
        if day is not None:
            start = start_of(day)
            self.ranges[column] = {"gte": start, "lt": start + _DAY_END}

    # §6
    def created_on_day(self) -> None:
        value = self.params.last(CREATED_ON)
        if value:
            self.day_filter(CREATED_ON, value)

    # §7
    def date_range(self) -> None:
        if "date_range" not in self.params:
            return
        days = parse_int(self.params.last("date_range") or "")
        days = 5 if days is None or abs(days) > 999_999_999 else abs(days)
        created = parse_day(self.params.last(CREATED_ON) or "")
        end_day = created or self.now.date()
        end = start_of(end_day) + _DAY_END
        try:
            start = start_of(end_day - timedelta(days=days))
        except OverflowError:
            start = datetime.min.replace(tzinfo=timezone.utc)
        self.ranges[CREATED_ON] = {"gte": start, "lt": end}

    # §9
    def ranged(self) -> None:
        for key, value in self.params.pairs:
            if key not in ("gte", "lt") or not value:
                continue
            parts = value.split(",")
            if len(parts) != 2:
                continue
            name, raw = parts[0].strip(), parts[1].strip()
            if not raw or (name not in self.collection.filter_keys and name != CREATED_ON):
                continue
            if self.collection.kind_of(name) is None or self.collection.kind_of(name) is Kind.JSON:
                continue
            try:
                typed = self.coerce(name, raw)
            except Invalid:
                continue
            self.ranges.setdefault(self.column_of(name), {})[key] = typed

    # §8
    def time_range(self) -> None:
        if "time_range" not in self.params:
            return
        minutes = parse_int(self.params.last("time_range") or "")
        minutes = 60 if minutes is None else min(max(abs(minutes), 10), 1440)
        self.ranges[CREATED_ON] = {"gte": self.now - timedelta(minutes=minutes), "lt": self.now}

    def conditions(self) -> list[Condition]:
        self.equality_filters()
        self.created_on_day()
        self.date_range()
        self.ranged()
        self.time_range()
        result = list(self.equalities)
        for column, bounds in self.ranges.items():
            for op in ("gte", "lt"):
                if op in bounds:
                    result.append(Condition(column, op, bounds[op]))
        return result


def parse_filters(collection: Collection, params: Params, now: datetime | None = None,
                  transforms: dict[str, Transform] | None = None) -> list[Condition]:
    """The WHERE conditions of a query string (filters and date windows only)."""
    now = now or datetime.now(timezone.utc)
    return _FilterBuilder(collection, params, now, transforms).conditions()


# ---------------------------------------------------------------------------
# Paging, sort, projection, aggregate (§10–§13)
# ---------------------------------------------------------------------------


def _non_negative(params: Params, name: str) -> int:
    raw = params.last(name)
    if raw is None:
        return 0
    value = parse_int(raw)
    if value is None or value < 0:
        raise invalid_parameter(name)
    return min(value, _PAGING_MAX)


def _sort_order(params: Params) -> int:
    raw = params.last("sort_order")
    if raw is None:
        return -1
    value = parse_int(raw)
    if value is None:
        raise invalid_parameter("sort_order")
    return 1 if value == 1 else -1


def parse_paging(params: Params) -> tuple[int, int, int]:
    """(skip, limit, sort_order), validated: list GETs, distinct and batch use it."""
    return _non_negative(params, "skip"), _non_negative(params, "limit"), _sort_order(params)


def parse_projection(collection: Collection, params: Params) -> tuple[str, ...] | None:
    """Columns to return for `field` / `nfield` (§12); None means every visible column."""
    fields = list(dict.fromkeys(params.values("field")))
    nfields = set(params.values("nfield"))
    if not fields and not nfields:
        return None
    visible = [f.name for f in collection.visible_fields]
    if fields:
        if any(n != "_id" and n not in fields for n in nfields):
            raise QueryError("Invalid field/nfield combination")
        wanted = ["_id", *fields]
        return tuple(n for n in dict.fromkeys(wanted) if n in visible and n not in nfields)
    return tuple(n for n in visible if n not in nfields)


def _aggregate(collection: Collection, params: Params, columns: tuple[str, ...] | None) -> list[str]:
    keys = list(dict.fromkeys(params.values("aggregate")))
    if not keys:
        return []
    for name in keys + params.values("field"):
        if "." in name or name.startswith("$"):
            raise QueryError("Invalid aggregate field")
    return keys


def parse_list(collection: Collection, pairs: Iterable[tuple[str, str]], now: datetime | None = None,
               transforms: dict[str, Transform] | None = None) -> Query:
    """The whole `Query` of a list GET."""
    params = pairs if isinstance(pairs, Params) else Params(pairs)
    skip, limit, sort_order = parse_paging(params)
    columns = parse_projection(collection, params)
    aggregate = _aggregate(collection, params, columns)
    aggregate_fields = None
    if aggregate and params.values("field"):
        aggregate_fields = tuple(n for n in dict.fromkeys(params.values("field")) if n != "_id")
    sort = [s for s in dict.fromkeys(params.values("sort")) if s in collection.by_name
            and not collection.by_name[s].hidden]
    return Query(
        conditions=parse_filters(collection, params, now, transforms),
        sort=sort,
        sort_order=sort_order,
        skip=skip,
        limit=limit,
        columns=columns,
        aggregate=aggregate,
        aggregate_fields=aggregate_fields,
    )
