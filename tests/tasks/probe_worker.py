"""`kci-backend worker` with test task kinds registered; run as a script.

Each kind appends one line per run to the file named by PROBE_OUT (O_APPEND
writes of one line are atomic, so several processes can share the file).
"""

from __future__ import annotations

import asyncio
import os
import sys

from kci_backend.tasks import Permanent, task_handler


def record(line: str) -> None:
    fd = os.open(os.environ["PROBE_OUT"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


@task_handler("probe")
async def probe(state, payload: dict) -> None:
    await asyncio.sleep(payload.get("sleep", 0.01))
    record(f"probe {payload['n']} {os.getpid()}")


@task_handler("flaky", max_attempts=3)
async def flaky(state, payload: dict) -> None:
    record(f"flaky {payload['n']} {asyncio.get_running_loop().time()}")
    raise RuntimeError("not yet")


@task_handler("hopeless")
async def hopeless(state, payload: dict) -> None:
    record(f"hopeless {payload['n']}")
    raise Permanent("cannot ever work")


@task_handler("crash")
async def crash(state, payload: dict) -> None:
    """Kills its process on the first run (a worker dying mid-task)."""
    if not os.path.exists(payload["marker"]):
        open(payload["marker"], "w").close()
        os._exit(3)
    record(f"crash {os.getpid()}")


if __name__ == "__main__":
    from kci_backend.cli import main

    sys.argv = ["kci-backend", "worker", *sys.argv[1:]]
    main()
