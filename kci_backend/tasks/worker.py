"""The worker: claims due tasks and runs their handlers, one at a time per loop.

Every step is logged (claimed, done, retry scheduled, failed). While a
handler runs, its lease is renewed, so only a worker that has really
stopped loses its task; after the lease lapses any worker claims it again
and runs it as a new attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from datetime import timedelta
from typing import Any

from kci_backend import wire

from . import queue, registry
from .registry import Permanent, Retry

log = logging.getLogger("kci_backend.tasks")

# How often one loop of each worker purges old finished tasks.
HOUSEKEEPING_SECONDS = 3600.0


def backoff(settings: Any, attempts: int) -> float:
    """Seconds before the next attempt: doubling from `task_retry_seconds`, capped."""
    delay = settings.task_retry_seconds * (2 ** max(0, attempts - 1))
    return min(delay, settings.task_retry_max_seconds)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class Worker:
    """Runs `concurrency` claim-and-run loops over the task kinds registered in this process."""

    def __init__(self, state: Any, concurrency: int = 1, name: str | None = None) -> None:
        self.state = state
        self.settings = state.settings
        self.concurrency = max(1, concurrency)
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._stopping = asyncio.Event()
        self._loops: list[asyncio.Task] = []

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(registry.KINDS))

    # -- life cycle ------------------------------------------------------------------
    def start(self) -> None:
        log.info("worker %s started: %d loop(s), kinds %s", self.name, self.concurrency, ", ".join(self.kinds))
        self._loops = [asyncio.create_task(self._loop(i), name=f"task-loop-{i}") for i in range(self.concurrency)]

    async def stop(self, grace: float = 30.0) -> None:
        """Stop claiming; let running handlers finish for up to `grace` seconds,
        then cancel them (their tasks are handed back, due at once)."""
        self._stopping.set()
        if not self._loops:
            return
        done, pending = await asyncio.wait(self._loops, timeout=grace)
        for loop in pending:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        self._loops = []
        log.info("worker %s stopped", self.name)

    async def run(self) -> None:
        """Run until `stop()` is called."""
        self.start()
        await asyncio.gather(*self._loops, return_exceptions=True)

    # -- one loop -------------------------------------------------------------------
    async def _loop(self, number: int) -> None:
        worker = f"{self.name}:{number}"
        next_housekeeping = 0.0
        while not self._stopping.is_set():
            loop_time = asyncio.get_running_loop().time()
            if number == 0 and loop_time >= next_housekeeping:
                next_housekeeping = loop_time + HOUSEKEEPING_SECONDS
                await self._housekeeping()
            try:
                task = await queue.claim(self.state.db, self.kinds, worker, self.settings.task_lease_seconds)
            except Exception:
                log.exception("worker %s could not claim a task", worker)
                task = None
            if task is None:
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.settings.task_poll_seconds)
                continue
            try:
                await self._execute(task, worker)
            except Exception:
                # The database failed while recording the outcome; the lease
                # lapses and the task is claimed again.
                log.exception("task %s (%s): could not record the outcome", task.id, task.kind)

    async def _execute(self, task: queue.ClaimedTask, worker: str) -> None:
        db, settings = self.state.db, self.settings
        kind = registry.get(task.kind)
        allowed = kind.attempts_allowed(settings)
        if task.attempts > allowed:
            # Claimed again after its holder died during the last allowed attempt.
            log.error("task %s (%s) failed: its worker stopped during the last attempt", task.id, task.kind)
            await queue.fail(db, task.id, worker, "worker stopped during the last attempt")
            return
        log.info("task %s (%s) attempt %d/%d claimed by %s", task.id, task.kind, task.attempts, allowed, worker)
        keeper = asyncio.create_task(self._keep_lease(task.id, worker))
        try:
            await kind.run(self.state, task.payload)
        except asyncio.CancelledError:
            log.warning("task %s (%s) interrupted by shutdown; handed back", task.id, task.kind)
            with contextlib.suppress(Exception):
                await asyncio.shield(queue.release(db, task.id, worker))
            raise
        except Exception as exc:
            await self._after_failure(task, worker, allowed, exc)
        else:
            await queue.finish(db, task.id, worker)
            log.info("task %s (%s) done", task.id, task.kind)
        finally:
            keeper.cancel()

    async def _after_failure(self, task: queue.ClaimedTask, worker: str, allowed: int, exc: Exception) -> None:
        error = _describe(exc)
        expected = isinstance(exc, (Permanent, Retry))
        if isinstance(exc, Permanent) or task.attempts >= allowed:
            log.error("task %s (%s) failed after %d attempt(s): %s", task.id, task.kind, task.attempts, error,
                      exc_info=not expected)
            await queue.fail(self.state.db, task.id, worker, error)
            return
        delay = backoff(self.settings, task.attempts)
        log.warning("task %s (%s) attempt %d failed (%s); retry in %.1fs", task.id, task.kind, task.attempts,
                    error, delay, exc_info=not expected)
        await queue.retry_later(self.state.db, task.id, worker, delay, error)

    async def _keep_lease(self, task_id: str, worker: str) -> None:
        lease = self.settings.task_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            try:
                if not await queue.extend_lease(self.state.db, task_id, worker, lease):
                    log.warning("task %s: lease lost by %s", task_id, worker)
                    return
            except Exception:
                log.exception("task %s: could not extend the lease", task_id)

    async def _housekeeping(self) -> None:
        before = wire.utcnow() - timedelta(days=self.settings.task_keep_days)
        try:
            purged = await queue.purge_finished(self.state.db, before)
        except Exception:
            log.exception("could not purge finished tasks")
            return
        if purged:
            log.info("purged %d finished task(s)", purged)
