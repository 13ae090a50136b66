"""What one send attempt records (email-reports.md §2.1), against the real SMTP server.

These call the sending code directly with settings of their own; the HTTP
tests cover the same outcomes end to end.
"""

from __future__ import annotations

import asyncio
import socket

from kci_backend.reports import message, smtp
from kci_backend.reports.content import Report
from kci_backend.settings import Settings

from mail_support import SENDER


def attempt(settings: Settings, to: list[str], cc: list[str] | None = None) -> smtp.Outcome:
    report = Report("Subject ünïcode", "body\n", None, {"X-Kernelci-Tree": "t"})
    msg = message.compose(settings, report, to, cc or [], None)
    return asyncio.run(smtp.deliver(settings, msg, message.envelope_recipients(to, cc or [])))


def settings_for(port: int, **overrides) -> Settings:
    return Settings(**{"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_sender": SENDER, "smtp_timeout": 5,
                       **overrides})


def test_sent(mailbox, unique):
    outcome = attempt(settings_for(mailbox.port), [f"Dev <dev-{unique}@example.org>"])
    assert (outcome.status, outcome.errors, outcome.retryable) == ("SENT", [], False)
    [mail] = mailbox.wait_for(lambda m: f"dev-{unique}@example.org" in m.rcpt_tos)
    assert mail.header("Subject") == "Subject ünïcode"
    assert b"=?utf-8?" in mail.raw.split(b"\r\n\r\n")[0]  # the non-ASCII subject is RFC 2047 encoded


def test_refused_is_final_and_deferred_is_retryable(mailbox):
    refused = attempt(settings_for(mailbox.port), ["reject-a@example.org"], ["reject-b@example.org"])
    assert refused.status == "ERROR" and not refused.retryable
    assert refused.errors[0][0] == 550 and "reject-a@example.org" in refused.errors[0][1]
    deferred = attempt(settings_for(mailbox.port), ["later-a@example.org"])
    assert deferred.errors[0][0] == 451 and deferred.retryable


def test_unreachable_and_unconfigured():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    unreachable = attempt(settings_for(closed), ["dev@example.org"])
    assert unreachable.status == "ERROR" and unreachable.retryable and unreachable.errors[0][0] == 500
    unconfigured = attempt(settings_for(closed, smtp_host=""), ["dev@example.org"])
    assert unconfigured.status == "ERROR" and not unconfigured.retryable
    assert unconfigured.errors == [[500, smtp.NOT_CONFIGURED]]
