"""Boot regression detection and lookup (spec/boot-regressions.md).

A boot regression is a board/config that booted (PASS) on an earlier kernel
of the same tree and branch and fails (FAIL) on this one. `detect` runs
inside the import transaction of every boot (services/boots.py), after the
boot was stored; `lock_kernel` serialises the imports of one kernel so two
of them never file into two documents.

Steps, as numbered in the spec: 2.3 clean-up when the kernel passes
somewhere, 2.4 start or continue a regression, 2.5 file the boot under its
six-segment key.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa

from kci_backend import wire
from kci_backend.models import Collection, Kind
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction
from kci_backend.store.tables import table

if TYPE_CHECKING:
    from kci_backend.app import State

# The peer group of a boot (§2.2): lab, board and board instance are not part of it.
PEER_KEYS = ("job", "git_branch", "kernel", "arch", "defconfig_full", "compiler_version_full", "device_type")
# Levels 1-5 of the regressions map (§1.3); level 6 is the compiler.
LEVEL_KEYS = ("lab_name", "arch", "board", "board_instance", "defconfig_full")
INDEX = "boot_regressions_by_boot_id"
REGRESSIONS = "boot_regressions"


# ---------------------------------------------------------------------------
# The regression key (§1.3)
# ---------------------------------------------------------------------------


def sanitise(value: Any, *, lower: bool = False) -> str:
    """A map segment: null → "none", no spaces, "." → ":" (D2)."""
    text = "none" if value is None else str(value)
    if lower:
        text = text.lower()
    return text.replace(" ", "").replace(".", ":")


def compiler_segment(boot: dict[str, Any]) -> str:
    compiler, version = boot.get("compiler"), boot.get("compiler_version")
    if not compiler:
        return sanitise(None)
    return sanitise(f"{compiler}-{version}" if version else compiler)


def regression_path(boot: dict[str, Any]) -> tuple[str, ...]:
    """The six sanitised segments under which a boot is filed."""
    levels = tuple(sanitise(boot.get(k), lower=k == "board_instance") for k in LEVEL_KEYS)
    return levels + (compiler_segment(boot),)


def regression_key(boot: dict[str, Any]) -> str:
    return ".".join(regression_path(boot))


def _get_list(regressions: Any, path: tuple[str, ...]) -> list | None:
    node = regressions
    for segment in path:
        if not isinstance(node, dict) or segment not in node:
            return None
        node = node[segment]
    return node if isinstance(node, list) else None


def _set_list(regressions: dict, path: tuple[str, ...], entries: list) -> None:
    node = regressions
    for segment in path[:-1]:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = node[segment] = {}
        node = child
    node[path[-1]] = entries


def wire_document(collection: Collection, doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document (Python values) in its GET form: ids {"$oid"}, dates {"$date"}."""
    out = {}
    for f in collection.visible_fields:
        value = doc.get(f.name)
        if f.kind is Kind.OID:
            value = wire.oid(value)
        elif f.kind is Kind.DATE:
            value = wire.date(value)
        out[f.name] = value
    return out


# ---------------------------------------------------------------------------
# Statements
# ---------------------------------------------------------------------------


def _peer_values(boot: dict[str, Any]) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Which peer keys are null (they shape the SQL) and the bind values of the others."""
    nulls = tuple(k for k in PEER_KEYS if boot.get(k) is None)
    return nulls, {f"p_{k}": boot[k] for k in PEER_KEYS if k not in nulls}


def _peer_clauses(t: sa.Table, nulls: tuple[str, ...], keys: tuple[str, ...]) -> list[sa.ColumnElement]:
    return [t.c[k].is_(None) if k in nulls else t.c[k] == sa.bindparam(f"p_{k}", type_=t.c[k].type)
            for k in keys]


def _latest_previous_kernel_peer(state: "State", nulls: tuple[str, ...], columns: tuple[str, ...]):
    """The newest peer of another kernel (L of §2.4); kernel must not be null (it never is)."""

    def build() -> sa.Select:
        t = table("boot")
        other_keys = tuple(k for k in PEER_KEYS if k != "kernel")
        return (sa.select(*(t.c[c] for c in columns))
                .where(*_peer_clauses(t, nulls, other_keys), t.c.kernel != sa.bindparam("p_kernel", type_=sa.Text()))
                .order_by(t.c.created_on.desc(), t.c._id.desc()).limit(1))

    return state.db.statement(("boot-regressions", "latest-previous", nulls, columns), build)


def _filed_peers(state: "State", nulls: tuple[str, ...]):
    """`boot_regressions_id` of every index entry of a boot in the peer group."""

    def build() -> sa.Select:
        boot, index = table("boot"), table(INDEX)
        peers = sa.select(boot.c._id).where(*_peer_clauses(boot, nulls, PEER_KEYS))
        return sa.select(index.c.boot_regressions_id).where(index.c.boot_id.in_(peers))

    return state.db.statement(("boot-regressions", "filed-peers", nulls), build)


def _forget_peers(state: "State", nulls: tuple[str, ...]):
    """Delete the index entries of the peer group."""

    def build() -> sa.Delete:
        boot, index = table("boot"), table(INDEX)
        peers = sa.select(boot.c._id).where(*_peer_clauses(boot, nulls, PEER_KEYS))
        return sa.delete(index).where(index.c.boot_id.in_(peers))

    return state.db.statement(("boot-regressions", "forget-peers", nulls), build)


def _advisory_lock(state: "State"):
    return state.db.statement(("boot-regressions", "lock"), lambda: sa.select(
        sa.func.pg_advisory_xact_lock(sa.bindparam("k", type_=sa.BigInteger()))))


async def lock_kernel(state: "State", tx: Transaction, boot: dict[str, Any]) -> None:
    """Hold, until the transaction ends, the lock of (job, git_branch, kernel) (§2.1).

    SQLite runs one write transaction at a time, so only PostgreSQL needs it."""
    if state.db.kind != "postgresql":
        return
    name = orjson.dumps(["boot-regressions", boot["job"], boot["git_branch"], boot["kernel"]])
    key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
    await tx.fetch(_advisory_lock(state), {"k": key})


# ---------------------------------------------------------------------------
# Detection (§2)
# ---------------------------------------------------------------------------


async def detect(state: "State", tx: Transaction, boot: dict[str, Any]) -> None:
    """Run §2.3–2.5 for the boot just stored (Python values, as `Documents.upsert` returns)."""
    boots = state.documents("boot")
    nulls, values = _peer_values(boot)
    peer_conditions = [Condition(k, "null") if k in nulls else Condition(k, "eq", boot[k]) for k in PEER_KEYS]
    peers = await boots.fetch_in(tx, peer_conditions, ("_id", "status"))
    if any(p["status"] == "PASS" for p in peers):
        await _clean_up(state, tx, nulls, values)
        return
    entries = await _filed_list(state, tx, boot, nulls, values)
    if entries is not None:
        await _file(state, tx, boot, entries)


async def _clean_up(state: "State", tx: Transaction, nulls: tuple[str, ...], values: dict[str, Any]) -> None:
    """§2.3: drop the whole regression document of every filed peer, and the peers' index entries."""
    rows = await tx.fetch(_filed_peers(state, nulls), values)
    doc_ids = sorted({r[0] for r in rows})
    regressions = state.documents(REGRESSIONS)
    for doc_id in doc_ids:
        await regressions.delete_where(tx, [Condition("_id", "eq", doc_id)])
    if doc_ids:
        await tx.execute(_forget_peers(state, nulls), values)


async def _filed_list(state: "State", tx: Transaction, boot: dict[str, Any], nulls: tuple[str, ...],
                      values: dict[str, Any]) -> list | None:
    """§2.4: the list to file for this boot, or None when nothing is to be stored."""
    if boot.get("status") != "FAIL":
        return None  # only PASS → FAIL is a regression (D3)
    if await state.documents(INDEX).fetch_in(tx, [Condition("boot_id", "eq", boot["_id"])], ("_id",)):
        return None  # already filed
    boots = state.documents("boot")
    latest_rows = await tx.fetch(_latest_previous_kernel_peer(state, nulls, ("kernel", "job", "git_branch",
                                                                                "job_id")), values)
    if not latest_rows:
        return None  # no earlier kernel: nothing to compare with
    previous_kernel, previous_job, previous_branch, previous_job_id = latest_rows[0]
    conditions = [Condition(k, "null") if k in nulls else Condition(k, "eq", boot[k])
                  for k in PEER_KEYS if k != "kernel"]
    conditions += [Condition("kernel", "eq", previous_kernel), Condition("status", "in", ("FAIL", "PASS"))]
    previous = await boots.fetch_in(tx, conditions)
    passes = [p for p in previous if p["status"] == "PASS"]
    current = wire_document(boots.collection, boot)
    if passes:
        good = max(passes, key=lambda p: (p["created_on"], p["_id"]))  # the most recent PASS (D4)
        return [wire_document(boots.collection, good), current]
    earlier = await _regression_document(state, tx, previous_job, previous_branch, previous_kernel, previous_job_id)
    entries = _get_list(earlier["regressions"], regression_path(boot)) if earlier else None
    if entries is None:
        return None  # a failure whose start was never seen is not tracked
    return [*entries, current]


async def _regression_document(state: "State", tx: Transaction, job: str, branch: str, kernel: str,
                               job_id: str | None) -> dict[str, Any] | None:
    conditions = [Condition("job", "eq", job), Condition("git_branch", "eq", branch),
                  Condition("kernel", "eq", kernel)]
    if job_id is not None:
        conditions.append(Condition("job_id", "eq", job_id))
    found = await state.documents(REGRESSIONS).fetch_in(tx, conditions)
    return min(found, key=lambda d: (d["created_on"], d["_id"])) if found else None


async def _file(state: "State", tx: Transaction, boot: dict[str, Any], entries: list) -> None:
    """§2.5: store the list under the boot's key of its kernel's document, then index the boot."""
    regressions = state.documents(REGRESSIONS)
    path = regression_path(boot)
    document = await _regression_document(state, tx, boot["job"], boot["git_branch"], boot["kernel"],
                                          boot.get("job_id"))
    if document is None:
        nested: dict = {}
        _set_list(nested, path, entries)
        document = await regressions.insert(tx, {
            "created_on": boot["created_on"], "job": boot["job"], "git_branch": boot["git_branch"],
            "kernel": boot["kernel"], "job_id": boot.get("job_id"), "regressions": nested})
    else:
        nested = document["regressions"] if isinstance(document["regressions"], dict) else {}
        existing = _get_list(nested, path)
        if existing is None:
            _set_list(nested, path, entries)
        elif not any(_entry_id(e) == boot["_id"] for e in existing):
            existing.append(entries[-1])  # append, de-duplicated by _id (D5)
        await regressions.update(tx, document["_id"], {"regressions": nested})
    await state.documents(INDEX).insert_if_absent(tx, {
        "boot_id": boot["_id"], "boot_regressions_id": document["_id"], "created_on": boot["created_on"]})


def _entry_id(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("_id"), dict):
        return entry["_id"].get("$oid")
    return None


# ---------------------------------------------------------------------------
# Lookup (§4)
# ---------------------------------------------------------------------------


async def list_of_boot(state: "State", boot_id: str) -> list | None:
    """The list that filed this boot (§4); None if the boot does not exist, [] if not filed."""
    boot = await state.documents("boot").get(boot_id, python=True)
    if boot is None:
        return None
    entries = await state.documents(INDEX).find([Condition("boot_id", "eq", boot_id)], ("boot_regressions_id",))
    if not entries:
        return []
    document = await state.documents(REGRESSIONS).get(entries[0]["boot_regressions_id"], ("regressions",),
                                                       python=True)
    if document is None:
        return []
    return _get_list(document["regressions"], regression_path(boot)) or []
