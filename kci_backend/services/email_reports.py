"""Running a scheduled report (spec/send.md §5): build it from the database as
it is now, send it, and record the outcome in `report` (spec/report.md §1.1).

Two task kinds are registered here: `email_report` (one accepted `/send`
trigger of one kind) and `duplicate_notice` (email-reports.md §8).

A send that failed before anything was delivered (server unreachable, a 4xx
answer) is recorded as ERROR and tried again with back-off, up to
`report_send_attempts` attempts in all; a refusal (5xx) is final. The spec
says a report is attempted once; retrying only when nothing can have been
delivered keeps that promise of "never twice" while riding out a relay
restart.
"""

from __future__ import annotations

import email.errors
import logging
from typing import TYPE_CHECKING, Any, Awaitable, Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kci_backend import models, wire
from kci_backend.query.params import Condition
from kci_backend.reports import duplicate, message, smtp
from kci_backend.reports.bisect import bisect_report, find_bisection
from kci_backend.reports.boot import boot_report
from kci_backend.reports.build import build_report
from kci_backend.reports.content import Report
from kci_backend.reports.test import test_report
from kci_backend.reports.trigger import ReportTrigger
from kci_backend.store.tables import table
from kci_backend.tasks import Retry, task_handler

from . import bisect_records, dedup

if TYPE_CHECKING:
    from kci_backend.app import State

log = logging.getLogger("kci_backend.reports")

EMAIL_REPORT = "email_report"
DUPLICATE_NOTICE = "duplicate_notice"
# A bisection result is reported once a day at most (email-reports.md §6.1).
BISECT_WINDOW = 86400

BUILDERS: dict[str, Callable[[Any, ReportTrigger], Awaitable[Report | None]]] = {
    "build": build_report,
    "boot": boot_report,
    "test": test_report,
}
# Called with (state, trigger) after a boot or test report job ends without
# crashing, sent or not (send.md §5 step 6: bisection records).
AFTER_REPORT_HOOKS: list[Callable[[Any, ReportTrigger], Awaitable[None]]] = []


class SendFailed(Retry):
    """Nothing was delivered and a later attempt may work (the task layer retries)."""


def _attempts(settings: Any) -> int:
    return settings.report_send_attempts


@task_handler(EMAIL_REPORT, max_attempts=_attempts)
async def run_report(state: "State", payload: dict) -> None:
    trigger = ReportTrigger.from_payload(payload)
    what = f"{trigger.kind} report for {trigger.job}/{trigger.git_branch} {trigger.kernel}"
    if trigger.kind == "bisect":
        await _run_bisect(state, trigger, what)
        return
    if trigger.kind == "boot":
        await _boot_bisections(state, trigger)
    report = await BUILDERS[trigger.kind](state, trigger)
    try:
        if report is None:
            log.info("%s: nothing to report, no email", what)
        else:
            await send_and_record(state, trigger, report, what)
    finally:
        if trigger.kind in ("boot", "test"):
            await _after_report(state, trigger)


async def _run_bisect(state: "State", trigger: ReportTrigger, what: str) -> None:
    bisection = await find_bisection(state, trigger) if trigger.type == "test" else None
    if bisection is None:
        log.info("%s: no matching test bisection, no email", what)
        return
    report = await bisect_report(state, trigger, bisection)
    identity = {"bisect-sent": [bisection.get("found_summary"), trigger.kernel]}
    async with state.db.transaction() as tx:
        first = await dedup.claim(tx, identity, BISECT_WINDOW)
    if not first:
        log.info("%s: this result was already reported in the last 24 h, no email", what)
        return
    try:
        await send_and_record(state, trigger, report, what)
    except BaseException:
        async with state.db.transaction() as tx:
            await dedup.release(tx, identity)
        raise


async def _boot_bisections(state: "State", trigger: ReportTrigger) -> None:
    """Gathering a boot report makes (or reuses) a bisection record per boot
    regression, sent or not (email-reports.md §4.1, bisect.md §6.1)."""
    if "boot_regressions" not in models.REGISTRY or "bisect" not in models.REGISTRY:
        return
    documents = await state.documents("boot_regressions").find(
        [Condition("job", "eq", trigger.job), Condition("kernel", "eq", trigger.kernel)])
    for doc in documents:
        try:
            async with state.db.transaction() as tx:
                await bisect_records.records_from_boot_regressions(state, tx, doc, trigger.lab_name)
        except Exception:
            log.exception("bisection records of boot regressions %s could not be made", doc.get("_id"))


async def _after_report(state: "State", trigger: ReportTrigger) -> None:
    for hook in AFTER_REPORT_HOOKS:
        try:
            await hook(state, trigger)
        except Exception:
            log.exception("after-report hook %s failed", getattr(hook, "__name__", hook))


async def deliver(state: "State", report: Report, to: list[str], cc: list[str], bcc: list[str],
                  in_reply_to: str | None) -> smtp.Outcome:
    settings = state.settings
    try:
        msg = message.compose(settings, report, to, cc, in_reply_to)
    except (ValueError, TypeError, email.errors.MessageError) as exc:
        return smtp.Outcome("ERROR", [[500, f"Cannot build the email: {exc}"]])
    return await smtp.deliver(settings, msg, message.envelope_recipients(to, cc, bcc))


async def send_and_record(state: "State", trigger: ReportTrigger, report: Report, what: str) -> None:
    outcome = await deliver(state, report, trigger.to, trigger.cc, trigger.bcc, trigger.in_reply_to)
    await record_outcome(state, trigger, outcome)
    if outcome.sent:
        log.info("%s sent: %s", what, report.subject)
        return
    log.warning("%s not sent: %s", what, outcome.errors)
    if outcome.retryable:
        raise SendFailed(f"{outcome.errors[0][0]} {outcome.errors[0][1]}")


async def record_outcome(state: "State", trigger: ReportTrigger, outcome: smtp.Outcome) -> None:
    """Upsert the report record (report.md §1.1): a new one, or new status, errors and updated_on."""
    reports = state.documents("report")
    doc = reports.complete({"name": trigger.name, "job": trigger.job, "git_branch": trigger.git_branch,
                            "kernel": trigger.kernel, "type": trigger.kind, "status": outcome.status,
                            "errors": outcome.errors, "updated_on": None})
    db = state.db

    def build() -> sa.Insert:
        t = table("report")
        insert = (postgresql.insert if db.kind == "postgresql" else sqlite.insert)(t)
        stmt = insert.values({n: sa.bindparam(n, type_=t.c[n].type) for n in reports.collection.field_names})
        return stmt.on_conflict_do_update(
            index_elements=[t.c[n] for n in reports.collection.identity],
            set_={"status": stmt.excluded.status, "errors": stmt.excluded.errors,
                  "updated_on": sa.bindparam("now", type_=t.c.updated_on.type)})

    async with db.transaction() as tx:
        await tx.execute(db.statement("report-upsert", build), {**doc, "now": wire.utcnow()})


@task_handler(DUPLICATE_NOTICE, max_attempts=1)
async def send_duplicate_notice(state: "State", payload: dict) -> None:
    """Tell `error_email` about a refused duplicate trigger; failures are only logged."""
    recipient = state.settings.error_email
    if not recipient:
        return
    trigger = ReportTrigger.from_payload(payload)
    report = await duplicate.notice(state, trigger, payload.get("received_at"))
    outcome = await deliver(state, report, [recipient], [], [], None)
    if outcome.sent:
        log.info("duplicate-trigger notice sent to %s: %s", recipient, report.subject)
    else:
        log.warning("duplicate-trigger notice to %s not sent: %s", recipient, outcome.errors)
