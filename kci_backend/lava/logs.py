"""The LAVA job log: parsing, per-case fragments and LAVA filters (§7).

The log is YAML text holding a list of `{dt, lvl, msg}` objects. Each
line is normalised to `{"dt": str, "lvl": str, "msg": str}` at parse time,
keeping its position, since result entries point at lines by index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kci_backend.lava.errors import LavaDataError
from kci_backend.lava.yamlsafe import YamlError, as_text, load_yaml

LogLine = dict[str, str]

_SIGNAL_RECEIVED = re.compile(r"Received signal: <TESTCASE> TEST_CASE_ID=([A-Za-z0-9_]+)")
_LAVA_MARKUP = re.compile(r"<LAVA_.+>", re.DOTALL)


def parse_log(raw: Any) -> list[LogLine]:
    """Load the payload's `log` value (YAML text; missing → empty)."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        try:
            raw = load_yaml(raw)
        except YamlError as error:
            raise LavaDataError(f"log is {error}") from None
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise LavaDataError("log is not a list of log lines")
    return [_normalise_line(item) for item in raw]


def _normalise_line(item: Any) -> LogLine:
    if not isinstance(item, dict):
        return {"dt": "", "lvl": "", "msg": as_text(item)}
    return {
        "dt": as_text(item.get("dt")),
        "lvl": as_text(item.get("lvl")),
        "msg": as_text(item.get("msg")),
    }


def login_end_index(log: Sequence[LogLine]) -> int:
    """Start line S: the first `end: … login-action …` line, else 0."""
    for index, line in enumerate(log):
        msg = line["msg"]
        if msg.startswith("end:") and "login-action" in msg[4:]:
            return index
    return 0


def parse_line_number(value: Any) -> int | None:
    """A result's `log_end_line` (decimal string or integer); `None` when absent or bad."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


def case_end_line(log: Sequence[LogLine], end_line: int) -> int:
    """Move E back to the case's own `<LAVA_SIGNAL_TESTCASE …>` line when LAVA logged it earlier."""
    if end_line >= len(log):
        return end_line
    received = _SIGNAL_RECEIVED.match(log[end_line]["msg"])
    if not received:
        return end_line
    own_signal = f"<LAVA_SIGNAL_TESTCASE TEST_CASE_ID={received.group(1)}"
    for index in range(end_line - 1, -1, -1):
        if log[index]["msg"].startswith(own_signal):
            return index
    return end_line


def keep_line(line: LogLine) -> bool:
    """LAVA filters: target output only, without lines that are LAVA signals."""
    return line["lvl"] == "target" and not _LAVA_MARKUP.match(line["msg"])


@dataclass
class FragmentRequest:
    """One suite case asking for its log slice; `log_lines` is filled in place."""

    end_line: int | None
    log_lines: list[LogLine]


def assign_fragments(log: Sequence[LogLine], requests: Iterable[FragmentRequest]) -> None:
    """Give each case the log lines between the previous case and its own end (§7 steps 1–4).

    `requests` must be in import order (suites in payload order, cases in
    execution order); ties in the end line keep that order.
    """
    start = login_end_index(log)
    located = [
        (case_end_line(log, request.end_line), request)
        for request in requests
        if request.end_line is not None
    ]
    located.sort(key=lambda pair: pair[0])
    cursor = start
    for end, request in located:
        request.log_lines[:] = [dict(line) for line in log[cursor:end] if keep_line(line)]
        cursor = end + 1 if end < len(log) else end


def target_text(log: Iterable[LogLine]) -> str:
    """Content of the `.txt` boot log: every `target` message, one per line."""
    return "".join(f"{line['msg']}\n" for line in log if line["lvl"] == "target")
