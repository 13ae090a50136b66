"""Test report (email-reports.md §5): the regressions of one test plan on one kernel."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from . import data, links
from .common import dashboard, kernel_path, oid_text, sort_key, storage, text, whole_days
from .content import Report, report_headers
from .render import plural, render_text
from .trigger import ReportTrigger

log = logging.getLogger("kci_backend.reports")

# Alternative templates (§5.5): subject label and the driver the description names.
TEMPLATES = {
    "v4l2-compliance-uvc": {"label": "v4l2-compliance on uvcvideo", "driver": "uvcvideo"},
    "v4l2-compliance-vivid": {"label": "v4l2-compliance on vivid", "driver": "vivid"},
}
COLUMNS = ("platform", "arch", "lab", "compiler", "defconfig", "regressions")
CELL_MAX = 28
LOG_LINES = 10


@dataclass
class Run:
    """A top-level group (one run of the plan) with its results, sub-groups included."""

    group: dict
    counts: dict[str, int] = field(default_factory=lambda: {"PASS": 0, "FAIL": 0, "SKIP": 0})
    regressions: list[dict] = field(default_factory=list)

    @property
    def row(self) -> tuple[str, ...]:
        g = self.group
        return (text(g.get("device_type")), text(g.get("arch")), text(g.get("lab_name")),
                text(g.get("build_environment")), text(g.get("defconfig_full")), str(len(self.regressions)))


def cell(value: str) -> str:
    return value if len(value) <= CELL_MAX else f"{value[:13]}...{value[-12:]}"


def table(rows: list[tuple[str, ...]]) -> list[str]:
    """Header, rule and rows, columns left-aligned and padded to the widest cell."""
    cells = [COLUMNS, *([cell(v) for v in row] for row in rows)]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    lines = [" | ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return lines


def _suites(group: dict) -> list[dict]:
    info = group.get("initrd_info")
    suites = info.get("tests_suites") if isinstance(info, dict) else None
    if not isinstance(suites, list):
        return []
    return sorted(({"name": text(s.get("name")), "url": text(s.get("git_URL") or s.get("git_url")),
                    "commit": text(s.get("git_commit"))} for s in suites if isinstance(s, dict)),
                  key=lambda s: s["name"])


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return text(value)


def _failure_text(entries: list[dict]) -> str:
    last_pass = text(entries[0].get("kernel"))
    if len(entries) == 2:
        return f"new failure (last pass: {last_pass})"
    days = whole_days(entries[1].get("created_on"), entries[-1].get("created_on"))
    return (f"failing since {days} {'day' if days <= 1 else 'days'} (last pass: {last_pass}, "
            f"first fail: {text(entries[1].get('kernel'))})")


def _log_lines(case: dict) -> list[str]:
    lines = [line for line in case.get("log_lines") or [] if isinstance(line, dict)]
    shown = [f"{text(line.get('dt'))}  {text(line.get('msg'))}" for line in lines[:LOG_LINES]]
    if len(lines) > LOG_LINES:
        more = len(lines) - LOG_LINES
        shown.append(f"... ({plural(more, 'line')} more)")
    return shown


class Plan:
    """The groups and cases of one plan on one kernel, walked from each run down."""

    def __init__(self, trigger: ReportTrigger, groups: list[dict], cases: list[dict], regressions: list[dict]):
        self.trigger = trigger
        self.by_id = {g["_id"]: g for g in groups}
        self.children_of: dict[str, list[dict]] = defaultdict(list)
        for g in sorted(groups, key=lambda g: (g.get("index") or 0, text(g.get("name")))):
            if g.get("parent_id"):
                self.children_of[g["parent_id"]].append(g)
        self.cases_of: dict[str, list[dict]] = defaultdict(list)
        for case in cases:
            self.cases_of[case.get("test_group_id")].append(case)
        self.regression_of = {self._regression_key(r, tuple(r.get("hierarchy") or ())): r for r in regressions}

    @staticmethod
    def _regression_key(doc: dict, hierarchy: tuple) -> tuple:
        return (*(doc.get(n) for n in ("device_type", "arch", "build_environment", "defconfig_full")),
                tuple(hierarchy))

    def children(self, group: dict) -> list[dict]:
        listed = [self.by_id[oid_text(i)] for i in group.get("sub_groups") or [] if oid_text(i) in self.by_id]
        return listed or self.children_of.get(group["_id"], [])

    def walk(self, top: dict) -> Run:
        run = Run(top)
        pending = [(top, [text(top.get("name"))])]
        while pending:
            group, names = pending.pop(0)
            for case in self.cases_of.get(group["_id"], []):
                status = case.get("status")
                if status in run.counts:
                    run.counts[status] += 1
                if status == "FAIL":
                    hierarchy = (*names, text(case.get("name")))
                    found = self.regression_of.get(self._regression_key(top, hierarchy))
                    if found is not None and len(found.get("regressions") or []) >= 2:
                        run.regressions.append({"case": case, "regression": found,
                                                "path": case.get("test_case_path") or ".".join(hierarchy)})
            pending.extend((child, [*names, text(child.get("name"))]) for child in self.children(group))
        return run


async def gather(state: Any, trigger: ReportTrigger) -> dict | None:
    key = {"job": trigger.job, "git_branch": trigger.git_branch, "kernel": trigger.kernel}
    groups = await data.find(state, "test_group", **key)
    tops = sorted((g for g in groups if g.get("name") == trigger.plan and not g.get("parent_id")),
                  key=sort_key("device_type", "build_environment", "defconfig", "lab_name", "arch"))
    if not tops:
        log.error("test report %s/%s %s %s: no test groups", trigger.job, trigger.git_branch, trigger.kernel,
                  trigger.plan)
        return None
    cases = await data.find(state, "test_case", ("_id", "name", "status", "test_group_id", "test_case_path"),
                            plan=trigger.plan, **key)
    regressions = await data.find(state, "test_regression", plan=trigger.plan, **key)
    plan = Plan(trigger, groups, cases, regressions)
    runs = [plan.walk(top) for top in tops]
    failing = [run for run in runs if run.regressions]
    if not failing:
        return None
    await _load_case_details(state, failing)
    return _view(state.settings, trigger, runs, failing)


async def _load_case_details(state: Any, runs: list[Run]) -> None:
    """Measurements and log lines, read only for the regressions shown."""
    items = [item for run in runs for item in run.regressions]
    full = {c["_id"]: c for c in await data.find_ids(state, "test_case", (i["case"]["_id"] for i in items))}
    for item in items:
        case = full.get(item["case"]["_id"], item["case"])
        entries = item["regression"]["regressions"]
        item.update(
            url=dashboard(state.settings, "test", "case", "id", item["case"]["_id"]),
            failure=_failure_text(entries),
            measurements=[f"{_number(m.get('value'))} {text(m.get('unit'))}".strip()
                          for m in case.get("measurements") or [] if isinstance(m, dict) and "value" in m],
            log=_log_lines(case),
        )


def _group_view(settings: Any, run: Run, show_suites: bool) -> dict:
    g = run.group
    logs_dir = (g.get("file_server_resource"), g.get("lab_name"))
    compiler = text(g.get("build_environment"))
    if g.get("compiler_version_full"):
        compiler += f" ({g['compiler_version_full']})"
    return {
        "table": table([run.row]),
        "details": dashboard(settings, "test", "plan", "id", g["_id"]),
        "results": f"{run.counts['PASS']} PASS, {run.counts['FAIL']} FAIL, {run.counts['SKIP']} SKIP",
        "defconfig_full": text(g.get("defconfig_full")),
        "compiler": compiler,
        "plain_log": storage(settings, *logs_dir, g["boot_log"]) if g.get("boot_log") else None,
        "html_log": storage(settings, *logs_dir, g["boot_log_html"]) if g.get("boot_log_html") else None,
        "rootfs": g.get("initrd"),
        "suites": _suites(g) if show_suites else [],
        "regressions": run.regressions,
    }


def subject(trigger: ReportTrigger, label: str, runs: int, regressions: int) -> str:
    return (f"{trigger.job}/{trigger.git_branch} {label}: {runs} runs, {regressions} regressions "
            f"({trigger.kernel})")


def _view(settings: Any, trigger: ReportTrigger, runs: list[Run], failing: list[Run]) -> dict:
    template = TEMPLATES.get(trigger.template or "") or TEMPLATES.get(trigger.plan or "")
    first = runs[0].group
    with_suites = [_suites(run.group) for run in runs if _suites(run.group)]
    common_suites = with_suites[0] if with_suites and all(
        [(s["name"], s["commit"]) for s in suites] == [(s["name"], s["commit"]) for s in with_suites[0]]
        for suites in with_suites) else []
    count = sum(len(run.regressions) for run in runs)
    return {
        "subject": trigger.subject or subject(trigger, template["label"] if template else text(trigger.plan),
                                              len(runs), count),
        "trigger": trigger,
        "template": template,
        "summary": table([run.row for run in failing]),
        "details_url": dashboard(settings, "test", "job", *kernel_path(trigger), "plan",
                                 links.segment(trigger.plan)) + "/",
        "git_url": text(first.get("git_url")),
        "git_commit": text(first.get("git_commit")),
        "suites": common_suites,
        "groups": [_group_view(settings, run, not common_suites) for run in failing],
    }


async def test_report(state: Any, trigger: ReportTrigger) -> Report | None:
    view = await gather(state, trigger)
    if view is None:
        return None
    return Report(view["subject"], render_text("test", **view), None, report_headers(trigger))
