"""`boot_regressions_by_boot_id`: which regression document filed a boot (boot-regressions.md §1.2).

Not exposed on its own; `/boot/<id>/regressions` and the clean-up step of
the detection read it. One entry per filed boot at most.
"""

from .base import Field, Kind, collection

BOOT_REGRESSIONS_BY_BOOT_ID = collection(
    "boot_regressions_by_boot_id",
    Field("boot_id", Kind.OID),
    Field("boot_regressions_id", Kind.OID, index=True),
    identity=("boot_id",),
)
