"""`task`: durable deferred work (DESIGN.md "Durable work").

A task is written in the same transaction as the request that causes it and
run later by a worker (kci_backend/tasks). `state` moves pending → running
→ done, or back to pending with a later `run_at` after a failed attempt, or
to failed after the last one. A running task whose `claimed_until` has
passed belongs to a worker that died; any worker may claim it again.
"""

from .base import Field, Kind, collection

TASK_STATES = ("pending", "running", "done", "failed")

TASK = collection(
    "task",
    Field("kind", filter=True, required=True, doc="Name of the registered handler"),
    Field("payload", Kind.JSON, default={}, doc="Handler input"),
    Field("run_at", Kind.DATE, doc="Not run before this instant"),
    Field("state", filter=True, default="pending"),
    Field("attempts", Kind.INT, default=0, doc="Attempts started so far"),
    Field("last_error", doc="Error of the latest failed attempt"),
    Field("claimed_by", doc="Worker running it (host:pid:loop)"),
    Field("claimed_until", Kind.DATE, doc="Lease end; past it the task is claimable again"),
    Field("updated_on", Kind.DATE),
    indexes=(("state", "run_at"), ("state", "updated_on")),
)
