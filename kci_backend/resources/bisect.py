"""`/bisect[s]` and `/bisect[s]/<id>` (spec/bisect.md §1, §3-§5, §7). Every method uses the GENERAL rule.

Everything after `/bisect/` is the id, slashes included (§1), so a path such
as `/bisect/boot/x` is a 400 for its id rather than an unknown route.
"""

from __future__ import annotations

from kci_backend.http.errors import ApiError
from kci_backend.http.listing import drop_unknown_keys, require_id
from kci_backend.http.routing import Endpoint, plural, route
from kci_backend.models.bisect import BISECT
from kci_backend.query.params import parse_projection
from kci_backend.services import bisect, bisect_store
from kci_backend.services.bisect_records import POST_KEYS, InvalidResult, checked_result

WRONG_ID = "Wrong ID value passed as object ID"
# The reasons of §4 and §5, per `collection`.
REASONS = {
    "boot": {
        "missing_id": "Missing boot ID value to look for",
        "not_found": "Boot report not found",
        "compared_not_found": "Boot bisection compared to '{}' not found",
        "passed": "Boot report cannot be bisected: is it failed?",
    },
    "build": {
        "missing_id": "Missing build ID value to look for",
        "not_found": "Defconfig not found",
        "compared_not_found": "Defconfig bisection compared to '{}' not found",
        "passed": "Defconfig cannot be bisected: is it failed?",
    },
}
COMPUTE = {"boot": bisect.boot_bisection, "build": bisect.build_bisection}


@route(rf"/{plural('bisect')}", rf"/{plural('bisect')}/(?P<id>.+)")
class Bisect(Endpoint):
    async def get(self, request) -> dict:
        columns = parse_projection(BISECT, request.query)
        doc_id = request.path_param("id")
        if doc_id is not None:
            found = await bisect_store.get(request.state, require_id(doc_id, WRONG_ID), columns)
            if found is None:
                raise ApiError(404, "Resource not found")
            return {"code": 200, "result": [found]}
        return {"code": 200, "result": [await _on_demand(request, columns)]}

    async def post(self, request) -> dict:
        body, errors = drop_unknown_keys(await request.json_object(), POST_KEYS)
        try:
            result = checked_result(body)
        except InvalidResult as exc:
            raise ApiError(400, str(exc), errors) from None
        await bisect.update_from_runner(request.state, result)
        answer = {"code": 202, "reason": "Request accepted and being imported"}
        return {**answer, "errors": errors} if errors else answer

    async def delete(self, request) -> dict:
        if request.path_param("id") is None:
            raise ApiError(400, "No ID value specified")
        raise ApiError(501)


async def _on_demand(request, columns: tuple[str, ...] | None) -> dict:
    """§4 / §5: `GET /bisect?collection=boot|build&<collection>_id=<id>[&compare_to=<job>]`."""
    query = request.query
    collection = query.last("collection")
    if not collection:
        raise ApiError(400, "Missing 'collection' key, cannot process the request")
    if collection not in REASONS:
        raise ApiError(400, f"Provided bisect collection '{collection}' is not valid")
    reasons = REASONS[collection]
    start_id = query.last(f"{collection}_id")
    if not start_id:
        raise ApiError(400, reasons["missing_id"])
    start_id = require_id(start_id, WRONG_ID)
    compare_to = query.last("compare_to") or None
    try:
        return await COMPUTE[collection](request.state, start_id, compare_to, columns)
    except bisect.NotFound:
        reason = reasons["compared_not_found"].format(compare_to) if compare_to else reasons["not_found"]
        raise ApiError(404, reason) from None
    except bisect.NotBisectable:
        raise ApiError(400, reasons["passed"]) from None
