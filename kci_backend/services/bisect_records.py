"""Bisect records made by the regression pipelines, and the runner's results (spec/bisect.md §6, §7).

The pipelines call these inside their own transaction:

* the boot email report, for each list of the boot regression document it
  reads (`records_from_boot_regressions`, §6.1);
* the test email report job, when a bisection runner is configured
  (`records_for_test_report`, §6.2).

A record is identified by the dedup keys of its section (plus its type, so a
boot and a test record never stand for each other); the hidden unique
`cache_key` makes "reuse it if it exists" hold under concurrency too.
Dispatching to a runner is OPTIONAL and not done here.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator

from kci_backend.query.params import Condition, Query
from kci_backend.store.database import Transaction
from kci_backend.services.storable import contains_nul

from . import bisect_store as store
from .bisect_store import equal, instant, object_id

if TYPE_CHECKING:
    from kci_backend.app import State

# §6.2 step 2: at most this many regressions per test case are bisected.
PER_TEST_CASE = 3

# §7: the keys a runner's result is matched on, per record type, and the keys it sets.
MATCH_KEYS = {
    "boot": ("type", "arch", "defconfig_full", "build_environment", "job", "kernel", "git_branch", "lab_name",
             "device_type", "good_commit", "bad_commit"),
}
MATCH_KEYS["test"] = (*MATCH_KEYS["boot"], "test_case_path")
UPDATE_KEYS = ("good_summary", "bad_summary", "found_summary", "log", "checks")
POST_KEYS = frozenset({*MATCH_KEYS["test"], *UPDATE_KEYS})


# ---------------------------------------------------------------------------
# §6.1 boot records from boot regressions
# ---------------------------------------------------------------------------


def regression_lists(regressions: Any) -> Iterator[list]:
    """Every list at the leaves of a boot regression map (lab → … → compiler → list)."""
    if isinstance(regressions, list):
        yield regressions
    elif isinstance(regressions, dict):
        for key in sorted(regressions):
            yield from regression_lists(regressions[key])


async def records_from_boot_regressions(state: "State", tx: Transaction, regression_doc: dict[str, Any],
                                        lab_name: str | None = None) -> list[dict[str, Any]]:
    """§6.1 for one boot regression document (only `lab_name`'s subtree when given);
    the records made or reused, one per regression list."""
    regressions = regression_doc.get("regressions") or {}
    if lab_name is not None:
        regressions = regressions.get(lab_name) if isinstance(regressions, dict) else None
    records = []
    for entries in regression_lists(regressions):
        if len(entries) >= 2 and isinstance(entries[0], dict) and isinstance(entries[-1], dict):
            records.append(await record_from_boot_regression(state, tx, entries[0], entries[-1]))
    return records


async def record_from_boot_regression(state: "State", tx: Transaction, good: dict[str, Any],
                                      bad: dict[str, Any]) -> dict[str, Any]:
    """The boot record of one regression: `good` is the list's first boot, `bad` its last
    (boot documents, wire or Python form). Made once per dedup key; the stored record."""
    key = store.cache_key("regression", "boot", bad.get("lab_name"), bad.get("device_type"), bad.get("arch"),
                          bad.get("defconfig_full"), good.get("git_commit"), bad.get("git_commit"))
    copied = ("job", "kernel", "git_branch", "git_url", "plan", "plan_variant", "arch", "defconfig",
              "defconfig_full", "compiler", "compiler_version", "build_environment", "lab_name", "device_type")
    record = store.new_record(
        "boot", **{k: bad.get(k) for k in copied},
        boot_id=object_id(bad.get("_id")), job_id=object_id(bad.get("job_id")),
        build_id=object_id(bad.get("build_id")),
        # Unlike §4.2, the dates here are the boots' own.
        good_commit=good.get("git_commit"), good_commit_url=good.get("git_url"),
        good_commit_date=instant(good.get("created_on")),
        bad_commit=bad.get("git_commit"), bad_commit_url=bad.get("git_url"),
        bad_commit_date=instant(bad.get("created_on")),
        bisect_data=[bad, good],
    )
    return await store.store_once(state, tx, record, key)


# ---------------------------------------------------------------------------
# §6.2 test records from test regressions
# ---------------------------------------------------------------------------


async def records_for_test_report(state: "State", tx: Transaction, job: str, git_branch: str, kernel: str,
                                  plan: str, trees: Iterable[str] | None = None,
                                  sample: Callable[[list, int], list] = random.sample) -> list[dict[str, Any]]:
    """§6.2 steps 1-5 after the test report job of (job, git_branch, kernel, plan); `trees`
    is the runner's list of allowed trees, if it has one. The records made or reused."""
    if trees is not None and job not in set(trees):
        return []
    conditions = [Condition("job", "eq", job), Condition("git_branch", "eq", git_branch),
                  Condition("kernel", "eq", kernel), Condition("plan", "eq", plan)]
    regressions = await state.documents("test_regression").fetch_in(tx, conditions)
    by_case: dict[Any, list[dict[str, Any]]] = {}
    for regression in sorted(regressions, key=lambda r: r["_id"]):
        by_case.setdefault(regression.get("test_case_path"), []).append(regression)
    records = []
    for group in by_case.values():
        chosen = group if len(group) <= PER_TEST_CASE else sample(group, PER_TEST_CASE)
        for regression in chosen:
            record = await record_from_test_regression(state, tx, regression)
            if record is not None:
                records.append(record)
    return records


async def record_from_test_regression(state: "State", tx: Transaction,
                                      regression_doc: dict[str, Any]) -> dict[str, Any] | None:
    """The test record of one `test_regression` document (wire or Python form): good is its
    first entry, bad its last. Made once per dedup key; the stored record, or None when the
    document has fewer than two entries."""
    entries = regression_doc.get("regressions")
    if not isinstance(entries, list) or len(entries) < 2 or not all(isinstance(e, dict) for e in entries):
        return None
    good, bad = entries[0], entries[-1]
    r = regression_doc
    key = store.cache_key("regression", "test", r.get("test_case_path"), r.get("device_type"), r.get("arch"),
                          r.get("defconfig_full"), good.get("git_commit"), bad.get("git_commit"))
    copied = ("test_case_path", "device_type", "job", "kernel", "git_branch", "git_url", "arch", "defconfig_full",
              "compiler", "compiler_version", "build_environment")
    record = store.new_record(
        "test", **{k: r.get(k) for k in copied},
        regression_id=object_id(r.get("_id")),
        lab_name=bad.get("lab_name"), plan_variant=bad.get("plan_variant"), build_id=object_id(bad.get("build_id")),
        good_commit=good.get("git_commit"), good_commit_date=instant(good.get("created_on")),
        bad_commit=bad.get("git_commit"), bad_commit_date=instant(bad.get("created_on")),
        good_commit_url=r.get("git_url"), bad_commit_url=r.get("git_url"),
    )
    return await store.store_once(state, tx, record, key)


# ---------------------------------------------------------------------------
# §7 runner results
# ---------------------------------------------------------------------------


class InvalidResult(ValueError):
    """A runner result the server refuses (400); the message is the reason."""


def checked_result(body: dict[str, Any]) -> dict[str, Any]:
    """The result's match and update values, or InvalidResult (§7, D5)."""
    if "type" not in body:
        raise InvalidResult("Missing 'type' key")
    record_type = body["type"]
    if not isinstance(record_type, str) or record_type not in MATCH_KEYS:
        raise InvalidResult(f"Unknown bisection type: {record_type}")
    wanted = MATCH_KEYS[record_type] + UPDATE_KEYS
    missing = [k for k in wanted if k not in body]
    if missing:
        raise InvalidResult(f"Missing mandatory key(s): {', '.join(missing)}")
    for key in wanted:
        if key != "checks" and body[key] is not None and not isinstance(body[key], str):
            raise InvalidResult(f"Key '{key}' must be a string or null")
        if contains_nul(body[key]):
            raise InvalidResult(f"Key '{key}' must not contain NUL characters")
    return {k: body[k] for k in wanted}


async def update_from_runner(state: "State", result: dict[str, Any]) -> str | None:
    """§7: overwrite the update keys of the first record matching every match key;
    the `_id` updated, or None when nothing matches (no insert, no error)."""
    if result["kernel"] is None:
        # Only §6 records are updated, and they always carry a kernel; a null one
        # would otherwise match the null kernel of every on-demand record.
        return None
    records = state.documents(store.COLLECTION)
    conditions = [equal(k, result[k]) for k in MATCH_KEYS[result["type"]]]
    query = Query(conditions=conditions, columns=("_id",), sort=["created_on", "_id"], sort_order=1, limit=1)
    compiled, values, _ = records.list_compiled(query)
    changes = {k: result[k] for k in UPDATE_KEYS}
    changes["checks"] = result["checks"]
    async with state.db.transaction() as tx:
        await store.purge(state, tx)
        rows = await tx.fetch(compiled, values)
        if not rows:
            return None
        await records.update(tx, rows[0][0], changes)
    return rows[0][0]
