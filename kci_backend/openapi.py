"""The OpenAPI description, derived from the collection declarations.

Each collection's fields give its document schema and the filter keys of its
list GET; the route table below says where each collection is served.
"""

from __future__ import annotations

from typing import Any

from kci_backend import __version__, models
from kci_backend.models import Collection, Kind

# Where each collection is listed (singular form; plural and trailing slash also work).
COLLECTION_PATHS = {
    "job": "/job", "build": "/build", "boot": "/boot", "test_group": "/test/group", "test_case": "/test/case",
    "test_regression": "/test/regression", "lab": "/lab", "token": "/token", "report": "/report",
    "error_logs": "/build/logs", "errors_summary": "/job/logs",
    "boot_regressions": "/boot/regressions", "daily_stats": "/statistics",
}
OTHER_PATHS = {
    "/version": ("get", "Software version (no token needed)"),
    "/count": ("get", "Number of documents per collection"),
    "/batch": ("post", "Several read operations in one request"),
    "/send": ("post", "Schedule email reports"),
    "/upload": ("post", "Upload files (multipart/form-data) into the storage root"),
    "/upload/{path}": ("put", "Upload one file (raw body) into the storage root"),
    "/storage/{path}": ("get", "Read a stored file (no token needed)"),
    "/bisect": ("get", "On-demand boot/build bisection (?collection=boot&boot_id=…); POST: runner results"),
    "/callback/lava/{action}": ("post", "LAVA job callback"),
}

_SCHEMA_OF_KIND: dict[Kind, dict[str, Any]] = {
    Kind.TEXT: {"type": "string"},
    Kind.INT: {"type": "integer"},
    Kind.FLOAT: {"type": "number"},
    Kind.BOOL: {"type": "boolean"},
    Kind.OID: {"$ref": "#/components/schemas/ObjectId"},
    Kind.DATE: {"$ref": "#/components/schemas/Date"},
    Kind.JSON: {},
}
_LIST_PARAMETERS = ["limit", "skip", "sort", "sort_order", "field", "nfield", "date_range", "time_range",
                    "created_on", "gte", "lt", "aggregate"]


def document_schema(collection: Collection) -> dict[str, Any]:
    properties = {}
    for f in collection.visible_fields:
        schema = dict(_SCHEMA_OF_KIND[f.kind])
        if f.doc:
            schema = {"allOf": [schema], "description": f.doc} if "$ref" in schema else {**schema, "description": f.doc}
        properties[f.name] = schema
    return {"type": "object", "properties": properties}


def _parameter(name: str, schema: dict | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"}}


def _list_operation(collection: Collection) -> dict[str, Any]:
    filters = [_parameter(k, {"type": "string"}) for k in sorted(collection.filter_keys)]
    return {
        "summary": f"List {collection.name} documents",
        "parameters": [_parameter(p) for p in _LIST_PARAMETERS] + filters,
        "responses": {"200": {"description": "v1 list envelope", "content": {"application/json": {"schema": {
            "type": "object", "properties": {
                "code": {"type": "integer"}, "count": {"type": "integer"}, "limit": {"type": "integer"},
                "skip": {"type": "integer"},
                "result": {"type": "array", "items": {"$ref": f"#/components/schemas/{collection.name}"}}}}}}}},
    }


def build_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {
        "ObjectId": {"type": "object", "properties": {"$oid": {"type": "string", "pattern": "^[0-9a-f]{24}$"}}},
        "Date": {"type": "object", "properties": {"$date": {"type": "integer",
                                                             "description": "milliseconds since the epoch, UTC"}}},
    }
    for name, collection in sorted(models.REGISTRY.items()):
        schemas[name] = document_schema(collection)
        path = COLLECTION_PATHS.get(name)
        if path:
            paths[path] = {"get": _list_operation(collection)}
            paths[path + "/{id}"] = {"get": {
                "summary": f"One {name} document",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                               _parameter("field"), _parameter("nfield")],
                "responses": {"200": {"description": "`{\"code\": 200, \"result\": [document]}`"},
                              "404": {"description": "not found"}}}}
    for path, (method, summary) in OTHER_PATHS.items():
        paths.setdefault(path, {})[method] = {"summary": summary, "responses": {"200": {"description": "v1 envelope"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "kci-backend — KernelCI API v1", "version": __version__},
        "components": {"schemas": schemas, "securitySchemes": {
            "token": {"type": "apiKey", "in": "header", "name": "Authorization"}}},
        "security": [{"token": []}],
        "paths": paths,
    }
