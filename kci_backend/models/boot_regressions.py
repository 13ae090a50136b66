"""`boot_regressions`: boot failures after a pass, one document per kernel (spec/boot-regressions.md §1.1).

`regressions` is the six-level map lab → arch → board → board instance →
defconfig_full → compiler, ending in a list of complete boot documents in
their wire form (`$oid`/`$date`), copied when they were filed.
"""

from .base import Field, Kind, collection

BOOT_REGRESSIONS = collection(
    "boot_regressions",
    Field("job", filter=True),
    Field("git_branch"),
    Field("kernel", filter=True),
    Field("job_id", Kind.OID, filter=True),
    Field("regressions", Kind.JSON, default={}),
    indexes=(("job", "git_branch", "kernel"), ("job_id",)),
)
