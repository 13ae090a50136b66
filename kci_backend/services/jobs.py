"""Job services: status updates and deletion with the job's dependent documents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kci_backend import models
from kci_backend.query.params import Condition

if TYPE_CHECKING:
    from kci_backend.app import State

# Collections whose documents belong to a job and go with it (job.md §7).
DEPENDENTS = ("build", "error_logs", "errors_summary")
# Hooks run after a job's status changed (e.g. writing the job's log summary file).
STATUS_HOOKS: list = []


async def set_status(state: "State", job: str, kernel: str, branch: str, status: str) -> bool:
    """Set the status of the job with this natural key; False if there is none."""
    jobs = state.documents("job")
    async with state.db.transaction() as tx:
        found = await jobs.fetch_in(tx, [Condition("job", "eq", job), Condition("kernel", "eq", kernel),
                                         Condition("git_branch", "eq", branch)], ("_id",))
        if not found:
            return False
        await jobs.update(tx, found[0]["_id"], {"status": status})
    for hook in STATUS_HOOKS:
        await hook(state, found[0]["_id"])
    return True


async def delete(state: "State", job_id: str) -> bool:
    """Delete a job, its builds and its parsed logs in one transaction."""
    async with state.db.transaction() as tx:
        if not await state.documents("job").fetch_in(tx, [Condition("_id", "eq", job_id)], ("_id",)):
            return False
        for name in DEPENDENTS:
            if name in models.REGISTRY:
                await state.documents(name).delete_where(tx, [Condition("job_id", "eq", job_id)])
        await state.documents("job").delete_where(tx, [Condition("_id", "eq", job_id)])
    return True
