"""`/test[s]`, `/test[s]/group[s][/<id>]`, `/test[s]/case[s][/<id>]` (spec/test.md §2, §5–§8, §10).

Reads use the generic list / get-by-id of the query language. Groups are
created by importing a whole tree (services/tests.py). Everything else is
the fixed 400 / 501 behaviour of test.md §7–§8 and token.md §4.4.
"""

from __future__ import annotations

from typing import Any

from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.http.listing import LIST_ADJUSTERS, read_documents
from kci_backend.http.routing import Endpoint, plural, route
from kci_backend.query.params import Condition, Params
from kci_backend.services import test_input, tests

# The text after /group[s]/, /case[s]/ is the id, whatever it is (test.md §2).
_ID = r"(?:/(?P<id>.*))?"
# PUT bodies keep only these keys before answering 501 (test.md §7, §8.3).
GROUP_PUT_KEYS = frozenset({"arch", "board_instance", "build_environment", "created_on", "defconfig_full", "build_id",
                            "defconfig", "git_branch", "index", "job_id", "job", "kernel", "name", "version"})
CASE_PUT_KEYS = frozenset({"created_on", "index", "measurements", "name", "status", "test_group_id", "time",
                           "version"})


def path_id(request) -> str | None:
    """The id text of the path; empty means a collection request."""
    return request.path_param("id") or None


def time_never_matches(params: Params) -> list[Condition]:
    """query.md App. A: `time` is compared as a string with the stored number,
    so a filter on it matches nothing (kept from the reference)."""
    ranged = any(v.split(",", 1)[0].strip() == "time" and "," in v and v.split(",", 1)[1].strip()
                 for op in ("gte", "lt") for v in params.values(op))
    return [Condition("time", "never")] if params.values("time") or ranged else []


def without_id_filter(params: Params) -> Params:
    """query.md App. A: the test resources have no `_id` filter key (it is
    common to every collection declaration, so it is removed here)."""
    def is_id_filter(key: str, value: str) -> bool:
        return key == "_id" or (key in ("gte", "lt") and value.split(",", 1)[0].strip() == "_id")

    return Params((k, v) for k, v in params.pairs if not is_id_filter(k, v))


def list_quirks(params: Params) -> tuple[Params, list[Condition]]:
    return without_id_filter(params), time_never_matches(params)


for _collection in ("test_group", "test_case", "test_regression"):
    LIST_ADJUSTERS[_collection] = list_quirks


async def put_then_501(request, accepted: frozenset[str]) -> dict:
    """PUT: id, Content-Type, JSON and key checks, then 501 (test.md §7)."""
    if path_id(request) is None:
        raise ApiError(400, "No ID specified")
    body = await request.json()
    if not isinstance(body, dict):
        raise ApiError(400, "Provided JSON is not valid: Provided data is not JSON")
    if not any(key in accepted for key in body):
        raise ApiError(400, "Provided JSON is not valid: No valid keys defined for this request")
    raise ApiError(501)


async def delete_then_501(request) -> dict:
    if path_id(request) is None:
        raise ApiError(400, "No ID value specified")
    raise ApiError(501)


@route(rf"/{plural('test')}/{plural('group')}{_ID}", rf"/{plural('test')}")
class TestGroup(Endpoint):
    rule = Rule.TESTS

    async def get(self, request) -> Any:
        return await read_documents(request, "test_group")

    async def post(self, request) -> dict:
        body = await request.json_object()
        if path_id(request) is not None:
            test_input.require_mandatory_keys(body)
            raise ApiError(400, "To update a test group, use a PUT request")
        result = await tests.import_posted_group(request.state, body, request.token)
        request.response_headers.append((b"location", f"/test/group/{result.group_id}".encode()))
        answer: dict[str, Any] = {"code": 201, "reason": f"Test group '{result.name}' created",
                                  "result": [{"_id": {"$oid": result.group_id}}]}
        if result.warnings:
            answer["errors"] = result.warnings
        return answer

    async def put(self, request) -> dict:
        return await put_then_501(request, GROUP_PUT_KEYS)

    async def delete(self, request) -> dict:
        return await delete_then_501(request)


@route(rf"/{plural('test')}/{plural('case')}{_ID}")
class TestCase(Endpoint):
    rule = Rule.TESTS

    async def get(self, request) -> Any:
        return await read_documents(request, "test_case")

    async def post(self, request) -> dict:
        """Cases are created only through a group import (test.md §8.3)."""
        body = await request.json_object()
        missing = [key for key in ("name", "test_group_id") if key not in body]
        if missing:
            raise invalid_json("One or more mandatory keys are missing: " + ", ".join(missing))
        raise ApiError(501)

    async def put(self, request) -> dict:
        return await put_then_501(request, CASE_PUT_KEYS)

    async def delete(self, request) -> dict:
        return await delete_then_501(request)
