"""Build report (email-reports.md §3): builds, parsed logs and the job's summary."""

from __future__ import annotations

from typing import Any

from . import data, links
from .common import dashboard, group_by, kernel_path, sort_key, storage, text
from .content import Report, bodies, report_headers
from .render import plural
from .trigger import ReportTrigger


def subject(trigger: ReportTrigger, total: int, failed: int, errors: int, warnings: int) -> str:
    counts = f"{plural(total, 'build')}: {failed} failed, {total - failed} passed"
    if errors:
        counts += f", {plural(errors, 'error')}"
    if warnings:
        counts += f", {plural(warnings, 'warning')}"
    return f"{trigger.job}/{trigger.git_branch} build: {counts} ({trigger.kernel})"


def _counts(doc: dict) -> str:
    """`2 errors, 1 warning`, a zero part left out."""
    parts = [plural(n, word) for n, word in ((doc["errors_count"], "error"), (doc["warnings_count"], "warning"))
             if n]
    return ", ".join(parts)


def _log_view(doc: dict, settings: Any) -> dict:
    resource = doc.get("file_server_resource")
    return {
        **doc,
        "errors_count": doc.get("errors_count") or 0,
        "warnings_count": doc.get("warnings_count") or 0,
        "mismatches_count": doc.get("mismatches_count") or 0,
        "errors": doc.get("errors") or [],
        "warnings": doc.get("warnings") or [],
        "mismatches": doc.get("mismatches") or [],
        "logs_url": storage(settings, resource, "logs") if resource else None,
    }


async def gather(state: Any, trigger: ReportTrigger) -> dict | None:
    key = {"job": trigger.job, "git_branch": trigger.git_branch, "kernel": trigger.kernel}
    builds = await data.find(state, "build", **key)
    if not builds:
        return None
    settings = state.settings
    logs = sorted((_log_view(d, settings) for d in await data.find(state, "error_logs", **key)),
                  key=sort_key("defconfig_full"))
    summary = await data.find_one(state, "errors_summary", **key) or {}
    job = await data.find_one(state, "job", **key)
    failed = sorted((b for b in builds if b.get("status") == "FAIL"),
                    key=sort_key("build_environment", "defconfig", "defconfig_full", "arch"))
    for build in failed:
        resource = build.get("file_server_resource")
        build["logs_url"] = storage(settings, resource, "logs") if resource else None
    for doc in logs:
        doc["counts"] = _counts(doc)
    errors = sum(d["errors_count"] for d in logs)
    warnings = sum(d["warnings_count"] for d in logs)
    git_url = job.get("git_url") if job else None
    git_commit = job.get("git_commit") if job else None
    return {
        "subject": trigger.subject or subject(trigger, len(builds), len(failed), errors, warnings),
        "summary_url": dashboard(settings, "build", *kernel_path(trigger)) + "/",
        "trigger": trigger,
        "git_commit": text(git_commit, "Unknown"),
        "git_url": text(git_url, "Unknown"),
        "git_link": links.git_commit_url(git_url, git_commit),
        "arch_count": len({b["arch"] for b in builds if b.get("arch") is not None}),
        "failed": len(failed),
        "failures": group_by(failed, "arch", casefold=True),
        "errors": errors,
        "warnings": warnings,
        "log_groups": [(arch, docs) for arch, docs in group_by(logs, "arch", casefold=True)
                       if any(d["counts"] for d in docs)],
        "summaries": [(title, summary.get(field) or []) for title, field in
                      (("Errors summary:", "errors"), ("Warnings summary:", "warnings"),
                       ("Section mismatches summary:", "mismatches")) if summary.get(field)],
        "logs": logs,
        "build_url": lambda build_id: dashboard(settings, "build", "id", build_id) + "/",
        "info_email": settings.info_email,
    }


async def build_report(state: Any, trigger: ReportTrigger) -> Report | None:
    view = await gather(state, trigger)
    if view is None:
        return None
    text_body, html_body = bodies(trigger, "build", view)
    return Report(view["subject"], text_body, html_body, report_headers(trigger))
