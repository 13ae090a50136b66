"""Measuring tools: processes, peak RSS from /proc, wrk runs, EXPLAIN plans."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from kci_backend.store.tables import TABLES

WRK = "/usr/bin/wrk"
LUA = Path(__file__).parent / "wrk" / "rotate.lua"


# ---------------------------------------------------------------------------
# Processes
# ---------------------------------------------------------------------------


class Service:
    """A server process started in its own session, so it and its workers stop together."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path, port: int,
                 cwd: Path | None = None) -> None:
        self.name, self.port = name, port
        self.log = log.open("ab")
        self.process = subprocess.Popen(command, env={**os.environ, **env}, stdout=self.log,
                                        stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}; see {self.log.name}")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/version", timeout=2).read()
                return
            except urllib.error.HTTPError:
                return  # any HTTP answer means it is serving
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"{self.name} did not start within {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def descendants(root: int) -> list[int]:
    """`root` and every process below it, from the parent ids in /proc/<pid>/stat."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    out, pending = [], [root]
    while pending:
        pid = pending.pop()
        out.append(pid)
        pending.extend(children.get(pid, ()))
    return out


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples the summed RSS of a process tree in a thread; `peak_mib()` since the last reset."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        self.root, self.interval = root, interval
        self.pids = descendants(root)
        self.peak = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def sample(self) -> int:
        return sum(rss_kib(pid) for pid in self.pids)

    def run(self) -> None:
        refreshed = time.monotonic()
        while not self.stopping.wait(self.interval):
            if time.monotonic() - refreshed > 2:
                self.pids, refreshed = descendants(self.root), time.monotonic()
            self.peak = max(self.peak, self.sample())

    def reset(self) -> None:
        self.pids = descendants(self.root)
        self.peak = self.sample()

    def peak_mib(self) -> float:
        return round(self.peak / 1024, 1)

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join()


# ---------------------------------------------------------------------------
# wrk
# ---------------------------------------------------------------------------


@dataclass
class WrkResult:
    requests: int
    seconds: float
    errors: dict[str, int]
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"requests": self.requests, "rps": round(self.rps, 1), "p50_ms": self.p50_ms, "p90_ms": self.p90_ms,
                "p99_ms": self.p99_ms, "max_ms": self.max_ms, "errors": self.errors}


def wrk(port: int, requests_file: Path, token: str, seconds: float, *, connections: int = 16,
        threads: int = 2, timeout: str = "10s") -> WrkResult:
    command = [WRK, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
               "--timeout", timeout, "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(requests_file), token, str(threads)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    match = re.search(r"^WRKJSON (.*)$", output, re.M)
    if not match:
        raise RuntimeError(f"wrk printed no result:\n{output}")
    data = orjson.loads(match.group(1))
    lat = data["latency_us"]
    return WrkResult(data["requests"], data["duration_us"] / 1e6, data["errors"], round(lat["p50"] / 1000, 2),
                     round(lat["p90"] / 1000, 2), round(lat["p99"] / 1000, 2), round(lat["max"] / 1000, 2))


# ---------------------------------------------------------------------------
# EXPLAIN
# ---------------------------------------------------------------------------


def _pg_nodes(plan: dict) -> list[dict]:
    out = [plan]
    for child in plan.get("Plans", ()):
        out.extend(_pg_nodes(child))
    return out


def _pg_summary(plan: dict) -> str:
    parts = []
    for node in _pg_nodes(plan):
        text = node["Node Type"]
        if "Index Name" in node:
            text += f" {node['Index Name']}"
        elif "Relation Name" in node:
            text += f" {node['Relation Name']}"
        parts.append(text)
    return " > ".join(parts)


async def explain_postgres(conn, sql: str, args: tuple) -> dict[str, Any]:
    """The custom plan (EXPLAIN ANALYZE, what the first executions get) and the
    generic plan (what a prepared statement may switch to after five runs)."""
    analyzed = orjson.loads(await conn.fetchval(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", *args))[0]
    async with conn.transaction():
        await conn.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        generic = orjson.loads(await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args))[0]
    tables = sorted({n.get("Relation Name", "?") for p in (analyzed, generic) for n in _pg_nodes(p["Plan"])
                     if n["Node Type"] == "Seq Scan"})
    # The table's size says whether the scan matters: the planner rightly reads a tiny table whole.
    seq = [f"{name} ({await conn.fetchval('SELECT reltuples::bigint FROM pg_class WHERE relname = $1', name)} rows)"
           for name in tables]
    return {"plan": _pg_summary(analyzed["Plan"]), "generic_plan": _pg_summary(generic["Plan"]),
            "execution_ms": round(analyzed["Execution Time"], 2), "seq_scans": seq}


def explain_sqlite(conn, sql: str, args: tuple) -> dict[str, Any]:
    details = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args).fetchall()]
    started = time.perf_counter()
    conn.execute(sql, args).fetchall()
    elapsed = (time.perf_counter() - started) * 1000
    # "SCAN t" reads the whole table, "SCAN t USING [COVERING] INDEX i" a whole index (no key
    # range): both grow with the table. Scans of subqueries and temporary b-trees are not counted.
    scans = sorted({" ".join(d.split()[1:2] + (["(whole index)"] if "USING" in d else []))
                    for d in details if d.startswith("SCAN ") and d.split()[1] in TABLES})
    return {"plan": " > ".join(details), "execution_ms": round(elapsed, 2), "seq_scans": scans}
