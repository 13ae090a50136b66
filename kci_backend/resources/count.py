"""`/count` (spec/count.md): documents per collection, with one filter for all."""

from __future__ import annotations

from kci_backend import models
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, plural, route
from kci_backend.models import Collection, Field, Kind
from kci_backend.query.params import Condition, parse_filters

COUNTABLE = ("boot", "build", "job", "test_case", "test_group", "test_regression")

_INT_KEYS = {"errors", "warnings"}
_OID_KEYS = {"_id", "boot_id", "build_id", "job_id", "parent_id", "regression_id", "test_case_id", "test_group_id"}
_BOOL_KEYS = {"private"}
COUNT_KEYS = (
    "_id", "arch", "board", "board_instance", "boot_id", "build_environment", "build_id", "compiler",
    "compiler_version", "compiler_version_ext", "created_on", "defconfig", "defconfig_full", "definition_uri",
    "device_type", "errors", "git_branch", "git_commit", "git_describe", "job", "job_id", "kernel",
    "kernel_config", "kernel_image", "lab_name", "mach", "modules", "modules_dir", "name", "parent_id", "plan",
    "private", "regression_id", "status", "system_map", "test_case_id", "test_group_id", "test_group_name",
    "test_job_id", "test_job_url", "text_offset", "time", "vcs_commit", "version", "warnings",
)


def _kind(key: str) -> Kind:
    if key == "created_on":
        return Kind.DATE
    if key in _INT_KEYS:
        return Kind.INT
    if key in _OID_KEYS:
        return Kind.OID
    if key in _BOOL_KEYS:
        return Kind.BOOL
    return Kind.TEXT


# The filter vocabulary of /count, shared by every counted collection (count.md §2.1).
COUNT_FILTERS = Collection("count", tuple(Field(k, _kind(k), filter=True) for k in COUNT_KEYS))


def _as_stored(collection: str, conditions: list[Condition]) -> list[Condition]:
    """A text value never equals a stored number or date (test `time` is a float,
    boot `time` a date): such a condition matches nothing instead of reaching the database."""
    fields = models.get(collection).by_name
    adapted = []
    for c in conditions:
        stored = fields.get(c.column)
        mismatch = stored is not None and stored.kind in (Kind.INT, Kind.FLOAT, Kind.DATE) and _kind(c.column) is Kind.TEXT
        adapted.append(Condition(c.column, "never") if mismatch and c.op != "null" else c)
    return adapted


def countable() -> list[str]:
    return [c for c in COUNTABLE if c in models.REGISTRY]


async def count_collections(state, names: list[str], params) -> list[dict]:
    """`{"collection", "count"}` per collection under the /count filters (also used by /batch)."""
    conditions = parse_filters(COUNT_FILTERS, params)
    result = []
    for collection in names:
        count = await state.documents(collection).count(_as_stored(collection, conditions))
        result.append({"collection": collection, "count": count})
    return result


@route(rf"/{plural('count')}", rf"/{plural('count')}/(?P<collection>[^/]+)")
class Count(Endpoint):
    unimplemented_open = {"POST": "Method not implemented", "DELETE": "Method not implemented"}

    async def get(self, request) -> dict:
        name = request.path_param("collection")
        names = countable()
        if name is not None:
            if name not in names:
                raise ApiError(404, f"Collection {name} not found")
            names = [name]
        return {"code": 200, "result": await count_collections(request.state, names, request.query)}
