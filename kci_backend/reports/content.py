"""A rendered report: subject, bodies and its X-Kernelci-* headers (email-reports.md §1.2)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .render import render_html, render_text
from .trigger import ReportTrigger


@dataclass
class Report:
    subject: str
    text: str | None
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def report_headers(trigger: ReportTrigger, lab_name: str | None = None) -> dict[str, str]:
    headers = {
        "X-Kernelci-Report-Type": trigger.kind,
        "X-Kernelci-Tree": trigger.job,
        "X-Kernelci-Branch": trigger.git_branch,
        "X-Kernelci-Kernel": trigger.kernel,
    }
    if lab_name:
        headers["X-Kernelci-Lab-Name"] = lab_name
    return headers


def bodies(trigger: ReportTrigger, template: str, view: dict) -> tuple[str | None, str | None]:
    """The plain and HTML bodies the trigger's `format` asks for (build and boot reports)."""
    wanted = trigger.format or ["txt"]
    html = render_html(template, **view) if "html" in wanted else None
    text = render_text(template, **view) if "txt" in wanted or html is None else None
    return text, html
