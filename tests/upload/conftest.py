"""Fixtures of the upload tests: tokens with each role, and extra servers with
other upload settings (a small body limit, the static route switched off),
sharing the main server's database."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pytest

from upload_support import SMALL_LIMIT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ExtraServer:
    url: str
    storage_dir: Path
    process: subprocess.Popen


def _start(backend, tmp: Path, **settings: str) -> ExtraServer:
    port = free_port()
    storage = tmp / "storage"
    env = {k: v for k, v in backend.env.items() if k != "KCI_STORAGE_URL"}
    env.update({"KCI_STORAGE_DIR": str(storage), **settings})
    log = open(tmp / "server.log", "w")
    process = subprocess.Popen([sys.executable, "-m", "kci_backend.cli", "serve", "--port", str(port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp / "server.log").read_text())
        try:
            if httpx.get(url + "/version", timeout=1).status_code == 200:
                return ExtraServer(url, storage, process)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("extra server did not start")


def _stop(server: ExtraServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="session")
def limited_server(backend, tmp_path_factory) -> Iterator[ExtraServer]:
    """Uploads capped at SMALL_LIMIT bytes; no storage_url, so links use the server's own /storage/."""
    server = _start(backend, tmp_path_factory.mktemp(f"upload-limited-{backend.kind}"),
                    KCI_MAX_UPLOAD_BYTES=str(SMALL_LIMIT))
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def unserved_server(backend, tmp_path_factory) -> Iterator[ExtraServer]:
    """The static route switched off and no storage_url: no links at all."""
    server = _start(backend, tmp_path_factory.mktemp(f"upload-unserved-{backend.kind}"),
                    KCI_SERVE_STORAGE="false")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def upload_token(backend) -> str:
    return backend.token(upload=1)


@pytest.fixture
def uploader(backend, upload_token) -> httpx.Client:
    """A client whose token has only the `upload` bit."""
    return backend.client(upload_token)
