"""`boot`: one boot attempt of one kernel build on one board in one lab (spec/boot.md §2).

Kinds follow what each key is used for. Keys that are filtered, listed by
`/boot/distinct` or used by the import (identity, build link, regression
grouping) are typed columns. The remaining optional keys are stored "as
sent" (boot.md §2.1: no type checking) in JSON columns, so whatever JSON
value a lab posted comes back unchanged.
"""

from kci_backend.wire import EPOCH

from .base import Field, Kind, collection

BOOT_STATUSES = ("PASS", "FAIL", "OFFLINE", "UNTRIED", "UNKNOWN")
BOOT_VERSIONS = ("1.0", "1.1")
# boot.md §3.1: a POST with the same values for these updates the stored document.
IDENTITY_FIELDS = ("arch", "board", "defconfig", "defconfig_full", "job", "kernel", "lab_name", "git_branch",
                   "build_environment")


def _text(name: str, **flags) -> Field:
    return Field(name, Kind.TEXT, **flags)


def _as_sent(name: str, default=None, doc: str = "") -> Field:
    return Field(name, Kind.JSON, default=default, doc=doc or "Stored as sent by the lab")


BOOT = collection(
    "boot",
    _text("version", required=True),
    _text("lab_name", filter=True, distinct=True, required=True),
    _text("job", filter=True, distinct=True, required=True),
    _text("kernel", filter=True, distinct=True, required=True),
    _text("git_branch", filter=True, distinct=True, required=True),
    _text("defconfig", filter=True, distinct=True, required=True),
    _text("defconfig_full", filter=True, distinct=True),
    _text("arch", filter=True, distinct=True, required=True),
    _text("build_environment", filter=True, distinct=True),
    _text("board", filter=True, distinct=True, required=True),
    _text("board_instance", distinct=True),
    _text("device_type", filter=True),
    _text("status", filter=True, default="UNKNOWN", doc="From POST key boot_result"),
    _as_sent("boot_result_description"),
    Field("time", Kind.DATE, default=EPOCH, doc="Boot duration as a date: epoch + N seconds"),
    Field("retries", Kind.INT, filter=True, default=0, doc="From POST key boot_retries"),
    Field("warnings", Kind.INT, filter=True, default=0, doc="From POST key boot_warnings"),
    _as_sent("boot_log", doc="File name of the text boot log"),
    _as_sent("boot_log_html", doc="File name of the HTML boot log"),
    _as_sent("dtb"),
    _as_sent("dtb_addr"),
    _as_sent("dtb_append", default=False),
    _text("endian", filter=True, distinct=True),
    _as_sent("fastboot", default=False),
    _as_sent("fastboot_cmd"),
    _as_sent("initrd"),
    _as_sent("initrd_addr"),
    _text("kernel_image", filter=True),
    _as_sent("load_addr", doc="From POST key loadaddr"),
    _as_sent("uimage"),
    _as_sent("uimage_addr"),
    _as_sent("qemu"),
    _as_sent("qemu_command"),
    _text("filesystem", filter=True),
    _text("chainloader", filter=True),
    _text("bootloader", filter=True),
    _text("bootloader_version", filter=True),
    _text("boot_job_id", filter=True),
    _as_sent("boot_job_path"),
    _text("boot_job_url", filter=True, distinct=True),
    _text("mach", filter=True, distinct=True, doc="From POST key mach_alias, else mach"),
    _as_sent("metadata", default={}),
    _as_sent("file_server_url"),
    _as_sent("file_server_resource"),
    _text("git_commit", filter=True, distinct=True),
    _text("git_describe", filter=True, distinct=True),
    _text("git_url", filter=True, distinct=True),
    Field("job_id", Kind.OID, filter=True, server=True, doc="The job this boot tested, when found"),
    Field("build_id", Kind.OID, filter=True, server=True, doc="The build this boot tested, when found"),
    _text("compiler", filter=True, server=True),
    _text("compiler_version", filter=True, server=True),
    _text("compiler_version_ext", server=True),
    _text("compiler_version_full", server=True),
    _text("cross_compile", server=True),
    Field("kernel_image_size", Kind.INT, filter=True, server=True),
    _text("plan", server=True),
    _text("plan_variant", server=True),
    # The nine identity values in one column: a unique index over the columns
    # themselves would let two documents with a null build_environment coexist
    # (SQL NULLs never conflict), and boot.md §3.1 says null matches null.
    _text("identity_key", server=True, hidden=True),
    identity=("identity_key",),
    indexes=(
        ("job", "kernel", "lab_name", "board"),
        # A kernel's boots newest first, its counts and its FAIL list (the dashboard's
        # kernel page) read ~50 index entries instead of sorting every boot of the kernel.
        ("job", "kernel", "git_branch", "created_on"),
        ("lab_name", "board", "created_on"),
        ("job_id",),
        ("build_id",),
        ("status", "created_on"),
        # Regression detection looks for earlier kernels of the same peer group
        # (boot-regressions.md §2.2), newest first.
        ("job", "git_branch", "arch", "defconfig_full", "created_on"),
    ),
)
