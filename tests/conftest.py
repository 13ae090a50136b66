"""Test fixtures: a real server process per database, reached over real HTTP.

Every storage/HTTP test takes the `backend` fixture, which is parametrized
over SQLite and PostgreSQL: for each, a fresh database is made, migrated and
served by `kci-backend serve` on a free loopback port for the whole session.
"""

from __future__ import annotations

import asyncio
import os
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_ADMIN_URL = os.environ.get("KCI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MASTER_KEY = "test-master-key-" + "x" * 32


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


# One TLS context for every test client (the servers are plain HTTP; httpx builds one per client otherwise).
_TLS_CONTEXT = ssl.create_default_context()


def _fail_on_500(response: httpx.Response) -> None:
    # No request in the suite may make the server answer 500.
    if response.status_code == 500:
        response.read()
        raise AssertionError(f"server answered 500: {response.request.method} {response.request.url} {response.text}")


@dataclass
class Backend:
    kind: str
    url: str
    database_url: str
    env: dict[str, str]
    storage_dir: Path
    log_path: Path
    admin_token: str = ""
    _clients: list[httpx.Client] = field(default_factory=list)

    def client(self, token: str | None = None, **kwargs: Any) -> httpx.Client:
        headers = {"Authorization": token} if token else {}
        kwargs.setdefault("verify", _TLS_CONTEXT)  # building one per client costs ~35 ms of CPU
        client = httpx.Client(base_url=self.url, headers=headers, timeout=60,
                              event_hooks={"response": [_fail_on_500]}, **kwargs)
        self._clients.append(client)
        return client

    def token(self, **flags: Any) -> str:
        """A new token with these flags (token.md §3.3), made through POST /token."""
        body = {"email": "test@example.org", **flags}
        r = self.client(self.admin_token).post("/token", json=body)
        assert r.status_code == 201, r.text
        return r.json()["result"][0]["token"]

    def run(self, coro_factory) -> Any:
        """Run `coro_factory(db)` against this backend's database (test set-up only)."""
        from kci_backend.store.database import open_database

        async def go():
            db = open_database(self.database_url)
            await db.connect()
            try:
                return await coro_factory(db)
            finally:
                await db.close()

        return asyncio.run(go())

    def insert(self, collection: str, *docs: dict) -> list[dict]:
        """Store documents directly (for data no endpoint creates yet, e.g. jobs)."""
        from kci_backend import models
        from kci_backend.store.documents import Documents

        async def go(db):
            store = Documents(db, models.get(collection))
            async with db.transaction() as tx:
                return await store.insert_many(tx, list(docs))

        return self.run(go)

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "kci_backend.cli", *args], env=self.env,
                              capture_output=True, text=True, check=check, timeout=120)


def _start_server(kind: str, database_url: str, tmp: Path, extra_env: dict[str, str] | None = None) -> Backend:
    port = free_port()
    storage = tmp / "storage"
    env = {**os.environ, "KCI_DATABASE_URL": database_url, "KCI_STORAGE_DIR": str(storage),
           "KCI_MASTER_KEY": MASTER_KEY, "KCI_LOG_LEVEL": "warning", "KCI_TOKEN_CACHE_SECONDS": "1",
           "KCI_STORAGE_URL": f"http://127.0.0.1:{port}/storage/", **(extra_env or {})}
    log_path = tmp / "server.log"
    backend = Backend(kind, f"http://127.0.0.1:{port}", database_url, env, storage, log_path)
    log_file = open(log_path, "w")
    process = subprocess.Popen([sys.executable, "-m", "kci_backend.cli", "serve", "--port", str(port)],
                               env=env, stdout=log_file, stderr=subprocess.STDOUT)
    backend.process = process
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()}")
        try:
            if httpx.get(backend.url + "/version", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        raise RuntimeError(f"server did not start: {log_path.read_text()}")
    backend.admin_token = backend.cli("token", "create", "--admin", "--email", "admin@example.org").stdout.strip()
    return backend


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request, tmp_path_factory) -> Iterator[Backend]:
    kind = request.param
    tmp = tmp_path_factory.mktemp(f"kci-{kind}")
    if kind == "sqlite":
        database_url = f"sqlite:///{tmp / 'kci.sqlite3'}"
    else:
        name = f"kci_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    backend = _start_server(kind, database_url, tmp)
    try:
        yield backend
    finally:
        for client in backend._clients:
            client.close()
        backend.process.terminate()
        try:
            backend.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            backend.process.kill()
        if kind == "postgresql":
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'))


@pytest.fixture
def api(backend: Backend) -> httpx.Client:
    """A client with an admin token."""
    return backend.client(backend.admin_token)


@pytest.fixture
def anon(backend: Backend) -> httpx.Client:
    """A client with no token."""
    return backend.client()


@pytest.fixture
def unique() -> str:
    """A fresh suffix, so each test's documents are its own."""
    return uuid.uuid4().hex[:10]


class Servers:
    """Extra `kci-backend serve` processes with settings of their own (see `servers`)."""

    def __init__(self, tmp_path_factory) -> None:
        self._tmp = tmp_path_factory
        self._started: list[Backend] = []
        self._databases: list[str] = []

    def new_database(self, kind: str) -> str:
        if kind == "sqlite":
            return f"sqlite:///{self._tmp.mktemp('db') / 'kci.sqlite3'}"
        name = f"kci_test_{uuid.uuid4().hex[:12]}"
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        database_url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        self._databases.append(database_url)
        return database_url

    def start(self, kind: str, env: dict[str, str] | None = None, database_url: str | None = None) -> Backend:
        """A server on `database_url` (a fresh database when None) with these extra KCI_ settings."""
        server = _start_server(kind, database_url or self.new_database(kind), self._tmp.mktemp(f"srv-{kind}"), env)
        self._started.append(server)
        return server

    @staticmethod
    def stop(server: Backend) -> None:
        for client in server._clients:
            client.close()
        if server.process.poll() is None:
            server.process.terminate()
            try:
                server.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()

    def close(self) -> None:
        for server in self._started:
            self.stop(server)
        for database_url in self._databases:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{database_url.rsplit("/", 1)[1]}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[Servers]:
    """Start extra servers: `servers.start(kind, env)`; all stopped and their databases dropped at the end."""
    factory = Servers(tmp_path_factory)
    try:
        yield factory
    finally:
        factory.close()
