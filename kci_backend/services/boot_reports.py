"""A posted boot report → the boot document to store (spec/boot.md §2.1, §4.1, §4.2 rows 5–6).

Pure functions, no I/O: the whole body is checked and turned into a
document before anything is written. POST keys are renamed on the way in
(`boot_result` → `status`, `boot_time` → `time`, `loadaddr` → `load_addr`,
...). Every problem is a `BootReportError` carrying the v1 error strings.

Typing policy (boot.md §2.1 says optional keys are stored "as sent"):
- keys stored in JSON columns (see models/boot.py) keep any JSON value;
- optional text keys that are filtered or grouped on accept a string or
  null; a number or boolean is kept as its JSON text (a LAVA job id posted
  as `12345` becomes `"12345"`, still findable with `?boot_job_id=12345`);
  an array or object is refused;
- `boot_retries` / `boot_warnings` accept an integer or null (an integral
  number or integer string is converted); anything else is refused.
A refused value is a 400, never a silent drop.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from kci_backend import wire
from kci_backend.models.boot import BOOT_STATUSES, BOOT_VERSIONS
from kci_backend.services.storable import contains_nul

MANDATORY_KEYS = ("version", "lab_name", "job", "kernel", "git_branch", "defconfig", "arch", "board")
# POST key → stored key, for the keys whose names differ (boot.md §2.1).
RENAMED = {"boot_result": "status", "boot_time": "time", "boot_retries": "retries",
           "boot_warnings": "warnings", "loadaddr": "load_addr"}
# Optional text keys that are filtered, grouped or linked on (typed columns).
TEXT_KEYS = ("build_environment", "defconfig_full", "board_instance", "device_type", "endian", "kernel_image",
             "filesystem", "chainloader", "bootloader", "bootloader_version", "boot_job_id", "boot_job_url",
             "mach", "mach_alias", "git_commit", "git_describe", "git_url")
# Optional keys stored exactly as sent (JSON columns).
AS_SENT_KEYS = ("boot_result_description", "boot_log", "boot_log_html", "dtb", "dtb_addr", "dtb_append",
                "fastboot", "fastboot_cmd", "initrd", "initrd_addr", "loadaddr", "uimage", "uimage_addr", "qemu",
                "qemu_command", "boot_job_path", "metadata", "file_server_url", "file_server_resource")
INT_KEYS = ("boot_retries", "boot_warnings")
OTHER_KEYS = ("boot_result", "boot_time")
# Accepted without error but without effect either (boot.md §4.1).
IGNORED_KEYS = ("_id", "status", "compiler", "compiler_version", "compiler_version_ext", "kernel_image_size",
                "image_type", "email")
POST_KEYS = frozenset(MANDATORY_KEYS + TEXT_KEYS + AS_SENT_KEYS + INT_KEYS + OTHER_KEYS + IGNORED_KEYS)
# Keys only trusted producers (the LAVA callback, boot.md §10) may set.
PRODUCER_KEYS = ("plan", "plan_variant")
# `build_environment` is part of the identity and of the build link: text or null only.
STRICT_TEXT_KEYS = ("build_environment", "defconfig_full")

_NULL_WORDS = ("null", "none")
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)\Z")
_INT_TEXT = re.compile(r"[+-]?\d+\Z")
_INT64 = (-(2 ** 63), 2 ** 63 - 1)
# The latest instant a stored date can hold (Python's datetime.max, in milliseconds).
_MAX_MILLIS = wire.to_millis(datetime.max.replace(microsecond=999000))


class BootReportError(ValueError):
    """The body cannot be imported: 400 "Provided JSON is not valid" with these errors."""

    def __init__(self, *errors: str) -> None:
        super().__init__("; ".join(errors))
        self.errors = list(errors)


@dataclass
class BootReport:
    """The document to store (Python values, stored key names) and the dropped-key warnings."""

    document: dict[str, Any]
    warnings: list[str] = field(default_factory=list)

    @property
    def lab_name(self) -> str:
        return self.document["lab_name"]


def read_report(body: dict[str, Any], *, trusted: bool = False) -> BootReport:
    """Check a POST body (or a producer's report when `trusted`) and build its boot document."""
    accepted = POST_KEYS | frozenset(PRODUCER_KEYS) if trusted else POST_KEYS
    unknown = [k for k in body if k not in accepted]
    body = {k: v for k, v in body.items() if k in accepted and k not in IGNORED_KEYS}
    warnings = []
    if unknown and not trusted:
        warnings.append("Found non recognizable keys, they will not be considered: " + ", ".join(unknown))
    _check_mandatory(body)
    _check_no_nul(body)
    document = {key: body[key] for key in MANDATORY_KEYS}
    document.update(_text_values(body, PRODUCER_KEYS if trusted else ()))
    document.update({RENAMED.get(k, k): body[k] for k in AS_SENT_KEYS if k in body})
    document.update({RENAMED[k]: _int_value(k, body[k]) for k in INT_KEYS if k in body})
    document["status"] = _status(body)
    document["time"] = boot_duration(body.get("boot_time"))
    # mach_alias, when given and not null, wins over mach (boot.md D2).
    alias = document.pop("mach_alias", None)
    if alias is not None:
        document["mach"] = alias
    if not document.get("defconfig_full"):
        document["defconfig_full"] = document["defconfig"]
    return BootReport(document, warnings)


def _check_mandatory(body: dict[str, Any]) -> None:
    missing = [k for k in MANDATORY_KEYS if k not in body]
    if missing:
        raise BootReportError(f"One or more mandatory keys are missing: {missing}")
    errors = []
    for key in MANDATORY_KEYS:
        value = body[key]
        if not isinstance(value, str) or not value or value.lower() in _NULL_WORDS:
            errors.append(f"Key '{key}' must be a non-empty string and not null")
    if not errors and body["version"] not in BOOT_VERSIONS:
        errors.append(f"Key 'version' must be one of: {', '.join(BOOT_VERSIONS)}")
    if "boot_result" in body and body["boot_result"] not in BOOT_STATUSES:
        errors.append(f"Key 'boot_result' must be one of: {', '.join(BOOT_STATUSES)}")
    if errors:
        raise BootReportError(*errors)


def _check_no_nul(body: dict[str, Any]) -> None:
    # PostgreSQL text and JSONB cannot hold U+0000; refuse it for both databases alike.
    bad = [k for k, v in body.items() if contains_nul(v)]
    if bad:
        raise BootReportError(*(f"Key '{k}' contains a NUL character" for k in bad))


def _text_values(body: dict[str, Any], extra_keys: tuple[str, ...]) -> dict[str, Any]:
    values, errors = {}, []
    for key in TEXT_KEYS + extra_keys:
        if key not in body:
            continue
        value = body[key]
        if value is None or isinstance(value, str):
            values[key] = value
        elif key in STRICT_TEXT_KEYS or isinstance(value, (list, dict)):
            errors.append(f"Key '{key}' must be a string or null")
        else:
            values[key] = orjson.dumps(value).decode()  # a number or boolean, kept as its JSON text
    if errors:
        raise BootReportError(*errors)
    return values


def _int_value(key: str, value: Any) -> int | None:
    if value is None:
        return None
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INT_TEXT.match(value.strip()):
        number = int(value.strip())
    if number is None or not _INT64[0] <= number <= _INT64[1]:
        raise BootReportError(f"Key '{key}' must be an integer or null")
    return number


def _status(body: dict[str, Any]) -> str:
    return body.get("boot_result") or "UNKNOWN"


def boot_duration(value: Any) -> datetime:
    """`boot_time` seconds as a date (epoch + N s); the epoch itself when unusable (boot.md §4.1)."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and _DECIMAL.match(value.strip()):
        seconds = float(value.strip())
    if seconds is None or not math.isfinite(seconds) or seconds < 0:
        return wire.EPOCH
    millis = round(seconds * 1_000_000) // 1000
    return wire.EPOCH if millis > _MAX_MILLIS else wire.from_millis(millis)
