"""`POST /batch` (spec/batch.md): several read operations in one request.

Each operation is answered by the same code as its HTTP endpoint: the list
query language and `Documents` reads of `GET /<resource>` (with the list
quirks a resource registers in `listing.LIST_ADJUSTERS`), `count_collections`
of `/count`, and `distinct_values` of the distinct endpoints. Only the shape of
the entries differs (§3). The whole request is checked first (§2.3), so a bad
query in any operation is a 400 before anything runs. Collections take part
as soon as their model is declared (`models.REGISTRY`); nothing here names
their fields.

A list operation with no limit (or a large one) is streamed from the
database cursor, like a list GET, so memory stays bounded (SEC-13).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, AsyncIterator

from kci_backend import models, wire
from kci_backend.http.errors import ApiError
from kci_backend.http.listing import STREAM_ABOVE, adjust_list_params, distinct_values
from kci_backend.http.routing import Endpoint, Stream, route
from kci_backend.query.batch_string import parse_batch_query
from kci_backend.query.params import Params, Query, QueryError, parse_list, parse_paging, parse_projection
from kci_backend.resources.count import count_collections, countable

OPERATION_KEYS = frozenset({"method", "resource", "document", "query", "distinct", "operation_id"})
# Operations run at most this many at a time, so one batch cannot take every connection.
CONCURRENCY = 4
_INVALID = ApiError(400, "Provided JSON is not valid")


# ---------------------------------------------------------------------------
# Whole-request checks (§2.3)
# ---------------------------------------------------------------------------


def operations_of(data: Any) -> list[dict]:
    """The operation objects, or 400 (no `errors` list) when the shape is wrong."""
    if not isinstance(data, dict):
        raise _INVALID
    batch = data.get("batch")
    if not isinstance(batch, list) or not batch:
        raise _INVALID
    for op in batch:
        if not isinstance(op, dict) or not OPERATION_KEYS.issuperset(op):
            raise _INVALID
        if op.get("query") is not None and not isinstance(op["query"], str):
            raise _INVALID
    return batch


# ---------------------------------------------------------------------------
# Planning: what each operation is, with its query parsed and validated (§3)
# ---------------------------------------------------------------------------


@dataclass
class Operation:
    """One planned operation; `kind` says how it runs."""

    kind: str  # null | empty | count | distinct | count_distinct | one | list
    operation_id: Any = None
    collection: str | None = None
    params: Params | None = None
    field: str | None = None
    doc_id: str | None = None
    columns: tuple[str, ...] | None = None
    query: Query | None = None
    counted: tuple[str, ...] = ()

    @property
    def streamed(self) -> bool:
        return self.kind == "list" and not self.query.aggregate and not 0 < self.query.limit <= STREAM_ABOVE


def _distinct_allowed(collection: Any, field: Any) -> bool:
    return (isinstance(collection, str) and collection in countable() and isinstance(field, str)
            and field in models.get(collection).distinct_keys)


def plan(op: dict) -> Operation:
    """Dispatch one operation in the order of §3 (may raise QueryError)."""
    resource = op.get("resource")
    if not op or not isinstance(resource, str) or resource not in ("count", *countable()):
        return Operation("null")
    op_id = op.get("operation_id") or None
    if op.get("method") != "GET":
        return Operation("empty", op_id)
    params = parse_batch_query(op.get("query"))
    document, distinct = op.get("document"), op.get("distinct")
    if distinct:
        collection = document if document else resource
        if not _distinct_allowed(collection, distinct):
            return Operation("empty", op_id)
        parse_paging(params)
        kind = "count_distinct" if document else "distinct"
        return Operation(kind, op_id, collection, params, field=distinct)
    if resource == "count":
        if not document:
            return Operation("count", op_id, params=params, counted=tuple(countable()))
        if not isinstance(document, str) or document not in countable():
            return Operation("empty", op_id)
        return Operation("count", op_id, params=params, counted=(document,))
    spec = models.get(resource)
    if document:
        if not wire.is_object_id(document):
            return Operation("empty", op_id)
        return Operation("one", op_id, resource, doc_id=document.lower(), columns=parse_projection(spec, params))
    params, extra = adjust_list_params(resource, params)
    query = parse_list(spec, params)
    query.conditions.extend(extra)
    return Operation("list", op_id, resource, query=query)


def plan_all(operations: list[dict]) -> list[Operation]:
    planned = []
    for index, op in enumerate(operations):
        try:
            planned.append(plan(op))
        except QueryError as exc:
            raise ApiError(400, f"{exc.reason} in operation {index}") from None
    return planned


# ---------------------------------------------------------------------------
# Running: one entry per operation
# ---------------------------------------------------------------------------


def entry(op: Operation, result: list) -> dict:
    return {"operation_id": op.operation_id, "result": result} if op.operation_id else {"result": result}


async def run(request, op: Operation) -> dict | None:
    state = request.state
    if op.kind == "null":
        return None
    if op.kind == "empty":
        return entry(op, [])
    if op.kind == "count":
        return entry(op, await count_collections(state, list(op.counted), op.params))
    if op.kind in ("distinct", "count_distinct"):
        found = await distinct_values(request, op.collection, op.field, count_only=op.kind == "count_distinct",
                                      params=op.params)
        if op.kind == "distinct":
            return entry(op, [{"result": found["result"], "count": found["count"]}])
        return entry(op, [{"field": op.field, "count": found["result"][0]["count"], "resource": op.collection}])
    docs = state.documents(op.collection)
    if op.kind == "one":
        doc = await docs.get(op.doc_id, op.columns)
        return entry(op, [] if doc is None else [doc])
    if op.query.aggregate:
        return entry(op, await docs.aggregate(op.query))
    found = await docs.list(op.query)
    return entry(op, [{"result": found, "count": len(found), "limit": op.query.limit}])


async def run_all(request, operations: list[Operation]) -> list[dict | None]:
    """Every operation that is not streamed, concurrently (§2.5), in request order."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(op: Operation) -> dict | None:
        if op.streamed:
            return None
        async with gate:
            return await run(request, op)

    return list(await asyncio.gather(*(one(op) for op in operations)))


async def streamed_body(request, operations: list[Operation], entries: list[dict | None]) -> AsyncIterator[bytes]:
    """The envelope with large list results read batch by batch from the cursor."""
    yield b'{"code":200,"result":['
    for index, (op, done) in enumerate(zip(operations, entries)):
        if index:
            yield b","
        if not op.streamed:
            yield wire.dumps(done)
            continue
        head = b'{"operation_id":' + wire.dumps(op.operation_id) + b"," if op.operation_id else b"{"
        yield head + b'"result":[{"result":['
        count = 0
        async for batch in request.state.documents(op.collection).stream(op.query):
            if batch:
                yield (b"," if count else b"") + b",".join(wire.dumps(doc) for doc in batch)
                count += len(batch)
        yield b'],"count":%d,"limit":%d}]}' % (count, op.query.limit)
    yield b"]}"


@route(r"/batch")
class Batch(Endpoint):
    unimplemented_open = {"GET": None, "DELETE": None}

    async def post(self, request) -> dict | Stream:
        data = await request.json(content_type_reason="Wrong content type defined")
        operations = plan_all(operations_of(data))
        entries = await run_all(request, operations)
        if any(op.streamed for op in operations):
            return Stream(200, streamed_body(request, operations, entries))
        return {"code": 200, "result": entries}
