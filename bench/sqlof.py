"""The SQL statements the server runs for a request, compiled by kci_backend's own code.

Floor (b) of BENCHMARKS.md runs these statements on the raw driver, and the
EXPLAIN step checks their plans. Each request kind maps to the same
`kci_backend.query` / `Documents` calls its resource makes (list, get by
id, count, distinct, aggregate, batch), so the SQL text and bind values are
exactly the server's: only the HTTP, auth, parsing and row-encoding work
around them is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from kci_backend import models
from kci_backend.http.listing import adjust_list_params
from kci_backend.query import sql as qsql
from kci_backend.query.params import Params, parse_filters, parse_list, parse_pairs
from kci_backend.resources import batch as batch_resource
from kci_backend.resources import build as _build  # noqa: F401  (registers the build list quirks)
from kci_backend.resources import count as count_resource
from kci_backend.resources import test as _test  # noqa: F401  (registers the test list quirks)
from kci_backend.store.database import Database
from kci_backend.store.documents import Documents


@dataclass(frozen=True)
class Statement:
    sql: str
    args: tuple[Any, ...]


_COLLECTIONS = (("/test/case", "test_case"), ("/test/group", "test_group"), ("/job", "job"), ("/build", "build"),
                ("/boot", "boot"))
_BY_ID = re.compile(r"/(?:test/case|test/group|job|build|boot)/(?P<id>[0-9a-f]{24})\Z")
_DISTINCT = re.compile(r"/(?:test/case|test/group|job|build|boot)/distinct/(?P<field>\w+)\Z")
_COUNT = re.compile(r"/count(?:/(?P<collection>\w+))?\Z")


def collection_of(path: str) -> str:
    for prefix, name in _COLLECTIONS:
        if path.startswith(prefix):
            return name
    raise ValueError(f"no collection for {path}")


class Compiler:
    """Request → the list of statements the server would run for it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.docs: dict[str, Documents] = {}

    def documents(self, name: str) -> Documents:
        if name not in self.docs:
            self.docs[name] = Documents(self.db, models.get(name))
        return self.docs[name]

    def bind(self, compiled, values: dict) -> Statement:
        return Statement(compiled.sql, tuple(self.db.adapt_args(compiled.args(values))))

    def statements(self, method: str, target: str, body: bytes = b"") -> list[Statement]:
        parts = urlsplit(target)
        path, params = parts.path.rstrip("/"), Params(parse_pairs(parts.query))
        if method == "POST" and path == "/batch":
            return self.batch(orjson.loads(body))
        if m := _COUNT.match(path):
            names = [m["collection"]] if m["collection"] else count_resource.countable()
            return self.counts(names, params)
        if m := _DISTINCT.match(path):
            return [self.distinct(collection_of(path), m["field"], params)]
        if m := _BY_ID.match(path):
            return [self.by_id(collection_of(path), m["id"])]
        return [self.listing(collection_of(path), params)]

    def listing(self, name: str, params: Params) -> Statement:
        docs = self.documents(name)
        params, extra = adjust_list_params(name, params)
        query = parse_list(docs.collection, params)
        query.conditions.extend(extra)
        return self.query(docs, query)

    def query(self, docs: Documents, query) -> Statement:
        if query.aggregate:
            if query.aggregate_fields is not None:
                output = tuple(n for n in query.aggregate_fields if n in docs.visible)
            elif query.columns is None:
                output = docs.visible
            else:
                output = ()
            shape, build, values = qsql.aggregate_statement(docs.collection, query, output)
            return self.bind(self.db.statement(shape, build), values)
        compiled, values, _ = docs.list_compiled(query)
        return self.bind(compiled, values)

    def by_id(self, name: str, doc_id: str, columns: tuple[str, ...] | None = None) -> Statement:
        docs = self.documents(name)
        shape, build = qsql.by_id_statement(docs.collection, columns or docs.visible, "_id")
        return self.bind(self.db.statement(shape, build), {"key": doc_id})

    def counts(self, names: list[str], params: Params) -> list[Statement]:
        conditions = parse_filters(count_resource.COUNT_FILTERS, params)
        out = []
        for name in names:
            docs = self.documents(name)
            shape, build, values = qsql.count_statement(docs.collection,
                                                        count_resource._as_stored(name, conditions))
            out.append(self.bind(self.db.statement(shape, build), values))
        return out

    def distinct(self, name: str, field: str, params: Params, count_only: bool = False) -> Statement:
        docs = self.documents(name)
        conditions = parse_filters(docs.collection, params)
        make = qsql.count_distinct_statement if count_only else qsql.distinct_statement
        shape, build, values = make(docs.collection, field, conditions)
        return self.bind(self.db.statement(shape, build), values)

    def batch(self, data: dict) -> list[Statement]:
        out: list[Statement] = []
        for op in batch_resource.plan_all(batch_resource.operations_of(data)):
            if op.kind == "count":
                out.extend(self.counts(list(op.counted), op.params))
            elif op.kind in ("distinct", "count_distinct"):
                out.append(self.distinct(op.collection, op.field, op.params, op.kind == "count_distinct"))
            elif op.kind == "one":
                out.append(self.by_id(op.collection, op.doc_id, op.columns))
            elif op.kind == "list":
                out.append(self.query(self.documents(op.collection), op.query))
        return out
