"""`/send` triggers (spec/send.md §2–§3): validate, drop duplicates, schedule.

`parse_trigger` turns a request body into one `ReportTrigger` per report
kind, or raises `SendError` with the v1 status, reason and errors. It is
pure: nothing is written unless the whole request is valid.
`schedule` then claims each trigger's 24-hour duplicate key and enqueues
its `email_report` task in one transaction, so an accepted trigger is
never lost and two identical ones are never both accepted.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from kci_backend import wire
from kci_backend.reports.trigger import BISECT_KEYS, KINDS, ReportTrigger
from kci_backend.tasks import enqueue

from . import dedup
from .email_reports import DUPLICATE_NOTICE, EMAIL_REPORT

if TYPE_CHECKING:
    from kci_backend.app import State

log = logging.getLogger("kci_backend.send")

MANDATORY = ("job", "kernel", "git_branch")
RECIPIENT_KEYS = ("send_to", "send_cc", "send_bcc", "build_send_to", "build_send_cc", "build_send_bcc",
                  "boot_send_to", "boot_send_cc", "boot_send_bcc")
TEXT_KEYS = ("subject", "in_reply_to", "lab_name", "plan", "template", *BISECT_KEYS, "log")
ACCEPTED_KEYS = frozenset({*MANDATORY, "report_type", "build_report", "boot_report", *RECIPIENT_KEYS, "delay",
                           "format", *TEXT_KEYS})
# §3.5: per kind, fields that must be non-empty strings.
REQUIRED = {"test": ("plan",),
            "bisect": ("lab_name", *BISECT_KEYS, "log", "subject")}
FORMATS = ("txt", "html")
MAX_DELAY = 18000
DUPLICATE_WINDOW = 86400
_INTEGER = re.compile(r"[+-]?[0-9]+")
_FLAG_WORDS = {"1": True, "true": True, "0": False, "false": False}


class SendError(Exception):
    def __init__(self, status: int, reason: str, errors: list[str] | None = None) -> None:
        super().__init__(reason)
        self.status, self.reason, self.errors = status, reason, errors or []


def _invalid(*errors: str) -> SendError:
    return SendError(400, "Provided JSON is not valid", list(errors))


@dataclass
class Plan:
    """A valid trigger: one ReportTrigger per kind (in kind order), the delay, warnings."""

    triggers: list[ReportTrigger]
    delay: int
    warnings: list[str] = field(default_factory=list)


# -- field parsers (§2.1, §3.3, §3.4) ---------------------------------------------------


def flag(body: dict, name: str) -> bool:
    value = body.get(name)
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.strip().lower()]
    raise SendError(400, f"Wrong value specified for '{name}': {value}")


def delay(body: dict, default: int, warnings: list[str]) -> int:
    raw = body.get("delay")
    if raw is None:
        seconds = default
    elif isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise SendError(400, f"Wrong value specified for 'delay': {raw}")
    elif isinstance(raw, float):
        if not math.isfinite(raw):
            raise SendError(400, f"Wrong value specified for 'delay': {raw}")
        seconds = int(raw)
    elif isinstance(raw, str):
        if not _INTEGER.fullmatch(raw.strip()):
            raise SendError(400, f"Wrong value specified for 'delay': {raw}")
        seconds = int(raw.strip())
    else:
        seconds = raw
    if seconds < 0:
        seconds = -seconds
        warnings.append(f"Negative delay value ({raw}) converted to {seconds} seconds")
    if seconds > MAX_DELAY:
        warnings.append(f"Delay value ({seconds}) exceeds the maximum of {MAX_DELAY} seconds: "
                        f"using {MAX_DELAY} seconds")
        seconds = MAX_DELAY
    return seconds


def formats(body: dict, warnings: list[str]) -> list[str]:
    raw = body.get("format")
    if raw is None or raw == "" or raw == []:
        return ["txt"]
    if not isinstance(raw, (str, list)):
        raise SendError(400, f"Wrong value specified for 'format': {raw}")
    chosen: list[str] = []
    for value in [raw] if isinstance(raw, str) else raw:
        if value in FORMATS:
            if value not in chosen:
                chosen.append(value)
        else:
            warnings.append(f"Invalid email format '{value}' specified, will be ignored")
    if not chosen:
        warnings.append("No valid email format specified, defaulting to 'txt'")
        chosen = ["txt"]
    return chosen


def addresses(body: dict, name: str) -> list[str]:
    """A List field (§2.1): a string is one entry, never split."""
    value = body.get(name)
    if value is None:
        return []
    entries = [value] if isinstance(value, str) else value
    if not isinstance(entries, list) or not all(isinstance(e, str) and e.strip() for e in entries):
        raise _invalid(f"Key '{name}' must be an email address or a list of email addresses")
    return entries


def _unique(*lists: list[str]) -> list[str]:
    return list(dict.fromkeys(e for entries in lists for e in entries))


def report_kinds(body: dict) -> list[str]:
    chosen = set()
    report_type = body.get("report_type")
    if report_type is not None:
        if report_type not in KINDS:
            raise SendError(400, f"Invalid report type: {report_type}.  Valid values are: {', '.join(KINDS)}")
        chosen.add(report_type)
    if flag(body, "build_report"):
        chosen.add("build")
    if flag(body, "boot_report"):
        chosen.add("boot")
    if not chosen:
        raise SendError(400, f"Invalid report type: None.  Valid values are: {', '.join(KINDS)}")
    return [k for k in KINDS if k in chosen]


# -- the whole request ------------------------------------------------------------------------------


def parse_trigger(body: dict, default_delay: int) -> Plan:
    """The request body → a Plan; SendError on the first problem, in the order of §3."""
    missing = [k for k in MANDATORY if k not in body]
    if missing:
        raise _invalid(f"One or more mandatory keys are missing: {missing}")
    warnings: list[str] = []
    unknown = [k for k in body if k not in ACCEPTED_KEYS]
    if unknown:
        warnings.append("Found non recognizable keys, they will not be considered: " + ", ".join(unknown))
        body = {k: v for k, v in body.items() if k in ACCEPTED_KEYS}
    for key in MANDATORY:
        if not isinstance(body[key], str) or not body[key].strip():
            raise _invalid(f"Key '{key}' must be a non-empty string")
    kinds = report_kinds(body)
    chosen_formats = formats(body, warnings)
    seconds = delay(body, default_delay, warnings)
    wrong_type = [k for k in TEXT_KEYS if body.get(k) is not None and not isinstance(body[k], str)]
    if wrong_type:
        raise _invalid(*(f"Key '{k}' must be a string" for k in wrong_type))
    incomplete = [f"Missing keys for {kind} report: {', '.join(absent)}" for kind in kinds
                  if (absent := [k for k in REQUIRED.get(kind, ()) if not (body.get(k) or "").strip()])]
    if incomplete:
        raise _invalid(*incomplete)
    triggers = [_trigger(body, kind, chosen_formats) for kind in kinds]
    return Plan(triggers, seconds, warnings)


def _trigger(body: dict, kind: str, chosen_formats: list[str]) -> ReportTrigger:
    own = kind if kind in ("build", "boot") else None
    lists = {}
    for part in ("to", "cc", "bcc"):
        specific = addresses(body, f"{own}_send_{part}") if own else []
        lists[part] = _unique(specific, addresses(body, f"send_{part}"))
    if not lists["to"]:
        raise SendError(400, f"No {kind} email reports scheduled to be sent",
                        [f"No email addresses provided to send {kind} report to"])
    trigger = ReportTrigger(kind, body["job"], body["kernel"], body["git_branch"], format=chosen_formats,
                            subject=body.get("subject"), in_reply_to=body.get("in_reply_to"), **lists)
    if kind in ("boot", "bisect"):
        trigger.lab_name = body.get("lab_name")
    if kind == "test":
        trigger.plan, trigger.template = body["plan"], body.get("template")
    if kind == "bisect":
        for key in (*BISECT_KEYS, "log"):
            setattr(trigger, key, body[key])
    return trigger


def duplicate_identity(trigger: ReportTrigger) -> dict[str, Any]:
    """What makes two triggers the same (§3.7); `delay` and `template` do not count."""
    identity = {n: getattr(trigger, n) for n in ("kind", "job", "git_branch", "kernel", "plan", "lab_name", "to",
                                                  "cc", "bcc", "in_reply_to", "subject", "format")}
    if trigger.kind == "bisect":
        identity.update({n: getattr(trigger, n) for n in BISECT_KEYS})
    return {"send-trigger": identity}


# -- scheduling (§3.7, §3.8) ---------------------------------------------------------------


@dataclass
class Scheduled:
    accepted: list[ReportTrigger]
    duplicates: list[ReportTrigger]
    send_at: datetime


async def schedule(state: "State", plan: Plan) -> Scheduled:
    """Claim each trigger's duplicate key and enqueue its report, all in one transaction."""
    now = wire.utcnow()
    send_at = now + timedelta(seconds=plan.delay)
    accepted, duplicates = [], []
    notify = state.settings.error_email
    async with state.db.transaction() as tx:
        for trigger in plan.triggers:
            if await dedup.claim(tx, duplicate_identity(trigger), DUPLICATE_WINDOW):
                task_id = await enqueue(tx, EMAIL_REPORT, trigger.to_payload(), send_at)
                accepted.append(trigger)
                log.info("%s report for %s/%s %s scheduled at %s (task %s)", trigger.kind, trigger.job,
                         trigger.git_branch, trigger.kernel, send_at.isoformat(), task_id)
            else:
                duplicates.append(trigger)
                log.info("%s report for %s/%s %s: duplicate trigger ignored", trigger.kind, trigger.job,
                         trigger.git_branch, trigger.kernel)
                if notify:
                    await enqueue(tx, DUPLICATE_NOTICE, {**trigger.to_payload(), "received_at": now.isoformat()})
    return Scheduled(accepted, duplicates, send_at)
