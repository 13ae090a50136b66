"""Boot report (email-reports.md §4): boots of a kernel, conflicts between labs, regressions."""

from __future__ import annotations

from typing import Any

from . import data, links
from .common import dashboard, kernel_path, millis, oid_text, sort_key, text, whole_days
from .content import Report, bodies, report_headers
from .render import plural
from .trigger import ReportTrigger

UNTRIED = ("UNTRIED", "UNKNOWN")


def subject(trigger: ReportTrigger, total: int, failed: int, passed: int, offline: int, untried: int,
            conflicts: int) -> str:
    extra = ""
    if total and total == offline:
        extra = f", {offline} offline"
    elif total and total == untried:
        extra = f", {untried} untried/unknown"
    else:
        items = [f"{offline} offline" if offline else "", f"{untried} untried/unknown" if untried else "",
                 plural(conflicts, "conflict") if conflicts else ""]
        if any(items):
            extra = " with " + ", ".join(i for i in items if i)
    lab = f" - {trigger.lab_name}" if trigger.lab_name else ""
    return (f"{trigger.job}/{trigger.git_branch} boot: {plural(total, 'boot')}: {failed} failed, {passed} passed"
            f"{extra} ({trigger.kernel}){lab}")


def nest(docs: list[dict], *names: str) -> dict:
    """Documents in nested dicts keyed by the values of `names` (sorted at render time)."""
    tree: dict = {}
    for doc in docs:
        node = tree
        for name in names[:-1]:
            node = node.setdefault(text(doc.get(name)), {})
        node.setdefault(text(doc.get(names[-1])), []).append(doc)
    return tree


def _entry_key(boot: dict) -> tuple:
    return tuple(text(boot.get(n)) for n in ("arch", "defconfig_full", "build_environment", "board"))


def conflicting(boots: list[dict]) -> set[tuple]:
    """Failure entries that another lab reports as PASS (§4.1)."""
    passing_labs: dict[tuple, set] = {}
    for boot in boots:
        if boot.get("status") == "PASS":
            passing_labs.setdefault(_entry_key(boot), set()).add(boot.get("lab_name"))
    return {_entry_key(b) for b in boots if b.get("status") == "FAIL"
            and passing_labs.get(_entry_key(b), set()) - {b.get("lab_name")}}


def _regression_lists(node: Any) -> list[list[dict]]:
    """Every boot list at the leaves of a regressions map."""
    if isinstance(node, list):
        return [node] if node and all(isinstance(b, dict) for b in node) else []
    if isinstance(node, dict):
        return [lst for child in node.values() for lst in _regression_lists(child)]
    return []


async def regressions(state: Any, trigger: ReportTrigger) -> list[dict]:
    found = await data.find(state, "boot_regressions", job=trigger.job, kernel=trigger.kernel)
    settings = state.settings
    result = []
    for doc in found:
        tree = doc.get("regressions") or {}
        if trigger.lab_name:
            tree = {trigger.lab_name: tree.get(trigger.lab_name, {})}
        for boots in _regression_lists(tree):
            boots = sorted(boots, key=lambda b: millis(b.get("created_on")) or 0)
            if len(boots) < 2:
                continue
            last_pass, first_fail, last_fail = boots[0], boots[1], boots[-1]
            result.append({
                **{n: last_fail.get(n) for n in ("arch", "defconfig_full", "build_environment", "board",
                                                 "lab_name")},
                "new": len(boots) == 2,
                "days": max(1, whole_days(first_fail.get("created_on"), last_fail.get("created_on"))),
                "last_pass": last_pass.get("kernel"),
                "first_fail": first_fail.get("kernel"),
                "lab_url": dashboard(settings, "boot", "id", oid_text(last_fail.get("_id"))) + "/",
                "last_pass_url": dashboard(settings, "boot", "id", oid_text(last_pass.get("_id"))) + "/",
                "first_fail_url": dashboard(settings, "boot", "id", oid_text(first_fail.get("_id"))) + "/",
            })
    return result


async def gather(state: Any, trigger: ReportTrigger) -> dict | None:
    key = {"job": trigger.job, "git_branch": trigger.git_branch, "kernel": trigger.kernel}
    lab = {"lab_name": trigger.lab_name} if trigger.lab_name else {}
    boots = sorted(await data.find(state, "boot", **key, **lab), key=sort_key("lab_name", "board"))
    if not boots:
        return None
    settings = state.settings
    statuses = [b.get("status") for b in boots]
    total, offline = len(boots), statuses.count("OFFLINE")
    untried = sum(s in UNTRIED for s in statuses)
    failed_boots = [b for b in boots if b.get("status") == "FAIL"]
    conflicts = conflicting(boots) if not trigger.lab_name and len(failed_boots) != total else set()
    failed = len(failed_boots) - len(conflicts)
    passed = total - len(failed_boots) - offline - untried
    job = await data.find_one(state, "job", **key)
    git_url, git_commit = (job.get("git_url"), job.get("git_commit")) if job else (None, None)
    return {
        "subject": trigger.subject or subject(trigger, total, failed, passed, offline, untried, len(conflicts)),
        "trigger": trigger,
        "boot_summary_url": dashboard(settings, "boot", "all", "job", *kernel_path(trigger)) + "/",
        "build_summary_url": dashboard(settings, "build", *kernel_path(trigger)) + "/",
        "git_commit": text(git_commit, "Unknown"),
        "git_url": text(git_url, "Unknown"),
        "git_link": links.git_commit_url(git_url, git_commit),
        "tested": _tested(boots, await data.count(state, "build", **key)),
        "regressions": nest(await regressions(state, trigger), "arch", "defconfig_full", "build_environment",
                            "board"),
        "failed": failed,
        "failures": nest([b for b in failed_boots if _entry_key(b) not in conflicts],
                         "arch", "defconfig_full", "build_environment", "board"),
        "offline": nest([b for b in boots if b.get("status") == "OFFLINE"],
                        "arch", "defconfig_full", "build_environment", "board"),
        "conflict_count": len(conflicts),
        "conflicts": nest([b for b in boots if _entry_key(b) in conflicts], "arch", "defconfig_full", "board"),
        "board_url": lambda boot: dashboard(settings, "boot", links.segment(boot.get("board")), "job",
                                            *kernel_path(trigger), "defconfig",
                                            links.segment(boot.get("defconfig_full"))) + "/",
        "info_email": settings.info_email,
    }


def _tested(boots: list[dict], build_count: int) -> str:
    boards = len({b.get("board") for b in boots if b.get("board") is not None})
    socs = len({b.get("mach") for b in boots if b.get("mach") is not None})
    configs = len({b.get("defconfig_full") for b in boots if b.get("defconfig_full") is not None})
    items = [plural(boards, "unique board") if boards else "",
             f"{socs} SoC {'family' if socs == 1 else 'families'}" if socs else "",
             f"{plural(configs, 'build')} out of {build_count}" if configs else ""]
    return ", ".join(i for i in items if i)


async def boot_report(state: Any, trigger: ReportTrigger) -> Report | None:
    view = await gather(state, trigger)
    if view is None:
        return None
    text_body, html_body = bodies(trigger, "boot", view)
    return Report(view["subject"], text_body, html_body, report_headers(trigger, trigger.lab_name))
