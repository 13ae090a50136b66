"""Boot facts read from LAVA's own result suite `lava` (callback-lava.md §6.1).

LAVA records its actions (deploy, boot, login, power-off, the job itself)
as results of the suite `lava`. Their metadata gives the boot result, the
boot time, the kernel warnings seen while logging in and the bootloader
load addresses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

LOGIN_ACTIONS = ("login-action", "auto-login-action")
BOOTLOADER_ADDRESS_KEYS = ("ramdisk_addr", "kernel_addr", "dtb_addr")
STATUS_COMPLETE = 2
STATUS_INCOMPLETE = 3


@dataclass(frozen=True)
class LavaSuiteFacts:
    boot_result: str  # PASS, FAIL or UNKNOWN
    boot_time: Any = None  # login `metadata.duration` as sent (usually a decimal string)
    boot_warnings: int = 0
    bootloader_addresses: dict[str, Any] = field(default_factory=dict)


def entry_metadata(entry: dict[str, Any]) -> dict[str, Any]:
    metadata = entry.get("metadata")
    return metadata if isinstance(metadata, dict) else {}


def read_lava_suite(entries: Sequence[dict[str, Any]], status: int) -> LavaSuiteFacts:
    """Scan the `lava` suite in list order; later entries of a kind win."""
    boot_result = "PASS" if status == STATUS_COMPLETE else "FAIL"
    boot_time: Any = None
    warnings = 0
    addresses: dict[str, Any] = {}
    for entry in entries:
        name, metadata = entry.get("name"), entry_metadata(entry)
        if name == "job":
            boot_result = _job_boot_result(metadata, boot_result)
        elif name in LOGIN_ACTIONS:
            boot_time = metadata.get("duration")
            warnings = count_boot_warnings(metadata.get("extra"))
        elif name == "bootloader-overlay":
            addresses = _bootloader_addresses(metadata.get("extra"))
    return LavaSuiteFacts(boot_result, boot_time, warnings, addresses)


def _job_boot_result(metadata: dict[str, Any], by_status: str) -> str:
    return "UNKNOWN" if metadata.get("error_type") == "Infrastructure" else by_status


def count_boot_warnings(extra: Any) -> int:
    """Kernel messages LAVA flagged while logging in.

    Each `extra` object with a truthy `fail` counts 1 when `fail` is a
    string, or the number of its elements with a truthy `message` when it
    is a list.
    """
    if not isinstance(extra, list):
        return 0
    total = 0
    for item in extra:
        fail = item.get("fail") if isinstance(item, dict) else None
        if not fail:
            continue
        if isinstance(fail, str):
            total += 1
        elif isinstance(fail, list):
            total += sum(1 for message in fail if isinstance(message, dict) and message.get("message"))
    return total


def _bootloader_addresses(extra: Any) -> dict[str, Any]:
    items = extra if isinstance(extra, list) else [extra]
    addresses: dict[str, Any] = {}
    for item in items:
        if isinstance(item, dict):
            addresses.update({key: item[key] for key in BOOTLOADER_ADDRESS_KEYS if key in item})
    return addresses


def last_entry_named(entries: Sequence[dict[str, Any]], name: str) -> dict[str, Any] | None:
    found = None
    for entry in entries:
        if entry.get("name") == name:
            found = entry
    return found
