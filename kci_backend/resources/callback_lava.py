"""`/callback/lava/<action>` (spec/callback-lava.md §1–§3): LAVA job results.

POST runs the synchronous checks in the spec's order — token (BOOT rule,
by the dispatcher), Content-Type, JSON, the body and its definition
metadata (lava/payload.py), `lab_name`, lab association (token.md §4.3),
supported action — then records the accepted body as a durable task and
answers 202. The import itself runs later (services/lava_import.py).
GET, PUT and DELETE answer 501 before any token check.
"""

from __future__ import annotations

from kci_backend import app as application
from kci_backend import models
from kci_backend.http.auth import Rule
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, route
from kci_backend.lava.payload import (
    ACCEPTED_REASON,
    CallbackRejection,
    check_callback,
    unsupported_action_body,
)
from kci_backend.services import labs, lava_import
from kci_backend.tasks import inline

NOT_ASSOCIATED = "Provided authentication token is not associated with lab '{}' or is not valid"


def boot_supported() -> bool:
    """§9: action `boot` exists only where the /boot resource does."""
    return "boot" in models.REGISTRY


@route(r"/callback/lava/(?P<action>[A-Za-z0-9_]+)")
class LavaCallback(Endpoint):
    rule = Rule.BOOT
    unimplemented_open = {"GET": None, "PUT": None, "DELETE": None}

    async def post(self, request) -> dict:
        body = await request.json()  # rows 2–3: 415, 422
        # Empty counts as absent (row 8); other query parameters are ignored.
        lab_name = request.query.last("lab_name") or None
        checked = check_callback(body, request.path_param("action"), lab_name, boot_supported=boot_supported())
        if isinstance(checked, CallbackRejection):  # rows 4–8
            raise ApiError(checked.status, checked.reason, checked.errors)
        if not await labs.lab_token_matches(request.state, checked.lab_name, request.token):  # row 9
            raise ApiError(403, NOT_ASSOCIATED.format(checked.lab_name))
        if not checked.action_supported:  # row 10
            return unsupported_action_body(checked.action)
        await lava_import.enqueue_callback(request.state, checked)
        return {"code": 202, "reason": ACCEPTED_REASON}


# The import runs in the durable-task worker; `serve` runs one inline
# (settings.inline_worker). Registered once, whichever module gets there first.
if inline.start not in application.STARTUP_HOOKS:
    application.STARTUP_HOOKS.append(inline.start)
    application.SHUTDOWN_HOOKS.append(inline.stop)
