"""Bisection report (email-reports.md §6): a test-case bisection's result and its log."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import orjson

from kci_backend.tasks import Permanent

from . import data
from .common import oid_text, storage, text
from .content import Report, report_headers
from .render import render_text
from .trigger import BISECT_KEYS, ReportTrigger

log = logging.getLogger("kci_backend.reports")

_BANNER_TEXT = (
    "This report was generated automatically by a bisection in a KernelCI lab.",
    "You are receiving it because you may be involved with the commit it found.",
    "Nobody has checked it by hand: the real cause may be somewhere else.",
    "",
    "If it is right and you send a fix, please add this trailer to it:",
    '  Reported-by: "kernelci.org bot" <bot@kernelci.org>',
)


def banner(width: int = 79) -> str:
    """The notice at the top, boxed in asterisks (§6.3 item 1)."""
    border = ("* " * width)[:width]
    inner = width - 4
    lines = [border, "*" + " " * (width - 2) + "*"]
    lines += [f"* {line.ljust(inner)} *" for line in _BANNER_TEXT]
    lines += ["*" + " " * (width - 2) + "*", border]
    return "\n".join(lines)


def log_directory(trigger: ReportTrigger) -> tuple[str, ...]:
    """`<job>/<git_branch>/<kernel>/<arch>/<defconfig_full>/<build_environment>/<lab_name>` (§6.1)."""
    return tuple(text(getattr(trigger, n)) for n in ("job", "git_branch", "kernel", "arch", "defconfig_full",
                                                         "build_environment", "lab_name"))


def read_log(storage_dir: Path, trigger: ReportTrigger) -> dict:
    """The uploaded bisection log: {"show": str, "log": [str]}; Permanent when unusable."""
    root = Path(storage_dir).resolve()
    path = root.joinpath(*log_directory(trigger), text(trigger.log)).resolve()
    if not path.is_relative_to(root) or path == root:
        raise Permanent(f"bisection log path leaves the storage root: {trigger.log}")
    try:
        content = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        raise Permanent(f"bisection log {path} is unreadable: {exc}") from None
    if not isinstance(content, dict):
        raise Permanent(f"bisection log {path} is not a JSON object")
    lines = content.get("log")
    return {"show": text(content.get("show")),
            "log": [text(line) for line in lines] if isinstance(lines, list) else text(lines).splitlines()}


async def find_bisection(state: Any, trigger: ReportTrigger) -> dict | None:
    keys = {n: getattr(trigger, n) for n in BISECT_KEYS}
    return await data.find_one(state, "bisect", job=trigger.job, kernel=trigger.kernel,
                               git_branch=trigger.git_branch, lab_name=trigger.lab_name, **keys)


async def _group_logs(state: Any, bisection: dict) -> dict | None:
    """The test group of the last failing result: regression → test case → group."""
    regression_id = oid_text(bisection.get("regression_id"))
    regression = (await data.find_ids(state, "test_regression", [regression_id]) or [None])[0]
    entries = (regression or {}).get("regressions") or []
    if not entries:
        return None
    case = (await data.find_ids(state, "test_case", [oid_text(entries[-1].get("test_case_id"))]) or [None])[0]
    if case is None:
        return None
    return (await data.find_ids(state, "test_group", [oid_text(case.get("test_group_id"))]) or [None])[0]


async def gather(state: Any, trigger: ReportTrigger, bisection: dict) -> dict:
    bisect_log = read_log(state.settings.storage_dir, trigger)
    group = await _group_logs(state, bisection) or {}
    directory = log_directory(trigger)
    compiler = text(bisection.get("compiler"))
    if bisection.get("compiler_version"):
        compiler += f"-{bisection['compiler_version']}"
    checks = bisection.get("checks") if isinstance(bisection.get("checks"), dict) else {}
    return {
        "subject": trigger.subject,
        "bisection": bisection,
        "trigger": trigger,
        "plain_log": storage(state.settings, *directory, group["boot_log"]) if group.get("boot_log") else "",
        "html_log": storage(state.settings, *directory, group["boot_log_html"]) if group.get("boot_log_html")
        else "",
        "checks": [(f"{name}:".ljust(11), text(result)) for name, result in sorted(checks.items())],
        "compiler": compiler,
        "show": bisect_log["show"].rstrip("\n"),
        "log": bisect_log["log"],
        "rule": "-" * 79,
        "banner": banner(),
    }


async def bisect_report(state: Any, trigger: ReportTrigger, bisection: dict) -> Report:
    view = await gather(state, trigger, bisection)
    return Report(text(trigger.subject), render_text("bisect", **view), None,
                  report_headers(trigger, trigger.lab_name))
