"""`/statistics` (spec/statistics.md §3): the daily snapshots; only GET is implemented."""

from __future__ import annotations

import asyncio

from kci_backend import app as application
from kci_backend.http.listing import list_documents
from kci_backend.http.routing import Endpoint, route
from kci_backend.services import statistics


@route(r"/statistics")
class Statistics(Endpoint):
    async def get(self, request) -> dict:
        return await list_documents(request, "daily_stats")


_tasks: list[asyncio.Task] = []


async def _start_scheduler(state) -> None:
    if state.settings.inline_worker:
        _tasks.append(asyncio.create_task(statistics.scheduler(state)))


async def _stop_scheduler(state) -> None:
    for task in _tasks:
        task.cancel()
    _tasks.clear()


application.STARTUP_HOOKS.append(_start_scheduler)
application.SHUTDOWN_HOOKS.append(_stop_scheduler)
