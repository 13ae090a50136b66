"""`/send` (spec/send.md): schedule email reports. Only POST is implemented.

GET, PUT and DELETE answer 501 once the token is accepted (no handler).
This module also starts the durable-task worker inside `serve`
(settings.inline_worker), which runs the reports scheduled here and any
other module's tasks.
"""

from __future__ import annotations

from kci_backend import app as application
from kci_backend import wire
from kci_backend.http.errors import ApiError
from kci_backend.http.routing import Endpoint, route
from kci_backend.models.token import LAB, TEST_LAB
from kci_backend.reports.trigger import ReportTrigger
from kci_backend.services import send as service
from kci_backend.tasks import inline

# Registered once, whichever module that defers work gets here first.
if inline.start not in application.STARTUP_HOOKS:
    application.STARTUP_HOOKS.append(inline.start)
    application.SHUTDOWN_HOOKS.append(inline.stop)

DUPLICATE_REASON = "Email request already registered"


def _shown(trigger: ReportTrigger, delay: int, send_at) -> dict:
    shown = {"report_type": trigger.kind, "job": trigger.job, "git_branch": trigger.git_branch,
             "kernel": trigger.kernel, "delay": delay, "send_at": wire.date(send_at), "format": trigger.format,
             "to": trigger.to, "cc": trigger.cc, "bcc": trigger.bcc}
    if trigger.kind == "test":
        shown["plan"] = trigger.plan
        if trigger.template:
            shown["template"] = trigger.template
    if trigger.kind == "bisect" or (trigger.kind == "boot" and trigger.lab_name):
        shown["lab_name"] = trigger.lab_name
    return shown


@route(r"/send")
class Send(Endpoint):
    async def post(self, request) -> dict:
        # SEC-8 (security-notes.md, adopted): lab tokens may not make the server send email.
        if request.token.has(LAB) or request.token.has(TEST_LAB):
            raise ApiError(403, "Lab tokens cannot schedule email reports")
        body = await request.json_object()
        try:
            plan = service.parse_trigger(body, request.state.settings.send_delay)
        except service.SendError as exc:
            raise ApiError(exc.status, exc.reason, exc.errors) from None
        scheduled = await service.schedule(request.state, plan)
        if not scheduled.accepted:
            raise ApiError(409, DUPLICATE_REASON)
        errors = plan.warnings + [f"{t.kind} email report already registered, ignored" for t in scheduled.duplicates]
        when = scheduled.send_at.isoformat()
        reason = "; ".join(f"{t.kind} email report scheduled to be sent at '{when}' UTC" for t in scheduled.accepted)
        result = [_shown(t, plan.delay, scheduled.send_at) for t in scheduled.accepted]
        return {"code": 202, "reason": reason, "result": result, **({"errors": errors} if errors else {})}
