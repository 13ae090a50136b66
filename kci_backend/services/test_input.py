"""Test group trees: checking a submitted tree and building its documents.

A tree is a top-level group object with nested `test_cases` and `sub_groups`
(spec/test.md §6.2–§6.4). `check_tree` checks the *whole* tree before
anything is written (§6.5 step 9) and raises `ApiError` 400 on the first
problem; `group_document` / `case_document` then turn checked input into the
stored documents of §3.2 / §3.3. Every traversal is iterative, so deeply
nested input cannot exhaust the Python stack.
"""

from __future__ import annotations

import hashlib
import math
import re
from typing import Any, Iterator

import orjson

from kci_backend.http.errors import ApiError, invalid_json
from kci_backend.models.test_case import TEST_STATUSES
from kci_backend.models.test_group import GROUP_IDENTITY
from kci_backend.services.storable import contains_nul

# §6.5 step 5 (the 2022 reference's ten keys, test.md §6.2 divergence).
MANDATORY_KEYS = ("name", "lab_name", "arch", "build_environment", "defconfig", "device_type", "git_branch",
                  "git_commit", "job", "kernel")
# §6.2: everything else at the top level of a POST body is dropped (step 6).
POST_KEYS = frozenset(MANDATORY_KEYS) | frozenset({
    "defconfig_full", "version", "time", "index", "board_instance", "endian", "file_server_resource", "initrd",
    "mach", "initrd_info", "log", "test_cases", "sub_groups", "build_id", "job_id", "created_on",
})
# §6.4: a sub-group always takes these from its parent's stored document.
INHERITED_KEYS = ("arch", "boot_log", "boot_log_html", "build_environment", "defconfig", "defconfig_full",
                  "device_type", "dtb", "file_server_resource", "git_branch", "git_commit", "job", "kernel",
                  "kernel_image", "lab_name", "plan_variant", "time")
# Group input keys read as strings (§3.2); `mach_alias` stands in for `mach`.
_TEXT_KEYS = ("version", "defconfig_full", "git_describe", "git_url", "board_instance", "boot_log",
              "boot_log_html", "boot_result_description", "dtb", "endian", "file_server_resource", "initrd",
              "kernel_image", "mach", "mach_alias", "plan_variant")
# §6.6: the pieces of the log file path.
LOG_PATH_KEYS = ("job", "git_branch", "kernel", "arch", "defconfig_full", "build_environment", "lab_name", "name",
                 "device_type")

_TEST_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._+-]*[A-Za-z0-9])?\Z")
_NUMERIC = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*\Z")
_NULL_WORDS = ("null", "none")
_INT64 = range(-(2**63), 2**63)
# Values that go into composite indexes: PostgreSQL refuses an index entry
# over ~2.7 kB, so each is capped (UTF-8 bytes) to keep every entry under it.
INDEXED_KEYS = ("name", "lab_name", "job", "kernel", "git_branch", "device_type", "board_instance")
MAX_INDEXED_BYTES = 512
# Stored JSON values are encoded with orjson, which stops at 255 levels.
MAX_JSON_DEPTH = 100


# ---------------------------------------------------------------------------
# Value rules
# ---------------------------------------------------------------------------


def is_null_like(value: Any) -> bool:
    """test.md §1: null, "", or "null"/"none" in any case."""
    return value is None or (isinstance(value, str) and (not value or value.lower() in _NULL_WORDS))


def is_test_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_TEST_NAME.match(value))


def seconds(value: Any) -> float | None:
    """A `time` input as float seconds, or None if it is not a finite number
    or numeric string (§3.2: JSON numbers and numeric strings are accepted)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not _NUMERIC.match(value):
            return None
        value = float(value)
    if not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value in _INT64


def is_safe_piece(value: Any) -> bool:
    """§6.6: one path component that cannot leave its directory."""
    return (isinstance(value, str) and value not in ("", ".", "..")
            and not any(c in value for c in ("/", "\\", "\x00")))


def effective_defconfig_full(group: dict) -> Any:
    """§3.2: `defconfig_full` if non-empty, else `defconfig`."""
    return group.get("defconfig_full") or group.get("defconfig")


def digest(values: list[Any]) -> str:
    """A stable key for an identity made of several (nullable) values."""
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


def group_identity_key(doc: dict) -> str:
    return digest([doc.get(name) for name in GROUP_IDENTITY])


# ---------------------------------------------------------------------------
# Checks (§6.5 steps 5, 6, 8, 9)
# ---------------------------------------------------------------------------


def require_mandatory_keys(body: dict) -> None:
    """Step 5: the ten mandatory keys are present (presence only)."""
    missing = [key for key in MANDATORY_KEYS if key not in body]
    if missing:
        raise invalid_json("One or more mandatory keys are missing: " + ", ".join(missing))


def drop_unknown_keys(body: dict) -> tuple[dict, list[str]]:
    """Step 6: unknown top-level keys are removed; the warning goes in `errors`."""
    unknown = [key for key in body if key not in POST_KEYS]
    if not unknown:
        return body, []
    clean = {key: value for key, value in body.items() if key in POST_KEYS}
    return clean, ["Found non recognizable keys, they will not be considered: " + ", ".join(unknown)]


def check_plan_name(body: dict) -> None:
    """Step 8: the top-level name follows the test name rule."""
    if not is_test_name(body.get("name")):
        raise ApiError(400, "Test group name not valid")


def _problem(where: str, message: str) -> ApiError:
    return invalid_json(f"{where}: {message}" if where else message)


def _walk(body: dict) -> Iterator[tuple[str, dict, bool]]:
    """(location, object, is_group) for every group and case object of a tree,
    parents first. Containers are checked here so the walk can rely on them."""
    pending: list[tuple[str, dict]] = [("", body)]
    while pending:
        where, group = pending.pop()
        yield where, group, True
        for key in ("test_cases", "sub_groups"):
            if key not in group:
                continue
            items = group[key]
            if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
                raise _problem(where, f"Key '{key}' must be an array of objects")
        for i, case in enumerate(group.get("test_cases", ())):
            yield f"{where}test_cases[{i}]", case, False
        children = group.get("sub_groups", ())
        for i in range(len(children) - 1, -1, -1):
            pending.append((f"{where}sub_groups[{i}].", children[i]))


def _too_long(value: Any) -> bool:
    return isinstance(value, str) and len(value.encode("utf-8", "surrogatepass")) > MAX_INDEXED_BYTES


def _check_lengths(where: str, item: dict) -> None:
    for key in INDEXED_KEYS:
        if _too_long(item.get(key)):
            raise _problem(where, f"Key '{key}' is longer than {MAX_INDEXED_BYTES} bytes")


def _check_top(body: dict) -> None:
    for key in MANDATORY_KEYS:
        value = body.get(key)
        if is_null_like(value) or not isinstance(value, str):
            raise invalid_json(f"Key '{key}' must be a non-empty string")
    index = body.get("index")
    if index is not None and not _is_int(index):
        raise invalid_json("Key 'index' must be an integer or null")


def _check_group(where: str, group: dict, top: bool) -> None:
    if not top:
        name = group.get("name")
        if not isinstance(name, str) or not name:
            raise _problem(where.rstrip("."), "Key 'name' must be a non-empty string")
    inherited = () if top else INHERITED_KEYS
    for key in _TEXT_KEYS:
        if key in inherited:
            continue
        value = group.get(key)
        if value is not None and not isinstance(value, str):
            raise _problem(where.rstrip("."), f"Key '{key}' must be a string")
    if "time" in group and seconds(group["time"]) is None:
        raise _problem(where.rstrip("."), "Key 'time' must be a number or a numeric string")
    for key in ("boot_warnings", "warnings"):
        value = group.get(key)
        if value is not None and not _is_int(value):
            raise _problem(where.rstrip("."), f"Key '{key}' must be an integer")
    if _depth(group.get("initrd_info")) > MAX_JSON_DEPTH:
        raise _problem(where.rstrip("."), f"Key 'initrd_info' is nested more than {MAX_JSON_DEPTH} levels deep")


def _check_case(where: str, case: dict) -> None:
    name = case.get("name")
    if not isinstance(name, str) or not name:
        raise _problem(where, "Key 'name' must be a non-empty string")
    if "status" in case:
        status = case["status"]
        if is_null_like(status) or not isinstance(status, str) or status.upper() not in TEST_STATUSES:
            raise _problem(where, f"Key 'status' must be one of {', '.join(TEST_STATUSES)}")
    if "time" in case and seconds(case["time"]) is None:
        raise _problem(where, "Key 'time' must be a number or a numeric string")
    for key in ("measurements", "log_lines"):
        if key in case and not isinstance(case[key], list):
            raise _problem(where, f"Key '{key}' must be an array")
        if key in case and _depth(case[key]) > MAX_JSON_DEPTH:
            raise _problem(where, f"Key '{key}' is nested more than {MAX_JSON_DEPTH} levels deep")


def check_log(body: dict) -> None:
    """§6.6: a `log` text is written under a path built from the group's values."""
    log = body.get("log")
    if log is None or log == "":
        return
    if not isinstance(log, str):
        raise invalid_json("Key 'log' must be a string")
    pieces = {key: body.get(key) for key in LOG_PATH_KEYS}
    pieces["defconfig_full"] = effective_defconfig_full(body)
    for key, value in pieces.items():
        if not is_safe_piece(value):
            raise invalid_json(f"Key '{key}' cannot be used in the log file path")


# Texts that may hold NUL: the log file text and the log lines of a case
# (stored with U+FFFD in its place, as build logs are).
_NUL_ALLOWED = frozenset({"log", "log_lines", "test_cases", "sub_groups"})


def _check_nul(where: str, item: dict) -> None:
    """Neither database stores NUL in text: refused everywhere else."""
    for key, value in item.items():
        if key not in _NUL_ALLOWED and ("\x00" in key or contains_nul(value)):
            raise _problem(where, f"Key '{key}' contains a NUL character")


def check_tree(body: dict) -> tuple[int, int]:
    """Step 9: the whole tree is importable; returns (groups, cases) counted."""
    _check_top(body)
    groups = cases = 0
    for where, item, is_group in _walk(body):
        if is_group:
            groups += 1
            _check_group(where, item, top=where == "")
            _check_lengths(where.rstrip("."), item if where == "" else {"name": item["name"],
                                                                        "board_instance": item.get("board_instance")})
            _check_nul(where.rstrip("."), item)
        else:
            cases += 1
            _check_case(where, item)
            _check_lengths(where, {"name": item["name"]})
            _check_nul(where, item)
    return groups, cases


def without_nul(value: Any) -> Any:
    """A JSON value with NUL in its strings replaced by U+FFFD (log lines)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):  # checked input nests at most MAX_JSON_DEPTH levels
        return [without_nul(v) for v in value]
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    return value


def _depth(value: Any) -> int:
    """How deeply a JSON value nests (iterative)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return deepest


def lab_names(body: dict) -> set[str]:
    """Every `lab_name` string given anywhere in a tree's groups (SEC-8)."""
    names = set()
    for _, item, is_group in _walk(body):
        if is_group and isinstance(item.get("lab_name"), str):
            names.add(item["lab_name"])
    return names


# ---------------------------------------------------------------------------
# Documents (§3.2, §3.3, §6.4)
# ---------------------------------------------------------------------------


def inherit(entry: dict, parent: dict) -> dict:
    """§6.4: a sub-group entry overlaid with its parent's stored values."""
    effective = dict(entry)
    for key in INHERITED_KEYS:
        effective[key] = parent.get(key)
    return effective


def group_document(source: dict, *, parent_id: str | None, index: int | None) -> dict:
    """The group document of §3.2 from its effective input (ids, links and
    children are added by the import)."""
    version = source.get("version")
    time = source.get("time")
    warnings = source.get("boot_warnings", source.get("warnings"))
    return {
        "name": source["name"],
        "lab_name": source.get("lab_name"),
        "version": "1.0" if version is None else version,
        "time": -1.0 if time is None else seconds(time),
        "parent_id": parent_id,
        "index": index,
        "test_cases": [],
        "sub_groups": [],
        "arch": source.get("arch"),
        "build_environment": source.get("build_environment"),
        "defconfig": source.get("defconfig"),
        "defconfig_full": effective_defconfig_full(source),
        "device_type": source.get("device_type"),
        "git_branch": source.get("git_branch"),
        "git_commit": source.get("git_commit"),
        "git_describe": source.get("git_describe"),
        "git_url": source.get("git_url"),
        "job": source.get("job"),
        "kernel": source.get("kernel"),
        "board_instance": source.get("board_instance"),
        "boot_log": source.get("boot_log"),
        "boot_log_html": source.get("boot_log_html"),
        "boot_result_description": source.get("boot_result_description"),
        "dtb": source.get("dtb"),
        "endian": source.get("endian"),
        "file_server_resource": source.get("file_server_resource"),
        "initrd": source.get("initrd"),
        "initrd_info": source.get("initrd_info"),
        "kernel_image": source.get("kernel_image"),
        "mach": source["mach_alias"] if "mach_alias" in source else source.get("mach"),
        "plan_variant": source.get("plan_variant"),
        "warnings": 0 if warnings is None else warnings,
        "job_id": None,
        "build_id": None,
        "compiler": None,
        "compiler_version": None,
        "compiler_version_full": None,
        "cross_compile": None,
        "modules": None,
    }


# Case fields copied from the containing group's stored values (§3.3).
_FROM_GROUP = ("arch", "build_environment", "defconfig_full", "device_type", "git_branch", "git_commit", "job",
               "kernel", "lab_name", "mach")


def case_document(entry: dict, group: dict, *, index: int, plan: str, path: str) -> dict:
    """The case document of §3.3 (ids and created_on are added by the import)."""
    time = entry.get("time")
    log_lines = entry.get("log_lines", [])
    doc = {
        "name": entry["name"],
        "status": entry.get("status", "PASS").upper(),
        "time": -1.0 if time is None else seconds(time),
        "index": index,
        "version": "1.0",
        "test_group_id": group["_id"],
        "plan": plan,
        "test_case_path": path,
        "regression_id": None,
        "measurements": entry.get("measurements", []),
        "log_lines": without_nul(log_lines) if contains_nul(log_lines) else log_lines,
    }
    for key in _FROM_GROUP:
        doc[key] = group[key]
    return doc
