"""The request files of every scenario, made from values that exist in the generated database.

A request file has one request per line, `METHOD<TAB>PATH[<TAB>BODY]`, and
is what both wrk (bench/wrk/rotate.lua) and floor (b) (bench/floors.py)
read, so the server and its floor see byte-identical requests.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import orjson
import sqlalchemy as sa

from kci_backend.store.database import Database
from kci_backend.store.tables import table

from . import catalog

# Dashboard queries, each measured alone and then all together ("mix").
DASHBOARD = ("job_list", "build_list", "boot_list", "boot_lab_board", "test_case_plan_status", "count",
             "distinct", "aggregate", "batch")
READS = DASHBOARD + ("mix", "get_by_id")
INGESTION = ("boot_post", "test_group_post")
CASES_PER_POSTED_GROUP = 100


@dataclass
class Sample:
    kernels: list[tuple[str, str, str]]  # (job, git_branch, kernel)
    lab_boards: list[tuple[str, str]]
    ids: dict[str, list[str]]
    builds: list[dict]
    used_slots: set[tuple[str, str, str]]  # (build _id, board, lab) already booted
    busy: tuple[str, str, str, int]  # (job, git_branch, kernel, test cases)
    plans: list[str] = field(default_factory=lambda: list(catalog.PLANS))


async def _rows(db: Database, key: str, build) -> list:
    return await db.fetch(db.statement(("bench", key), build), {}, heavy=True)


async def sample(db: Database, seed: int = 7) -> Sample:
    job, boot, build = table("job"), table("boot"), table("build")
    group, case = table("test_group"), table("test_case")
    kernels = [tuple(r) for r in await _rows(db, "kernels", lambda: sa.select(job.c.job, job.c.git_branch,
                                                                               job.c.kernel).order_by(job.c._id))]
    lab_boards = [tuple(r) for r in await _rows(db, "lab-boards", lambda: sa.select(
        boot.c.lab_name, boot.c.board).distinct().order_by(boot.c.lab_name, boot.c.board))]
    ids = {}
    for name, t in (("build", build), ("boot", boot), ("test/case", case)):
        rows = await _rows(db, f"ids-{name}", lambda t=t: sa.select(t.c._id).order_by(sa.func.random()).limit(2000))
        ids[name] = [r[0] for r in rows]
    columns = ("_id", "job", "kernel", "git_branch", "arch", "defconfig", "defconfig_full", "build_environment",
               "git_commit", "kernel_image")
    builds = [dict(zip(columns, r)) for r in await _rows(db, "post-builds", lambda: sa.select(
        *(build.c[c] for c in columns)).where(build.c.status == "PASS").order_by(sa.func.random()).limit(800))]
    chosen = [b["_id"] for b in builds]
    used = set()
    for start in range(0, len(chosen), 200):
        part = chosen[start:start + 200]
        rows = await db.fetch(db.compile(sa.select(boot.c.build_id, boot.c.board, boot.c.lab_name)
                                         .where(boot.c.build_id.in_(part))), {}, heavy=True)
        used.update((r[0], r[1], r[2]) for r in rows)
    busy = (await _rows(db, "busy", lambda: sa.select(group.c.job, group.c.git_branch, group.c.kernel)
                        .group_by(group.c.job, group.c.git_branch, group.c.kernel)
                        .order_by(sa.func.count().desc()).limit(1)))[0]
    n_cases = (await db.fetch(db.compile(sa.select(sa.func.count()).select_from(case).where(
        case.c.job == busy[0], case.c.git_branch == busy[1], case.c.kernel == busy[2])), {}, heavy=True))[0][0]
    return Sample(kernels, lab_boards, ids, builds, used, (busy[0], busy[1], busy[2], int(n_cases)))


def get(path: str, **params) -> str:
    query = urlencode([(k, v) for k, values in params.items()
                       for v in (values if isinstance(values, list) else [values])])
    return f"GET\t{path}?{query}" if query else f"GET\t{path}"


def post(path: str, body: dict) -> str:
    return f"POST\t{path}\t{orjson.dumps(body).decode()}"


def dashboard_requests(s: Sample, rng: random.Random, n: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {name: [] for name in DASHBOARD}
    for _ in range(n):
        job, branch, kernel = rng.choice(s.kernels)
        lab, board = rng.choice(s.lab_boards)
        jbk = {"job": job, "git_branch": branch, "kernel": kernel}
        out["job_list"].append(get("/job", job=job, git_branch=branch, sort="created_on", limit=20))
        out["build_list"].append(get("/build", **jbk, sort="created_on", limit=50))
        out["boot_list"].append(get("/boot", **jbk, sort="created_on", limit=50))
        out["boot_lab_board"].append(get("/boot", lab_name=lab, board=board, sort="created_on", limit=50))
        out["test_case_plan_status"].append(get("/test/case", **jbk, plan=rng.choice(s.plans),
                                                status=rng.choice(("FAIL", "FAIL", "SKIP", "PASS")), limit=100))
        out["count"].append(get("/count", **jbk))
        out["distinct"].append(rng.choice((get("/build/distinct/arch", job=job, kernel=kernel),
                                           get("/boot/distinct/board", lab_name=lab))))
        out["aggregate"].append(get("/boot", **jbk, aggregate="board", field=["status", "lab_name"],
                                    sort="created_on"))
        scope = f"job={job}&git_branch={branch}&kernel={kernel}"
        out["batch"].append(post("/batch", {"batch": [
            {"method": "GET", "resource": "count", "document": "boot", "query": scope, "operation_id": "boots"},
            {"method": "GET", "resource": "build", "query": scope + "&status=FAIL&limit=10",
             "operation_id": "failed_builds"},
            {"method": "GET", "resource": "build", "distinct": "arch", "query": scope, "operation_id": "arches"},
            {"method": "GET", "resource": "boot", "query": scope + "&status=FAIL&limit=10",
             "operation_id": "failed_boots"},
        ]}))
    return out


def id_requests(s: Sample, rng: random.Random, n: int) -> list[str]:
    paths = [(prefix, i) for prefix, ids in s.ids.items() for i in ids]
    return [get(f"/{prefix}/{i}") for prefix, i in rng.sample(paths, min(n, len(paths)))]


def free_slots(s: Sample) -> list[tuple[dict, str, str]]:
    """(build, board, lab) combinations no boot exists for yet: every POST is a new boot."""
    out = []
    for build in s.builds:
        for board, lab in catalog.board_slots(build["arch"]):
            if (build["_id"], board, lab) not in s.used_slots:
                out.append((build, board, lab))
    return out


def boot_body(build: dict, board: str, lab: str, rng: random.Random) -> dict:
    job_id = rng.randrange(1_000_000, 9_999_999)
    return {
        "version": "1.1", "lab_name": lab, "job": build["job"], "kernel": build["kernel"],
        "git_branch": build["git_branch"], "arch": build["arch"], "defconfig": build["defconfig"],
        "defconfig_full": build["defconfig_full"], "build_environment": build["build_environment"],
        "board": board, "board_instance": f"{board}-1", "device_type": board,
        "boot_result": rng.choice(("PASS",) * 9 + ("FAIL",)), "boot_time": round(rng.uniform(5, 90), 2),
        "boot_log": f"boot-{board}.txt", "boot_log_html": f"boot-{board}.html", "endian": "little",
        "kernel_image": build["kernel_image"], "mach": board.split("-")[0], "boot_job_id": str(job_id),
        "boot_job_url": f"https://{lab}.example.org/scheduler/job/{job_id}", "git_commit": build["git_commit"],
    }


def group_body(build: dict, board: str, lab: str, rng: random.Random) -> dict:
    cases = [{"name": f"case_{i:03d}", "status": rng.choice(("PASS",) * 17 + ("FAIL", "SKIP", "SKIP")),
              "time": round(rng.uniform(0.01, 5), 3)} for i in range(CASES_PER_POSTED_GROUP)]
    return {
        "name": "kselftest-bench", "lab_name": lab, "arch": build["arch"],
        "build_environment": build["build_environment"], "defconfig": build["defconfig"],
        "defconfig_full": build["defconfig_full"], "device_type": board, "git_branch": build["git_branch"],
        "git_commit": build["git_commit"], "job": build["job"], "kernel": build["kernel"],
        "board_instance": f"{board}-1", "time": round(rng.uniform(30, 600), 1), "test_cases": cases,
    }


def write_all(s: Sample, directory: Path, *, reads: int = 1000, boots: int = 12000, groups: int = 3000,
              seed: int = 7) -> dict[str, Path]:
    """Every scenario's request file in `directory`; read scenarios go to `directory/reads` (floor b)."""
    rng = random.Random(seed)
    reads_dir = directory / "reads"
    reads_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, list[str]] = dashboard_requests(s, rng, reads)
    files["mix"] = [line for lines in zip(*(files[name] for name in DASHBOARD)) for line in lines]
    files["get_by_id"] = id_requests(s, rng, 3000)
    boot_slots = free_slots(s)
    rng.shuffle(boot_slots)
    # No stored group has the posted plan name, so any build/board/lab makes a new group.
    group_slots = [(b, board, lab) for b in s.builds for board, lab in catalog.board_slots(b["arch"])]
    rng.shuffle(group_slots)
    files["boot_post"] = [post("/boot", boot_body(*slot, rng)) for slot in boot_slots[:boots]]
    files["test_group_post"] = [post("/test/group", group_body(*slot, rng)) for slot in group_slots[:groups]]
    job, branch, kernel, _ = s.busy
    files["export"] = [get("/test/case", job=job, git_branch=branch, kernel=kernel, limit=0)]
    paths = {}
    for name, lines in files.items():
        if len(lines) % 2:
            lines = lines[:-1] or lines  # an even count keeps wrk's 2 threads on disjoint lines
        path = (reads_dir if name in READS else directory) / f"{name}.txt"
        path.write_text("\n".join(lines) + "\n")
        paths[name] = path
    return paths
