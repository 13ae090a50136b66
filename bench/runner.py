"""`bench/run`: the server and its two floors under wrk, scenario by scenario.

Order of a run: sample the database and write the request files; EXPLAIN
each read scenario's SQL; start the server and both floors (idle processes
cost nothing); for each read scenario, a short warm-up on each, then
`--repeat` rounds of server run + floor (b) run back to back, so a scenario
and its floor see the same machine load; keep each one's best round (the one
least disturbed by other work); floor (a) the same way; then the limit=0
export, then ingestion (each body is posted once: no warm-up, no repeat).
Results go to bench/results/.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sqlite3
import subprocess
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson

from kci_backend.store.database import open_database

from . import common, measure, scenarios
from .sqlof import Compiler

SERVER_PORT, FLOOR_B_PORT, FLOOR_A_PORT = 18888, 18889, 18887


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory_gib": round(int(mem) / 2**20, 1),
            "kernel": platform.release(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version}


def admin_token(database_url: str) -> str:
    out = subprocess.run([str(common.VENV_BIN / "kci-backend"), "token", "create", "--admin"], check=True,
                         capture_output=True, text=True, env={**os.environ, "KCI_DATABASE_URL": database_url})
    return out.stdout.strip().splitlines()[0]


# ---------------------------------------------------------------------------
# Preparation
# ---------------------------------------------------------------------------


async def prepare(database_url: str, directory: Path) -> tuple[dict[str, Path], scenarios.Sample, dict]:
    db = open_database(database_url)
    await db.connect()
    try:
        sample = await scenarios.sample(db)
        files = scenarios.write_all(sample, directory)
        plans = await explain_all(db, files)
    finally:
        await db.close()
    return files, sample, plans


async def explain_all(db, files: dict[str, Path], per_scenario: int = 4) -> dict[str, list[dict]]:
    """EXPLAIN the distinct statements of the first requests of each read scenario."""
    compiler = Compiler(db)
    out: dict[str, list[dict]] = {}
    for name in scenarios.READS:
        if name == "mix":
            continue
        seen: dict[str, tuple] = {}
        for line in files[name].read_text().splitlines()[:50]:
            method, target, *body = line.split("\t")
            for statement in compiler.statements(method, target, body[0].encode() if body else b""):
                seen.setdefault(statement.sql, statement.args)
            if len(seen) >= per_scenario:
                break
        out[name] = [dict(sql=sql, **await explain(db, sql, args)) for sql, args in seen.items()]
    return out


async def explain(db, sql: str, args: tuple) -> dict:
    if db.kind == "postgresql":
        async with db.pool.acquire() as conn:
            return await measure.explain_postgres(conn, sql, args)
    return measure.explain_sqlite(db._reader, sql, args)


# ---------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------


def measured(port: int, path: Path, token: str, seconds: float, sampler=None) -> dict:
    if sampler is not None:
        sampler.reset()
    result = measure.wrk(port, path, token, seconds).as_dict()
    if sampler is not None:
        result["peak_rss_mib"] = sampler.peak_mib()
    result["load"] = load_average()
    return result


def best(runs: list[dict]) -> dict:
    """The run least disturbed by other work on the machine (highest req/s), with every run's req/s."""
    top = dict(max(runs, key=lambda r: r["rps"]))
    top["all_rps"] = [r["rps"] for r in runs]
    return top


def export(port: int, target: str, token: str, sampler: measure.RssSampler) -> dict:
    idle = round(sampler.sample() / 1024, 1)
    sampler.reset()
    started = time.monotonic()
    out = subprocess.run(["curl", "-s", "-o", "/dev/null", "-H", f"Authorization: {token}", "-w",
                          "%{http_code} %{size_download} %{time_starttransfer} %{time_total}",
                          f"http://127.0.0.1:{port}{target}"], capture_output=True, text=True, check=True).stdout
    elapsed = time.monotonic() - started
    status, size, first_byte, total = out.split()
    return {"status": int(status), "bytes": int(size), "first_byte_s": float(first_byte),
            "seconds": round(elapsed, 2), "idle_rss_mib": idle, "peak_rss_mib": sampler.peak_mib()}


def serve_command(database_url: str, port: int) -> list[str]:
    return [str(common.VENV_BIN / "kci-backend"), "serve", "--workers", "2", "--port", str(port),
            "--database-url", database_url]


def floor_command(app: str, port: int) -> list[str]:
    return [str(common.VENV_BIN / "python"), "-m", "uvicorn", f"bench.floors:{app}", "--factory", "--workers", "2",
            "--port", str(port), "--no-access-log", "--log-level", "warning"]


def start_all(args, files: dict[str, Path], work: Path) -> dict[str, measure.Service]:
    """The server and both floors, on their own ports. Only the one under wrk does any work, so
    each scenario can be run on the server and on its floor back to back (same machine load)."""
    services = {
        "server": measure.Service("server", serve_command(args.database_url, SERVER_PORT),
                                  {"KCI_STORAGE_DIR": str(work / "storage")}, work / "server.log", SERVER_PORT),
        "floor_b": measure.Service("floor_b", floor_command("sql_app", FLOOR_B_PORT),
                                   {"BENCH_FLOOR_DB": args.database_url,
                                    "BENCH_FLOOR_REQUESTS": str(files["mix"].parent)},
                                   work / "floor_b.log", FLOOR_B_PORT, cwd=common.ROOT),
        "floor_a": measure.Service("floor_a", floor_command("fixed_app", FLOOR_A_PORT), {}, work / "floor_a.log",
                                   FLOOR_A_PORT, cwd=common.ROOT),
    }
    for service in services.values():
        service.wait_ready()
    return services


def run_all(args, files: dict[str, Path], token: str, work: Path) -> dict[str, dict[str, Any]]:
    services = start_all(args, files, work)
    results: dict[str, dict[str, Any]] = {"server": {}, "floor_b": {}, "floor_a": {}}
    try:
        sampler = measure.RssSampler(services["server"].pid, interval=0.05)
        results["server"]["idle_rss_mib"] = round(sampler.sample() / 1024, 1)
        targets = [("server", SERVER_PORT, token, sampler), ("floor_b", FLOOR_B_PORT, "", None)]
        plan = [(name, targets) for name in scenarios.READS]
        plan.append(("get_by_id", [("floor_a", FLOOR_A_PORT, "", None)]))
        for name, where in plan:
            runs: dict[str, list[dict]] = {target: [] for target, *_ in where}
            for target, port, key, _ in where:
                measure.wrk(port, files[name], key, args.warmup)
            for repeat in range(args.repeat):
                for target, port, key, rss in where:
                    print(f"  {name} {target} #{repeat + 1}", flush=True)
                    runs[target].append(measured(port, files[name], key, args.seconds, rss))
            for target, done in runs.items():
                results[target][name] = best(done)
        print("  export", flush=True)
        target = files["export"].read_text().split("\t")[1].strip()
        results["server"]["export"] = {"target": target, **export(SERVER_PORT, target, token, sampler)}
        for name in scenarios.INGESTION:  # each body once: no warm-up, no repeat
            print(f"  {name} server", flush=True)
            results["server"][name] = measured(SERVER_PORT, files[name], token, args.seconds, sampler)
        sampler.stop()
    finally:
        for service in services.values():
            service.stop()
    return results


def ratios(server: dict, floor_a: dict, floor_b: dict) -> dict[str, dict]:
    fixed = floor_a["get_by_id"]["rps"]
    out = {}
    for name in (*scenarios.READS, *scenarios.INGESTION):
        row = {"vs_floor_a": round(server[name]["rps"] / fixed, 3)}
        if name in floor_b:
            row["vs_floor_b"] = round(server[name]["rps"] / floor_b[name]["rps"], 3)
        out[name] = row
    return out


def run(args) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="kci-bench-"))
    started = datetime.now(timezone.utc)
    load_before = load_average()
    print(f"preparing requests and EXPLAIN in {work}", flush=True)
    files, sample, plans = asyncio.run(prepare(args.database_url, work / "requests"))
    token = admin_token(args.database_url)
    results = run_all(args, files, token, work)
    server, floor_a, floor_b = results["server"], results["floor_a"], results["floor_b"]
    return {
        "database": common.kind_of(args.database_url), "started": started.isoformat(timespec="seconds"),
        "machine": machine(), "load_before": load_before, "load_after": load_average(),
        "seconds_per_scenario": args.seconds, "repeat": args.repeat, "concurrency": 16, "server_workers": 2,
        "busy_kernel": {"job": sample.busy[0], "git_branch": sample.busy[1], "kernel": sample.busy[2],
                        "test_cases": sample.busy[3]},
        "server": server, "floor_a": floor_a, "floor_b": floor_b, "ratios": ratios(server, floor_a, floor_b),
        "explain": plans, "work_dir": str(work),
    }


# ---------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------


def markdown(result: dict) -> str:
    server, ratio = result["server"], result["ratios"]
    lines = [f"### {result['database']} — {result['started']}, load {result['load_before']} → "
             f"{result['load_after']}", "",
             "| scenario | req/s | p50 ms | p99 ms | peak RSS MiB | floor (b) req/s | vs (b) | vs (a) | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for name in (*scenarios.READS, *scenarios.INGESTION):
        row = server[name]
        fb = result["floor_b"].get(name, {})
        errors = {k: v for k, v in row["errors"].items() if v}
        lines.append(f"| {name} | {row['rps']:.0f} | {row['p50_ms']} | {row['p99_ms']} | {row['peak_rss_mib']} | "
                     f"{fb.get('rps', 0):.0f} | {ratio[name].get('vs_floor_b', '—')} | {ratio[name]['vs_floor_a']} | "
                     f"{errors or ''} |")
    posted = server["test_group_post"]["rps"] * scenarios.CASES_PER_POSTED_GROUP
    ex = server["export"]
    busy = result["busy_kernel"]
    lines += ["", f"floor (a) fixed JSON: {result['floor_a']['get_by_id']['rps']:.0f} req/s, "
                  f"p99 {result['floor_a']['get_by_id']['p99_ms']} ms",
              f"ingestion: {posted:.0f} test cases/s ({server['test_group_post']['rps']:.1f} groups of "
              f"{scenarios.CASES_PER_POSTED_GROUP}/s), {server['boot_post']['rps']:.0f} boots/s",
              f"export limit=0 of {busy['test_cases']} test cases ({busy['job']}/{busy['git_branch']}/"
              f"{busy['kernel']}): HTTP {ex['status']}, {ex['bytes'] / 2**20:.0f} MiB in {ex['seconds']} s "
              f"(first byte {ex['first_byte_s']} s), server RSS {ex['idle_rss_mib']} → peak {ex['peak_rss_mib']} MiB",
              "", "EXPLAIN (seq scans flagged):", ""]
    for name, plans in result["explain"].items():
        for p in plans:
            flag = f" **SEQ SCAN {', '.join(p['seq_scans'])}**" if p["seq_scans"] else ""
            lines.append(f"- {name}: {p['execution_ms']} ms — {p['plan']}{flag}")
    return "\n".join(lines) + "\n"


def save(result: dict) -> Path:
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = result["started"].replace(":", "").replace("-", "")[:15]
    base = common.RESULTS / f"run-{result['database']}-{stamp}"
    base.with_suffix(".json").write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    base.with_suffix(".md").write_text(markdown(result))
    return base.with_suffix(".md")
