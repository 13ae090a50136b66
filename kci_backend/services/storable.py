"""What both databases can store: neither PostgreSQL text/JSONB nor our SQLite
columns may hold U+0000, so imports refuse NUL before writing anything."""

from __future__ import annotations

from typing import Any


def contains_nul(value: Any) -> bool:
    """True if any string (or object key) in a JSON value holds NUL. Iterative,
    so deeply nested input cannot exhaust the stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
