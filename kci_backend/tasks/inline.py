"""The worker inside `serve` (settings.inline_worker), started and stopped with the app."""

from __future__ import annotations

from typing import Any

from .worker import Worker

_EXTRA = "inline_worker"


async def start(state: Any) -> None:
    if state.settings.inline_worker and _EXTRA not in state.extras:
        worker = state.extras[_EXTRA] = Worker(state)
        worker.start()


async def stop(state: Any) -> None:
    worker = state.extras.pop(_EXTRA, None) if state is not None else None
    if worker is not None:
        await worker.stop(grace=10.0)
