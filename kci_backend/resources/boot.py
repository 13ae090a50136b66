"""`/boot` (spec/boot.md): list, get, import and delete boot reports.

POST checks the whole report and the lab association, then imports it in
one transaction before answering 202 (boot.md §4.4 allows the import to be
done before the answer; clients must not rely on it either way).
"""

from __future__ import annotations

from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.http.listing import read_documents, require_id
from kci_backend.http.routing import OID_SEGMENT, Endpoint, plural, route
from kci_backend.query.params import Condition
from kci_backend.services import boots
from kci_backend.services.boot_reports import BootReportError, read_report
from kci_backend.wire import is_object_id

# boot.md §6.2: the keys a bulk DELETE filters on; the id keys must be valid ObjectIds.
DELETE_KEYS = ("_id", "board", "boot_job_id", "boot_job_url", "build_id", "defconfig", "defconfig_full", "job",
               "job_id", "kernel")
DELETE_ID_KEYS = ("_id", "build_id", "job_id")


@route(rf"/{plural('boot')}", rf"/{plural('boot')}/{OID_SEGMENT}")
class Boot(Endpoint):
    rule = Rule.BOOT

    async def get(self, request) -> dict:
        return await read_documents(request, "boot")

    async def post(self, request) -> dict:
        body = await request.json_object()
        try:
            report = read_report(body)
        except BootReportError as exc:
            raise invalid_json(*exc.errors) from None
        try:
            warnings = await boots.authorize_post(request.state, request.token, report.lab_name)
        except boots.NotAllowed as exc:
            raise ApiError(403, exc.reason) from None
        await boots.import_report(request.state, report)
        errors = report.warnings + warnings
        return {"code": 202, "reason": "Request accepted and being imported", **({"errors": errors} if errors else {})}

    async def put(self, request) -> dict:
        raise ApiError(501)

    async def delete(self, request) -> dict:
        doc_id = request.path_param("id")
        if doc_id is None:
            return await self._delete_matching(request)
        doc_id = require_id(doc_id, "Wrong ID value passed as object ID")
        try:
            labs = await boots.delete_scope(request.state, request.token)
        except boots.NotAllowed:
            labs = []  # boot.md §6.1: a missing boot is still a 404 for this token
        try:
            deleted = await boots.delete_one(request.state, doc_id, labs)
        except boots.NotAllowed:
            raise ApiError(403) from None
        if not deleted:
            raise ApiError(404, f"Resource '{doc_id}' not found")
        return {"code": 200, "reason": f"Resource '{doc_id}' deleted"}

    async def _delete_matching(self, request) -> dict:
        conditions = delete_conditions(request.query)
        if not conditions:
            raise ApiError(400, "No valid data provided to execute a DELETE")
        try:
            labs = await boots.delete_scope(request.state, request.token)
        except boots.NotAllowed:
            raise ApiError(403) from None
        await boots.delete_matching(request.state, conditions, labs)
        shown = "&".join(f"{c.column}={v}" for c in conditions for v in _values(c))
        return {"code": 200, "reason": f"Resources identified with '{shown}' deleted"}


def delete_conditions(params) -> list[Condition]:
    """Exact-match filters of a bulk DELETE; commas are literal; a bad id is a 400 (D12)."""
    conditions = []
    for key in DELETE_KEYS:
        values = list(dict.fromkeys(params.values(key)))
        if not values:
            continue
        if key in DELETE_ID_KEYS:
            if not all(is_object_id(v) for v in values):
                raise ApiError(400, f"Wrong ID value provided for '{key}'")
            values = list(dict.fromkeys(v.lower() for v in values))
        conditions.append(Condition(key, "eq", values[0]) if len(values) == 1
                          else Condition(key, "in", tuple(values)))
    return conditions


def _values(condition: Condition) -> tuple:
    return condition.value if condition.op == "in" else (condition.value,)
