"""Build import and deletion (spec/build.md §6, §8; build-logs.md §3).

An import runs completely before POST /build answers (build.md B12): the
body is checked and turned into a build document (build_input), the build's
logs are parsed (build_logs; file reads happen before the transaction so it
stays short), then one transaction finds or creates the job, saves the
build, applies the job's first-build copy rule and stores the parsed logs
and the job's recomputed summary. Side files are written after the commit.

Concurrency: the job row is created with ON CONFLICT DO NOTHING on its
unique natural key and then locked (`FOR UPDATE` on PostgreSQL; SQLite
serializes writers), so imports and deletions touching one job run one after
the other and each summary is computed from every committed parsed log.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kci_backend import wire
from kci_backend.models.build import BUILD_IDENTITY
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction
from kci_backend.store.tables import table

from . import build_input, build_logs
from .build_input import BuildRejected

if TYPE_CHECKING:
    from kci_backend.app import State

__all__ = ["BuildRejected", "Imported", "import_build", "delete_build"]

# job.md §2.1: copied from the first build only while all of these are empty.
JOB_COPY_GUARD = ("git_url", "git_commit", "git_describe", "git_describe_v", "compiler", "compiler_version",
                  "compiler_version_ext", "compiler_version_full", "cross_compile")
JOB_COPIED = JOB_COPY_GUARD + ("kernel_version",)
_JOB_COLUMNS = ("_id", "job", "kernel", "git_branch", *JOB_COPY_GUARD)


@dataclass
class Imported:
    """An imported build as stored, and the `errors` messages of the response."""

    build: dict[str, Any]
    errors: list[str]


async def import_build(state: "State", body: dict[str, Any]) -> Imported:
    """Import one POST /build body. Raises BuildRejected for a body it refuses
    (nothing is written then)."""
    root = Path(state.settings.storage_dir)
    candidate = await asyncio.to_thread(build_input.candidate, body, root)
    build = candidate.document
    logs = await asyncio.to_thread(build_logs.parse_build_logs, root, build)
    if logs is not None:
        build.update(errors=logs.parsed.errors_count, warnings=logs.parsed.warnings_count,
                     mismatches=logs.parsed.mismatches_count)
    async with state.db.transaction() as tx:
        job = await _find_or_create_job(state, tx, build)
        build["job_id"] = job["_id"]
        stored = await _save_build(state, tx, build)
        await _copy_first_build(state, tx, job, stored)
        if logs is not None:
            await build_logs.store_error_log(state, tx, stored, logs.parsed)
            await build_logs.recompute_summary(state, tx, job)
    if logs is not None and logs.output_dir is not None:
        await asyncio.to_thread(build_logs.write_side_files, logs.output_dir, logs.parsed)
    errors = []
    if candidate.ignored_keys:
        errors.append("Found non recognizable keys, they will not be considered: "
                      + ", ".join(candidate.ignored_keys))
    return Imported(stored, errors)


async def delete_build(state: "State", build_id: str) -> bool:
    """build.md §8: the build and its parsed-log document go, the job's summary
    is recomputed; the job stays. False if there is no such build."""
    builds = state.documents("build")
    async with state.db.transaction() as tx:
        found = await builds.fetch_in(tx, [Condition("_id", "eq", build_id)],
                                      ("_id", "job_id", "job", "kernel", "git_branch"))
        if not found:
            return False
        build = found[0]
        job = await _locked_job(state, tx, "_id", {"key": build["job_id"]}) if build["job_id"] else None
        await builds.delete_where(tx, [Condition("_id", "eq", build_id)])
        await state.documents("error_logs").delete_where(tx, [Condition("build_id", "eq", build_id)])
        if build["job_id"]:
            # A job deleted meanwhile still gets its leftover summary cleaned up.
            await build_logs.recompute_summary(state, tx, job or {**build, "_id": build["job_id"]})
    return True


# ---------------------------------------------------------------------------
# Steps of the import (build.md §6)
# ---------------------------------------------------------------------------


def _job_lock_statement(by: str):
    def build() -> sa.Select:
        t = table("job")
        keys = ("job", "kernel", "git_branch") if by == "key" else ("_id",)
        where = [t.c[k] == sa.bindparam(k if by == "key" else "key") for k in keys]
        return sa.select(*(t.c[c] for c in _JOB_COLUMNS)).where(*where).with_for_update()

    return build


async def _locked_job(state: "State", tx: Transaction, by: str, values: dict[str, Any]) -> dict[str, Any] | None:
    """The job row, locked until the transaction ends (PostgreSQL FOR UPDATE)."""
    compiled = state.db.statement(("build-import", "lock-job", by), _job_lock_statement(by))
    row = await tx.fetchone(compiled, values)
    return None if row is None else dict(zip(_JOB_COLUMNS, row))


async def _find_or_create_job(state: "State", tx: Transaction, build: dict[str, Any]) -> dict[str, Any]:
    """Step 2: exactly one job per (job, kernel, git_branch), even under
    concurrent imports: the unique index decides who creates it."""
    key = {"job": build["job"], "kernel": build["kernel"], "git_branch": build["git_branch"]}
    jobs = state.documents("job")
    for _ in range(3):  # a concurrent DELETE /job may remove it between the two statements
        await jobs.insert_if_absent(tx, {**key, "status": "BUILD", "version": "1.1", "private": False})
        job = await _locked_job(state, tx, "key", key)
        if job is not None:
            return job
    raise RuntimeError(f"job {key} vanished during the build import")


def _identity_conditions(build: dict[str, Any]) -> list[Condition]:
    return [Condition(name, "null") if build.get(name) is None else Condition(name, "eq", build[name])
            for name in BUILD_IDENTITY]


def _oldest_first(doc: dict[str, Any]) -> tuple[int, int, str]:
    """Sort key: oldest `created_on` first, documents without one last."""
    created = doc["created_on"]
    return (0, wire.to_millis(created), doc["_id"]) if created is not None else (1, 0, doc["_id"])


async def _save_build(state: "State", tx: Transaction, build: dict[str, Any]) -> dict[str, Any]:
    """Steps 4-5: replace a stored build with the same identity (keeping its
    `_id` and `created_on`; the oldest if earlier data holds several), else
    insert. The insert itself is an upsert on the identity key, so a race
    between identical first imports still leaves one build."""
    builds = state.documents("build")
    matches = await builds.fetch_in(tx, _identity_conditions(build), ("_id", "created_on", "identity_key"))
    if not matches:
        return await builds.upsert(tx, build)
    target = min(matches, key=_oldest_first)
    for other in matches:
        # Only the replaced document may hold the unique identity key.
        if other is not target and other["identity_key"] == build["identity_key"]:
            await builds.update(tx, other["_id"], {"identity_key": None})
    document = builds.complete(build)
    document["_id"], document["created_on"] = target["_id"], target["created_on"] or document["created_on"]
    changes = {k: v for k, v in document.items() if k != "_id"}
    await builds.update(tx, target["_id"], changes)
    return document


async def _copy_first_build(state: "State", tx: Transaction, job: dict[str, Any], build: dict[str, Any]) -> None:
    """Step 6 (job.md §2.1): the first build fills the job's revision and
    compiler fields; the job's status is left alone."""
    if any(job.get(name) for name in JOB_COPY_GUARD):
        return
    if build["job"] != job["job"] or build["kernel"] != job["kernel"]:
        return
    changes = {name: build.get(name) for name in JOB_COPIED}
    await state.documents("job").update(tx, job["_id"], changes)
    job.update(changes)
