"""Small helpers shared by the report builders."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

from kci_backend import wire

from . import links


def text(value: Any, missing: str = "") -> str:
    return missing if value is None else str(value)


def sort_key(*names: str) -> Callable[[dict], tuple]:
    """Sort documents by these fields, nulls first, without comparing None to str."""
    return lambda doc: tuple((doc.get(n) is not None, text(doc.get(n))) for n in names)


def group_by(docs: Iterable[dict], name: str, *, casefold: bool = False) -> list[tuple[str, list[dict]]]:
    """(value, documents) pairs sorted by value; documents keep their order."""
    groups: dict[str, list[dict]] = {}
    for doc in docs:
        groups.setdefault(text(doc.get(name)), []).append(doc)
    return sorted(groups.items(), key=(lambda kv: (kv[0].casefold(), kv[0])) if casefold else (lambda kv: kv[0]))


def millis(value: Any) -> int | None:
    """An instant in any stored form (datetime, {"$date": ms}, ms, ISO text) as ms."""
    if isinstance(value, dict):
        value = value.get("$date")
    if isinstance(value, datetime):
        return wire.to_millis(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str):
        try:
            return wire.to_millis(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def whole_days(start: Any, end: Any) -> int:
    first, last = millis(start), millis(end)
    if first is None or last is None:
        return 0
    return max(0, (last - first) // 86_400_000)


def oid_text(value: Any) -> str:
    """An id stored as text or in its {"$oid"} wire form."""
    if isinstance(value, dict):
        value = value.get("$oid")
    return text(value)


def dashboard(settings: Any, *parts: object) -> str:
    return links.join(settings.base_url, *parts)


def storage(settings: Any, *parts: object) -> str:
    """A link to a stored file; the server's own /storage/ when no public URL is set."""
    return links.join(settings.storage_url or "/storage", links.storage_path(*parts))


def kernel_path(trigger: Any) -> list[str]:
    """`<job>/branch/<git_branch>/kernel/<kernel>`, each value one encoded segment."""
    return [links.segment(trigger.job), "branch", links.segment(trigger.git_branch), "kernel",
            links.segment(trigger.kernel)]
