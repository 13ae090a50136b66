"""Parsed build logs and per-job summaries (spec/build-logs.md §2, §5, §6).

The pure line rules live in `build_log_parser`; this module decides which
files a build's parse reads, stores the results (`error_logs`, the build's
counters, the job's `errors_summary`) inside the caller's transaction, and
writes the plain-text side files after the commit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kci_backend import wire
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction

from . import build_files, jobs
from .build_files import UnsafePath
from .build_log_parser import (
    SIDE_FILE_NAMES,
    JobLogSummary,
    ParsedBuildLog,
    job_summary_text,
    parse_log_files,
    side_file_contents,
    summarize_job,
)

if TYPE_CHECKING:
    from kci_backend.app import State

log = logging.getLogger("kci_backend.build_logs")

# Build fields copied into its parsed-log document (§5.2).
_COPIED_FROM_BUILD = (
    "job_id", "job", "kernel", "git_branch", "arch", "defconfig", "defconfig_full", "build_environment",
    "status", "compiler", "compiler_version", "compiler_version_ext", "compiler_version_full",
    "file_server_url", "file_server_resource",
)
SUMMARY_FILE_NAME = "build-logs-summary.txt"


@dataclass
class LogParse:
    """The outcome of parsing one build's logs, and where its side files go."""

    parsed: ParsedBuildLog
    output_dir: Path | None


def log_files(root: Path, build: dict[str, Any]) -> list[Path] | None:
    """The build's log files in `kernel_build_logs` order (§2), or None when
    parsing is skipped: no `file_server_resource`, or a listed log that is not
    an existing regular file inside the storage root."""
    resource = build.get("file_server_resource")
    if resource is None:
        return None
    try:
        directory = build_files.resolve_under(root, resource)
    except (UnsafePath, OSError):
        return None
    paths = []
    for relative in build.get("kernel_build_logs") or []:
        found = build_files.existing_file(root, directory, relative)
        if found is None:
            return None
        paths.append(found)
    return paths


def parse_build_logs(root: Path, build: dict[str, Any]) -> LogParse | None:
    """Parse a build's logs (blocking file reads: run it in a thread)."""
    paths = log_files(root, build)
    if paths is None:
        return None
    try:
        parsed = parse_log_files(paths)
    except OSError as exc:
        log.warning("build logs of %s/%s not parsed: %s", build.get("job"), build.get("kernel"), exc)
        return None
    return LogParse(_storable(parsed), paths[0].parent if paths else None)


def _storable(parsed: ParsedBuildLog) -> ParsedBuildLog:
    """NUL cannot be stored in PostgreSQL text; like undecodable bytes (§4.1)
    it becomes U+FFFD, in the stored lines and the side files alike."""
    def clean(lines: list[str]) -> list[str]:
        return [line.replace("\x00", "\ufffd") for line in lines]

    return ParsedBuildLog(clean(parsed.errors), clean(parsed.warnings), clean(parsed.mismatches))


def error_log_document(build: dict[str, Any], parsed: ParsedBuildLog) -> dict[str, Any]:
    """The `error_logs` document of §5.2 for a stored build."""
    return {
        "version": "1.1",
        "build_id": build["_id"],
        **{key: build.get(key) for key in _COPIED_FROM_BUILD},
        "errors": parsed.errors,
        "errors_count": parsed.errors_count,
        "warnings": parsed.warnings,
        "warnings_count": parsed.warnings_count,
        "mismatches": parsed.mismatches,
        "mismatches_count": parsed.mismatches_count,
    }


async def store_error_log(state: "State", tx: Transaction, build: dict[str, Any], parsed: ParsedBuildLog) -> None:
    """Write the build's parsed-log document: one per build, `_id` kept on
    re-parse, `created_on` the time of this parse (§5.2)."""
    error_logs = state.documents("error_logs")
    stored = await error_logs.upsert(tx, error_log_document(build, parsed))
    await error_logs.update(tx, stored["_id"], {"created_on": wire.utcnow()})


async def recompute_summary(state: "State", tx: Transaction, job: dict[str, Any]) -> None:
    """§6.2: recount the job's lines over all its parsed-log documents; no
    summary document remains when there is nothing to count."""
    job_id = job["_id"]
    logs = await state.documents("error_logs").fetch_in(
        tx, [Condition("job_id", "eq", job_id)], ("errors", "warnings", "mismatches"))
    summary = summarize_job(ParsedBuildLog(d["errors"] or [], d["warnings"] or [], d["mismatches"] or [])
                            for d in logs)
    summaries = state.documents("errors_summary")
    if summary.is_empty:
        await summaries.delete_where(tx, [Condition("job_id", "eq", job_id)])
        return
    await summaries.upsert(tx, {
        "version": "1.1", "job_id": job_id,
        "job": job["job"], "kernel": job["kernel"], "git_branch": job["git_branch"],
        "errors": [list(pair) for pair in summary.errors],
        "warnings": [list(pair) for pair in summary.warnings],
        "mismatches": [list(pair) for pair in summary.mismatches],
    })


def write_side_files(output_dir: Path, parsed: ParsedBuildLog) -> None:
    """§5.3: one file per non-empty list; a stale file of an empty list goes."""
    for kind, text in side_file_contents(parsed).items():
        path = output_dir / SIDE_FILE_NAMES[kind]
        try:
            if text is None:
                build_files.remove_file(path)
            else:
                build_files.write_text_atomically(path, text)
        except (OSError, UnsafePath) as exc:
            log.warning("cannot write %s: %s", path, exc)


def summary_file_path(root: Path, summary: dict[str, Any]) -> Path | None:
    """§6.3: STORAGE_ROOT/<job>/<git_branch>/<kernel>/build-logs-summary.txt,
    or None if those names break the storage path rules."""
    relative = "/".join((summary["job"], summary["git_branch"], summary["kernel"], SUMMARY_FILE_NAME))
    try:
        if len(build_files.path_segments(relative)) < 4:
            return None
        return build_files.resolve_under(root, relative)
    except (UnsafePath, OSError):
        return None


async def write_job_summary_file(state: "State", job_id: str) -> None:
    """After POST /job: the job's summary as text (§6.3). Never fails the request."""
    summary = await state.documents("errors_summary").get(
        job_id, ("job", "kernel", "git_branch", "errors", "warnings", "mismatches"), by="job_id", python=True)
    if summary is None:
        return
    text = job_summary_text(summarize_from_document(summary))
    path = summary_file_path(Path(state.settings.storage_dir), summary)
    if not text or path is None:
        return
    try:
        await asyncio.to_thread(build_files.write_text_atomically, path, text)
    except (OSError, UnsafePath) as exc:
        log.warning("cannot write the log summary of job %s: %s", job_id, exc)


def summarize_from_document(summary: dict[str, Any]) -> JobLogSummary:
    """The stored pairs back as a JobLogSummary (already in summary order)."""
    def pairs(name: str) -> list[tuple[int, str]]:
        return [(int(count), str(line)) for count, line in summary.get(name) or []]

    return JobLogSummary(pairs("errors"), pairs("warnings"), pairs("mismatches"))


# POST /job writes the job's text summary once its status is set (job.md §6 step 7).
if write_job_summary_file not in jobs.STATUS_HOOKS:
    jobs.STATUS_HOOKS.append(write_job_summary_file)
