"""`/boot/regressions` and `/boot/<id>/regressions` (spec/boot-regressions.md §3, §4). Read-only.

Registered before `/boot/<id>` (lower `order`) so `regressions` is never
taken for an id.
"""

from __future__ import annotations

from kci_backend.http.errors import ApiError, invalid_json, resource_not_found
from kci_backend.http.listing import list_documents, require_id
from kci_backend.http.routing import OID_SEGMENT, Endpoint, plural, route
from kci_backend.services import boot_regressions


@route(rf"/{plural('boot')}/regressions", rf"/{plural('boot')}/{OID_SEGMENT}/regressions", order=20)
class BootRegressions(Endpoint):
    async def get(self, request) -> dict:
        boot_id = request.path_param("id")
        if boot_id is None:
            return await list_documents(request, "boot_regressions")
        boot_id = require_id(boot_id)
        entries = await boot_regressions.list_of_boot(request.state, boot_id)
        if entries is None:
            raise resource_not_found(boot_id)
        return {"code": 200, "count": len(entries), "result": entries}

    async def post(self, request) -> dict:
        await request.json_object()
        raise invalid_json("No valid or acceptable keys in the JSON data")  # regressions are not writable

    async def put(self, request) -> dict:
        raise ApiError(501)

    async def delete(self, request) -> dict:
        if request.path_param("id") is None:
            raise ApiError(400, "No ID value specified")
        raise ApiError(501)
