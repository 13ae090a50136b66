"""Helpers of the core suite: constants, a second server process, raw responses."""

from __future__ import annotations

import gzip
import json
import socket
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from kci_backend.wire import to_millis as millis  # noqa: F401  (used by the tests)

JSON_TYPE = "application/json; charset=UTF-8"
TLS_CONTEXT = ssl.create_default_context()  # shared: httpx builds one per client otherwise (slow)
NOT_FOUND = {"code": 404, "message": "Resource not found"}
NOT_ALLOWED = {"code": 405, "reason": "Operation not allowed"}

# The token kinds of token.md §3.4 (LAB has the bits POST /lab gives its token).
KIND_FLAGS: dict[str, dict[str, int]] = {
    "ADM": {"admin": 1},
    "SU": {"superuser": 1},
    "GET": {"get": 1},
    "RW": {"get": 1, "post": 1, "delete": 1},
    "LAB": {"post": 1, "delete": 1, "lab": 1},
    "TLAB": {"test_lab": 1},
    "UPL": {"upload": 1},
}
KINDS = ("none", "MK", *KIND_FLAGS)

# Settings of the "tight" server: a 2 KiB body cap, one allowed CORS origin,
# and a proxy list without loopback (so X-Real-Ip from the tests is not believed).
TIGHT_BODY_BYTES = 2048
TIGHT_ORIGIN = "https://dashboard.example.org"


def fail_on_500(response: httpx.Response) -> None:
    if response.status_code == 500:
        response.read()
        raise AssertionError(f"server answered 500: {response.request.method} {response.request.url} {response.text}")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A second `kci-backend serve` on the same database, with other settings."""

    url: str
    process: subprocess.Popen
    log_path: Path

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": token} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, verify=TLS_CONTEXT,
                            event_hooks={"response": [fail_on_500]}, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_server(backend, tmp_path, **settings: Any) -> Server:
    """`kci-backend serve` with the backend's environment plus `KCI_<NAME>` settings."""
    port = free_port()
    env = dict(backend.env)
    for name, value in settings.items():
        env[f"KCI_{name.upper()}"] = value if isinstance(value, str) else json.dumps(value)
    log_path = tmp_path / f"server-{port}.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([sys.executable, "-m", "kci_backend.cli", "serve", "--port", str(port)],
                                   env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()}")
        try:
            if httpx.get(url + "/version", timeout=1).status_code == 200:
                return Server(url, process, log_path)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server did not start: {log_path.read_text()}")


@dataclass
class RawResponse:
    status: int
    headers: httpx.Headers
    body: bytes  # as sent on the wire (not decompressed)

    def text(self) -> str:
        data = gzip.decompress(self.body) if self.headers.get("content-encoding") == "gzip" else self.body
        return data.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.text())


def raw(client: httpx.Client, method: str, path: str, **kwargs: Any) -> RawResponse:
    """A response whose body is not decoded by httpx (to see gzip and bytes as sent)."""
    with client.stream(method, path, **kwargs) as r:
        body = b"".join(r.iter_raw())
        return RawResponse(r.status_code, r.headers, body)
