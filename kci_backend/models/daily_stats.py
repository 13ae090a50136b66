"""`daily_stats`: daily statistics snapshots served by /statistics (spec/statistics.md §1)."""

from .base import Field, Kind, collection

PREFIXES = ("daily", "weekly", "biweekly")
# (key suffix, collection, distinct field or None for a plain count)
FIGURES = (
    ("total_jobs", "job", None),
    ("unique_trees", "job", "job"),
    ("unique_kernels", "job", "kernel"),
    ("total_builds", "build", None),
    ("unique_defconfigs", "build", "defconfig"),
    ("total_boots", "boot", None),
    ("unique_archs", "boot", "arch"),
    ("unique_boards", "boot", "board"),
    ("unique_machs", "boot", "mach"),
)


def _counter_names() -> list[str]:
    names = [("total_" + k if not k.startswith("total_") else k) for k, _, _ in FIGURES]
    for prefix in PREFIXES:
        names += [f"{prefix}_{k}" for k, _, _ in FIGURES]
    return names


COUNTERS = tuple(_counter_names())

DAILY_STATS = collection(
    "daily_stats",
    Field("start_date", Kind.DATE),
    Field("version", filter=True, default="1.0"),
    *(Field(name, Kind.INT) for name in COUNTERS),
    # The scheduled run this snapshot belongs to: one snapshot per slot, whatever
    # the number of processes that try (never shown).
    Field("slot", hidden=True, server=True),
    identity=("slot",),
)
