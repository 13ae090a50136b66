"""LAVA results → one test plan tree for the test-group import (§6.3–§6.5).

The tree has the shape of a `POST /test/group` body (test.md §6.2–§6.4):
the top-level group with nested `sub_groups` and `test_cases`. It is meant
for the shared import algorithm of test.md §6.5, *without* the POST-only
top-level key filtering and without the test name rule on the plan name.
"""

from __future__ import annotations

import math
import re
from typing import Any

from kci_backend.lava.definition import TEST_GROUP_FIELDS, group_fields
from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.job import LAVA_SUITE, LavaJob
from kci_backend.lava.lava_suite import entry_metadata, last_entry_named
from kci_backend.lava.logs import FragmentRequest, assign_fragments, parse_line_number
from kci_backend.lava.paths import test_log_file_names
from kci_backend.lava.yamlsafe import as_text

PLAN_VERSION = "1.1"
STATUS_BY_RESULT = {"pass": "PASS", "fail": "FAIL", "skip": "SKIP", "unknown": "UNKNOWN"}
LOGIN_CASE = "login"

# The ten values test.md §6.5 step 9 requires on the top-level group.
MANDATORY_GROUP_VALUES = (
    "name", "lab_name", "arch", "build_environment", "defconfig",
    "device_type", "git_branch", "git_commit", "job", "kernel",
)
_METADATA_KEY_BY_FIELD = {field: key for key, field in TEST_GROUP_FIELDS.items()}
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")


def sanitise_name(value: Any) -> str:
    """Suite, test-set and case names: anything outside `[A-Za-z0-9_-]` → `_`."""
    return _UNSAFE_NAME_CHARS.sub("_", as_text(value))


def plan_metadata(job: LavaJob, initrd_info: Any = None) -> dict[str, Any]:
    """Values shared by every group built from this job (§5, §6.1, §6.2)."""
    fields = group_fields(job.metadata)
    for key in ("test.plan", "device.type"):  # they name the log files
        if not is_usable_text(job.metadata.get(key)):
            raise LavaDataError(f"cannot import test plan: {key} is missing or null")
    boot_log, boot_log_html = test_log_file_names(job.metadata["test.plan"], fields["device_type"])
    return {
        "lab_name": job.lab_name,
        "version": PLAN_VERSION,
        "time": 0.0,
        "board_instance": job.board_instance,
        **fields,
        "boot_log": boot_log,
        "boot_log_html": boot_log_html,
        "boot_warnings": job.lava.boot_warnings,
        "initrd_info": initrd_info,
    }


def build_test_plan(job: LavaJob, initrd_info: Any = None) -> dict[str, Any] | None:
    """The top-level group to import, or `None` when there is nothing to store.

    `initrd_info` is the parsed rootfs `build_info.json` (see
    `paths.initrd_build_info_path`), or `None`. Raises `LavaDataError` when
    the tree could not be imported (unknown result, empty derived name,
    missing mandatory value such as `kernel.version`).
    """
    common = plan_metadata(job, initrd_info)
    fragments: list[FragmentRequest] = []
    suite_groups = [
        _suite_group(suite, entries, common, fragments) for suite, entries in job.test_suites()
    ]
    login = _login_case(job, has_suites=bool(suite_groups))
    plan = _assemble_plan(job.metadata["test.plan"], common, suite_groups, login)
    if plan is None:
        return None
    _check_importable(plan)
    assign_fragments(job.log, fragments)
    return plan


def _suite_group(
    suite: str, entries: list[dict[str, Any]], common: dict[str, Any],
    fragments: list[FragmentRequest],
) -> dict[str, Any]:
    group = {**common, "name": sanitise_name(suite.partition("_")[2]), "test_cases": [], "sub_groups": []}
    test_sets: dict[str, dict[str, Any]] = {}
    # LAVA lists results newest first; walking backwards gives execution order.
    for entry in reversed(entries):
        case = _case(entry)
        fragments.append(FragmentRequest(parse_line_number(entry.get("log_end_line")), case["log_lines"]))
        set_name = entry_metadata(entry).get("set")
        if set_name:
            name = sanitise_name(set_name)
            if name not in test_sets:
                test_sets[name] = {"name": name, "test_cases": []}
                group["sub_groups"].append(test_sets[name])
            test_sets[name]["test_cases"].append(case)
        else:
            group["test_cases"].append(case)
    return group


def _case(entry: dict[str, Any]) -> dict[str, Any]:
    name = sanitise_name(entry.get("name"))
    return {
        "name": name,
        "status": case_status(entry.get("result"), name),
        "time": 0.0,
        "measurements": measurements(entry),
        "log_lines": [],
    }


def case_status(result: Any, case_name: str) -> str:
    status = STATUS_BY_RESULT.get(result.lower()) if isinstance(result, str) else None
    if status is None:
        raise LavaDataError(f"unknown LAVA result {as_text(result, 80)!r} for case {case_name!r}")
    return status


def measurements(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """`[{"value": float, "unit": str}]` from a decimal `measurement`, else `[]`."""
    raw = entry.get("measurement")
    if raw is None or raw in ("", "None") or isinstance(raw, bool):
        return []
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return []
    if not math.isfinite(value):  # JSON has no NaN or infinity
        return []
    return [{"value": value, "unit": as_text(entry.get("unit"))}]


def _login_case(job: LavaJob, has_suites: bool) -> dict[str, Any] | None:
    lava = job.results.get(LAVA_SUITE, [])
    login = last_entry_named(lava, "login-action") or last_entry_named(lava, "auto-login-action")
    # A passed login with no test suite after it says little: report the job itself.
    if login is not None and _is_pass(login.get("result")) and not has_suites:
        login = last_entry_named(lava, "job")
    if login is None:
        return None
    return {
        "name": LOGIN_CASE,
        "status": case_status(login.get("result"), LOGIN_CASE),
        "time": 0.0,
        "measurements": [],
        "log_lines": [],
    }


def _is_pass(result: Any) -> bool:
    return isinstance(result, str) and result.lower() == "pass"


def _assemble_plan(
    plan_name: str, common: dict[str, Any], suite_groups: list[dict[str, Any]],
    login: dict[str, Any] | None,
) -> dict[str, Any] | None:
    login_cases = [login] if login else []
    if len(suite_groups) == 1 and suite_groups[0]["name"] == plan_name:
        plan = suite_groups[0]
        plan["test_cases"][:0] = login_cases
        return plan
    if suite_groups or login_cases:
        return {**common, "name": plan_name, "test_cases": login_cases, "sub_groups": suite_groups}
    return None


def _check_importable(plan: dict[str, Any]) -> None:
    """The checks of test.md §6.5 step 9 that LAVA data can fail."""
    for field in MANDATORY_GROUP_VALUES:
        if not is_usable_text(plan.get(field)):
            source = _METADATA_KEY_BY_FIELD.get(field, "test.plan" if field == "name" else field)
            raise LavaDataError(f"cannot import test plan: {field} ({source}) is missing or null")
    _check_names(plan)


def _check_names(group: dict[str, Any]) -> None:
    for sub_group in group.get("sub_groups", []):
        if not sub_group["name"]:
            raise LavaDataError("cannot import test plan: a suite or test set has an empty name")
        _check_names(sub_group)
    for case in group["test_cases"]:
        if not case["name"]:
            raise LavaDataError(f"cannot import test plan: a case of {group.get('name')!r} has an empty name")


def is_usable_text(value: Any) -> bool:
    """A string that is not null-like (test.md §1: "", "null", "none")."""
    return isinstance(value, str) and value != "" and value.lower() not in ("null", "none")
