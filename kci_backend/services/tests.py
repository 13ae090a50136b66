"""Importing a test group tree: POST /test/group and the LAVA callback (spec/test.md §6).

Two entry points share one import:

* `import_posted_group(state, body, token)` — a POST /test/group body:
  top-level key filtering, the plan name rule, the `log` file; no
  regression detection (test-regressions.md §2.1).
* `import_lava_group(state, body, token=None)` — a tree built by the LAVA
  callback (callback-lava.md §6.3 step 6): no key filtering, no name rule,
  regression detection in the same transaction.

Both check the whole tree before writing (raising `ApiError` 4xx), then
write it in ONE transaction: every id is resolved in memory first (identity
upserts keep `_id` and `created_on`, §6.5), then the groups, the cases and
the regression documents are written with one executemany each, so the cost
does not grow with round trips per case. A per-series lock keeps two imports
of the same series from interleaving (test-regressions.md §2.3).
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from kci_backend import models, wire
from kci_backend.http.errors import ApiError
from kci_backend.models import token as bits
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction
from kci_backend.store.documents import Documents

from . import test_input as tin
from . import test_regressions

if TYPE_CHECKING:
    from kci_backend.app import State
    from kci_backend.http.auth import Token

log = logging.getLogger("kci_backend.tests")

# Build values copied into each group (§3.6); the git ones only fill empty values.
_BUILD_COPIED = ("compiler", "compiler_version", "compiler_version_full", "cross_compile", "modules")
_BUILD_FILLS = ("git_branch", "git_commit", "git_describe", "git_url")


@dataclass
class ImportResult:
    """What an import stored: the top-level group id and a few figures."""

    group_id: str
    name: str
    # Warnings for the response's `errors` (dropped keys).
    warnings: list[str] = field(default_factory=list)
    groups: int = 0
    cases: int = 0
    regression_ids: list[str] = field(default_factory=list)


@dataclass
class Node:
    """One group of the tree being imported, with its resolved documents."""

    doc: dict
    entry: dict
    path: list[str]
    existed: bool
    cases: list[dict] = field(default_factory=list)  # in input order, duplicates kept
    children: list["Node"] = field(default_factory=list)


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------


async def import_posted_group(state: "State", body: dict, token: "Token | None") -> ImportResult:
    """POST /test/group (§6.5 steps 5, 6, 8–11; the handler did 1–4 and 7)."""
    tin.require_mandatory_keys(body)
    body, warnings = tin.drop_unknown_keys(body)
    tin.check_plan_name(body)
    tin.check_tree(body)
    tin.check_log(body)
    await check_lab_ownership(state, body, token)
    log = body.pop("log", None)
    if isinstance(log, str) and log:
        body["boot_log"] = await write_log(state.settings.storage_dir, body, log)
    try:
        result = await import_tree(state, body, detect_regressions=False)
    except ApiError:
        raise
    except Exception:
        # §6.5 step 11: the detail goes to the log, the client gets the fixed reason.
        log.exception("saving test group %r failed", body["name"])
        raise ApiError(500, f"Error saving test group '{body['name']}'") from None
    result.warnings = warnings
    return result


async def import_lava_group(state: "State", body: dict, token: "Token | None" = None) -> ImportResult:
    """A tree built by the LAVA callback: checked like step 9, imported, then
    regression detection (test-regressions.md §2.1), all in one transaction."""
    tin.check_tree(body)
    await check_lab_ownership(state, body, token)
    return await import_tree(state, body, detect_regressions=True)


async def check_lab_ownership(state: "State", body: dict, token: "Token | None") -> None:
    """SEC-8 (adopted): a lab or test-lab token submits only for its own lab(s)."""
    if token is None or token.master or token.is_admin:
        return
    if not (token.has(bits.LAB) or token.has(bits.TEST_LAB)) or "lab" not in models.REGISTRY:
        return
    labs = await state.documents("lab").find([Condition("token", "eq", token.id)], ("name",))
    own = {lab["name"] for lab in labs}
    for name in sorted(tin.lab_names(body)):
        if name not in own:
            raise ApiError(403, f"Provided authentication token is not associated with lab '{name}' or is not valid")


async def write_log(root: Path, body: dict, text: str) -> str:
    """§6.6: the log text goes to <root>/<job>/…/<lab_name>/<name>-<device_type>.txt
    (written to a temporary file and renamed, so readers never see half a file)."""
    pieces = [body["job"], body["git_branch"], body["kernel"], body["arch"], tin.effective_defconfig_full(body),
              body["build_environment"], body["lab_name"]]
    file_name = f"{body['name']}-{body['device_type']}.txt"

    def write() -> None:
        directory = Path(root).joinpath(*pieces)
        directory.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(text.encode("utf-8", "surrogatepass"))
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, directory / file_name)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    try:
        await asyncio.to_thread(write)
    except (OSError, UnicodeError):
        raise ApiError(500, f"Error saving test group '{body['name']}'") from None
    return file_name


# ---------------------------------------------------------------------------
# The import
# ---------------------------------------------------------------------------


async def import_tree(state: "State", body: dict, *, detect_regressions: bool) -> ImportResult:
    """Write a checked tree (and optionally its regressions) in one transaction."""
    async with state.db.transaction() as tx:
        await _lock_series(state, tx, body)
        planner = _Planner(state, tx, wire.utcnow())
        root = await planner.plan(body)
        regression_docs: list[dict] = []
        if detect_regressions:
            regression_docs = await test_regressions.detect(state, tx, root, planner.now)
        await _write(state, tx, planner, regression_docs)
    return ImportResult(group_id=root.doc["_id"], name=root.doc["name"], groups=len(planner.groups),
                        cases=len(planner.cases), regression_ids=[d["_id"] for d in regression_docs])


async def _lock_series(state: "State", tx: Transaction, body: dict) -> None:
    """Serialise imports of one series on PostgreSQL (SQLite has one writer)."""
    if state.db.kind != "postgresql":
        return
    values = {**body, "defconfig_full": tin.effective_defconfig_full(body)}
    key = tin.digest([values.get(name) for name in test_regressions.SERIES_KEY])

    def build() -> sa.Select:
        return sa.select(sa.func.pg_advisory_xact_lock(
            sa.func.hashtextextended(sa.bindparam("series", type_=sa.Text), 0)))

    await tx.fetch(state.db.statement(("test-series-lock",), build), {"series": key})


class _Planner:
    """Builds every document of a tree with its final `_id`, reading only what
    identity matching and job/build linking need (§6.5, §3.6)."""

    def __init__(self, state: "State", tx: Transaction, now: datetime) -> None:
        self.state = state
        self.tx = tx
        self.now = now
        self.groups: dict[str, dict] = {}  # identity_key → document (a later duplicate replaces it)
        self.cases: dict[tuple[str, str], dict] = {}  # (group id, name) → document
        self.new_case_ids: set[str] = set()
        self._links: dict[tuple, dict] = {}
        self._children: dict[str, dict[str, tuple[str, Any]]] = {}

    async def plan(self, body: dict) -> Node:
        root = await self._group(body, body, parent=None, index=body.get("index"), path=[body["name"]])
        pending = [root]
        while pending:
            node = pending.pop()
            await self._cases(node)
            for i, entry in enumerate(node.entry.get("sub_groups", ()), start=1):
                child = await self._group(entry, tin.inherit(entry, node.doc), parent=node, index=i,
                                          path=node.path + [entry["name"]])
                node.children.append(child)
                node.doc["sub_groups"].append(wire.oid(child.doc["_id"]))
            pending.extend(reversed(node.children))
        return root

    async def _group(self, entry: dict, source: dict, *, parent: Node | None, index: int | None,
                     path: list[str]) -> Node:
        doc = tin.group_document(source, parent_id=parent.doc["_id"] if parent else None, index=index)
        await self._link(doc)
        key = doc["identity_key"] = tin.group_identity_key(doc)
        known = self.groups.get(key)
        existing = None
        if known is not None:
            existing = (known["_id"], known["created_on"])
        elif parent is None:
            found = await self.state.documents("test_group").fetch_in(
                self.tx, [Condition("identity_key", "eq", key)], ("_id", "created_on"))
            existing = (found[0]["_id"], found[0]["created_on"]) if found else None
        elif parent.existed:
            existing = (await self._existing_children(parent.doc["_id"])).get(key)
        doc["_id"], doc["created_on"] = existing if existing else (wire.new_id(), self.now)
        self.groups[key] = doc
        return Node(doc, entry, path, existed=existing is not None)

    async def _existing_children(self, parent_id: str) -> dict[str, tuple[str, Any]]:
        children = self._children.get(parent_id)
        if children is None:
            rows = await self.state.documents("test_group").fetch_in(
                self.tx, [Condition("parent_id", "eq", parent_id)], ("_id", "created_on", "identity_key"))
            children = self._children[parent_id] = {r["identity_key"]: (r["_id"], r["created_on"]) for r in rows}
        return children

    async def _cases(self, node: Node) -> None:
        group = node.doc
        existing: dict[str, tuple[str, Any]] = {}
        if node.existed:
            rows = await self.state.documents("test_case").fetch_in(
                self.tx, [Condition("test_group_id", "eq", group["_id"]), Condition("kernel", "eq", group["kernel"])],
                ("_id", "created_on", "name"))
            existing = {r["name"]: (r["_id"], r["created_on"]) for r in rows}
        plan, prefix = node.path[0], ".".join(node.path)
        for i, entry in enumerate(node.entry.get("test_cases", ()), start=1):
            doc = tin.case_document(entry, group, index=i, plan=plan, path=f"{prefix}.{entry['name']}")
            key = (group["_id"], doc["name"])
            earlier = self.cases.get(key)
            if earlier is not None:
                doc["_id"], doc["created_on"] = earlier["_id"], earlier["created_on"]
            elif doc["name"] in existing:
                doc["_id"], doc["created_on"] = existing[doc["name"]]
            else:
                doc["_id"], doc["created_on"] = wire.new_id(), self.now
                self.new_case_ids.add(doc["_id"])
            self.cases[key] = doc
            node.cases.append(doc)
            group["test_cases"].append(wire.oid(doc["_id"]))

    async def _link(self, doc: dict) -> None:
        """§3.6: the job and build this group tested, looked up once per import."""
        key = tuple(doc[k] for k in ("job", "kernel", "git_branch", "arch", "defconfig", "build_environment",
                                     "defconfig_full"))
        link = self._links.get(key)
        if link is None:
            link = self._links[key] = await self._find_links(doc)
        for name, value in link.items():
            if name in _BUILD_FILLS:
                if not doc.get(name):
                    doc[name] = value
            else:
                doc[name] = value

    async def _find_links(self, doc: dict) -> dict:
        link: dict[str, Any] = {}
        jobs = await self.state.documents("job").fetch_in(
            self.tx, [Condition(k, "eq", doc[k]) for k in ("job", "kernel", "git_branch")], ("_id",))
        if jobs:
            link["job_id"] = jobs[0]["_id"]
        if "build" not in models.REGISTRY:
            return link
        builds = self.state.documents("build")
        wanted = ("_id", "job_id", *_BUILD_COPIED, *_BUILD_FILLS)
        columns = tuple(c for c in wanted if c in builds.collection.by_name)
        found = await builds.fetch_in(
            self.tx, [Condition(k, "eq", doc[k]) for k in ("job", "kernel", "git_branch", "arch", "defconfig",
                                                            "build_environment", "defconfig_full")], columns)
        if found:
            build = found[0]
            link["build_id"] = build["_id"]
            if not jobs:
                link["job_id"] = build.get("job_id")
            for name in (*_BUILD_COPIED, *_BUILD_FILLS):
                if name in build:
                    link[name] = build[name]
        return link


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


async def _write(state: "State", tx: Transaction, planner: _Planner, regression_docs: list[dict]) -> None:
    groups = state.documents("test_group")
    cases = state.documents("test_case")
    await replace_many(state, tx, groups, list(planner.groups.values()))
    new = [d for d in planner.cases.values() if d["_id"] in planner.new_case_ids]
    replaced = [d for d in planner.cases.values() if d["_id"] not in planner.new_case_ids]
    await cases.insert_many(tx, new)
    await replace_many(state, tx, cases, replaced)
    await replace_many(state, tx, state.documents("test_regression"), regression_docs)


async def replace_many(state: "State", tx: Transaction, docs: Documents, rows: list[dict]) -> None:
    """Insert or replace rows by identity in one executemany; the rows carry
    their final `_id`, and a replaced row keeps its stored `_id` and `created_on`."""
    if not rows:
        return
    collection = docs.collection
    names = collection.field_names

    def build() -> sa.Insert:
        insert = (postgresql.insert if state.db.kind == "postgresql" else sqlite.insert)(docs.table)
        stmt = insert.values({n: sa.bindparam(n, type_=docs.table.c[n].type) for n in names})
        keep = {"_id", "created_on", *collection.identity}
        return stmt.on_conflict_do_update(
            index_elements=[docs.table.c[n] for n in collection.identity],
            set_={n: stmt.excluded[n] for n in names if n not in keep})

    compiled = state.db.statement(("replace-many", collection.name), build)
    await tx.executemany(compiled, [docs.complete(row) for row in rows])
