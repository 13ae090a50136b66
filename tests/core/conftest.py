"""Fixtures of the core suite: tokens of every kind, a second server with tight settings."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from .support import KIND_FLAGS, TIGHT_BODY_BYTES, TIGHT_ORIGIN, Server, start_server


@pytest.fixture(scope="session")
def kinds(backend) -> dict[str, str | None]:
    """Authorization header value per token kind of token.md §3.4 (None = no header)."""
    values: dict[str, str | None] = {name: backend.token(**flags) for name, flags in KIND_FLAGS.items()}
    values["MK"] = backend.env["KCI_MASTER_KEY"]
    values["none"] = None
    return values


@pytest.fixture(scope="session")
def clients(backend, kinds) -> dict[str, httpx.Client]:
    """One long-lived client per token kind (connections are reused across tests)."""
    return {kind: backend.client(value) for kind, value in kinds.items()}


@pytest.fixture(scope="session")
def tight(backend, tmp_path_factory) -> Iterator[Server]:
    """A second server on the same database: small body cap, one CORS origin, no trusted proxy,
    info-level log."""
    server = start_server(backend, tmp_path_factory.mktemp(f"tight-{backend.kind}"),
                          max_body_bytes=str(TIGHT_BODY_BYTES), cors_origins=[TIGHT_ORIGIN],
                          trusted_proxies=["10.0.0.0/8"], log_level="info")
    try:
        yield server
    finally:
        server.stop()
