"""`kci-backend migrate` and `serve`: configuration and database problems are one line and exit 2."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

PG_URL = os.environ.get("KCI_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_SERVER = PG_URL.rsplit("/", 1)[0]

BAD_DATABASES = {
    "not a URL": "not a url",
    "unsupported scheme": "mysql://user@127.0.0.1/kci",
    "PostgreSQL unreachable": "postgresql://postgres@127.0.0.1:1/kci",
    "PostgreSQL unknown host": "postgresql://postgres@no-such-host.invalid/kci",
    "PostgreSQL missing database": f"{PG_SERVER}/kci_no_such_database",
    "SQLite path not creatable": "sqlite:////proc/no/such/dir/kci.sqlite3",
}
BAD_SETTINGS = {
    "short master key": {"KCI_MASTER_KEY": "short"},
    "bad trusted proxy": {"KCI_TRUSTED_PROXIES": '["not-a-network"]'},
    "bad body limit": {"KCI_MAX_BODY_BYTES": "lots"},
}


def run_cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kci_backend.cli", *args], env=env, capture_output=True, text=True,
                          timeout=60)


def assert_one_line_failure(result: subprocess.CompletedProcess, case: str) -> None:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2, (case, result.returncode, result.stderr)
    assert "Traceback" not in result.stderr, case
    assert len(lines) == 1, (case, result.stderr)
    assert lines[0].startswith("kci-backend: "), (case, lines[0])
    assert result.stdout == "", case


def base_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KCI_")}
    env.update(KCI_LOG_LEVEL="info", KCI_STORAGE_DIR=str(tmp_path / "storage"))
    return env


def test_bad_database_urls(tmp_path):
    env = base_env(tmp_path)
    jobs = [(f"migrate / {case}", ["migrate", "--database-url", url]) for case, url in BAD_DATABASES.items()]
    # `serve` goes through the same checks before it binds its port.
    jobs += [(f"serve / {case}", ["serve", "--port", "1", "--database-url", BAD_DATABASES[case]])
             for case in ("not a URL", "PostgreSQL unreachable", "SQLite path not creatable")]
    # Through the environment variable as well as the flag.
    jobs.append(("migrate / KCI_DATABASE_URL", ["migrate"]))
    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        results = list(pool.map(lambda job: run_cli(job[1], {**env, "KCI_DATABASE_URL": "mysql://x/y"}
                                                     if job[0].endswith("KCI_DATABASE_URL") else env), jobs))
    for (case, _), result in zip(jobs, results):
        assert_one_line_failure(result, case)


def test_bad_settings(tmp_path):
    env = base_env(tmp_path)
    url = f"sqlite:///{tmp_path / 'kci.sqlite3'}"
    jobs = [(f"{command} / {case}", [command, "--database-url", url] + (["--port", "1"] if command == "serve" else []),
             extra) for case, extra in BAD_SETTINGS.items()
            for command in (("serve",) if case == "short master key" else ("migrate",))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda job: run_cli(job[1], {**env, **job[2]}), jobs))
    for (case, _, extra), result in zip(jobs, results):
        assert_one_line_failure(result, case)
        assert next(iter(extra)) in result.stderr, (case, result.stderr)


def test_migrate_again_succeeds(backend):
    # `serve` migrated this database already; running it again changes nothing and succeeds.
    result = run_cli(["migrate"], backend.env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "database is up to date"
