"""`kci-backend worker`: task workers in a process of their own.

The process imports every resource module, as `serve` does, so each task
kind's handler is registered; it opens the database, builds the same
`State` handlers get inside `serve`, and runs until SIGINT or SIGTERM,
letting running tasks finish first.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from .worker import Worker

log = logging.getLogger("kci_backend.tasks")


async def run(settings: Any, concurrency: int) -> None:
    from kci_backend.app import State, load_resources
    from kci_backend.http.auth import Authenticator
    from kci_backend.store.database import open_database

    load_resources()
    db = open_database(settings.database_url, settings.pg_pool_size)
    await db.connect()
    auth = Authenticator(db, settings.master_key, settings.trusted_proxies, settings.token_cache_seconds)
    worker = Worker(State(settings, db, auth), concurrency=concurrency)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    try:
        worker.start()
        await stopping.wait()
        log.info("stopping the worker")
        await worker.stop()
    finally:
        await db.close()
