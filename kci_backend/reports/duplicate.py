"""Duplicate-trigger notice (email-reports.md §8): plain text, no X-Kernelci-* headers."""

from __future__ import annotations

from typing import Any

from . import data
from .content import Report
from .render import render_text
from .trigger import ReportTrigger


def subject(trigger: ReportTrigger) -> str:
    return f"Duplicate email trigger received for {trigger.job} - {trigger.git_branch} - {trigger.kernel}"


async def notice(state: Any, trigger: ReportTrigger, received_at: str | None) -> Report:
    job = await data.find_one(state, "job", job=trigger.job, git_branch=trigger.git_branch,
                              kernel=trigger.kernel)
    body = render_text("duplicate", trigger=trigger, job=job, received_at=received_at or "")
    return Report(subject(trigger), body)
