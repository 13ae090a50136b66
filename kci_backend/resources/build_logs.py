"""Parsed build logs and per-job log summaries (spec/build-logs.md §7).

`/build[s]/logs`, `/build[s]/<build id>/logs` serve `error_logs` documents;
`/job[s]/logs`, `/job[s]/<job id>/logs` serve `errors_summary` documents.
Only GET exists; other methods answer 501 before any token check (L6).
The routes are tried before `/build/<id>` and `/job/<id>` (lower order).
"""

from __future__ import annotations

from kci_backend.http.listing import get_document, list_documents, require_id
from kci_backend.http.routing import OID_SEGMENT, Endpoint, plural, route

_NO_AUTH_501 = {"POST": None, "PUT": None, "DELETE": None}


class _LogDocuments(Endpoint):
    """GET a list, or the one document that belongs to the id in the path."""

    unimplemented_open = _NO_AUTH_501
    collection = ""
    owner_field = ""

    async def get(self, request) -> dict:
        owner_id = request.path_param("id")
        if owner_id is None:
            return await list_documents(request, self.collection)
        return await get_document(request, self.collection, require_id(owner_id), by=self.owner_field)


@route(rf"/{plural('build')}/logs", rf"/{plural('build')}/{OID_SEGMENT}/logs", order=20)
class BuildLogs(_LogDocuments):
    collection = "error_logs"
    owner_field = "build_id"


@route(rf"/{plural('job')}/logs", rf"/{plural('job')}/{OID_SEGMENT}/logs", order=20)
class JobLogs(_LogDocuments):
    collection = "errors_summary"
    owner_field = "job_id"
