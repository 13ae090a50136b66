"""Test regression detection (spec/test-regressions.md §2).

Runs inside the import transaction of a LAVA tree (services/tests.py),
before its documents are written: the new tree is compared in memory with
the previous run of the same series, read from the database. A failing case
whose previous result passed starts a regression document; one whose
previous result failed continues the document recorded for the previous
kernel. The failing case's `regression_id` is set on its in-memory document,
so it is written with it. Re-running detection for the same result
overwrites the document of the same base key and kernel (§2.3 divergence
"idempotency"), never duplicates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Iterable

from kci_backend import wire
from kci_backend.models.test_regression import REGRESSION_IDENTITY
from kci_backend.query.params import Condition, Query
from kci_backend.store.database import Transaction

from .test_input import digest

if TYPE_CHECKING:
    from kci_backend.app import State

    from .tests import Node

# §2.2: what makes two top-level groups runs of the same series.
SERIES_KEY = ("job", "git_branch", "arch", "device_type", "lab_name", "defconfig_full", "build_environment", "name")
_FROM_TOP = ("job", "git_branch", "arch", "device_type", "lab_name", "defconfig_full", "build_environment")
_FROM_CONTAINER = ("compiler", "compiler_version", "git_url", "mach")
_KEY_BATCH = 500


@dataclass
class _Candidate:
    """A failing case of the new tree whose previous result is known."""

    base: dict
    case: dict
    container: dict
    previous_case: dict
    previous_container: dict

    @property
    def is_new(self) -> bool:
        return self.previous_case["status"] == "PASS"


async def detect(state: "State", tx: Transaction, root: "Node", now: datetime) -> list[dict]:
    """The regression documents for the new tree `root` (to be written by the
    caller); sets `regression_id` on the failing cases they describe."""
    previous = await _previous_run(state, tx, root.doc)
    if previous is None:
        return []  # the first run of a series: nothing to compare with
    candidates = await _compare(state, tx, root, previous)
    continued = await _by_identity(state, tx, {_key(c.base, c.previous_container["kernel"])
                                               for c in candidates if not c.is_new})
    documents: dict[str, tuple[dict, dict]] = {}
    for candidate in candidates:
        doc = _document(candidate, root.doc["kernel"], continued)
        if doc is not None:
            documents[doc["identity_key"]] = (doc, candidate.case)
    stored = await _by_identity(state, tx, set(documents), columns=("_id", "created_on", "identity_key"))
    result = []
    for key, (doc, case) in documents.items():
        known = stored.get(key)
        doc["_id"], doc["created_on"] = (known["_id"], known["created_on"]) if known else (wire.new_id(), now)
        case["regression_id"] = doc["_id"]
        result.append(doc)
    return result


async def _previous_run(state: "State", tx: Transaction, top: dict) -> dict | None:
    """§2.3 step 2: the latest earlier top-level group of the same series."""
    groups = state.documents("test_group")
    conditions = [Condition(name, "eq", top[name]) for name in SERIES_KEY]
    conditions += [Condition("parent_id", "null"), Condition("created_on", "lt", top["created_on"])]
    query = Query(conditions=conditions, sort=["created_on"], sort_order=-1, limit=1)
    compiled, values, _ = groups.list_compiled(query)
    rows = await tx.fetch(compiled, values)
    return groups.codec(groups.visible, python=True)(rows[0]) if rows else None


async def _compare(state: "State", tx: Transaction, root: "Node", previous: dict) -> list[_Candidate]:
    """§2.3 step 3, level by level (iterative): failing cases with a previous result."""
    top = root.doc
    candidates = []
    pending = [(root, previous)]
    while pending:
        node, old = pending.pop()
        old_cases = await _listed(state, tx, "test_case", "test_group_id", old, "test_cases")
        new_cases = {case["name"]: case for case in node.cases}
        for name, case in new_cases.items():
            previous_case = old_cases.get(name)
            if previous_case is None or case["status"] != "FAIL":
                continue
            base = _base_key(top, node.doc, node.path + [name])
            candidates.append(_Candidate(base, case, node.doc, previous_case, old))
        old_children = await _listed(state, tx, "test_group", "parent_id", old, "sub_groups")
        new_children = {child.doc["name"]: child for child in node.children}
        for name, child in new_children.items():
            if name in old_children:
                pending.append((child, old_children[name]))
    return candidates


async def _listed(state: "State", tx: Transaction, collection: str, link: str, group: dict,
                  listing: str) -> dict[str, dict]:
    """The documents a stored group lists in `listing`, by name (a later
    duplicate name wins), read through their link to the group."""
    rows = await state.documents(collection).fetch_in(tx, [Condition(link, "eq", group["_id"])])
    by_id = {row["_id"]: row for row in rows}
    by_name = {}
    for ref in group.get(listing) or ():
        row = by_id.get(ref.get("$oid") if isinstance(ref, dict) else None)
        if row is not None:
            by_name[row["name"]] = row
    return by_name


def _base_key(top: dict, container: dict, hierarchy: list[str]) -> dict:
    """§2.2: the base key of a failing case."""
    base = {name: top[name] for name in _FROM_TOP}
    base.update({name: container.get(name) for name in _FROM_CONTAINER})
    base["hierarchy"] = list(hierarchy)
    base["test_case_path"] = ".".join(hierarchy)
    base["plan"] = hierarchy[0]
    return base


def _key(base: dict, kernel: str) -> str:
    values = {**base, "kernel": kernel}
    return digest([values.get(name) for name in REGRESSION_IDENTITY])


def _entry(case: dict, group: dict) -> dict:
    """One `regressions` entry (§1) from a case and its containing group."""
    return {
        "test_case_id": wire.oid(case["_id"]),
        "created_on": wire.date(case["created_on"]),
        "status": case["status"],
        "kernel": group.get("kernel"),
        "git_commit": group.get("git_commit"),
        "build_id": wire.oid(group.get("build_id")),
        "lab_name": group.get("lab_name"),
        "plan_variant": group.get("plan_variant"),
        "boot_log": group.get("boot_log"),
        "boot_log_html": group.get("boot_log_html"),
    }


def _document(candidate: _Candidate, kernel: str, continued: dict[str, dict]) -> dict | None:
    """The regression document a candidate yields, or None (a lost regression)."""
    last = _entry(candidate.case, candidate.container)
    if candidate.is_new:
        doc = {**candidate.base, "version": None, "lab_name": candidate.case["lab_name"],
               "regressions": [_entry(candidate.previous_case, candidate.previous_container), last]}
    else:
        earlier = continued.get(_key(candidate.base, candidate.previous_container["kernel"]))
        if earlier is None:
            return None  # it never passed, or the chain was broken (e.g. FAIL → SKIP → FAIL)
        doc = {k: v for k, v in earlier.items() if k not in ("_id", "created_on")}
        # Same kernel re-run: the case's own entry is replaced, not added twice.
        history = [e for e in earlier["regressions"] or () if e.get("test_case_id") != last["test_case_id"]]
        doc["regressions"] = history + [last]
    doc["kernel"] = kernel
    doc["identity_key"] = _key(candidate.base, kernel)
    return doc


async def _by_identity(state: "State", tx: Transaction, keys: Iterable[str],
                       columns: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Stored regression documents by identity key (read in batches)."""
    regressions = state.documents("test_regression")
    wanted = sorted(keys)
    found: dict[str, Any] = {}
    columns = columns or (*regressions.visible, "identity_key")
    for start in range(0, len(wanted), _KEY_BATCH):
        chunk = tuple(wanted[start:start + _KEY_BATCH])
        rows = await regressions.fetch_in(tx, [Condition("identity_key", "in", chunk)], columns)
        found.update((row["identity_key"], row) for row in rows)
    return found
