"""`/openapi.json` and interactive docs at `/docs` (Swagger UI shipped by swagger-ui-bundle)."""

from __future__ import annotations

import mimetypes

from swagger_ui_bundle import swagger_ui_path

from kci_backend import wire
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, Raw, route
from kci_backend.openapi import build_openapi

_OPEN = frozenset({"GET"})
_NO_WRITES = {"POST": None, "PUT": None, "DELETE": None}

_PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>kci-backend API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@route(r"/openapi\.json")
class OpenApi(Endpoint):
    open_methods = _OPEN
    unimplemented_open = _NO_WRITES

    async def get(self, request) -> dict:
        # Not a v1 envelope: OpenAPI tools expect the bare document.
        return Raw(200, wire.dumps(build_openapi()), b"application/json; charset=UTF-8")


@route(r"/docs", r"/docs/(?P<asset>[A-Za-z0-9._-]+)")
class Docs(Endpoint):
    open_methods = _OPEN
    unimplemented_open = _NO_WRITES

    async def get(self, request) -> Raw:
        asset = request.path_param("asset")
        if asset is None:
            return Raw(200, _PAGE, b"text/html; charset=utf-8")
        path = swagger_ui_path / asset
        if not path.is_file():
            raise ApiError(404, "Resource not found")
        content_type = (mimetypes.guess_type(asset)[0] or "application/octet-stream").encode()
        return Raw(200, path.read_bytes(), content_type)
