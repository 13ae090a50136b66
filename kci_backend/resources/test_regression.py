"""`/test[s]/regression[s][/<id>]` (spec/test-regressions.md §3): read-only.

Documents are made only by regression detection after a LAVA import
(services/test_regressions.py). There are no distinct routes: the text after
`/regression[s]/` is always the id (`/test/regression/distinct/x` is a bad id).
"""

from __future__ import annotations

from typing import Any

from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.http.routing import Endpoint, plural, route

from kci_backend.http.listing import read_documents

from .test import _ID, delete_then_501, path_id

_NO_VALID_KEYS = "No valid keys defined for this request"


@route(rf"/{plural('test')}/{plural('regression')}{_ID}")
class TestRegression(Endpoint):
    rule = Rule.TESTS

    async def get(self, request) -> Any:
        return await read_documents(request, "test_regression")

    async def post(self, request) -> dict:
        await request.json_object()  # 415, 422, or 400 "Provided data is not JSON"
        raise invalid_json(_NO_VALID_KEYS)

    async def put(self, request) -> dict:
        if path_id(request) is None:
            raise ApiError(400, "No ID specified")
        body = await request.json()
        detail = "Provided data is not JSON" if not isinstance(body, dict) else _NO_VALID_KEYS
        raise ApiError(400, f"Provided JSON is not valid: {detail}")

    async def delete(self, request) -> dict:
        return await delete_then_501(request)
