"""Distinct and count-distinct endpoints (spec/distinct.md)."""

from __future__ import annotations

from kci_backend import models
from kci_backend.http.errors import ApiError
from kci_backend.http.listing import distinct_values
from kci_backend.http.routing import Endpoint, plural, route

# Everything after /distinct goes to the handler, so a bad field is its 400.
_FIELD = r"(?:/(?P<field>.*))?"
_NO_AUTH_501 = {"POST": None, "PUT": None, "DELETE": None}


def _collection(path: str) -> str:
    for prefix, name in (("/job", "job"), ("/build", "build"), ("/boot", "boot"), ("/test", None)):
        if path.startswith(prefix):
            if name is None:
                return "test_case" if "/case" in path.split("/distinct")[0] else "test_group"
            return name
    raise ApiError(404)


class _DistinctBase(Endpoint):
    unimplemented_open = _NO_AUTH_501
    count_only = False

    async def get(self, request) -> dict:
        collection = _collection(request.path)
        if collection not in models.REGISTRY:
            raise ApiError(404, "Resource not found")
        return await distinct_values(request, collection, request.path_param("field"), count_only=self.count_only)


@route(
    rf"/{plural('job')}/distinct{_FIELD}",
    rf"/{plural('build')}/distinct{_FIELD}",
    rf"/{plural('boot')}/distinct{_FIELD}",
    rf"/{plural('test')}/{plural('group')}/distinct{_FIELD}",
    rf"/{plural('test')}/{plural('case')}/distinct{_FIELD}",
    order=10,
)
class Distinct(_DistinctBase):
    pass


@route(
    rf"/{plural('test')}/{plural('group')}/count/distinct{_FIELD}",
    rf"/{plural('test')}/{plural('case')}/count/distinct{_FIELD}",
    order=10,
)
class CountDistinct(_DistinctBase):
    count_only = True
