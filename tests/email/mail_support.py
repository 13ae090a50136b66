"""Email test support: a mailbox behind a real SMTP server (aiosmtpd), settings
of the servers whose reports go to it, and data seeding helpers.

A `Mailbox` keeps every message the SMTP server accepts. It refuses
recipients whose address starts with `reject-` (550) and defers those
starting with `later-` (451), so SMTP errors can be provoked.
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Callable

SENDER = "kernelci@example.org"
SENDER_DESC = "KernelCI bot"
ERROR_EMAIL = "errors@example.org"
INFO_EMAIL = "info@example.org"
BASE_URL = "https://dash.example.org"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    raw: bytes

    def header(self, name: str) -> str | None:
        value = self.message[name]
        # A header folded right after its colon reads back with a leading space here.
        return None if value is None else str(value).strip()

    def part(self, subtype: str) -> str | None:
        """The decoded text/<subtype> body, or None."""
        for part in self.message.walk():
            if part.get_content_type() == f"text/{subtype}":
                return part.get_content()
        return None


class Mailbox:
    """aiosmtpd handler that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject-"):
            return f"550 5.1.1 <{address}>: Recipient address rejected"
        if address.startswith("later-"):
            return f"451 4.3.0 <{address}>: Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message, envelope.content))
        return "250 Message accepted for delivery"

    def find(self, predicate: Callable[[Received], bool]) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if predicate(m)]

    def wait_for(self, predicate: Callable[[Received], bool], count: int = 1, timeout: float = 30) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.find(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} message(s), got {len(self.find(predicate))}")

    def reports(self, job: str, kernel: str | None = None, count: int = 1, timeout: float = 30) -> list[Received]:
        """Wait for `count` reports of this tree (and kernel)."""
        return self.wait_for(lambda m: m.header("X-Kernelci-Tree") == job
                             and kernel in (None, m.header("X-Kernelci-Kernel")), count, timeout)


def mail_env(smtp_port: int, **overrides: str) -> dict[str, str]:
    """Settings of a server whose reports go to the SMTP server on `smtp_port`."""
    env = {"KCI_SMTP_HOST": "127.0.0.1", "KCI_SMTP_PORT": str(smtp_port), "KCI_SMTP_SENDER": SENDER,
           "KCI_SMTP_SENDER_DESC": SENDER_DESC, "KCI_ERROR_EMAIL": ERROR_EMAIL, "KCI_INFO_EMAIL": INFO_EMAIL,
           "KCI_BASE_URL": BASE_URL, "KCI_SMTP_TIMEOUT": "5", "KCI_TASK_POLL_SECONDS": "0.1",
           "KCI_TASK_RETRY_SECONDS": "0.3", "KCI_LOG_LEVEL": "info"}
    env.update(overrides)
    return env


def send_body(job: str, kernel: str, branch: str = "master", **fields) -> dict:
    """A /send body that reports at once (delay 0) to dev@example.org unless overridden."""
    return {"job": job, "kernel": kernel, "git_branch": branch, "delay": 0, "send_to": ["dev@example.org"],
            **fields}


def put_file(root: Path, relative: str, content: bytes | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def post_build(api, storage_dir: Path, job: str, kernel: str, *, arch: str = "arm64",
               defconfig: str = "defconfig", environment: str = "gcc-10", status: str = "PASS",
               log: str | None = None, branch: str = "master", **extra) -> None:
    """Import a build through POST /build (flat form); `log` becomes its parsed build log."""
    body = {"job": job, "kernel": kernel, "git_branch": branch, "arch": arch, "defconfig": defconfig,
            "build_environment": environment, "status": status, **extra}
    if log is not None:
        resource = f"{job}/{branch}/{kernel}/{arch}/{defconfig}/{environment}"
        put_file(storage_dir / resource, "build.log", log)
        body["file_server_resource"] = resource
    r = api.post("/build", json=body)
    assert r.status_code in (201, 202), r.text


def lab_client(backend, name: str):
    """A client holding the token of a new lab `name` (made through POST /lab)."""
    api = backend.client(backend.admin_token)
    contact = {"name": "Ada", "surname": "Lovelace", "email": f"{name}@example.org"}
    r = api.post("/lab", json={"name": name, "contact": contact})
    assert r.status_code == 201, r.text
    return backend.client(r.json()["result"][0]["token"])


def post_boot(lab, lab_name: str, job: str, kernel: str, board: str, result: str, **extra) -> dict:
    """Import a boot report through POST /boot with a lab's token."""
    body = {"version": "1.1", "lab_name": lab_name, "job": job, "kernel": kernel, "git_branch": "master",
            "arch": "arm", "defconfig": "multi_v7_defconfig", "build_environment": "gcc-10", "board": board,
            "device_type": board, "boot_result": result, **extra}
    r = lab.post("/boot", json=body)
    assert r.status_code in (201, 202), r.text
    return body


def wait_for_report(api, job: str, kind: str, *, status: str | None = None, timeout: float = 30) -> dict:
    """The /report record of (job, kind) once it exists (and has `status`, if given)."""
    deadline = time.monotonic() + timeout
    while True:
        r = api.get("/report", params={"job": job, "type": kind})
        assert r.status_code == 200, r.text
        found = r.json()["result"]
        if found and (status is None or found[0]["status"] == status):
            assert len(found) == 1, found
            return found[0]
        assert time.monotonic() < deadline, f"no {kind} report record for {job}: {found}"
        time.sleep(0.1)


def report_tasks(backend, job: str) -> list[dict]:
    """The `email_report` tasks scheduled for this tree (read from the task table)."""
    from kci_backend import models
    from kci_backend.query.params import Condition
    from kci_backend.store.documents import Documents

    async def read(db):
        return await Documents(db, models.get("task")).find([Condition("kind", "eq", "email_report")])

    return [t for t in backend.run(read) if t["payload"].get("job") == job]


def wait_until_reported(backend, job: str, count: int, timeout: float = 30) -> list[dict]:
    """Wait until `count` report tasks of this tree have finished (done or failed)."""
    deadline = time.monotonic() + timeout
    while True:
        tasks = report_tasks(backend, job)
        if len(tasks) == count and all(t["state"] in ("done", "failed") for t in tasks):
            return tasks
        assert time.monotonic() < deadline, [(t["state"], t["attempts"]) for t in tasks]
        time.sleep(0.1)
