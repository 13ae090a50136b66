"""Generic reads every resource shares: list GET, GET by id, distinct."""

from __future__ import annotations

from typing import AsyncIterator, Callable

from kci_backend import models, wire
from kci_backend.query.params import Condition, Params, parse_list, parse_projection, parse_filters, parse_paging, Transform

from .errors import ApiError, resource_not_found
from .request import Request
from .routing import Stream

# Lists larger than this (or unlimited) are streamed from the database cursor.
STREAM_ABOVE = 1000

# List-query quirks a model cannot declare (a filter key matched in its own way, a
# common key that is not a filter): collection → params → (params, extra conditions).
# Resources register theirs; the list GET and /batch both apply them, so they agree.
ListAdjuster = Callable[[Params], tuple[Params, list[Condition]]]
LIST_ADJUSTERS: dict[str, ListAdjuster] = {}


def adjust_list_params(collection: str, params: Params) -> tuple[Params, list[Condition]]:
    adjuster = LIST_ADJUSTERS.get(collection)
    return adjuster(params) if adjuster else (params, [])


async def read_documents(request: Request, collection: str) -> dict | Stream:
    """GET of a collection route: one document when the path has an id (only
    field/nfield apply), else the list with the collection's quirks applied."""
    doc_id = request.path_param("id") or None
    if doc_id is not None:
        return await get_document(request, collection, require_id(doc_id))
    params, extra = adjust_list_params(collection, request.query)
    return await list_documents(request, collection, params=params, extra=extra)


def require_id(value: str | None, reason: str = "Wrong ID value provided") -> str:
    """A 24-hex ObjectId from the path, lowercased; 400 otherwise."""
    if not wire.is_object_id(value):
        raise ApiError(400, reason)
    return value.lower()


async def list_documents(request: Request, collection: str, *, params: Params | None = None,
                         transforms: dict[str, Transform] | None = None,
                         extra: list[Condition] | None = None) -> dict | Stream:
    """The list GET of query.md: filters, paging, sort, projection, aggregate."""
    docs = request.state.documents(collection)
    query = parse_list(docs.collection, params or request.query, transforms=transforms)
    if extra:
        query.conditions.extend(extra)
    if query.aggregate:
        result = await docs.aggregate(query)
        return {"code": 200, "limit": query.limit, "result": result}
    if 0 < query.limit <= STREAM_ABOVE:
        result = await docs.list(query)
        return {"code": 200, "count": len(result), "limit": query.limit, "skip": query.skip, "result": result}
    batches = docs.stream(query)
    # Run the statement now: a database error becomes a clean error answer, not a cut-off 200.
    first = await anext(batches, [])
    return Stream(200, _stream_envelope(first, batches, query.limit, query.skip))


async def _stream_envelope(first: list[dict], batches: AsyncIterator[list[dict]], limit: int,
                           skip: int) -> AsyncIterator[bytes]:
    # Key order is not significant (conventions.md §2): count goes after result.
    yield b'{"code":200,"result":['
    count = 0

    async def all_batches() -> AsyncIterator[list[dict]]:
        yield first
        async for batch in batches:
            yield batch

    async for batch in all_batches():
        if not batch:
            continue
        encoded = b",".join(wire.dumps(doc) for doc in batch)
        yield (b"," + encoded) if count else encoded
        count += len(batch)
    yield b'],"count":%d,"limit":%d,"skip":%d}' % (count, limit, skip)


async def get_document(request: Request, collection: str, doc_id: str, *, by: str = "_id",
                       shown_id: str | None = None) -> dict:
    """GET one document (only field / nfield apply); 404 if it does not exist."""
    docs = request.state.documents(collection)
    columns = parse_projection(docs.collection, request.query)
    doc = await docs.get(doc_id, columns, by=by)
    if doc is None:
        raise resource_not_found(shown_id or doc_id)
    return {"code": 200, "result": [doc]}


async def delete_by_id(request: Request, delete) -> dict:
    """DELETE /<resource>/<id>: 400 without or with a bad id, 404 when `await delete(state, id)`
    finds nothing (job.md §7, build.md §8)."""
    doc_id = request.path_param("id")
    if doc_id is None:
        raise ApiError(400, "No ID value specified")
    doc_id = require_id(doc_id)
    if not await delete(request.state, doc_id):
        raise resource_not_found(doc_id)
    return {"code": 200, "reason": f"Resource '{doc_id}' deleted"}


def distinct_field(collection: str, field: str | None) -> str:
    spec = models.get(collection)
    if not field or field not in spec.distinct_keys:
        raise ApiError(400, "No field specified or field not valid")
    return field


async def distinct_values(request: Request, collection: str, field: str | None, *, count_only: bool = False,
                          params: Params | None = None) -> dict:
    """distinct.md: unique values of one field over the filtered documents."""
    column = distinct_field(collection, field)
    params = params or request.query
    parse_paging(params)  # invalid limit/skip/sort_order are still 400 (distinct.md §3)
    docs = request.state.documents(collection)
    conditions = parse_filters(docs.collection, params)
    if count_only:
        count = await docs.count_distinct(column, conditions)
        return {"code": 200, "result": [{"count": count, "field": column}]}
    values = await docs.distinct(column, conditions)
    return {"code": 200, "count": len(values), "result": values}


def drop_unknown_keys(body: dict, accepted: set[str] | frozenset[str]) -> tuple[dict, list[str]]:
    """conventions.md §7: unknown keys are removed, and reported in `errors`."""
    unknown = [k for k in body if k not in accepted]
    clean = {k: v for k, v in body.items() if k in accepted}
    if not clean:
        raise ApiError(400, "Provided JSON is not valid", ["No valid or acceptable keys in the JSON data"])
    errors = []
    if unknown:
        errors.append("Found non recognizable keys, they will not be considered: " + ", ".join(unknown))
    return clean, errors
