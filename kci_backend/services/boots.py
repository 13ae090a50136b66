"""Boot reports: lab authorisation, import with job/build linkage, and deletion (spec/boot.md).

`import_report` does the whole of boot.md §4.4 in one transaction: link the
report to its job and build, upsert it on its identity (keeping `_id` and
`created_on`), then run regression detection (boot-regressions.md §2). A
failure anywhere rolls everything back, so an import is all or nothing.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from kci_backend import models
from kci_backend.models import token as bits
from kci_backend.models.boot import IDENTITY_FIELDS
from kci_backend.query.params import Condition
from kci_backend.store.database import Transaction

from . import boot_regressions
from .boot_reports import BootReport

if TYPE_CHECKING:
    from kci_backend.app import State
    from kci_backend.http.auth import Token

ADMIN_WARNING = "Using an admin token to send boot reports: use the lab token"
# Copied from the linked build; a posted value for these is ignored (boot.md §3.2).
BUILD_COPIED = ("compiler", "compiler_version", "compiler_version_ext", "compiler_version_full", "cross_compile",
                "kernel_image_size")
# Filled from the build only when the report left them null or empty.
BUILD_FALLBACK = ("git_commit", "git_describe", "git_url")


class NotAllowed(Exception):
    """The token may not do this (403); `reason` is shown when not None."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "forbidden")
        self.reason = reason


# ---------------------------------------------------------------------------
# Labs and tokens (token.md §4.3, SEC-8)
# ---------------------------------------------------------------------------


async def lab_token_id(state: "State", lab_name: str) -> tuple[bool, str | None]:
    """(whether a lab with this name exists, the `_id` of the token it links to)."""
    if "lab" not in models.REGISTRY:
        return False, None
    labs = await state.documents("lab").find([Condition("name", "eq", lab_name)], ("name", "token"))
    if not labs:
        return False, None
    return True, _lower(labs[0].get("token"))


async def labs_of_token(state: "State", token_id: str | None) -> list[str]:
    """Names of the labs that link to this token."""
    if "lab" not in models.REGISTRY or token_id is None:
        return []
    labs = await state.documents("lab").find([Condition("token", "eq", token_id.lower())], ("name",))
    return sorted(lab["name"] for lab in labs)


def _lower(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) else None


async def authorize_post(state: "State", token: "Token", lab_name: str) -> list[str]:
    """boot.md §4.3 and SEC-8; the warnings to return, or NotAllowed."""
    denied = NotAllowed(f"Provided authentication token is not associated with lab '{lab_name}' or is not valid")
    exists, linked = await lab_token_id(state, lab_name)
    if not exists:
        raise denied
    is_lab_token = linked is not None and token.id is not None and token.id.lower() == linked
    if not (is_lab_token or token.is_admin):
        raise denied
    # SEC-8: a lab or test-lab token submits only for a lab it is linked to.
    if (token.has(bits.LAB) or token.has(bits.TEST_LAB)) and lab_name not in await labs_of_token(state, token.id):
        raise denied
    return [] if is_lab_token else [ADMIN_WARNING]


async def delete_scope(state: "State", token: "Token") -> list[str] | None:
    """Labs whose boots this token may delete: None means every lab (token.md §4.3)."""
    if token.is_admin or token.is_superuser:
        return None
    if token.has(bits.LAB):
        labs = await labs_of_token(state, token.id)
        if labs:
            return labs
    raise NotAllowed()


# ---------------------------------------------------------------------------
# Import (boot.md §4.4)
# ---------------------------------------------------------------------------


def identity_key(document: dict[str, Any]) -> str:
    """One value for the nine identity keys; null stays distinct from every string."""
    values = [document.get(k) for k in IDENTITY_FIELDS]
    return hashlib.sha256(orjson.dumps(values)).hexdigest()


async def import_report(state: "State", report: BootReport) -> dict[str, Any]:
    """Link, store and check for regressions, in one transaction; the stored document."""
    document = dict(report.document)
    document["identity_key"] = identity_key(document)
    boots = state.documents("boot")
    async with state.db.transaction() as tx:
        # Serialise imports of one kernel so regression documents are never made twice (§2.1).
        await boot_regressions.lock_kernel(state, tx, document)
        await _link(state, tx, document)
        document = boots.complete(document)
        kept = await boots.upsert(tx, document)
        stored = {**document, "_id": kept["_id"], "created_on": kept["created_on"]}
        await boot_regressions.detect(state, tx, stored)
    return stored


async def _link(state: "State", tx: Transaction, document: dict[str, Any]) -> None:
    """boot.md §3.2: job_id, build_id and the build's compiler fields."""
    for key in BUILD_COPIED + ("job_id", "build_id"):
        document[key] = None
    job = await _first(state, tx, "job", {k: document[k] for k in ("job", "kernel", "git_branch")}, ("_id",))
    if job is not None:
        document["job_id"] = job["_id"]
    build_keys = ("job", "kernel", "git_branch", "arch", "defconfig", "build_environment", "defconfig_full")
    wanted = ("_id", "job_id") + BUILD_COPIED + BUILD_FALLBACK
    build = await _first(state, tx, "build", {k: document.get(k) for k in build_keys}, wanted)
    if build is None:
        return
    document["build_id"] = build["_id"]
    if document["job_id"] is None:
        document["job_id"] = build.get("job_id")
    for key in BUILD_FALLBACK:
        if not document.get(key):
            document[key] = build.get(key)
    for key in BUILD_COPIED:
        document[key] = build.get(key)


async def _first(state: "State", tx: Transaction, collection: str, equal: dict[str, Any],
                 wanted: tuple[str, ...]) -> dict[str, Any] | None:
    """The oldest document of `collection` whose keys equal `equal` (null matches null)."""
    if collection not in models.REGISTRY:
        return None
    docs = state.documents(collection)
    fields = docs.collection.by_name
    if any(k not in fields for k in equal):
        return None
    conditions = [Condition(k, "null") if v is None else Condition(k, "eq", v) for k, v in equal.items()]
    columns = tuple(dict.fromkeys(c for c in wanted + ("created_on",) if c in fields))
    found = await docs.fetch_in(tx, conditions, columns)
    if not found:
        return None
    return min(found, key=lambda d: (d["created_on"], d["_id"]))


# ---------------------------------------------------------------------------
# Delete (boot.md §6)
# ---------------------------------------------------------------------------


async def delete_one(state: "State", boot_id: str, labs: list[str] | None) -> bool:
    """Delete one boot; False if it does not exist, NotAllowed if outside `labs`."""
    boots = state.documents("boot")
    async with state.db.transaction() as tx:
        found = await boots.fetch_in(tx, [Condition("_id", "eq", boot_id)], ("_id", "lab_name"))
        if not found:
            return False
        if labs is not None and found[0]["lab_name"] not in labs:
            raise NotAllowed()
        await boots.delete_where(tx, [Condition("_id", "eq", boot_id)])
    return True


async def delete_matching(state: "State", conditions: list[Condition], labs: list[str] | None) -> int:
    """Delete every boot matching `conditions`, restricted to `labs` unless None."""
    if labs is not None:
        conditions = conditions + [Condition("lab_name", "eq", labs[0]) if len(labs) == 1
                                   else Condition("lab_name", "in", tuple(labs))]
    async with state.db.transaction() as tx:
        return await state.documents("boot").delete_where(tx, conditions)
