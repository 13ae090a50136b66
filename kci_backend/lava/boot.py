"""LAVA `boot` callback → one boot report (callback-lava.md §9, boot.md §4).

The report has the shape of a `POST /boot` body (boot.md §4.1 keys such as
`boot_result`, `boot_time`, `loadaddr`), for the boot import of boot.md
§4.4 without its key filtering. Keys whose source is absent are left out so
that the import applies its own defaults (e.g. `fastboot` false), since the
import stores optional values "as sent".
"""

from __future__ import annotations

from typing import Any

from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.job import LavaJob
from kci_backend.lava.paths import boot_log_file_names

REPORT_VERSION = "1.1"
BOOT_RESULTS = ("PASS", "FAIL", "OFFLINE", "UNTRIED", "UNKNOWN")
MANDATORY_REPORT_KEYS = ("version", "lab_name", "job", "kernel", "git_branch", "defconfig", "arch", "board")

# Boot report key → definition metadata key.
REPORT_FIELDS = {
    "board": "platform.name",
    "device_type": "device.type",
    "job": "kernel.tree",
    "kernel": "kernel.version",
    "git_branch": "git.branch",
    "git_commit": "git.commit",
    "git_describe": "git.describe",
    "git_url": "git.url",
    "arch": "job.arch",
    "defconfig": "kernel.defconfig_base",
    "defconfig_full": "kernel.defconfig",
    "build_environment": "job.build_environment",
    "endian": "kernel.endian",
    "dtb": "platform.dtb",
    "mach": "platform.mach",
    "fastboot": "platform.fastboot",
    "initrd": "job.initrd_url",
    "kernel_image": "job.kernel_image",
    "file_server_resource": "job.file_server_resource",
    "plan": "test.plan",
    "plan_variant": "test.plan_variant",
}

# Boot report key → `bootloader-overlay` extra key.
ADDRESS_FIELDS = {"initrd_addr": "ramdisk_addr", "loadaddr": "kernel_addr", "dtb_addr": "dtb_addr"}


def build_boot_report(job: LavaJob) -> dict[str, Any]:
    """The boot report to import; raises `LavaDataError` when boot.md §4.2 rows 5–6 would refuse it."""
    metadata, lava = job.metadata, job.lava
    report: dict[str, Any] = {
        "version": REPORT_VERSION,
        "lab_name": job.lab_name,
        "boot_result": lava.boot_result,
        "board_instance": job.board_instance,
    }
    report.update({key: metadata[source] for key, source in REPORT_FIELDS.items() if source in metadata})
    report["boot_time"] = lava.boot_time if lava.boot_time is not None else "0.0"
    if lava.boot_warnings:
        report["boot_warnings"] = lava.boot_warnings
    addresses = lava.bootloader_addresses
    report.update({key: addresses[source] for key, source in ADDRESS_FIELDS.items() if source in addresses})
    _check_report(report)
    report["boot_log"], report["boot_log_html"] = boot_log_file_names(report["board"])
    return report


def _check_report(report: dict[str, Any]) -> None:
    for key in MANDATORY_REPORT_KEYS:
        value = report.get(key)
        if not isinstance(value, str) or value == "" or value.lower() in ("null", "none"):
            source = REPORT_FIELDS.get(key, key)
            raise LavaDataError(f"cannot import boot report: {key} ({source}) is missing or null")
    if report["boot_result"] not in BOOT_RESULTS:
        raise LavaDataError(f"cannot import boot report: invalid boot_result {report['boot_result']!r}")
