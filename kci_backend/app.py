"""The ASGI application: state, the dispatcher and its order of checks.

`create_app()` builds a small ASGI callable. Per request it matches the path
(routing.py), answers OPTIONS / 405 / pre-auth 501 itself, authorizes the
token with the endpoint's rule (auth.py), runs the handler, and sends the
result through one `Responder` (responses.py), which sets the envelope
headers. Errors become v1 error envelopes; nothing unexpected escapes as
anything but `{"code": 500, "reason": "Internal error"}`.
"""

from __future__ import annotations

import gc
import importlib
import logging
import pkgutil
from dataclasses import dataclass, field
from typing import Any

from kci_backend import models
from kci_backend.query.params import QueryError
from kci_backend.settings import Settings, get_settings
from kci_backend.store.database import Database, open_database
from kci_backend.store.documents import Documents

from .http import routing
from .http.auth import Authenticator
from .http.errors import ApiError
from .http.request import Request
from .http.responses import Responder, envelope

log = logging.getLogger("kci_backend.http")

_NOT_FOUND = {"code": 404, "message": "Resource not found"}


@dataclass
class State:
    """What handlers reach through `request.state`."""

    settings: Settings
    db: Database
    auth: Authenticator
    _documents: dict[str, Documents] = field(default_factory=dict)
    # Extra per-feature objects (task queue, file store, …) set up by their modules.
    extras: dict[str, Any] = field(default_factory=dict)

    def documents(self, collection: str) -> Documents:
        docs = self._documents.get(collection)
        if docs is None:
            docs = self._documents[collection] = Documents(self.db, models.get(collection))
        return docs


def load_resources() -> None:
    """Import every module of kci_backend.resources so their routes register."""
    from kci_backend import resources

    for module in sorted(m.name for m in pkgutil.iter_modules(resources.__path__)):
        importlib.import_module(f"kci_backend.resources.{module}")


# Hooks run at start-up and shut-down with the State (e.g. the in-process worker).
STARTUP_HOOKS: list[Any] = []
SHUTDOWN_HOOKS: list[Any] = []


class Application:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state: State | None = None
        load_resources()

    async def startup(self) -> None:
        db = open_database(self.settings.database_url, self.settings.pg_pool_size)
        await db.connect()
        auth = Authenticator(db, self.settings.master_key, self.settings.trusted_proxies,
                             self.settings.token_cache_seconds)
        self.state = State(self.settings, db, auth)
        if self.settings.master_key:
            log.warning("the master key is enabled (KCI_MASTER_KEY); turn it off once the first admin token exists")
        for hook in STARTUP_HOOKS:
            await hook(self.state)
        # What start-up built lives as long as the process. Frozen, it is left out of the
        # cyclic collector's full passes, which otherwise walk all of it (~80k objects,
        # tens of ms) every few seconds under load and show as p99 latency (BENCHMARKS.md).
        gc.collect()
        gc.freeze()

    async def shutdown(self) -> None:
        for hook in SHUTDOWN_HOOKS:
            await hook(self.state)
        if self.state is not None:
            await self.state.db.close()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:  # reported to uvicorn, which exits
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def handle(self, scope: dict, receive: Any, send: Any) -> None:
        responder = Responder(scope, send, self.settings.cors_origins)
        request = None
        try:
            found = routing.match(scope["path"])
            if found is None:
                await responder.send_json(404, dict(_NOT_FOUND), cors=False)
                return
            endpoint, params = found
            request = Request(scope, receive, self.state, params)
            await self.dispatch(endpoint, request, responder)
        except ApiError as exc:
            await responder.send_json(exc.status, envelope(exc.status, reason=exc.reason, errors=exc.errors,
                                                           **exc.extra))
        except QueryError as exc:
            await responder.send_json(400, envelope(400, reason=exc.reason))
        except Exception:
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            if responder.status is None:
                await responder.send_json(500, envelope(500, reason="Internal error"))
        finally:
            self.audit(scope, request, responder)

    async def dispatch(self, endpoint: routing.Endpoint, request: Request, responder: Responder) -> None:
        method = request.method
        if method == "OPTIONS":
            await responder.send_json(200, {"code": 200})
            return
        if method not in routing.METHODS:
            raise ApiError(405, "Operation not allowed")
        if method in endpoint.unimplemented_open:
            raise ApiError(501, endpoint.unimplemented_open[method])
        if method not in endpoint.open_methods:
            token = await self.state.auth.authorize(request.scope, request.header(b"authorization"),
                                                    endpoint.rule_for(method), method)
            if token is None:
                raise ApiError(403)
            request.token = token
        handler = routing.handler_for(endpoint, method)
        if handler is None:
            raise ApiError(501)
        result = await handler(request)
        responder.extra_headers.extend(request.response_headers)
        if isinstance(result, routing.Stream):
            await responder.send_stream(result.status, result.chunks)
        elif isinstance(result, routing.Raw):
            await responder.send_raw(result.status, result.body, result.content_type, result.headers)
        elif isinstance(result, routing.File):
            await responder.send_file(result)
        else:
            await responder.send_json(result["code"], result)

    @staticmethod
    def audit(scope: dict, request: Request | None, responder: Responder) -> None:
        """SEC-16: writes and /token, /lab requests are logged with the token _id."""
        method, path = scope["method"], scope["path"]
        if method in ("POST", "PUT", "DELETE") or path.startswith(("/token", "/lab")):
            token = request.token if request is not None else None
            who = "master-key" if token is not None and token.master else (token.id if token else "-")
            log.info("%s %s %s token=%s", method, path, responder.status, who)


def create_app(settings: Settings | None = None) -> Application:
    return Application(settings or get_settings())
