"""LAVA callbacks after the 202: the durable task and its processing (callback-lava.md §6, §9).

The endpoint answers 202 only once a task holding the accepted body is
committed (`enqueue_callback`), so a callback survives a restart. A worker
then runs `run_callback`:

* `test`: the plan tree is built (and checked like test.md §6.5 step 9)
  first, the log artefacts are written under the storage root, then the
  tree goes through the shared test group import with regression
  detection (services/tests.py `import_lava_group`);
* `boot`: the boot report is built and checked, the artefacts written, then
  the boot import of boot.md §4.4 stores it with its regressions.

Data that cannot be imported (`LavaDataError`, a refused tree or report, an
unusable storage path) fails the task at once (`Permanent`): nothing is
stored and the reason stays on the task row and in the log. Anything else
(a database or disk error) is retried; every step is idempotent (files are
replaced, documents upserted by identity).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import orjson

from kci_backend.files.storage import PathConflict, PathRejected, Storage, split_client_path, storage_for
from kci_backend.http.errors import ApiError
from kci_backend.lava.artefacts import Artefacts, boot_artefacts, plan_artefacts
from kci_backend.lava.boot import build_boot_report
from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.job import LavaJob, parse_job
from kci_backend.lava.paths import initrd_build_info_path
from kci_backend.lava.payload import AcceptedCallback
from kci_backend.lava.results import build_test_plan
from kci_backend.tasks import Permanent, enqueue, task_handler

from . import boots, tests
from .boot_reports import BootReportError, read_report
from .storable import contains_nul
from .test_input import MAX_JSON_DEPTH, check_tree

if TYPE_CHECKING:
    from kci_backend.app import State

log = logging.getLogger("kci_backend.lava")

TASK_KIND = "lava.callback"
# A rootfs build_info.json is a few hundred bytes; anything far larger is not one.
MAX_BUILD_INFO_BYTES = 1024 * 1024


# ---------------------------------------------------------------------------
# The task
# ---------------------------------------------------------------------------


def task_payload(accepted: AcceptedCallback) -> dict[str, Any]:
    # The body travels as JSON text: PostgreSQL's jsonb refuses U+0000 in
    # strings, which a LAVA log may hold, while text keeps it escaped.
    return {"action": accepted.action, "lab_name": accepted.lab_name,
            "body": orjson.dumps(accepted.body).decode()}


async def enqueue_callback(state: "State", accepted: AcceptedCallback) -> str:
    """Record the accepted callback as a task; committed when this returns."""
    async with state.db.transaction() as tx:
        return await enqueue(tx, TASK_KIND, task_payload(accepted))


@task_handler(TASK_KIND)
async def run_callback(state: "State", payload: dict) -> None:
    action, lab_name, body = _read_payload(payload)
    where = f"LAVA job {body.get('id')!r} of lab {lab_name!r} ({action})"
    try:
        job = parse_job(body, lab_name)
        if job is None:
            log.info("%s: status %r is not imported", where, body.get("status"))
            return
        if action == "test":
            await import_test_job(state, job, where)
        elif action == "boot":
            await import_boot_job(state, job, where)
        else:
            raise Permanent(f"unsupported LAVA action {action!r}")
    except LavaDataError as error:
        raise Permanent(f"{where} not imported: {error}") from None


def _read_payload(payload: dict) -> tuple[str, str, dict]:
    try:
        body = orjson.loads(payload["body"])
        action, lab_name = payload["action"], payload["lab_name"]
    except (KeyError, TypeError, orjson.JSONDecodeError):
        raise Permanent("malformed LAVA callback task payload") from None
    if not isinstance(body, dict) or not isinstance(action, str) or not isinstance(lab_name, str):
        raise Permanent("malformed LAVA callback task payload")
    return action, lab_name, body


# ---------------------------------------------------------------------------
# Action `test` (§6)
# ---------------------------------------------------------------------------


async def import_test_job(state: "State", job: LavaJob, where: str) -> None:
    storage = storage_for(state)
    initrd_info = await read_initrd_info(storage, job, state.settings.storage_url)
    # Built (and checked) before any file is written: a refused tree writes nothing.
    plan = build_test_plan(job, initrd_info)
    if plan is None:
        log.info("%s: no test suite and no login result, nothing to store", where)
        return
    try:
        # The import's own whole-tree check (test.md §6.5 step 9), also before writing.
        check_tree(plan)
    except ApiError as error:
        raise Permanent(f"{where} not imported: {_describe(error)}") from None
    await write_artefacts(storage, plan_artefacts(job), where)
    result = await tests.import_lava_group(state, plan)
    log.info("%s: test group %s imported (%d groups, %d cases, %d regressions)", where, result.group_id,
             result.groups, result.cases, len(result.regression_ids))


async def read_initrd_info(storage: Storage, job: LavaJob, storage_url: str) -> Any:
    """§6.1: the rootfs `build_info.json` next to the initrd, when it is in local storage; else None."""
    relative = local_build_info_path(job.metadata.get("job.initrd_url"), storage_url)
    if relative is None:
        return None
    try:
        data = await asyncio.to_thread(_read_small_file, storage, relative)
        info = orjson.loads(data) if data is not None else None
    except (OSError, PathRejected, orjson.JSONDecodeError):
        return None
    return info if is_storable_json(info) else None


def local_build_info_path(initrd: Any, storage_url: str) -> str | None:
    """The build_info.json path relative to the storage root.

    `storage_url` is the public URL of the storage root, so its own path
    (e.g. `/storage` for the server's own route) is not part of the path
    under the root; a URL outside that prefix is not in local storage.
    """
    relative = initrd_build_info_path(initrd, storage_url)
    base = urlsplit(storage_url).path.strip("/")
    if relative is None or not base:
        return relative
    return relative[len(base) + 1:] if relative.startswith(base + "/") else None


def _read_small_file(storage: Storage, relative: str) -> bytes | None:
    opened = storage.open_file(split_client_path(relative))
    if opened is None:
        return None
    handle, size = opened
    with handle:
        return handle.read() if size <= MAX_BUILD_INFO_BYTES else None


def is_storable_json(value: Any) -> bool:
    """Both databases can store it (no NUL) and the import accepts its nesting."""
    return not contains_nul(value) and json_depth(value) <= MAX_JSON_DEPTH


def json_depth(value: Any) -> int:
    """How deeply containers nest (iterative: a hostile file cannot exhaust the stack)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            pending.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


# ---------------------------------------------------------------------------
# Action `boot` (§9)
# ---------------------------------------------------------------------------


async def import_boot_job(state: "State", job: LavaJob, where: str) -> None:
    report = build_boot_report(job)
    try:
        # A trusted producer: no POST key filtering (boot.md §4.1), same checks otherwise.
        checked = read_report(report, trusted=True)
    except BootReportError as error:
        raise Permanent(f"{where} not imported: {'; '.join(error.errors)}") from None
    await write_artefacts(storage_for(state), boot_artefacts(job, report), where)
    stored = await boots.import_report(state, checked)
    log.info("%s: boot %s imported", where, stored["_id"])


# ---------------------------------------------------------------------------
# Artefact files (§6.2)
# ---------------------------------------------------------------------------


async def write_artefacts(storage: Storage, artefacts: Artefacts, where: str) -> None:
    """Write every file (atomically, confined to the root) before the import.

    A path the storage refuses stops the processing for good; other OS
    errors (a full disk) are retried by the task."""
    try:
        await asyncio.to_thread(_write_all, storage, artefacts)
    except (PathRejected, PathConflict, IsADirectoryError, NotADirectoryError) as error:
        raise Permanent(f"{where}: artefacts not written under {artefacts.directory!r}: "
                        f"{type(error).__name__}") from None


def _write_all(storage: Storage, artefacts: Artefacts) -> None:
    for name, content in artefacts.files.items():
        storage.write_bytes(f"{artefacts.directory}/{name}", content)


def _describe(error: ApiError) -> str:
    return "; ".join([error.reason or str(error.status), *error.errors])
