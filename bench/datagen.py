"""Realistic kernel-CI data, written through the store in bulk.

The shape follows the CI loop: a job (tree, branch, kernel revision) is
built for ~100 arch/defconfig/toolchain combinations, each build is booted
on ~10 boards in several labs, and some boots run test plans whose groups
hold test cases. Dates spread over the last 90 days; statuses are mostly
PASS with some FAIL/SKIP. The newest mainline kernel is tested much more
than the others: it is the "busy kernel" the export scenario reads.

Every row goes through `Documents.insert_many` inside a transaction, in
batches, so the documents are exactly what the store would write
(defaults, JSON encoding, identity keys computed by the import services).
Two batches are in flight at once: while the database inserts one, Python
builds the next.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

import orjson

from kci_backend import models
from kci_backend.services import boots as boot_service
from kci_backend.services import build_input
from kci_backend.services import test_input as tin
from kci_backend.store.database import Database
from kci_backend.store.documents import Documents
from kci_backend.wire import EPOCH

from . import catalog

# Reference size (--scale 1.0).
REFERENCE = {"build": 20_000, "boot": 200_000, "test_group": 50_000, "test_case": 2_000_000}
BUILDS_PER_KERNEL = 100
DAYS = 90
# The newest mainline kernel gets this many times the test load of a mainline kernel.
BUSY_FACTOR = 8


@dataclass(frozen=True)
class Sizes:
    builds: int
    boots: int
    groups: int
    cases: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        n = {k: max(1, round(v * scale)) for k, v in REFERENCE.items()}
        return cls(n["build"], n["boot"], n["test_group"], n["test_case"])

    @property
    def kernels(self) -> int:
        return max(1, round(self.builds / BUILDS_PER_KERNEL))


class Ids:
    """ObjectId strings whose embedded time is the document's creation time."""

    def __init__(self, rng: random.Random) -> None:
        self.machine = rng.randbytes(5).hex()
        self.counter = rng.randrange(1 << 24)

    def at(self, when: datetime) -> str:
        self.counter = (self.counter + 1) & 0xFFFFFF
        return f"{int(when.timestamp()):08x}{self.machine}{self.counter:06x}"


def js(value: Any) -> str:
    """A scalar for a JSON column, as JSON text (what the boot import stores)."""
    return orjson.dumps(value).decode()


def weighted(rng: random.Random, pairs: tuple[tuple[str, int], ...]) -> Callable[[], str]:
    names, weights = zip(*pairs)
    cumulative = list(itertools.accumulate(weights))

    def pick() -> str:
        return rng.choices(names, cum_weights=cumulative)[0]

    return pick


# ---------------------------------------------------------------------------
# Writing in batches
# ---------------------------------------------------------------------------


class BatchWriter:
    """Buffers documents per collection and inserts full batches, at most
    `in_flight` transactions at a time."""

    def __init__(self, db: Database, batch_rows: int, in_flight: int) -> None:
        self.db = db
        self.batch_rows = batch_rows
        self.buffers: dict[str, list[dict]] = {}
        self.documents = {name: Documents(db, models.get(name)) for name in models.REGISTRY}
        self.gate = asyncio.Semaphore(in_flight)
        self.tasks: set[asyncio.Task] = set()
        self.counts: dict[str, int] = {}

    async def add(self, collection: str, doc: dict) -> None:
        buffer = self.buffers.setdefault(collection, [])
        buffer.append(doc)
        if len(buffer) >= self.batch_rows:
            await self.flush(collection)

    async def flush(self, collection: str) -> None:
        rows = self.buffers.pop(collection, [])
        if not rows:
            return
        await self.gate.acquire()
        task = asyncio.create_task(self._insert(collection, rows))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _insert(self, collection: str, rows: list[dict]) -> None:
        try:
            async with self.db.transaction() as tx:
                await self.documents[collection].insert_many(tx, rows)
            self.counts[collection] = self.counts.get(collection, 0) + len(rows)
        finally:
            self.gate.release()

    async def close(self) -> None:
        for collection in list(self.buffers):
            await self.flush(collection)
        while self.tasks:
            await asyncio.gather(*self.tasks)


# ---------------------------------------------------------------------------
# The documents
# ---------------------------------------------------------------------------


@dataclass
class Kernel:
    job: str
    branch: str
    name: str
    commit: str
    when: datetime
    weight: float
    job_id: str = ""
    builds: list[dict] = field(default_factory=list)
    boots: list[dict] = field(default_factory=list)


class Generator:
    def __init__(self, sizes: Sizes, seed: int, end: datetime) -> None:
        self.sizes = sizes
        self.rng = random.Random(seed)
        self.ids = Ids(self.rng)
        self.end = end
        self.matrix = catalog.build_matrix()
        self.case_status = weighted(self.rng, catalog.CASE_STATUSES)
        self.boot_status = weighted(self.rng, catalog.BOOT_STATUSES)
        self.build_status = weighted(self.rng, catalog.BUILD_STATUSES)
        self.placed = {"build": 0, "boot": 0, "test_group": 0, "test_case": 0}

    def sha(self) -> str:
        return self.rng.randbytes(20).hex()

    def later(self, when: datetime, max_hours: float) -> datetime:
        return when + timedelta(seconds=self.rng.uniform(60, max_hours * 3600))

    # -- kernels ---------------------------------------------------------------------------------
    def kernels(self) -> list[Kernel]:
        branches = [(job, branch, w) for job, bs, w in catalog.TREES for branch in bs]
        count = self.sizes.kernels
        per_branch = [count // len(branches) + (1 if i < count % len(branches) else 0) for i in range(len(branches))]
        start = self.end - timedelta(days=DAYS)
        out = []
        for (job, branch, weight), n in zip(branches, per_branch):
            for i in range(n):
                commit = self.sha()
                when = start + timedelta(days=DAYS * (i + self.rng.random()) / max(n, 1))
                name = f"v6.{7 + i // 8}-rc{1 + i % 8}-{self.rng.randrange(1, 400)}-g{commit[:12]}"
                if job == "next":
                    name = f"next-{when:%Y%m%d}"
                out.append(Kernel(job, branch, name, commit, min(when, self.end - timedelta(hours=12)), weight))
        newest_mainline = max((k for k in out if k.job == catalog.TREES[0][0]), key=lambda k: k.when, default=None)
        if newest_mainline is not None:
            newest_mainline.weight *= BUSY_FACTOR
        return out

    def job_document(self, k: Kernel) -> dict:
        k.job_id = self.ids.at(k.when)
        return {
            "_id": k.job_id, "created_on": k.when, "job": k.job, "kernel": k.name, "git_branch": k.branch,
            "status": "PASS" if self.rng.random() < 0.9 else "FAIL", "private": False, "git_commit": k.commit,
            "git_describe": k.name, "git_describe_v": k.name, "git_url": git_url(k.job),
            "kernel_version": k.name.split("-g")[0],
        }

    # -- builds -------------------------------------------------------------------------------
    def build_documents(self, k: Kernel, n: int) -> list[dict]:
        docs = []
        for arch, defconfig, defconfig_full, environment in self.rng.sample(self.matrix, min(n, len(self.matrix))):
            when = self.later(k.when, 6)
            compiler, version, version_full = catalog.TOOLCHAINS[environment]
            image = catalog.ARCHES[arch][1]
            status = self.build_status()
            resource = f"{k.job}/{k.branch}/{k.name}/{arch}/{defconfig_full}/{environment}"
            doc = {
                "_id": self.ids.at(when), "created_on": when, "version": "1.1",
                "job": k.job, "kernel": k.name, "git_branch": k.branch, "job_id": k.job_id,
                "arch": arch, "defconfig": defconfig, "defconfig_full": defconfig_full,
                "build_environment": environment, "status": status,
                "errors": 0 if status == "PASS" else self.rng.randrange(1, 20),
                "warnings": self.rng.choice((0, 0, 0, 1, 2, 5)), "build_time": round(self.rng.uniform(60, 1800), 2),
                "build_type": "kernel", "git_url": git_url(k.job), "git_commit": k.commit, "git_describe": k.name,
                "git_describe_v": k.name, "kernel_version": k.name.split("-g")[0],
                "compiler": compiler, "compiler_version": version, "compiler_version_full": version_full,
                "compiler_version_ext": f"{compiler} {version}", "cross_compile": catalog.ARCHES[arch][2],
                "kconfig_fragments": js(defconfig_full.partition("+")[2]) if "+" in defconfig_full else None,
                "kernel_config": "kernel.config", "kernel_config_size": self.rng.randrange(80_000, 250_000),
                "kernel_image": image, "kernel_image_size": self.rng.randrange(5_000_000, 40_000_000),
                "system_map": "System.map", "system_map_size": self.rng.randrange(1_000_000, 6_000_000),
                "modules": "modules.tar.xz", "modules_size": self.rng.randrange(2_000_000, 90_000_000),
                "dtb_dir": "dtbs" if arch in ("arm", "arm64", "riscv") else None,
                "build_log": "build.log", "build_log_size": self.rng.randrange(20_000, 2_000_000),
                "file_server_url": "https://storage.kernelci.org/", "file_server_resource": resource,
                "dirname": resource, "text_offset": "0x80008000" if arch == "arm" else None,
            }
            doc["identity_key"] = build_input.identity_key(doc)
            docs.append(doc)
        return docs

    # -- boots --------------------------------------------------------------------------------
    def boot_documents(self, k: Kernel, build: dict, n: int) -> list[dict]:
        docs = []
        slots = catalog.board_slots(build["arch"])
        for board, lab in self.rng.sample(slots, min(n, len(slots))):
            when = self.later(build["created_on"], 4)
            status = self.boot_status()
            job_id = str(self.rng.randrange(1_000_000, 9_999_999))
            doc = {
                "_id": self.ids.at(when), "created_on": when, "version": "1.1", "lab_name": lab,
                "job": k.job, "kernel": k.name, "git_branch": k.branch, "defconfig": build["defconfig"],
                "defconfig_full": build["defconfig_full"], "arch": build["arch"],
                "build_environment": build["build_environment"], "board": board,
                "board_instance": f"{board}-{self.rng.randrange(1, 4)}", "device_type": board, "status": status,
                "boot_result_description": js("Kernel boot OK" if status == "PASS" else "Login prompt not found"),
                "time": EPOCH + timedelta(seconds=round(self.rng.uniform(5, 120), 2)),
                "retries": 0 if self.rng.random() < 0.95 else 1, "warnings": self.rng.choice((0, 0, 0, 0, 1, 3)),
                "boot_log": js(f"boot-{board}.txt"), "boot_log_html": js(f"boot-{board}.html"),
                "dtb": js(f"dtbs/{board}.dtb") if build["arch"] in ("arm", "arm64") else None,
                "endian": "big" if "BIG_ENDIAN" in build["defconfig_full"] else "little",
                "kernel_image": build["kernel_image"], "filesystem": "ramdisk", "bootloader": "u-boot",
                "boot_job_id": job_id, "boot_job_url": f"https://{lab}.example.org/scheduler/job/{job_id}",
                "mach": board.split("-")[0], "git_commit": k.commit, "git_describe": k.name,
                "git_url": git_url(k.job), "job_id": k.job_id, "build_id": build["_id"],
                "compiler": build["compiler"], "compiler_version": build["compiler_version"],
                "compiler_version_ext": build["compiler_version_ext"],
                "compiler_version_full": build["compiler_version_full"], "cross_compile": build["cross_compile"],
                "kernel_image_size": build["kernel_image_size"], "plan": "boot",
                "file_server_resource": js(build["file_server_resource"]), "metadata": {},
            }
            doc["identity_key"] = boot_service.identity_key(doc)
            doc["_build"] = build
            docs.append(doc)
        return docs

    # -- test groups and cases ---------------------------------------------------------------------------
    def plan_order(self, boot: dict) -> list[str]:
        """The boot's plans in a weighted random order (weighted sampling without replacement)."""
        keyed = [(self.rng.random() ** (1.0 / weight), plan) for plan, (weight, _, _) in catalog.PLANS.items()]
        return [plan for _, plan in sorted(keyed, reverse=True)]

    def case_count(self, plan: str) -> int:
        """The plan's size, scaled so the total number of cases lands on the target."""
        base = catalog.PLANS[plan][1]
        groups_left = max(1, self.sizes.groups - self.placed["test_group"])
        cases_left = max(0, self.sizes.cases - self.placed["test_case"])
        mean_base = sum(w * n for w, n, _ in catalog.PLANS.values()) / sum(w for w, _, _ in catalog.PLANS.values())
        return max(1, round(base * cases_left / (groups_left * mean_base)))

    def group_and_cases(self, k: Kernel, boot: dict, plan: str) -> tuple[dict, list[dict]]:
        build = boot["_build"]
        when = self.later(boot["created_on"], 2)
        source = {key: boot.get(key) for key in ("lab_name", "arch", "build_environment", "defconfig",
                                                  "defconfig_full", "git_branch", "git_commit", "git_describe",
                                                  "git_url", "job", "kernel", "board_instance", "kernel_image",
                                                  "mach", "endian")}
        source.update(name=plan, device_type=boot["board"], time=round(self.rng.uniform(10, 900), 1),
                      boot_log=f"{plan}-{boot['board']}.txt", boot_log_html=f"{plan}-{boot['board']}.html")
        group = tin.group_document(source, parent_id=None, index=None)
        group.update(job_id=k.job_id, build_id=build["_id"], compiler=build["compiler"],
                     compiler_version=build["compiler_version"], cross_compile=build["cross_compile"],
                     compiler_version_full=build["compiler_version_full"], modules=build["modules"])
        group["identity_key"] = tin.group_identity_key(group)
        group["_id"], group["created_on"] = self.ids.at(when), when
        stems = catalog.PLANS[plan][2]
        cases = []
        for i in range(self.case_count(plan)):
            name = stems[i % len(stems)] + (f".{i // len(stems)}" if i >= len(stems) else "")
            entry = {"name": name, "status": self.case_status(), "time": round(self.rng.uniform(0.01, 30), 3)}
            if self.rng.random() < 0.05:
                entry["measurements"] = [{"name": name, "value": round(self.rng.uniform(0, 1000), 2), "unit": "ms"}]
            case = tin.case_document(entry, group, index=i + 1, plan=plan, path=f"{plan}.{name}")
            case["_id"], case["created_on"] = self.ids.at(when), when
            cases.append(case)
        group["test_cases"] = [{"$oid": c["_id"]} for c in cases]
        return group, cases


def git_url(job: str) -> str:
    return catalog.GIT_URLS.get(job, catalog.DEFAULT_GIT_URL.format(job=job))


def spread(total: int, parts: int, weights: list[float] | None = None) -> list[int]:
    """`total` split into `parts` integers (proportional to weights) that add up exactly."""
    weights = weights or [1.0] * parts
    scale = total / sum(weights)
    out, placed, acc = [], 0, 0.0
    for w in weights:
        acc += w * scale
        n = round(acc) - placed
        out.append(n)
        placed += n
    return out


def lab_document(name: str, when: datetime, ids: Ids) -> dict:
    person = name.removeprefix("lab-").split("-")[0]
    return {"_id": ids.at(when), "created_on": when, "name": name,
            "contact": {"name": person.title(), "surname": "Admin", "email": f"{person}@example.org"},
            "address": {"country": "Earth"}, "private": False, "version": "1.0"}


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------


async def generate(db: Database, sizes: Sizes, *, seed: int = 1, batch_rows: int = 5000, in_flight: int = 2,
                   progress: Callable[[str], None] = print) -> dict[str, int]:
    """Fill an empty, migrated database; returns the rows written per collection."""
    gen = Generator(sizes, seed, datetime.now(timezone.utc).replace(microsecond=0))
    writer = BatchWriter(db, batch_rows, in_flight)
    started = time.monotonic()
    for lab in catalog.LABS:
        await writer.add("lab", lab_document(lab, gen.end - timedelta(days=DAYS + 30), gen.ids))
    kernels = gen.kernels()
    builds_per_kernel = spread(sizes.builds, len(kernels))
    groups_per_kernel = spread(sizes.groups, len(kernels), [k.weight for k in kernels])
    boots_per_build = sizes.boots / sizes.builds
    for number, (k, n_builds, n_groups) in enumerate(zip(kernels, builds_per_kernel, groups_per_kernel), 1):
        await writer.add("job", gen.job_document(k))
        for build in gen.build_documents(k, n_builds):
            await writer.add("build", build)
            gen.placed["build"] += 1
            due = round(boots_per_build * gen.placed["build"]) - gen.placed["boot"]
            for boot in gen.boot_documents(k, build, due):
                k.boots.append(boot)
                gen.placed["boot"] += 1
        await write_tests(gen, writer, k, n_groups)
        for boot in k.boots:
            del boot["_build"]
            await writer.add("boot", boot)
        k.boots.clear()
        if number % 10 == 0 or number == len(kernels):
            progress(f"  {number}/{len(kernels)} kernels, {gen.placed} in {time.monotonic() - started:.0f}s")
    await writer.close()
    return writer.counts


async def write_tests(gen: Generator, writer: BatchWriter, k: Kernel, n_groups: int) -> None:
    if not k.boots:
        return
    orders = [gen.plan_order(boot) for boot in k.boots]
    n_groups = min(n_groups, len(k.boots) * len(catalog.PLANS))
    for g in range(n_groups):
        boot_index, round_ = g % len(k.boots), g // len(k.boots)
        group, cases = gen.group_and_cases(k, k.boots[boot_index], orders[boot_index][round_])
        await writer.add("test_group", group)
        for case in cases:
            await writer.add("test_case", case)
        gen.placed["test_group"] += 1
        gen.placed["test_case"] += len(cases)
