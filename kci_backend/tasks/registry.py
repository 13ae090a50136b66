"""Task kinds: the name stored in a task row → the coroutine that runs it.

A module that defers work registers its handler once at import:

    @task_handler("email_report", max_attempts=3)
    async def send_report(state, payload): ...

A handler returns normally when the task is done, raises `Permanent` when
trying again cannot help, `Retry` for an expected passing failure (logged
without a traceback), and anything else is retried the same way but logged
as a bug; retries back off until the kind's attempts are used up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Awaitable, Callable

Handler = Callable[[Any, dict], Awaitable[None]]


class Permanent(Exception):
    """The task cannot succeed: mark it failed without another attempt."""


class Retry(Exception):
    """An expected failure (a server is unreachable): try again later."""


@dataclass(frozen=True)
class TaskKind:
    name: str
    run: Handler
    # None: the `task_max_attempts` setting.
    max_attempts: int | Callable[[Any], int] | None = None

    def attempts_allowed(self, settings: Any) -> int:
        limit = self.max_attempts
        if callable(limit):
            limit = limit(settings)
        return max(1, limit if limit is not None else settings.task_max_attempts)


KINDS: dict[str, TaskKind] = {}


def task_handler(name: str, *, max_attempts: int | Callable[[Any], int] | None = None):
    """Register `fn` as the handler of tasks of kind `name`."""

    def register(fn: Handler) -> Handler:
        if name in KINDS and KINDS[name].run is not fn:
            raise ValueError(f"task kind {name} registered twice")
        KINDS[name] = TaskKind(name, fn, max_attempts)
        return fn

    return register


def get(name: str) -> TaskKind | None:
    return KINDS.get(name)
