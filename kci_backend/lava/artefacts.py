"""Log artefact files of a LAVA callback (callback-lava.md §6.2, §9).

Pure content only: the storage layer writes `files` under `directory`
(relative to the storage root) before the import, and stops the import if
any write fails.
"""

from __future__ import annotations

import html
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.job import LavaJob
from kci_backend.lava.logs import LogLine, target_text
from kci_backend.lava.paths import artefact_directory, is_safe_relative_path, lava_json_file_name
from kci_backend.lava.results import plan_metadata

LAVA_JSON_VERSION = "1.1"


@dataclass(frozen=True)
class Artefacts:
    directory: str  # relative to the storage root, no trailing "/"
    files: dict[str, bytes]  # file name → content


def plan_artefacts(job: LavaJob) -> Artefacts:
    """Files of a `test` callback: `<plan>-<device>.txt`, `<plan>-<device>.html`, `lava-json-<device>.json`."""
    common = plan_metadata(job)  # raises LavaDataError without plan name or device type
    txt_name, html_name = common["boot_log"], common["boot_log_html"]
    device = common["device_type"]
    return _artefacts(job, artefact_directory(common), device, txt_name, html_name)


def boot_artefacts(job: LavaJob, report: dict[str, Any]) -> Artefacts:
    """`boot-<board>.txt`, `boot-<board>.html`, `lava-json-<board>.json` (values from the boot report)."""
    directory = artefact_directory(report)
    return _artefacts(job, directory, report["board"], report["boot_log"], report["boot_log_html"])


def _artefacts(job: LavaJob, directory: str, json_suffix: str, txt_name: str, html_name: str) -> Artefacts:
    # Row 7b checks the metadata used here, except `kernel.defconfig` of a
    # boot callback (its `defconfig_full`): check the whole path once more.
    if not is_safe_relative_path(directory):
        raise LavaDataError(f"unsafe artefact directory {directory!r}")
    files = {
        txt_name: target_text(job.log).encode(),
        html_name: render_html_log(job.log, job.lava.boot_result, title=txt_name).encode(),
        lava_json_file_name(json_suffix): lava_json(job, html_name).encode(),
    }
    return Artefacts(directory, files)


def lava_json(job: LavaJob, html_name: str) -> str:
    """The callback body kept for reference: without `token`, plus three keys."""
    data = {key: value for key, value in job.body.items() if key != "token"}
    data.update(lab_name=job.lab_name, version=LAVA_JSON_VERSION, boot_log_html=html_name)
    return json.dumps(data, indent=2, ensure_ascii=False)


def render_html_log(log: list[LogLine], boot_result: str, title: str) -> str:
    """A readable HTML page of the whole log with a short summary (markup not normative)."""
    levels = Counter(line["lvl"] for line in log)
    rows = "\n".join(_html_line(line) for line in log)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title></head><body>\n"
        f"<h1>{html.escape(title)}</h1>\n<ul>"
        f"<li>Boot result: {html.escape(boot_result)}</li>"
        f"<li>Errors: {levels['error']}</li>"
        f"<li>Warnings: {levels['warning']}</li></ul>\n"
        f"<pre>\n{rows}\n</pre>\n</body></html>\n"
    )


def _html_line(line: LogLine) -> str:
    level = html.escape(line["lvl"], quote=True)
    return f'<span class="{level}">{html.escape(line["dt"])} {html.escape(line["msg"])}</span>'
