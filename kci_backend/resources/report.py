"""`/report` (spec/report.md §2): outcomes of sent email reports, read-only, admin (or superuser) only.

POST, PUT and DELETE answer 501 to an admin token (no handler) and 403 to
anyone else (rule ADMIN).
"""

from __future__ import annotations

from kci_backend.http.auth import Rule
from kci_backend.http.listing import read_documents
from kci_backend.http.routing import ANY_SEGMENT, Endpoint, plural, route


@route(rf"/{plural('report')}", rf"/{plural('report')}/{ANY_SEGMENT}")
class Report(Endpoint):
    rule = Rule.ADMIN

    async def get(self, request) -> dict:
        return await read_documents(request, "report")
