"""Email fixtures: a real SMTP server (aiosmtpd) on a loopback port, and API
servers of our own (one per database) whose reports go to it."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest
from aiosmtpd.controller import Controller

from mail_support import Mailbox, mail_env


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    box.port = controller.port
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def mail_backend(request, mailbox, servers):
    """A server per database whose reports go to `mailbox` (stopped by `servers` at the end)."""
    return servers.start(request.param, mail_env(mailbox.port))


@pytest.fixture
def mail_api(mail_backend):
    return mail_backend.client(mail_backend.admin_token)
