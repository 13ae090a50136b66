"""Delivery guarantees: a scheduled report survives a restart and is sent once;
an unreachable SMTP server is retried, then the report is marked failed."""

from __future__ import annotations

import socket
import time

import pytest

from mail_support import mail_env, post_build, report_tasks, send_body, wait_for_report, wait_until_reported


@pytest.fixture(params=["sqlite", "postgresql"])
def kind(request) -> str:
    return request.param


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens there once the socket is closed


def test_scheduled_report_survives_a_restart_and_is_sent_once(kind, servers, mailbox, unique):
    first = servers.start(kind, mail_env(mailbox.port))
    api = first.client(first.admin_token)
    job = f"restart-{unique}"
    post_build(api, first.storage_dir, job, "v1")
    r = api.post("/send", json=send_body(job, "v1", build_report=1, delay=3))
    assert r.status_code == 202
    due = r.json()["result"][0]["send_at"]["$date"] / 1000
    servers.stop(first)  # down before the report is due
    time.sleep(max(0.0, due - time.time()) + 0.5)  # ...and still down when it falls due
    assert not mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job)

    second = servers.start(kind, mail_env(mailbox.port), database_url=first.database_url)
    [mail] = mailbox.reports(job)
    assert mail.header("Subject").startswith(f"{job}/master build: 1 build: 0 failed, 1 passed")
    [task] = wait_until_reported(second, job, 1)
    assert (task["state"], task["attempts"]) == ("done", 1)
    time.sleep(1)
    assert len(mailbox.find(lambda m: m.header("X-Kernelci-Tree") == job)) == 1
    assert wait_for_report(second.client(second.admin_token), job, "build")["status"] == "SENT"


def test_unreachable_smtp_is_retried_then_marked_failed(kind, servers, unique):
    server = servers.start(kind, mail_env(closed_port(), KCI_REPORT_SEND_ATTEMPTS="3",
                                          KCI_TASK_RETRY_SECONDS="0.2"))
    api = server.client(server.admin_token)
    job = f"unreachable-{unique}"
    post_build(api, server.storage_dir, job, "v1")
    assert api.post("/send", json=send_body(job, "v1", build_report=1)).status_code == 202
    [task] = wait_until_reported(server, job, 1)
    assert (task["state"], task["attempts"]) == ("failed", 3)
    record = wait_for_report(api, job, "build")
    assert record["status"] == "ERROR"
    [[code, message]] = record["errors"]
    assert code == 500 and message
    assert record["updated_on"] is not None  # written by the first attempt, rewritten by the retries


def test_partly_refused_recipients_still_get_the_report(mail_backend, mail_api, mailbox, unique):
    job = f"partial-{unique}"
    post_build(mail_api, mail_backend.storage_dir, job, "v1")
    r = mail_api.post("/send", json=send_body(job, "v1", build_report=1,
                                              send_to=["reject-one@example.org", "dev@example.org"]))
    assert r.status_code == 202
    [mail] = mailbox.reports(job)
    assert mail.rcpt_tos == ["dev@example.org"]
    assert mail.header("To") == "reject-one@example.org, dev@example.org"
    assert wait_for_report(mail_api, job, "build")["status"] == "SENT"
    assert len(report_tasks(mail_backend, job)) == 1
