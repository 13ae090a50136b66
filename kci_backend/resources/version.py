"""`/version` (spec/version.md): open GET; POST/DELETE 501 without auth."""

from kci_backend import __version__
from kci_backend.http.routing import Endpoint, route


@route(r"/version")
class Version(Endpoint):
    open_methods = frozenset({"GET"})
    unimplemented_open = {"POST": None, "DELETE": None}

    async def get(self, request) -> dict:
        return {"code": 200, "result": [{"full_version": __version__, "version": __version__}]}
