"""On-demand boot and build bisections (spec/bisect.md §4, §5).

A bisection here is derived from stored results only: from a failing boot
(or build), walk back through the earlier results of the same board and
config until one passed, and record the newest failing and the last passing
commit. Compared to another tree, the same walk lists what that tree did in
the same period. The result is stored once per (start id, `compare_to`) and
then served from the store until it expires (§2.3, bisect_store.py).

Records made by the regression pipelines (§6) and runner results (§7) are in
bisect_records.py; their entry points are re-exported here.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from kci_backend import wire
from kci_backend.query.params import Condition, Query

from . import bisect_store as store
from .bisect_records import (
    record_from_boot_regression,
    record_from_test_regression,
    records_for_test_report,
    records_from_boot_regressions,
    update_from_runner,
)
from .bisect_store import equal

__all__ = [
    "NotBisectable", "NotFound", "boot_bisection", "build_bisection",
    # Re-exported for the email report jobs (§6) and the resource (§7).
    "record_from_boot_regression", "record_from_test_regression", "records_for_test_report",
    "records_from_boot_regressions", "update_from_runner",
]

if TYPE_CHECKING:
    from kci_backend.app import State

# What a boot report must carry to be bisected and listed (§4.4).
BOOT_COLUMNS = ("_id", "created_on", "status", "lab_name", "board", "job", "kernel", "git_branch", "arch",
                "defconfig", "defconfig_full", "job_id", "build_id", "metadata")
BUILD_COLUMNS = ("_id", "created_on", "status", "arch", "git_branch", "git_commit", "git_describe", "git_url",
                 "dirname")
# The build-derived keys of a boot entry: "" when the build is unknown (§4.4).
BUILD_DERIVED = ("build_status", "build_created_on", "build_arch", "git_branch", "git_commit", "git_describe",
                 "git_url", "dirname")
# A build as listed in `bisect_data` (§5.1 step 4).
BUILD_ENTRY_KEYS = ("_id", "arch", "created_on", "defconfig", "defconfig_full", "git_branch", "git_commit",
                    "git_describe", "git_url", "job", "job_id", "kernel", "status")
# How many results a compared bisection lists when no earlier bisection bounds it (§4.3 step 2).
COMPARE_LIMIT = 10
_PAGE = 200
_ID_BATCH = 500


class NotFound(Exception):
    """The start boot or build does not exist."""


class NotBisectable(Exception):
    """The start result passed: there is nothing to bisect."""


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


async def boot_bisection(state: "State", boot_id: str, compare_to: str | None,
                         columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """§4: the stored bisection of a failing boot, computed on first request."""
    cached = await _cached(state, "boot", boot_id, compare_to, columns)
    if cached is not None:
        return cached
    start = await _one(state, "boot", boot_id, BOOT_COLUMNS)
    if start["status"] == "PASS":
        raise NotBisectable()
    if compare_to:
        record = await _boot_compared(state, start, compare_to)
    else:
        record = await _boot_plain(state, start)
    return await _keep(state, record, store.cache_key("on-demand", "boot", boot_id, compare_to), columns)


async def build_bisection(state: "State", build_id: str, compare_to: str | None,
                          columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """§5: the stored bisection of a failing build, computed on first request."""
    cached = await _cached(state, "build", build_id, compare_to, columns)
    if cached is not None:
        return cached
    start = await _one(state, "build", build_id, BUILD_ENTRY_KEYS)
    if start["status"] == "PASS":
        raise NotBisectable()
    if compare_to:
        record = await _build_compared(state, start, compare_to)
    else:
        record = await _build_plain(state, start)
    return await _keep(state, record, store.cache_key("on-demand", "build", build_id, compare_to), columns)


async def _cached(state: "State", record_type: str, start_id: str, compare_to: str | None,
                  columns: tuple[str, ...] | None) -> dict[str, Any] | None:
    """§4.1: a live record of this type, start id and `compare_to` (also one made by §6.1)."""
    found = await store.read(state, [Condition("type", "eq", record_type),
                                     Condition(f"{record_type}_id", "eq", start_id),
                                     equal("compare_to", compare_to)], columns, limit=1)
    return found[0] if found else None


async def _keep(state: "State", record: dict[str, Any], key: str, columns: tuple[str, ...] | None) -> dict:
    """Store the computed record (once per key, purging expired ones) and read it back."""
    async with state.db.transaction() as tx:
        await store.purge(state, tx)
        kept = await store.store_once(state, tx, record, key)
    return await store.get(state, kept["_id"], columns)


# ---------------------------------------------------------------------------
# Reading results
# ---------------------------------------------------------------------------


async def _rows(state: "State", collection: str, conditions: list[Condition], columns: tuple[str, ...], *,
                newest_first: bool = True, limit: int = 0, skip: int = 0) -> list[dict[str, Any]]:
    """Documents in `created_on` order (ties by `_id`), as Python values."""
    docs = state.documents(collection)
    query = Query(conditions=conditions, columns=columns, sort=["created_on", "_id"],
                  sort_order=-1 if newest_first else 1, limit=limit, skip=skip)
    compiled, values, _ = docs.list_compiled(query)
    rows = await state.db.fetch(compiled, values, heavy=True)
    codec = docs.codec(columns, python=True)
    return [codec(row) for row in rows]


async def _one(state: "State", collection: str, doc_id: str, columns: tuple[str, ...]) -> dict[str, Any]:
    found = await _rows(state, collection, [Condition("_id", "eq", doc_id)], columns, limit=1)
    if not found:
        raise NotFound()
    return found[0]


async def _until_first_pass(state: "State", collection: str, conditions: list[Condition],
                            columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Newest first, up to and including the first PASS (all of them if none passed)."""
    kept: list[dict[str, Any]] = []
    while True:
        page = await _rows(state, collection, conditions, columns, limit=_PAGE, skip=len(kept))
        for row in page:
            kept.append(row)
            if row["status"] == "PASS":
                return kept
        if len(page) < _PAGE:
            return kept


async def _window(state: "State", record_type: str, start_id: str, entry_date: str) -> tuple[datetime | None, int]:
    """§4.3 step 2: (end date, limit) from an earlier bisection of the same start result.

    The plain one (compare_to null) is preferred; the reference took whichever it found first."""
    earlier = await store.read(state, [Condition("type", "eq", record_type),
                                       Condition(f"{record_type}_id", "eq", start_id)],
                               ("compare_to", "good_commit_date", "bisect_data"), python=True)
    if not earlier:
        return None, COMPARE_LIMIT
    chosen = next((r for r in earlier if r["compare_to"] is None), earlier[0])
    data = chosen.get("bisect_data") if isinstance(chosen.get("bisect_data"), list) else []
    end = store.instant(chosen.get("good_commit_date"))
    if end is None and data and isinstance(data[-1], dict):
        # Records of §6.1 list whole boot documents, whose date is `created_on`.
        end = store.instant(data[-1].get(entry_date) or data[-1].get("created_on"))
    return end, len(data) or COMPARE_LIMIT


def _in_window(before: datetime, end: datetime | None) -> list[Condition]:
    conditions = [Condition("created_on", "lt", before)]
    if end is not None:
        conditions.append(Condition("created_on", "gte", end))
    return conditions


# ---------------------------------------------------------------------------
# Boot bisection (§4.2 - §4.4)
# ---------------------------------------------------------------------------


def _effective_defconfig_full(doc: dict[str, Any]) -> str | None:
    return doc.get("defconfig_full") or doc.get("defconfig")


def _same_boot_config(start: dict[str, Any], job: str) -> list[Condition]:
    """Boots of tree `job` on S's lab, board, config, arch and branch, stored before S (§4.2 step 1)."""
    conditions = [equal(key, start.get(key)) for key in ("lab_name", "board", "defconfig", "arch", "git_branch")]
    return conditions + [equal("defconfig_full", _effective_defconfig_full(start)), Condition("job", "eq", job)]


async def _boot_plain(state: "State", start: dict[str, Any]) -> dict[str, Any]:
    conditions = _same_boot_config(start, start["job"]) + [Condition("created_on", "lt", start["created_on"])]
    history = await _until_first_pass(state, "boot", conditions, BOOT_COLUMNS)
    entries = await _boot_entries(state, [start, *history])
    bad, last = entries[0], entries[-1]
    good = last if last["boot_status"] == "PASS" else None
    return store.new_record(
        "boot", **_boot_start_keys(start), bisect_data=entries,
        bad_commit=bad["git_commit"], bad_commit_url=bad["git_url"], bad_commit_date=bad["build_created_on"],
        good_commit=good and good["git_commit"], good_commit_url=good and good["git_url"],
        good_commit_date=good and good["build_created_on"],
    )


async def _boot_compared(state: "State", start: dict[str, Any], compare_to: str) -> dict[str, Any]:
    end, limit = await _window(state, "boot", start["_id"], "boot_created_on")
    conditions = _same_boot_config(start, compare_to) + _in_window(start["created_on"], end)
    other_tree = await _rows(state, "boot", conditions, BOOT_COLUMNS, limit=limit)
    return store.new_record("boot", **_boot_start_keys(start), compare_to=compare_to,
                            bisect_data=await _boot_entries(state, other_tree))


def _boot_start_keys(start: dict[str, Any]) -> dict[str, Any]:
    """§4.2 step 6: what a boot record takes from its start boot."""
    keys = ("job", "job_id", "build_id", "board", "arch", "defconfig", "defconfig_full")
    return {"boot_id": start["_id"], **{k: start.get(k) for k in keys}}


async def _boot_entries(state: "State", boots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    builds = await _builds_of(state, boots)
    return [_boot_entry(boot, builds.get(boot["_id"])) for boot in boots]


async def _builds_of(state: "State", boots: list[dict[str, Any]]) -> dict[str, dict[str, Any] | None]:
    """The build of each boot (§4.4): by its `build_id`, else the first build of its job,
    kernel, config and arch."""
    linked = sorted({b["build_id"] for b in boots if b.get("build_id")})
    by_id: dict[str, dict[str, Any]] = {}
    for start in range(0, len(linked), _ID_BATCH):
        chunk = tuple(linked[start:start + _ID_BATCH])
        for build in await _rows(state, "build", [Condition("_id", "in", chunk)], BUILD_COLUMNS):
            by_id[build["_id"]] = build
    guessed: dict[tuple, dict[str, Any] | None] = {}
    found: dict[str, dict[str, Any] | None] = {}
    for boot in boots:
        if boot.get("build_id"):
            found[boot["_id"]] = by_id.get(boot["build_id"])
            continue
        keys = ("job", "kernel", "defconfig_full", "defconfig", "arch")
        values = tuple(boot.get(k) for k in keys)
        if values not in guessed:
            matches = await _rows(state, "build", [equal(k, v) for k, v in zip(keys, values)], BUILD_COLUMNS,
                                  newest_first=False, limit=1)
            guessed[values] = matches[0] if matches else None
        found[boot["_id"]] = guessed[values]
    return found


def _boot_entry(boot: dict[str, Any], build: dict[str, Any] | None) -> dict[str, Any]:
    """One `bisect_data` item of a boot record (§4.4, D3)."""
    entry = {
        "boot_id": wire.oid(boot["_id"]),
        "build_id": wire.oid(boot.get("build_id")),
        "job_id": wire.oid(boot.get("job_id")),
        **{k: boot.get(k) for k in ("board", "job", "kernel", "lab_name", "defconfig")},
        "defconfig_full": _effective_defconfig_full(boot),
        "boot_status": boot.get("status"),
        "boot_created_on": boot["created_on"],
        "boot_metadata": boot.get("metadata"),
    }
    if build is None:
        entry.update(dict.fromkeys(BUILD_DERIVED, ""))
        return entry
    entry.update(
        build_status=build.get("status"), build_created_on=build.get("created_on"), build_arch=build.get("arch"),
        **{k: build.get(k) for k in ("git_branch", "git_commit", "git_describe", "git_url", "dirname")},
    )
    return entry


# ---------------------------------------------------------------------------
# Build bisection (§5)
# ---------------------------------------------------------------------------


def _same_build_config(start: dict[str, Any], job: str) -> list[Condition]:
    keys = ("arch", "defconfig_full", "defconfig", "git_branch")
    return [equal(k, start.get(k)) for k in keys] + [Condition("job", "eq", job)]


async def _build_plain(state: "State", start: dict[str, Any]) -> dict[str, Any]:
    peers = _same_build_config(start, start["job"])
    before = Condition("created_on", "lt", start["created_on"])
    last_pass = await _rows(state, "build", peers + [before, Condition("status", "eq", "PASS")], BUILD_ENTRY_KEYS,
                            limit=1)
    since = [Condition("created_on", "gte", last_pass[0]["created_on"])] if last_pass else []
    items = [start, *await _until_first_pass(state, "build", peers + [before] + since, BUILD_ENTRY_KEYS)]
    if last_pass and items[-1]["_id"] != last_pass[0]["_id"]:
        items.append(last_pass[0])
    last = items[-1]
    good = last if last["status"] == "PASS" else None
    return store.new_record(
        "build", **_build_start_keys(start), bisect_data=[_build_entry(b) for b in items],
        bad_commit=start.get("git_commit"), bad_commit_url=start.get("git_url"), bad_commit_date=start["created_on"],
        good_commit=good and good.get("git_commit"), good_commit_url=good and good.get("git_url"),
        good_commit_date=good and good["created_on"],
    )


async def _build_compared(state: "State", start: dict[str, Any], compare_to: str) -> dict[str, Any]:
    end, limit = await _window(state, "build", start["_id"], "created_on")
    conditions = _same_build_config(start, compare_to) + _in_window(start["created_on"], end)
    other_tree = await _rows(state, "build", conditions, BUILD_ENTRY_KEYS, limit=limit)
    return store.new_record("build", **_build_start_keys(start), compare_to=compare_to,
                            bisect_data=[_build_entry(b) for b in other_tree])


def _build_start_keys(start: dict[str, Any]) -> dict[str, Any]:
    """§5.1 step 6 (and D4 for compared records): what a build record takes from its start build."""
    keys = ("arch", "job", "job_id", "defconfig", "defconfig_full", "git_branch")
    return {"build_id": start["_id"], **{k: start.get(k) for k in keys}}


def _build_entry(build: dict[str, Any]) -> dict[str, Any]:
    entry = {k: build.get(k) for k in BUILD_ENTRY_KEYS}
    entry["_id"], entry["job_id"] = wire.oid(build["_id"]), wire.oid(build.get("job_id"))
    return entry
