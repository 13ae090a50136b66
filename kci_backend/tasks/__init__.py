"""Durable tasks (DESIGN.md "Durable work").

`enqueue(tx, kind, payload, run_at)` records work in the caller's
transaction; `@task_handler(kind)` registers what runs it; `Worker` claims
due tasks and runs them, in `serve` (inline) or in `kci-backend worker`.
"""

from .queue import enqueue
from .registry import Permanent, Retry, task_handler
from .worker import Worker

__all__ = ["Permanent", "Retry", "Worker", "enqueue", "task_handler"]
