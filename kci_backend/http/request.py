"""The request as handlers see it: path values, query, token, JSON body."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Any

import orjson

from kci_backend.query.params import Params, parse_pairs

from .errors import ApiError

if TYPE_CHECKING:
    from kci_backend.app import State
    from .auth import Token

JSON_MEDIA_TYPE = "application/json"


class Request:
    def __init__(self, scope: dict, receive: Any, state: "State", path_params: dict[str, str]) -> None:
        self.scope = scope
        self.receive = receive
        self.state = state
        self.path_params = path_params
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.token: "Token | None" = None
        self._body: bytes | None = None
        # Headers a handler adds to its success answer (e.g. `Location` of a new lab).
        self.response_headers: list[tuple[bytes, bytes]] = []

    def header(self, name: bytes) -> str | None:
        for key, value in self.scope["headers"]:
            if key == name:
                return value.decode("latin-1")
        return None

    @cached_property
    def query(self) -> Params:
        return Params(parse_pairs(self.scope.get("query_string", b"")))

    def path_param(self, name: str) -> str | None:
        return self.path_params.get(name)

    @property
    def media_type(self) -> str:
        content_type = self.header(b"content-type") or ""
        return content_type.split(";", 1)[0].strip().lower()

    async def body(self, limit: int | None = None) -> bytes:
        """The whole body; 413 past the limit (the JSON cap by default)."""
        if self._body is not None:
            return self._body
        limit = self.state.settings.max_body_bytes if limit is None else limit
        declared = self.header(b"content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ApiError(413, "Request body too large")
        chunks, size = [], 0
        while True:
            message = await self.receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise ApiError(413, "Request body too large")
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        self._body = b"".join(chunks)
        return self._body

    async def json(self, *, content_type_reason: str | None = None, verb: str | None = None) -> Any:
        """The parsed JSON body, after the Content-Type (415) and parse (422) checks."""
        if self.media_type != JSON_MEDIA_TYPE:
            raise ApiError(415, content_type_reason
                           or "Wrong content type defined: Use application/json as the content type")
        data = await self.body()
        try:
            return orjson.loads(data) if data.strip() else _raise_empty()
        except (orjson.JSONDecodeError, _EmptyBody):
            raise ApiError(422, f"No JSON data found in the {verb or self.method} request") from None

    async def json_object(self, **kwargs: Any) -> dict:
        """The JSON body, which must be an object (conventions.md §7)."""
        data = await self.json(**kwargs)
        if not isinstance(data, dict):
            raise ApiError(400, "Provided JSON is not valid", ["Provided data is not JSON"])
        return data


class _EmptyBody(Exception):
    pass


def _raise_empty() -> Any:
    raise _EmptyBody()
